"""Build the timelines of a finished `Report`: each migration's entries and hops
(the records and their rules are in lmtrace.hops).
"""

from __future__ import annotations

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
from .hops import Hop, HopName, InputClock, Timeline, TimelineEntry
from .humantime import clock
from .load import InputSummary
from .phases import LIVE_MIGRATION, Joins, Operation, operation_named, short_type
from .verdict import REFERS_TO_CHANGE

__all__ = ["SKEW_TOLERANCE", "build_timeline", "change_where", "timeline_for", "timelines_not_ok"]


SKEW_TOLERANCE = timedelta(milliseconds=500)


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
    op = operation_named(m.operation)
    if m.attached_requests:
        calls = _CALLS.get(op.name) or " / ".join(s.step for s in op.steps if s.joins is not Joins.REQUEST)
        notes.append(f"attached requests ({calls}): " + ", ".join(m.attached_requests))
    if m.overlaps:
        notes.append("overlaps in time with: " + ", ".join(m.overlaps))
    # order-sensitive: the verdict's reason says so when it matters (the two
    # last host writes wrote different hosts), so no note repeats it
    if m.corrected_by is not None:
        c = m.corrected_by
        notes.append(
            f"corrected by {c.event_type} writing {c.host} at {clock(c.time, dated=True)} UTC, "
            f"after the {op.noun}"
        )
    skews = sum(1 for e in entries if e.skew)
    if skews:
        notes.append(
            f"{skews} clock-skew suspect(s): a later hop's clock reads more than "
            f"{SKEW_TOLERANCE.total_seconds():g} s before an earlier hop's; check NTP on the hosts or --tz"
        )
    name = m.display_name or m.instance_id or "?"
    change = report.summary.recommended_change if REFERS_TO_CHANGE in (m.recommendation or "") else None
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
        operation=m.operation,
        expected_host=m.expected_host,
        mapping_change=change,
        mapping_change_where=change_where(report) if change else None,
    )


def change_where(report: Report) -> str:
    """Where the recommended mapping change goes, as a sentence (the analyze
    report and a timeline whose fix refers to it say the same)."""
    h = report.handler_map
    where = "your TOML handler map" if h.shape == "toml" else "the ZenPack's events.py"
    ops = [operation_named(n) for n in report.summary.change_operations or (LIVE_MIGRATION.name,)]
    proofs = [p for op in ops for p in (op.proof_name, *_revert_name(op))]
    names = _and([op.name for op in ops])
    if len(proofs) == 1:
        phases, which = proofs[0], "the phase that carries"
    else:
        phases, which = _and(proofs), "the phases that carry"
    right = "the destination" if ops == [LIVE_MIGRATION] else "the right final host"
    return (
        f"In {where} (map {h.name}, shape {h.shape}), replace the {names} entries with these, "
        f"so that the host is written by {phases}, {which} {right}:"
    )


def _revert_name(op: Operation) -> list[str]:
    rt = op.revert_type
    return [rt.removeprefix("compute.instance.")] if rt else []


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


#: the separate calls of an operation as a note names them (else their steps)
_CALLS = {"live-migration": "abort / force-complete"}


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
    if s.reached is Reached.YES and q is not None and q.status == Status.MAPPED.value:
        # zenopenstack logs the firing itself: its Mapped line, with the host written
        return Hop(
            name=HopName.HANDLER,
            at=q.at,
            note=f"{s.handler} ran: zenopenstack's Mapped line at {q.path.rsplit('/', 1)[-1]}:{q.line}{writes}",
        )
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
