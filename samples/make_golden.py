#!/usr/bin/env python3
"""Regenerate the golden reports of every sample: samples/expected/ and
samples/scenarios/<name>/expected/.

    python samples/make_golden.py           # rewrite every golden file (and drop orphans)
    python samples/make_golden.py --day     # the same, and the generated day's compact report
    python samples/make_golden.py --check   # write nothing; exit 1 if any file is out of date
    python samples/make_golden.py --list    # the shell command behind each golden file

Each golden file is the stdout of one `lmtrace` command, run from the repository root with
paths relative to it (so the paths inside the reports are stable):

    analyze.{txt,md,json,jsonl,csv}         lmtrace analyze <collector> <zenpython> --format F
    analyze.pr401.{txt,md,json,jsonl,csv}   the same with --zenpack osi-2.x-pr401
                                            (the demo pair and `stale` only)
    analyze.fixed.{txt,md,json,jsonl,csv}   the same with --handler-map samples/maps/fixed.toml
                                            (the map with every fix; the resize, evacuate and
                                            unshelve scenarios)
    analyze.details.{txt,md}                lmtrace analyze <collector> <zenpython> --details
                                            --format text|markdown (the demo pair only: its
                                            5 migrations get the compact report by default)
    timeline.{txt,md}                       lmtrace timeline <collector> <zenpython> --request R
                                            --format text|markdown (the demo pair's pdcmtest
                                            migration, `stale` and `skew` only)

The rotated scenario passes its collector set as the glob 'samples/scenarios/rotated/collector.log*',
which lmtrace expands itself. tests/test_golden.py imports CASES and `run` from this file, so the
test and the files cannot disagree on a command. After regenerating, review `git diff samples/`
like code: a changed golden is a changed report.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import shlex
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from click.testing import CliRunner  # noqa: E402 - after the sys.path entry

from lmtrace.cli import cli  # noqa: E402

#: --format value -> golden file suffix
ANALYZE_FORMATS = {"text": "txt", "markdown": "md", "json": "json", "jsonl": "jsonl", "csv": "csv"}
TIMELINE_FORMATS = {"text": "txt", "markdown": "md"}
#: the second handler map, golden only where it changes a verdict (demo pair, stale)
PR401 = "osi-2.x-pr401"
PR401_DIRS = ("samples", "samples/scenarios/stale")
#: the map with every fix (what the recommended change gives for every operation), golden for
#: the scenarios of the other operations
FIXED_MAP = "samples/maps/fixed.toml"
FIXED_DIRS = tuple(
    f"samples/scenarios/{s}"
    for s in ("resize-stale", "resize-ok", "resize-reverted", "evacuate-ok", "unshelve-missed")
)
#: the migration whose timeline is golden, by display name (None: the only one)
TIMELINE_OF = {
    "samples": "pdcmtest",
    "samples/scenarios/stale": None,
    # clock skew: events queued "before" they were generated, flagged hop by hop
    "samples/scenarios/skew": None,
    # a resize's story: resize.end (the source) written after finish_resize.end
    "samples/scenarios/resize-stale": None,
}
#: environment of every run: no terminal size, so nothing can depend on one by accident
BASE_ENV: dict[str, str | None] = {"COLUMNS": None, "LINES": None}


@dataclass(frozen=True)
class Golden:
    """One golden file (`path`, relative to the repo root) and the lmtrace
    arguments whose stdout it holds."""

    path: str
    args: tuple[str, ...]

    @property
    def command(self) -> str:
        return "lmtrace " + shlex.join(self.args)

    @property
    def fmt(self) -> str:
        return self.args[self.args.index("--format") + 1]


def sample_dirs() -> list[str]:
    """The demo pair's directory, then every scenario, relative to the root."""
    scen = sorted(p.parent.name for p in (HERE / "scenarios").glob("*/manifest.json"))
    return ["samples", *(f"samples/scenarios/{s}" for s in scen)]


def logs_of(d: str) -> list[str]:
    """The log arguments for a sample directory: collector first, then zenpython;
    a rotated collector set as one glob."""
    rotated = any((ROOT / d).glob("collector.log.*"))
    return [f"{d}/collector.log*" if rotated else f"{d}/collector.log", f"{d}/zenpython.log"]


def manifest(d: str) -> dict[str, object]:
    data: dict[str, object] = json.loads((ROOT / d / "manifest.json").read_text(encoding="utf-8"))
    return data


