"""`lmtrace timeline`: one migration, hop by hop, across every log given.

Rule tests build events directly (tests/builders.py); file tests write small
logs in the exact real formats (../shared/realdata) into tmp_path, in
different UTC offsets, and read them back through the CLI.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import io
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from lmtrace.analyze import analyze, analyze_stream
from lmtrace.cli import cli
from lmtrace.findings import Reached, Verdict
from lmtrace.handlers import builtin_map
from lmtrace.hops import HopName, Timeline, TimelineEntry
from lmtrace.render import write_timeline
from lmtrace.render.hoprows import WIDTH, format_delay, rows_of
from lmtrace.timelines import SKEW_TOLERANCE, timeline_for

from .builders import DST, LM, SRC, T0, Log, completed, stream
from .conftest import SAMPLES

UTC = timezone.utc
HAS_ZENPYTHON_PARSER = importlib.util.find_spec("lmtrace.parse.zenpython") is not None
needs_zenpython_parser = pytest.mark.skipif(
    not HAS_ZENPYTHON_PARSER, reason="lmtrace.parse.zenpython has not landed yet"
)


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args))


def one(log: Log, *, zenpack: str = "osi-2.x", zenpython: bool = True) -> Timeline:
    report = analyze_stream(stream(log, zenpython=zenpython), handler_map=builtin_map(zenpack))
    (t,) = timeline_for(report, request=log.request_id)
    return t


def entry(t: Timeline, phase: str) -> TimelineEntry:
    (e,) = [e for e in t.entries if e.phase == phase]
    return e


def hop(e: TimelineEntry, name: str):  # type: ignore[no-untyped-def]
    (h,) = [h for h in e.hops if h.name is HopName(name)]
    return h


# --- rules, on events built directly ------------------------------------------


def test_hops_of_a_queued_phase_and_the_inferred_handler() -> None:
    t = one(completed(Log()))
    e = entry(t, "_post.end")
    assert [h.name.value for h in e.hops] == ["generated", "collector", "zenpython", "handler"]
    gen, col, zen, handler = e.hops
    assert gen.at == T0 + timedelta(seconds=31.25) and gen.delay is None
    assert col.delay == timedelta(milliseconds=9)
    assert zen.delay == timedelta(milliseconds=191)  # queued 200 ms after generated
    # no log records a handler run: inferred, at the queue time, no delay
    assert (handler.at, handler.delay, handler.inferred, handler.missing) == (zen.at, None, True, False)
    assert "instance_update" in handler.note and f"writes host {SRC}" in handler.note
    # an unmapped phase: the handler hop does not apply (not a hop that failed to happen)
    pre = hop(entry(t, "pre.start"), "handler")
    assert pre.missing and not pre.unknown and pre.not_applicable and pre.note == "no handler mapped"
    assert not handler.not_applicable


def test_entries_in_generated_order_with_host_changes_marked() -> None:
    t = one(completed(Log()))
    assert [e.phase for e in t.entries] == [
        "pre.start",
        "pre.end",
        "_post.start",
        "post.dest.start",
        "post.dest.end",
        "_post.end",
    ]
    changed = [(e.phase, e.previous_host) for e in t.entries if e.host_changed]
    assert changed == [("_post.start", DST), ("post.dest.start", SRC), ("_post.end", DST)]
    assert t.verdict is Verdict.STALE and t.source_host == SRC and t.destination_host == DST


def test_pre_ocata_order_follows_generated_not_the_logs() -> None:
    # _post.end generated (and logged) before post.dest.end: order by generated
    log = Log().phase("pre.end", DST, 0).phase("_post.end", SRC, 30).phase("post.dest.end", DST, 30.05)
    t = one(log)
    assert [e.phase for e in t.entries] == ["pre.end", "_post.end", "post.dest.end"]


def test_a_phase_never_queued_is_a_missing_hop() -> None:
    log = Log().heartbeat(-60, 300)  # zenpython's log covers the migration
    log.phase("pre.start", DST, 0).phase("post.dest.end", DST, 30).phase("_post.end", SRC, 31, queued=None)
    t = one(log)
    assert t.verdict is Verdict.LOST
    e = entry(t, "_post.end")
    assert e.reached is Reached.NO
    zen = hop(e, "zenpython")
    assert (zen.missing, zen.unknown, zen.at) == (True, False, None)
    assert "never queued" in zen.note
    h = hop(e, "handler")
    assert h.missing and h.note == "instance_update never ran: the event was never queued"


def test_without_zenpython_the_hop_is_unknown_and_the_handler_would_run() -> None:
    t = one(completed(Log()), zenpython=False)
    e = entry(t, "_post.end")
    zen = hop(e, "zenpython")
    assert (zen.missing, zen.unknown, zen.note) == (True, True, "no zenpython log given")
    h = hop(e, "handler")
    assert h.inferred and h.at == hop(e, "collector").at and "would run" in h.note


def test_discarded_hop_and_the_handler_that_never_ran() -> None:
    log = Log().heartbeat(-60, 300)
    log.phase("pre.start", DST, 0).phase("post.dest.end", DST, 30).phase("_post.end", SRC, 31, discarded=True)
    e = entry(one(log), "_post.end")
    assert [h.name.value for h in e.hops] == ["generated", "collector", "zenpython", "discarded", "handler"]
    d = hop(e, "discarded")
    assert d.delay == timedelta(seconds=1) and d.note == "queue overflow: never reached Zenoss"
    assert hop(e, "handler").note == "instance_update never ran: the event was discarded by zenpython"


def test_queued_before_generated_is_a_skew_suspect() -> None:
    log = Log().phase("pre.start", DST, 0).phase("post.dest.end", DST, 30, delay=-3.0)
    t = one(log)
    e = entry(t, "post.dest.end")
    assert e.skew
    assert e.skew_note is not None and e.skew_note.startswith(
        f"queued by zenpython 3.000 s before it was generated on {DST}"
    )
    assert hop(e, "zenpython").delay == timedelta(seconds=-3.009)
    assert not entry(t, "pre.start").skew
    assert any("clock-skew suspect" in n for n in t.notes)


def test_small_negative_delay_is_shown_but_not_flagged() -> None:
    below = -(SKEW_TOLERANCE.total_seconds() - 0.2)
    e = entry(one(Log().phase("post.dest.end", DST, 0, delay=below)), "post.dest.end")
    assert not e.skew
    d = hop(e, "zenpython").delay
    assert d is not None and d < timedelta(0)
    assert format_delay(d) == "-309 ms"


def test_context_events_join_the_story() -> None:
    log = completed(Log()).context("compute.instance.update", DST, 31.24)
    t = one(log)
    e = entry(t, "update")
    assert e.context and e.side is None and e.handler == "instance_update_status"
    assert [x.phase for x in t.entries][-3:] == ["post.dest.end", "update", "_post.end"]


def test_instance_selects_every_migration_of_it() -> None:
    a = completed(Log(request_id="req-a"))
    b = Log(request_id="req-b")
    b.events.extend(
        dataclasses.replace(
            ev,
            generated=ev.generated + timedelta(hours=1) if ev.generated else None,
            rcvtime=ev.rcvtime + timedelta(hours=1) if ev.rcvtime else None,
            logged_at=ev.logged_at + timedelta(hours=1) if ev.logged_at else None,
            request_id="req-b",
            event_id=f"b-{ev.event_id}",
        )
        for ev in a.events
    )
    report = analyze_stream(stream(a, b))
    assert [t.request_id for t in timeline_for(report, instance="vm1")] == ["req-a", "req-b"]
    assert [t.request_id for t in timeline_for(report, instance="inst-1", request="req-b")] == ["req-b"]
    assert timeline_for(report, request="req-zzz") == []


def test_format_delay() -> None:
    assert [format_delay(timedelta(seconds=s)) for s in (0.011, 1.2044, -3.2, 125.3)] == [
        "+11 ms",
        "+1.204 s",
        "-3.200 s",
        "+125.300 s",
    ]
    assert format_delay(None) == ""
    # cut to milliseconds like the times, never rounded up
    assert format_delay(timedelta(microseconds=10_900)) == "+10 ms"
    assert format_delay(timedelta(microseconds=-1_999_900)) == "-1.999 s"


def _text(t: Timeline) -> str:
    buf = io.StringIO()
    write_timeline([t], "text", buf)
    return buf.getvalue()


def test_delays_are_the_difference_of_the_times_shown() -> None:
    # generated 06:20:02.9756 (shown .975), logged by the collector 19.4 ms later (shown .995):
    # the delay reads +20 ms, what the two shown times say, not the rounded +19 ms
    log = Log().phase("post.dest.end", DST, 2.9756, queued=None)
    log.events = [
        dataclasses.replace(e, logged_at=e.generated + timedelta(microseconds=19_400))
        if e.generated is not None
        else e
        for e in log.events
    ]
    t = one(log, zenpython=False)
    col = hop(entry(t, "post.dest.end"), "collector")
    assert col.delay == timedelta(microseconds=19_400)  # the record (and json) keep the exact delay
    (row,) = [r for r in rows_of(t) if r.hop is col]
    assert row.cells[3] == "2017-01-23 06:20:02.995" and row.cells[6] == "+20 ms"
    assert "2017-01-23 06:20:02.975" in _text(t)


def test_unmapped_handler_hop_reads_not_applicable_in_text() -> None:
    log = Log().heartbeat(-60, 300)
    log.phase("pre.start", DST, 0).phase("post.dest.end", DST, 30).phase("_post.end", SRC, 31, queued=None)
    t = one(log)
    text = _text(t)
    lines = text.splitlines()
    head = next(n for n, x in enumerate(lines) if x.startswith("phase "))
    hop_at, time_at, local_at = (lines[head].index(c) for c in ("hop", "time (UTC)", "local time"))
    # (hop, time cell, the rest) of every hop row of the table
    rows = [
        (x[hop_at:time_at].strip(), x[time_at:local_at].strip(), x[local_at:].strip())
        for x in lines[head + 1 :]
        if x[hop_at:time_at].strip()
    ]
    handler = [r for r in rows if r[0] == "handler"]
    assert handler[:2] == [("handler", "-", "no handler mapped")] * 2
    # `never` is left for hops that should have happened: _post.end's queueing and its handler
    assert [r[0] for r in rows if r[1] == "never"] == ["zenpython", "handler"]
    assert "mapped to no handler" not in text


def test_text_timeline_uses_file_labels_and_stays_within_the_width(two_controllers: tuple[Path, Path]) -> None:
    a, b = two_controllers
    report = analyze([str(a), str(b)])
    (t,) = timeline_for(report, request="req-1")
    text = _text(t)
    assert max(len(x) for x in text.splitlines()) <= WIDTH
    # notes start under the local-time column, wrapped there
    head = next(x for x in text.splitlines() if x.startswith("phase "))
    col = head.index("local time")
    (note,) = [x for x in text.splitlines() if "host_name changes from" in x and x.startswith("_post.start")]
    assert note.index("host_name changes") == col
    wrapped = [x for x in text.splitlines() if x.startswith(" " * col) and x.strip()]
    assert wrapped and all(x[col] != " " for x in wrapped)


def test_timeline_says_order_sensitive_once() -> None:
    t = one(completed(Log()).context("compute.instance.update", DST, 31.05).heartbeat(-120, 400))
    assert t.reason is not None and "order-sensitive" in t.reason
    assert not any("order-sensitive" in n for n in t.notes)
    assert " ".join(_text(t).split()).count("order-sensitive") == 1


def test_corrected_by_note_names_the_event_type() -> None:
    t = one(completed(Log()).context("compute.instance.update", DST, 31.25 + 300).heartbeat(-120, 400))
    assert t.notes == (
        f"corrected by compute.instance.update writing {DST} at 2017-01-23 06:25:31.450 UTC, after the migration",
    )


# --- real formats, files in different offsets -----------------------------------------


def collector_line(local: str, eid: str, etype: str, generated: str, host: str, req: str = "req-1") -> str:
    """A `record_events called` line as the Zenoss dispatcher logs it (oslo.log)."""
    return (
        f"{local} 25667 INFO ceilometer_zenoss.dispatcher.zenoss [-] record_events called (events=[<Event: "
        f"{eid}, {etype}, {generated}, <Trait: state_description 1 migrating> <Trait: service 1 compute> "
        f"<Trait: display_name 1 pdcmtest> <Trait: instance_id 1 i-1> <Trait: host_name 1 {host}> "
        f"<Trait: request_id 1 {req}>>])\n"
    )


def zenpython_line(local: str, eid: str, etype: str, rcvtime: float, host: str, req: str = "req-1", inst: str = "i-1") -> str:
    """A `Queued event` line as zenpython logs it at debug level (Python 2 dict repr)."""
    return (
        f"{local} DEBUG zen.zenpython: Queued event (total of 1) {{u'trait_display_name': u'pdcmtest', "
        f"u'trait_request_id': u'{req}', 'eventClassKey': u'openstack|{etype}', u'trait_service': u'compute', "
        f"'agent': 'zenpython', u'trait_host_name': u'{host}', 'rcvtime': {rcvtime!r}, 'device': 'OpenStack', "
        f"'severity': 2, u'trait_instance_id': u'{inst}', 'summary': u'OpenStackInfrastructure: {etype}', "
        f"'eventKey': u'{eid}'}}\n"
    )


def _local(utc: datetime, hours: int, sep: str = ".") -> str:
    t = (utc + timedelta(hours=hours)).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    return t[:-4] + sep + t[-3:]


G = datetime(2017, 1, 23, 6, 22, 2, 584049, tzinfo=UTC)
# phase, host, seconds after G, which collector file
PLAN = [
    ("pre.start", DST, -60.0, "a"),
    ("pre.end", DST, -58.0, "b"),
    ("_post.start", SRC, -0.3, "a"),
    ("post.dest.start", DST, 0.0, "b"),
    ("post.dest.end", DST, 0.177089, "b"),
    ("_post.end", SRC, 0.192616, "a"),
]


@pytest.fixture
def two_controllers(tmp_path: Path) -> tuple[Path, Path]:
    """One migration's events split between two collectors (two controllers
    consuming the same notification queue): controller a logs at +08:00,
    controller b at -05:00. By local time, b's lines all come 13 hours
    before a's; only UTC puts them in order."""
    a, b = tmp_path / "ctl-a.log", tmp_path / "ctl-b.log"
    lines: dict[str, list[str]] = {"a": [], "b": []}
    for n, (ph, host, s, where) in enumerate(PLAN):
        gen = G + timedelta(seconds=s)
        logged = gen + timedelta(milliseconds=9)
        hours = 8 if where == "a" else -5
        lines[where].append(
            collector_line(_local(logged, hours), f"ev-{n}", LM + ph, gen.strftime("%Y-%m-%d %H:%M:%S.%f"), host)
        )
    a.write_text("".join(lines["a"]))
    b.write_text("".join(lines["b"]))
    return a, b


