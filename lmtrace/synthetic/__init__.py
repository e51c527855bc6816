"""Synthetic Ceilometer collector and zenpython logs of Nova live migrations, with ground truth.

Writes, into ``--out``, a pair of logs in the formats of the real lines quoted in the public
write-up ("Processing Nova Live Migration Events in Zenoss", 2017-01-23) and ``manifest.json``,
which says for every migration what lmtrace should find::

    collector.log   2017-01-23 14:22:02.593 25667 INFO ceilometer_zenoss.dispatcher.zenoss [-] \
record_events called (events=[<Event: ID, TYPE, GENERATED, <Trait: NAME DTYPE VALUE> ...>])
    zenpython.log   2017-01-23 17:21:04,289 DEBUG zen.zenpython: Queued event (total of 6) {u'...': ...}

Usage::

    python -m lmtrace.synthetic --migrations 200 --concurrency 4 --noise-ratio 0.9 --out /tmp/lm
    python -m lmtrace.synthetic --size-mb 2048 --noise-ratio 0.99 --out /tmp/big

As a module: ``generate(Options(...), specs=None) -> dict`` (the manifest). ``specs`` (a list of
`MigrationSpec`) replaces the random schedule. It serves three users: ``samples/make_samples.py``
(the sample logs), the tests (ground truth to check lmtrace against) and ``benchmarks/run.py``
(large inputs).

The package: `spec` (what to generate: options, scenarios), `plan` (instances, migrations, events
and each migration's ground truth), `lines` (line formats, noise, the writer of both logs),
`build` (`generate`), `args` (the command line; ``__main__`` runs it).

Everything random comes from one ``random.Random(seed)``: the same options give the same bytes.
Standard library only; runs on Python >= 3.10.
"""

from __future__ import annotations

from .build import generate
from .spec import DEFAULT_WEIGHTS, SCENARIOS, MigrationSpec, Options, parse_offset

__all__ = ["DEFAULT_WEIGHTS", "SCENARIOS", "MigrationSpec", "Options", "generate", "parse_offset"]
