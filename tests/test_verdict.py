"""One test per verdict rule in domain.md, on events built directly."""

from __future__ import annotations

from lmtrace.analyze import Filters, analyze_stream
from lmtrace.handlers import builtin_map
from lmtrace.report import MigrationReport, Outcome, Reached, Report, Verdict

from .builders import DST, LM, SRC, Log, completed, stream

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
    assert f"but instance_update_status on context event update moved it to {DST}" in m.reason


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