def test_collectors_in_different_offsets_merge_in_utc_order(two_controllers: tuple[Path, Path]) -> None:
    a, b = two_controllers
    report = analyze([str(b), str(a)])
    (t,) = timeline_for(report, request="req-1")
    assert [e.phase for e in t.entries] == [p for p, *_ in PLAN]
    assert {i.path: i.utc_offset for i in t.inputs} == {str(a): "+08:00", str(b): "-05:00"}
    for e, (_ph, _host, _s, where) in zip(t.entries, PLAN):
        col = hop(e, "collector")
        assert col.path == str(a if where == "a" else b)
        assert col.at is not None and col.delay is not None
        assert timedelta(milliseconds=8) <= col.delay <= timedelta(milliseconds=10)
        assert col.local_time == (col.at + timedelta(hours=8 if where == "a" else -5)).replace(tzinfo=None)


def test_text_output_across_offsets(two_controllers: tuple[Path, Path]) -> None:
    a, b = two_controllers
    r = run("timeline", str(a), str(b), "--request", "req-1")
    assert r.exit_code == 0, r.stderr
    out = r.stdout
    assert out.startswith(f"Timeline: pdcmtest: {SRC} -> {DST} (req-1)\n")
    # the clock lines are the legend of the file labels, numbered like analyze's inputs
    flat = " ".join(out.split())  # a long tmp path may wrap the line
    assert f"#1 {a} +08:00 (inferred from 3 events)" in flat and f"#2 {b} -05:00 (inferred from 3 events)" in flat
    # the collector line of post.dest.start: UTC, the line's own local time, file:line (the
    # label analyze uses, not the path), delay
    row = next(x for x in out.splitlines() if "ctl-b.log:2 " in x)
    assert row.split() == [
        "collector", "2017-01-23", "06:22:02.593", "2017-01-23", "01:22:02.593", "ctl-b.log:2", "+9", "ms"
    ]
    assert f"{b}:" not in out and f"{a}:" not in out
    assert f"-> {SRC}" in out and f"host_name changes from {DST}" in out
    assert r.stderr.count("collector log") == 2  # the per-file summaries go to stderr


