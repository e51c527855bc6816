"""One migration as a story, hop by hop, across every log given.

`lmtrace timeline` and `lmtrace analyze --timeline` build on a finished
`Report`: each migration's phases (and its instance's context events, such
as `compute.instance.update`, from its first phase to one minute after its
last) become `TimelineEntry`s, and each entry lists the pipeline hops of
domain.md, "The pipeline, hop by hop":

    generated   Ceilometer's `generated` (UTC, from the compute host's clock)
    collector   the dispatcher's `record_events called` line (collector log)
    zenpython   zenpython's `Queued event` line
    discarded   zenpython's `Discarded event - queue overflow` line (or a
                transform's drop), only when it happened
    handler     the ZenPack handler the map names for the event type

Every log time is UTC through its file's offset (inferred or given, see
lmtrace.clock); each hop also keeps the line's own local timestamp and its
`file:line`, so that a reader can find it with grep. A hop's `delay` is from
the previous hop that happened. No log records when a handler ran, so the
handler hop is *inferred*: at the queue time (the collector's log time for
an event no zenpython log covers), with no delay. For an event the handler
map maps to no handler, the handler hop does not apply (`not_applicable`):
it is not a hop that should have happened and did not.

Entries are in the order of their phase's time (domain.md, "Time of a
phase": `generated`, else zenpython's `rcvtime`), never of log position; ties
keep the earliest log line first, then the report's order (a stable sort).

A *skew suspect* is an entry where a later hop's clock reads earlier than
an earlier hop's by more than `SKEW_TOLERANCE`: queued (log time or
`rcvtime`) or logged by the collector before it was generated, or queued
before the collector logged it. Log lines carry milliseconds and healthy
NTP keeps hosts within a few of them, so half a second is far beyond
rounding and drift, yet small next to the seconds that separate phases.
Smaller negative delays are still shown as negative; they are not flagged.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from .events import LogKind, Status
from .findings import (
    ContextReport,
    MigrationReport,
    PhaseReport,
    Reached,
    Report,
    Sighting,
    Verdict,
)
from .humantime import clock
from .load import InputSummary
from .phases import short_type

__all__ = [
    "SKEW_TOLERANCE",
    "Hop",
    "HopName",
    "InputClock",
    "Timeline",
    "TimelineEntry",
    "build_timeline",
    "timeline_for",
    "timelines_not_ok",
]

SKEW_TOLERANCE = timedelta(milliseconds=500)


class HopName(str, enum.Enum):
    GENERATED = "generated"
    COLLECTOR = "collector"
    ZENPYTHON = "zenpython"
    DISCARDED = "discarded"
    HANDLER = "handler"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True, kw_only=True)
class Hop:
    """One step of one event through the pipeline.

    `missing` means the hop is not in the logs: with `unknown` it may have
    happened where no log given could see it (an event zenpython queued went
    through the collector even when no collector log shows it); without,
    it did not happen (covered by zenpython but never queued; a handler that
    never ran). `not_applicable` (with `missing`) marks the handler hop of
    an event mapped to no handler: there is nothing that could have run.
    `local_time` is the log line's own timestamp (naive, as printed); `at`
    is UTC. `since` is the time of the previous hop that happened, which
    `delay` counts from.
    """

    name: HopName
    at: datetime | None = None
    local_time: datetime | None = None
    path: str | None = None
    line: int | None = None
    kind: LogKind | None = None  # which log the line is in
    delay: timedelta | None = None  # from the previous hop that happened
    missing: bool = False
    unknown: bool = False
    inferred: bool = False
    not_applicable: bool = False
    note: str = ""
    rcvtime: datetime | None = None  # zenpython's own receive time (UTC)
    since: datetime | None = None  # the previous hop's time (UTC), where `delay` starts


@dataclass(frozen=True, slots=True, kw_only=True)
class TimelineEntry:
    """A phase (or a context event) and its hops."""

    event_type: str
    phase: str  # post.dest.end, _post.end, ...; for a context event the type without compute.instance.
    event_id: str | None
    time: datetime  # the phase's time: generated, else rcvtime
    host_name: str | None
    host_changed: bool  # host_name differs from the previous entry that had one
    previous_host: str | None
    side: str | None  # source / destination; None for a context event
    context: bool
    reached: Reached
    handler: str | None
    hops: tuple[Hop, ...]
    skew: bool = False
    skew_note: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class InputClock:
    """How one input's local times were moved to UTC."""

    path: str
    kind: LogKind
    utc_offset: str
    offset_source: str  # inferred / given / assumed
    how: str  # "inferred from 12 events"


