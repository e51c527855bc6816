"""Join the two logs event by event; when zenpython was listening.

The rules are domain.md's "Verdict rules" (Joining, Coverage; lmtrace.grouping
then groups the joined events into operations: Migration):

- a collector sighting and a zenpython sighting are the same event when the
  Ceilometer Event id equals Zenoss' `eventKey`; when either side has no id,
  when type and instance match and the times (collector `generated`,
  zenpython `rcvtime`) are nearest and within 5 minutes; each sighting is
  used once;
- a zenpython log covers the stretches between consecutive queued-event
  lines at most 10 minutes apart.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from .events import Event, LogKind, Status
from .phases import PhaseInfo, classify

__all__ = [
    "ARRIVED",
    "CEILOMETER_SIDE",
    "GROUP_WINDOW",
    "LOST_AT_ZENOSS",
    "NOT_EVENTS",
    "Coverage",
    "Occurrence",
    "Stretch",
    "coverage_of",
    "join_sightings",
]

# What each status means for the join (the 3.x/4.x path added its own; lmtrace.zenpath)
#: kinds that log the Ceilometer side of an event (with `generated`)
CEILOMETER_SIDE = frozenset({LogKind.COLLECTOR, LogKind.PUBLISHER})
#: Zenoss-side statuses that mean the event arrived: zenpython/zenopenstack
#: queued it, or zenopenstack mapped it (its handler fired)
ARRIVED = frozenset({Status.QUEUED, Status.MAPPED})
#: Zenoss-side statuses that mean it arrived and was then lost
LOST_AT_ZENOSS = frozenset({Status.DISCARDED, Status.DROPPED, Status.UNPROCESSED})
#: records that are no event of their own: facts about the pipeline
NOT_EVENTS = frozenset({Status.POST, Status.PROPAGATED, Status.RELEASED, Status.TICK})
JOIN_WINDOW = timedelta(minutes=5)
GROUP_WINDOW = timedelta(minutes=10)
COVERAGE_GAP = timedelta(minutes=10)
COVERAGE_MARGIN = timedelta(minutes=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class Occurrence:
    """One event as it went through the pipeline: what the collector logged,
    what zenpython queued, and whether zenpython then dropped it.

    Its facts (`event_type`, `phase`, `time`, the ids and names: each the
    first sighting's that has it, collector first) are plain attributes,
    worked out once when a sighting is set (`__init__`, `_attach`): the
    analysis reads them ~15 times per event."""

    __slots__ = (
        "collector", "queued", "dropped", "failed",
        "any", "event_type", "phase", "event_id", "request_id", "instance_id",
        "host_name", "display_name", "device", "generated", "time",
    )

    any: Event
    event_type: str
    phase: PhaseInfo | None
    event_id: str | None
    request_id: str | None
    instance_id: str | None
    host_name: str | None
    display_name: str | None
    device: str | None
    generated: datetime | None
    time: datetime

    def __init__(
        self,
        collector: Event | None = None,
        queued: Event | None = None,  # queued, or (zenopenstack) mapped: it arrived
        dropped: Event | None = None,  # discarded, dropped, or (zenopenstack) unprocessed
        failed: Event | None = None,  # the HTTP publisher failed to post it (3.x/4.x path)
    ) -> None:
        self.collector = collector
        self.queued = queued
        self.dropped = dropped
        self.failed = failed
        if collector is not None or queued is not None or dropped is not None:
            self._derive()

    def __repr__(self) -> str:
        return f"Occurrence(collector={self.collector!r}, queued={self.queued!r}, dropped={self.dropped!r}, failed={self.failed!r})"

    def _derive(self) -> None:
        """Work out the facts from the sightings, collector first."""
        c, q, d = self.collector, self.queued, self.dropped
        e = c or q or d
        assert e is not None
        self.any = e
        self.event_type = e.event_type
        self.phase = classify(e.event_type)
        self.event_id = e.event_id
        self.request_id = e.request_id
        self.instance_id = e.instance_id
        self.host_name = e.host_name
        self.display_name = e.display_name
        self.device = e.device
        self.generated = c.generated if c is not None else None
        for x in (q, d):
            if x is not None and x is not e:
                self._fill(x)
        self.time = self._time()

    def _fill(self, x: Event) -> None:
        """Take from `x`, a sighting ranked after those held, what they lack."""
        if self.event_id is None:
            self.event_id = x.event_id
        if self.request_id is None:
            self.request_id = x.request_id
        if self.instance_id is None:
            self.instance_id = x.instance_id
        if self.host_name is None:
            self.host_name = x.host_name
        if self.display_name is None:
            self.display_name = x.display_name
        if self.device is None:
            self.device = x.device

    def _time(self) -> datetime:
        """A phase's time: its `generated` (collector, UTC); for a phase seen
        only in zenpython, its `rcvtime`."""
        if self.collector is not None and self.collector.generated is not None:
            return self.collector.generated
        for e in (self.queued, self.dropped):
            if e is not None and e.rcvtime is not None:
                return e.rcvtime
            if e is not None and e.logged_at is not None:
                return e.logged_at
        return self.any.logged_at or _EPOCH

    def apply_key(self) -> tuple[datetime, int, str, int, int]:
        """The order Zenoss applies handlers in: zenpython's rcvtime (then
        log position) when queued; the collector's UTC log time (then
        position, events of one line keeping their order) otherwise."""
        if self.queued is not None:
            q = self.queued
            return (q.rcvtime or q.logged_at or _EPOCH, 0, q.source.path, q.source.line, q.index)
        c = self.any
        return (c.logged_at or c.time or _EPOCH, 1, c.source.path, c.source.line, c.index)


def join_sightings(events: Iterable[Event]) -> list[Occurrence]:
    """Pair collector and zenpython sightings of the same event.

    By id first (Ceilometer's Event id = zenpython's `eventKey`). A sighting
    left over, when either side has no id, pairs with one of the same event
    type and instance whose time is nearest and within 5 minutes (collector
    `generated` vs zenpython `rcvtime`), nearest pairs first, each sighting
    used once. Queued sightings are placed before discarded/dropped ones, so
    that a drop finds the queued sighting of its event.
    """
    occs: list[Occurrence] = []
    by_id: dict[str, Occurrence] = {}
    queued: list[Event] = []
    dropped: list[Event] = []
    for e in events:
        if e.status in NOT_EVENTS or not e.event_type:
            continue  # pipeline facts (posts, released maps, debug lines): not events
        if e.source.kind in CEILOMETER_SIDE:
            if e.event_id is not None and e.event_id in by_id:
                # the same event logged twice (collector and agent logs both
                # given; a TRACE body, then the failure of its post)
                if e.status is Status.FAILED:
                    by_id[e.event_id].failed = e
                continue
            o = Occurrence(collector=e, failed=e if e.status is Status.FAILED else None)
            occs.append(o)
            if e.event_id is not None:
                by_id[e.event_id] = o
        elif e.status in ARRIVED:
            queued.append(e)
        else:
            dropped.append(e)
    for batch in (queued, dropped):
        loose: list[Event] = []
        for e in batch:
            known = by_id.get(e.event_id) if e.event_id is not None else None
            if known is None:
                loose.append(e)
            else:
                _attach(known, e)
        _join_loose(loose, occs, by_id)
    return occs


def _slot(o: Occurrence, e: Event) -> Event | None:
    """What `o` already holds where `e` would go."""
    return o.queued if e.status in ARRIVED else o.dropped


def _join_loose(loose: list[Event], occs: list[Occurrence], by_id: dict[str, Occurrence]) -> None:
    """Pair zenpython sightings without an id match by type, instance and the
    nearest time within JOIN_WINDOW, nearest pairs first; the rest become
    occurrences of their own."""
    if not loose:
        return
    # candidates per (type, instance), sorted by time; those without an id
    # apart, as a sighting with an id pairs only with one without
    every: dict[tuple[str, str | None], list[tuple[datetime, int]]] = defaultdict(list)
    no_id: dict[tuple[str, str | None], list[tuple[datetime, int]]] = defaultdict(list)
    for pos, o in enumerate(occs):
        key = (o.event_type, o.instance_id)
        every[key].append((o.time, pos))
        if o.event_id is None:
            no_id[key].append((o.time, pos))
    for table in (every, no_id):
        for entries in table.values():
            entries.sort()
    pairs: list[tuple[timedelta, int, int]] = []
    for i, e in enumerate(loose):
        t = e.rcvtime or e.logged_at
        if t is None:
            continue
        entries = (every if e.event_id is None else no_id).get((e.event_type, e.instance_id), [])
        for k in range(bisect.bisect_left(entries, (t - JOIN_WINDOW, -1)), len(entries)):
            when, pos = entries[k]
            if when > t + JOIN_WINDOW:
                break
            if _slot(occs[pos], e) is None:
                pairs.append((abs(when - t), i, pos))
    pairs.sort()
    placed: set[int] = set()
    for _, i, pos in pairs:
        e, o = loose[i], occs[pos]
        if i in placed or _slot(o, e) is not None:
            continue  # each sighting is used once
        _attach(o, e)
        placed.add(i)
    for i, e in enumerate(loose):
        if i in placed:
            continue
        same = by_id.get(e.event_id) if e.event_id is not None else None
        if same is not None:  # a second line for an event met earlier in this batch
            _attach(same, e)
            continue
        o = Occurrence()
        _attach(o, e)
        occs.append(o)
        if e.event_id is not None:
            by_id[e.event_id] = o


def _attach(o: Occurrence, e: Event) -> None:
    if e.status in ARRIVED:
        if o.queued is not None:
            return
        o.queued = e
    elif o.dropped is None:
        o.dropped = e
    else:
        return
    if o.collector is not None:  # ranked first: only the gaps and the time can change
        o._fill(e)
        o.time = o._time()
    else:
        o._derive()


@dataclass(frozen=True, slots=True)
class Stretch:
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class Coverage:
    """When zenpython's debug log was listening (see the module docstring)."""

    stretches: tuple[Stretch, ...]
    #: each stretch's start, for `covers` (asked once per event judged)
    _starts: list[datetime] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_starts", [s.start for s in self.stretches])

    @property
    def gaps(self) -> tuple[Stretch, ...]:
        s = self.stretches
        return tuple(Stretch(a.end, b.start) for a, b in zip(s, s[1:]))

    def covers(self, t: datetime) -> bool:
        """Inside a stretch, at least one minute before its end."""
        i = bisect.bisect_right(self._starts, t) - 1
        return i >= 0 and t <= self.stretches[i].end - COVERAGE_MARGIN


def coverage_of(times: Iterable[datetime]) -> Coverage:
    ts = sorted(times)
    stretches: list[Stretch] = []
    if ts:
        start = end = ts[0]
        for t in ts:
            if t - end > COVERAGE_GAP:
                stretches.append(Stretch(start, end))
                start = t
            end = t
        stretches.append(Stretch(start, end))
    return Coverage(tuple(stretches))
