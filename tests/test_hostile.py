"""Hostile inputs and outputs (tests/data/hostile): every one ends as a
parsed or malformed line, valid output, or a one-line error with its exit
status; never a traceback.

- values JSON cannot hold, lone surrogates, huge numbers, dates out of
  range and non-event shapes in the logs;
- stdout that cannot take the output: a non-UTF-8 encoding, a full device,
  a closed descriptor (subprocesses, as the shell runs lmtrace);
- an error lmtrace did not expect: exit status 3 and one line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import lmtrace.cli.commands as commands
from lmtrace.cli import cli

from .conftest import SAMPLES

HOSTILE = Path(__file__).parent / "data" / "hostile"
FORMATS = ["json", "jsonl", "csv", "text", "markdown", "rich"]


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def strict_json(text: str) -> Any:
    """json.loads that refuses what is not JSON (NaN, Infinity)."""

    def refuse(name: str) -> None:
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


def check_output(fmt: str, stdout: str) -> list[Any]:
    """The output parses as its format says; the JSON documents it holds."""
    if fmt == "json":
        return [strict_json(stdout)]
    if fmt == "jsonl":
        return [strict_json(line) for line in stdout.splitlines()]
    return []


@pytest.mark.parametrize("command", ["events", "analyze"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_lone_surrogates_are_escaped_in_every_format(command: str, fmt: str) -> None:
    r = run(command, str(HOSTILE / "zenpython_lone_surrogates.log"), "--format", fmt, "-q")
    assert r.exit_code == 0, r.output
    assert "\\ud800" in r.stdout or command == "analyze"  # analyze shows no display name per event
    assert "\\udfff" in r.stdout  # the host name: in every report
    r.stdout_bytes.decode("utf-8")  # strict: no raw surrogate bytes
    docs = check_output(fmt, r.stdout)
    if docs:  # as JSON escapes: the same lone surrogates come back
        assert "ndc27-\udfff" in json.dumps(docs, ensure_ascii=False)


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_values_json_cannot_hold_become_strings(fmt: str) -> None:
    r = run("events", str(HOSTILE / "zenpython_not_json.log"), "--format", fmt, "-q")
    assert r.exit_code == 0, r.output
    (doc,) = check_output(fmt, r.stdout)
    event = doc["events"][0] if fmt == "json" else doc
    traits = {t["name"]: t["value"] for t in event["traits"]}
    assert traits["big"] == "inf" and traits["small"] == "-inf"
    assert traits["raw"] == "ab\\xff"
    assert traits["ports"] == [{"(1, 2)": 3, "None": 4, "k": 5, "1.5": 6}]
    assert traits["long"] == int("7" * 4300)


@pytest.mark.parametrize(
    ("name", "reasons"),
    [
        ("zenpython_huge_rcvtime.log", {1: "unreadable event dict: number too long (4301 characters) at char 108"}),
        (
            "collector_bad_shapes.log",
            {
                1: "event 1: traits are not a list: 5",
                2: "unreadable event dict: unexpected 'datetime.datetime' at char 100",
                3: "event 1: trait 'host_name' has a bad dtype inf",
                4: "events list holds neither <Event: …> nor {…}",
                5: "event 1: bad generated time '99999999999-01-01 00:00:00'",
            },
        ),
    ],
)
@pytest.mark.parametrize("command", ["events", "analyze"])
def test_huge_numbers_dates_out_of_range_and_odd_shapes_are_malformed(
    name: str, reasons: dict[int, str], command: str
) -> None:
    r = run(command, str(HOSTILE / name), "--format", "json", "-q")
    assert r.exit_code == 0, r.output
    (inp,) = strict_json(r.stdout)["inputs"]
    assert {m["line"]: m["reason"] for m in inp["malformed"]} == reasons
    assert inp["lines"]["malformed"] == inp["lines"]["total"] == len(reasons)


@pytest.mark.parametrize("name", ["zenpython_nul_bom.log", "collector_nul_bom.log"])
def test_nuls_and_a_bom_before_the_timestamp_lose_nothing(name: str) -> None:
    r = run("events", str(HOSTILE / name), "--format", "json", "-q")
    assert r.exit_code == 0, r.output
    doc = strict_json(r.stdout)
    (inp,) = doc["inputs"]
    assert inp["lines"].pop("skipped_by_reason") == dict.fromkeys(
        ("empty_batch", "non_openstack_queued", "non_openstack_dropped", "same_logger_no_events", "other_logger", "blank"), 0
    )
    assert inp["lines"] == {"total": 2, "parsed": 2, "skipped": 0, "malformed": 0}
    assert [e["event_id"] for e in doc["events"]] == ["e1", "e2"]
    assert all(e["local_time"] is not None for e in doc["events"])
    assert inp["offset_source"] == "inferred"


# -- stdout as the shell gives it ---------------------------------------------


def lmtrace(*args: str, env: dict[str, str] | None = None, **kw: Any) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "lmtrace", *args],
        capture_output="stdout" not in kw,
        env={**os.environ, **(env or {})},
        timeout=60,
        **kw,
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_ascii_stdout_gets_escapes_not_an_error(fmt: str) -> None:
    p = lmtrace(
        "events", str(HOSTILE / "zenpython_non_ascii.log"), str(HOSTILE / "zenpython_lone_surrogates.log"),
        "--format", fmt, "-q", env={"PYTHONIOENCODING": "ascii"},
    )  # fmt: skip
    assert p.returncode == 0, p.stderr
    out = p.stdout.decode("ascii")  # strict: ASCII only
    docs = check_output(fmt, out)
    if docs:
        assert "caf\xe9 \u2192 \U0001f600" in json.dumps(docs, ensure_ascii=False)
    if fmt in ("text", "csv", "markdown", "rich"):
        assert "caf\\xe9" in out


def test_an_ascii_stdout_gets_ascii_arrows_in_a_human_report() -> None:
    p = lmtrace(
        "analyze", str(SAMPLES / "collector.log"), str(SAMPLES / "zenpython.log"), "--format", "markdown", "-q",
        "--details", env={"PYTHONIOENCODING": "ascii"},
    )  # fmt: skip
    assert p.returncode == 0, p.stderr
    out = p.stdout.decode("ascii")
    assert "`ndc27-3205` -> `ndc27-3222` - completed" in out
    assert "\\u2192" not in out


@pytest.mark.parametrize("command", ["events", "analyze"])
def test_a_full_device_is_a_one_line_error(command: str) -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    with open("/dev/full", "wb") as full:
        p = lmtrace(command, str(SAMPLES / "collector.log"), "--format", "json", "-q", stdout=full, stderr=subprocess.PIPE)
    assert p.returncode == 2
    assert p.stderr.decode() == "Error: cannot write the output to stdout: No space left on device\n"


@pytest.mark.parametrize("command", ["events", "analyze"])
def test_a_closed_stdout_is_a_one_line_error(command: str) -> None:
    p = subprocess.run(
        f'"{sys.executable}" -m lmtrace {command} "{SAMPLES / "collector.log"}" -q >&-',
        shell=True, capture_output=True, timeout=60,
    )  # fmt: skip
    assert p.returncode == 2
    assert p.stderr.decode() == "Error: stdout is closed: nothing can be written (redirect it to a file or /dev/null)\n"


# -- errors lmtrace did not expect --------------------------------------------


def _explode(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("boom\nsecond line")


def test_an_internal_error_is_one_line_and_exit_3(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(commands, "stream_events", _explode)
    r = run("events", str(SAMPLES / "collector.log"), "-q")
    assert r.exit_code == 3
    assert r.stderr == (
        f"lmtrace: internal error while reading {SAMPLES / 'collector.log'}: RuntimeError: boom second line. "
        "This is a bug in lmtrace: please report it with the command line and, if you can, the input "
        "(rerun with --debug for the traceback)\n"
    )
    r = run("events", str(SAMPLES / "collector.log"), "-q", "--debug")
    assert isinstance(r.exception, RuntimeError)  # raised: the traceback is shown


def test_an_internal_error_in_a_subprocess_prints_no_traceback(tmp_path: Path) -> None:
    # a sitecustomize that breaks the parser: the error boundary, as a user meets it
    (tmp_path / "sitecustomize.py").write_text(
        "import lmtrace.parse.collector as c\n"
        "def boom(*a, **k):\n    raise ZeroDivisionError('division by zero')\n"
        "c.CollectorScanner.feed_rows = boom\n"
    )
    env = {"PYTHONPATH": f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    p = lmtrace("analyze", str(SAMPLES / "collector.log"), "-q", "-j", "1", env=env)
    assert p.returncode == 3
    err = p.stderr.decode()
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "internal error while reading" in err and "ZeroDivisionError: division by zero" in err
    p = lmtrace("analyze", str(SAMPLES / "collector.log"), "-q", "-j", "1", "--debug", env=env)
    assert p.returncode == 1 and "Traceback" in p.stderr.decode()


@pytest.mark.parametrize("command", ["analyze", "timeline"])
def test_a_handler_map_on_dev_zero_is_refused_at_once(command: str) -> None:
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero here")
    r = run(command, str(SAMPLES / "collector.log"), "--handler-map", "/dev/zero", "-q",
            *(["--request", "r"] if command == "timeline" else []))
    assert r.exit_code == 2
    assert r.stderr == (
        "Error: /dev/zero: not a regular file (a pipe, device or socket); save the handler map to a file "
        "and give its path\n"
    )
