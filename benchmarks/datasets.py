"""The benchmark's inputs: generated pairs (lmtrace.synthetic, fixed seeds), reused when unchanged.

Part of benchmarks/run.py (see benchmarks/README.md, "The inputs").
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from measure import say

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = ROOT / "lmtrace" / "synthetic"  # python -m lmtrace.synthetic
STAMP = "bench-options.json"

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
                say(f"removing {old}: generated with other options or another lmtrace.synthetic")
                shutil.rmtree(old, ignore_errors=True)
        free = shutil.disk_usage(out).free
        if free < need:
            msg = (f"{ds.name}: skipped: needs about {_gb(need)} free in {out}, "
                   f"has {_gb(free)} (shutil.disk_usage)")
            log.append(msg)
            say(msg)
            return None
        shutil.rmtree(d, ignore_errors=True)
        cmd = [sys.executable, "-m", "lmtrace.synthetic", *ds.args, "--out", str(d)]
        say("generating " + ds.name + ": " + " ".join(cmd[1:]))
        subprocess.run(cmd, check=True)
        (d / STAMP).write_text(json.dumps({"args": ds.args, "key": _gen_key(ds)}) + "\n")
    else:
        say(f"reusing {d}")
    man = json.loads((d / "manifest.json").read_text())
    f = man["files"]
    inp = Input(ds, d, reused, man)
    inp.collector_bytes = f["collector.log"]["bytes"]
    inp.zenpython_bytes = f["zenpython.log"]["bytes"]
    # what lmtrace reads as events: one per Ceilometer event, one per zenpython record
    inp.events = (f["collector.log"]["events"] + f["zenpython.log"]["queued_lines"]
                  + f["zenpython.log"]["discarded_lines"])
    return inp


