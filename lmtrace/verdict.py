"""The verdict rules: from a migration's facts to a verdict, a reason and a recommendation.

The rules are domain.md's "Verdict rules", applied in order, one function
each (`RULES`); the first that applies gives the verdict, a one-line reason
and a recommendation. The verdict describes what happened to the Zenoss
model; pipeline problems that did not change it (a lost phase no handler
listens to) are reported beside it, in `lost_phases`. The facts are
gathered by lmtrace.judge.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .events import Status
from .findings import (
    Firing,
    Outcome,
    PhaseReport,
    Reached,
    Verdict,
)
from .humantime import clock, cut, duration, elapsed
from .phases import Side, classify, short_type

__all__ = ["FIRES", "REFERS_TO_CHANGE", "Facts", "ORDER_SENSITIVE", "RULES", "Rule", "verb_of", "where_of", "rule_failed", "rule_incomplete", "rule_lost", "rule_missed", "rule_ok", "rule_stale"]


ORDER_SENSITIVE = timedelta(seconds=1)


FIRES = (Reached.YES, Reached.WOULD)


@dataclass(frozen=True, slots=True, kw_only=True)
class Facts:
    """What the rules look at."""

    outcome: Outcome
    source: str | None
    destination: str | None
    phases: tuple[PhaseReport, ...]
    firings: tuple[Firing, ...]  # in the order Zenoss applied them
    lost_mapped: tuple[PhaseReport, ...]
    would: bool
    #: the handler map already has a host-writing handler on post.dest.end
    dest_mapped: bool = False
    #: the time of the migration's last phase
    end: datetime | None = None
    #: the first host-writing firing after the migration's window, when it
    #: wrote the destination (reported as `corrected_by`)
    correction: Firing | None = None
    #: host-writing phases of the handler map that are in neither log
    absent_mapped: tuple[str, ...] = ()
    #: when the zenpython log stops listening within a minute after the last
    #: phase: when it ends (a later phase may simply not be in it)
    log_ends: datetime | None = None
    # What differs between operations (lmtrace.phases rows); `destination`
    # above is the right final host: the target, or the source for a
    # reverted resize (`reverted`).
    #: how the reasons name the operation
    noun: str = "migration"
    #: the phase that proves the move (or the revert) and carries that host
    proof: str = "post.dest.end"
    proof_type: str = "compute.instance.live_migration.post.dest.end"
    #: the phases that end it
    final_names: tuple[str, ...] = ("post.dest.end", "_post.end")
    reverted: bool = False
    #: the operation's target (for a reverted resize, not the right final host)
    target: str | None = None
    #: the last host-writing firing is a source-side phase's (domain.md, the
    #: 3.x/4.x path: stale with the destination unknown, not incomplete)
    source_wrote_last: bool = False
    #: the host-writing firings that name a host, in order (the rules ask
    #: for them several times: worked out once)
    writers: tuple[Firing, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "writers", tuple(f for f in self.firings if f.writes_host and f.host is not None)
        )

    @property
    def order_sensitive(self) -> bool:
        """The last two host-writing firings came less than one second apart
        (domain.md; the `order_sensitive` field)."""
        w = self.writers
        return len(w) > 1 and w[-1].time - w[-2].time < ORDER_SENSITIVE

    @property
    def order_decides(self) -> bool:
        """Order-sensitive, and the two wrote different hosts: the host Zenoss
        kept depends on which came last (the reason says so). Two firings that
        wrote the same host leave the same model in either order."""
        w = self.writers
        return self.order_sensitive and w[-1].host != w[-2].host

    @property
    def moves(self) -> list[Firing]:
        """Host-writing firings that put the VM somewhere other than its
        source (on the destination when the source is unknown)."""
        if self.source is not None:
            return [w for w in self.writers if w.host != self.source]
        if self.destination is not None:
            return [w for w in self.writers if w.host == self.destination]
        return []

    def verb(self, past: str, cond: str) -> str:
        return cond if self.would else past


#: how a recommendation refers to the report's recommended mapping change
REFERS_TO_CHANGE = "see the recommended mapping change"


def verb_of(f: Firing, past: str, cond: str) -> str:
    """A firing that no zenpython log covered says what Zenoss *would* do."""
    return cond if f.reached is Reached.WOULD else past


Rule = Callable[[Facts], "tuple[Verdict, str, str] | None"]


def where_of(f: Firing) -> str:
    """`instance_update on _post.end`; a context event by its event type:
    `instance_update_status on context event compute.instance.update`."""
    if f.context:
        return f"{f.handler} on context event {f.event_type}"
    return f"{f.handler} on {short_type(f.event_type)}"


def _at(t: datetime, day: datetime | None) -> str:
    """`06:13:13.079`, with the date when it is another (UTC) day than `day`."""
    return clock(t, dated=day is not None and cut(t).date() != cut(day).date())


def _until(c: Firing, since: datetime, after: str, day: datetime | None) -> str:
    """`until compute.instance.update wrote Y at 06:13:13.079, 3 min 38 s later`"""
    return (
        f"until {c.event_type} {verb_of(c, 'wrote', 'would write')} {c.host} at {_at(c.time, day)}, "
        f"{duration(elapsed(since, c.time))} {after}"
    )


def _abort_requests(f: Facts) -> list[str]:
    out: list[str] = []
    for p in f.phases:
        info = classify(p.event_type)
        if info is not None and info.is_abort and p.request_id and p.request_id not in out:
            out.append(p.request_id)
    return out


def _abort_advice(f: Facts) -> str:
    reqs = _abort_requests(f)
    if reqs:
        which, it = ("request", "it") if len(reqs) == 1 else ("requests", "them")
        return (
            f"none for Zenoss; the migration was aborted by {which} {', '.join(reqs)}: look {it} "
            "up in nova-api's log for who aborted it and why"
        )
    return (
        "none for Zenoss; the abort carried no request id: look in nova-api's log for the abort "
        "call at the time of abort.start"
    )


def rule_failed(f: Facts) -> tuple[Verdict, str, str] | None:
    if f.outcome not in (Outcome.FAILED, Outcome.ABORTED):
        return None
    how = "aborted" if f.outcome is Outcome.ABORTED else "failed and was rolled back"
    stays = f.source or "its source host"
    if f.moves:
        w = f.moves[-1]
        reason = (
            f"the {f.noun} {how}; the VM stays on {stays}, but {where_of(w)} "
            f"{verb_of(w, 'moved', 'would move')} it to {w.host} in Zenoss"
        )
        last = f.writers[-1]
        if last is not w and f.source is not None and last.host == f.source:
            reason += f", until {where_of(last)} {verb_of(last, 'wrote', 'would write')} {f.source} back"
        if w.context:
            rec = (
                f"a {w.event_type} from {w.host} came during the "
                f"{'aborted' if f.outcome is Outcome.ABORTED else 'failed'} {f.noun}; "
                f"Zenoss corrects itself on the next update from {f.source or 'the source'}"
            )
        else:
            rec = f"map {short_type(w.event_type)} to no handler: only {f.proof} proves a move"
        return Verdict.FAILED, reason, rec
    return (
        Verdict.FAILED,
        f"the {f.noun} {how}; the VM stays on {stays} and no handler "
        f"{f.verb('moved', 'would move')} it: Zenoss should show {f.source or 'the source'}",
        _abort_advice(f)
        if f.outcome is Outcome.ABORTED
        else f"none for Zenoss; look at nova-compute on the source for why the {f.noun} failed",
    )


def rule_incomplete(f: Facts) -> tuple[Verdict, str, str] | None:
    if f.outcome is not Outcome.INCOMPLETE and f.destination is not None:
        return None
    if f.outcome is Outcome.COMPLETED and f.destination is None and f.source_wrote_last:
        return None  # it wrote the source: stale, destination unknown (rule_stale)
    wrong = f.moves
    moved = (
        f"; {where_of(wrong[-1])} {verb_of(wrong[-1], 'already moved', 'would already move')} it to "
        f"{wrong[-1].host}"
        if wrong
        else ""
    )
    if f.destination is None:
        seen = any(p.side is Side.DESTINATION for p in f.phases)
        what = (
            "the destination-side phases carry no host_name"
            if seen
            else "no destination-side phase seen"
        )
        return (
            Verdict.INCOMPLETE,
            f"{what}: the destination is unknown" + moved,
            f"give the log that covers the whole {f.noun} (rotated files, the other controller)",
        )
    return (
        Verdict.INCOMPLETE,
        f"no final phase ({' or '.join(f.final_names)}) in the logs: still running when the logs end, "
        f"or its end was not logged; Zenoss should show {f.source or 'the source'} until it completes"
        + moved,
        f"give logs that run past the {f.noun}'s end, or check nova-compute for a hung {f.noun}",
    )


def rule_lost(f: Facts) -> tuple[Verdict, str, str] | None:
    if not f.lost_mapped:
        return None
    parts = []
    overflow = False
    for p in f.lost_mapped:
        if p.cause is not None and (p.dropped is None or p.dropped.status not in ("discarded", "dropped")):
            why = f"lost: {p.cause}"  # the 3.x/4.x path: a failed post, or zenopenstack's error
        elif p.reached is Reached.DISCARDED:
            why = "queued, then discarded by zenpython"
            if p.dropped is not None and p.dropped.status == Status.DISCARDED.value:
                why += " (queue overflow)"
                overflow = True
            elif p.dropped is not None:
                why += " (dropped by a transform)"
        else:
            where = f" at {p.collector.path}:{p.collector.line}" if p.collector else ""
            why = f"logged by the collector{where} but never queued by zenpython"
        parts.append(f"{p.phase} (mapped to {p.handler}) {why}")
    causes = " ".join(p.cause or "" for p in f.lost_mapped)
    rec = (
        "check what answered the HTTP publisher at that time (zenopenstack and its proxy on port 8342, "
        "the device in the publisher's URL): a post that fails is not retried"
        if "HTTP publisher" in causes
        else "read zenopenstack's traceback for the event (see the phase's line) and fix what its handler "
        "could not read"
        if "zenopenstack could not" in causes
        else "raise zenpython's event queue (--maxqueuelen) or find why it backs up"
        if overflow
        else "check the AMQP path from the dispatcher to zenpython (queue, exchange, the device's "
        "datasource) for the time of the loss"
    )
    reason = "; ".join(parts)
    c = f.correction
    writers = f.writers
    if c is not None and (not writers or writers[-1].host != f.destination):
        # the model was wrong until a later event wrote the destination
        if writers:
            last = writers[-1]
            reason += (
                f": Zenoss {verb_of(last, 'showed', 'would show')} the VM on {last.host}, not "
                f"{f.destination}, " + _until(c, last.time, "later", last.time)
            )
        elif f.end is not None:
            reason += (
                f": Zenoss {f.verb('kept', 'would keep')} the old host "
                + _until(c, f.end, f"after the {f.noun}'s last phase", f.end)
            )
    return Verdict.LOST, reason, rec


def rule_missed(f: Facts) -> tuple[Verdict, str, str] | None:
    if f.writers:
        return None
    if f.dest_mapped and not any(p.phase == f.proof for p in f.phases):
        rec = (
            f"{f.proof}, which this handler map acts on, is in neither log: check that the "
            "destination's nova-compute sends it and that Ceilometer's event definitions pass it"
        )
    else:
        rec = f"map {f.proof_type} to instance_update in the ZenPack's events.py"
    c = f.correction
    if c is not None and f.end is not None:
        keeps = f"Zenoss {f.verb('kept', 'would keep')} the old host " + _until(
            c, f.end, f"after the {f.noun}'s last phase", f.end
        )
    else:
        keeps = "Zenoss keeps the old host"
    if f.firings:
        names = ", ".join(sorted({where_of(x) for x in f.firings}))
        return (
            Verdict.MISSED,
            f"the {f.noun} completed; {names} {f.verb('fired', 'would fire')} but wrote no host: "
            + keeps,
            rec,
        )
    seen = [p.phase for p in f.phases if p.reached in FIRES]
    reason = (
        f"the {f.noun} completed but no mapped phase {f.verb('reached', 'would reach')} Zenoss "
        f"({', '.join(seen) or 'none'} did, none mapped to a handler): " + keeps
    )
    if f.absent_mapped and f.log_ends is not None and f.end is not None:
        # a short excerpt: the phase the map acts on may have come after it
        gap = f.log_ends - f.end
        ends = "with the last phase" if gap < timedelta(seconds=1) else f"{duration(gap)} after the last phase"
        reason += (
            f"; but the zenpython log ends {ends}, so {', '.join(f.absent_mapped)} may have come "
            "later: a longer log may change this verdict"
        )
    return Verdict.MISSED, reason, rec


def rule_stale(f: Facts) -> tuple[Verdict, str, str] | None:
    writers = f.writers
    if not writers or writers[-1].host == f.destination:
        return None
    last = writers[-1]
    if last.host == f.source:
        which = "the source"
    elif f.reverted and last.host == f.target:
        which = "the resize's destination, but the resize was reverted"
    else:
        which = "another host"
    reason = (
        f"{where_of(last)} {verb_of(last, 'wrote', 'would write')} {last.host} ({which}) last, "
        f"at {clock(last.time)}: "
    )
    c = f.correction
    if f.destination is None:
        reason += (
            f"Zenoss {verb_of(last, 'shows', 'would show')} the VM on {last.host}, its source; the "
            "destination is unknown (no destination-side phase in the logs: zenopenstack logs nothing "
            f"for an unmapped {f.proof}; the notification agent's TRACE bodies show it)"
        )
    elif c is None:
        reason += f"Zenoss {verb_of(last, 'shows', 'would show')} the VM on {last.host}, not {f.destination}"
    else:
        # a later event wrote the destination: the model was wrong until then
        reason += (
            f"Zenoss {verb_of(last, 'showed', 'would show')} the VM on {last.host}, not {f.destination}, "
            + _until(c, last.time, "later", last.time)
        )
    if last.context:
        rec = (
            f"a {last.event_type} from {last.host} arrived after the {f.noun}; "
            f"Zenoss corrects itself on the next update from {f.destination}"
        )
    elif f.dest_mapped:
        rec = (
            f"map {short_type(last.event_type)} to no handler in the ZenPack's events.py: {f.proof} "
            f"already writes the right host ({REFERS_TO_CHANGE})"
        )
    else:
        rec = (
            f"move {last.handler} from {short_type(last.event_type)} to {f.proof} in the ZenPack's "
            f"events.py ({REFERS_TO_CHANGE})"
        )
    return Verdict.STALE, reason, rec


def rule_ok(f: Facts) -> tuple[Verdict, str, str] | None:
    last = f.writers[-1]
    which = "the source, where the revert put the VM back" if f.reverted else "the destination"
    return (
        Verdict.OK,
        f"{where_of(last)} {verb_of(last, 'wrote', 'would write')} {last.host}, {which}, last",
        "",
    )


RULES: Sequence[Rule] = (rule_failed, rule_incomplete, rule_lost, rule_missed, rule_stale, rule_ok)
