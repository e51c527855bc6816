"""Gather one migration's facts and judge them: phases, hosts, handler firings, outcome.

`judge` turns a correlated group (lmtrace.correlate) into a `MigrationReport`:
what reached Zenoss (`reached_of`), which handlers fired and in what order,
the hosts each side names, the outcome its phases' roles give
(lmtrace.phases), then the verdict the rules of lmtrace.verdict give.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from datetime import datetime, timedelta

from .correlate import Coverage, Occurrence
from .events import Event, Status
from .findings import (
    ContextReport,
    CorrectedBy,
    Firing,
    MigrationReport,
    Outcome,
    PhaseReport,
    Reached,
    Sighting,
    Verdict,
    maker,
)
from .grouping import Group
from .handlers import HandlerMap
from .phases import Operation, Role, Side, classify
from .verdict import FIRES, RULES, Facts, verb_of, where_of
from .zenpath import cause_of, released_after

__all__ = ["CONTEXT_TAIL", "judge", "outcome_of", "reached_of"]


CONTEXT_TAIL = timedelta(minutes=1)


# domain.md, "Outcome": the first that applies
_OUTCOMES = (
    (Role.ABORT, Outcome.ABORTED),
    (Role.ROLLBACK, Outcome.FAILED),
    (Role.REVERT, Outcome.REVERTED),
    (Role.FINAL, Outcome.COMPLETED),
)


def _time_of(o: Occurrence) -> datetime:
    return o.time


def _absent_mapped(hmap: HandlerMap, op: Operation, phases: Sequence[PhaseReport]) -> tuple[str, ...]:
    """Phases of the operation that the map sends to a host-writing handler
    and that neither log holds for this one."""
    mapped = _mapped_phases(hmap, op)
    if not mapped:
        return ()
    seen = {p.phase for p in phases}
    return tuple(sorted(mapped - seen))


# (map, operation) -> its answer; one map per run, thousands of migrations
_MAPPED: dict[tuple[int, int], tuple[HandlerMap, frozenset[str]]] = {}


def _mapped_phases(hmap: HandlerMap, op: Operation) -> frozenset[str]:
    """The phase names of `op` whose event types `hmap` sends to a host-writing handler."""
    key = (id(hmap), id(op))
    hit = _MAPPED.get(key)
    if hit is not None and hit[0] is hmap:  # the map is kept: its id is not reused
        return hit[1]
    out = set()
    for event_type, handler in hmap.handlers.items():
        info = classify(event_type)
        if info is None or info.operation is not op:
            continue
        if handler is not None and hmap.writes_host(handler):
            out.add(info.name)
    if len(_MAPPED) > 64:
        _MAPPED.clear()
    _MAPPED[key] = (hmap, frozenset(out))
    return _MAPPED[key][1]


_OP_FACTS: dict[tuple[int, bool], tuple[Operation, str, str, tuple[str, ...]]] = {}


def _op_facts(op: Operation, reverted: bool) -> tuple[str, str, tuple[str, ...]]:
    """The event type that proves the operation's move (or its revert), that
    phase's short name, and the operation's final phases: the same for
    every operation of a kind (keyed by id: hashing an Operation hashes its
    whole table row)."""
    hit = _OP_FACTS.get((id(op), reverted))
    if hit is None or hit[0] is not op:
        proof_type = (op.revert_type if reverted else None) or op.proof_type
        proof_info = classify(proof_type)
        assert proof_info is not None
        hit = _OP_FACTS[(id(op), reverted)] = (op, proof_type, proof_info.name, op.final_names)
    return hit[1:]


def _log_end_near(coverage: Coverage | None, end: datetime | None) -> datetime | None:
    """The end of the zenpython stretch holding `end` when it comes less than
    a minute later (zenpython stopped listening, or the excerpt stops)."""
    if coverage is None or end is None:
        return None
    for s in coverage.stretches:
        if s.start <= end <= s.end:
            return s.end if s.end - end < CONTEXT_TAIL else None
    return None


def reached_of(
    o: Occurrence, coverage: Coverage | None, zos: Coverage | None = None, hmap: HandlerMap | None = None
) -> Reached:
    """`coverage` is None when no zenpython log was given at all, `zos`
    when no zenopenstack log was. zenopenstack logs only the types its
    MAPPERS maps: a covered phase that the map does not map is `unlogged`."""
    if o.dropped is not None:
        return Reached.DISCARDED
    if o.queued is not None:
        return Reached.YES
    if o.failed is not None:
        return Reached.NO
    if zos is not None and zos.covers(o.time):
        return Reached.NO if hmap is not None and hmap.handler_for(o.event_type) else Reached.UNLOGGED
    if coverage is not None and coverage.covers(o.time):
        return Reached.NO
    return Reached.WOULD


# positional constructors (findings.maker): fields in declaration order
_new_sighting = maker(Sighting)
_new_phase = maker(PhaseReport)
_new_context = maker(ContextReport)
_new_firing = maker(Firing)
_new_migration = maker(MigrationReport)


def _sighting(e: Event | None) -> Sighting | None:
    if e is None:
        return None
    src = e.source
    # path, line, at, local_time, rcvtime, status
    return _new_sighting(src.path, src.line, e.logged_at, e.local_time, e.rcvtime, _STATUS_TEXT[e.status])


# Enum.value is a descriptor call; a Sighting is built for every sighting
_STATUS_TEXT = {s: s.value for s in Status}


#: the handler of a zenopenstack `Mapped` line whose type the map does not map
MAPPED_IN_LOG = "(mapped in zenopenstack's log)"


_Key = tuple[datetime, int, str, int, int]


def _firing(
    o: Occurrence, reached: Reached, hmap: HandlerMap, *, context: bool, handler: str | None
) -> tuple[_Key, Firing] | None:
    """The firing with the order Zenoss applied it in (`Occurrence.apply_key`);
    `handler`: the map's handler for its type (`hmap.handler_for`)."""
    mapped = o.queued is not None and o.queued.status is Status.MAPPED
    if mapped and handler is None:
        handler = MAPPED_IN_LOG  # the log shows the handler fired: it wins over the map
    if handler is None or reached not in FIRES:
        return None
    e = o.queued if o.queued is not None else o.any
    key = o.apply_key()
    return key, _new_firing(
        o.event_type,
        handler,
        # host: a Mapped line shows the host written: its ObjectMap's set_host_name
        e.host_name if mapped else o.host_name,
        key[0],  # time
        context,
        hmap.writes_host(handler),
        hmap.is_assumed(handler),  # assumed
        reached,
        e.source.path,
        e.source.line,
    )


