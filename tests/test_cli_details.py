"""Small things a new user trips over: the CSV offset, the mapping change a
timeline refers to, zoneless --since, contradictory options, the progress text."""

from __future__ import annotations

import csv
import io

from click.testing import CliRunner

from lmtrace.cli import cli
from lmtrace.progress import Progress

from .conftest import ROOT

C = str(ROOT / "samples" / "collector.log")
Z = str(ROOT / "samples" / "zenpython.log")


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args))


def test_events_csv_has_the_utc_offset() -> None:
    r = run("events", C, Z, "--format", "csv", "-q")
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert {row["utc_offset"] for row in rows if row["kind"] == "collector"} == {"+08:00"}
    assert {row["utc_offset"] for row in rows if row["kind"] == "zenpython"} == {"+01:00"}


def test_the_timeline_prints_the_change_its_fix_refers_to() -> None:
    stale = ROOT / "samples" / "scenarios" / "stale"
    r = run("timeline", str(stale / "collector.log"), str(stale / "zenpython.log"), "--instance", "pdcmtest12", "-q")
    assert r.exit_code == 0, r.output
    assert "see the recommended mapping change" in " ".join(r.stdout.split())
    assert "\nRecommended mapping change\n" in r.stdout
    assert "'openstack|compute.instance.live_migration.post.dest.end': (instance_id, instance_update)," in r.stdout


def test_a_zoneless_since_that_excludes_migrations_says_it_is_utc() -> None:
    r = run("analyze", C, Z, "--since", "14:05", "-q")
    assert r.exit_code == 0
    assert "0 of 5 live migrations" in r.stdout
    assert (
        "warning: --since 14:05: a time without a zone is UTC, not the logs' local time "
        "(the logs' local times are +01:00, +08:00); the time filter excluded 5 of 5 live migration(s)"
    ) in r.stderr
    # with its offset, the same local time is no surprise
    r = run("analyze", C, Z, "--since", "14:05 +08:00", "-q")
    assert "a time without a zone" not in r.stderr


def test_an_inverted_range_is_a_usage_error() -> None:
    r = run("analyze", C, "--since", "06:10", "--until", "06:00")
    assert r.exit_code == 2
    assert "Error: --since 06:10 lies after --until 06:00" in r.stderr


def test_handler_map_and_zenpack_together_are_a_usage_error() -> None:
    toml = ROOT / "tests" / "data" / "handler_maps"
    path = toml / "fix.toml"
    for command in (["analyze", C], ["timeline", C, "--instance", "x"]):
        r = run(*command, "--zenpack", "osi-3.x", "--handler-map", str(path))
        assert r.exit_code == 2, r.output
        assert "replaces the built-in map: give it or --zenpack osi-3.x, not both" in r.stderr


def test_timeline_points_analyze_only_options_to_analyze() -> None:
    r = run("timeline", C, "--since", "06:00", "--request", "x")
    assert r.exit_code == 2
    assert "timeline has no --since" in r.stderr
    assert "Did you mean" not in r.stderr


def test_the_progress_text_says_what_is_going_on() -> None:
    def p(read: int, done: int, stage: str = "reading") -> Progress:
        return Progress(bytes_read=read, bytes_total=100, events=5, files_done=done, files_total=2, stage=stage)

    assert p(50, 0).describe() == "reading 2 files (0 done)"
    assert p(100, 1).describe() == "read 2 files; building events (1 done)"
    assert p(100, 2, "analyzing").describe() == "analyzing"
