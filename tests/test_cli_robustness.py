"""Bad input and hostile conditions at the CLI: nothing lost, no traceback.

Every input line is parsed, skipped or malformed (with file:line and a
reason); invalid UTF-8 never stops a run; Ctrl-C and a closed pipe end it
with a short message and the documented exit status; the progress bar only
ever goes to a terminal's stderr.
"""

from __future__ import annotations

import gzip
import json
import os
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lmtrace.cli.commands as cli_module
from lmtrace.cli import cli
from lmtrace.events import LogKind
from lmtrace.load import load_events

from .conftest import SAMPLES

COLLECTOR_LINE = (
    "2017-01-23 14:22:02.771 25667 INFO ceilometer_zenoss.dispatcher.zenoss [-] record_events called "
    "(events=[<Event: e1, compute.instance.live_migration.post.dest.end, 2017-01-23 06:22:02.761138, "
    "<Trait: display_name 1 {name}> <Trait: host_name 1 ndc27-3222> <Trait: request_id 1 req-1> "
    "<Trait: instance_id 1 i-1>>])\n"
)
ZENPYTHON_LINE = (
    "2017-01-23 17:21:04,289 DEBUG zen.zenpython: Queued event (total of 6) {{u'trait_display_name': "
    "u'{name}', 'eventClassKey': u'openstack|compute.instance.live_migration.post.dest.start', "
    "u'trait_host_name': u'ndc27-3205', 'rcvtime': 1485163264.289413, 'device': 'OpenStack', "
    "'eventKey': u'b5e42f1b'}}\n"
)


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args))


@pytest.mark.parametrize(
    ("template", "kind"), [(COLLECTOR_LINE, "collector"), (ZENPYTHON_LINE, "zenpython")]
)
def test_invalid_utf8_is_replaced_and_the_run_goes_on(tmp_path: Path, template: str, kind: str) -> None:
    good = template.format(name="pdcmtest").encode()
    bad = template.format(name="pdcm@@").encode().replace(b"@@", b"\xff\xfe")
    p = tmp_path / f"{kind}.log"
    p.write_bytes(b"\xc3\x28 garbage that is not UTF-8\n" + bad + good)
    stream = load_events([str(p)])
    (i,) = stream.inputs
    assert (i.lines.total, i.lines.parsed, i.lines.skipped, i.lines.malformed) == (3, 2, 1, 0)
    assert [e.display_name for e in stream.events] == ["pdcm\ufffd\ufffd", "pdcmtest"]


def test_every_line_of_a_messy_file_is_accounted_for(tmp_path: Path) -> None:
    lines = [
        COLLECTOR_LINE.format(name="a"),
        "\n",
        "2017-01-23 14:22:03.000 1 DEBUG ceilometer_zenoss.dispatcher.zenoss [-] Publishing message to "
        "zenoss.openstack.x.event record_events /usr/lib/zenoss.py:467\n",
        COLLECTOR_LINE.format(name="b")[:150] + "\n",  # cut mid-event
        "2017-01-23 14:22:04.000 1 INFO ceilometer_zenoss.dispatcher.zenoss [-] record_events called "
        "(events=[<Event: garbage>])\n",
        "2017-01-23 14:22:05.000 1 INFO ceilometer_zenoss.dispatcher.zenoss [-] record_events called (events=[])\n",
        COLLECTOR_LINE.format(name="c").rstrip("\n"),  # no final newline
    ]
    p = tmp_path / "collector.log"
    p.write_text("".join(lines))
    r = run("events", str(p), "--format", "json")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    (i,) = doc["inputs"]
    by_reason = i["lines"].pop("skipped_by_reason")
    assert i["lines"] == {"total": 7, "parsed": 2, "skipped": 3, "malformed": 2}
    # the blank line, the dispatcher's Publishing line, the empty batch
    assert {k: v for k, v in by_reason.items() if v} == {"blank": 1, "same_logger_no_events": 1, "empty_batch": 1}
    assert [m["line"] for m in i["malformed"]] == [4, 5]
    assert f"{p}:4: malformed: truncated" in r.stderr
    assert f"{p}:5: malformed: " in r.stderr
    assert [e["display_name"] for e in doc["events"]] == ["a", "c"]


