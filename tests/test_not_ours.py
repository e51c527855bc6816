"""Inputs that are not ours: files in formats lmtrace does not read get "not a
format lmtrace reads; it looks like X" and exit 2, and a directory stands for
the log files in it.

The files under tests/data/not_ours/ are built from the formats' public
documentation (see its README); the real public ones under ../shared/realdata
are read from there when present."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from lmtrace.cli import cli
from lmtrace.parse.foreign import looks_like

from .conftest import ROOT

DATA = Path(__file__).parent / "data" / "not_ours"
SAMPLES = ROOT / "samples"

CASES = [
    ("amqp_events.jsonl", "the JSON the Zenoss Ceilometer dispatcher publishes over AMQP"),
    ("event_list.txt", "a `ceilometer event-list` table"),
    ("nova_legacy_notification.json", "a Nova notification (legacy"),
    ("nova_versioned_notification.json", "a Nova versioned notification"),
    ("eventdata.json", "Zenoss event data (JSON event dicts with eventClassKey"),
]


def run(*args: str) -> object:
    return CliRunner().invoke(cli, list(args))


@pytest.mark.parametrize("command", ["analyze", "events"])
@pytest.mark.parametrize(("name", "looks"), CASES, ids=[c[0] for c in CASES])
def test_a_file_in_another_format_is_named_and_exits_2(name: str, looks: str, command: str) -> None:
    path = DATA / name
    r = CliRunner().invoke(cli, [command, str(path)])
    assert r.exit_code == 2, r.output
    assert f"Error: {path}: not a format lmtrace reads; it looks like {looks}" in r.stderr
    assert "--kind" not in r.stderr  # no hint that leads to "0 parsed, exit 0"
    assert r.stdout == ""


def _without_source_line(src: Path, dst: Path) -> Path:
    dst.write_text(src.read_text(encoding="utf-8").split("\n", 1)[1], encoding="utf-8")
    return dst


@pytest.mark.parametrize(
    ("name", "looks"),
    [
        ("watcher_tests_legacy_compute.instance.live_migration.post.dest.end.json.txt", "a Nova notification (legacy"),
        ("zenoss_osi_tests_eventdata_2017-08-10.json.txt", "Zenoss event data"),
    ],
)
def test_real_public_files_in_other_formats(name: str, looks: str, realdata: Path, tmp_path: Path) -> None:
    path = _without_source_line(realdata / name, tmp_path / name)
    json.loads(path.read_text(encoding="utf-8"))  # really that JSON
    r = CliRunner().invoke(cli, ["analyze", str(path)])
    assert r.exit_code == 2
    assert f"not a format lmtrace reads; it looks like {looks}" in r.stderr


def test_lmtrace_output_fed_back_is_named(tmp_path: Path) -> None:
    c = str(SAMPLES / "collector.log")
    for command, looks in (("events", "lmtrace's own `events` output"), ("analyze", "lmtrace's own `analyze` report")):
        out = CliRunner().invoke(cli, [command, c, "--format", "json", "-q"]).stdout
        p = tmp_path / f"{command}.json"
        p.write_text(out)
        r = CliRunner().invoke(cli, ["analyze", str(p)])
        assert r.exit_code == 2
        assert f"it looks like {looks}" in r.stderr


def test_prose_that_names_the_logs_is_not_a_log(tmp_path: Path) -> None:
    """A note that mentions ceilometer and record_events is no collector log."""
    p = tmp_path / "notes.md"
    p.write_text("# Incident\n\nThe ceilometer collector logged 3 `record_events called` lines.\n")
    r = CliRunner().invoke(cli, ["analyze", str(p)])
    assert r.exit_code == 2
    assert f"{p}: not a format lmtrace reads: no line of it looks like a collector, zenpython, zenopenstack or publisher log" in r.stderr
    assert "--kind" not in r.stderr  # no line of it is a log: --kind would only read 0 events


@pytest.mark.parametrize(
    "path",
    sorted(
        str(p.relative_to(SAMPLES))
        for p in SAMPLES.glob("**/expected/*")
        if p.suffix in (".txt", ".md", ".csv") and not p.name.endswith(".jsonl")
    ),
)
def test_lmtrace_text_reports_fed_back_are_named(path: str) -> None:
    """Its own text, markdown and CSV reports, zenopenstack ones included
    (they name zen.OpenStack.zenopenstack, but on no Zenoss log line)."""
    r = CliRunner().invoke(cli, ["analyze", str(SAMPLES / path)])
    assert r.exit_code == 2, r.stderr
    assert "not a format lmtrace reads; it looks like lmtrace's own report" in r.stderr
    assert r.stdout == ""


def test_lmtrace_text_events_fed_back_are_named(tmp_path: Path) -> None:
    c = str(SAMPLES / "collector.log")
    for fmt in ("text", "markdown", "csv"):
        p = tmp_path / f"events.{fmt}"
        p.write_text(CliRunner().invoke(cli, ["events", c, "--format", fmt, "-q"]).stdout)
        r = CliRunner().invoke(cli, ["analyze", str(p)])
        assert r.exit_code == 2, (fmt, r.stderr)
        assert "it looks like lmtrace's own `events` output" in r.stderr


@pytest.mark.parametrize(
    ("name", "looks"),
    [
        ("watcher_tests_legacy_compute.instance.live_migration.post.dest.end.json.txt", "a Nova notification (legacy"),
        ("zenoss_osi_tests_eventdata_2017-08-10.json.txt", "Zenoss event data"),
    ],
)
def test_a_leading_comment_line_does_not_hide_the_format(name: str, looks: str, realdata: Path) -> None:
    """The realdata files as they are, `# source: ...` first line and all."""
    r = CliRunner().invoke(cli, ["analyze", str(realdata / name)])
    assert r.exit_code == 2
    assert f"not a format lmtrace reads; it looks like {looks}" in r.stderr
    assert looks_like(b"# a\n\n# b\n" + DATA.joinpath("eventdata.json").read_bytes()) is not None


def test_binary_data_is_named_without_a_kind_hint(tmp_path: Path) -> None:
    p = tmp_path / "blob.log"
    p.write_bytes(bytes(range(256)) * 64)
    r = CliRunner().invoke(cli, ["analyze", str(p)])
    assert r.exit_code == 2
    assert f"Error: {p}: not a log lmtrace reads (binary data)." in r.stderr
    assert "--kind" not in r.stderr and r.stdout == ""


def test_text_with_no_log_line_gets_no_kind_hint(tmp_path: Path) -> None:
    p = tmp_path / "shadow"
    p.write_text("root:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n")
    r = CliRunner().invoke(cli, ["events", str(p)])
    assert r.exit_code == 2
    assert "no line of it looks like a collector, zenpython, zenopenstack or publisher log" in r.stderr
    assert "--kind" not in r.stderr and r.stdout == ""


def test_logs_are_not_taken_for_other_formats() -> None:
    for log in (SAMPLES / "collector.log", SAMPLES / "zenpython.log"):
        assert looks_like(log.read_bytes()[: 1 << 20]) is None
    assert looks_like(b"[2017-01-23 06:22:02] something\n") is None


def test_a_directory_is_the_log_files_in_it(tmp_path: Path) -> None:
    """The rotated set in order (compressed ones too), beside the zenpython
    log; files not named like a log and subdirectories are left out."""
    lines = (SAMPLES / "collector.log").read_text().splitlines(keepends=True)
    half = len(lines) // 2
    d = tmp_path / "logs"
    (d / "old").mkdir(parents=True)
    with gzip.open(d / "ceilometer-collector.log.1.gz", "wt") as f:
        f.writelines(lines[:half])
    (d / "ceilometer-collector.log").write_text("".join(lines[half:]))
    shutil.copy(SAMPLES / "zenpython.log", d / "zenpython.log")
    (d / "notes.txt").write_text("hello\n")
    shutil.copy(SAMPLES / "zenpython.log", d / "old" / "zenpython.log")
    r = CliRunner().invoke(cli, ["analyze", str(d), "--format", "json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert [i["path"] for i in doc["inputs"]] == [
        str(d / "ceilometer-collector.log.1.gz"),
        str(d / "ceilometer-collector.log"),
        str(d / "zenpython.log"),
    ]
    direct = CliRunner().invoke(
        cli, ["analyze", str(SAMPLES / "collector.log"), str(SAMPLES / "zenpython.log"), "--format", "json"]
    )
    assert [m["verdict"] for m in doc["migrations"]] == [
        m["verdict"] for m in json.loads(direct.stdout)["migrations"]
    ]
