#!/usr/bin/env python3
"""Where an `lmtrace analyze` run spends its time, stage by stage, in one process.

    python benchmarks/stages.py DIR            # DIR holds collector.log and zenpython.log
    python benchmarks/stages.py DIR --jobs 2   # the parse stage on two processes

Prints, for each stage of the pipeline (each file's parse, measured alone; the load: both
parses, then rows to events, each file's clock, UTC, sorting; judge the migrations; render jsonl
and text), its wall time (time.perf_counter), its CPU time in this process (time.process_time:
with --jobs > 1 the workers' CPU is not in it) and its share, then the events and migrations
counted, and the peak RSS of this process (resource.getrusage), and per file how many of its
event records (zenpython: dicts; collector: record_events lines) the fast reader could not prove
exact and left to the full repr reader (ScannedFile.full_reads of ScannedFile.records). The
figures are per stage of the same run, so their ratios hold on a noisy machine better than
absolute times do; run it twice and compare.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lmtrace._gc import gc_paused
from lmtrace.analyze import analyze_stream
from lmtrace.load import load_events
from lmtrace.parallel import scan_files
from lmtrace.render import write_report


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("dir", type=Path)
    p.add_argument("--jobs", type=int, default=1)
    args = p.parse_args(argv)
    files = [str(args.dir / "collector.log"), str(args.dir / "zenpython.log")]
    size = sum(os.path.getsize(f) for f in files)
    rows: list[tuple[str, float, float]] = []
    reads: list[str] = []

    def stage(name: str, t0: float, c0: float) -> None:
        rows.append((name, time.perf_counter() - t0, time.process_time() - c0))

    with gc_paused():  # as analyze runs them
        for f in files:
            t0, c0 = time.perf_counter(), time.process_time()
            (scanned,) = scan_files([f], full=False, jobs=args.jobs)
            stage(f"  parse {os.path.basename(f)} alone ({len(scanned.rows):,} events)", t0, c0)
            reads.append(
                f"{os.path.basename(f)}: records read by the full reader: "
                f"{scanned.full_reads:,} of {scanned.records:,}"
            )
    t0, c0 = time.perf_counter(), time.process_time()
    stream = load_events(files, full=False, jobs=args.jobs)
    stage("load: parse both + build the stream (UTC, sort)", t0, c0)
    t0, c0 = time.perf_counter(), time.process_time()
    report = analyze_stream(stream)
    stage(f"judge ({len(report.migrations):,} migrations)", t0, c0)
    for fmt in ("jsonl", "text"):
        out = io.StringIO()
        t0, c0 = time.perf_counter(), time.process_time()
        write_report(report, fmt, out)
        stage(f"render {fmt} ({len(out.getvalue()) / 1e6:.0f} MB)", t0, c0)
    # what one analyze run does: load, judge, one renderer (the parse rows are inside load)
    total = sum(r[1] for r in rows[2:-1])
    print(f"{size / 1e6:.0f} MB in {args.dir}, --jobs {args.jobs}")
    print(f"{'stage':<52} {'wall s':>8} {'cpu s':>8} {'share':>6}")
    for name, wall, cpu in rows:
        print(f"{name:<52} {wall:8.2f} {cpu:8.2f} {wall / total:6.0%}")
    print("(share: of load + judge + render jsonl; the parse rows, measured alone, are part of load)")
    print(f"{'analyze total (parse .. jsonl)':<52} {total:8.2f}          {size / 1e6 / total:.0f} MB/s")
    for line in reads:
        print(line)
    print(f"peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
