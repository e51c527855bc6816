"""`lmtrace analyze` output: one finished Report in every format.

Reports come from `analyze` on collector logs written here (in the format
of the write-up's ceilometer-collector.log) and on the real log itself when
../shared/realdata is present; coverage and discarded events come from
`analyze_stream` on built events (no zenpython log needed).
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from rich.console import Console

from lmtrace.analyze import Filters, analyze, analyze_stream
from lmtrace.cli import cli
from lmtrace.findings import Report, Verdict
from lmtrace.handlers import builtin_map
from lmtrace.humantime import clock, duration, elapsed
from lmtrace.render import write_report
from lmtrace.render.common import WIDTH, FileLabels
from lmtrace.render.fields import MIGRATION_COLUMNS
from lmtrace.render.overview import View
from lmtrace.render.terminal import print_report

from . import builders
from .conftest import BLOG_COLLECTOR, SAMPLES

UTC = timezone.utc
LM = "compute.instance.live_migration."
SRC, DST = "ndc27-3205", "ndc27-3222"
BLOG_REQ = "req-d4c27d06-6329-4ce0-adb5-370b8ca83a22"
BLOG_INSTANCE = "87be4b45-e214-4ca3-8f5c-1bd31159f9e4"
OFFSET = timedelta(hours=8)  # the write-up's hosts ran at UTC+8


def collector_line(
    generated: datetime,
    event_id: str,
    event_type: str,
    *,
    host: str,
    request_id: str,
    instance_id: str,
    name: str,
) -> str:
    """One `record_events called` line as the Zenoss dispatcher logs it
    (old Ceilometer: Event model reprs), logged 9 ms after `generated`."""
    local = (generated + OFFSET + timedelta(milliseconds=9)).replace(tzinfo=None)
    traits = (
        f"<Trait: service 1 compute> <Trait: display_name 1 {name}> <Trait: instance_id 1 {instance_id}> "
        f"<Trait: host_name 1 {host}> <Trait: request_id 1 {request_id}>"
    )
    gen = generated.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    return (
        f"{local:%Y-%m-%d %H:%M:%S}.{local.microsecond // 1000:03d} 25667 INFO ceilometer_zenoss.dispatcher.zenoss "
        f"[-] record_events called (events=[<Event: {event_id}, {event_type}, {gen}, {traits}>])\n"
    )


T0 = datetime(2017, 1, 23, 6, 22, 2, 584049, tzinfo=UTC)


def _two_migrations(tmp_path: Path) -> Path:
    """`web|1` migrates SRC -> DST (stale under osi-2.x: the handler sits on
    _post.end); `db-2` fails and is rolled back. Plus noise, a blank line
    and one truncated line (malformed)."""
    ok = {"request_id": "req-aaa", "instance_id": "inst-web", "name": "web|1"}
    bad = {"request_id": "req-bbb", "instance_id": "inst-db", "name": "db-2"}
    lines = [
        collector_line(T0, "ev-1", LM + "pre.start", host=DST, **ok),
        collector_line(T0 + timedelta(seconds=1), "ev-2", LM + "pre.end", host=DST, **ok),
        "2017-01-23 14:22:30.000 25667 INFO ceilometer.other [-] unrelated noise\n",
        "\n",
        collector_line(T0 + timedelta(seconds=30), "ev-3", LM + "post.dest.start", host=DST, **ok),
        collector_line(T0 + timedelta(seconds=30.2), "ev-4", LM + "post.dest.end", host=DST, **ok),
        collector_line(T0 + timedelta(seconds=30.25), "ev-5", LM + "_post.end", host=SRC, **ok),
        collector_line(T0 + timedelta(hours=1), "ev-6", LM + "pre.start", host=DST, **bad),
        collector_line(
            T0 + timedelta(hours=1, seconds=5), "ev-7", LM + "_rollback.end", host=SRC, **bad
        ),
        collector_line(T0 + timedelta(hours=2), "ev-8", LM + "pre.start", host=DST, **bad).replace(
            "])\n", "\n"
        ),
    ]
    p = tmp_path / "collector.log"
    p.write_text("".join(lines))
    return p


@pytest.fixture
def two(tmp_path: Path) -> Report:
    return analyze([str(_two_migrations(tmp_path))])


@pytest.fixture
def blog(realdata: Path) -> Report:
    return analyze([str(realdata / BLOG_COLLECTOR)])


def render(report: Report, fmt: str) -> str:
    out = io.StringIO()
    write_report(report, fmt, out)
    return out.getvalue()


def flat(text: str) -> str:
    """Whitespace collapsed: text wraps long sentences."""
    return " ".join(text.split())


# ---------------------------------------------------------------------------
# json: every stable field, with its type

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
VERDICTS = ["failed", "incomplete", "lost", "missed", "stale", "ok"]


def _iso(v: Any, nullable: bool = False) -> None:
    if nullable and v is None:
        return
    assert isinstance(v, str) and ISO.match(v), v


def _str(v: Any, nullable: bool = False) -> None:
    assert isinstance(v, str) or (nullable and v is None), v


def check_migration(m: dict[str, Any]) -> None:
    for k in ("request_id", "instance_id", "display_name", "source_host", "destination_host"):
        _str(m[k], nullable=True)
    assert m["outcome"] in ("completed", "failed", "aborted", "incomplete")
    assert m["verdict"] in VERDICTS
    _str(m["reason"])
    _str(m["recommendation"])
    assert isinstance(m["lost_phases"], list) and all(isinstance(x, str) for x in m["lost_phases"])
    c = m["corrected_by"]
    assert c is None or (set(c) == {"event_type", "time", "host"} and ISO.match(c["time"]))
    _str(m["first_destination_phase"], nullable=True)
    _str(m["proof_phase"], nullable=True)
    assert isinstance(m["would"], bool) and isinstance(m["order_sensitive"], bool)
    _iso(m["start"])
    _iso(m["end"])
    assert isinstance(m["overlaps"], list) and isinstance(m["attached_requests"], list)
    _str(m["device"], nullable=True)
    _str(m["released_host"], nullable=True)
    assert isinstance(m["phases"], list) and m["phases"]
    for p in m["phases"]:
        assert set(p) >= {
            "event_type", "phase", "event_id", "side", "host_name", "generated", "time",
            "collector", "zenpython", "discarded", "reached", "handler",
        }  # fmt: skip
        _str(p["event_type"])
        _str(p["phase"])
        _str(p["event_id"], nullable=True)
        assert p["side"] in ("source", "destination")
        _str(p["host_name"], nullable=True)
        _iso(p["generated"], nullable=True)
        _iso(p["time"])
        assert p["reached"] in ("yes", "no", "discarded", "would", "unlogged")
        _str(p["handler"], nullable=True)
        _str(p["cause"], nullable=True)
        if p["collector"] is not None:
            assert set(p["collector"]) == {"path", "line", "logged_at"}
            assert isinstance(p["collector"]["line"], int)
            _iso(p["collector"]["logged_at"])
        if p["zenpython"] is not None:
            assert set(p["zenpython"]) == {"path", "line", "queued_at", "rcvtime"}
            _iso(p["zenpython"]["rcvtime"], nullable=True)
        if p["discarded"] is not None:
            assert set(p["discarded"]) == {"path", "line", "at", "status"}
            assert p["discarded"]["status"] in ("discarded", "dropped")
    for f in m["handlers"]:
        assert set(f) >= {
            "event_type",
            "handler",
            "host",
            "time",
            "context",
            "writes_host",
            "assumed",
            "reached",
        }
        _str(f["handler"])
        _str(f["host"], nullable=True)
        _iso(f["time"])
        assert isinstance(f["context"], bool) and isinstance(f["writes_host"], bool)
        assert isinstance(f["assumed"], bool)
        assert f["reached"] in ("yes", "would")


#: `lines.skipped_by_reason` with nothing skipped
SKIPPED = dict.fromkeys(
    ("empty_batch", "non_openstack_queued", "non_openstack_dropped", "same_logger_no_events", "other_logger", "blank"),
    0,
)


def check_document(doc: dict[str, Any]) -> None:
    assert set(doc) == {"migrations", "inputs", "handler_map", "filters", "summary", "warnings", "pipeline"}
    assert list(doc["filters"]) == ["since", "until", "instance", "request", "host", "device", "verdicts"]
    for m in doc["migrations"]:
        check_migration(m)
    for i in doc["inputs"]:
        assert set(i) >= {
            "path",
            "kind",
            "lines",
            "utc_offset",
            "offset_source",
            "offset_samples",
            "malformed",
        }
        assert i["kind"] in ("collector", "zenpython", "zenopenstack", "publisher")
        lines = i["lines"]
        assert set(lines) == {"total", "parsed", "skipped", "malformed", "skipped_by_reason"}
        assert lines["parsed"] + lines["skipped"] + lines["malformed"] == lines["total"]
        assert sum(lines["skipped_by_reason"].values()) == lines["skipped"]
        assert set(lines["skipped_by_reason"]) == {
            "empty_batch", "non_openstack_queued", "non_openstack_dropped",
            "same_logger_no_events", "other_logger", "blank",
        }
        assert re.match(r"^[+-]\d\d:\d\d$|^[A-Za-z_]+/", i["utc_offset"])
        assert i["offset_source"] in ("inferred", "given", "assumed")
        assert ("coverage" in i) == (i["kind"] == "zenpython")
        if "coverage" in i:
            for part in ("stretches", "gaps"):
                for s in i["coverage"][part]:
                    _iso(s["start"])
                    _iso(s["end"])
    assert set(doc["handler_map"]) == {"name", "source", "shape", "generation", "why"}
    s = doc["summary"]
    assert list(s["verdicts"]) == VERDICTS
    assert sum(s["verdicts"].values()) == s["migrations"] == len(doc["migrations"])
    assert isinstance(s["migrations_in_logs"], int) and s["migrations_in_logs"] >= s["migrations"]
    assert isinstance(s["lost_unmapped"], int) and isinstance(s["coverage_gaps"], int)
    _str(s["recommended_change"], nullable=True)
    assert isinstance(s["notes"], list)
    assert isinstance(doc["warnings"], list)


def test_json_blog_log(blog: Report) -> None:
    doc = json.loads(render(blog, "json"))
    check_document(doc)
    (m,) = doc["migrations"]
    assert (m["request_id"], m["instance_id"], m["display_name"]) == (
        BLOG_REQ,
        BLOG_INSTANCE,
        "pdcmtest",
    )
    assert (m["source_host"], m["destination_host"], m["outcome"], m["verdict"]) == (
        SRC,
        DST,
        "completed",
        "stale",
    )
    assert m["would"] is True and m["corrected_by"] is None and m["lost_phases"] == []
    assert (m["first_destination_phase"], m["proof_phase"]) == ("post.dest.start", "post.dest.end")
    assert [
        (p["phase"], p["side"], p["host_name"], p["reached"], p["handler"]) for p in m["phases"]
    ] == [
        ("post.dest.start", "destination", DST, "would", None),
        ("post.dest.end", "destination", DST, "would", None),
        ("_post.end", "source", SRC, "would", "instance_update"),
    ]
    first = m["phases"][0]
    assert first["event_id"] == "3538a01c-ab8d-4e64-b0ff-6e8fe270e06a"
    assert first["generated"] == first["time"] == "2017-01-23T06:22:02.584049Z"
    assert first["collector"]["line"] == 2
    assert first["collector"]["logged_at"] == "2017-01-23T06:22:02.593000Z"
    assert first["zenpython"] is None and first["discarded"] is None
    (f,) = m["handlers"]
    assert (f["phase"], f["handler"], f["host"], f["context"], f["time"]) == (
        "_post.end",
        "instance_update",
        SRC,
        False,
        "2017-01-23T06:22:02.782000Z",
    )
    (i,) = doc["inputs"]
    assert (i["kind"], i["utc_offset"], i["offset_source"], i["offset_samples"]) == (
        "collector",
        "+08:00",
        "inferred",
        3,
    )
    assert i["lines"] == {
        "total": 6, "parsed": 3, "skipped": 3, "malformed": 0, "skipped_by_reason": SKIPPED | {"blank": 2, "other_logger": 1}
    }
    assert doc["handler_map"] == {
        "name": "osi-2.x",
        "source": "builtin",
        "shape": "osi-2.x-dict",
        "generation": "2.x",
        "why": "the default for ZenPack 2.x, seen from the Zenoss dispatcher's record_events lines",
    }
    assert doc["summary"]["verdicts"]["stale"] == 1
    assert (
        "'openstack|compute.instance.live_migration.post.dest.end': (instance_id, instance_update),"
        in (doc["summary"]["recommended_change"])
    )


def test_json_two_migrations(two: Report) -> None:
    doc = json.loads(render(two, "json"))
    check_document(doc)
    web, db = doc["migrations"]
    assert (web["display_name"], web["verdict"], web["source_host"], web["destination_host"]) == (
        "web|1",
        "stale",
        SRC,
        DST,
    )
    assert (db["display_name"], db["outcome"], db["verdict"], db["proof_phase"]) == (
        "db-2",
        "failed",
        "failed",
        None,
    )
    assert doc["summary"]["verdicts"] == {
        "failed": 1,
        "incomplete": 0,
        "lost": 0,
        "missed": 0,
        "stale": 1,
        "ok": 0,
    }
    (i,) = doc["inputs"]
    assert i["lines"]["skipped_by_reason"] == SKIPPED | {"blank": 1, "other_logger": 1}
    del i["lines"]["skipped_by_reason"]
    assert i["lines"] == {"total": 10, "parsed": 7, "skipped": 2, "malformed": 1}
    assert [m["line"] for m in i["malformed"]] == [10]


def test_json_under_the_fixed_map(two: Report, tmp_path: Path) -> None:
    report = analyze([str(_two_migrations(tmp_path))], handler_map=builtin_map("osi-2.x-pr401"))
    doc = json.loads(render(report, "json"))
    assert [m["verdict"] for m in doc["migrations"]] == ["ok", "failed"]
    assert doc["summary"]["recommended_change"] is None
    assert doc["handler_map"]["name"] == "osi-2.x-pr401"
    assert "none: no stale or missed migration" in render(report, "text")


# ---------------------------------------------------------------------------
# coverage, discarded and context events (built events: no zenpython parser needed)


@pytest.fixture
def piped() -> Report:
    a = builders.completed(builders.Log("req-a", "inst-a", "vm-a")).heartbeat(-300, 400)
    a.context("compute.instance.update", DST, 200)  # after the migration: corrects the model
    b = builders.Log("req-b", "inst-b", "vm-b")
    b.phase("pre.start", DST, 1500).phase("post.dest.end", DST, 1501, discarded=True)
    b.phase("_post.end", SRC, 1502, queued=None).heartbeat(1400, 1800)  # a gap before it
    return analyze_stream(builders.stream(a, b))


def test_json_coverage_discarded_and_corrected(piped: Report) -> None:
    doc = json.loads(render(piped, "json"))
    check_document(doc)
    zen = doc["inputs"][1]
    assert zen["kind"] == "zenpython"
    assert zen["coverage"]["stretches"][0]["start"] == "2017-01-23T06:15:00.000000Z"
    assert len(zen["coverage"]["gaps"]) == 1 == doc["summary"]["coverage_gaps"]
    a, b = doc["migrations"]
    assert (a["verdict"], a["would"]) == ("stale", False)
    assert a["corrected_by"] == {
        "event_type": "compute.instance.update",
        "time": "2017-01-23T06:23:20.200000Z",
        "host": DST,
    }
    assert a["phases"][0]["zenpython"]["rcvtime"] == "2017-01-23T06:20:00.200000Z"
    assert b["verdict"] == "lost" and b["lost_phases"] == ["post.dest.end", "_post.end"]
    dropped = b["phases"][1]
    assert (dropped["reached"], dropped["discarded"]["status"]) == ("discarded", "discarded")
    assert doc["summary"]["lost_unmapped"] == 1
    text = render(piped, "text")
    assert "gap: 2017-01-23 06:26:00.000 .. 2017-01-23 06:43:20.000 UTC (17 min 20 s)" in text
    assert (
        "corrected by:" in text
        and "compute.instance.update at 2017-01-23 06:23:20.200 UTC wrote ndc27-3222" in flat(text)
    )
    assert "discarded zenpython.log:" in text
    assert "WOULD" not in text


# ---------------------------------------------------------------------------
# jsonl and csv: one migration per line or row


def test_jsonl_is_json_migrations(two: Report) -> None:
    lines = render(two, "jsonl").splitlines()
    assert [json.loads(x) for x in lines] == json.loads(render(two, "json"))["migrations"]
    assert len(lines) == 2


def test_csv_rows(two: Report) -> None:
    rows = list(csv.reader(io.StringIO(render(two, "csv"))))
    assert rows[0] == list(MIGRATION_COLUMNS)
    assert rows[0][:17] == [
        "request_id", "instance_id", "display_name", "source_host", "destination_host", "outcome", "verdict",
        "reason", "recommendation", "lost_phases", "corrected_by_host", "corrected_by_time", "start", "end",
        "would", "first_destination_phase", "proof_phase",
    ]  # fmt: skip
    assert len(rows) == 3
    web = dict(zip(rows[0], rows[1]))
    assert (web["display_name"], web["verdict"], web["would"], web["corrected_by_host"]) == (
        "web|1",
        "stale",
        "true",
        "",
    )
    assert web["start"] == "2017-01-23T06:22:02.584049Z"


def test_csv_joins_lost_phases(piped: Report) -> None:
    rows = list(csv.DictReader(io.StringIO(render(piped, "csv"))))
    assert [r["lost_phases"] for r in rows] == ["", "post.dest.end;_post.end"]
    assert rows[0]["corrected_by_host"] == DST
    assert rows[0]["corrected_by_time"] == "2017-01-23T06:23:20.200000Z"


# ---------------------------------------------------------------------------
# text and markdown


def test_text_blog_log(blog: Report) -> None:
    text = render(blog, "text")
    assert f"MIGRATION {BLOG_REQ} pdcmtest ({BLOG_INSTANCE})" in text
    assert f"  {SRC} -> {DST}  completed  VERDICT: STALE" in text
    assert "no zenpython log covers this migration: this is what Zenoss WOULD do" in text
    assert flat(blog.migrations[0].reason) in flat(text)
    assert flat(blog.migrations[0].recommendation) in flat(text)
    assert "first carried by post.dest.start; the move is proven by post.dest.end" in text
    assert (
        "collector, 6 lines: 3 parsed, 3 skipped, 0 malformed; UTC offset +08:00 (inferred from 3 events)\n"
        "     skipped: 1 other logger, 2 blank\n" in text
    )
    assert "osi-2.x (source: builtin; shape: osi-2.x-dict)" in text
    assert "verdicts:   failed 0  incomplete 0  lost 0  missed 0  stale 1  ok 0" in text
    phase_rows = [x.split() for x in text.splitlines() if x.startswith("    06:22:02.")]
    assert phase_rows == [
        # the text table writes the side as dest/source, to stay within WIDTH
        ["06:22:02.584", "post.dest.start", "dest", DST, "#1:2", "-", "would", "-"],
        ["06:22:02.761", "post.dest.end", "dest", DST, "#1:4", "-", "would", "-"],
        ["06:22:02.776", "_post.end", "source", SRC, "#1:6", "-", "would", "instance_update"],
        ["06:22:02.782", "_post.end", "instance_update", SRC, "no"],
    ]
    _, _, tail = text.partition("RECOMMENDED MAPPING CHANGE\n")
    assert (
        "    'openstack|compute.instance.live_migration.post.dest.end': (instance_id, instance_update),\n"
        in tail
    )
    assert (
        "    'openstack|compute.instance.live_migration._post.end': (instance_id, None),\n" in tail
    )
    assert tail.endswith("WARNINGS\n  none\n")
    assert max(len(x) for x in text.splitlines()) < 120
    assert "\x1b" not in text


def test_text_two_migrations(two: Report) -> None:
    text = render(two, "text")
    assert "MIGRATION req-aaa web|1 (inst-web)" in text and "VERDICT: STALE" in text
    assert "MIGRATION req-bbb db-2 (inst-db)" in text
    assert f"  {SRC} -> {DST}  failed  VERDICT: FAILED" in text
    assert "no post.dest.end seen: nothing proves the move" in text
    assert "collector.log:1" in text  # a short file name is shown as itself
    assert "collector, 10 lines: 7 parsed, 2 skipped, 1 malformed" in text


def test_text_empty(tmp_path: Path) -> None:
    p = tmp_path / "quiet.log"
    p.write_text("2017-01-23 14:22:30.000 25667 INFO ceilometer.other [-] nothing here\n")
    report = analyze([str(p)])
    assert "No live migration in the inputs" in render(report, "text")
    assert json.loads(render(report, "json"))["migrations"] == []
    assert render(report, "jsonl") == ""
    assert render(report, "csv").splitlines() == [",".join(MIGRATION_COLUMNS)]
    assert "No live migration in the inputs" in render(report, "markdown")


def _md_tables(md: str) -> list[list[str]]:
    tables: list[list[str]] = []
    current: list[str] = []
    for line in md.splitlines() + [""]:
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables.append(current)
            current = []
    return tables


def _cells(row: str) -> int:
    return len(re.findall(r"(?<!\\)\|", row)) - 1


def test_markdown_blog_log(blog: Report) -> None:
    md = render(blog, "markdown")
    assert f"## Migration `{BLOG_REQ}` pdcmtest (`{BLOG_INSTANCE}`)" in md
    assert f"`{SRC}` → `{DST}` · completed · **VERDICT: STALE**" in md
    assert "Zenoss would show the VM on ndc27-3205, not ndc27-3222" in md
    assert "> **No zenpython log covers this migration: this is what Zenoss WOULD do.**" in md
    assert (
        "| 06:22:02.776 | `_post.end` | source | `ndc27-3205` | `#1:6` | - | would | `instance_update` |"
        in md
    )
    fence = md.split("```python\n", 1)[1].split("```", 1)[0]
    assert (
        "    'openstack|compute.instance.live_migration.post.dest.end': (instance_id, instance_update),\n"
        in fence
    )
    tables = _md_tables(md)
    assert len(tables) == 4  # inputs, verdict counts, phases, firings
    for t in tables:
        assert len({_cells(r) for r in t}) == 1, t
        assert re.fullmatch(r"\|(---\|)+", t[1])


def test_markdown_escapes_pipes(two: Report) -> None:
    md = render(two, "markdown")
    assert "## Migration `req-aaa` web\\|1 (`inst-web`)" in md
    for t in _md_tables(md):
        assert len({_cells(r) for r in t}) == 1, t
    assert "\\_post.end" in md  # free text: _ escaped, shown as written


# ---------------------------------------------------------------------------
# rich

COLOUR = re.compile(r"\x1b\[[0-9;]*(3[0-9]|9[0-7])[0-9;]*m")


def test_rich_blog_log(blog: Report) -> None:
    console = Console(file=io.StringIO(), no_color=True, width=120)
    print_report(blog, console)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert "STALE" in out and SRC in out and DST in out and "pdcmtest" in out
    assert "no zenpython log covers this migration: this is what Zenoss WOULD do" in out
    assert "(instance_id, instance_update)" in out
    assert "\x1b" not in out
    assert max(len(x) for x in out.splitlines()) <= 120


def test_rich_no_color_on_a_terminal(two: Report, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    coloured = Console(file=io.StringIO(), force_terminal=True, width=120)
    print_report(two, coloured)
    assert COLOUR.search(coloured.file.getvalue())  # type: ignore[attr-defined]
    monkeypatch.setenv("NO_COLOR", "1")
    plain = Console(file=io.StringIO(), force_terminal=True, width=120)
    print_report(two, plain)
    out = plain.file.getvalue()  # type: ignore[attr-defined]
    assert "STALE" in out and "FAILED" in out and SRC in out and DST in out
    assert not COLOUR.search(out)


def test_rich_through_write_report(two: Report, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    out = render(two, "rich")
    assert "STALE" in out and "web|1" in out and "\x1b" not in out


# ---------------------------------------------------------------------------
# the command


def test_cli_analyze_json_and_text(tmp_path: Path) -> None:
    log = _two_migrations(tmp_path)
    r = CliRunner().invoke(cli, ["analyze", str(log), "--format", "json"])
    assert r.exit_code == 0, r.output
    assert [m["verdict"] for m in json.loads(r.stdout)["migrations"]] == ["stale", "failed"]
    r = CliRunner().invoke(cli, ["analyze", str(log)])  # piped: text
    assert r.exit_code == 0
    assert r.stdout.startswith("lmtrace analyze: 2 live migrations\n")


# ---------------------------------------------------------------------------
# the reviewer's findings, one test each (reasons read as an incident report)

UPDATE = "compute.instance.update"


def test_corrected_stale_reason_in_every_format(piped: Report) -> None:
    # req-a: stale, and the update from DST at +200.2 s corrected the model
    a = piped.migrations[0]
    assert a.corrected_by is not None
    want = (
        f"Zenoss showed the VM on {SRC}, not {DST}, until {UPDATE} wrote {DST} at 06:23:20.200, "
        "2 min 48 s later"
    )
    assert a.reason.endswith(want)
    assert want in flat(render(piped, "text"))
    assert want in render(piped, "markdown")
    assert json.loads(render(piped, "json"))["migrations"][0]["reason"].endswith(want)


def _order_sensitive(host: str, zenpack: str) -> Report:
    # an update from `host` queued 0.1 s after the migration's own handler
    log = builders.completed(builders.Log()).context(UPDATE, host, 31.35).heartbeat(-120, 400)
    return analyze_stream(builders.stream(log), handler_map=builtin_map(zenpack))


def test_order_sensitive_is_said_once_in_the_text_report() -> None:
    report = _order_sensitive(DST, "osi-2.x")  # _post.end wrote SRC, then the update DST
    (m,) = report.migrations
    assert m.order_sensitive and "order-sensitive" in m.reason
    for fmt in ("text", "markdown"):
        out = render(report, fmt)
        assert out.count("order-sensitive") == 1, fmt
        assert "rder-sensitive:**" not in out and "  order-sensitive:" not in out  # no row of its own


def test_order_sensitive_same_host_is_not_a_warning() -> None:
    report = _order_sensitive(DST, "osi-2.x-pr401")  # post.dest.end and the update both wrote DST
    (m,) = report.migrations
    assert m.order_sensitive and m.verdict.value == "ok"
    assert json.loads(render(report, "json"))["migrations"][0]["order_sensitive"] is True
    assert next(csv.DictReader(io.StringIO(render(report, "csv"))))["order_sensitive"] == "true"
    for fmt in ("text", "markdown"):
        assert "order-sensitive" not in render(report, fmt).lower(), fmt


SPAN = re.compile(r"(\d\d:\d\d:\d\d\.\d{3}) \.\. (?:\d{4}-\d\d-\d\d )?(\d\d:\d\d:\d\d\.\d{3}) UTC \((\d+\.\d{3}) s\)")


def _seconds(hms: str) -> float:
    h, m, sec = hms.split(":")
    return int(h) * 3600 + int(m) * 60 + float(sec)


def test_times_and_durations_are_cut_alike() -> None:
    # 06:20:00.000 .. 06:20:20.957(6): the duration is 20.957 s, not the rounded 20.958 s
    log = builders.Log().phase("pre.start", DST, 0).phase("post.dest.end", DST, 10)
    log.phase("_post.end", SRC, 20.9576).heartbeat(-120, 400)
    text = render(analyze_stream(builders.stream(log)), "text")
    assert "2017-01-23 06:20:00.000 .. 06:20:20.957 UTC (20.957 s)" in text
    assert "20.958" not in text


def test_every_golden_span_adds_up() -> None:
    # in every text golden, end - start as shown is the duration shown
    spans = [
        mo.groups()
        for p in sorted(SAMPLES.glob("**/expected/*.txt"))
        for mo in SPAN.finditer(p.read_text(encoding="utf-8"))
    ]
    assert len(spans) > 15
    for start, end, secs in spans:
        assert round(_seconds(end) - _seconds(start), 3) == float(secs), (start, end, secs)


def test_humantime_cuts_and_never_rounds() -> None:
    t = datetime(2017, 1, 23, 6, 2, 40, 999900, tzinfo=UTC)
    assert clock(t) == "06:02:40.999"  # not 06:02:41.000
    assert elapsed(t, t + timedelta(microseconds=200)) == timedelta(milliseconds=1)  # .999 -> .000 as shown
    assert duration(timedelta(seconds=20.9576)) == "20.957 s"
    assert duration(timedelta(seconds=59.9999)) == "59.999 s"
    assert duration(timedelta(minutes=3, seconds=38, milliseconds=999)) == "3 min 38 s"
    assert duration(timedelta(hours=1, minutes=2, seconds=5.7)) == "1 h 02 min 05 s"


def test_reasons_name_context_events_by_event_type(piped: Report) -> None:
    log = builders.completed(builders.Log()).context(UPDATE, DST, 40).heartbeat(-120, 400)
    report = analyze_stream(builders.stream(log))
    (m,) = report.migrations
    assert m.reason == f"instance_update_status on context event {UPDATE} wrote {DST}, the destination, last"
    assert "context event update " not in flat(render(report, "text"))


def test_text_phase_table_stays_within_the_width_with_a_discarded_phase() -> None:
    log = builders.Log().heartbeat(-120, 400)
    log.phase("pre.start", DST, 0).phase("post.dest.end", DST, 31.2)
    log.phase("_post.end", SRC, 31.25, discarded=True)
    report = analyze_stream(builders.stream(log))
    text = render(report, "text")
    assert max(len(x) for x in text.splitlines()) <= WIDTH
    lines = text.splitlines()
    (head,) = [x for x in lines if x.startswith("    time (UTC)    phase ")]
    (row_at,) = [n for n, x in enumerate(lines) if " discarded  instance_update" in x]
    row, below = lines[row_at], lines[row_at + 1]
    # the drop's line goes under the zenpython column, nothing lost
    assert below.strip().startswith("discarded zenpython.log:")
    assert len(below) - len(below.lstrip()) == head.index("zenpython")
    assert row[head.index("zenpython") :].startswith("zenpython.log:")
    # markdown keeps both lines in one cell
    assert ", discarded zenpython.log:" in render(report, "markdown")


def test_every_text_golden_stays_within_the_width() -> None:
    for p in sorted(SAMPLES.glob("**/expected/*.txt")):
        wide = [x for x in p.read_text(encoding="utf-8").splitlines() if len(x) > WIDTH]
        assert wide == [], p


@pytest.mark.skipif(
    not (SAMPLES / "scenarios" / "lost" / "zenpython.log").exists(), reason="no lost sample"
)
def test_one_path_style_per_report() -> None:
    d = SAMPLES / "scenarios" / "lost"
    report = analyze([str(d / "collector.log"), str(d / "zenpython.log")])
    (m,) = report.migrations
    full = f"{d / 'collector.log'}:9"
    assert full in m.reason  # the record keeps the path as given
    for fmt in ("text", "markdown", "rich"):
        out = render(report, fmt) if fmt != "rich" else _rich(report)
        assert full not in flat(out).replace("\\", ""), fmt
        assert "collector.log:9 but never queued" in flat(out).replace("\\", ""), fmt
    assert "logged by the collector at collector.log:9 but never queued" in flat(render(report, "text"))
    assert "| `collector.log:9` |" in render(report, "markdown")
    assert json.loads(render(report, "json"))["migrations"][0]["reason"] == m.reason


def _rich(report: Report) -> str:
    console = Console(file=io.StringIO(), no_color=True, width=200)
    print_report(report, console)
    return str(console.file.getvalue())  # type: ignore[attr-defined]


def test_file_labels_rewrite_path_references_in_text() -> None:
    files = FileLabels(["logs/a/collector.log", "logs/b/collector.log", "logs/collector.log.1", "zen.log"])
    assert [files.of(p) for p in ("logs/a/collector.log", "logs/collector.log.1", "zen.log")] == [
        "#1",
        "collector.log.1",
        "zen.log",
    ]
    text = (
        "at logs/a/collector.log:9, at logs/collector.log.1:3, at zen.log:12; "
        "not other/zen.log:4, not zen.log without a line"
    )
    assert files.text(text) == (
        "at #1:9, at collector.log.1:3, at zen.log:12; not other/zen.log:4, not zen.log without a line"
    )
    assert FileLabels([]).text("at x.log:3") == "at x.log:3"


def test_aborted_recommendation_in_the_report() -> None:
    log = builders.Log().phase("pre.start", DST, 0).phase("pre.end", DST, 1)
    log.phase("", SRC, 10, event_type="compute.instance.live.migration.abort.start", request_id="req-abort")
    log.phase("_rollback.end", SRC, 12).heartbeat(-120, 400)
    text = flat(render(analyze_stream(builders.stream(log)), "text"))
    assert (
        "recommendation: none for Zenoss; the migration was aborted by request req-abort: look it up in "
        "nova-api's log for who aborted it and why"
    ) in text
    assert "attached requests: req-abort" in text


# --- the filters a report was made with ----------------------------------------


def test_unfiltered_report_says_nothing_of_filters(two: Report) -> None:
    assert render(two, "text").splitlines()[0] == "lmtrace analyze: 2 live migrations"
    assert render(two, "markdown").splitlines()[0] == "# lmtrace analyze: 2 live migrations"
    doc = json.loads(render(two, "json"))
    assert doc["filters"] == {
        "since": None,
        "until": None,
        "instance": None,
        "request": None,
        "host": None,
        "device": None,
        "verdicts": None,
    }
    assert doc["summary"]["migrations"] == doc["summary"]["migrations_in_logs"] == 2


@pytest.mark.parametrize(
    ("kwargs", "since", "until", "header", "shown"),
    [
        (
            {"verdicts": frozenset({Verdict.FAILED})},
            None,
            None,
            "1 of 2 live migrations (filters: --verdict failed)",
            1,
        ),
        (
            {"verdicts": frozenset({Verdict.OK, Verdict.STALE}), "host": "no such host"},
            None,
            None,
            "0 of 2 live migrations (filters: --host 'no such host', --verdict stale,ok)",
            0,
        ),
        # relative: the words and the UTC time they meant (the newest event: ev-7, logged 07:22:07.593)
        (
            {},
            "10m",
            None,
            "1 of 2 live migrations (filters: --since 10m (2017-01-23 07:12:07.593 UTC))",
            1,
        ),
        # absolute, in another zone, and a bare time of day (the newest event's day): UTC
        (
            {"instance": "db-2"},
            "2017-01-23 15:00 +08:00",
            "07:30",
            "1 of 2 live migrations (filters: --since 2017-01-23 07:00:00.000 UTC, "
            "--until 2017-01-23 07:30:00.000 UTC, --instance db-2)",
            1,
        ),
    ],
)
def test_filtered_report_says_what_it_hides(
    tmp_path: Path, kwargs: dict[str, Any], since: str | None, until: str | None, header: str, shown: int
) -> None:
    report = analyze([str(_two_migrations(tmp_path))], filters=Filters(**kwargs), since=since, until=until)
    assert len(report.migrations) == shown
    assert render(report, "text").splitlines()[0] == f"lmtrace analyze: {header}"
    assert render(report, "markdown").splitlines()[0] == f"# lmtrace analyze: {header}"
    if shown == 0:
        line = "None of the 2 live migrations in the inputs matched the filters."
        assert line in render(report, "text").splitlines()
        assert line in render(report, "markdown").splitlines()
    doc = json.loads(render(report, "json"))
    check_document(doc)
    assert doc["summary"]["migrations"] == shown
    assert doc["summary"]["migrations_in_logs"] == 2
    f = doc["filters"]
    assert f["instance"] == kwargs.get("instance") and f["host"] == kwargs.get("host")
    verdicts = kwargs.get("verdicts")
    assert f["verdicts"] == (None if verdicts is None else [v.value for v in Verdict if v in verdicts])
    if since is None:
        assert f["since"] is None
    else:
        _iso(f["since"])
    if until is None:
        assert f["until"] is None
    else:
        assert f["until"] == "2017-01-23T07:30:00.000000Z"


def test_json_filters_resolve_relative_times(tmp_path: Path) -> None:
    # the newest event, ev-7, was logged at 07:22:07.593 UTC
    report = analyze([str(_two_migrations(tmp_path))], since="2h", until="30m")
    doc = json.loads(render(report, "json"))
    assert doc["filters"]["since"] == "2017-01-23T05:22:07.593000Z"
    assert doc["filters"]["until"] == "2017-01-23T06:52:07.593000Z"
    assert doc["summary"]["migrations"] == 1 and doc["summary"]["migrations_in_logs"] == 2
    assert render(report, "text").splitlines()[0] == (
        "lmtrace analyze: 1 of 2 live migrations (filters: --since 2h (2017-01-23 05:22:07.593 UTC), "
        "--until 30m (2017-01-23 06:52:07.593 UTC))"
    )


# ---------------------------------------------------------------------------
# rich at every terminal width: nothing past the edge, no value broken

FILE_LINE = re.compile(r"\b(?:collector|zenpython)\.log:\d+")
WIDTHS = (80, 100, 120, 160)


def _rich_at(width: int, draw: Any) -> str:
    console = Console(file=io.StringIO(), no_color=True, width=width)
    draw(console)
    return console.file.getvalue()  # type: ignore[attr-defined,no-any-return]


def _unbroken(out: str, width: int, values: set[str]) -> None:
    lines = out.splitlines()
    assert max(len(x) for x in lines) <= width
    assert "…" not in out
    shown = {v for x in lines for v in FILE_LINE.findall(x)}
    assert values <= shown, sorted(values - shown)


@pytest.mark.parametrize("width", WIDTHS)
def test_rich_report_fits_every_width(width: int) -> None:
    from lmtrace.render.common import phase_rows

    report = analyze([str(SAMPLES / "collector.log"), str(SAMPLES / "zenpython.log")])
    out = _rich_at(width, lambda c: print_report(report, c, View(details=True)))
    # the mapping change is printed unwrapped on purpose: it is pasted into events.py
    out = out.rsplit("recommended mapping change", 1)[0]
    files = FileLabels(i.path for i in report.inputs)
    cells = {v for m in report.migrations for r in phase_rows(m, files) for c in r for v in FILE_LINE.findall(c)}
    _unbroken(out, width, cells)
    for m in report.migrations:  # ids, hosts and phases on one line
        assert any(m.label in x for x in out.splitlines())
        for p in m.phases:
            assert re.search(rf"(^|\s){re.escape(p.phase)}(\s|$)", out, re.M), p.phase
    assert "handler" in out and "reached" in out


@pytest.mark.parametrize("width", WIDTHS)
def test_rich_events_fit_every_width(width: int) -> None:
    from lmtrace.load import load_events
    from lmtrace.render.terminal import print_events

    stream = load_events([str(SAMPLES / "collector.log"), str(SAMPLES / "zenpython.log")])
    out = _rich_at(width, lambda c: print_events(stream, c))
    _unbroken(out, width, {f"{e.source.path.rsplit('/', 1)[-1]}:{e.source.line}" for e in stream.events})
    for e in stream.events:
        if e.request_id:
            assert e.request_id in out


def test_rich_events_rows_at_120_are_at_most_two_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    from lmtrace.load import load_events
    from lmtrace.render.terminal import print_events

    monkeypatch.chdir(SAMPLES.parent)  # paths as the user types them
    stream = load_events(["samples/collector.log", "samples/zenpython.log"])
    out = _rich_at(120, lambda c: print_events(stream, c))
    # two lines a row and a blank line between rows, plus title and head
    assert len(out.splitlines()) <= 3 * len(stream.events) + 4