def timeline_request(d: str) -> str:
    migs = manifest(d)["migrations"]
    assert isinstance(migs, list)
    name = TIMELINE_OF[d]
    picked = [m for m in migs if name is None or m["display_name"] == name]
    assert len(picked) == 1, f"{d}: {len(picked)} migrations named {name!r}"
    rid = picked[0]["request_id"]
    assert isinstance(rid, str)
    return rid


def _cases() -> list[Golden]:
    out: list[Golden] = []
    for d in sample_dirs():
        logs = logs_of(d)
        maps: list[tuple[str, tuple[str, ...]]] = [("", ())]  # (file tag, extra arguments)
        if d in PR401_DIRS:
            maps.append((".pr401", ("--zenpack", PR401)))
        if d in FIXED_DIRS:
            maps.append((".fixed", ("--handler-map", FIXED_MAP)))
        for tag, zp in maps:
            for fmt, ext in ANALYZE_FORMATS.items():
                out.append(
                    Golden(
                        f"{d}/expected/analyze{tag}.{ext}", ("analyze", *logs, *zp, "--format", fmt)
                    )
                )
        if d == "samples":
            # the demo pair has more migrations than the full report shows by
            # itself: its compact report is analyze.txt, the full one this
            for fmt, ext in TIMELINE_FORMATS.items():
                out.append(Golden(f"{d}/expected/analyze.details.{ext}", ("analyze", *logs, "--details", "--format", fmt)))
        if d in TIMELINE_OF:
            req = timeline_request(d)
            for fmt, ext in TIMELINE_FORMATS.items():
                out.append(
                    Golden(
                        f"{d}/expected/timeline.{ext}",
                        ("timeline", *logs, "--request", req, "--format", fmt),
                    )
                )
    return out


#: the 3.x/4.x path: directory -> [(file tag, log arguments, extra arguments)]
ZOS = "samples/zenopenstack"
ZOS_CASES: dict[str, list[tuple[str, tuple[str, ...], tuple[str, ...]]]] = {
    f"{ZOS}/stale": [
        ("", (f"{ZOS}/stale/zenopenstack.log", f"{ZOS}/stale/agent.log"), ()),
        # zenopenstack's log alone: stale, destination unknown
        (".alone", (f"{ZOS}/stale/zenopenstack.log",), ()),
    ],
    f"{ZOS}/fixed": [
        ("", (f"{ZOS}/fixed/zenopenstack.log", f"{ZOS}/fixed/agent.log"),
         ("--handler-map", f"{ZOS}/fixed/fixed-map.toml")),
    ],
    f"{ZOS}/info": [("", (f"{ZOS}/info/zenopenstack.log", f"{ZOS}/info/agent.log"), ())],
    f"{ZOS}/lost": [("", (f"{ZOS}/lost/zenopenstack.log", f"{ZOS}/lost/agent.log"), ())],
    f"{ZOS}/ops": [("", (f"{ZOS}/ops/zenopenstack.log", f"{ZOS}/ops/agent.log"), ())],
}
#: the zenopenstack case whose first migration's timeline is golden
ZOS_TIMELINE = f"{ZOS}/stale"


def _zos_cases() -> list[Golden]:
    out: list[Golden] = []
    for d, runs in ZOS_CASES.items():
        for tag, logs, extra in runs:
            for fmt, ext in ANALYZE_FORMATS.items():
                out.append(Golden(f"{d}/expected/analyze{tag}.{ext}", ("analyze", *logs, *extra, "--format", fmt)))
    logs = ZOS_CASES[ZOS_TIMELINE][0][1]
    migs = manifest(ZOS_TIMELINE)["migrations"]
    assert isinstance(migs, list)
    for fmt, ext in TIMELINE_FORMATS.items():
        out.append(
            Golden(f"{ZOS_TIMELINE}/expected/timeline.{ext}", ("timeline", *logs, "--request", migs[0]["request_id"], "--format", fmt))
        )
    return out


CASES: list[Golden] = _cases() + _zos_cases()


@dataclass(frozen=True)
class Run:
    exit_code: int
    stdout: str
    stderr: str


def run(case: Golden, env: Mapping[str, str | None] | None = None) -> Run:
    """Run `case` in-process with click's CliRunner (stdout is not a terminal,
    as when piped). The caller must have the repo root as its cwd."""
    result = CliRunner().invoke(
        cli, list(case.args), env={**BASE_ENV, **(env or {})}, catch_exceptions=False
    )
    return Run(
        result.exit_code, result.stdout_bytes.decode("utf-8"), result.stderr_bytes.decode("utf-8")
    )


