"""`lmtrace watch` on the command line: stdin to its end, --alert, --exec,
--format text, and SIGINT (judge what is open, exit 0)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
COLLECTOR = SAMPLES / "collector.log"


def _lmtrace(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "lmtrace", *args], input=stdin, capture_output=True, timeout=120)


def _analyze_jsonl(*paths: str) -> list[dict[str, object]]:
    r = _lmtrace("analyze", "-q", "--format", "jsonl", *paths)
    return [json.loads(x) for x in r.stdout.splitlines()]


def _as_stdin(records: list[dict[str, object]]) -> list[dict[str, object]]:
    """analyze's records with the collector's path as watch names stdin."""
    text = json.dumps(records).replace(json.dumps(str(COLLECTOR))[1:-1], "-")
    return json.loads(text)  # type: ignore[no-any-return]


def test_stdin_is_read_to_its_end_then_every_operation_is_judged() -> None:
    r = _lmtrace("watch", "-", "--format", "jsonl", stdin=COLLECTOR.read_bytes())
    assert r.returncode == 0, r.stderr.decode()
    got = [json.loads(x) for x in r.stdout.splitlines()]
    assert got == _as_stdin(_analyze_jsonl(str(COLLECTOR)))


def test_alert_filters_and_exec_gets_each_object_on_stdin(tmp_path: Path) -> None:
    sink = tmp_path / "alerts.jsonl"
    r = _lmtrace(
        "watch", "-", "--format", "text", "--alert", "stale", "--exec", f"cat >> {sink}",
        stdin=COLLECTOR.read_bytes(),
    )  # fmt: skip
    assert r.returncode == 0, r.stderr.decode()
    stale = [m for m in _as_stdin(_analyze_jsonl(str(COLLECTOR))) if m["verdict"] == "stale"]
    lines = r.stdout.decode().splitlines()
    assert len(lines) == len(stale) == 4
    assert all(x.startswith("STALE req-") and " -> " in x for x in lines)
    assert [json.loads(x) for x in sink.read_text().splitlines()] == stale


def test_exec_output_goes_to_stderr_not_into_the_json_lines() -> None:
    r = _lmtrace("watch", "-", "--format", "jsonl", "--exec", "echo from-exec", stdin=COLLECTOR.read_bytes())
    assert r.returncode == 0
    assert r.stderr.decode().count("from-exec") == 5
    assert [json.loads(x) for x in r.stdout.splitlines()]  # every line is JSON


def test_a_bad_alert_verdict_is_a_usage_error() -> None:
    r = _lmtrace("watch", "-", "--alert", "stael", stdin=b"")
    assert r.returncode == 2
    assert b"--alert stael: not a verdict" in r.stderr


def test_sigint_judges_what_is_open_and_exits_0(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "lmtrace", "watch", "--from-start", "--poll", "0.05", "--format", "jsonl",
         str(COLLECTOR), str(SAMPLES / "zenpython.log")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    time.sleep(1.5)  # started and read the files (they are small)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err.decode()
    assert b"Traceback" not in err
    got = [json.loads(x) for x in out.splitlines()]
    want = _analyze_jsonl(str(COLLECTOR), str(SAMPLES / "zenpython.log"))
    assert sorted(got, key=_key) == sorted(want, key=_key)  # watch prints in the order they settle


def _key(m: dict[str, object]) -> tuple[str, str]:
    return (str(m["start"]), str(m["request_id"]))


def test_two_fifos_written_one_after_the_other_are_read_to_their_ends(tmp_path: Path) -> None:
    import os
    import threading

    fifos = [tmp_path / "collector.fifo", tmp_path / "zenpython.fifo"]
    for f in fifos:
        os.mkfifo(f)
    proc = subprocess.Popen(
        [sys.executable, "-m", "lmtrace", "watch", "--poll", "0.05", "--format", "jsonl", *map(str, fifos)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip

    def writer() -> None:  # the whole collector log (far more than a pipe holds), then zenpython's
        for f, src in zip(fifos, (COLLECTOR, SAMPLES / "zenpython.log")):
            with f.open("wb") as w:
                data = src.read_bytes()
                w.write(data * (1 + (200_000 // len(data))))

    t = threading.Thread(target=writer)
    t.start()
    out, err = proc.communicate(timeout=120)
    t.join()
    assert proc.returncode == 0, err.decode()
    assert len(out.splitlines()) >= 5


def test_rich_prints_each_settled_operation_with_its_verdict() -> None:
    r = _lmtrace("watch", "-", "--format", "rich", stdin=COLLECTOR.read_bytes())
    assert r.returncode == 0, r.stderr.decode()
    text = r.stdout.decode()
    assert text.count("STALE") == 4 and text.count("OK ") == 1
    assert "Traceback" not in r.stderr.decode()


def test_a_second_ctrl_c_while_stopping_exits_130() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "lmtrace", "watch", "-", "--format", "jsonl", "--exec", "sleep 3"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdin is not None
    proc.stdin.write(COLLECTOR.read_bytes())  # stdin left open: watch waits for more
    proc.stdin.flush()
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)  # stop: judge what is open, run --exec for each (slow)
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)  # the second: at once
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err.decode()
    assert b"Traceback" not in err and b"interrupted" in err