@dataclass(frozen=True, slots=True, kw_only=True)
class Timeline:
    title: str
    request_id: str | None
    attached_requests: tuple[str, ...]
    instance_id: str | None
    display_name: str | None
    source_host: str | None
    destination_host: str | None
    outcome: str
    verdict: Verdict | None
    reason: str | None
    recommendation: str | None
    handler_map: str | None
    start: datetime
    end: datetime
    entries: tuple[TimelineEntry, ...]
    inputs: tuple[InputClock, ...]
    notes: tuple[str, ...] = ()
    label: str = ""  # the migration's label: its request id, else instance@start

    @property
    def skews(self) -> int:
        return sum(1 for e in self.entries if e.skew)


def timeline_for(
    report: Report, *, request: str | None = None, instance: str | None = None
) -> list[Timeline]:
    """Timelines of the report's migrations that match: `request` is the
    migration's request id (or an attached abort/force-complete request),
    `instance` its instance id or display name; all of an instance's
    migrations match. With neither, every migration."""
    return [
        build_timeline(m, report)
        for m in report.migrations
        if (request is None or request == m.request_id or request in m.attached_requests)
        and (instance is None or instance in (m.instance_id, m.display_name))
    ]


def timelines_not_ok(report: Report) -> list[Timeline]:
    """Timelines of every migration whose verdict is not `ok`."""
    return [build_timeline(m, report) for m in report.migrations if m.verdict is not Verdict.OK]


def build_timeline(m: MigrationReport, report: Report) -> Timeline:
    zen_given = any(i.kind is LogKind.ZENPYTHON for i in report.inputs)
    raw = [_phase_entry(p, zen_given) for p in m.phases]
    raw += [_context_entry(c, zen_given) for c in m.context]
    # stable: the phase's time, then the earliest log line; equal keys keep
    # the report's order (phases, which the report orders by time and step)
    ordered = sorted(raw, key=_order_key)
    entries = list(_mark_host_changes(ordered))
    notes = []
    if m.attached_requests:
        notes.append("attached requests (abort / force-complete): " + ", ".join(m.attached_requests))
    if m.overlaps:
        notes.append("overlaps in time with: " + ", ".join(m.overlaps))
    # order-sensitive: the verdict's reason says so when it matters (the two
    # last host writes wrote different hosts), so no note repeats it
    if m.corrected_by is not None:
        c = m.corrected_by
        notes.append(
            f"corrected by {c.event_type} writing {c.host} at {clock(c.time, dated=True)} UTC, "
            "after the migration"
        )
    skews = sum(1 for e in entries if e.skew)
    if skews:
        notes.append(
            f"{skews} clock-skew suspect(s): a later hop's clock reads more than "
            f"{SKEW_TOLERANCE.total_seconds():g} s before an earlier hop's; check NTP on the hosts or --tz"
        )
    name = m.display_name or m.instance_id or "?"
    return Timeline(
        title=f"{name}: {m.source_host or '?'} -> {m.destination_host or '?'} ({m.label})",
        request_id=m.request_id,
        attached_requests=m.attached_requests,
        instance_id=m.instance_id,
        display_name=m.display_name,
        source_host=m.source_host,
        destination_host=m.destination_host,
        outcome=m.outcome.value,
        verdict=m.verdict,
        reason=m.reason,
        recommendation=m.recommendation or None,
        handler_map=report.handler_map.name,
        start=m.start,
        end=m.end,
        entries=tuple(entries),
        inputs=tuple(_input_clock(i) for i in report.inputs),
        notes=tuple(notes),
        label=m.label,
    )