@needs_zenpython_parser
def test_collector_plus_zenpython_in_different_offsets(tmp_path: Path) -> None:
    """Collector at +08:00, zenpython at +01:00: the same instant is 7 hours
    apart in local time. _post.start was never queued although zenpython
    was listening (a missing hop); post.dest.end's rcvtime reads 2 s before
    it was generated (a clock-skew suspect)."""
    col, zen = tmp_path / "collector.log", tmp_path / "zenpython.log"
    c_lines, z_lines = [], []
    for n, (ph, host, s, _where) in enumerate(PLAN):
        gen = G + timedelta(seconds=s)
        c_lines.append(
            collector_line(
                _local(gen + timedelta(milliseconds=9), 8), f"ev-{n}", LM + ph, gen.strftime("%Y-%m-%d %H:%M:%S.%f"), host
            )
        )
        if ph == "_post.start":
            continue
        rcv = gen + timedelta(seconds=-2.0 if ph == "post.dest.end" else 0.3)
        z_lines.append(zenpython_line(_local(rcv, 1, ","), f"ev-{n}", LM + ph, rcv.timestamp(), host))
    # another instance's event two minutes later: zenpython's log covers the migration
    later = G + timedelta(minutes=2)
    z_lines.append(zenpython_line(_local(later, 1, ","), "hb", "compute.instance.exists", later.timestamp(), "x", "req-x", "i-x"))
    col.write_text("".join(c_lines))
    zen.write_text("".join(sorted(z_lines)))
    r = run("timeline", str(zen), str(col), "--instance", "pdcmtest", "--format", "json")
    assert r.exit_code == 0, r.stderr
    (t,) = json.loads(r.stdout)["timelines"]
    assert {i["path"]: i["utc_offset"] for i in t["inputs"]} == {str(zen): "+01:00", str(col): "+08:00"}
    assert [e["phase"] for e in t["entries"]] == [p for p, *_ in PLAN]
    by = {e["phase"]: e for e in t["entries"]}
    q = next(h for h in by["pre.end"]["hops"] if h["hop"] == "zenpython")
    assert q["at"].startswith("2017-01-23T06:21:04.88")
    assert q["local_time"].startswith("2017-01-23T07:21:04.88") and q["path"] == str(zen)
    missing = next(h for h in by["_post.start"]["hops"] if h["hop"] == "zenpython")
    assert (missing["missing"], missing["unknown"], missing["at"]) == (True, False, None)
    assert by["post.dest.end"]["skew"] and "before it was generated" in by["post.dest.end"]["skew_note"]
    assert not by["post.dest.start"]["skew"]


