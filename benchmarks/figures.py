"""The benchmark's table: machine lines, figures, ratios, goals, and the README block.

Part of benchmarks/run.py (see benchmarks/README.md, "What is measured").
"""

from __future__ import annotations

import os
import platform
import re
import statistics
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from datasets import Input
from measure import Run, say

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "benchmarks" / "README.md"
BEGIN = "<!-- benchmark-figures:begin -->"
END = "<!-- benchmark-figures:end -->"
GOAL_MBPS = 150.0
GOAL_LNAV = 1.0
GOAL_GREP = 4.0
GOAL_MEM_MB = 300.0
#: "both cores busy on the dense pair (CPU time ≈ 2 × wall)": CPU ÷ wall of `--jobs 0`, as a share
#: of the usable cores (2 cores: >= 1.8)
GOAL_BUSY = 0.9


# -- the table ---------------------------------------------------------------------------------


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


@dataclass
class Result:
    inp: Input
    serial: Series
    parallel: Series
    grep: Series
    lnav_match: Series | None = None
    lnav_capture: Series | None = None
    checks: list[str] = field(default_factory=list)
    same_bytes: bool | None = None  # the --jobs 0 report equals the --jobs 1 report


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
    if d:
        w, cpu = d.parallel.med("wall"), d.parallel.med("cpu")
        busy = cpu / w if cpu is not None and w else None
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        rows.append((f"dense: cores busy, `--jobs 0` CPU s ÷ wall s ({cores} cores)", _f(busy),
                     f">= {GOAL_BUSY * cores:.1f}", None if busy is None else busy >= GOAL_BUSY * cores))
    same = [r for r in results if r.same_bytes is not None]
    if same:
        rows.append(("`--jobs 0` report byte-identical to `--jobs 1`, every input",
                     f"{sum(bool(r.same_bytes) for r in same)}/{len(same)}", "all",
                     all(r.same_bytes for r in same)))
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
    say(f"wrote the figures into {README}")