def _input_clock(i: InputSummary) -> InputClock:
    return InputClock(
        path=i.path,
        kind=i.kind,
        utc_offset=i.clock.label,
        offset_source=i.clock.source.value,
        how=i.clock.how,
    )




def _order_key(e: TimelineEntry) -> tuple[datetime, datetime, str, int]:
    seen = [h for h in e.hops if h.at is not None and h.path is not None]
    first = min(seen, key=lambda h: (h.at, h.path or "", h.line or 0), default=None)
    if first is None or first.at is None:
        return (e.time, e.time, "", 0)
    return (e.time, first.at, first.path or "", first.line or 0)


def _mark_host_changes(entries: Iterable[TimelineEntry]) -> Iterable[TimelineEntry]:
    import dataclasses

    last: str | None = None
    for e in entries:
        if e.host_name is None:
            yield e
            continue
        changed = last is not None and e.host_name != last
        yield dataclasses.replace(e, host_changed=changed, previous_host=last if changed else None)
        last = e.host_name


@dataclass(frozen=True, slots=True, kw_only=True)
class _Seen:
    """What the report knows of one event, phase or context alike."""

    event_type: str
    generated: datetime | None
    collector: Sighting | None
    zenpython: Sighting | None
    dropped: Sighting | None
    reached: Reached
    handler: str | None
    host_name: str | None


def _phase_entry(p: PhaseReport, zen_given: bool) -> TimelineEntry:
    s = _Seen(
        event_type=p.event_type,
        generated=p.generated,
        collector=p.collector,
        zenpython=p.zenpython,
        dropped=p.dropped,
        reached=p.reached,
        handler=p.handler,
        host_name=p.host_name,
    )
    hops, skew = _hops(s, zen_given)
    return TimelineEntry(
        event_type=p.event_type,
        phase=p.phase,
        event_id=p.event_id,
        time=p.time,
        host_name=p.host_name,
        host_changed=False,
        previous_host=None,
        side=p.side.value,
        context=False,
        reached=p.reached,
        handler=p.handler,
        hops=hops,
        skew=skew is not None,
        skew_note=skew,
    )


def _context_entry(c: ContextReport, zen_given: bool) -> TimelineEntry:
    s = _Seen(
        event_type=c.event_type,
        generated=c.generated,
        collector=c.collector,
        zenpython=c.zenpython,
        dropped=c.dropped,
        reached=c.reached,
        handler=c.handler,
        host_name=c.host_name,
    )
    hops, skew = _hops(s, zen_given)
    return TimelineEntry(
        event_type=c.event_type,
        phase=short_type(c.event_type),
        event_id=c.event_id,
        time=c.time,
        host_name=c.host_name,
        host_changed=False,
        previous_host=None,
        side=None,
        context=True,
        reached=c.reached,
        handler=c.handler,
        hops=hops,
        skew=skew is not None,
        skew_note=skew,
    )


def _delay(at: datetime | None, prev: datetime | None) -> timedelta | None:
    return at - prev if at is not None and prev is not None else None


def _secs(d: timedelta) -> str:
    return f"{abs(d.total_seconds()):.3f} s"