# --- markdown, json, CLI --------------------------------------------------------


def _cells(row: str) -> int:
    return row.replace("\\|", "").count("|")


def test_markdown_tables_are_well_formed() -> None:
    log = Log().heartbeat(-60, 300)
    log.phase("pre.start", DST, 0).phase("post.dest.end", DST, 30, delay=-3.0).phase("_post.end", SRC, 31, queued=None)
    log.context("compute.instance.update", "ndc|pipe", 31.1)
    buf = io.StringIO()
    write_timeline([one(log)], "markdown", buf)
    md = buf.getvalue()
    lines = md.splitlines()
    assert lines[0].startswith("### Timeline: vm1: ")
    table = [x for x in lines if x.startswith("|")]
    head, rule, *rows = table
    assert rule == "|" + "|".join(["---"] * 8) + "|"
    assert all(_cells(r) == _cells(head) == 9 for r in rows)
    # a table is one block: no blank line inside it
    start = lines.index(head)
    assert all(x.startswith("|") for x in lines[start : start + len(table)])
    assert "ndc\\|pipe" in md and "**SKEW**:" in md and "*never*" in md and f"**→ `{SRC}`**" in md
    # escaped and styled like analyze.md: `_` cannot start italics, no HTML entities
    assert "&rarr;" not in md and "instance\\_update" in md and "instance_update" not in md.replace("`", "")
    assert f"### Timeline: vm1: `{SRC}` → `{DST}` (`req-1`)" in md
    # the handler hop of an unmapped phase is not applicable: `-`, not an italic *never*
    assert "| handler | - |  |  |  | no handler mapped |" in md
    assert md.count("*never*") == sum(
        1 for e in one(log).entries for h in e.hops if h.missing and not h.unknown and not h.not_applicable
    )


