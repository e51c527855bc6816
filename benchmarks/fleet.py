#!/usr/bin/env python3
"""The fleet case: `lmtrace sweep` of N generated clouds on a LocalCluster of 1 and of 2 workers.

    python benchmarks/fleet.py                       # 4 clouds of ~24 MiB of collector log each, 1 run
    python benchmarks/fleet.py --clouds 8 --size-mb 64 --runs 3 --out /data/fleet --keep

Generates the clouds with lmtrace.synthetic (fixed seeds, one per cloud; clouds generated before
with the same options are reused), then times `lmtrace sweep CLOUD... --workers W --format json`
for W = 1 and 2, interleaved, N runs each, and `lmtrace analyze -j1` of every cloud one after the
other as the local reference. Prints the medians as Markdown: wall time (time.perf_counter around
the subprocess, the LocalCluster's start included), MB/s of all the clouds' files (MB = 10^6
bytes), and the 1-worker / 2-worker ratio (the scaling). Checks each cloud's report against
`analyze`'s. Needs the fleet extra (pip install 'lmtrace[fleet]'). Never installs anything.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _lmtrace() -> list[str]:
    return [sys.executable, "-m", "lmtrace"]


def generate(out: Path, clouds: int, size_mb: float) -> list[Path]:
    dirs = []
    for k in range(clouds):
        d = out / f"cloud-{k + 1:02d}"
        stamp = d / "fleet-options.json"
        want = {"size_mb": size_mb, "seed": 1000 + k}
        if not (stamp.is_file() and json.loads(stamp.read_text()) == want):
            shutil.rmtree(d, ignore_errors=True)
            subprocess.run(
                [sys.executable, "-m", "lmtrace.synthetic", "--size-mb", str(size_mb), "--seed", str(1000 + k),
                 "--concurrency", "8", "--noise-ratio", "0.9", "--pretty-ratio", "0.2", "--out", str(d)],
                check=True, cwd=ROOT, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            stamp.write_text(json.dumps(want))
        dirs.append(d)
    return dirs


def _logs(d: Path) -> list[str]:
    return [str(d / "collector.log"), str(d / "zenpython.log")]


def timed(argv: list[str], stdout: Path) -> float:
    with open(stdout, "wb") as out:
        t = time.perf_counter()
        subprocess.run(argv, check=True, cwd=ROOT, stdout=out, stderr=subprocess.DEVNULL)
        return time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--clouds", type=int, default=4, help="generated clouds (4)")
    p.add_argument("--size-mb", type=float, default=24, help="MiB of collector log per cloud (24)")
    p.add_argument("--runs", type=int, default=1, help="runs of each command (1)")
    p.add_argument("--chunk-mb", type=float, default=16, help="sweep --chunk-mb (16)")
    p.add_argument("--out", help="where the clouds go (default: a temporary directory)")
    p.add_argument("--keep", action="store_true", help="keep the clouds for the next run")
    a = p.parse_args(argv)
    out = Path(a.out) if a.out else Path(tempfile.mkdtemp(prefix="lmtrace-fleet-"))
    out.mkdir(parents=True, exist_ok=True)
    try:
        dirs = generate(out, a.clouds, a.size_mb)
        nbytes = sum(os.path.getsize(f) for d in dirs for f in _logs(d))
        times: dict[str, list[float]] = {"analyze -j1, cloud by cloud": [], "sweep, 1 worker": [],
                                         "sweep, 2 workers": []}  # fmt: skip
        load0 = os.getloadavg()[0]
        res = out / "results"
        res.mkdir(exist_ok=True)
        for _ in range(a.runs):
            t = 0.0
            for d in dirs:
                t += timed([*_lmtrace(), "analyze", *_logs(d), "-j1", "--format", "json", "-q"],
                           res / f"{d.name}.json")
            times["analyze -j1, cloud by cloud"].append(t)
            for w in (1, 2):
                sweep = [*_lmtrace(), "sweep", *map(str, dirs), "--workers", str(w), "--chunk-mb",
                         str(a.chunk_mb), "--format", "json", "-q"]  # fmt: skip
                key = f"sweep, {w} worker{'s' if w > 1 else ''}"
                times[key].append(timed(sweep, res / f"sweep-{w}.json"))
                fleet = json.loads((res / f"sweep-{w}.json").read_text())
                for d, c in zip(dirs, fleet["clouds"]):
                    local = json.loads((res / f"{d.name}.json").read_text())
                    assert {k: v for k, v in c.items() if k != "cloud"} == local, f"{key}: {d.name} differs"
        med = {k: statistics.median(v) for k, v in times.items()}
        print(f"{a.clouds} clouds, {nbytes / 1e6:.0f} MB of logs in all, {a.runs} run(s) each, "
              f"--chunk-mb {a.chunk_mb:g}, {os.cpu_count()} cores, load average before "
              f"{load0:.1f}, after {os.getloadavg()[0]:.1f}\n")  # fmt: skip
        print("| command | wall s (median) | MB/s |\n|---|---|---|")
        for k, v in med.items():
            print(f"| {k} | {v:.2f} | {nbytes / 1e6 / v:.1f} |")
        print(f"\nscaling, 1 worker / 2 workers: {med['sweep, 1 worker'] / med['sweep, 2 workers']:.2f}x; "
              "every cloud's report equal to analyze's")
    finally:
        if not a.keep and not a.out:
            shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