def _hops(s: _Seen, zen_given: bool) -> tuple[tuple[Hop, ...], str | None]:
    hops: list[Hop] = []
    prev: datetime | None = None

    # 1. generated: Ceilometer's time of the event, from the compute host's clock
    if s.generated is not None:
        hops.append(Hop(name=HopName.GENERATED, at=s.generated))
        prev = s.generated
    else:
        hops.append(
            Hop(
                name=HopName.GENERATED,
                missing=True,
                unknown=True,
                note="no collector line: generated time unknown",
            )
        )

    # 2. collector: the dispatcher's record_events line
    c = s.collector
    if c is not None:
        hops.append(
            Hop(
                name=HopName.COLLECTOR,
                at=c.at,
                local_time=c.local_time,
                path=c.path,
                line=c.line,
                kind=LogKind.COLLECTOR,
                delay=_delay(c.at, prev),
                since=prev,
            )
        )
        prev = c.at if c.at is not None else prev
    else:
        hops.append(
            Hop(
                name=HopName.COLLECTOR,
                missing=True,
                unknown=True,
                note="not in the collector log(s) given",
            )
        )

    # 3. zenpython: Queued event
    q = s.zenpython
    if q is not None:
        at = q.at if q.at is not None else q.rcvtime
        hops.append(
            Hop(
                name=HopName.ZENPYTHON,
                at=at,
                local_time=q.local_time,
                path=q.path,
                line=q.line,
                kind=LogKind.ZENPYTHON,
                delay=_delay(at, prev),
                rcvtime=q.rcvtime,
                since=prev,
            )
        )
        prev = at if at is not None else prev
    elif s.reached is Reached.NO:
        hops.append(
            Hop(
                name=HopName.ZENPYTHON,
                missing=True,
                note="never queued, though zenpython's log covers this time: lost between the dispatcher and zenpython",
            )
        )
    elif s.dropped is None:
        hops.append(
            Hop(
                name=HopName.ZENPYTHON,
                missing=True,
                unknown=True,
                note="no zenpython log covers this time" if zen_given else "no zenpython log given",
            )
        )
    else:
        hops.append(
            Hop(
                name=HopName.ZENPYTHON,
                missing=True,
                unknown=True,
                note="its Queued event line is not in the log given (only the drop is)",
            )
        )

    # 4. discarded: only when it happened
    d = s.dropped
    if d is not None:
        why = "queue overflow" if d.status == Status.DISCARDED.value else "dropped by a transform"
        hops.append(
            Hop(
                name=HopName.DISCARDED,
                at=d.at,
                local_time=d.local_time,
                path=d.path,
                line=d.line,
                kind=LogKind.ZENPYTHON,
                delay=_delay(d.at, prev),
                note=f"{why}: never reached Zenoss",
                rcvtime=d.rcvtime,
                since=prev,
            )
        )

    # 5. handler: inferred, no log records it
    hops.append(_handler_hop(s, q, c))
    return tuple(hops), _skew(s)


def _handler_hop(s: _Seen, q: Sighting | None, c: Sighting | None) -> Hop:
    if s.handler is None:
        # not applicable, rather than a hop that should have happened
        return Hop(name=HopName.HANDLER, missing=True, not_applicable=True, note="no handler mapped")
    writes = f"; writes host {s.host_name}" if s.host_name else "; no host_name to write"
    if s.reached is Reached.YES and q is not None:
        return Hop(
            name=HopName.HANDLER,
            at=q.at if q.at is not None else q.rcvtime,
            inferred=True,
            note=f"{s.handler} (inferred: runs when queued{writes})",
        )
    if s.reached is Reached.WOULD:
        return Hop(
            name=HopName.HANDLER,
            at=c.at if c is not None else None,
            inferred=True,
            note=f"{s.handler} would run (inferred from the collector's time{writes})",
        )
    why = "discarded by zenpython" if s.reached is Reached.DISCARDED else "never queued"
    return Hop(name=HopName.HANDLER, missing=True, note=f"{s.handler} never ran: the event was {why}")


def _skew(s: _Seen) -> str | None:
    """The first clock-skew suspicion, as a sentence, or None."""
    gen = s.generated
    c_at = s.collector.at if s.collector is not None else None
    q = s.zenpython
    host = s.host_name or "the compute host"
    checks: list[tuple[datetime | None, datetime | None, str]] = []
    if q is not None:
        checks.append((q.at, gen, f"queued by zenpython {{}} before it was generated on {host}"))
        checks.append((q.rcvtime, gen, f"zenpython's rcvtime is {{}} before it was generated on {host}"))
        checks.append((q.at, c_at, "queued by zenpython {} before the collector logged it"))
    checks.append((c_at, gen, f"logged by the collector {{}} before it was generated on {host}"))
    found = [
        text.format(_secs(later - earlier))
        for later, earlier, text in checks
        if later is not None and earlier is not None and earlier - later > SKEW_TOLERANCE
    ]
    if not found:
        return None
    return "; ".join(found) + ": the hosts' clocks disagree (or a --tz is wrong)"