@pytest.mark.parametrize("command", ["events", "analyze"])
def test_a_directory_without_logs_and_an_unreadable_glob_exit_2(tmp_path: Path, command: str) -> None:
    (tmp_path / "notes.txt").write_text("not a log\n")
    r = run(command, str(tmp_path))
    assert r.exit_code == 2
    assert f"Error: {tmp_path}: a directory without a log file in it" in r.stderr
    assert "Traceback" not in r.stderr
    r = run(command, str(tmp_path / "nothing*.log"))
    assert r.exit_code == 2
    assert "no file matches this pattern" in r.stderr


def test_ctrl_c_exits_130_with_a_short_message(monkeypatch: pytest.MonkeyPatch) -> None:
    import lmtrace.analyze

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(lmtrace.analyze, "analyze", interrupted)
    r = run("analyze", str(SAMPLES / "collector.log"))
    assert r.exit_code == 130
    assert r.stderr == "lmtrace: interrupted\n"
    assert r.stdout == ""


def test_progress_is_silent_when_piped_and_on_stderr_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    logs = [str(SAMPLES / "collector.log"), str(SAMPLES / "zenpython.log")]
    piped = run("analyze", *logs, "--format", "jsonl")
    calls: list[object] = []

    real_load = cli_module.progress_display

    def spy(*, quiet: bool):  # type: ignore[no-untyped-def]
        calls.append(quiet)
        return real_load(quiet=quiet)

    monkeypatch.setattr(cli_module, "_stderr_isatty", lambda: True)
    monkeypatch.setattr(cli_module, "progress_display", spy)
    tty = run("analyze", *logs, "--format", "jsonl")
    quiet = run("analyze", *logs, "--format", "jsonl", "-q")
    assert calls == [False, True]
    # the report is the same bytes whether or not a bar was drawn on stderr
    assert piped.stdout == tty.stdout == quiet.stdout
    assert "reading" not in piped.stderr and "reading" not in quiet.stderr


def test_the_progress_callback_sees_every_byte(tmp_path: Path) -> None:
    from lmtrace.progress import Progress

    logs = [str(SAMPLES / "collector.log"), str(SAMPLES / "zenpython.log")]
    seen: list[Progress] = []
    load_events(logs, on_progress=seen.append)
    size = sum(Path(p).stat().st_size for p in logs)
    assert seen[-1].stage == "analyzing"
    assert seen[-1].bytes_read == seen[-1].bytes_total == size
    assert seen[-1].files_done == 2 and seen[-1].events > 0
    assert [p.bytes_read for p in seen] == sorted(p.bytes_read for p in seen)


@pytest.mark.parametrize("jobs", ["1", "2", "0"])
def test_jobs_do_not_change_the_report(jobs: str) -> None:
    logs = [str(SAMPLES / "collector.log"), str(SAMPLES / "zenpython.log")]
    base = run("analyze", *logs, "--format", "json", "-q")
    r = run("analyze", *logs, "--format", "json", "-q", "--jobs", jobs)
    assert r.exit_code == 0
    assert r.stdout == base.stdout


# -- inputs read once, per-file options, empty files ---------------------------


def _feed_fifo(path: Path, data: bytes) -> threading.Thread:
    os.mkfifo(path)

    def write() -> None:
        with open(path, "wb") as f:
            f.write(data)

    t = threading.Thread(target=write, daemon=True)
    t.start()
    return t


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_fifos_and_gzip_pipes_are_read_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: str
) -> None:
    # `<(cat collector.log)` once gave an empty report: the kind was sniffed
    # from one open and the events read from a second, finding nothing
    import lmtrace.parallel as parallel

    monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES", 0)  # jobs 2: a pool beside the FIFOs
    logs = [SAMPLES / "collector.log", SAMPLES / "zenpython.log"]
    base = run("analyze", *map(str, logs), "--format", "csv", "-q")
    fifos = [tmp_path / "c.fifo", tmp_path / "z.fifo"]
    writers = [
        _feed_fifo(fifos[0], gzip.compress(logs[0].read_bytes())),
        _feed_fifo(fifos[1], logs[1].read_bytes()),
    ]
    r = run("analyze", *map(str, fifos), "--format", "csv", "--jobs", jobs)
    for w in writers:
        w.join(5)
    assert r.exit_code == 0, r.stderr
    assert r.stdout == base.stdout and r.stdout.count("\n") > 1
    assert "c.fifo: collector log, 57 lines" in r.stderr
    assert "z.fifo: zenpython log, 87 lines" in r.stderr


