#!/usr/bin/env python3
"""lmtrace's speed and memory, against `grep -c` and lnav, in one command on the same files.

    python benchmarks/run.py                  # N=3 runs each, with the ~2 GB memory input
    python benchmarks/run.py --quick          # N=1, without the ~2 GB input
    python benchmarks/run.py --out /data/b --keep --write-readme

Generates its inputs with lmtrace.synthetic (fixed seeds; a pair generated before with the
same options and generator, and kept, is reused), then runs each command N times, interleaved,
and prints the medians as Markdown: wall time (time.perf_counter around the subprocess), MB/s of
both files together (MB = 10^6 bytes), events/s (events from the generator's manifest), peak RSS
(/usr/bin/time -f %M, else os.wait4's rusage; the process tree is also sampled from /proc so that
the parent and the largest worker are shown apart), the grep -c floor, lnav where installed, the
ratios and the goals (PASS/FAIL). benchmarks/README.md says what every figure means.

Standard library only. Never installs anything. Linux (reads /proc) for the per-process figures.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = ROOT / "lmtrace" / "synthetic"  # python -m lmtrace.synthetic
README = ROOT / "benchmarks" / "README.md"
BEGIN = "<!-- benchmark-figures:begin -->"
END = "<!-- benchmark-figures:end -->"
STAMP = "bench-options.json"
TIME = "/usr/bin/time"

COLLECTOR_MARK = "record_events called"
ZENPYTHON_MARK = "ueued event"  # Queued event / queued event (Zenoss 6.8+)

# lnav: request_id and host_name of every compute.instance.live_migration.post.dest.end event in
# the collector log, from the `openstack_log` table lnav makes of it (lnav's built-in OpenStack
# format; the message after "[-] " is its log_body column). In this Event repr a trait is
# "<Trait: NAME DTYPE VALUE>"; host_name comes before request_id.
LNAV_RE = (
    r"live_migration\.post\.dest\.end, [^,]+, (?:<Trait: [^>]*> )*?"
    r"<Trait: host_name 1 (?<host_name>[^>]+)>(?: <Trait: request_id 1 (?<request_id>[^>]+)>)?"
)
LNAV_WHERE = "log_body LIKE '%record_events called%post.dest.end%'"
# regexp_match: the first match in each line, as a JSON object of the named groups
LNAV_MATCH_SQL = (
    "SELECT log_line, json_extract(m, '$.request_id') AS request_id, "
    "json_extract(m, '$.host_name') AS host_name FROM (SELECT log_line, "
    f"regexp_match('{LNAV_RE}', log_body) AS m FROM openstack_log WHERE {LNAV_WHERE})"
)
# regexp_capture: every match in each line (a batched line can hold two post.dest.end events)
LNAV_CAPTURE_SQL = (
    "SELECT log_line, match_index, "
    "max(CASE capture_name WHEN 'request_id' THEN content END) AS request_id, "
    "max(CASE capture_name WHEN 'host_name' THEN content END) AS host_name "
    f"FROM openstack_log, regexp_capture(log_body, '{LNAV_RE}') WHERE {LNAV_WHERE} "
    "GROUP BY log_line, match_index"
)

GOAL_MBPS = 150.0
GOAL_LNAV = 1.0
GOAL_GREP = 4.0
GOAL_MEM_MB = 300.0

_COMMON = ["--concurrency", "8", "--pretty-ratio", "0.1", "--batch", "3"]


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    args: list[str]
    #: about this many bytes on disk (both logs and the manifest), for the disk check
    estimate: int
    memory_only: bool = False  # the ~2 GB input: skipped by --quick


DATASETS = [
    Dataset("dense", "event-dense", ["--size-mb", "120", *_COMMON, "--seed", "1"], 370_000_000),
    Dataset("noise", "noise-dominated, 1% event lines",
            ["--size-mb", "120", *_COMMON, "--noise-ratio", "0.99", "--seed", "2"], 440_000_000),
    Dataset("big", "~2 GB noise-dominated (memory goal)",
            ["--size-mb", "600", *_COMMON, "--noise-ratio", "0.99", "--seed", "3"],
            2_250_000_000, memory_only=True),
]


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


# -- inputs ------------------------------------------------------------------------------------


def _gen_key(ds: Dataset) -> str:
    h = hashlib.sha256()
    for f in sorted(GENERATOR.glob("*.py")):
        h.update(f.read_bytes())
    h.update(json.dumps(ds.args).encode())
    return h.hexdigest()[:10]


def _reusable(d: Path, ds: Dataset) -> bool:
    try:
        stamp = json.loads((d / STAMP).read_text())
        files = json.loads((d / "manifest.json").read_text())["files"]
    except (OSError, ValueError, KeyError):
        return False
    if stamp.get("args") != ds.args or stamp.get("key") != _gen_key(ds):
        return False
    return all((d / n).is_file() and (d / n).stat().st_size == f["bytes"] for n, f in files.items())


def _gb(n: float) -> str:
    return f"{n / 1e9:.2f} GB"


@dataclass
class Input:
    ds: Dataset
    dir: Path
    reused: bool
    manifest: dict  # type: ignore[type-arg]
    collector_bytes: int = 0
    zenpython_bytes: int = 0
    events: int = 0

    @property
    def total(self) -> int:
        return self.collector_bytes + self.zenpython_bytes


def prepare(ds: Dataset, out: Path, log: list[str]) -> Input | None:
    d = out / f"{ds.name}-{_gen_key(ds)}"
    reused = _reusable(d, ds)
    if not reused:
        need = ds.estimate + 200_000_000  # the reports written beside it, and some room
        # this input of an earlier run, with other options or another generator: never reused
        for old in out.glob(f"{ds.name}-*"):
            if old != d and (old / STAMP).is_file():
                _say(f"removing {old}: generated with other options or another lmtrace.synthetic")
                shutil.rmtree(old, ignore_errors=True)
        free = shutil.disk_usage(out).free
        if free < need:
            msg = (f"{ds.name}: skipped: needs about {_gb(need)} free in {out}, "
                   f"has {_gb(free)} (shutil.disk_usage)")
            log.append(msg)
            _say(msg)
            return None
        shutil.rmtree(d, ignore_errors=True)
        cmd = [sys.executable, "-m", "lmtrace.synthetic", *ds.args, "--out", str(d)]
        _say("generating " + ds.name + ": " + " ".join(cmd[1:]))
        subprocess.run(cmd, check=True)
        (d / STAMP).write_text(json.dumps({"args": ds.args, "key": _gen_key(ds)}) + "\n")
    else:
        _say(f"reusing {d}")
    man = json.loads((d / "manifest.json").read_text())
    f = man["files"]
    inp = Input(ds, d, reused, man)
    inp.collector_bytes = f["collector.log"]["bytes"]
    inp.zenpython_bytes = f["zenpython.log"]["bytes"]
    # what lmtrace reads as events: one per Ceilometer event, one per zenpython record
    inp.events = (f["collector.log"]["events"] + f["zenpython.log"]["queued_lines"]
                  + f["zenpython.log"]["discarded_lines"])
    return inp


# -- the commands ------------------------------------------------------------------------------


def find_lmtrace(given: str | None) -> str:
    if given:
        return given
    for cand in (Path(sys.executable).parent / "lmtrace", ROOT / ".venv" / "bin" / "lmtrace"):
        if os.access(cand, os.X_OK):
            return str(cand)
    found = shutil.which("lmtrace")
    if found:
        return found
    sys.exit("run.py: no lmtrace found: `pip install -e .` in a venv, or pass --lmtrace PATH")


def _lmtrace_python(lmtrace: str) -> str:
    """The Python version lmtrace runs on (its script's interpreter)."""
    try:
        with open(lmtrace, "rb") as f:
            first = f.readline().decode().strip()
        if first.startswith("#!"):
            interp = first[2:].split()
            r = subprocess.run([*interp, "-c", "import platform; print(platform.python_version())"],
                               capture_output=True, text=True, timeout=30, check=False)
            if r.returncode == 0:
                return r.stdout.strip()
    except (OSError, subprocess.SubprocessError, UnicodeDecodeError):
        pass
    return platform.python_version()


@dataclass
class Series:
    """One command on one input, N times."""

    label: str
    command: str
    runs: list[Run] = field(default_factory=list)

    def med(self, attr: str) -> float | None:
        vals = [getattr(r, attr) for r in self.runs if getattr(r, attr) is not None]
        return statistics.median(vals) if vals else None

    def worst(self, attr: str) -> int | None:
        vals = [getattr(r, attr) for r in self.runs if getattr(r, attr) is not None]
        return max(vals) if vals else None


def _analyze_argv(lmtrace: str, jobs: int) -> list[str]:
    return [lmtrace, "analyze", "collector.log", "zenpython.log", "--format", "jsonl", "-q",
            "--jobs", str(jobs)]


def _check(run: Run, what: str) -> None:
    if run.rc != 0:
        sys.exit(f"run.py: {what} exited with {run.rc}:\n{run.stderr[-2000:]}")


def _warm(inp: Input) -> None:
    """Read both files once: every command then reads from the page cache."""
    for name in ("collector.log", "zenpython.log"):
        with open(inp.dir / name, "rb") as f:
            while f.read(1 << 24):
                pass


@dataclass
class Result:
    inp: Input
    serial: Series
    parallel: Series
    grep: Series
    lnav_match: Series | None = None
    lnav_capture: Series | None = None
    checks: list[str] = field(default_factory=list)


def bench_input(inp: Input, n: int, lmtrace: str, lnav: str | None, results: Path,
                lnav_home: Path) -> Result:
    res = Result(
        inp,
        Series("lmtrace analyze, serial", " ".join(["lmtrace", *_analyze_argv("x", 1)[1:]])),
        Series("lmtrace analyze, parallel", " ".join(["lmtrace", *_analyze_argv("x", 0)[1:]])),
        Series("grep -c (floor)", f"grep -c '{COLLECTOR_MARK}' collector.log; "
               f"grep -c '{ZENPYTHON_MARK}' zenpython.log"),
    )
    do_lnav = lnav is not None and not inp.ds.memory_only
    if do_lnav:
        res.lnav_match = Series("lnav regexp_match, collector.log only",
                                f'lnav -n -c ";{LNAV_MATCH_SQL}" collector.log')
        res.lnav_capture = Series("lnav regexp_capture, collector.log only",
                                  f'lnav -n -c ";{LNAV_CAPTURE_SQL}" collector.log')
    _warm(inp)
    out1 = results / f"{inp.ds.name}-jobs1.jsonl"
    out0 = results / f"{inp.ds.name}-jobs0.jsonl"
    lnav_env = dict(os.environ, HOME=str(lnav_home))  # no user formats or settings
    lnav_env.pop("XDG_CONFIG_HOME", None)
    grep_counts = (0, 0)
    lnav_out: dict[str, str] = {}
    for i in range(n):
        _say(f"{inp.ds.name}: run {i + 1}/{n}")
        for series, argv, path in ((res.serial, _analyze_argv(lmtrace, 1), out1),
                                   (res.parallel, _analyze_argv(lmtrace, 0), out0)):
            r = measure(argv, inp.dir, stdout=path)
            _check(r, series.label)
            series.runs.append(r)
        gc = measure(["grep", "-c", COLLECTOR_MARK, "collector.log"], inp.dir)
        gz = measure(["grep", "-c", ZENPYTHON_MARK, "zenpython.log"], inp.dir)
        grep_counts = (int(gc.stdout.strip() or 0), int(gz.stdout.strip() or 0))
        res.grep.runs.append(Run(gc.wall + gz.wall, max(gc.rc, gz.rc),
                                 max(gc.peak_kb or 0, gz.peak_kb or 0) or None,
                                 (gc.cpu or 0) + (gz.cpu or 0), None, None, 0, None, "", ""))
        if do_lnav:
            assert lnav is not None and res.lnav_match and res.lnav_capture
            for series, sql in ((res.lnav_match, LNAV_MATCH_SQL),
                                (res.lnav_capture, LNAV_CAPTURE_SQL)):
                r = measure([lnav, "-n", "-c", ";" + sql, "collector.log"], inp.dir, env=lnav_env)
                if r.rc != 0 or "error" in r.stderr.lower():  # lnav exits 0 on a SQL error
                    sys.exit(f"run.py: {series.label} failed:\n{r.stderr[-2000:]}")
                series.runs.append(r)
                lnav_out[series.label] = r.stdout
    res.checks = _checks(res, out1, out0, grep_counts, lnav_out)
    return res


def _sha(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while b := f.read(1 << 24):
            h.update(b)
    return h.hexdigest()


def _checks(res: Result, out1: Path, out0: Path, grep_counts: tuple[int, int],
            lnav_out: dict[str, str]) -> list[str]:
    """Every figure is of a run that did the whole job right."""
    inp = res.inp
    man = inp.manifest
    notes: list[str] = []
    same = _sha(out1) == _sha(out0)
    notes.append(f"--jobs 0 report {'identical to' if same else 'DIFFERS FROM'} --jobs 1")
    expected = {m["instance_id"]: m["expected"]["osi-2.x"]["verdict"] for m in man["migrations"]}
    got = 0
    right = 0
    with open(out0, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            got += 1
            right += expected.get(r.get("instance_id")) == r.get("verdict")
    notes.append(f"verdicts as in the manifest (osi-2.x): {right:,}/{len(expected):,} "
                 f"({got:,} migrations reported)")
    fc, fz = man["files"]["collector.log"], man["files"]["zenpython.log"]
    ok = grep_counts == (fc["event_lines"], fz["queued_lines"])
    notes.append(f"grep -c: {grep_counts[0]:,} + {grep_counts[1]:,} lines "
                 f"({'=' if ok else '!='} manifest {fc['event_lines']:,} + {fz['queued_lines']:,})")
    if lnav_out:
        want = {(m["request_id"], e["host_name"]) for m in man["migrations"] for e in m["events"]
                if e["event_type"].endswith(".post.dest.end")}
        n_want = sum(1 for m in man["migrations"] for e in m["events"]
                     if e["event_type"].endswith(".post.dest.end"))
        for label, text in lnav_out.items():
            rows = [ln.split() for ln in text.splitlines()[1:] if ln.strip()]
            right = sum(1 for r in rows if len(r) >= 3
                        and (r[-2] if r[-2] != "<NULL>" else None, r[-1]) in want)
            notes.append(f"{label}: {len(rows):,} rows for {n_want:,} post.dest.end events "
                         f"in the manifest; {right:,} rows have a (request_id, host_name) of one")
    return notes


# -- the table ---------------------------------------------------------------------------------


def _f(x: float | None, fmt: str = "{:.2f}") -> str:
    return "–" if x is None else fmt.format(x)


def _mb(kb: float | None) -> str:
    return "–" if kb is None else f"{kb * 1024 / 1e6:.0f}"


def _machine(lmtrace: str, lnav: str | None, n: int, quick: bool,
             load: tuple[float, float]) -> list[str]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"^model name\s*:\s*(.+)$", f.read(), re.MULTILINE)
            if m:
                cpu = m.group(1).strip()
    except OSError:
        pass
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            m = re.search(r"^MemTotal:\s+(\d+)", f.read(), re.MULTILINE)
            if m:
                mem = f", {int(m.group(1)) / 1024 / 1024:.0f} GiB RAM"
    except OSError:
        pass
    rev = _git("rev-parse", "--short", "HEAD")
    # (read-only: --no-optional-locks, so that git does not even refresh the index)
    dirty = bool(rev) and subprocess.run(
        ["git", "--no-optional-locks", "diff", "--quiet", "HEAD", "--", "lmtrace"],
        cwd=ROOT, capture_output=True, check=False).returncode == 1
    lnav_v = "not installed"
    if lnav:
        r = subprocess.run([lnav, "-V"], capture_output=True, text=True, check=False)
        lnav_v = r.stdout.strip() or r.stderr.strip()
    grep_v = subprocess.run(["grep", "-V"], capture_output=True, text=True,
                            check=False).stdout.splitlines()
    changes = " with uncommitted changes in lmtrace/" if dirty else ""
    return [
        f"- machine: {cpu}, {cores} cores usable (os.sched_getaffinity){mem}, "
        f"{platform.system()} {platform.release()}",
        f"- lmtrace {('at ' + rev) if rev else ''}{changes}"
        f" on Python {_lmtrace_python(lmtrace)}; {grep_v[0] if grep_v else 'grep'}; lnav: {lnav_v}",
        f"- date: {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}; "
        f"`python benchmarks/run.py{' --quick' if quick else ''}`: median of {n} run(s) each, "
        "interleaved, warm page cache",
        f"- load average (1 min) before / after: {load[0]:.2f} / {load[1]:.2f}"
        + (" (other processes were busy: the wall times are not clean)"
           if max(load) >= 0.5 else ""),
    ]


def _load() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return 0.0


def _git(*args: str) -> str:
    try:
        r = subprocess.run(["git", "--no-optional-locks", *args], cwd=ROOT, capture_output=True,
                           text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return ""
    return r.stdout.strip() if r.returncode == 0 else ""


def render(results: list[Result], machine: list[str], notes: list[str], n: int,
           lnav: str | None) -> str:
    L: list[str] = []
    L += machine
    L.append("")
    L.append("| input | collector.log | zenpython.log | both | events | migrations | generator |")
    L.append("|---|---:|---:|---:|---:|---:|---|")
    for r in results:
        i = r.inp
        L.append(f"| {i.ds.name}: {i.ds.title} | {i.collector_bytes / 1e6:.0f} MB | "
                 f"{i.zenpython_bytes / 1e6:.0f} MB | {i.total / 1e6:.0f} MB | {i.events:,} | "
                 f"{i.manifest['counts']['migrations']:,} | `{' '.join(i.ds.args)}` |")
    L.append("")
    L.append("| input | command | wall s | CPU s | MB/s | events/s | peak RSS MB | parent MB | "
             "largest worker MB | workers | ÷ grep -c |")
    L.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        i = r.inp
        g = r.grep.med("wall")
        rows = [r.serial, r.parallel, r.grep]
        rows += [s for s in (r.lnav_match, r.lnav_capture) if s is not None]
        for s in rows:
            w = s.med("wall")
            lnav_row = s in (r.lnav_match, r.lnav_capture)
            size = i.collector_bytes if lnav_row else i.total
            mbps = size / 1e6 / w if w else None
            evs = i.events / w if w and not lnav_row else None
            label = s.label + (" (`--jobs 1`)" if s is r.serial else
                               " (`--jobs 0`)" if s is r.parallel else "")
            L.append(
                f"| {i.ds.name} | {label} | {_f(w)} | {_f(s.med('cpu'))} | {_f(mbps, '{:.0f}')} | "
                f"{_f(evs, '{:,.0f}')} | {_mb(s.worst('peak_kb'))} | {_mb(s.worst('parent_kb'))} | "
                f"{_mb(s.worst('worker_kb'))} | {max((x.workers for x in s.runs), default=0) or '–'} | "
                f"{_f(w / g if w and g and not lnav_row else None, '{:.1f}×')} |")
    if lnav is None:
        L.append("")
        L.append("lnav is not installed: its rows are missing. It is not required; to compare, "
                 "install it (Debian/Ubuntu: `apt-get install lnav`; macOS: `brew install lnav`).")
    L.append("")
    L.append("| ratio | " + " | ".join(r.inp.ds.name for r in results) + " |")
    L.append("|---|" + "---:|" * len(results))
    ratios: list[tuple[str, Callable[[Result], float | None]]] = [
        ("lmtrace serial ÷ grep -c", lambda r: _ratio(r.serial.med("wall"), r.grep.med("wall"))),
        ("lmtrace parallel ÷ grep -c",
         lambda r: _ratio(r.parallel.med("wall"), r.grep.med("wall"))),
        ("lnav regexp_match ÷ lmtrace parallel",
         lambda r: _ratio(r.lnav_match.med("wall") if r.lnav_match else None,
                          r.parallel.med("wall"))),
        ("lnav regexp_capture ÷ lmtrace parallel",
         lambda r: _ratio(r.lnav_capture.med("wall") if r.lnav_capture else None,
                          r.parallel.med("wall"))),
        ("parallel speed-up (serial ÷ parallel)",
         lambda r: _ratio(r.serial.med("wall"), r.parallel.med("wall"))),
    ]
    for label, fn in ratios:
        L.append(f"| {label} | " + " | ".join(_f(fn(r), "{:.2f}") for r in results) + " |")
    L.append("")
    L += _goals(results)
    L.append("")
    L.append("Checks:")
    for r in results:
        for c in r.checks:
            L.append(f"- {r.inp.ds.name}: {c}")
    for note in notes:
        L.append(f"- {note}")
    return "\n".join(L) + "\n"


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def _goals(results: list[Result]) -> list[str]:
    by = {r.inp.ds.name: r for r in results}
    rows: list[tuple[str, str, str, bool | None]] = []
    d = by.get("dense")
    if d:
        w = d.parallel.med("wall")
        mbps = d.inp.total / 1e6 / w if w else None
        rows.append(("dense: full analyze (`--jobs 0`), both files", _f(mbps, "{:.0f} MB/s"),
                     f">= {GOAL_MBPS:.0f} MB/s", None if mbps is None else mbps >= GOAL_MBPS))
    for name in ("dense", "noise"):
        r = by.get(name)
        if r is None:
            continue
        x = _ratio(r.lnav_match.med("wall") if r.lnav_match else None, r.parallel.med("wall"))
        rows.append((f"{name}: lnav (regexp_match, collector.log) ÷ lmtrace (`--jobs 0`, both)",
                     _f(x), f">= {GOAL_LNAV:g}", None if x is None else x >= GOAL_LNAV))
    nz = by.get("noise")
    if nz:
        x = _ratio(nz.parallel.med("wall"), nz.grep.med("wall"))
        rows.append(("noise: lmtrace (`--jobs 0`) ÷ grep -c", _f(x, "{:.1f}×"),
                     f"<= {GOAL_GREP:g}×", None if x is None else x <= GOAL_GREP))
    big = by.get("big")
    if big:
        peaks = [big.serial.worst("peak_kb"), big.parallel.worst("peak_kb"),
                 big.parallel.worst("parent_kb"), big.parallel.worst("worker_kb")]
        kb = max((p for p in peaks if p is not None), default=None)
        mb = kb * 1024 / 1e6 if kb is not None else None
        rows.append((f"big ({big.inp.total / 1e9:.1f} GB): peak RSS of any lmtrace process, "
                     "serial and parallel", _f(mb, "{:.0f} MB"), f"< {GOAL_MEM_MB:.0f} MB",
                     None if mb is None else mb < GOAL_MEM_MB))
    else:
        rows.append(("~2 GB input: peak RSS of any lmtrace process", "not measured",
                     f"< {GOAL_MEM_MB:.0f} MB", None))
    out = ["| goal | figure | target | result |", "|---|---:|---:|---|"]
    for label, fig, target, ok in rows:
        out.append(f"| {label} | {fig} | {target} | "
                   f"{'–' if ok is None else 'PASS' if ok else 'FAIL'} |")
    return out


def write_readme(table: str) -> None:
    text = README.read_text(encoding="utf-8") if README.exists() else "# Benchmarks\n"
    block = f"{BEGIN}\n{table}{END}"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        text = head + block + tail
    else:
        text = text.rstrip("\n") + "\n\n## Latest figures\n\n" + block + "\n"
    README.write_text(text, encoding="utf-8")
    _say(f"wrote the figures into {README}")


def _say(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="run.py", description="Benchmark lmtrace analyze against grep -c and lnav on "
        "synthetic logs from lmtrace.synthetic; print a Markdown table.")
    p.add_argument("--quick", action="store_true",
                   help="1 run each instead of 3, and no ~2 GB memory input")
    p.add_argument("--runs", type=int, default=None, metavar="N",
                   help="runs of each command, the median is shown (3; --quick: 1)")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="where the inputs and reports go "
                   f"({Path(tempfile.gettempdir()) / 'lmtrace-bench'})")
    p.add_argument("--keep", action="store_true",
                   help="keep the inputs generated by this run (a later run with the same "
                   "options reuses them); inputs that were reused are always kept")
    p.add_argument("--write-readme", action="store_true",
                   help=f"also write the table into {README.relative_to(ROOT)} between "
                   f"{BEGIN} and {END}")
    p.add_argument("--lmtrace", default=None, metavar="PATH",
                   help="the lmtrace to run (default: beside this Python, .venv/bin, or PATH)")
    args = p.parse_args(argv)
    n = args.runs or (1 if args.quick else 3)
    if n < 1:
        p.error("--runs must be at least 1")
    out = Path(args.out) if args.out else Path(tempfile.gettempdir()) / "lmtrace-bench"
    out.mkdir(parents=True, exist_ok=True)
    lmtrace = find_lmtrace(args.lmtrace)
    lnav = shutil.which("lnav")
    if lnav is None:
        _say("lnav not installed: its rows are skipped (Debian/Ubuntu: apt-get install lnav)")
    if not os.access(TIME, os.X_OK):
        _say(f"{TIME} not found: peak RSS from a Python stand-in (os.wait4's rusage)")
    notes: list[str] = []
    if args.quick:
        notes.append("--quick: the ~2 GB memory input was not generated, its goal not measured")
    results_dir = Path(tempfile.mkdtemp(prefix="results-", dir=out))
    lnav_home = out / "lnav-home"
    lnav_home.mkdir(exist_ok=True)
    generated: list[Path] = []
    results: list[Result] = []
    load0 = _load()
    if load0 >= 0.5:
        _say(f"load average {load0:.2f}: other processes are busy, the figures will be noisy")
    try:
        for ds in DATASETS:
            if ds.memory_only and args.quick:
                continue
            inp = prepare(ds, out, notes)
            if inp is None:
                continue
            if not inp.reused:
                generated.append(inp.dir)
            results.append(bench_input(inp, n, lmtrace, lnav, results_dir, lnav_home))
    finally:
        shutil.rmtree(results_dir, ignore_errors=True)
        if not args.keep:
            for d in generated:
                shutil.rmtree(d, ignore_errors=True)
        elif generated:
            _say(f"kept the inputs in {out}")
    if not results:
        sys.exit("run.py: nothing was measured")
    load = (load0, _load())
    table = render(results, _machine(lmtrace, lnav, n, args.quick, load), notes, n, lnav)
    sys.stdout.write(table)
    if args.write_readme:
        write_readme(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