def unstable(text: str) -> list[str]:
    """What a golden must not contain: this checkout's absolute path, or
    today's date (the samples are from 2017)."""
    out = []
    if str(ROOT) in text:
        out.append(f"the absolute path {ROOT}")
    for today in {date.today(), datetime.now(timezone.utc).date()}:
        if today.isoformat() in text:
            out.append(f"today's date {today.isoformat()}")
    return out


def read_golden(case: Golden) -> str | None:
    p = ROOT / case.path
    return p.read_bytes().decode("utf-8") if p.exists() else None


def diff(case: Golden, have: str | None, got: str, limit: int = 60) -> str:
    lines = list(
        difflib.unified_diff(
            (have or "").splitlines(keepends=True),
            got.splitlines(keepends=True),
            fromfile=case.path,
            tofile=f"{case.command} (now)",
        )
    )
    more = [f"... {len(lines) - limit} more diff lines\n"] if len(lines) > limit else []
    return "".join(lines[:limit] + more)


def orphans() -> list[Path]:
    """Files in expected/ directories that no case writes."""
    wanted = {ROOT / c.path for c in CASES}
    return sorted(
        p for d in [*sample_dirs(), *ZOS_CASES] for p in (ROOT / d / "expected").glob("*") if p not in wanted
    )


#: the generated day behind samples/day/expected/: 5,000 migrations from a fixed seed, the
#: compact report at volume. Its logs (~100 MB) are generated when needed, never committed.
DAY = {"migrations": 5000, "concurrency": 8, "seed": 5000, "batch": 4}
DAY_FORMATS = {"text": "txt", "markdown": "md"}


def day_goldens(workdir: Path) -> dict[str, tuple[Golden, Run]]:
    """Generate the day into `workdir` and run `lmtrace analyze` on it there
    (relative paths, so the report does not name `workdir`), once per format."""
    from lmtrace.synthetic import Options, generate

    generate(Options(**DAY, out=str(workdir)))  # type: ignore[arg-type]
    cwd = os.getcwd()
    os.chdir(workdir)
    try:
        return {
            fmt: (
                g := Golden(f"samples/day/expected/analyze.{ext}", ("analyze", "collector.log", "zenpython.log", "--format", fmt)),
                run(g),
            )
            for fmt, ext in DAY_FORMATS.items()
        }
    finally:
        os.chdir(cwd)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if a golden is out of date"
    )
    ap.add_argument("--list", action="store_true", help="print each golden file and its command")
    ap.add_argument(
        "--day", action="store_true", help="also the generated day (samples/day/expected/; ~30 s)"
    )
    opts = ap.parse_args(argv)
    os.chdir(ROOT)
    if opts.list:
        for c in CASES:
            print(f"{c.path}\n    {c.command}")
        return 0
    failed = changed = 0
    for c in CASES:
        first, second = run(c), run(c)
        problems = []
        if first.exit_code != 0:
            problems.append(f"exit status {first.exit_code}: {first.stderr.strip()}")
        if first.stdout != second.stdout:
            problems.append("two runs differ (output is not deterministic)")
        problems += unstable(first.stdout)
        if problems:
            failed += 1
            print(f"FAIL {c.path}: {'; '.join(problems)}\n    {c.command}", file=sys.stderr)
            continue
        have = read_golden(c)
        if have == first.stdout:
            continue
        changed += 1
        if opts.check:
            print(f"out of date: {c.path}", file=sys.stderr)
            print(diff(c, have, first.stdout), file=sys.stderr)
            continue
        p = ROOT / c.path
        p.parent.mkdir(exist_ok=True)
        p.write_bytes(first.stdout.encode("utf-8"))
        print(f"{'wrote' if have is None else 'updated'} {c.path}")
    for p in orphans():
        changed += 1
        if opts.check:
            print(f"orphan (no command writes it): {p.relative_to(ROOT)}", file=sys.stderr)
        else:
            p.unlink()
            print(f"removed {p.relative_to(ROOT)}")
    if opts.day:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            for g, r in day_goldens(Path(tmp)).values():
                have = read_golden(g)
                if r.exit_code != 0 or have == r.stdout:
                    failed += r.exit_code != 0
                    continue
                changed += 1
                if opts.check:
                    print(f"out of date: {g.path}", file=sys.stderr)
                    continue
                (ROOT / g.path).parent.mkdir(parents=True, exist_ok=True)
                (ROOT / g.path).write_bytes(r.stdout.encode("utf-8"))
                print(f"{'wrote' if have is None else 'updated'} {g.path}")
    verb = "out of date" if opts.check else "written"
    print(f"{len(CASES)} golden files, {changed} {verb}, {failed} failed", file=sys.stderr)
    return 1 if failed or (opts.check and changed) else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # `--list | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
