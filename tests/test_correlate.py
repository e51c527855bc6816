"""Joining the two logs and grouping events into migrations."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lmtrace.analyze import analyze_stream
from lmtrace.correlate import coverage_of, join_sightings
from lmtrace.findings import Outcome, Reached
from lmtrace.grouping import group_migrations
from lmtrace.judge import outcome_of
from lmtrace.phases import Side, classify

from .builders import DST, LM, SRC, T0, Log, completed, stream


def test_join_by_event_id() -> None:
    occs = join_sightings(stream(completed(Log())).events)
    assert len(occs) == 6
    assert all(o.collector is not None and o.queued is not None for o in occs)
    assert all(o.collector.event_id == o.queued.event_id for o in occs)  # type: ignore[union-attr]


def test_join_without_ids_uses_type_instance_and_nearest_time_once() -> None:
    log = Log(request_id=None)
    # the same phase type twice, 3 minutes apart, no ids anywhere
    log.phase("post.dest.end", DST, 0, event_id=None, delay=0.3)
    log.phase("post.dest.end", DST, 180, event_id=None, delay=0.3)
    occs = join_sightings(stream(log).events)
    assert len(occs) == 2
    for o in occs:
        assert o.queued is not None and o.collector is not None
        assert abs((o.queued.rcvtime - o.collector.generated).total_seconds() - 0.3) < 1e-6  # type: ignore[operator]


def test_join_never_pairs_different_ids_or_far_times() -> None:
    log = Log()
    log.phase("post.dest.end", DST, 0, queued=None)
    log.phase("post.dest.end", DST, 0.5, collector=False, event_id="other-id")
    log.phase("post.dest.end", DST, 900, collector=False, event_id=None)  # 15 min later
    occs = join_sightings(stream(log).events)
    assert sorted((o.collector is not None, o.queued is not None) for o in occs) == [
        (False, True),
        (False, True),
        (True, False),
    ]


def test_request_id_groups_and_other_types_do_not_form_migrations() -> None:
    log = completed(Log("req-a", "i-a"))
    log.context("compute.instance.update", DST, 40)
    other = completed(Log("req-b", "i-b"))
    groups = group_migrations(join_sightings(stream(log, other).events))
    assert [(g.request_id, len(g.occurrences)) for g in groups] == [("req-a", 6), ("req-b", 6)]


def test_no_request_id_joins_the_instance_within_10_minutes() -> None:
    log = Log("req-a", "i-a")
    log.phase("pre.start", DST, 0).phase("pre.end", DST, 2)
    log.phase("post.dest.end", DST, 200, request_id=None)
    log.phase("_post.end", SRC, 200.1, request_id=None)
    log.phase("pre.start", DST, 200 + 11 * 60, request_id=None)  # 11 min later: a new migration
    groups = group_migrations(join_sightings(stream(log).events))
    assert [(g.request_id, [o.phase.name for o in g.occurrences]) for g in groups] == [  # type: ignore[union-attr]
        ("req-a", ["pre.start", "pre.end", "post.dest.end", "_post.end"]),
        (None, ["pre.start"]),
    ]


def test_a_second_final_phase_starts_a_new_migration() -> None:
    log = Log(None, "i-a")
    log.phase("post.dest.end", DST, 0).phase("_post.end", SRC, 0.1)
    log.phase("post.dest.end", SRC, 120).phase("_post.end", DST, 120.1)  # and back again
    r = analyze_stream(stream(log))
    assert [(m.source_host, m.destination_host) for m in r.migrations] == [(SRC, DST), (DST, SRC)]


def test_two_migrations_of_one_instance_overlapping_stay_two_and_say_so() -> None:
    a = completed(Log("req-a", "i-a"))
    b = Log("req-b", "i-a").phase("pre.start", "other-host", 10).phase("pre.end", "other-host", 12)
    r = analyze_stream(stream(a, b))
    assert [m.request_id for m in r.migrations] == ["req-a", "req-b"]
    assert r.migrations[0].overlaps == ("req-b",) and r.migrations[1].overlaps == ("req-a",)


def test_coverage_stretches_gaps_and_the_last_minute() -> None:
    from datetime import timedelta as td

    cov = coverage_of([T0, T0 + td(minutes=5), T0 + td(minutes=30), T0 + td(minutes=33)])
    assert [(s.start - T0, s.end - T0) for s in cov.stretches] == [(td(0), td(minutes=5)), (td(minutes=30), td(minutes=33))]
    assert [(g.start - T0, g.end - T0) for g in cov.gaps] == [(td(minutes=5), td(minutes=30))]
    assert cov.covers(T0 + td(minutes=3))
    assert not cov.covers(T0 + td(minutes=4, seconds=30))  # within the stretch's last minute
    assert not cov.covers(T0 + td(minutes=10))  # in the gap
    assert not cov.covers(T0 - td(seconds=1))


def test_zenpython_without_queued_lines_covers_nothing() -> None:
    log = completed(Log(), queued=None)
    r = analyze_stream(stream(log))
    assert all(p.reached is Reached.WOULD for m in r.migrations for p in m.phases)


# ---------------------------------------------------------------------------
# Joining: nearest pairs first, each sighting once


def test_join_without_ids_pairs_the_nearest_times_first() -> None:
    # collector at 0 s and 10 s, zenpython at 6 s and 11 s (no ids anywhere):
    # 10<->11 is the nearest pair, so 0<->6; taking zenpython lines in turn
    # would pair 6 with 10 and leave 11 to 0
    log = Log(request_id=None)
    log.phase("post.dest.end", DST, 0, event_id=None, queued=None)
    log.phase("post.dest.end", DST, 10, event_id=None, queued=None)
    log.phase("post.dest.end", DST, 6, event_id=None, collector=False, delay=0)
    log.phase("post.dest.end", DST, 11, event_id=None, collector=False, delay=0)
    occs = join_sightings(stream(log).events)
    pairs = sorted(
        ((o.collector.generated - T0).total_seconds(), (o.queued.rcvtime - T0).total_seconds())  # type: ignore[union-attr,operator]
        for o in occs
    )
    assert pairs == [(0, 6), (10, 11)]


def test_join_by_time_only_when_one_side_has_no_id() -> None:
    log = Log()
    log.phase("post.dest.end", DST, 0, queued=None)  # collector with an id
    log.phase("post.dest.end", DST, 0.3, collector=False, event_id=None)  # zenpython without one
    log.phase("_post.end", SRC, 1, queued=None, event_id=None)  # collector without an id
    log.phase("_post.end", SRC, 1.2, collector=False)  # zenpython with one
    occs = join_sightings(stream(log).events)
    assert len(occs) == 2 and all(o.collector is not None and o.queued is not None for o in occs)


def test_join_window_is_five_minutes() -> None:
    log = Log()
    log.phase("post.dest.end", DST, 0, queued=None, event_id=None)
    log.phase("post.dest.end", DST, 300, collector=False, event_id=None, delay=0)  # exactly 5 min
    log.phase("_post.end", SRC, 0, queued=None, event_id=None)
    log.phase("_post.end", SRC, 301, collector=False, event_id=None, delay=0)  # 5 min 1 s
    occs = join_sightings(stream(log).events)
    got = sorted((o.event_type[len(LM):], o.collector is not None, o.queued is not None) for o in occs)
    assert got == [("_post.end", False, True), ("_post.end", True, False), ("post.dest.end", True, True)]


def test_a_discarded_line_finds_its_queued_line() -> None:
    # seen by zenpython only: queued then discarded; by id, and without ids too
    for eid in (True, None):
        log = Log().phase("post.dest.end", DST, 0, collector=False, discarded=True, event_id=eid)
        (o,) = join_sightings(stream(log).events)
        assert o.queued is not None and o.dropped is not None


# ---------------------------------------------------------------------------
# Grouping: abort and force-complete

ABORT = "compute.instance.live.migration.abort."
FORCE = "compute.instance.live.migration.force.complete."


def test_abort_attaches_to_a_migration_without_request_ids() -> None:
    log = Log(None, "i-a").phase("pre.start", DST, 0).phase("pre.end", DST, 1)
    log.phase("", SRC, 10, event_type=ABORT + "start", request_id="req-abort")
    log.phase("", SRC, 11, event_type=ABORT + "end", request_id="req-abort")
    log.phase("_rollback.end", SRC, 12)
    (m,) = analyze_stream(stream(log)).migrations
    # the migration's own request id stays unknown; the abort's is attached, not adopted
    assert (m.request_id, m.attached_requests) == (None, ("req-abort",))
    assert [p.phase for p in m.phases] == ["pre.start", "pre.end", "abort.start", "abort.end", "_rollback.end"]
    assert m.outcome.value == "aborted"


def test_force_complete_attaches_to_the_open_migration_however_long_it_runs() -> None:
    log = Log("req-a", "i-a").phase("pre.start", DST, 0).phase("pre.end", DST, 1)
    log.phase("", SRC, 30 * 60, event_type=FORCE + "start", request_id="req-force")  # 30 min in: still open
    log.phase("", SRC, 30 * 60 + 1, event_type=FORCE + "end", request_id="req-force")
    log.phase("post.dest.end", DST, 30 * 60 + 20).phase("_post.end", SRC, 30 * 60 + 21)
    (m,) = analyze_stream(stream(log)).migrations
    assert m.request_id == "req-a" and m.attached_requests == ("req-force",)
    assert m.outcome.value == "completed" and len(m.phases) == 6


def test_abort_attaches_to_a_completed_migration_within_10_minutes_only() -> None:
    near = completed(Log("req-a", "i-a"))
    near.phase("", SRC, 31.25 + 9 * 60, event_type=ABORT + "start", request_id="req-abort")
    (m,) = analyze_stream(stream(near)).migrations
    assert m.attached_requests == ("req-abort",)
    far = completed(Log("req-a", "i-a"))
    far.phase("", SRC, 31.25 + 11 * 60, event_type=ABORT + "start", request_id="req-abort")
    assert [m.request_id for m in analyze_stream(stream(far)).migrations] == ["req-a", "req-abort"]


def test_a_final_phase_without_request_id_closes_the_migration_for_aborts() -> None:
    # the migration completed (its post.dest.end carries no request id) 20 min
    # before the abort: it is neither open nor near
    log = Log("req-a", "i-a").phase("pre.start", DST, 0).phase("pre.end", DST, 1)
    log.phase("post.dest.end", DST, 30, request_id=None)
    log.phase("", SRC, 30 + 20 * 60, event_type=ABORT + "start", request_id="req-abort")
    assert [m.request_id for m in analyze_stream(stream(log)).migrations] == ["req-a", "req-abort"]


def test_an_abort_with_nothing_to_attach_to_is_reported_on_its_own() -> None:
    log = Log("req-abort", "i-a").phase("", SRC, 0, event_type=ABORT + "start")
    (m,) = analyze_stream(stream(log)).migrations
    assert (m.request_id, m.outcome.value, m.verdict.value) == ("req-abort", "aborted", "failed")


def test_no_request_id_boundary_is_ten_minutes_inclusive() -> None:
    log = Log("req-a", "i-a").phase("pre.start", DST, 0)
    log.phase("pre.end", DST, 600, request_id=None)  # exactly 10 min: joins
    log.phase("post.dest.end", DST, 1200.001, request_id=None)  # 10 min 1 ms after pre.end: a new one
    groups = group_migrations(join_sightings(stream(log).events))
    assert [(g.request_id, len(g.occurrences)) for g in groups] == [("req-a", 2), (None, 1)]


def test_other_event_types_never_form_or_merge_migrations() -> None:
    log = Log(None, "i-a").phase("pre.start", DST, 0)
    log.context("compute.instance.update", DST, 300).context("compute.instance.exists", DST, 600)
    log.phase("post.dest.end", DST, 900)  # 15 min after pre.start: the update between does not bridge
    groups = group_migrations(join_sightings(stream(log).events))
    assert [[o.phase.name for o in g.occurrences] for g in groups] == [["pre.start"], ["post.dest.end"]]  # type: ignore[union-attr]


# ---------------------------------------------------------------------------
# Phases: roles and sides, legacy and versioned

PHASE_TABLE = [
    # (event type, short name, side, final, proves the move)
    (LM + "pre.start", "pre.start", Side.DESTINATION, False, False),
    (LM + "pre.end", "pre.end", Side.DESTINATION, False, False),
    (LM + "post.dest.start", "post.dest.start", Side.DESTINATION, False, False),
    (LM + "post.dest.end", "post.dest.end", Side.DESTINATION, True, True),
    (LM + "_post.start", "_post.start", Side.SOURCE, False, False),
    (LM + "_post.end", "_post.end", Side.SOURCE, True, False),
    (LM + "_rollback.start", "_rollback.start", Side.SOURCE, False, False),
    (LM + "_rollback.end", "_rollback.end", Side.SOURCE, False, False),
    (LM + "rollback.dest.start", "rollback.dest.start", Side.DESTINATION, False, False),
    (LM + "rollback.dest.end", "rollback.dest.end", Side.DESTINATION, False, False),
    (ABORT + "start", "abort.start", Side.SOURCE, False, False),
    (ABORT + "end", "abort.end", Side.SOURCE, False, False),
    (FORCE + "start", "force.complete.start", Side.SOURCE, False, False),
    (FORCE + "end", "force.complete.end", Side.SOURCE, False, False),
    ("instance.live_migration_pre.start", "pre.start", Side.DESTINATION, False, False),
    ("instance.live_migration_pre.end", "pre.end", Side.DESTINATION, False, False),
    ("instance.live_migration_post_dest.start", "post.dest.start", Side.DESTINATION, False, False),
    ("instance.live_migration_post_dest.end", "post.dest.end", Side.DESTINATION, True, True),
    ("instance.live_migration_post.start", "_post.start", Side.SOURCE, False, False),
    ("instance.live_migration_post.end", "_post.end", Side.SOURCE, True, False),
    ("instance.live_migration_rollback.start", "_rollback.start", Side.SOURCE, False, False),
    ("instance.live_migration_rollback_dest.end", "rollback.dest.end", Side.DESTINATION, False, False),
    ("instance.live_migration_abort.start", "abort.start", Side.SOURCE, False, False),
    ("instance.live_migration_force_complete.end", "force.complete.end", Side.SOURCE, False, False),
]


@pytest.mark.parametrize(("event_type", "name", "side", "final", "proof"), PHASE_TABLE)
def test_phase_roles(event_type: str, name: str, side: Side, final: bool, proof: bool) -> None:
    info = classify(event_type)
    assert info is not None
    assert (info.name, info.side, info.is_final, info.proves_move) == (name, side, final, proof)


@pytest.mark.parametrize(
    "event_type",
    [
        "compute.instance.update",
        "compute.instance.exists",
        "compute.instance.live_migration.post.dest",  # no edge
        "instance.live_migration_post_dest",
        "instance.update",
    ],
)
def test_not_a_live_migration_phase(event_type: str) -> None:
    assert classify(event_type) is None


@pytest.mark.parametrize(
    ("event_type", "operation", "name", "side", "final", "proof"),
    [
        ("compute.instance.resize.prep.start", "resize", "resize.prep.start", Side.DESTINATION, False, False),
        ("compute.instance.resize.end", "resize", "resize.end", Side.SOURCE, False, False),
        ("compute.instance.finish_resize.end", "resize", "finish_resize.end", Side.DESTINATION, True, True),
        ("instance.resize_finish.end", "resize", "finish_resize.end", Side.DESTINATION, True, True),
        ("compute.instance.resize.confirm.end", "resize", "resize.confirm.end", Side.SOURCE, False, False),
        ("compute.instance.resize.revert.end", "resize", "resize.revert.end", Side.SOURCE, True, False),
        ("compute.instance.evacuate", "evacuate", "evacuate", Side.NEITHER, False, False),
        ("compute.instance.rebuild.end", "evacuate", "rebuild.end", Side.DESTINATION, True, True),
        ("compute.instance.shelve_offload.end", "unshelve", "shelve_offload.end", Side.SOURCE, False, False),
        ("compute.instance.unshelve.end", "unshelve", "unshelve.end", Side.DESTINATION, True, True),
    ],
)
def test_other_operations_phases(
    event_type: str, operation: str, name: str, side: Side, final: bool, proof: bool
) -> None:
    info = classify(event_type)
    assert info is not None
    assert (info.operation.name, info.name, info.side, info.is_final, info.proves_move) == (
        operation, name, side, final, proof
    )


def test_a_versioned_migration_is_judged_like_a_legacy_one() -> None:
    log = Log()
    log.phase("", DST, 0, event_type="instance.live_migration_pre.start")
    log.phase("", SRC, 30, event_type="instance.live_migration_post.start")
    log.phase("", DST, 31, event_type="instance.live_migration_post_dest.end")
    log.phase("", SRC, 31.5, event_type="instance.live_migration_post.end")
    (m,) = analyze_stream(stream(log)).migrations
    assert (m.source_host, m.destination_host, m.outcome.value) == (SRC, DST, "completed")
    assert m.proof_phase == "post.dest.end"
    assert m.verdict.value == "missed"  # no built-in map handles versioned notifications


# ---------------------------------------------------------------------------
# Time, hosts, outcome


def test_time_of_a_phase_is_generated_else_rcvtime() -> None:
    log = Log()
    log.phase("post.dest.end", DST, 0, delay=2.5)  # both logs
    log.phase("_post.end", SRC, 10, collector=False, delay=0.7)  # zenpython only
    a, b = sorted(join_sightings(stream(log).events), key=lambda o: o.time)
    assert a.time == T0 and a.generated == T0
    assert b.generated is None and b.time == T0 + timedelta(seconds=10.7)


def test_destination_is_post_dest_ends_host_else_the_latest_destination_side_phase() -> None:
    log = Log().phase("pre.start", "h-pre", 0).phase("post.dest.end", DST, 20).phase("post.dest.start", "h-late", 30)
    log.phase("_post.end", SRC, 31)
    (m,) = analyze_stream(stream(log)).migrations
    assert (m.source_host, m.destination_host) == (SRC, DST)
    log = Log().phase("pre.start", "h-pre", 0).phase("pre.end", DST, 2).phase("_post.start", SRC, 3)
    (m,) = analyze_stream(stream(log)).migrations
    assert (m.source_host, m.destination_host) == (SRC, DST)


@pytest.mark.parametrize(
    ("suffixes", "outcome"),
    [
        (["pre.start", "_post.end", "_rollback.end", "abort.start"], Outcome.ABORTED),
        (["pre.start", "post.dest.end", "rollback.dest.end"], Outcome.FAILED),
        (["_rollback.start"], Outcome.FAILED),
        (["post.dest.end"], Outcome.COMPLETED),
        (["_post.end"], Outcome.COMPLETED),  # earlier phases missing: still completed
        (["pre.start", "pre.end", "post.dest.start", "_post.start"], Outcome.INCOMPLETE),
        (["force.complete.end"], Outcome.INCOMPLETE),
    ],
)
def test_outcome_first_that_applies(suffixes: list[str], outcome: Outcome) -> None:
    log = Log()
    for i, suffix in enumerate(suffixes):
        etype = "compute.instance.live.migration." + suffix if suffix.startswith(("abort", "force")) else LM + suffix
        log.phase("", DST, i, event_type=etype)
    (g,) = group_migrations(join_sightings(stream(log).events))
    assert outcome_of(g.occurrences) is outcome


# ---------------------------------------------------------------------------
# Coverage and reached


def test_coverage_bounds_are_inclusive() -> None:
    cov = coverage_of([T0, T0 + timedelta(minutes=10), T0 + timedelta(minutes=20, seconds=1)])
    assert len(cov.stretches) == 2 and len(cov.gaps) == 1  # 10 min apart: one stretch; 10 min 1 s: a gap
    assert cov.covers(T0 + timedelta(minutes=9))  # exactly one minute before the end
    assert not cov.covers(T0 + timedelta(minutes=9, microseconds=1))
    assert coverage_of([]).stretches == () and not coverage_of([]).covers(T0)


def test_reached_yes_discarded_no_would() -> None:
    log = Log()
    log.phase("pre.start", DST, 0)  # queued: yes
    log.phase("pre.end", DST, 1, discarded=True)  # queued, then discarded
    log.phase("post.dest.start", DST, 2, queued=None)  # covered, never queued: no
    log.phase("post.dest.end", DST, 3, dropped=True)  # dropped by a transform: discarded
    log.phase("_post.end", SRC, 500, queued=None)  # after the log's last queued line: would
    log.heartbeat(-120, 300)
    (m,) = analyze_stream(stream(log)).migrations
    assert [(p.phase, p.reached) for p in m.phases] == [
        ("pre.start", Reached.YES),
        ("pre.end", Reached.DISCARDED),
        ("post.dest.start", Reached.NO),
        ("post.dest.end", Reached.DISCARDED),
        ("_post.end", Reached.WOULD),
    ]
    # no zenpython log given at all: every phase is what Zenoss would do
    (m,) = analyze_stream(stream(log, zenpython=False)).migrations
    assert {p.reached for p in m.phases} == {Reached.WOULD} and m.would


def test_a_second_final_phase_without_request_id_leaves_a_completed_migration() -> None:
    log = completed(Log("req-a", "i-a"))  # completed by 31.25 s
    log.phase("post.dest.end", SRC, 150, request_id=None)  # 2 min later, within 10 min of req-a
    log.phase("_post.end", DST, 150.1, request_id=None)
    groups = group_migrations(join_sightings(stream(log).events))
    assert [(g.request_id, [o.phase.name for o in g.occurrences]) for g in groups] == [  # type: ignore[union-attr]
        ("req-a", ["pre.start", "pre.end", "_post.start", "post.dest.start", "post.dest.end", "_post.end"]),
        (None, ["post.dest.end", "_post.end"]),
    ]
