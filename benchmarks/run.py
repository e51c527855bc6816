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
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run as a script: its siblings

from datasets import DATASETS, ROOT, Input, prepare
from figures import BEGIN, END, README, Result, Series, _load, _machine, render, write_readme
from measure import TIME, Run, measure, say

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
        say(f"{inp.ds.name}: run {i + 1}/{n}")
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
    res.same_bytes = same
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
        say("lnav not installed: its rows are skipped (Debian/Ubuntu: apt-get install lnav)")
    if not os.access(TIME, os.X_OK):
        say(f"{TIME} not found: peak RSS from a Python stand-in (os.wait4's rusage)")
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
        say(f"load average {load0:.2f}: other processes are busy, the figures will be noisy")
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
            say(f"kept the inputs in {out}")
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
