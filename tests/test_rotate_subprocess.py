"""Rotation and truncation while a real `lmtrace events` process reads its input.

test_damaged_inputs.py does these races in-process (a monkeypatch between opening and
scanning). Here `lmtrace events --jobs 1` runs as a subprocess on a file large enough to take
a while; the test watches /proc/<pid>/fd until the input is open and /proc/<pid>/io (bytes read) until
at least a chunk (lmtrace.read's 8 MiB) has been read and no read came for 0.1 s (lmtrace is
parsing what it read), then rotates or truncates the file. A run in
which lmtrace got to the end before the change (the race missed) is retried on a file twice
as large, never counted as a pass or a failure.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import SAMPLES

STALE = SAMPLES / "scenarios" / "stale"
CHUNK = 8 << 20
pytestmark = pytest.mark.skipif(not Path("/proc/self/io").exists(), reason="needs Linux /proc/<pid>/io")


def _cmd(path: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "lmtrace", "events", str(path), "--format", "jsonl", "--jobs", "1", "-q", *extra]


def _write(path: Path, copies: int) -> None:
    path.write_bytes((STALE / "collector.log").read_bytes() * copies)


def _rchar(pid: int) -> int:
    for line in Path(f"/proc/{pid}/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    raise AssertionError("no rchar")


def _opened(pid: int, path: Path) -> bool:
    fds = Path(f"/proc/{pid}/fd")
    for fd in os.listdir(fds):
        try:
            if os.readlink(fds / fd) == str(path):
                return True
        except OSError:  # closed meanwhile
            continue
    return False


def _race(path: Path, act: Callable[[Path], None], *extra: str) -> tuple[int, str, str] | None:
    """Run lmtrace on `path` and `act` on it once the first chunk is read; None if lmtrace
    read the whole file before `act` could run (the race was missed)."""
    out, err = path.parent / "out.jsonl", path.parent / "err.txt"
    with open(out, "wb") as o, open(err, "wb") as e:
        p = subprocess.Popen(_cmd(path, *extra), stdout=o, stderr=e)
        try:
            deadline = time.monotonic() + 30
            base = last = None
            since = time.monotonic()
            while p.poll() is None and time.monotonic() < deadline:
                try:
                    if base is None:
                        if _opened(p.pid, path):
                            base = _rchar(p.pid)
                        continue
                    now = _rchar(p.pid)
                except OSError:  # the process ended meanwhile
                    break
                if now != last:
                    last, since = now, time.monotonic()
                elif now - base >= CHUNK and time.monotonic() - since > 0.1:
                    break  # a chunk read, and no read for 0.1 s: lmtrace is parsing it
                time.sleep(0.001)
            size = path.stat().st_size
            missed = p.poll() is not None or base is None or _rchar(p.pid) - base >= size
            if not missed:
                act(path)
            status = p.wait(timeout=60)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
    if missed:
        return None
    return status, out.read_text(), err.read_text()


def _until_caught(tmp_path: Path, act: Callable[[Path], None], caught: str, *extra: str) -> tuple[Path, str, str, str, int]:
    copies = 2400  # ~26 MB: three chunks and some
    for _ in range(4):
        path = tmp_path / "collector.log"
        _write(path, copies)
        for old in tmp_path.glob("collector.log.*"):
            old.unlink()
        expected = subprocess.run(_cmd(path), capture_output=True, text=True, check=True).stdout
        got = _race(path, act, *extra)
        if got is not None and caught in got[2]:
            status, out, err = got
            return path, expected, out, err, status
        copies *= 2
    pytest.fail("lmtrace read the whole file before it could be changed, four times")


OTHER = (STALE / "collector.log").read_bytes().replace(b"req-", b"req-other-")


def _rotate(path: Path) -> None:
    os.rename(path, str(path) + ".1")
    path.write_bytes(OTHER * 3)


def _truncate(path: Path) -> None:
    os.truncate(path, 0)
    with open(path, "ab") as f:
        f.write(OTHER)


def test_a_file_rotated_while_a_real_lmtrace_reads_it_is_read_as_it_was_opened(tmp_path: Path) -> None:
    path, expected, out, err, status = _until_caught(tmp_path, _rotate, "renamed or replaced while it was read")
    assert status == 0, err
    assert out == expected  # every event, in order, from the file that was opened
    assert "req-other-" not in out
    assert f"warning: {path}: renamed or replaced while it was read" in err
    assert (tmp_path / "collector.log.1").stat().st_size > CHUNK


def test_a_file_truncated_while_a_real_lmtrace_reads_it_reports_what_was_read(tmp_path: Path) -> None:
    path, expected, out, err, status = _until_caught(
        tmp_path, _truncate, "truncated while it was read", "--strict"
    )
    assert status == 2, err
    assert f"warning: {path}: truncated while it was read" in err
    assert f"{path}: read only in part" in err
    whole = expected.splitlines()
    got = out.splitlines()
    # what was read before the cut, none of what came after it
    assert 0 < len(got) < len(whole)
    assert set(got) <= set(whole)
    assert "req-other-" not in out
