"""The judge's cheap constructors build the same findings as their dataclasses'
own `__init__`, and an occurrence's facts follow its sightings."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone

import pytest

from lmtrace.correlate import Coverage, Stretch, coverage_of, join_sightings
from lmtrace.events import Event, LogKind, Source, Status
from lmtrace.findings import ContextReport, Firing, MigrationReport, PhaseReport, Sighting, maker


@pytest.mark.parametrize("cls", [Sighting, PhaseReport, ContextReport, Firing, MigrationReport])
def test_maker_equals_init(cls: type) -> None:
    names = [f.name for f in dataclasses.fields(cls)]
    values = [f"v{i}" for i in range(len(names))]
    made = maker(cls)(*values)
    assert type(made) is cls
    assert made == cls(**dict(zip(names, values)))
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(made, names[0], "x")
    with pytest.raises(TypeError):
        maker(cls)(*values[:-1])  # every field given


def _ev(kind: LogKind, status: Status, line: int, **kw: object) -> Event:
    return Event(source=Source(kind=kind, path=kind.value, line=line), status=status,
                 event_type="compute.instance.live_migration.post.dest.end", **kw)  # type: ignore[arg-type]


def test_occurrence_facts_take_the_first_sighting_that_has_them() -> None:
    t = datetime(2020, 1, 1, tzinfo=timezone.utc)
    c = _ev(LogKind.COLLECTOR, Status.RECORDED, 1, event_id="e1", generated=t, host_name=None, request_id="r")
    q = _ev(LogKind.ZENPYTHON, Status.QUEUED, 2, event_id="e1", rcvtime=t, host_name="h2", display_name="vm")
    d = _ev(LogKind.ZENPYTHON, Status.DISCARDED, 3, event_id="e1", rcvtime=t, host_name="h3", device="dev")
    (o,) = join_sightings([c, q, d])
    assert (o.collector, o.queued, o.dropped) == (c, q, d)
    assert (o.event_id, o.request_id, o.host_name, o.display_name, o.device) == ("e1", "r", "h2", "vm", "dev")
    assert o.time == t and o.generated == t and o.any is c and o.phase is not None
    (z,) = join_sightings([q, d])  # zenpython only: the queued sighting ranks first
    assert z.any is q and z.host_name == "h2" and z.generated is None and z.time == t


def test_coverage_of_and_covers() -> None:
    ts = [datetime(2020, 1, 1, 0, m, tzinfo=timezone.utc) for m in (0, 5, 30, 31)]
    cov = coverage_of(reversed(ts))
    assert cov == Coverage((Stretch(ts[0], ts[1]), Stretch(ts[2], ts[3])))
    assert cov.covers(ts[0]) and not cov.covers(ts[1]) and not cov.covers(ts[3])
    assert coverage_of([]) == Coverage(())
