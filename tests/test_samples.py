"""The shipped samples against their ground truth (each scenario's manifest.json).

The generator (lmtrace.synthetic) writes, beside every log pair, what
it put there: per migration the hosts, the expected outcome and verdict under
each handler map, which handlers fire and which phases are lost. lmtrace must
find exactly that by reading the logs alone.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lmtrace.analyze import analyze
from lmtrace.handlers import builtin_map, load_handler_map
from lmtrace.phases import Side, classify

from .conftest import SAMPLES

SCENARIOS = sorted(p.parent for p in (SAMPLES / "scenarios").glob("*/manifest.json"))
CASES = [(d, zp) for d in [SAMPLES, *SCENARIOS] for zp in ("osi-2.x", "osi-2.x-pr401")]
# the map with every fix, where the manifest says what it gives (the other operations)
CASES += [
    (d, "fixed") for d in SCENARIOS if "fixed" in json.loads((d / "manifest.json").read_text())["handler_maps"]
]


def logs_of(d: Path) -> list[str]:
    files = json.loads((d / "manifest.json").read_text())["files"]
    # a rotated set names its parts, oldest first; lmtrace expands the glob the same way
    names = [*files.pop("rotated", {}), *(n for n in files if n != "collector.log")] if "rotated" in files else list(files)
    return [str(d / name) for name in names]


def _short(event_type: str) -> str:
    info = classify(event_type)
    assert info is not None
    return info.name


def _ids(case: Any) -> str:
    return case.name if isinstance(case, Path) else str(case)


@pytest.mark.parametrize(("scenario", "zenpack"), CASES, ids=_ids)
def test_scenario_matches_its_manifest(scenario: Path, zenpack: str) -> None:
    manifest = json.loads((scenario / "manifest.json").read_text())
    hmap = load_handler_map(str(SAMPLES / "maps" / "fixed.toml")) if zenpack == "fixed" else builtin_map(zenpack)
    report = analyze(logs_of(scenario), handler_map=hmap)
    got = {m.instance_id: m for m in report.migrations}
    assert len(report.migrations) == len(manifest["migrations"])
    for want in manifest["migrations"]:
        m = got[want["instance_id"]]
        exp = want["expected"][zenpack]
        assert (m.request_id, m.display_name) == (want["request_id"], want["display_name"])
        # the source is known only from a source-side phase (_post.*, _rollback.*, abort):
        # a migration cut off before one has no source in its logs
        # (an evacuation's source is the instance's previous host, which its events show)
        source_seen = any(
            e["kind"] == "phase" and classify(e["event_type"]).side is Side.SOURCE  # type: ignore[union-attr]
            for e in want["events"]
        ) or want.get("operation") == "evacuate"
        assert (m.source_host, m.destination_host) == (
            want["source_host"] if source_seen else None,
            want["destination_host"],
        )
        assert (m.outcome.value, m.verdict.value) == (exp["outcome"], exp["verdict"]), m.reason
        assert [(f.event_type, f.handler, f.host, f.context) for f in m.handlers] == [
            (h["event_type"], h["handler"], h["host"], h["context"]) for h in exp["handlers"]
        ]
        assert sorted(m.lost_phases) == sorted(_short(p["event_type"]) for p in exp["lost_phases"])
        if exp["corrected_by"] is None:
            assert m.corrected_by is None
        else:
            assert m.corrected_by is not None
            assert (m.corrected_by.event_type, m.corrected_by.host) == (
                exp["corrected_by"]["event_type"],
                exp["corrected_by"]["host"],
            )
        assert m.order_sensitive == exp["order_sensitive"]
        assert m.operation == want.get("operation", "live-migration")
        if "expected_host" in exp:
            assert m.expected_host == exp["expected_host"]
    # every line of every file is accounted for, none malformed
    for i in report.inputs:
        assert i.lines.malformed == 0 and i.lines.parsed + i.lines.skipped == i.lines.total
