"""The compact report: a couple of screens whatever the volume, the full
detail on request (--details) or by itself for a few migrations, --limit,
--group-by; and the generated day of 5,000 migrations, golden.

The day's logs (~100 MB) are generated from a fixed seed when the test runs
(samples/make_golden.py DAY); only their compact report is committed, in
samples/day/expected/ (`python samples/make_golden.py --day` rewrites it)."""

from __future__ import annotations

import importlib.util
import io
import json
import os
import re
import sys
from collections.abc import Iterator
from types import ModuleType

import pytest
from click.testing import CliRunner

from lmtrace.analyze import analyze
from lmtrace.cli import cli
from lmtrace.findings import Report
from lmtrace.render import write_report
from lmtrace.render.overview import AUTO_DETAILS, View

from .conftest import ROOT, SAMPLES

C, Z = str(SAMPLES / "collector.log"), str(SAMPLES / "zenpython.log")


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args))


def _make_golden() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_golden", SAMPLES / "make_golden.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("make_golden", mod)
    spec.loader.exec_module(mod)
    return mod


# ---------------------------------------------------------------------------
# the generated day


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Report]:
    """The day of samples/make_golden.py, analyzed where it was generated
    (relative paths, as in its golden)."""
    from lmtrace.synthetic import Options, generate

    d = tmp_path_factory.mktemp("day")
    generate(Options(**_make_golden().DAY, out=str(d)))
    (d / "manifest.json").unlink()  # 20 MB of ground truth this test does not read
    cwd = os.getcwd()
    os.chdir(d)
    try:
        yield analyze(["collector.log", "zenpython.log"], jobs=None)
    finally:
        os.chdir(cwd)


def _render(report: Report, fmt: str, view: View | None = None) -> str:
    out = io.StringIO()
    write_report(report, fmt, out, view)
    return out.getvalue()


@pytest.mark.parametrize(("fmt", "ext"), [("text", "txt"), ("markdown", "md")])
def test_the_day_is_golden_and_fits_a_couple_of_screens(day: Report, fmt: str, ext: str) -> None:
    assert len(day.migrations) >= 5000
    got = _render(day, fmt)
    golden = (ROOT / "samples" / "day" / "expected" / f"analyze.{ext}").read_text(encoding="utf-8")
    assert got == golden, "run python samples/make_golden.py --day and review the diff"
    assert len(got.splitlines()) < 200
    # one row per migration needing action, 50 of them, and the count of the rest
    bad = [m for m in day.migrations if m.verdict.value != "ok"]
    assert f"{len(bad):,} operations needing action (the first 50 by time)" in got
    assert f"and {len(bad) - 50:,} more" in got


def test_the_day_in_full_with_limit_0_and_details(day: Report) -> None:
    full = _render(day, "text", View(limit=0, details=True))
    assert len(re.findall(r"  VERDICT: ", full)) == len(day.migrations)
    assert len(full.splitlines()) > 100_000
    # --details alone: the first 50 in full, and what was left out
    some = _render(day, "text", View(details=True))
    assert len(re.findall(r"  VERDICT: ", some)) == 50
    assert f"... and {len(day.migrations) - 50:,} more operations (--limit 0 shows them all)" in some


def test_the_day_by_reason_adds_up(day: Report) -> None:
    text = _render(day, "text")
    section = text.split("BY VERDICT AND REASON\n", 1)[1].split("\n\n", 1)[0].splitlines()[1:]
    counts: dict[str, int] = {}
    for row in section:
        n, verdict = row.split()[:2]
        counts[verdict] = counts.get(verdict, 0) + int(n.replace(",", ""))
    assert counts == {k: v for k, v in day.summary.verdicts.items() if v}


# ---------------------------------------------------------------------------
# the switch between compact and full, and the options


def test_few_migrations_are_shown_in_full_many_compact(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    one = run("analyze", C, Z, "--instance", "pdcmtest", "-q")
    assert "MIGRATION " in one.stdout and "BY VERDICT AND REASON" not in one.stdout
    five = run("analyze", C, Z, "-q")
    assert len(json.loads(run("analyze", C, Z, "--format", "json", "-q").stdout)["migrations"]) > AUTO_DETAILS
    assert "MIGRATION " not in five.stdout
    assert "BY VERDICT AND REASON" in five.stdout
    assert "4 migrations needing action" in five.stdout
    forced = run("analyze", "samples/collector.log", "samples/zenpython.log", "--details", "-q")
    assert forced.stdout == (SAMPLES / "expected" / "analyze.details.txt").read_text(encoding="utf-8")
    compact_one = run("analyze", C, Z, "--instance", "pdcmtest", "--no-details", "-q")
    assert "MIGRATION " not in compact_one.stdout and "1 migration needing action" in compact_one.stdout


def test_limit_cuts_the_action_table_and_says_how_to_see_the_rest() -> None:
    r = run("analyze", C, Z, "--limit", "2", "-q")
    rows = r.stdout.split("4 migrations needing action (the first 2 by time)\n", 1)[1].split("\n\n")[0]
    assert len([x for x in rows.splitlines() if re.match(r"  \d\d:\d\d:\d\d ", x)]) == 2
    assert "... and 2 more: --limit 0 lists them all" in rows


def test_group_by_counts_per_group() -> None:
    r = run("analyze", C, Z, "--group-by", "host,day,verdict,instance", "-q")
    assert r.exit_code == 0, r.output
    by_day = r.stdout.split("BY DAY\n", 1)[1].split("\n\n")[0].splitlines()
    assert by_day[0].split() == ["day", "migrations", "needing", "action", "failed", "incomplete", "lost", "missed", "stale", "ok"]
    assert by_day[1].split() == ["2017-01-23", "5", "4", "0", "0", "0", "0", "4", "1"]
    by_verdict = r.stdout.split("BY VERDICT\n", 1)[1].split("\n\n")[0].splitlines()
    assert [x.split()[:2] for x in by_verdict[1:]] == [["stale", "4"], ["ok", "1"]]
    assert "BY HOST (A MIGRATION COUNTS UNDER BOTH ITS HOSTS)" in r.stdout
    assert "BY INSTANCE" in r.stdout
    # on a full report too
    one = run("analyze", C, Z, "--instance", "pdcmtest", "--group-by", "host", "-q")
    assert "MIGRATION " in one.stdout and "BY HOST" in one.stdout
    bad = run("analyze", C, Z, "--group-by", "rack")
    assert bad.exit_code == 2 and "--group-by rack: choose from host, instance, verdict, day" in bad.stderr


def test_markdown_compact_tables_paste_into_a_document() -> None:
    md = run("analyze", C, Z, "--format", "markdown", "-q").stdout
    assert "## 4 migrations needing action" in md
    assert "| time (UTC) | instance | source → destination | verdict | reason |" in md
    assert "| 06:00:15 | pdcmtest | ndc27-3205 → ndc27-3222 | stale | instance\\_update on \\_post.end wrote the source |" in md


def test_machine_formats_keep_everything() -> None:
    doc = json.loads(run("analyze", C, Z, "--format", "json", "--limit", "1", "-q").stdout)
    assert len(doc["migrations"]) == 5


def test_the_readme_shows_the_compact_report_of_the_samples() -> None:
    golden = (SAMPLES / "expected" / "analyze.txt").read_text(encoding="utf-8")
    block = golden[golden.index("SUMMARY\n") : golden.index("RECOMMENDED MAPPING CHANGE")].rstrip("\n")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"```text\n{block}\n```" in readme
    # before the write-up's one-migration example
    assert readme.index(block) < readme.index("## 30 seconds")