def test_tz_and_kind_for_one_file_match_its_path_basename_or_a_glob() -> None:
    c, z = str(SAMPLES / "collector.log"), str(SAMPLES / "zenpython.log")
    for file in (c, "collector.log", "*/collector.*", "samples/collector.log"):
        r = run("events", c, z, "--tz", f"{file}=+03:00", "--format", "csv")
        assert r.exit_code == 0, r.stderr
        assert "collector.log: collector log" in r.stderr and "+03:00 (given)" in r.stderr
        assert "+01:00 (inferred" in r.stderr  # zenpython.log: untouched
    r = run("events", c, z, "--kind", "zenpython.log=zenpython", "--kind", "collector.log=collector", "-q")
    assert r.exit_code == 0, r.stderr


@pytest.mark.parametrize("option", ["--tz", "--kind"])
def test_a_file_option_that_matches_no_input_is_a_usage_error(option: str) -> None:
    value = "+03:00" if option == "--tz" else "collector"
    c = str(SAMPLES / "collector.log")
    r = run("events", c, option, f"colector.log={value}")
    assert r.exit_code == 2
    assert "colector.log matches no input" in r.stderr and c in r.stderr
    assert "Traceback" not in r.stderr


def test_kind_for_one_file_leaves_the_others_sniffed(tmp_path: Path) -> None:
    odd = tmp_path / "odd.log"  # a zenpython log whose first MiB tells nothing
    odd.write_text("2017-01-23 06:22:02 hello\n" * 200_000 + ZENPYTHON_LINE.format(name="pdcmtest"))
    c = str(SAMPLES / "collector.log")
    r = run("events", c, str(odd), "-q")
    assert r.exit_code == 2
    assert f"--kind {odd}=zenpython" in r.stderr
    r = run("events", c, str(odd), "--kind", "odd.log=zenpython", "--format", "csv")
    assert r.exit_code == 0, r.stderr
    assert "collector.log: collector log, 57 lines: 50 parsed" in r.stderr
    assert "odd.log: zenpython log, 200001 lines: 1 parsed, 200000 skipped" in r.stderr
    # a bare --kind is still every file's kind (and misreads the collector log)
    r = run("events", c, str(odd), "--kind", "zenpython", "-q")
    assert r.exit_code == 0
    stream = load_events([c, str(odd)], kind={str(odd): LogKind.ZENPYTHON})
    assert [i.kind for i in stream.inputs] == [LogKind.COLLECTOR, LogKind.ZENPYTHON]
    assert sum(i.events for i in stream.inputs) == 51


@pytest.mark.parametrize("content", [b"", b"\n", b"\n \n\t\r\n\n"])
def test_an_empty_or_blank_file_warns_and_exits_0(tmp_path: Path, content: bytes) -> None:
    p = tmp_path / "empty.log"
    p.write_bytes(content)
    r = run("events", str(p), os.devnull, "--format", "csv")
    assert r.exit_code == 0, r.stderr
    assert f"warning: {p}: empty: no events" in r.stderr
    assert f"warning: {os.devnull}: empty: no events" in r.stderr
    assert "cannot tell" not in r.stderr
    (i, _) = load_events([str(p), os.devnull]).inputs
    assert i.kind is LogKind.COLLECTOR and i.empty
    # a kind given for it is kept; the warning stays
    stream = load_events([str(p)], kind=LogKind.ZENPYTHON)
    assert stream.inputs[0].kind is LogKind.ZENPYTHON
    assert stream.warnings == [f"{p}: empty: no events"]


