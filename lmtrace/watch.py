"""`lmtrace watch`: judge each operation on live logs once it has settled.

The inputs are followed (lmtrace.follow, lmtrace.livefeed) and their events
kept in a buffer. Each poll, the buffer goes through the very functions
`analyze` uses (`join_sightings`, then `judge_occurrences`: grouping,
context, verdict rules, overlaps), and the operations that have *settled*
are returned and forgotten:

- the logs' own clock decides, not the wall clock: *now* is the newest log
  time read from any input, but never past the newest time of an input that
  still has bytes to read (so a backlog read with --from-start is judged as
  analyze would); when every input is idle, now moves on with the wall clock
  from the newest time read (one second for one second);
- an operation whose outcome is known (its final, rollback or abort phase
  arrived) settles `settle` after its last phase: longer than every window
  a later line could still change its report through (10 minutes to attach
  an event without a request id or an abort, 5 to join the other log's
  sighting, 10 + 1 for zenpython's coverage, 1 for context firings);
- one still incomplete settles `incomplete_after` after its last phase, and
  is reported as `incomplete`, as analyze would report it then.

`stop()` judges what is still open as it stands, so that everything a watch
returned over its life is what analyze says of the same lines (for each
operation, the last report returned: a resize is kept after it is judged,
until its confirm or revert, and returned again when one changes it).
Memory stays bounded: settled operations leave the buffer with their
events; context events, zenpython queue times (coverage) and the reports
of settled operations (for `overlaps`) are kept only as long as an open
operation, or one that can still start, may need them; what a later call
needs whatever the gap (a resize awaiting its confirm, a shelve_offload its
unshelve, an instance's latest host) is kept for at most `HISTORY_MAX`
instances.
"""

from __future__ import annotations

import bisect
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo

from .clock import FileClock, JoinIndex, OffsetSource, join_keys, joined_clock, tz_for
from .correlate import (
    CEILOMETER_SIDE,
    COVERAGE_GAP,
    GROUP_WINDOW,
    Coverage,
    Occurrence,
    coverage_of,
    join_sightings,
)
from .events import Event, LogKind, Malformed, Status
from .findings import MigrationReport, Outcome
from .grouping import Group
from .handlers import DEFAULT_MAP, HandlerMap, builtin_map
from .judgeall import judge_occurrences
from .livefeed import LiveInput, check_followable
from .load import sort_key
from .parallel import KindSpec, kind_for
from .parse.rows import Row
from .phases import Joins, classify
from .zenpath import (
    COVERAGE_STATUSES,
    choose_map,
    detect_generation,
    released_by_instance,
)

__all__ = ["DEFAULT_INCOMPLETE_AFTER", "DEFAULT_SETTLE", "Watch", "WatchStats"]

#: past every window that can change a report (see the module docstring), with slack for a lagging log
DEFAULT_SETTLE = timedelta(minutes=15)
DEFAULT_INCOMPLETE_AFTER = timedelta(hours=1)
#: instances whose latest host (and whose resize awaiting a confirm) is remembered at most
HISTORY_MAX = 10_000
_NEVER = datetime.min.replace(tzinfo=timezone.utc)


@dataclass(frozen=True, slots=True, kw_only=True)
class WatchStats:
    """Counts for the heartbeat (`--stats`)."""

    lines: int
    events: int
    malformed: int
    judged: int
    verdicts: Mapping[str, int]
    open: int
    buffered: int
    now: datetime | None


