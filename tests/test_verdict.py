"""The verdict rules of domain.md, on events built directly: one table row per
rule (`VERDICT_TABLE`), then firings, summary, filters and the write-up's logs."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from lmtrace.analyze import Filters, analyze, analyze_stream
from lmtrace.errors import UsageError
from lmtrace.findings import MigrationReport, Outcome, Reached, Report, Verdict
from lmtrace.handlers import builtin_map, load_handler_map
from lmtrace.verdict import RULES

from .builders import DST, LM, SRC, T0, Log, completed, stream
from .conftest import BLOG_COLLECTOR, BLOG_ZENPYTHON

UPDATE = "compute.instance.update"


def run(*logs: Log, zenpack: str = "osi-2.x", zenpython: bool = True, **kw: object) -> Report:
    return analyze_stream(stream(*logs, zenpython=zenpython), handler_map=builtin_map(zenpack), **kw)  # type: ignore[arg-type]


def only(report: Report) -> MigrationReport:
    assert len(report.migrations) == 1, [m.label for m in report.migrations]
    return report.migrations[0]


def covered(log: Log) -> Log:
    return log.heartbeat(-120, 400)


def test_stale_the_write_ups_bug() -> None:
    m = only(run(covered(completed(Log()))))
    assert (m.source_host, m.destination_host, m.outcome, m.verdict) == (SRC, DST, Outcome.COMPLETED, Verdict.STALE)
    assert m.first_destination_phase == "pre.start" and m.proof_phase == "post.dest.end"
    assert [(f.event_type, f.handler, f.host) for f in m.handlers] == [(LM + "_post.end", "instance_update", SRC)]
    assert m.reason.startswith(f"instance_update on _post.end wrote {SRC} (the source) last")
    assert "move instance_update from _post.end to post.dest.end" in m.recommendation
    assert not m.would and all(p.reached is Reached.YES for p in m.phases)


def test_ok_with_the_fix() -> None:
    m = only(run(covered(completed(Log())), zenpack="osi-2.x-pr401"))
    assert m.verdict is Verdict.OK
    assert m.reason == f"instance_update on post.dest.end wrote {DST}, the destination, last"


def test_ok_when_a_context_update_from_the_destination_comes_last() -> None:
    log = covered(completed(Log()).context(UPDATE, DST, 40))
    m = only(run(log))
    assert m.verdict is Verdict.OK
    assert m.handlers[-1].context and m.handlers[-1].handler == "instance_update_status"


def test_context_update_after_the_window_is_corrected_by_not_ok() -> None:
    log = covered(completed(Log()).context(UPDATE, DST, 31.25 + 300))
    m = only(run(log))
    assert m.verdict is Verdict.STALE
    assert m.corrected_by is not None and m.corrected_by.host == DST
    assert m.corrected_by.event_type == UPDATE


def test_would_with_the_collector_log_only() -> None:
    m = only(run(completed(Log()), zenpython=False))
    assert m.verdict is Verdict.STALE and m.would
    assert all(p.reached is Reached.WOULD for p in m.phases)
    assert "would write" in m.reason


def test_missed_when_no_mapped_phase_reached() -> None:
    log = Log().phase("post.dest.start", DST, 0).phase("post.dest.end", DST, 0.2)
    m = only(run(covered(log)))
    assert (m.outcome, m.verdict) == (Outcome.COMPLETED, Verdict.MISSED)
    assert m.handlers == ()
    assert m.source_host is None and m.destination_host == DST


def test_lost_mapped_phase_never_queued() -> None:
    log = Log()
    completed(log)
    log.events = [e for e in log.events if not (e.event_type.endswith("_post.end") and e.source.kind.value == "zenpython")]
    m = only(run(covered(log)))
    assert m.verdict is Verdict.LOST
    assert m.lost_phases == ("_post.end",)
    assert m.reason.startswith("_post.end (mapped to instance_update) logged by the collector at collector.log:")


def test_lost_by_queue_overflow() -> None:
    log = (
        Log()
        .phase("post.dest.end", DST, 0)
        .phase("_post.end", SRC, 0.1, discarded=True)
    )
    m = only(run(covered(log)))
    assert m.verdict is Verdict.LOST
    assert "queue overflow" in m.reason and "--maxqueuelen" in m.recommendation
    assert [p.reached for p in m.phases] == [Reached.YES, Reached.DISCARDED]


def test_lost_unmapped_phase_does_not_set_the_verdict() -> None:
    log = Log().phase("post.dest.start", DST, 0, queued=None).phase("post.dest.end", DST, 0.2).phase("_post.end", SRC, 0.3)
    r = run(covered(log))
    m = only(r)
    assert m.verdict is Verdict.STALE
    assert m.lost_phases == ("post.dest.start",)
    assert r.summary.lost_unmapped == 1


def test_uncovered_phase_is_would_not_lost() -> None:
    # zenpython's log has a gap (debug off) around the migration
    log = completed(Log(), queued=None).heartbeat(-3600, -1800)
    m = only(run(log))
    assert all(p.reached is Reached.WOULD for p in m.phases)
    assert m.verdict is Verdict.STALE


def test_failed_rolled_back() -> None:
    log = (
        Log()
        .phase("pre.start", DST, 0)
        .phase("pre.end", DST, 1)
        .phase("_rollback.start", SRC, 20)
        .phase("rollback.dest.start", DST, 20.5)
        .phase("rollback.dest.end", DST, 21)
        .phase("_rollback.end", SRC, 21.5)
    )
    m = only(run(covered(log)))
    assert (m.outcome, m.verdict) == (Outcome.FAILED, Verdict.FAILED)
    assert f"the VM stays on {SRC} and no handler moved it" in m.reason


def test_failed_and_a_handler_moved_it_anyway() -> None:
    log = (
        Log()
        .phase("pre.start", DST, 0)
        .phase("_rollback.end", SRC, 21.5)
        .context(UPDATE, DST, 1)
    )
    m = only(run(covered(log)))
    assert m.verdict is Verdict.FAILED
    assert f"but instance_update_status on context event {UPDATE} moved it to {DST}" in m.reason


def test_aborted_attaches_to_the_open_migration() -> None:
    log = Log().phase("pre.start", DST, 0).phase("pre.end", DST, 1)
    log.phase("", SRC, 10, event_type="compute.instance.live.migration.abort.start", request_id="req-abort")
    log.phase("", SRC, 11, event_type="compute.instance.live.migration.abort.end", request_id="req-abort")
    log.phase("_rollback.end", SRC, 12)
    m = only(run(covered(log)))
    assert (m.outcome, m.verdict) == (Outcome.ABORTED, Verdict.FAILED)
    assert m.attached_requests == ("req-abort",)
    assert "aborted" in m.reason


def test_incomplete_without_a_final_phase() -> None:
    m = only(run(covered(Log().phase("pre.start", DST, 0).phase("pre.end", DST, 2))))
    assert (m.outcome, m.verdict) == (Outcome.INCOMPLETE, Verdict.INCOMPLETE)
    assert m.destination_host == DST


def test_incomplete_when_the_destination_is_unknown() -> None:
    m = only(run(covered(Log().phase("_post.end", SRC, 0))))
    assert m.outcome is Outcome.COMPLETED and m.verdict is Verdict.INCOMPLETE
    assert m.reason.startswith("no destination-side phase seen")


def test_order_sensitive_firings_are_flagged() -> None:
    log = covered(completed(Log()).context(UPDATE, DST, 31.0))
    m = only(run(log))
    assert m.verdict is Verdict.STALE
    assert m.order_sensitive and "order-sensitive" in m.reason


def test_firings_follow_zenpython_order_not_generated() -> None:
    # _post.end generated last but queued first: the update from DST wins
    log = Log().phase("post.dest.end", DST, 0).phase("_post.end", SRC, 5, delay=0.1)
    log.context(UPDATE, DST, 4, delay=3)
    m = only(run(covered(log)))
    assert [f.host for f in m.handlers] == [SRC, DST]
    assert m.verdict is Verdict.OK


def test_summary_counts_and_snippet() -> None:
    r = run(covered(completed(Log("req-a", "i-a"))), completed(Log("req-b", "i-b")))
    assert r.summary.verdicts["stale"] == 2 and r.summary.migrations == 2
    assert r.summary.recommended_change is not None
    assert "post.dest.end': (instance_id, instance_update)" in r.summary.recommended_change


def test_filters() -> None:
    logs = (covered(completed(Log("req-a", "i-a", "vm-a"))), completed(Log("req-b", "i-b", "vm-b")))
    assert len(run(*logs).migrations) == 2
    r = run(*logs, filters=Filters(instance="vm-b"))
    assert [m.request_id for m in r.migrations] == ["req-b"]
    assert r.summary.migrations == 1
    assert [m.request_id for m in run(*logs, filters=Filters(request="req-a")).migrations] == ["req-a"]
    assert run(*logs, filters=Filters(host="nowhere")).migrations == ()
    assert len(run(*logs, since="2017-01-23 06:20:30").migrations) == 2
    assert run(*logs, since="2017-01-23 06:25").migrations == ()
    # relative times count back from the newest event (the heartbeat at +400 s)
    assert run(*logs, since="5m").migrations == ()
    assert len(run(*logs, since="7m").migrations) == 2


# ---------------------------------------------------------------------------
# The verdict rules as a table: one row per rule of domain.md's "Verdict" list
# (and per case a rule names), each with what the report must say.

POWER_OFF_START = "compute.instance.power_off.start"  # instance_powering_off: writes no host
ABORT_START = "compute.instance.live.migration.abort.start"


def _rolled_back() -> Log:
    return (
        Log()
        .phase("pre.start", DST, 0)
        .phase("pre.end", DST, 1)
        .phase("_rollback.start", SRC, 20)
        .phase("rollback.dest.end", DST, 21)
        .phase("_rollback.end", SRC, 21.5)
    )


def _aborted() -> Log:
    log = Log().phase("pre.start", DST, 0).phase("pre.end", DST, 1)
    log.phase("", SRC, 10, event_type=ABORT_START, request_id="req-abort")
    return log.phase("_rollback.end", SRC, 12)


def _never_queued(suffix: str) -> Log:
    log = completed(Log())
    log.events = [e for e in log.events if not (e.event_type == LM + suffix and e.source.kind.value == "zenpython")]
    return log


# (id, events, map, outcome, verdict, in the reason, in the recommendation)
VERDICT_TABLE = [
    ("failed-rolled-back", _rolled_back, "osi-2.x", Outcome.FAILED, Verdict.FAILED,
     f"failed and was rolled back; the VM stays on {SRC} and no handler moved it", "nova-compute on the source"),
    ("failed-aborted", _aborted, "osi-2.x", Outcome.ABORTED, Verdict.FAILED,
     f"the migration aborted; the VM stays on {SRC} and no handler moved it",
     "none for Zenoss; the migration was aborted by request req-abort: look it up in nova-api's log"),
    ("failed-moved-anyway", lambda: Log().phase("pre.start", DST, 0).phase("_rollback.end", SRC, 21.5).context(UPDATE, DST, 1),
     "osi-2.x", Outcome.FAILED, Verdict.FAILED,
     f"but instance_update_status on context event {UPDATE} moved it to {DST} in Zenoss",
     f"a {UPDATE} from {DST} came during the failed migration; Zenoss corrects itself"),
    ("failed-moved-anyway-source-unknown",
     lambda: Log().phase("pre.start", DST, 0).phase("rollback.dest.end", DST, 20).context(UPDATE, DST, 1),
     "osi-2.x", Outcome.FAILED, Verdict.FAILED,
     f"the VM stays on its source host, but instance_update_status on context event {UPDATE} moved it to {DST}",
     "corrects itself"),
    ("failed-moved-then-written-back",
     lambda: Log().phase("pre.start", DST, 0).phase("_rollback.end", SRC, 21.5).context(UPDATE, DST, 1).context(UPDATE, SRC, 22),
     "osi-2.x", Outcome.FAILED, Verdict.FAILED,
     f"moved it to {DST} in Zenoss, until instance_update_status on context event {UPDATE} wrote {SRC} back",
     "corrects itself"),
    ("incomplete-no-final-phase", lambda: Log().phase("pre.start", DST, 0).phase("pre.end", DST, 2),
     "osi-2.x", Outcome.INCOMPLETE, Verdict.INCOMPLETE, "no final phase (post.dest.end or _post.end)", "give logs"),
    ("incomplete-destination-unknown", lambda: Log().phase("_post.end", SRC, 0),
     "osi-2.x", Outcome.COMPLETED, Verdict.INCOMPLETE,
     "no destination-side phase seen: the destination is unknown", "give the log"),
    ("incomplete-destination-without-host", lambda: Log().phase("post.dest.end", None, 0).phase("_post.end", SRC, 0.1),
     "osi-2.x", Outcome.COMPLETED, Verdict.INCOMPLETE,
     "the destination-side phases carry no host_name: the destination is unknown", "give the log"),
    ("lost-never-queued", lambda: _never_queued("_post.end"), "osi-2.x", Outcome.COMPLETED, Verdict.LOST,
     "_post.end (mapped to instance_update) logged by the collector at collector.log:6 but never queued",
     "AMQP path"),
    ("lost-queue-overflow", lambda: Log().phase("post.dest.end", DST, 0).phase("_post.end", SRC, 0.1, discarded=True),
     "osi-2.x", Outcome.COMPLETED, Verdict.LOST,
     "_post.end (mapped to instance_update) queued, then discarded by zenpython (queue overflow)", "--maxqueuelen"),
    ("lost-dropped-by-transform",
     lambda: Log().phase("post.dest.end", DST, 0, dropped=True).phase("_post.end", SRC, 0.1),
     "osi-2.x-pr401", Outcome.COMPLETED, Verdict.LOST,
     "post.dest.end (mapped to instance_update) queued, then discarded by zenpython (dropped by a transform)",
     "AMQP path"),
    ("missed-no-mapped-phase", lambda: Log().phase("post.dest.start", DST, 0).phase("post.dest.end", DST, 0.2),
     "osi-2.x", Outcome.COMPLETED, Verdict.MISSED,
     "no mapped phase reached Zenoss (post.dest.start, post.dest.end did, none mapped to a handler)",
     "map compute.instance.live_migration.post.dest.end to instance_update"),
    ("missed-fired-without-host", lambda: Log().phase("post.dest.end", DST, 0).phase("_post.end", None, 0.1),
     "osi-2.x", Outcome.COMPLETED, Verdict.MISSED,
     "instance_update on _post.end fired but wrote no host", "post.dest.end to instance_update"),
    ("missed-proof-not-in-the-logs",
     lambda: Log().phase("pre.start", DST, 0).phase("pre.end", DST, 1).phase("_post.end", SRC, 30),
     "osi-2.x-pr401", Outcome.COMPLETED, Verdict.MISSED,
     "no mapped phase reached Zenoss (pre.start, pre.end, _post.end did", "post.dest.end, which this handler map acts on, is in neither log"),
    ("stale-the-write-ups-bug", lambda: completed(Log()), "osi-2.x", Outcome.COMPLETED, Verdict.STALE,
     f"instance_update on _post.end wrote {SRC} (the source) last", "move instance_update from _post.end to post.dest.end"),
    ("stale-context-event-last", lambda: completed(Log()).context(UPDATE, SRC, 50), "osi-2.x-pr401",
     Outcome.COMPLETED, Verdict.STALE,
     f"instance_update_status on context event {UPDATE} wrote {SRC} (the source) last",
     f"a {UPDATE} from {SRC} arrived after the migration; Zenoss corrects itself on the next update from {DST}"),
    ("ok-with-the-fix", lambda: completed(Log()), "osi-2.x-pr401", Outcome.COMPLETED, Verdict.OK,
     f"instance_update on post.dest.end wrote {DST}, the destination, last", ""),
    ("ok-context-update-last", lambda: completed(Log()).context(UPDATE, DST, 40), "osi-2.x", Outcome.COMPLETED,
     Verdict.OK, f"instance_update_status on context event {UPDATE} wrote {DST}, the destination, last", ""),
]


@pytest.mark.parametrize(
    ("build", "zenpack", "outcome", "verdict", "reason", "recommendation"),
    [row[1:] for row in VERDICT_TABLE],
    ids=[row[0] for row in VERDICT_TABLE],
)
def test_verdict_table(
    build: Callable[[], Log], zenpack: str, outcome: Outcome, verdict: Verdict, reason: str, recommendation: str
) -> None:
    m = only(run(covered(build()), zenpack=zenpack))
    assert (m.outcome, m.verdict) == (outcome, verdict), m.reason
    assert reason in m.reason
    # every non-ok verdict: a one-line reason and a recommendation; ok needs none
    assert "\n" not in m.reason and "\n" not in m.recommendation
    if verdict is Verdict.OK:
        assert m.recommendation == ""
    else:
        assert recommendation and recommendation in m.recommendation


def test_verdict_table_has_a_row_for_every_rule() -> None:
    # RULES is the order of domain.md's list; the table covers each of them
    assert [r.__name__ for r in RULES] == [f"rule_{v.value}" for v in Verdict]
    assert {row[4] for row in VERDICT_TABLE} == set(Verdict)


def test_rules_apply_in_order() -> None:
    # a failed migration that also lost a mapped phase is failed, not lost;
    # an incomplete one with a lost mapped phase is incomplete
    failed = Log().phase("pre.start", DST, 0).phase("_rollback.end", SRC, 5).phase("_post.end", SRC, 6, queued=None)
    assert only(run(covered(failed))).verdict is Verdict.FAILED
    incomplete = Log().phase("_post.end", SRC, 0, queued=None)
    assert only(run(covered(incomplete))).verdict is Verdict.INCOMPLETE
    # lost before missed and stale: _post.end (mapped) lost while nothing else fired
    assert only(run(covered(_never_queued("_post.end")))).verdict is Verdict.LOST


# ---------------------------------------------------------------------------
# Firings: which count, and the order Zenoss applied them in


def test_context_firings_count_from_the_first_phase_to_a_minute_after_the_last() -> None:
    log = completed(Log())  # phases from 0 s to 31.25 s
    log.context(UPDATE, SRC, -5)  # before the first phase: not the migration's
    log.context(UPDATE, DST, 31.25 + 59)  # inside the one-minute tail
    log.context(UPDATE, SRC, 31.25 + 61)  # after it: a later event, not a firing
    m = only(run(covered(log)))
    assert [(f.event_type, f.host, f.context) for f in m.handlers] == [
        (LM + "_post.end", SRC, False),
        (UPDATE, DST, True),
    ]
    assert m.verdict is Verdict.OK
    assert m.corrected_by is None  # ok: nothing to correct


def test_corrected_by_is_the_first_host_writer_after_the_window() -> None:
    log = completed(Log())
    log.context(POWER_OFF_START, DST, 200)  # maps to a handler that writes no host
    log.context(UPDATE, DST, 300)
    log.context(UPDATE, SRC, 400)
    m = only(run(log.heartbeat(-120, 600)))
    assert m.verdict is Verdict.STALE
    assert m.corrected_by is not None
    assert (m.corrected_by.event_type, m.corrected_by.host) == (UPDATE, DST)
    assert m.corrected_by.time == T0 + timedelta(seconds=300.2)  # rcvtime: when Zenoss applied it


# corrected_by: a later event wrote the destination, so the reason says the model
# *was* wrong, until when, and for how long (times cut to milliseconds)


def test_stale_reason_with_corrected_by_speaks_in_the_past() -> None:
    # _post.end queued at +31.45 s (06:20:31.450); the update from DST at +331.45 s
    m = only(run(covered(completed(Log()).context(UPDATE, DST, 31.25 + 300))))
    assert m.verdict is Verdict.STALE and m.corrected_by is not None
    assert m.reason == (
        f"instance_update on _post.end wrote {SRC} (the source) last, at 06:20:31.450: "
        f"Zenoss showed the VM on {SRC}, not {DST}, until {UPDATE} wrote {DST} at 06:25:31.450, 5 min 00 s later"
    )
    assert "shows" not in m.reason


def test_stale_reason_without_corrected_by_stays_in_the_present() -> None:
    m = only(run(covered(completed(Log()))))
    assert m.corrected_by is None
    assert m.reason.endswith(f"Zenoss shows the VM on {SRC}, not {DST}")
    # a later update from the *source* corrects nothing: no corrected_by, present tense
    m = only(run(covered(completed(Log()).context(UPDATE, SRC, 31.25 + 300))))
    assert m.corrected_by is None and m.reason.endswith(f"Zenoss shows the VM on {SRC}, not {DST}")


def test_stale_would_reason_with_corrected_by() -> None:
    # collector only: what Zenoss would do, said conditionally throughout
    m = only(run(completed(Log()).context(UPDATE, DST, 31.25 + 300), zenpython=False))
    assert m.would and m.corrected_by is not None
    assert m.reason.endswith(
        f"Zenoss would show the VM on {SRC}, not {DST}, until {UPDATE} would write {DST} at 06:25:31.259, "
        "5 min 00 s later"
    )


def test_missed_reason_with_corrected_by() -> None:
    log = Log().phase("post.dest.start", DST, 0).phase("post.dest.end", DST, 0.2)
    m = only(run(covered(log.context(UPDATE, DST, 120.2))))  # queued at 06:22:00.400
    assert m.verdict is Verdict.MISSED and m.corrected_by is not None
    assert m.reason == (
        "the migration completed but no mapped phase reached Zenoss (post.dest.start, post.dest.end did, "
        f"none mapped to a handler): Zenoss kept the old host until {UPDATE} wrote {DST} at 06:22:00.400, "
        "2 min 00 s after the migration's last phase"
    )


def test_lost_reason_with_corrected_by_when_the_model_was_wrong() -> None:
    # the fixed map's post.dest.end never queued: nothing wrote a host until the later update
    m = only(run(covered(_never_queued("post.dest.end").context(UPDATE, DST, 131.25)), zenpack="osi-2.x-pr401"))
    assert m.verdict is Verdict.LOST and m.corrected_by is not None and m.handlers == ()
    assert m.reason == (
        "post.dest.end (mapped to instance_update) logged by the collector at collector.log:5 but never queued "
        f"by zenpython: Zenoss kept the old host until {UPDATE} wrote {DST} at 06:22:11.450, 1 min 40 s after "
        "the migration's last phase"
    )
    # osi-2.x, _post.end lost, but an update from SRC wrote the model wrong meanwhile
    log = _never_queued("_post.end").context(UPDATE, SRC, 40).context(UPDATE, DST, 200)
    m = only(run(covered(log)))
    assert m.verdict is Verdict.LOST and m.corrected_by is not None
    assert m.reason.endswith(
        f"never queued by zenpython: Zenoss showed the VM on {SRC}, not {DST}, until {UPDATE} wrote {DST} at "
        "06:23:20.200, 2 min 40 s later"
    )


def test_lost_reason_with_corrected_by_when_the_model_was_right() -> None:
    # an update from DST inside the window already put the VM right: nothing was wrong
    log = _never_queued("_post.end").context(UPDATE, DST, 40).context(UPDATE, DST, 200)
    m = only(run(covered(log)))
    assert m.verdict is Verdict.LOST and m.corrected_by is not None
    assert m.reason == (
        "_post.end (mapped to instance_update) logged by the collector at collector.log:6 but never queued by zenpython"
    )


# aborted: an API call, with its own request id


def test_aborted_recommendation_names_the_abort_request() -> None:
    m = only(run(covered(_aborted())))
    assert m.outcome is Outcome.ABORTED
    assert m.recommendation == (
        "none for Zenoss; the migration was aborted by request req-abort: look it up in nova-api's log "
        "for who aborted it and why"
    )
    assert "nova-compute" not in m.recommendation
    # a failed (rolled back) migration still points at nova-compute on the source
    assert "nova-compute on the source" in only(run(covered(_rolled_back()))).recommendation


def test_aborted_without_a_request_id() -> None:
    log = Log().phase("pre.start", DST, 0).phase("pre.end", DST, 1)
    log.phase("", SRC, 10, event_type=ABORT_START, request_id=None)
    log.phase("_rollback.end", SRC, 12)
    m = only(run(covered(log)))
    assert m.outcome is Outcome.ABORTED
    assert m.recommendation.startswith("none for Zenoss; the abort carried no request id: look in nova-api's log")


def test_aborted_and_moved_anyway_says_aborted() -> None:
    log = _aborted().context(UPDATE, DST, 5)
    m = only(run(covered(log)))
    assert m.verdict is Verdict.FAILED
    assert m.recommendation.startswith(f"a {UPDATE} from {DST} came during the aborted migration;")


def test_would_firings_keep_the_order_of_one_record_events_line() -> None:
    # one dispatcher line carries compute.instance.update (first) and _post.end
    # (second): Zenoss applies them in that order, whatever `generated` says
    log = Log().phase("pre.start", DST, 0).phase("post.dest.end", DST, 20)
    log.context(UPDATE, DST, 30.5)
    log.phase("_post.end", SRC, 30, same_line=True)
    m = only(run(log, zenpython=False))
    assert [(f.event_type, f.host) for f in m.handlers] == [(UPDATE, DST), (LM + "_post.end", SRC)]
    assert m.verdict is Verdict.STALE
    # and the other way round in the line: the update from the destination wins
    log = Log().phase("pre.start", DST, 0).phase("post.dest.end", DST, 20)
    log.phase("_post.end", SRC, 30.5)
    log.context(UPDATE, DST, 30, same_line=True)
    m = only(run(log, zenpython=False))
    assert [f.host for f in m.handlers] == [SRC, DST]
    assert m.verdict is Verdict.OK and m.order_sensitive


def test_would_firings_follow_the_collectors_log_time_not_generated() -> None:
    # _post.end generated first but logged last by the collector
    log = Log().phase("pre.start", DST, 0).phase("post.dest.end", DST, 20)
    log.phase("_post.end", SRC, 10)
    log.events = [
        dataclasses.replace(e, logged_at=T0 + timedelta(seconds=25)) if e.event_type == LM + "_post.end" else e
        for e in log.events
    ]
    m = only(run(log, zenpython=False))
    assert [f.host for f in m.handlers] == [SRC]  # only _post.end is mapped in osi-2.x
    m = only(run(log.context(UPDATE, DST, 21), zenpython=False))
    assert [f.host for f in m.handlers] == [DST, SRC]
    assert m.verdict is Verdict.STALE


def test_order_sensitive_is_said_whatever_the_verdict() -> None:
    # ok, but only because the update from the destination came 0.25 s later
    m = only(run(covered(completed(Log()).context(UPDATE, DST, 31.5))))
    assert m.verdict is Verdict.OK and m.order_sensitive
    assert m.reason == (
        f"instance_update_status on context event {UPDATE} wrote {DST}, the destination, last "
        f"(order-sensitive: instance_update on _post.end wrote {SRC} less than 1 s before the last write)"
    )
    # more than a second apart: not order-sensitive
    m = only(run(covered(completed(Log()).context(UPDATE, DST, 33))))
    assert m.verdict is Verdict.OK and not m.order_sensitive and "order-sensitive" not in m.reason


def test_order_sensitive_same_host_is_not_said() -> None:
    # post.dest.end (fixed map) and an update, both writing DST 0.1 s apart: either order
    # leaves DST, so the reason does not call the result order-sensitive; the field
    # keeps domain.md's definition (< 1 s apart)
    m = only(run(covered(completed(Log()).context(UPDATE, DST, 31.3)), zenpack="osi-2.x-pr401"))
    assert [(f.handler, f.host) for f in m.handlers] == [("instance_update", DST), ("instance_update_status", DST)]
    assert m.handlers[1].time - m.handlers[0].time == timedelta(milliseconds=100)
    assert m.verdict is Verdict.OK and m.order_sensitive
    assert m.reason == f"instance_update_status on context event {UPDATE} wrote {DST}, the destination, last"


def test_order_sensitive_stale_names_the_other_host() -> None:
    # the update from DST came 0.2 s before _post.end from SRC: the order decided the host
    m = only(run(covered(completed(Log()).context(UPDATE, DST, 31.05))))
    assert m.verdict is Verdict.STALE and m.order_sensitive
    assert m.reason.endswith(
        f"(order-sensitive: instance_update_status on context event {UPDATE} wrote {DST} "
        "less than 1 s before the last write)"
    )
    assert m.reason.count("order-sensitive") == 1


def test_mixed_coverage_speaks_per_firing() -> None:
    # zenpython's debug log stops right after pre.start: the _post.end firing is
    # what Zenoss *would* do, though the migration as a whole was partly seen
    log = Log().phase("pre.start", DST, 0)
    for suffix, host, at in (("pre.end", DST, 2), ("post.dest.end", DST, 31.2), ("_post.end", SRC, 31.25)):
        log.phase(suffix, host, at, queued=None)
    m = only(run(log.heartbeat(-600, 60)))
    assert [p.reached for p in m.phases] == [Reached.YES, Reached.WOULD, Reached.WOULD, Reached.WOULD]
    assert not m.would and m.verdict is Verdict.STALE
    assert m.reason.startswith(f"instance_update on _post.end would write {SRC} (the source) last")


# ---------------------------------------------------------------------------
# Summary


def test_summary_snippet_in_the_shape_of_the_map_used(tmp_path: Path) -> None:
    logs = (covered(completed(Log())),)
    three = run(*logs, zenpack="osi-3.x").summary.recommended_change
    assert three == (
        "    # remove: 'compute.instance.live_migration._post.end': instance_update,\n"
        "    'compute.instance.live_migration.post.dest.end': instance_update,\n"
    )
    toml = tmp_path / "map.toml"
    toml.write_text('"compute.instance.live_migration._post.end" = "instance_update"\n')
    r = analyze_stream(stream(*logs), handler_map=load_handler_map(str(toml)))
    assert only(r).verdict is Verdict.STALE
    assert r.summary.recommended_change is not None
    assert '"compute.instance.live_migration.post.dest.end" = "instance_update"\n' in r.summary.recommended_change
    assert '"compute.instance.live_migration._post.end" = ""\n' in r.summary.recommended_change
    # the fixed map needs no change
    assert run(*logs, zenpack="osi-2.x-pr401").summary.recommended_change is None


def test_summary_snippet_looks_at_the_last_host_writer_only() -> None:
    # stale from _post.end; a later context firing that writes no host must not hide the fix
    log = covered(completed(Log()).context(POWER_OFF_START, DST, 40))
    r = run(log)
    m = only(r)
    assert m.verdict is Verdict.STALE and m.handlers[-1].context and not m.handlers[-1].writes_host
    assert r.summary.recommended_change is not None
    # stale because of a context event from the source: no mapping change helps
    r = run(covered(completed(Log()).context(UPDATE, SRC, 50)), zenpack="osi-2.x-pr401")
    assert only(r).verdict is Verdict.STALE and r.summary.recommended_change is None


def test_summary_counts_every_verdict_and_lost_unmapped() -> None:
    r = run(
        covered(completed(Log("req-a", "i-a"))),
        completed(Log("req-b", "i-b"), queued=None),  # covered, never queued: lost (_post.end is mapped)
        Log("req-c", "i-c").phase("pre.start", DST, 0),
    )
    assert r.summary.migrations == 3
    assert r.summary.verdicts == {"failed": 0, "incomplete": 1, "lost": 1, "missed": 0, "stale": 1, "ok": 0}
    assert r.summary.lost_unmapped == 5  # req-b's five unmapped phases, never queued
    assert r.summary.coverage_gaps == 0


# ---------------------------------------------------------------------------
# Filters


def test_filters_until_zones_and_hosts() -> None:
    a = completed(Log("req-a", "i-a", "vm-a"))  # 06:20:00 - 06:20:31 UTC
    b = Log("req-b", "i-b", "vm-b")
    b.phase("pre.start", "h3", 1800).phase("post.dest.end", "h3", 1801).phase("_post.end", "h4", 1802)
    logs = (a, b)
    assert [m.request_id for m in run(*logs, until="2017-01-23 06:30").migrations] == ["req-a"]
    # a zone is honoured: 14:30 at +08:00 is 06:30 UTC
    assert [m.request_id for m in run(*logs, until="2017-01-23T14:30+08:00").migrations] == ["req-a"]
    assert [m.request_id for m in run(*logs, since="2017-01-23T14:30+08:00").migrations] == ["req-b"]
    # relative --until counts back from the newest event too (b's _post.end at +1802 s)
    assert [m.request_id for m in run(*logs, until="20m").migrations] == ["req-a"]
    assert [m.request_id for m in run(*logs, filters=Filters(host="h4")).migrations] == ["req-b"]  # source
    assert [m.request_id for m in run(*logs, filters=Filters(host=DST)).migrations] == ["req-a"]  # destination


def test_device_filter_matches_zenpythons_device() -> None:
    log = completed(Log())
    log.events = [dataclasses.replace(e, device="ostack-a") if e.source.kind.value == "zenpython" else e for e in log.events]
    assert len(run(covered(log), filters=Filters(device="ostack-a")).migrations) == 1
    assert run(covered(log), filters=Filters(device="ostack-b")).migrations == ()


def test_bad_times_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="not a time"):
        run(completed(Log()), since="yesterday-ish")
    with pytest.raises(UsageError, match="no event to count back from"):
        analyze_stream(stream(Log()), since="2h")


# ---------------------------------------------------------------------------
# The write-up's own logs (../shared/realdata)


def test_the_write_ups_collector_log(realdata: Path) -> None:
    for zenpack, verdict in (("osi-2.x", Verdict.STALE), ("osi-2.x-pr401", Verdict.OK)):
        r = analyze([str(realdata / BLOG_COLLECTOR)], handler_map=builtin_map(zenpack))
        m = only(r)
        assert (m.display_name, m.source_host, m.destination_host) == ("pdcmtest", "ndc27-3205", "ndc27-3222")
        assert (m.outcome, m.verdict, m.would) == (Outcome.COMPLETED, verdict, True)
        assert r.handler_map.name == zenpack
    assert r.summary.recommended_change is None
    r = analyze([str(realdata / BLOG_COLLECTOR)])
    assert r.handler_map.name == "osi-2.x"  # the default
    assert only(r).reason.startswith("instance_update on _post.end would write ndc27-3205 (the source) last")
    assert r.summary.recommended_change is not None
    assert "'openstack|compute.instance.live_migration.post.dest.end': (instance_id, instance_update)," in (
        r.summary.recommended_change
    )


def test_the_write_ups_zenpython_log(realdata: Path) -> None:
    # a different migration: pdcmtest3, whose two queued phases both came from ndc27-3205
    r = analyze([str(realdata / BLOG_ZENPYTHON)])
    m = only(r)
    assert (m.display_name, m.source_host, m.destination_host) == ("pdcmtest3", None, "ndc27-3205")
    assert m.proof_phase == "post.dest.end" and m.outcome is Outcome.COMPLETED
    assert [p.reached for p in m.phases] == [Reached.YES, Reached.YES]
    assert m.verdict is Verdict.MISSED  # osi-2.x maps neither phase
    # the excerpt stops at post.dest.end: _post.end, which osi-2.x acts on, may have come later
    assert m.reason.endswith(
        "; but the zenpython log ends with the last phase, so _post.end may have come later: "
        "a longer log may change this verdict"
    )
    m = only(analyze([str(realdata / BLOG_ZENPYTHON)], handler_map=builtin_map("osi-2.x-pr401")))
    assert m.verdict is Verdict.OK


def test_an_unknown_handler_is_assumed_to_write_the_host(tmp_path: Path) -> None:
    toml = tmp_path / "map.toml"
    toml.write_text('"compute.instance.live_migration.post.dest.end" = "my_handler"\n')
    log = covered(completed(Log()).context(UPDATE, SRC, 40))  # not in this map: no context firing
    m = only(analyze_stream(stream(log), handler_map=load_handler_map(str(toml))))
    assert [(f.handler, f.host, f.writes_host, f.assumed) for f in m.handlers] == [("my_handler", DST, True, True)]
    assert m.verdict is Verdict.OK


def test_missed_says_nothing_of_the_log_end_when_zenpython_listened_on() -> None:
    # the sample's zenpython log goes on for minutes after the migration: no caveat
    from .conftest import SAMPLES

    d = SAMPLES / "scenarios" / "missed"
    m = only(analyze([str(d / "collector.log"), str(d / "zenpython.log")]))
    assert m.verdict is Verdict.MISSED
    assert "may have come later" not in m.reason