def test_a_tz_that_contradicts_the_other_log_is_warned_about() -> None:
    logs = [str(SAMPLES / "collector.log"), str(SAMPLES / "zenpython.log")]
    # the zenpython log is +01:00: forcing +08:00 moves its times 7 hours back
    r = run("analyze", *logs, "--tz", "zenpython.log=+08:00", "--format", "json", "-q")
    assert r.exit_code == 0
    want = (
        f"{logs[1]}: its queue times lie 7.0 h before {logs[0]}'s log times for the same 50 event(s): "
        "a wrong --tz for one of them? coverage and firing times are off by as much"
    )
    assert f"warning: {want}\n" in r.stderr
    assert want in json.loads(r.stdout)["warnings"]
    assert "queue times lie" not in run("analyze", *logs, "-q", "--format", "jsonl").stderr


def test_a_map_that_acts_on_no_migration_phase_is_warned_about(tmp_path: Path) -> None:
    toml = tmp_path / "typo.toml"
    toml.write_text('"compute.instance.live_migraton.post.dest.end" = "instance_update"\n')
    r = run("analyze", str(SAMPLES / "collector.log"), "--handler-map", str(toml), "-q", "--format", "jsonl")
    assert r.exit_code == 0
    assert (
        "warning: handler map typo.toml sends no live-migration event type to a host-writing handler"
        in r.stderr
    )
    ok = run("analyze", str(SAMPLES / "collector.log"), "-q", "--format", "jsonl")
    assert "sends no live-migration" not in ok.stderr


def test_a_file_named_twice_is_read_once_and_stdin_only_once() -> None:
    log = str(SAMPLES / "collector.log")
    once = run("events", log, "--format", "csv", "-q")
    twice = run("events", log, str(SAMPLES / "collector.l*"), "--format", "csv", "-q")
    assert twice.exit_code == 0
    assert twice.stdout == once.stdout  # not every event twice
    assert f"warning: {log}: given more than once: read once\n" in twice.stderr
    r = CliRunner().invoke(cli, ["events", "-", "-"], input="x\n")
    assert r.exit_code == 2
    assert "Error: - (stdin) can be read only once: give it once" in r.stderr


# fragments of real lines of both logs, glued at random: what a truncated,
# interleaved or corrupted log can look like
_FRAGMENTS = [
    COLLECTOR_LINE.format(name="a"),
    ZENPYTHON_LINE.format(name="b"),
    "2017-01-23 14:22:02.771 25667 INFO ceilometer_zenoss.dispatcher.zenoss [-] record_events called (events=[",
    "<Event: e9, compute.instance.live_migration._post.end, 2017-01-23 06:22:02.776665, ",
    "<Trait: host_name 1 ndc27-3205>",
    "2017-01-23 17:21:04,289 DEBUG zen.zenpython: Queued event (total of 1) {",
    "'eventClassKey': u'openstack|compute.instance.live_migration.post.dest.end', ",
    "'rcvtime': 1485163264.289413, 'eventKey': u'e9'",
    "2017-01-23 17:21:05,000 DEBUG zen.zenpython: Discarded event - queue overflow: {",
    "}",
    "])",
    "\n",
    "    ",
    "\x00\xff",
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.sampled_from(_FRAGMENTS) | st.text(max_size=20), max_size=12),
    st.lists(st.sampled_from(_FRAGMENTS) | st.text(max_size=20), max_size=12),
    st.sampled_from(["analyze", "events"]),
)
def test_no_traceback_on_any_log(tmp_path: Path, a: list[str], b: list[str], command: str) -> None:
    ca, zb = tmp_path / "c.log", tmp_path / "z.log"
    ca.write_bytes("".join(a).encode("utf-8", "surrogateescape"))
    zb.write_bytes("".join(b).encode("utf-8", "surrogateescape"))
    for fmt in ("json", "text"):
        r = run(command, str(ca), str(zb), "--format", fmt, "-q")
        assert r.exit_code in (0, 2), r.output
        assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
        assert "Traceback" not in r.stderr
        if r.exit_code == 2:  # an input error names the file and what to do
            # (--kind only when some line is a log line: else what lmtrace reads)
            assert r.stderr.startswith("Error: ")
            assert "--kind" in r.stderr or "lmtrace reads Ceilometer collector logs" in r.stderr
