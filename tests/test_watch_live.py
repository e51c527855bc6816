"""`lmtrace watch` as a subprocess on logs written line by line, with both
rotation styles, a line cut mid-write and a pause longer than every window:
what it printed equals `lmtrace analyze --format jsonl` of the finished
files (all rotated pieces), operation for operation."""

from __future__ import annotations

import gzip
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from lmtrace.synthetic.build import generate
from lmtrace.synthetic.spec import DEFAULT_WEIGHTS, Options

_STAMP = re.compile(rb"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)[.,](\d{3})")


def _records(path: Path) -> list[tuple[bytes, bytes]]:
    """A log's records (a line with a timestamp and the lines under it:
    a pretty-printed dict), each with its local time."""
    out: list[tuple[bytes, bytes]] = []
    for line in path.read_bytes().splitlines(keepends=True):
        m = _STAMP.match(line)
        if m or not out:
            out.append(((m[1] + m[2]) if m else b"", line))
        else:
            out[-1] = (out[-1][0], out[-1][1] + line)
    return out


def _set(tmp: Path, name: str, start: str, seed: int) -> dict[str, list[tuple[bytes, bytes]]]:
    out = tmp / name
    generate(
        Options(
            migrations=14, concurrency=3, seed=seed, collector_tz=480, zenpython_tz=480,
            noise_ratio=0.2, pretty_ratio=0.3, batch=2, size_mb=None, dict_form_ratio=0.2,
            lowercase_ratio=0.0, scenarios=dict(DEFAULT_WEIGHTS), out=str(out), start=start,
            zenpython_skew=0.0,
        )
    )  # fmt: skip
    return {n: _records(out / n) for n in ("collector.log", "zenpython.log")}


def _merged(*sets: dict[str, list[tuple[bytes, bytes]]]) -> list[tuple[str, bytes]]:
    """Every record of every set, in log time order (both logs at +08:00),
    each with the log it goes to."""
    rows = [(t, name, i, rec) for s in sets for name, recs in s.items() for i, (t, rec) in enumerate(recs)]
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    return [(name, rec) for _, name, _, rec in rows]


def _shift(live: Path) -> None:
    """logrotate's numbering: NAME.N(.gz) -> NAME.N+1(.gz), oldest first;
    then NAME.2 is compressed (delaycompress: NAME.1 stays plain)."""
    pieces = sorted(
        ((int(m[1]), p) for p in live.parent.iterdir() if (m := re.fullmatch(re.escape(live.name) + r"\.(\d+)(\.gz)?", p.name))),
        reverse=True,
    )
    for n, p in pieces:
        os.rename(p, p.with_name(p.name.replace(f".{n}", f".{n + 1}", 1)))
    two = live.with_name(live.name + ".2")
    if two.exists():
        with two.open("rb") as src, gzip.open(live.with_name(live.name + ".2.gz"), "wb") as dst:
            shutil.copyfileobj(src, dst)
        two.unlink()


def _rename(live: Path) -> None:
    """logrotate's default: the live file becomes NAME.1, the writer reopens NAME."""
    _shift(live)
    os.rename(live, live.with_name(live.name + ".1"))


def _copytruncate(live: Path) -> None:
    """logrotate's copytruncate: NAME is copied to NAME.1, then truncated in place."""
    _shift(live)
    shutil.copyfile(live, live.with_name(live.name + ".1"))
    with live.open("r+b") as f:
        f.truncate(0)


_PIECE = re.compile(r"((?:collector|zenpython)\.log)(?:\.\d+)?(?:\.gz)?\b")


def _normal(m: Any) -> Any:
    """The record with every rotated piece's name (`collector.log.3.gz`) as
    the live file's (`collector.log`): watch names the file it follows,
    analyze the piece the line now lives in (also in a reason's text)."""
    if isinstance(m, dict):
        return {k: _normal(x) for k, x in m.items()}
    if isinstance(m, list):
        return [_normal(x) for x in m]
    if isinstance(m, str):
        return _PIECE.sub(r"\1", m)
    return m


def _key(m: dict[str, Any]) -> tuple[str, str, str]:
    return (m["start"], m["request_id"] or "", m["instance_id"] or "")