def test_cli_needs_request_or_instance(two_controllers: tuple[Path, Path]) -> None:
    r = run("timeline", str(two_controllers[0]))
    assert r.exit_code == 2
    assert r.stdout == ""
    assert "Error: give --request REQ or --instance ID|NAME (or both)" in r.stderr


def test_cli_no_match_exits_1_with_a_message(two_controllers: tuple[Path, Path]) -> None:
    r = run("timeline", *map(str, two_controllers), "--request", "req-nope", "-q")
    assert r.exit_code == 1
    assert r.stdout == ""
    assert r.stderr == (
        "lmtrace: no migration matches --request req-nope: the logs hold 1 live migration; "
        "`lmtrace analyze` with the same files lists them\n"
    )


def test_cli_missing_file_exits_2(tmp_path: Path) -> None:
    r = run("timeline", str(tmp_path / "nope.log"), "--request", "r")
    assert r.exit_code == 2 and r.stdout == ""


def test_cli_formats(two_controllers: tuple[Path, Path]) -> None:
    files = [str(p) for p in two_controllers]
    j = run("timeline", *files, "--request", "req-1", "--format", "json", "-q")
    assert j.exit_code == 0 and j.stderr == ""
    (t,) = json.loads(j.stdout)["timelines"]
    assert t["request_id"] == "req-1" and t["verdict"] == "stale" and t["handler_map"] == "osi-2.x"
    first = t["entries"][0]["hops"][1]
    assert set(first) >= {"hop", "at", "local_time", "path", "line", "delay_seconds", "missing", "inferred"}
    assert first["delay_seconds"] == pytest.approx(0.009, abs=0.001)
    jl = run("timeline", *files, "--instance", "i-1", "--format", "jsonl", "-q")
    assert [json.loads(x)["request_id"] for x in jl.stdout.splitlines()] == ["req-1"]
    c = run("timeline", *files, "--instance", "pdcmtest", "--format", "csv", "-q")
    head, *rows = c.stdout.splitlines()
    assert head.startswith("request_id,instance_id,phase,event_type") and len(rows) == 6 * 4
    rich = run("timeline", *files, "--request", "req-1", "--format", "rich", "-q")
    assert rich.exit_code == 0 and "Timeline: pdcmtest" in rich.stdout and "post.dest.end" in rich.stdout


