"""Joining the two logs and grouping events into migrations."""

from __future__ import annotations

from lmtrace.analyze import analyze_stream
from lmtrace.correlate import coverage_of, group_migrations, join_sightings
from lmtrace.report import Reached

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
