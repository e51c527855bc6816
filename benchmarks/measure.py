"""Measuring one command as a whole process: wall time, CPU, peak RSS, the tree's processes.

Part of benchmarks/run.py (see its docstring and benchmarks/README.md).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

TIME = "/usr/bin/time"


# -- measuring one command ---------------------------------------------------------------------


@dataclass
class Run:
    wall: float
    rc: int
    peak_kb: int | None  # max RSS of any one process of the tree (kernel's wait4 figure)
    cpu: float | None  # user + system seconds of the tree (reaped workers included)
    parent_kb: int | None  # sampled VmHWM of the command's own process
    worker_kb: int | None  # sampled VmHWM of its largest child
    workers: int
    tree_kb: int | None  # sampled peak of the sum of VmRSS over the tree (shared pages counted
    # once per process: an upper bound)
    stdout: str
    stderr: str


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out += [int(x) for x in f.read().split()]
        except OSError:
            pass
    return out


def _status_kb(pid: int) -> tuple[int, int] | None:
    """(VmHWM, VmRSS) in kB, None when gone or a zombie."""
    try:
        with open(f"/proc/{pid}/status") as f:
            text = f.read()
    except OSError:
        return None
    hwm = re.search(r"^VmHWM:\s+(\d+)", text, re.MULTILINE)
    rss = re.search(r"^VmRSS:\s+(\d+)", text, re.MULTILINE)
    if hwm is None or rss is None:
        return None
    return int(hwm.group(1)), int(rss.group(1))


class _TreeSampler(threading.Thread):
    """Polls /proc for the process tree under `root`: each process's VmHWM (its own peak RSS,
    as of the last poll before it exited) and the peak of the tree's summed VmRSS."""

    def __init__(self, root: int, skip_root: bool, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.skip_root = skip_root  # the root only runs the command (/usr/bin/time)
        self.interval = interval
        self.stop = threading.Event()
        self.hwm: dict[int, int] = {}
        self.depth: dict[int, int] = {}
        self.tree_kb = 0
        self.ok = os.path.exists(f"/proc/{os.getpid()}/task/{os.getpid()}/children")

    def run(self) -> None:
        if not self.ok:
            return
        while True:
            self._poll()
            if self.stop.wait(self.interval):
                return

    def _poll(self) -> None:
        todo = [(self.root, 0)]
        total = 0
        while todo:
            pid, d = todo.pop()
            st = _status_kb(pid)
            if st is not None and not (self.skip_root and d == 0):
                self.hwm[pid] = max(self.hwm.get(pid, 0), st[0])
                self.depth.setdefault(pid, d)
                total += st[1]
            todo += [(c, d + 1) for c in _children(pid)]
        self.tree_kb = max(self.tree_kb, total)

    def figures(self) -> tuple[int | None, int | None, int, int | None]:
        top = 1 if self.skip_root else 0
        main = [kb for pid, kb in self.hwm.items() if self.depth[pid] == top]
        kids = [kb for pid, kb in self.hwm.items() if self.depth[pid] > top]
        return (max(main) if main else None, max(kids) if kids else None, len(kids),
                self.tree_kb or None)


# Without /usr/bin/time: what it does, in a few lines of Python started for each run. Not
# resource.getrusage(RUSAGE_CHILDREN) or os.wait4 here: a child exec'd from this process starts
# with this process's peak RSS as its own (the kernel keeps the pre-exec high-water mark), and
# this process holds manifests of tens of MB; the helper's own ~10 MB are the floor instead.
_TIME_PY = """\
import os, subprocess, sys, time
t = time.perf_counter()
p = subprocess.Popen(sys.argv[2:])
_, status, ru = os.wait4(p.pid, 0)
wall = time.perf_counter() - t
with open(sys.argv[1], "w") as f:
    f.write("%d %.9f %.3f\\n" % (ru.ru_maxrss, wall, ru.ru_utime + ru.ru_stime))
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
"""


def measure(argv: list[str], cwd: Path, *, stdout: Path | None = None,
            env: dict[str, str] | None = None) -> Run:
    """Run argv once: wall time by time.perf_counter around the subprocess, peak RSS by
    /usr/bin/time -f %M (else by the same in Python), the tree sampled from /proc."""
    use_time = os.access(TIME, os.X_OK)
    fd, time_out = tempfile.mkstemp(prefix="bench-time-")
    os.close(fd)
    if use_time:
        cmd = [TIME, "-f", "%M %e %U %S", "-o", time_out, *argv]
    else:
        cmd = [sys.executable, "-c", _TIME_PY, time_out, *argv]
    out = open(stdout, "wb") if stdout is not None else subprocess.PIPE  # noqa: SIM115
    p: subprocess.Popen[bytes] | None = None
    try:
        with tempfile.TemporaryFile() as err:
            t0 = time.perf_counter()
            p = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err, env=env)
            # the root is /usr/bin/time or the helper: the command is its child
            sampler = _TreeSampler(p.pid, skip_root=True)
            sampler.start()
            captured = b""
            if p.stdout is not None:
                with p.stdout:
                    captured = p.stdout.read()
            p.wait()
            wall = time.perf_counter() - t0
            sampler.stop.set()
            sampler.join()
            err.seek(0)
            errtext = err.read().decode("utf-8", "replace")
        peak: int | None = None
        cpu: float | None = None
        try:
            fields = Path(time_out).read_text().split("\n")
            last = [ln for ln in fields if ln.strip()][-1].split()
            peak = int(last[0])
            if use_time:
                cpu = float(last[2]) + float(last[3])
            else:
                wall = float(last[1])  # without the helper's start-up
                cpu = float(last[2])
        except (OSError, ValueError, IndexError):
            pass
    except BaseException:
        if p is not None and p.returncode is None:  # Ctrl-C: stop the command too
            p.kill()
            p.wait()
        raise
    finally:
        if stdout is not None:
            out.close()  # type: ignore[union-attr]
        os.unlink(time_out)
    parent, worker, workers, tree = sampler.figures()
    assert p is not None and p.returncode is not None
    return Run(wall, p.returncode, peak, cpu, parent, worker, workers, tree,
               captured.decode("utf-8", "replace"), errtext)


def say(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)
