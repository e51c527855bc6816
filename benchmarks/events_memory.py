"""Peak memory of `lmtrace events` on a ~2 GB generated pair (see benchmarks/README.md).

    .venv/bin/python benchmarks/events_memory.py [--out DIR] [--size-mb N] [--noise-ratio R] [--keep]

Generates a pair with lmtrace.synthetic (fixed seed; reused when DIR already holds one made
with the same options), runs `lmtrace events --format jsonl -q --jobs 1 > /dev/null` under
`/usr/bin/time -v`, and prints the input size, the wall time and the peak RSS. Standard
library only; needs Linux and GNU time (/usr/bin/time).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _lmtrace() -> str:
    here = Path(sys.executable).with_name("lmtrace")
    if here.exists():
        return str(here)
    venv = ROOT / ".venv" / "bin" / "lmtrace"
    return str(venv) if venv.exists() else (shutil.which("lmtrace") or "lmtrace")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=os.path.join(tempfile.gettempdir(), "lmtrace-events-memory"))
    # --size-mb 850 with 10% noise: a ~2 GB pair, ~4.5 million events (the audit's mix, scaled up)
    ap.add_argument("--size-mb", type=int, default=850, help="collector.log MiB (850: a ~2 GB pair)")
    ap.add_argument("--noise-ratio", type=float, default=0.1, help="0.1: event-rich; 0.99: noise-dominated")
    ap.add_argument("--keep", action="store_true", help="keep the generated pair")
    a = ap.parse_args()
    if not Path("/usr/bin/time").exists():
        print("needs GNU time at /usr/bin/time", file=sys.stderr)
        return 2
    out = Path(a.out)
    opts = ["--size-mb", str(a.size_mb), "--concurrency", "8", "--batch", "3",
            "--noise-ratio", str(a.noise_ratio), "--seed", "11"]  # fmt: skip
    stamp = out / "options.json"
    if not (stamp.exists() and json.loads(stamp.read_text()) == opts):
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        print(f"generating: python -m lmtrace.synthetic {' '.join(opts)}", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "lmtrace.synthetic", *opts, "--out", str(out)], check=True, cwd=ROOT)
        stamp.write_text(json.dumps(opts))
    inputs = [str(out / "collector.log"), str(out / "zenpython.log")]
    size = sum(os.path.getsize(p) for p in inputs)
    cmd = ["/usr/bin/time", "-v", _lmtrace(), "events", *inputs, "--format", "jsonl", "-q", "--jobs", "1"]
    print(f"running: {' '.join(cmd[2:])} > /dev/null", file=sys.stderr)
    with open(os.devnull, "wb") as null:
        r = subprocess.run(cmd, stdout=null, stderr=subprocess.PIPE, text=True)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr)
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", r.stderr)
    print(f"input: {size / 1e6:,.0f} MB ({' '.join(opts)})")
    print(f"exit status: {r.returncode}")
    print(f"wall time: {wall.group(1) if wall else '?'}")
    print(f"peak RSS: {int(rss.group(1)) / 1000:,.0f} MB" if rss else "peak RSS: ?")
    if not a.keep:
        shutil.rmtree(out, ignore_errors=True)
    return 0 if r.returncode == 0 and rss else 1


if __name__ == "__main__":
    sys.exit(main())
