"""Every skipped line has a reason, and another ZenPack's queued events prove
that zenpython's debug logging was on (domain.md: a zenpython log covers the
stretches between consecutive queued-event lines, whatever their class)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from lmtrace.analyze import analyze
from lmtrace.cli import cli

from .conftest import BLOG_COLLECTOR

WUNDERGROUND = "zenpacklib_docs_zenpython_queued_event_wunderground.log"


def _strip_source(src: Path, dst: Path) -> Path:
    """A realdata file without its `# source:` line."""
    dst.write_text(src.read_text(encoding="utf-8").split("\n", 1)[1], encoding="utf-8")
    return dst


def _foreign(local: str, rcv: datetime, total: int) -> str:
    """A queued event of another ZenPack, as zenpython logs it (the
    ZenPackLib tutorial's wunderground event, shortened)."""
    return (
        f"{local} DEBUG zen.zenpython: Queued event (total of {total}) {{'rcvtime': {rcv.timestamp()}, "
        "'eventClassKey': 'wu-alert', 'component': '80901.1.99999', 'agent': 'zenpython', "
        "'summary': u'Fire Weather Warning', 'eventKey': 'wu-alert-FIR', 'device': 'wunderground.com', "
        "'severity': 3}\n"
    )


def test_the_real_wunderground_line_is_a_covering_queued_line(realdata: Path, tmp_path: Path) -> None:
    log = _strip_source(realdata / WUNDERGROUND, tmp_path / "zenpython.log")
    r = CliRunner().invoke(cli, ["analyze", str(log), "--format", "json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    (i,) = doc["inputs"]
    assert i["lines"]["skipped"] == 1
    assert i["lines"]["skipped_by_reason"]["non_openstack_queued"] == 1
    # rcvtime 1403112635.631883: the file has no time of its own
    assert i["coverage"]["stretches"] == [
        {"start": "2014-06-18T17:30:35.631883Z", "end": "2014-06-18T17:30:35.631883Z"}
    ]
    assert not any("debug logging was off" in w for w in doc["warnings"])
    assert "debug logging was off" not in r.stderr
    assert "skipped: 1 non-OpenStack queued event" in r.stderr


def test_foreign_queued_lines_turn_would_into_lost(realdata: Path, tmp_path: Path) -> None:
    """The write-up's migration (06:22:02 UTC) with a zenpython log that queued
    only another ZenPack's events around it: debug logging was on, and the
    migration's events never reached Zenoss. Without that log: `would`."""
    collector = _strip_source(realdata / BLOG_COLLECTOR, tmp_path / "collector.log")
    zen = tmp_path / "zenpython.log"
    utc = timezone.utc
    zen.write_text(
        "2017-01-23 14:20:00,000 INFO zen.zenpython: Connected to ZenHub\n"
        + _foreign("2017-01-23 14:21:00,000", datetime(2017, 1, 23, 6, 21, tzinfo=utc), 1)
        + "\n"
        + _foreign("2017-01-23 14:23:30,000", datetime(2017, 1, 23, 6, 23, 30, tzinfo=utc), 2)
        + "2017-01-23 14:23:31,000 DEBUG zen.collector.scheduler: Task wunderground 60 run\n",
        encoding="utf-8",
    )
    alone = analyze([str(collector)])
    assert [m.verdict.value for m in alone.migrations] == ["stale"]
    assert alone.migrations[0].would
    both = analyze([str(collector), str(zen)])
    (m,) = both.migrations
    assert not m.would
    assert [p.reached.value for p in m.phases] == ["no", "no", "no"]
    assert m.verdict.value == "lost"
    (z,) = [i for i in both.inputs if i.path == str(zen)]
    assert dict(z.lines.skipped_by_reason) == {
        "non_openstack_queued": 2,
        "same_logger_no_events": 1,
        "other_logger": 1,
        "blank": 1,
    }
    assert not any("debug logging was off" in w for w in both.warnings)


def test_zenpython_reasons_add_up_in_a_parallel_scan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ranges scanned apart add up to the counts of one serial scan."""
    from lmtrace import parallel

    monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES", 1)
    monkeypatch.setattr(parallel, "RANGE_MIN", 4096)
    monkeypatch.setattr(parallel, "RANGE_MAX", 4096)
    utc = timezone.utc
    lines = []
    for n in range(300):
        rcv = datetime(2017, 1, 23, 6, 0, tzinfo=utc).timestamp() + n
        lines.append(_foreign("2017-01-23 06:00:00,000", datetime.fromtimestamp(rcv, utc), n))
        lines.append("2017-01-23 06:00:00,500 DEBUG zen.zenpython: Sending 1 events, 0 perf events\n")
        lines.append("\n" if n % 2 else "2017-01-23 06:00:00,700 DEBUG zen.MetricWriter: publishing\n")
    log = tmp_path / "zenpython.log"
    log.write_text("".join(lines), encoding="utf-8")
    from lmtrace.load import load_events

    serial = load_events([str(log)], full=False, jobs=1)
    parallel = load_events([str(log)], full=False, jobs=2)
    assert serial.inputs[0].lines == parallel.inputs[0].lines
    assert dict(serial.inputs[0].lines.skipped_by_reason) == {
        "non_openstack_queued": 300,
        "same_logger_no_events": 300,
        "other_logger": 150,
        "blank": 150,
    }
    assert sorted(serial.inputs[0].foreign_queued) == sorted(parallel.inputs[0].foreign_queued)