def test_analyze_timeline_appends_non_ok_timelines(two_controllers: tuple[Path, Path]) -> None:
    files = [str(p) for p in two_controllers]
    r = run("analyze", *files, "--timeline", "-q")
    assert r.exit_code == 0, r.stderr
    assert "Timelines of the 1 migration(s) whose verdict is not ok" in r.stdout
    assert r.stdout.index("Timelines of the") < r.stdout.index("Timeline: pdcmtest")
    j = run("analyze", *files, "--timeline", "--format", "json", "-q")
    doc = json.loads(j.stdout)
    assert [t["request_id"] for t in doc["timelines"]] == ["req-1"] and "migrations" in doc
    ok = run("analyze", *files, "--timeline", "--zenpack", "osi-2.x-pr401", "--format", "markdown", "-q")
    assert "## Timelines of the 0 migration(s) whose verdict is not ok" in ok.stdout
    bad = run("analyze", *files, "--timeline", "--format", "jsonl")
    assert bad.exit_code == 2 and "--timeline cannot be combined with --format jsonl" in bad.stderr


def test_timeline_has_help() -> None:
    r = run("timeline", "--help")
    assert r.exit_code == 0 and "--request" in r.stdout and "--instance" in r.stdout


# --- the shipped samples ------------------------------------------------------------