def _source_wrote_last(firings: Sequence[Firing], occs: Sequence[Occurrence]) -> bool:
    """The last host-writing firing is a zenopenstack `Mapped` line (a
    firing the log shows, not one inferred) of a source-side phase
    (`_post.end`): it wrote the source even when no destination-side phase
    is in the logs (domain.md, the 3.x/4.x path)."""
    w = [f for f in firings if f.writes_host and f.host is not None]
    if not w or w[-1].context:
        return False
    shown = {
        (o.queued.source.path, o.queued.source.line)
        for o in occs
        if o.queued is not None and o.queued.status is Status.MAPPED
    }
    if (w[-1].path, w[-1].line) not in shown:
        return False
    info = classify(w[-1].event_type)
    return info is not None and info.side is Side.SOURCE


def outcome_of(occs: Sequence[Occurrence]) -> Outcome:
    """The first outcome whose role a phase has (`_OUTCOMES`), else completed
    when a final phase is seen, else incomplete."""
    roles = {o.phase.role for o in occs if o.phase is not None}
    for role, outcome in _OUTCOMES:
        if role in roles:
            return outcome
    return Outcome.INCOMPLETE


def judge(
    group: Group,
    *,
    context: Sequence[Occurrence],
    coverage: Coverage | None,
    hmap: HandlerMap,
    zos: Coverage | None = None,
    released: Sequence[Event] = (),
) -> MigrationReport:
    """One migration's report. `context` is the instance's non-migration
    occurrences in time order (compute.instance.update, power, ...)."""
    occs = group.occurrences
    phases = []
    handlers = []  # each phase's handler in the map
    for o in occs:
        ph = o.phase
        assert ph is not None
        r = reached_of(o, coverage, zos, hmap)
        handler = hmap.handler_for(o.event_type)
        handlers.append(handler)
        lost_by = o.failed or o.dropped
        phases.append(
            _new_phase(  # PhaseReport's fields in order
                o.event_type,
                ph.name,  # phase
                o.event_id,
                ph.side,
                o.host_name,
                o.generated,
                o.time,
                _sighting(o.collector),
                _sighting(o.queued),  # zenpython
                _sighting(o.dropped),
                r,  # reached
                handler,
                o.request_id,
                None if lost_by is None else cause_of(lost_by),
            )
        )
    dest_phases = [(o, p) for o, p in zip(occs, phases) if p.side is Side.DESTINATION and p.host_name]
    proof = [(o, p) for o, p in dest_phases if o.phase is not None and o.phase.proves_move]
    # the destination: post.dest.end's host when seen, else the latest destination-side phase's
    dest_host = (proof or dest_phases)[-1][1].host_name if (proof or dest_phases) else None
    source_host = next((p.host_name for p in phases if p.side is Side.SOURCE and p.host_name), None)
    op = group.operation
    if source_host is None and op.source_from_history:
        source_host = group.previous_host  # evacuate: the host it was on before

    start, end = group.start, group.end
    # each firing with the order Zenoss applied it in (Occurrence.apply_key:
    # rcvtime when queued, else the collector's log time, line, place in line)
    keyed: list[tuple[_Key, Firing]] = []
    for o, p, h in zip(occs, phases, handlers):
        if (kf := _firing(o, p.reached, hmap, context=False, handler=h)) is not None:
            keyed.append(kf)
    after_keyed: list[tuple[_Key, Firing]] = []
    window: list[ContextReport] = []
    tail = end + CONTEXT_TAIL
    # context is in time order: start at the window, stop after the first
    # host-writing firing past it (all that corrected_by needs)
    for i in range(bisect_left(context, start, key=_time_of), len(context)):
        o = context[i]
        inside = o.time <= tail
        r = reached_of(o, coverage, zos, hmap)
        h = hmap.handler_for(o.event_type)
        if inside:
            window.append(_context_report(o, r, h))
        kf = _firing(o, r, hmap, context=True, handler=h)
        if kf is None:
            continue
        (keyed if inside else after_keyed).append(kf)
        f = kf[1]
        if not inside and f.writes_host and f.host is not None:
            break
    keyed.sort(key=lambda kf: kf[0])
    after_keyed.sort(key=lambda kf: kf[0])
    firings = [f for _, f in keyed]
    after = [f for _, f in after_keyed]

    outcome = outcome_of(occs)
    lost = tuple(p for p in phases if p.reached in (Reached.NO, Reached.DISCARDED))
    # the right final host: the target, or the source for a reverted resize
    reverted = outcome is Outcome.REVERTED
    expected = source_host if reverted else dest_host
    proof_type, proof_name, final_names = _op_facts(op, reverted)
    dest_handler = hmap.handler_for(proof_type)
    # the first host-writing firing after the window, when it wrote the right host
    first_after = next((f for f in after if f.writes_host and f.host is not None), None)
    correction = (
        first_after
        if first_after is not None and expected is not None and first_after.host == expected
        else None
    )
    facts = Facts(
        outcome=outcome,
        source=source_host,
        destination=expected,
        phases=tuple(phases),
        firings=tuple(firings),
        lost_mapped=tuple(p for p in lost if p.handler is not None),
        would=bool(phases) and all(p.reached is Reached.WOULD for p in phases),
        dest_mapped=dest_handler is not None and hmap.writes_host(dest_handler),
        end=end,
        correction=correction,
        absent_mapped=_absent_mapped(hmap, op, phases),
        log_ends=_log_end_near(coverage, end),
        noun=op.noun,
        proof=proof_name,
        proof_type=proof_type,
        final_names=final_names,
        reverted=reverted,
        target=dest_host,
        source_wrote_last=_source_wrote_last(firings, occs),
    )
    for rule in RULES:
        got = rule(facts)
        if got is not None:
            verdict, reason, rec = got
            break
    else:  # pragma: no cover - rule_ok always answers
        raise AssertionError("no rule applied")
    if facts.order_decides:
        # whatever the verdict, the host Zenoss kept depends on which came last
        w = facts.writers[-2]
        reason += (
            f" (order-sensitive: {where_of(w)} {verb_of(w, 'wrote', 'would write')} {w.host} "
            "less than 1 s before the last write)"
        )

    corrected = None
    if (
        verdict in (Verdict.STALE, Verdict.MISSED, Verdict.LOST)
        and correction is not None
        and correction.host is not None
    ):
        corrected = CorrectedBy(event_type=correction.event_type, time=correction.time, host=correction.host)
    writers = facts.writers
    rel = released_after(released, writers[-1].time) if writers else None
    released_host = rel.host_name if rel is not None else None
    if rel is not None and released_host is not None and released_host != writers[-1].host:
        reason += (
            f"; zenopenstack released {released_host} for it at {rel.source.path}:{rel.source.line}, "
            f"not {writers[-1].host}"
        )
    first_dest = next((p.phase for p in phases if dest_host and p.host_name == dest_host), None)
    return _new_migration(  # MigrationReport's fields in order
        group.request_id,
        group.instance_id or next((o.instance_id for o in occs if o.instance_id), None),
        next((o.display_name for o in occs if o.display_name), None),  # display_name
        source_host,
        dest_host,  # destination_host
        outcome,
        verdict,
        reason,
        rec,  # recommendation
        tuple(p.phase for p in lost),  # lost_phases
        corrected,  # corrected_by
        tuple(phases),
        tuple(firings),  # handlers
        first_dest,  # first_destination_phase
        proof[-1][1].phase if proof else None,  # proof_phase
        start,
        end,
        facts.would,
        tuple(group.attached_requests),
        (),  # overlaps: named by judgeall
        facts.order_sensitive,
        next((o.device for o in occs if o.device), None),  # device
        tuple(window),  # context
        op.name,  # operation
        expected,  # expected_host
        released_host,
    )


def _context_report(o: Occurrence, reached: Reached, handler: str | None) -> ContextReport:
    return _new_context(  # ContextReport's fields in order
        o.event_type,
        o.event_id,
        o.host_name,
        o.generated,
        o.time,
        _sighting(o.collector),
        _sighting(o.queued),  # zenpython
        _sighting(o.dropped),
        reached,
        handler,
    )
