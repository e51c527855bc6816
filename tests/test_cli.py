"""The CLI as a user drives it: exit codes, stdout and stderr kept apart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from lmtrace import __version__
from lmtrace.cli import cli

from .conftest import BLOG_COLLECTOR

LINE = (
    "2017-01-23 14:22:02.771 25667 INFO ceilometer_zenoss.dispatcher.zenoss [-] record_events called "
    "(events=[<Event: e1, compute.instance.live_migration.post.dest.end, 2017-01-23 06:22:02.761138, "
    "<Trait: host_name 1 ndc27-3222> <Trait: request_id 1 req-1> <Trait: instance_id 1 i-1>>])\n"
)


def run(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args), input=input)


@pytest.fixture
def log(tmp_path: Path) -> Path:
    p = tmp_path / "collector.log"
    p.write_text(LINE + "2017-01-23 14:22:03.000 1 INFO other [-] noise\n" + LINE.replace("])\n", "\n"))
    return p


def test_events_piped_is_jsonl_with_counts_on_stderr(log: Path) -> None:
    r = run("events", str(log))
    assert r.exit_code == 0
    (rec,) = [json.loads(x) for x in r.stdout.splitlines()]
    assert (rec["host_name"], rec["logged_at"], rec["utc_offset"]) == (
        "ndc27-3222",
        "2017-01-23T06:22:02.771000Z",
        "+08:00",
    )
    assert f"{log}: collector log, 3 lines: 1 parsed, 1 skipped, 1 malformed; skipped: 1 other logger; 1 event; UTC offset +08:00 (inferred from 1 event)" in r.stderr
    assert f"{log}:3: malformed: truncated: the events list does not end with '])'" in r.stderr


def test_strict_exits_1_after_printing_everything(log: Path) -> None:
    r = run("events", str(log), "--strict")
    assert r.exit_code == 1
    assert r.stdout.count("\n") == 1
    assert "lmtrace: 1 malformed line(s) (--strict)" in r.stderr


def test_quiet_keeps_malformed_lines(log: Path) -> None:
    r = run("events", str(log), "-q", "--format", "csv")
    assert r.exit_code == 0
    assert "parsed" not in r.stderr and "malformed: truncated" in r.stderr
    header, row = r.stdout.splitlines()
    assert header.startswith("logged_at,local_time,utc_offset,kind,path,line,status,event_type")
    assert ",ndc27-3222," in row


def test_stdin_and_forced_zone(log: Path) -> None:
    r = run("events", "-", "--tz", "+01:00", input=LINE)
    assert r.exit_code == 0
    assert json.loads(r.stdout)["logged_at"] == "2017-01-23T13:22:02.771000Z"
    assert "UTC offset +01:00 (given)" in r.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["events", "missing.log"], "Error: missing.log: no such file\n"),
        (["events", "-", "--tz", "Mars/Olympus"], "Error: --tz Mars/Olympus: not an offset or a time zone"),
        (["analyze", "-", "--fail-on", "weird"], "Error: --fail-on weird: not a verdict; choose from failed, incomplete, lost, missed, stale, ok"),
        (["analyze", "-", "--zenpack", "osi-9"], "Invalid value for '--zenpack'"),
    ],
)
def test_input_and_usage_errors_exit_2(args: list[str], message: str) -> None:
    r = run(*args, input="")
    assert r.exit_code == 2
    assert message in r.stderr
    assert "Traceback" not in r.stderr + r.stdout


def test_unknown_kind_suggests_kind_option(tmp_path: Path) -> None:
    p = tmp_path / "what.log"  # a log, but of nothing lmtrace knows
    p.write_text("2017-01-23 06:22:02 hello\n2017-01-23 06:22:03 world\n")
    r = run("events", str(p))
    assert r.exit_code == 2
    assert f"{p}: not a format lmtrace reads: no record_events called or Queued event line" in r.stderr
    assert f"say which with --kind {p}=zenpython (or --kind {p}=collector)" in r.stderr
    assert run("events", str(p), "--kind", "collector").exit_code == 0
    assert run("events", str(p), "--kind", f"{p}=collector").exit_code == 0


def test_version() -> None:
    r = run("--version")
    assert r.exit_code == 0 and __version__ in r.stdout


def test_every_command_has_help_with_an_example() -> None:
    for name in cli.commands:  # type: ignore[attr-defined]
        r = run(name, "--help")
        assert r.exit_code == 0, name
        assert "Example:" in r.stdout, name
        readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
        assert f"lmtrace {name}" in readme, f"{name} is not documented in the README"


def test_analyze_real_blog_log_fails_on_stale(realdata: Path) -> None:
    r = run("analyze", str(realdata / BLOG_COLLECTOR), "--format", "json", "--fail-on", "stale")
    assert r.exit_code == 1
    doc = json.loads(r.stdout)
    (m,) = doc["migrations"]
    assert (m["display_name"], m["source_host"], m["destination_host"], m["verdict"]) == (
        "pdcmtest",
        "ndc27-3205",
        "ndc27-3222",
        "stale",
    )
    assert "1 migration(s) with verdict stale (--fail-on)" in r.stderr
    r = run("analyze", str(realdata / BLOG_COLLECTOR), "--format", "json", "--zenpack", "osi-2.x-pr401", "--fail-on", "stale")
    assert r.exit_code == 0
    assert json.loads(r.stdout)["migrations"][0]["verdict"] == "ok"


# --- --since/--until: every bad value is a usage error, one line ----------------------

_NOT_A_TIME = "not a time; write e.g. '2017-01-23 06:00', '2017-01-23T06:00+08:00' or 90m"
_TOO_FAR = "too far back: counted back from the newest event it lies before the year 1"


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--since", "999999999d", _TOO_FAR),  # was OverflowError: date value out of range
        ("--since", "1000000000d", _TOO_FAR),  # was OverflowError: days=1000000000; ...
        ("--since", "100000000000m", _TOO_FAR),
        ("--until", "99999999h", _TOO_FAR),
        ("--since", "2017-01-23 06:00 +99:00", "UTC offset out of range; it must lie between -23:59 and +23:59"),
        ("--until", "2017-01-23 06:00 -24:00", "UTC offset out of range; it must lie between -23:59 and +23:59"),
        ("--since", "2017-01-23 06:05 CET", "unknown zone name CET; write an offset instead (e.g. +01:00)"),
        ("--until", "06:05 EST", "unknown zone name EST; write an offset instead (e.g. +01:00)"),
        ("--since", "0001-01-01 00:00 +01:00", "out of range once converted to UTC"),
        ("--until", "9999-12-31 23:59 -01:00", "out of range once converted to UTC"),
        ("--since", "yesterday", _NOT_A_TIME),
        ("--since", "", _NOT_A_TIME),
        ("--until", "2017-02-30", _NOT_A_TIME),
    ],
)
def test_bad_since_until_is_a_one_line_usage_error(log: Path, option: str, value: str, message: str) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # dateutil's UnknownTimezoneWarning must not leak either
        r = run("analyze", "-q", str(log), option, value)
    assert r.exit_code == 2, r.output
    assert r.stderr == f"Error: {option} {value}: {message}\n"
    assert r.stdout == ""


@pytest.mark.parametrize(
    ("value", "since"),
    [
        # the parts left out come from the newest event (logged 2017-01-23 06:22:02.771 UTC), never today
        ("06:05", "2017-01-23T06:05:00.000000Z"),
        ("06:05 +08:00", "2017-01-22T22:05:00.000000Z"),
        ("2017", "2017-01-23T00:00:00.000000Z"),
        ("2017-01-22", "2017-01-22T00:00:00.000000Z"),
        ("2017-01-23 06:05 UTC", "2017-01-23T06:05:00.000000Z"),
        ("2017-01-23T14:05+08:00", "2017-01-23T06:05:00.000000Z"),
        ("10m", "2017-01-23T06:12:02.771000Z"),
    ],
)
def test_since_fills_missing_parts_from_the_newest_event(log: Path, value: str, since: str) -> None:
    r = run("analyze", "-q", str(log), "--since", value, "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["filters"]["since"] == since
    assert doc["summary"]["migrations"] == doc["summary"]["migrations_in_logs"] == 1


def test_since_without_a_date_and_no_event_is_a_usage_error(tmp_path: Path) -> None:
    p = tmp_path / "quiet.log"
    p.write_text("2017-01-23 14:22:30.000 25667 INFO ceilometer.other [-] nothing here\n")
    r = run("analyze", "-q", str(p), "--since", "06:05")
    assert r.exit_code == 2
    assert r.stderr == (
        "Error: --since 06:05: a time without a full date, but the inputs hold no event to take the date from\n"
    )
    assert run("analyze", "-q", str(p), "--since", "2017-01-23 06:05").exit_code == 0


def test_text_report_names_the_filters(log: Path) -> None:
    r = run("analyze", "-q", str(log), "--verdict", "ok", "--since", "10m")
    assert r.exit_code == 0
    assert r.stdout.splitlines()[0] == (
        "lmtrace analyze: 0 of 1 live migration (filters: --since 10m (2017-01-23 06:12:02.771 UTC), --verdict ok)"
    )
    assert "None of the 1 live migration in the inputs matched the filters." in r.stdout


def test_filter_help_says_what_matches() -> None:
    import re

    r = run("analyze", "--help")
    text = re.sub(r"\s+", " ", r.stdout)
    assert "their span overlaps the range" in text
    assert "Only migrations after this time" not in text
    assert "Only migrations of this zenpython device" in text and "Only events of" not in text
