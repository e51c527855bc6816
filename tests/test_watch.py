"""lmtrace.watch in process: settling on the logs' own clock, a resize whose
confirm comes after it was judged, and a stop that judges what is open."""

from __future__ import annotations

import json
from datetime import timedelta, timezone
from pathlib import Path

import pytest

from lmtrace.analyze import analyze
from lmtrace.findings import MigrationReport
from lmtrace.render.oneline import migration_json
from lmtrace.synthetic.build import generate
from lmtrace.synthetic.spec import Options
from lmtrace.watch import Watch

PLUS8 = {"*": timezone(timedelta(hours=8))}


def _resize_log(tmp: Path) -> list[bytes]:
    generate(
        Options(
            migrations=1, concurrency=1, seed=3, collector_tz=480, zenpython_tz=480, noise_ratio=0.0,
            pretty_ratio=0.0, batch=1, size_mb=None, dict_form_ratio=0.0, lowercase_ratio=0.0,
            scenarios={"resize-ok": 1.0}, out=str(tmp / "gen"), start="2017-01-23T05:00:00", zenpython_skew=0.0,
        )
    )  # fmt: skip
    return (tmp / "gen" / "collector.log").read_bytes().splitlines(keepends=True)


def _noise(local: str) -> bytes:
    return f"{local}.000 25667 INFO ceilometer.other [-] nothing to see\n".encode()


def _json(ms: list[MigrationReport]) -> list[dict[str, object]]:
    return [json.loads(migration_json(m)) for m in ms]


def test_a_confirm_after_the_resize_was_judged_prints_it_again(tmp_path: Path) -> None:
    lines = _resize_log(tmp_path)
    confirm = [x for x in lines if b"resize.confirm" in x]
    rest = [x for x in lines if b"resize.confirm" not in x]
    assert len(confirm) == 2 and rest
    log = tmp_path / "collector.log"
    log.write_bytes(b"")
    w = Watch([str(log)], tz=PLUS8, settle=timedelta(minutes=15), judge_every=0)
    log.write_bytes(b"".join(rest))
    assert w.poll() == []  # not settled yet: the logs' now is the resize's end
    with log.open("ab") as f:
        f.write(_noise("2017-01-23 14:00:00"))  # an hour later by the log's own clock
    first = w.poll()
    assert [m.operation for m in first] == ["resize"]
    assert not any("confirm" in p.event_type for p in first[0].phases)
    with log.open("ab") as f:  # a confirm, late (by hand, hours later in life)
        f.writelines(confirm)
    again = w.poll()  # attached: settled at once (the logs' now is 14:00), printed again
    assert w.stop() == []
    assert [m.label for m in again] == [first[0].label]
    assert sum("confirm" in p.event_type for p in again[0].phases) == 2
    # the last line printed for each operation is what analyze says of the file
    assert _json(again) == _json(list(analyze([str(log)], tz=PLUS8).migrations))


def test_nothing_settles_while_a_backlog_has_no_clock_yet(tmp_path: Path) -> None:
    generate(
        Options(
            migrations=6, concurrency=2, seed=5, collector_tz=480, zenpython_tz=480, noise_ratio=0.0,
            pretty_ratio=0.0, batch=1, size_mb=None, dict_form_ratio=0.0, lowercase_ratio=0.0,
            scenarios={"stale": 1.0, "ok": 1.0}, out=str(tmp_path), start="2017-01-23T05:00:00", zenpython_skew=0.0,
        )
    )  # fmt: skip
    paths = [str(tmp_path / "collector.log"), str(tmp_path / "zenpython.log")]
    w = Watch(paths, from_start=True, settle=timedelta(seconds=30), judge_every=0)
    got: list[MigrationReport] = []
    while True:  # read in slices: one file's clock is known long before the other's
        got += w.poll(limit=3000)
        if not w.lagging:
            break
    got += w.stop()
    assert _json(got) == _json(list(analyze(paths).migrations))


@pytest.mark.parametrize("settle", [timedelta(seconds=40), timedelta(minutes=15)])
def test_watch_equals_analyze_for_every_operation_read_in_slices(tmp_path: Path, settle: timedelta) -> None:
    generate(
        Options(
            migrations=30, concurrency=2, seed=7, collector_tz=480, zenpython_tz=480, noise_ratio=0.1,
            pretty_ratio=0.2, batch=2, size_mb=None, dict_form_ratio=0.0, lowercase_ratio=0.0,
            scenarios={"resize-ok": 1, "resize-reverted": 1, "resize-stale": 1, "evacuate-ok": 1,
                       "unshelve-missed": 1, "stale": 1, "aborted": 1, "norequest": 1},
            out=str(tmp_path), start="2017-01-23T05:00:00", zenpython_skew=0.0,
        )
    )  # fmt: skip
    paths = [str(tmp_path / "collector.log"), str(tmp_path / "zenpython.log")]
    w = Watch(paths, from_start=True, tz=PLUS8, settle=settle, judge_every=0)
    last: dict[str, dict[str, object]] = {}
    while True:
        for m in w.poll(limit=4000):
            last[m.label] = json.loads(migration_json(m))
        if not w.lagging:
            break
    for m in w.stop():
        last[m.label] = json.loads(migration_json(m))
    want = {m.label: json.loads(migration_json(m)) for m in analyze(paths, tz=PLUS8).migrations}
    assert last == want


def test_idle_logs_move_on_with_the_wall_clock(tmp_path: Path) -> None:
    samples = Path(__file__).resolve().parents[1] / "samples" / "collector.log"
    log = tmp_path / "collector.log"
    log.write_bytes(samples.read_bytes())
    clock = [1000.0]
    settle = timedelta(minutes=15)
    w = Watch([str(log)], from_start=True, tz=PLUS8, judge_every=0, wall=lambda: clock[0])
    want = list(analyze([str(log)], tz=PLUS8).migrations)
    got = w.poll()
    newest = w.now
    assert newest is not None
    # nothing written any more: each poll, the logs' now is the newest line's time plus the wall time since
    last = max(m.end for m in want)
    for now in (newest, last + settle - timedelta(seconds=1), last + settle):
        clock[0] = 1000.0 + (now - newest).total_seconds()
        got += w.poll()
        assert w.now == now
        assert [m.label for m in got] == [m.label for m in want if m.end + settle <= now]
    assert _json(got) == _json(want)


@pytest.mark.parametrize("case", ["stale", "ops"])
@pytest.mark.parametrize("given", [False, True])
@pytest.mark.parametrize("limit", [2000, None])
def test_the_3x_path_judged_as_analyze_judges_it(case: str, given: bool, limit: int | None) -> None:
    d = Path(__file__).resolve().parents[1] / "samples" / "zenopenstack" / case
    paths = sorted(str(p) for p in d.glob("*.log"))
    assert any(p.endswith("zenopenstack.log") for p in paths)
    # zenopenstack's clock: given, or joined to the publisher's events as analyze joins it
    tz = {"zenopenstack.log": timezone(timedelta(hours=8))} if given else None
    w = Watch(paths, from_start=True, tz=tz, judge_every=0)
    last: dict[str, dict[str, object]] = {}
    while True:
        for m in w.poll(limit=limit):
            last[m.label] = json.loads(migration_json(m))
        if not w.lagging:
            break
    for m in w.stop():
        last[m.label] = json.loads(migration_json(m))
    report = analyze(paths, tz=tz)
    assert last == {m.label: json.loads(migration_json(m)) for m in report.migrations}
    assert w.hmap.name == report.handler_map.name == "osi-3.x"  # the generation the inputs show
