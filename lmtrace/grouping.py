"""Group joined events into operations that move a VM (domain.md, "Verdict
rules", Migration, and "Other operations (the same rules, generalised)").

Each event type's row in lmtrace.phases says which operation it belongs to
and how it joins one (`Joins`); the passes below read only that:

- `request`: the operation's own calls share a request id; events without
  one join the same instance's operation of that kind whose nearest event is
  at most 10 minutes away (unless it already has this very phase: a second
  `_post.end` is a second migration);
- `open-or-near` (abort, force-complete): the same instance's operation still
  open at its time, or whose last event is at most 10 minutes away;
- `latest` (resize confirm / revert, later API calls): the same instance's
  latest operation of that kind begun before it, whatever the gap;
- `next` (shelve_offload before an unshelve): the same instance's next
  operation of that kind, whatever the gap; none, no operation (a VM shelved
  and never unshelved in the logs has not moved).

An operation whose row `needs_move_evidence` (a rebuild is an evacuation
only when an `evacuate` event shares its request id or its host differs
from the instance's previous host) is dropped without that evidence: its
events stay context events. An operation whose source no phase names
(`source_from_history`) takes the instance's previous host: the host of the
latest earlier event of the instance that shows one.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .correlate import GROUP_WINDOW, Occurrence
from .phases import LIVE_MIGRATION, Joins, Operation, Side

__all__ = ["Group", "group_migrations"]


@dataclass(slots=True, eq=False)
class Group:
    """The occurrences of one operation (and what joined it)."""

    request_id: str | None
    instance_id: str | None
    occurrences: list[Occurrence] = field(default_factory=list)
    #: request ids of separate calls (abort, confirm, ...) attached to it
    attached_requests: list[str] = field(default_factory=list)
    operation: Operation = LIVE_MIGRATION
    #: the instance's host before the operation, as the logs show it (None: unseen)
    previous_host: str | None = None

    def add(self, o: Occurrence) -> None:
        self.occurrences.append(o)

    @property
    def times(self) -> list[datetime]:
        return [o.time for o in self.occurrences]

    @property
    def start(self) -> datetime:
        return min(self.times)

    @property
    def end(self) -> datetime:
        return max(self.times)

    def open_at(self, t: datetime) -> bool:
        """Started by `t` and no final phase yet at `t`: still running."""
        return self.start <= t and not any(
            o.phase is not None and o.phase.is_final and o.time <= t for o in self.occurrences
        )

    def has_type(self, event_type: str) -> bool:
        return any(o.event_type == event_type for o in self.occurrences)

    def nearest(self, t: datetime) -> timedelta:
        return min(abs(x - t) for x in self.times)


def _time_of(o: Occurrence) -> datetime:
    return o.time


def _joins(o: Occurrence) -> Joins:
    assert o.phase is not None
    return o.phase.spec.joins


def _op(o: Occurrence) -> Operation:
    assert o.phase is not None
    return o.phase.operation


class _History:
    """Per instance, the hosts its events showed, in time order (the events of
    operations that need evidence left out: they are what is judged)."""

    def __init__(
        self, occurrences: Sequence[Occurrence], earlier: Mapping[str, tuple[datetime, str]] | None = None
    ) -> None:
        self._by: dict[str | None, list[tuple[datetime, str]]] = defaultdict(list)
        for instance_id, seen_at in (earlier or {}).items():
            self._by[instance_id].append(seen_at)
        for o in occurrences:
            ph = o.phase
            if (ph is not None and ph.operation.needs_move_evidence) or o.host_name is None:
                continue
            if o.instance_id is not None:
                self._by[o.instance_id].append((o.time, o.host_name))
        for seen in self._by.values():
            seen.sort()

    def before(self, instance_id: str | None, t: datetime) -> str | None:
        seen = self._by.get(instance_id, [])
        i = bisect.bisect_left(seen, t, key=lambda x: x[0])
        return seen[i - 1][1] if i else None


def group_migrations(
    occurrences: Sequence[Occurrence], *, earlier_hosts: Mapping[str, tuple[datetime, str]] | None = None
) -> list[Group]:
    """Operation occurrences grouped into operations, oldest first (the rules
    of the module docstring, in passes so that each sees what the one before
    placed). Occurrences of other event types are ignored. `earlier_hosts`:
    per instance, the latest (time, host) of events no longer given
    (lmtrace.watch forgets old events), for the instance's previous host."""
    phased = sorted((o for o in occurrences if o.phase is not None), key=_time_of)
    # each pass reads the occurrences of one way of joining, in time order
    by_joins: dict[Joins, list[Occurrence]] = {j: [] for j in Joins}
    for o in phased:
        by_joins[_joins(o)].append(o)
    groups: list[Group] = []
    by_request: dict[tuple[str, str], Group] = {}
    by_instance: dict[tuple[str, str | None], list[Group]] = defaultdict(list)

    def new(o: Occurrence, request_id: str | None) -> Group:
        op = _op(o)
        g = Group(request_id=request_id, instance_id=o.instance_id, operation=op)
        groups.append(g)
        by_instance[(op.name, o.instance_id)].append(g)
        if request_id is not None:
            by_request[(op.name, request_id)] = g
        return g

    def placed(o: Occurrence) -> Group | None:
        rid = o.request_id
        return None if rid is None else by_request.get((_op(o).name, rid))

    def attach(o: Occurrence, target: Group) -> None:
        rid = o.request_id
        if rid is not None:
            if rid not in target.attached_requests and rid != target.request_id:
                target.attached_requests.append(rid)
            by_request.setdefault((_op(o).name, rid), target)
        target.add(o)

    # 1. the operation's own calls, by request id
    for o in by_joins[Joins.REQUEST]:
        rid = o.request_id
        if rid is None:
            continue
        (placed(o) or new(o, rid)).add(o)
    # 2. no request id: the same instance's nearest operation within 10 minutes
    for o in by_joins[Joins.REQUEST]:
        if o.request_id is not None:
            continue
        target = None
        for g in by_instance.get((_op(o).name, o.instance_id), ()):
            if g.has_type(o.event_type):
                continue  # a second final phase (or any repeat): another operation
            d = g.nearest(o.time)
            if d <= GROUP_WINDOW and (target is None or d < target.nearest(o.time)):
                target = g
        (target or new(o, None)).add(o)
    # 3. abort / force-complete: to the operation open at their time, or near
    for o in by_joins[Joins.OPEN_OR_NEAR]:
        if (known := placed(o)) is not None:
            known.add(o)  # a second event of a call already placed
            continue
        target = None
        if o.instance_id is not None:
            best: tuple[bool, timedelta] | None = None
            for g in by_instance.get((_op(o).name, o.instance_id), ()):
                is_open = g.open_at(o.time)
                if not (is_open or abs(o.time - g.end) <= GROUP_WINDOW):
                    continue
                rank = (not is_open, g.nearest(o.time))
                if best is None or rank < best:
                    best, target = rank, g
        if target is None:
            new(o, o.request_id).add(o)
        else:
            attach(o, target)
    # 4. resize confirm / revert: the latest one begun before, whatever the gap
    for o in by_joins[Joins.LATEST]:
        if (known := placed(o)) is not None:
            known.add(o)
            continue
        earlier = [
            g for g in by_instance.get((_op(o).name, o.instance_id), ()) if g.start <= o.time
        ] if o.instance_id is not None else []
        if earlier:
            attach(o, max(earlier, key=lambda g: g.start))
        else:
            new(o, o.request_id).add(o)
    # 5. shelve_offload: the next unshelve, whatever the gap; none, no operation
    for o in by_joins[Joins.NEXT]:
        if (known := placed(o)) is not None:
            known.add(o)
            continue
        later = [
            g for g in by_instance.get((_op(o).name, o.instance_id), ()) if g.start >= o.time
        ] if o.instance_id is not None else []
        if later:
            attach(o, min(later, key=lambda g: g.start))

    history = _History(occurrences, earlier_hosts)
    out = []
    for g in groups:
        g.occurrences.sort(key=lambda o: (o.time, o.phase.order if o.phase else (9, 9)))
        if g.operation.source_from_history or g.operation.needs_move_evidence:
            g.previous_host = history.before(g.instance_id, g.start)
        if g.operation.needs_move_evidence and not _moved(g):
            continue  # a rebuild in place: its events stay context
        out.append(g)
    out.sort(key=lambda g: (g.start, g.request_id or ""))
    return out


def _moved(g: Group) -> bool:
    """Evidence of a move: a phase sent by neither side (nova-api's
    `evacuate`), or a destination-side host other than the previous one."""
    for o in g.occurrences:
        ph = o.phase
        if ph is None:
            continue
        if ph.side is Side.NEITHER:
            return True
        if (
            ph.side is Side.DESTINATION
            and o.host_name is not None
            and g.previous_host is not None
            and o.host_name != g.previous_host
        ):
            return True
    return False
