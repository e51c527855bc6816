"""Judge a group of joined events: operations and their reports, in one call.

`judge_occurrences` is what `analyze` does between joining the two logs and
filtering: group the occurrences into operations (lmtrace.grouping), gather
each one's context events, judge it (lmtrace.judge) and name the operations
of the same instance that overlap it. `lmtrace.watch` calls it on the events
it holds, so that a live watch and `analyze` judge with the same code.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime

from .correlate import Coverage, Occurrence
from .events import Event
from .findings import MigrationReport
from .grouping import Group, group_migrations
from .handlers import HandlerMap
from .judge import judge

__all__ = ["judge_occurrences"]


def judge_occurrences(
    occurrences: Sequence[Occurrence],
    *,
    coverage: Coverage | None,
    hmap: HandlerMap,
    zos: Coverage | None = None,
    released: Mapping[str, Sequence[Event]] | None = None,
    earlier: Sequence[MigrationReport] = (),
    earlier_hosts: Mapping[str, tuple[datetime, str]] | None = None,
) -> tuple[list[Group], list[MigrationReport]]:
    """Group joined events into migrations and judge each: the groups
    (oldest first) and their reports, in the same order. `coverage` is
    None when no zenpython log is read at all; `zos` zenopenstack's coverage
    (None: no zenopenstack log), `released` its released ObjectMaps per
    instance (lmtrace.zenpath). For lmtrace.watch, which
    forgets old events: `earlier`, operations judged before whose events
    are gone, named in `overlaps` too; `earlier_hosts`, per instance the
    latest (time, host) of the events gone (see group_migrations).
    """
    groups = group_migrations(occurrences, earlier_hosts=earlier_hosts)
    # every event of the instance that is no phase of an operation is context
    # (a rebuild in place, a shelve_offload never unshelved included)
    placed = {id(o) for g in groups for o in g.occurrences}
    context: dict[str | None, list[Occurrence]] = defaultdict(list)
    for o in occurrences:
        if id(o) not in placed and o.instance_id is not None:
            context[o.instance_id].append(o)
    for occs in context.values():
        occs.sort(key=lambda o: o.time)

    migrations = [
        judge(
            g,
            context=context.get(g.instance_id, ()),
            coverage=coverage,
            hmap=hmap,
            zos=zos,
            released=(released or {}).get(g.instance_id or "", ()),
        )
        for g in groups
    ]
    return groups, _mark_overlaps(migrations, earlier)


def _mark_overlaps(
    migrations: list[MigrationReport], earlier: Sequence[MigrationReport] = ()
) -> list[MigrationReport]:
    import dataclasses

    if earlier:  # judged before: in the order analyze would list them all
        mine = {id(m) for m in migrations}
        every = sorted([*earlier, *migrations], key=lambda m: (m.start, m.request_id or ""))
        return [new for old, new in zip(every, _mark_overlaps(every)) if id(old) in mine]
    by_instance: dict[str | None, list[int]] = defaultdict(list)
    for i, m in enumerate(migrations):
        if m.instance_id is not None:
            by_instance[m.instance_id].append(i)
    out = list(migrations)
    for idxs in by_instance.values():
        for i in idxs:
            a = migrations[i]
            others = tuple(
                migrations[j].label
                for j in idxs
                if j != i and migrations[j].start <= a.end and a.start <= migrations[j].end
            )
            if others:
                out[i] = dataclasses.replace(a, overlaps=others)
    return out