def test_samples_collector_only() -> None:
    report = analyze([str(SAMPLES / "collector.log")])
    (t,) = timeline_for(report, instance="pdcmtest")
    assert t.inputs[0].utc_offset == "+08:00"
    assert t.entries[0].phase == "pre.start"
    assert all(hop(e, "zenpython").unknown for e in t.entries)


@needs_zenpython_parser
def test_samples_pair() -> None:
    report = analyze([str(SAMPLES / "collector.log"), str(SAMPLES / "zenpython.log")])
    (t,) = timeline_for(report, instance="pdcmtest")
    assert {i.utc_offset for i in t.inputs} == {"+08:00", "+01:00"}
    assert t.verdict is Verdict.STALE
    for e in t.entries:
        col, zen = hop(e, "collector"), hop(e, "zenpython")
        assert not zen.missing and zen.at is not None and col.at is not None
        # zenpython's local time is 7 hours behind the collector's for the same instant
        assert zen.local_time is not None and zen.at - col.at < timedelta(seconds=1)
        assert not e.skew


@needs_zenpython_parser
def test_sample_lost_scenario_shows_the_missing_hop() -> None:
    d = SAMPLES / "scenarios" / "lost"
    manifest = json.loads((d / "manifest.json").read_text())
    report = analyze([str(d / f) for f in manifest["files"]])
    (t,) = timeline_for(report)
    never = [e.phase for e in t.entries if hop(e, "zenpython").missing and not hop(e, "zenpython").unknown]
    assert never and t.verdict is Verdict.LOST


def test_sample_skew_scenario_flags_every_queued_hop() -> None:
    """samples/scenarios/skew: the Zenoss host's clock is 3 s behind (lmtrace.synthetic
    --zenpython-skew -3), so every event is queued "before" Nova generated it."""
    d = SAMPLES / "scenarios" / "skew"
    manifest = json.loads((d / "manifest.json").read_text())
    assert manifest["options"]["zenpython_skew"] == -3.0
    report = analyze([str(d / f) for f in manifest["files"]])
    (t,) = timeline_for(report)
    phases = [e for e in t.entries if e.phase is not None]
    assert phases and all(e.skew for e in phases)
    for e in phases:
        gen, zen = hop(e, "generated"), hop(e, "zenpython")
        # queued between 2.5 and 2.95 s "before" generated: -3 s plus the 50-500 ms hop
        assert timedelta(seconds=2.5) < gen.at - zen.at < timedelta(seconds=2.95)
        assert e.skew_note is not None and "before it was generated" in e.skew_note
    assert any("clock-skew suspect" in n for n in t.notes)
    # the skew does not change the verdict: the firings keep their order
    assert t.verdict is Verdict.STALE


