"""Golden reports: every sample's `lmtrace analyze` (and two timelines), byte for byte.

Regenerate them all with

    python samples/make_golden.py

and review `git diff samples/` like code: a changed golden is a changed report.
`python samples/make_golden.py --list` prints the command behind each file. The cases and the
way they are run (click's CliRunner, cwd at the repo root, paths relative to it) come from
samples/make_golden.py itself, so this test and the files cannot disagree on a command.

Besides the bytes, the verdicts in each analyze.json are checked against the sample's
manifest.json (its ground truth), so regenerating cannot silently bless a wrong verdict, and
the text formats are checked not to depend on the terminal's width.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import sys
from types import ModuleType
from typing import Any

import pytest

from .conftest import ROOT, SAMPLES

REGENERATE = "run python samples/make_golden.py and review the diff"


def _load_make_golden() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_golden", SAMPLES / "make_golden.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("make_golden", mod)  # dataclasses look their module up by name
    spec.loader.exec_module(mod)
    return mod


mg = _load_make_golden()
CASES = mg.CASES
TEXT_CASES = [c for c in CASES if c.fmt in ("text", "markdown")]
#: (directory, handler map, golden analyze.json) for every verdict check
JSON_CASES = [
    (
        c.path.split("/expected/")[0],
        "osi-2.x-pr401" if ".pr401." in c.path else "fixed" if ".fixed." in c.path else "osi-2.x",
        c,
    )
    for c in CASES
    if c.args[0] == "analyze" and c.fmt == "json" and not c.path.startswith("samples/zenopenstack/")
]  # the 3.x/4.x path's ground truth is checked by tests/test_analyze_zos.py
#: manifest key -> the handler map's name in a report
MAP_NAMES = {"fixed": "fixed.toml"}


def _id(case: Any) -> str:
    return str(case.path.removeprefix("samples/").removeprefix("scenarios/"))


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def _golden(case: Any) -> str:
    have = mg.read_golden(case)
    assert have is not None, f"{case.path} is missing: {REGENERATE}"
    return str(have)


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_output_is_the_golden_file(case: Any) -> None:
    got = mg.run(case)
    assert got.exit_code == 0, f"{case.command} exited {got.exit_code}: {got.stderr}"
    have = _golden(case)
    assert got.stdout == have, (
        f"{case.path} differs from `{case.command}`: {REGENERATE}\n"
        + mg.diff(case, have, got.stdout)
    )


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_golden_is_stable(case: Any) -> None:
    """No absolute path and no date of today: the file reads the same on any machine, any day."""
    assert mg.unstable(_golden(case)) == []


@pytest.mark.parametrize("columns", ["40", "200"])
@pytest.mark.parametrize("case", TEXT_CASES, ids=_id)
def test_piped_text_ignores_terminal_width(case: Any, columns: str) -> None:
    got = mg.run(case, env={"COLUMNS": columns, "LINES": "24"})
    assert got.exit_code == 0, got.stderr
    assert got.stdout == _golden(case), (
        f"with COLUMNS={columns}, `{case.command}` differs from {case.path}: piped text must not "
        "depend on the terminal's width\n" + mg.diff(case, _golden(case), got.stdout)
    )


def test_auto_when_piped_is_the_text_golden() -> None:
    """`--format auto` under a pipe (CliRunner's stdout is no terminal) prints text."""
    (case,) = [c for c in CASES if c.path == "samples/expected/analyze.txt"]
    auto = mg.Golden(case.path, tuple("auto" if a == "text" else a for a in case.args))
    got = mg.run(auto, env={"COLUMNS": "40"})
    assert got.exit_code == 0, got.stderr
    assert got.stdout == _golden(case)


def test_every_golden_file_has_a_command() -> None:
    assert [str(p.relative_to(ROOT)) for p in mg.orphans()] == [], (
        f"golden files that no command writes: {REGENERATE}"
    )


def test_every_sample_has_goldens() -> None:
    have = {c.path.split("/expected/")[0] for c in CASES}
    dirs = {
        "samples",
        *(f"samples/scenarios/{p.parent.name}" for p in SAMPLES.glob("scenarios/*/manifest.json")),
        *(f"samples/zenopenstack/{p.parent.name}" for p in SAMPLES.glob("zenopenstack/*/manifest.json")),
    }
    assert have == dirs


# ---------------------------------------------------------------------------
# the goldens against the ground truth


def _expected(d: str, zenpack: str) -> dict[str, tuple[str, str]]:
    """instance id -> (outcome, verdict) the sample was made to show."""
    man = json.loads((ROOT / d / "manifest.json").read_text(encoding="utf-8"))
    return {
        m["instance_id"]: (m["expected"][zenpack]["outcome"], m["expected"][zenpack]["verdict"])
        for m in man["migrations"]
    }


@pytest.mark.parametrize(
    ("d", "zenpack", "case"), JSON_CASES, ids=[_id(c) for _, _, c in JSON_CASES]
)
def test_golden_verdicts_are_the_samples_intent(d: str, zenpack: str, case: Any) -> None:
    """A golden cannot bless a wrong verdict: analyze.json says what manifest.json intends."""
    doc = json.loads(_golden(case))
    got = {m["instance_id"]: (m["outcome"], m["verdict"]) for m in doc["migrations"]}
    assert got == _expected(d, zenpack), f"{case.path} disagrees with {d}/manifest.json ({zenpack})"
    counts = {v: sum(1 for o, vv in got.values() if vv == v) for v in doc["summary"]["verdicts"]}
    assert doc["summary"]["verdicts"] == counts
    assert doc["summary"]["migrations"] == len(got)
    assert doc["handler_map"]["name"] == MAP_NAMES.get(zenpack, zenpack)


@pytest.mark.parametrize(
    ("d", "zenpack", "case"), JSON_CASES, ids=[_id(c) for _, _, c in JSON_CASES]
)
def test_jsonl_and_csv_goldens_agree_with_json(d: str, zenpack: str, case: Any) -> None:
    doc = json.loads(_golden(case))
    want = [(m["request_id"], m["instance_id"], m["verdict"]) for m in doc["migrations"]]
    stem = case.path.removesuffix(".json")
    (jsonl,) = [c for c in CASES if c.path == stem + ".jsonl"]
    (csv_case,) = [c for c in CASES if c.path == stem + ".csv"]
    lines = [json.loads(x) for x in _golden(jsonl).splitlines()]
    assert lines == doc["migrations"]
    rows = list(csv.DictReader(io.StringIO(_golden(csv_case))))
    assert [(r["request_id"] or None, r["instance_id"], r["verdict"]) for r in rows] == want