class Watch:
    """Follow `paths` and judge operations as they settle (module docstring).

    `poll()` reads what is new and returns the reports of the operations
    that settled, oldest first; `stop()` returns the rest. `wall` is the
    wall clock (seconds), replaceable in tests; what is held is judged
    after new events at most every `judge_every` seconds (it costs in
    proportion to what is held), and whenever an operation is due.
    """

    def __init__(
        self,
        paths: Sequence[str],
        *,
        handler_map: HandlerMap | None = None,
        kind: KindSpec = None,
        tz: Mapping[str, tzinfo] | None = None,
        from_start: bool = False,
        settle: timedelta = DEFAULT_SETTLE,
        incomplete_after: timedelta = DEFAULT_INCOMPLETE_AFTER,
        on_malformed: Callable[[Malformed], None] | None = None,
        on_warning: Callable[[str], None] | None = None,
        wall: Callable[[], float] = time.monotonic,
        judge_every: float = 1.0,
    ) -> None:
        #: the map given; None: the built-in map of the generation the inputs show
        self._given_map = handler_map
        self.hmap = handler_map or builtin_map(DEFAULT_MAP)
        self._auto_map = self.hmap
        self._generation_of: tuple[tuple[str, LogKind | None, bool], ...] = ()
        self.settle = settle
        self.incomplete_after = max(incomplete_after, settle)
        self._wall = wall
        given = dict(tz or {})
        for p in paths:
            check_followable(p)
        self.inputs = [
            LiveInput(
                p,
                kind=kind_for(p, kind),
                tz=tz_for(p, given),
                from_start=from_start,
                on_malformed=on_malformed or (lambda m: None),
                on_warning=on_warning or (lambda w: None),
                wall=wall,
            )
            for p in dict.fromkeys(paths)
        ]
        for i in self.inputs:
            if i.clock is None:
                i.join_clock = self._joined_clock
        self._events: list[Event] = []
        self._dirty = False
        self._queued: list[datetime] = []  # zenpython queue times: coverage
        self._debug: list[datetime] = []  # zenopenstack's DEBUG lines: its coverage
        self._recent: list[MigrationReport] = []  # judged, for `overlaps`
        #: instance -> (time, host) of its latest event forgotten (an evacuation's source)
        self._hosts: dict[str, tuple[datetime, str]] = {}
        #: operations printed but kept, as printed (a resize awaiting its confirm or revert)
        self._shown: dict[str, MigrationReport] = {}
        self._open: list[MigrationReport] = []
        self._next_due: datetime | None = None
        self._judged_at = wall()
        self._judge_every = judge_every
        self._verdicts: Counter[str] = Counter()
        self.now: datetime | None = None

    # -- the loop ------------------------------------------------------------

    def poll(self, *, limit: int | None = None) -> list[MigrationReport]:
        """Read each input once (at most about `limit` bytes each), then
        return the operations that settled."""
        # a backlog is read oldest first: the input furthest behind in log
        # time (or not yet timed) alone, so that the inputs move on together
        # and what is held stays a window, whatever their sizes
        # (a pipe's backlog cannot be seen: pipes are read every time, lest
        # a writer that fills one before the other waits on us for ever)
        # (only bytes on disk count: events held for want of a clock wait for
        # the others, which must be read)
        backlog = [i for i in self.inputs if i.follower.lagging and not i.follower.pipe]
        behind = sorted(backlog, key=lambda i: (i.latest is not None, i.latest or _NEVER))
        for i in self.inputs:
            if i in backlog and i is not behind[0]:
                continue
            self._add(i.read(limit=limit), i.foreign_queued)
        self.now = self._now()
        due = self._next_due is not None and self.now is not None and self.now >= self._next_due
        # judging the buffer costs in proportion to it: when something new
        # came, at most once a second, unless an operation is due
        if due or (self._dirty and self._wall() - self._judged_at >= self._judge_every):
            return self._judge(final=False)
        return []

    @property
    def lagging(self) -> bool:
        """Whether an input has bytes still to read (a backlog), or a pipe
        gave lines at the last poll (more may be waiting)."""
        return any(i.follower.lagging or (i.follower.pipe and i.got) for i in self.inputs)

    @property
    def done(self) -> bool:
        """Every input is a pipe that has ended: nothing more can come."""
        return all(i.follower.pipe and i.follower.done for i in self.inputs)

    def stop(self) -> list[MigrationReport]:
        """Read what is left, a last line without its newline included, and
        judge every operation still open as it stands."""
        for i in self.inputs:
            self._add(i.flush(), i.foreign_queued)
        return self._judge(final=True)

    @property
    def open_operations(self) -> list[MigrationReport]:
        """The operations not settled yet, as judged at the last poll that judged."""
        return list(self._open)

    def stats(self) -> WatchStats:
        return WatchStats(
            lines=sum(i.lines for i in self.inputs),
            events=sum(i.events for i in self.inputs),
            malformed=sum(i.malformed for i in self.inputs),
            judged=sum(self._verdicts.values()),
            verdicts=dict(self._verdicts),
            open=len(self._open),
            buffered=len(self._events),
            now=self.now,
        )

    # -- internals -----------------------------------------------------------

    def _add(self, events: list[Event], foreign: list[datetime] | None = None) -> None:
        if foreign:  # other ZenPacks' queued events prove zenpython's debug logging too
            self._queued.extend(foreign)
            foreign.clear()
        if not events:
            return
        self._events.extend(events)
        self._dirty = True
        for e in events:
            if e.source.kind is LogKind.ZENPYTHON and e.status is Status.QUEUED:
                t = e.logged_at or e.rcvtime
                if t is not None:
                    self._queued.append(t)
            elif e.source.kind is LogKind.ZENOPENSTACK and e.status in COVERAGE_STATUSES and e.logged_at:
                self._debug.append(e.logged_at)  # zenopenstack's DEBUG lines: its coverage

    def _now(self) -> datetime | None:
        """The logs' own now (see the module docstring)."""
        latest = [i.latest for i in self.inputs if i.latest is not None]
        if not latest:
            return None
        newest = max(latest)
        lagging = [i for i in self.inputs if i.lagging]
        if any(i.latest is None for i in lagging):
            return None  # a backlog whose time is not known yet (its clock waits for events)
        if lagging:
            return min(newest, *(i.latest for i in lagging if i.latest is not None))
        moved = max(i.last_event_wall for i in self.inputs)
        return newest + timedelta(seconds=max(0.0, self._wall() - moved))

    def _joined_clock(self, rows: list[Row], final: bool) -> FileClock | bool | None:
        """zenopenstack's clock, joined to the Ceilometer-side events held
        (lmtrace.clock.joined_clock, as analyze infers it); None: wait for
        them; False: not such a log (its own events give its clock)."""
        keys = join_keys(rows)
        if not keys:
            return False
        index = JoinIndex()
        for e in self._events:
            index.add(e.event_type, e.event_id, e.instance_id, e.generated)
        clock = joined_clock(keys, index)
        # a Ceilometer-side log (or one not read yet that may be one) still to come
        waiting = any(
            (i.kind in CEILOMETER_SIDE and (i.lagging or not i.events))
            or (i.kind is None and not i.follower.missing and not i.ignored)
            for i in self.inputs
        )
        if clock.source is OffsetSource.ASSUMED and waiting and not final:
            return None
        return clock

    def _coverage(self, kind: LogKind, times: list[datetime]) -> Coverage | None:
        """zenpython's (zenopenstack's) coverage; None when no such log is read."""
        return coverage_of(times) if any(i.kind is kind for i in self.inputs) else None

    def _map(self) -> HandlerMap:
        """The map given, else the built-in map of the ZenPack generation
        the inputs show (as analyze chooses it, from the kinds read)."""
        if self._given_map is not None:
            return self._given_map
        seen = tuple((i.path, i.kind, i.parsed > 0 or i.events > 0) for i in self.inputs)
        if seen != self._generation_of:  # what the generation depends on: kinds with events
            self._generation_of = seen
            inputs = [i.summary() for i in self.inputs if i.kind is not None]
            self._auto_map = choose_map(None, detect_generation(inputs, ()))[0]
        return self._auto_map

    def _judge(self, *, final: bool) -> list[MigrationReport]:
        self._judged_at = self._wall()
        self._dirty = False
        self._events.sort(key=sort_key)
        occurrences = join_sightings(self._events)
        self.hmap = self._map()
        groups, reports = judge_occurrences(
            occurrences,
            coverage=self._coverage(LogKind.ZENPYTHON, self._queued),
            hmap=self.hmap,
            zos=self._coverage(LogKind.ZENOPENSTACK, self._debug),
            released=released_by_instance(self._events),
            earlier=self._recent,
            earlier_hosts=self._hosts,
        )
        now = self.now
        out: list[MigrationReport] = []
        still: list[MigrationReport] = []
        gone: set[int] = set()
        keep: set[int] = set()
        open_starts: list[datetime] = []
        next_due: datetime | None = None
        latest_of = _latest_per_instance(groups)
        for g, m in zip(groups, reports):
            wait = self.incomplete_after if m.outcome is Outcome.INCOMPLETE else self.settle
            due = g.end + wait
            ids = _event_ids(g.occurrences)
            if not (final or (now is not None and now >= due)):
                still.append(m)
                keep |= ids
                open_starts.append(g.start)
                next_due = due if next_due is None else min(next_due, due)
                continue
            if self._shown.get(m.label) != m:
                out.append(m)  # new, or changed by a later call (a resize confirmed or reverted)
            if not final and _awaits_later_call(g) and latest_of.get((g.operation.name, g.instance_id)) is g:
                # a later API call may still attach to it, whatever the gap
                # (domain.md: resize confirm / revert): kept, printed again if it changes
                self._shown[m.label] = m
                keep |= ids
                continue
            self._shown.pop(m.label, None)
            self._recent.append(m)
            gone |= ids
        self._open = still
        self._next_due = next_due
        for m in out:
            self._verdicts[m.verdict.value] += 1
        # an unshelve's shelve_offload may come long before it: kept, the latest per instance
        waiting: dict[str | None, Occurrence] = {}
        for o in occurrences:  # oldest last wins: the latest per instance
            ph = o.phase
            if ph is None or ph.spec.joins is not Joins.NEXT or id(o.any) in gone:
                continue
            if o.instance_id not in waiting or o.time >= waiting[o.instance_id].time:
                waiting[o.instance_id] = o
        newest = sorted(waiting.values(), key=lambda o: o.time)[-HISTORY_MAX:]
        keep |= _event_ids(newest)
        self._forget(gone, keep, open_starts)
        self._cap_shown()
        return out

    def _forget(self, gone: set[int], keep: set[int], open_starts: list[datetime]) -> None:
        """Drop the events of settled operations, and what no operation that
        is open or can still start may need: context events, queue times and
        judged reports older than the cut; an instance's latest host is
        remembered (`earlier_hosts`: an evacuation's source)."""
        if self.now is None:
            self._events = [e for e in self._events if id(e) not in gone]
            return
        # a later operation starts at most `settle` before now (its events are
        # read within that); context and coverage reach 10 minutes further
        # back; the open operations' own events stay whatever their age
        cut = self.now - self.settle - GROUP_WINDOW
        if open_starts:
            cut = min(cut, min(open_starts) - GROUP_WINDOW)
        kept: list[Event] = []
        for e in self._events:
            if id(e) in keep or (id(e) not in gone and (e.logged_at or e.time or cut) >= cut):
                kept.append(e)
            else:
                self._remember_host(e)
        self._events = kept
        # coverage: the queue times from the last one before the cut on give
        # the same stretches for every time after the cut
        for times in (self._queued, self._debug):
            times.sort()
            k = bisect.bisect_left(times, cut - COVERAGE_GAP)
            if k > 1:
                del times[: k - 1]
        self._recent = [m for m in self._recent if m.end >= cut]

    def _remember_host(self, e: Event) -> None:
        ph = classify(e.event_type)
        if e.instance_id is None or e.host_name is None or (ph is not None and ph.operation.needs_move_evidence):
            return
        t = e.generated or e.rcvtime or e.logged_at
        if t is None:
            return
        seen = self._hosts.pop(e.instance_id, None)
        self._hosts[e.instance_id] = (t, e.host_name) if seen is None or t >= seen[0] else seen
        if len(self._hosts) > HISTORY_MAX:  # the instance seen longest ago goes
            del self._hosts[next(iter(self._hosts))]

    def _cap_shown(self) -> None:
        while len(self._shown) > HISTORY_MAX:
            label = next(iter(self._shown))
            del self._shown[label]


def _event_ids(occurrences: Iterable[Occurrence]) -> set[int]:
    return {id(e) for o in occurrences for e in (o.collector, o.queued, o.dropped) if e is not None}


def _awaits_later_call(g: Group) -> bool:
    """An operation that a later API call can still join (a resize: its
    confirm or revert), none of which has come yet."""
    later = [s for s in g.operation.steps if s.joins is Joins.LATEST]
    if not later:
        return False
    return not any(o.phase is not None and o.phase.spec.joins is Joins.LATEST for o in g.occurrences)


def _latest_per_instance(groups: Sequence[Group]) -> dict[tuple[str, str | None], Group]:
    out: dict[tuple[str, str | None], Group] = {}
    for g in groups:  # oldest first
        out[(g.operation.name, g.instance_id)] = g
    return out