@pytest.mark.parametrize("width", (80, 100, 120, 160))
def test_rich_timeline_fits_every_width(width: int) -> None:
    import io
    import re

    from rich.console import Console

    from lmtrace.analyze import analyze
    from lmtrace.render.terminal import print_timelines
    from lmtrace.timelines import timelines_not_ok

    report = analyze([str(SAMPLES / "collector.log"), str(SAMPLES / "zenpython.log")])
    timelines = timelines_not_ok(report)
    console = Console(file=io.StringIO(), no_color=True, width=width)
    print_timelines(timelines, console)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    lines = out.splitlines()
    assert max(len(x) for x in lines) <= width
    assert "…" not in out
    shown = {v for x in lines for v in re.findall(r"(?:collector|zenpython)\.log:\d+", x)}
    want = {f"{h.path.rsplit('/', 1)[-1]}:{h.line}" for t in timelines for e in t.entries for h in e.hops if h.path}
    assert want <= shown
    stamps = {h.at.strftime("%H:%M:%S") for t in timelines for e in t.entries for h in e.hops if h.at}
    assert all(any(s in x for x in lines) for s in stamps)


@pytest.mark.parametrize("scenario", ("aborted", "failed", "discarded", "rotated"))
def test_analyze_timeline_text_stays_within_118(scenario: str) -> None:
    d = SAMPLES / "scenarios" / scenario
    collector = f"{d}/collector.log*" if scenario == "rotated" else str(d / "collector.log")
    r = CliRunner().invoke(cli, ["analyze", collector, str(d / "zenpython.log"), "--timeline", "--format", "text"])
    assert r.exit_code in (0, 1, 3, 4, 5), r.output
    body = r.stdout.split("Timelines of the", 1)[1]
    assert max(len(x) for x in body.splitlines()) <= 118
    assert "phase / host" in body  # the host went under the phase


def test_timeline_csv_booleans_are_lowercase(two_controllers: tuple[Path, Path]) -> None:
    import csv as csvmod
    import io

    a, b = two_controllers
    r = CliRunner().invoke(cli, ["timeline", str(a), str(b), "--request", "req-1", "--format", "csv"])
    rows = list(csvmod.DictReader(io.StringIO(r.stdout)))
    assert rows
    for row in rows:
        for col in ("context", "host_changed", "skew", "missing", "unknown", "inferred"):
            assert row[col] in ("true", "false"), (col, row[col])


def test_rich_broken_pipe_exits_0_silently() -> None:
    import subprocess
    import sys

    cmd = (
        f"{sys.executable} -m lmtrace analyze {SAMPLES}/collector.log {SAMPLES}/zenpython.log "
        "--format rich -q | head -1 >/dev/null; echo ${PIPESTATUS[0]}"
    )
    p = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, timeout=60)
    assert p.stdout.strip() == "0" and p.stderr == ""


@pytest.mark.parametrize("fmt", ["text", "markdown", "rich"])
def test_an_evacuations_api_node_phase_says_it_is_neither_side(fmt: str) -> None:
    """nova-api's `evacuate` comes from the API node: JSON says side "neither", the tables say so too."""
    d = SAMPLES / "scenarios" / "evacuate-ok"
    instance = json.loads((d / "expected" / "analyze.json").read_text())["migrations"][0]["instance_id"]
    r = CliRunner().invoke(cli, ["timeline", str(d / "collector.log"), str(d / "zenpython.log"),
                                 "--instance", instance, "--format", fmt, "-q"], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    marked = [ln for ln in r.stdout.splitlines() if "API node: neither side" in ln]
    assert len(marked) == 1 and "evacuate" in marked[0] and "ndc27-ctl01" in marked[0]
    assert not any("rebuild" in ln for ln in marked)
    js = CliRunner().invoke(cli, ["timeline", str(d / "collector.log"), str(d / "zenpython.log"),
                                  "--instance", instance, "--format", "json", "-q"])
    sides = {e["phase"]: e["side"] for e in json.loads(js.stdout)["timelines"][0]["entries"]}
    assert sides["evacuate"] == "neither" and sides["rebuild.end"] == "destination"