def test_watch_equals_analyze_through_rotations_and_a_pause(tmp_path: Path) -> None:
    first = _set(tmp_path, "a", "2017-01-23T05:00:00", 1)
    second = _set(tmp_path, "b", "2017-01-23T09:00:00", 2)  # 4 h later: past every window
    live = tmp_path / "live"
    live.mkdir()
    col, zen = live / "collector.log", live / "zenpython.log"
    col.write_bytes(b"")  # zenpython.log does not exist yet: waited for
    proc = subprocess.Popen(
        [sys.executable, "-m", "lmtrace", "watch", "--from-start", "--poll", "0.02", "--format", "jsonl",
         str(col), str(zen)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        _wait_open(proc.pid, col)  # lines written before watch runs would be missed, as by tail -F
        writers = {"collector.log": col.open("ab"), "zenpython.log": zen.open("ab")}
        recs_a = _merged(first)
        recs_b = _merged(second)
        rotations = {
            len(recs_a) // 3: [("collector.log", _rename), ("zenpython.log", _copytruncate)],
            2 * len(recs_a) // 3: [("collector.log", _copytruncate), ("zenpython.log", _rename)],
        }

        def write(recs: list[tuple[str, bytes]], rotate: dict[int, Any]) -> None:
            for n, (name, rec) in enumerate(recs):
                for target, how in rotate.get(n, ()):
                    time.sleep(0.05)  # let watch read up to here sometimes, not always
                    writers[target].close()
                    how(live / target)
                    writers[target] = (live / target).open("ab")
                w = writers[name]
                if n % 37 == 5:  # a line cut mid-write: watch reads the half, then the rest
                    w.write(rec[: len(rec) // 2])
                    w.flush()
                    time.sleep(0.05)
                    w.write(rec[len(rec) // 2 :])
                else:
                    w.write(rec)
                w.flush()
                if n % 50 == 0:
                    time.sleep(0.01)

        write(recs_a, rotations)
        time.sleep(0.3)  # the pause: wall time, and 4 h of log time before the next line
        write(recs_b[:2], {})
        # the first set settles on the logs' own clock, before the rest is written
        early = _wait_lines(proc, 14, timeout=20)
        write(recs_b[2:], {len(recs_b) // 2 - 2: [("collector.log", _rename), ("zenpython.log", _rename)]})
        for w in writers.values():
            w.close()
        time.sleep(0.3)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err.decode()
    assert b"Traceback" not in err
    got = [json.loads(x) for x in (early + out).splitlines()]
    ran = subprocess.run(
        [sys.executable, "-m", "lmtrace", "analyze", "--format", "jsonl", "-q",
         *sorted(str(p) for p in live.iterdir() if p.name.startswith("collector")),
         *sorted(str(p) for p in live.iterdir() if p.name.startswith("zenpython"))],
        capture_output=True, check=True,
    )  # fmt: skip
    want = [json.loads(x) for x in ran.stdout.splitlines()]
    assert len(want) == 28
    assert sorted(m["start"] < "2017-01-23T09" for m in got[:14]) == [True] * 14  # the first set, early
    got_n = sorted((_normal(m) for m in got), key=_key)
    want_n = sorted((_normal(m) for m in want), key=_key)
    assert [_key(m) for m in got_n] == [_key(m) for m in want_n]
    for g, w in zip(got_n, want_n):
        assert {k: v for k, v in g.items() if v != w[k]} == {k: v for k, v in w.items() if v != g[k]}, _key(w)
    # the rotated pieces were all there: the compressed one included
    assert {p.name for p in live.iterdir()} == {
        f"{name}{suffix}" for name in ("collector.log", "zenpython.log") for suffix in ("", ".1", ".2.gz", ".3.gz")
    }


def _wait_open(pid: int, path: Path, timeout: float = 20) -> None:
    """Wait until process `pid` has `path` open (Linux: /proc/PID/fd)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            if any(os.readlink(f"/proc/{pid}/fd/{fd}") == str(path) for fd in os.listdir(f"/proc/{pid}/fd")):
                return
        except OSError:
            pass
        time.sleep(0.02)
    raise AssertionError(f"watch did not open {path} in {timeout} s")


def _wait_lines(proc: subprocess.Popen[bytes], n: int, *, timeout: float) -> bytes:
    """The watch's stdout up to its `n`th line at least (it flushes each at once)."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    got = b""
    end = time.monotonic() + timeout
    while got.count(b"\n") < n and (left := end - time.monotonic()) > 0:
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            break
        block = os.read(fd, 1 << 16)
        if not block:
            break
        got += block
    lines = got.count(b"\n")
    assert lines >= n, f"watch printed {lines} line(s) in {timeout} s, not {n}"
    return got
