"""analyze on the 3.x/4.x path: zenopenstack's log alone, with the notification
agent's publisher log, at INFO (debug off), and the generation it detects."""

from __future__ import annotations

import re
from pathlib import Path

from lmtrace.analyze import analyze
from lmtrace.findings import Reached, Verdict
from lmtrace.handlers import builtin_map

DATA = Path(__file__).parent / "data" / "zos"
ZOS = str(DATA / "research_example_zenopenstack.log")
AGENT = str(DATA / "research_example_agent-notification.log")


def test_zenopenstack_alone_is_stale_with_the_destination_unknown():
    r = analyze([ZOS])
    (m,) = r.migrations
    assert (m.verdict, m.source_host, m.destination_host) == (Verdict.STALE, "compute-01", None)
    assert "destination is unknown" in m.reason
    assert m.released_host == "compute-01"
    assert [(f.event_type[-9:], f.host, f.reached) for f in m.handlers] == [("_post.end", "compute-01", Reached.YES)]
    assert r.handler_map.name == "osi-3.x" and r.handler_map.generation == "3.x/4.x"


def test_with_the_publisher_the_destination_is_known_and_unmapped_phases_unlogged():
    r = analyze([ZOS, AGENT])
    (m,) = r.migrations
    assert (m.verdict, m.destination_host) == (Verdict.STALE, "compute-02")
    assert {p.phase: p.reached for p in m.phases} == {"post.dest.end": Reached.UNLOGGED, "_post.end": Reached.YES}
    assert r.pipeline is not None
    assert r.pipeline.statuses == {"200": 4, "502": 1} and r.pipeline.failures == 1
    causes = sorted(e.cause for e in r.pipeline.lost_events)
    assert causes[0].startswith("the HTTP publisher failed to post it: HTTP 502")
    assert causes[1] == "zenopenstack could not process it: SyntaxError: unexpected EOF while parsing"


def test_a_given_map_wins_over_the_generation():
    r = analyze([ZOS], handler_map=builtin_map("osi-2.x"))
    assert r.handler_map.name == "osi-2.x" and "given" in r.handler_map.why
    assert r.handler_map.generation == "3.x/4.x"


def test_info_level_log_covers_nothing_and_verdicts_say_would(tmp_path: Path):
    # the same log at INFO: only the ERROR line and its traceback remain
    text = Path(ZOS).read_text()
    keep = re.split(r"(?m)^(?=\d{4}-)", text)
    info = "".join(rec for rec in keep if " ERROR " in rec.split("\n", 1)[0])
    zos = tmp_path / "zenopenstack.log"
    zos.write_text(info)
    r = analyze([str(zos), AGENT])
    (m,) = r.migrations
    assert m.would and all(p.reached is Reached.WOULD for p in m.phases)
    assert m.verdict is Verdict.STALE
    assert any("debug logging was off" in w for w in r.warnings)
    assert r.pipeline is not None and r.pipeline.debug_off == (str(zos),)


# --- the constructed samples and the generator, against their ground truth ---

ROOT = Path(__file__).resolve().parent.parent
ZOS_SAMPLES = ROOT / "samples" / "zenopenstack"


def _verdicts(paths: list[str], **kw: object) -> dict[str | None, tuple[str, str | None]]:
    r = analyze(paths, **kw)  # type: ignore[arg-type]
    return {m.display_name: (m.verdict.value, m.destination_host) for m in r.migrations}


def _truth(d: Path) -> dict[str | None, tuple[str, str | None]]:
    import json

    man = json.loads((d / "manifest.json").read_text())
    return {m["display_name"]: (m["verdict"], m["destination_host"]) for m in man["migrations"] if m["visible"]}


def test_samples_match_their_manifests():
    from lmtrace.handlers import load_handler_map

    for name in ("stale", "fixed", "info", "lost", "ops"):
        d = ZOS_SAMPLES / name
        kw = {"handler_map": load_handler_map(str(d / "fixed-map.toml"))} if name == "fixed" else {}
        got = _verdicts([str(d / "zenopenstack.log"), str(d / "agent.log")], **kw)
        assert got == _truth(d), name


def test_stale_sample_alone_reads_stale_with_the_destination_unknown():
    got = _verdicts([str(ZOS_SAMPLES / "stale" / "zenopenstack.log")])
    assert set(got.values()) == {("stale", None)} and len(got) == 3


def test_generator_ground_truth(tmp_path: Path):
    from lmtrace.synthetic.args import main

    for seed, extra in ((7, []), (8, ["--fixed"]), (9, ["--info"]), (10, ["--trace-until", "900"])):
        out = tmp_path / str(seed)
        assert main(["--zenopenstack", "--migrations", "10", "--seed", str(seed), "--out", str(out), *extra]) == 0
        kw = {}
        if "--fixed" in extra:
            from lmtrace.handlers import load_handler_map

            kw["handler_map"] = load_handler_map(str(ROOT / "samples" / "maps" / "fixed.toml"))
        got = _verdicts([str(out / "zenopenstack.log"), str(out / "agent.log")], **kw)
        assert got == _truth(out), (seed, extra)


def test_readme_report_is_current(monkeypatch):
    """The README's section "Zenoss 6.8+ and ZenPack 3.x/4.x" shows a real run on the samples."""
    import shlex

    from click.testing import CliRunner

    from lmtrace.cli import cli

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Zenoss 6.8+ and ZenPack 3.x/4.x", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```text\n\$ (lmtrace [^\n]*)\n(.*?)```", section, re.S)
    assert blocks
    monkeypatch.chdir(ROOT)
    for command, shown in blocks:
        out = CliRunner().invoke(cli, shlex.split(command)[1:]).stdout
        if shown.startswith("...\n"):  # an excerpt: its lines appear in the output as shown
            excerpt = shown[4:].removesuffix("...\n")  # cut at the end too
            assert excerpt in out, command
        else:
            assert out == shown, command


def test_zenpython_with_openstack_dash_keys_is_the_3x_generation(tmp_path: Path):
    src = ROOT / "samples" / "scenarios" / "stale"
    zp = tmp_path / "zenpython.log"
    zp.write_text((src / "zenpython.log").read_text().replace("openstack|", "openstack-"))
    r = analyze([str(src / "collector.log"), str(zp)])
    assert (r.handler_map.generation, r.handler_map.name) == ("3.x/4.x", "osi-3.x")
    assert "openstack-TYPE" in r.handler_map.why
    r2 = analyze([str(src / "collector.log"), str(src / "zenpython.log")])
    assert (r2.handler_map.generation, r2.handler_map.name) == ("2.x", "osi-2.x")
    mixed = analyze([str(src / "collector.log"), str(src / "zenpython.log"), ZOS])
    assert (mixed.handler_map.generation, mixed.handler_map.name) == ("mixed", "osi-3.x")


def test_an_upgrade_window_judges_both_paths_operations_with_the_newer_map():
    """collector + zenpython (2.x: the ok and stale live migrations) beside zenopenstack + publisher
    (3.x/4.x: samples/zenopenstack/ops): one report, every operation of either side judged."""
    old = [str(ROOT / "samples" / "scenarios" / s / f) for s in ("ok", "stale") for f in ("collector.log", "zenpython.log")]
    new = [str(ROOT / "samples" / "zenopenstack" / "ops" / f) for f in ("zenopenstack.log", "agent.log")]
    r = analyze(old + new)
    assert (r.handler_map.generation, r.handler_map.name) == ("mixed", "osi-3.x")
    assert r.handler_map.why == (
        "the newer path's map, the one still running after the upgrade: zenopenstack and publisher lines"
        " (3.x/4.x) beside zenpython and collector lines (2.x): an upgrade window"
    )
    got = sorted((m.operation, m.instance_id[:8], m.verdict.value) for m in r.migrations)
    assert got == [
        ("evacuate", "059e07ba", "ok"),
        ("live-migration", "9e7d73aa", "ok"),  # 2.x side: zenpython's events, judged by osi-3.x
        ("live-migration", "fc743e1e", "stale"),
        ("resize", "65ac7655", "ok"),  # 3.x side: zenopenstack's and the publisher's events
        ("resize", "80abdcc1", "stale"),
        ("resize", "e77cf70e", "ok"),
        ("unshelve", "0df90b14", "missed"),
    ]
    by_id = {m.instance_id[:8]: m for m in r.migrations}
    stale_2x, ok_2x = by_id["fc743e1e"], by_id["9e7d73aa"]
    assert "_post.end wrote ndc27-3205 (the source) last" in stale_2x.reason
    assert "wrote ndc27-3222, the destination" in ok_2x.reason
    assert "resize.end wrote cmp-1 (the source) last" in by_id["80abdcc1"].reason
    # each side's verdicts are the ones it gets alone
    for side in (old, new):
        alone = {m.instance_id: m.verdict for m in analyze(side).migrations}
        assert alone == {i: m.verdict for i, m in ((m.instance_id, m) for m in r.migrations) if i in alone}
    assert r.pipeline is not None and r.pipeline.statuses  # the publisher's facts are reported


def test_stale_with_its_destination_side_unseen_still_gets_the_mapping_change() -> None:
    """zenopenstack's log alone: the last write is instance_update on
    _post.end (the source) and post.dest.end is unseen; the recommendation
    points at the mapping change, so the report gives it (3.x MAPPERS shape)."""
    from click.testing import CliRunner

    from lmtrace.cli import cli

    log = ROOT / "samples" / "zenopenstack" / "stale" / "zenopenstack.log"
    r = CliRunner().invoke(
        cli, ["analyze", str(log), "--tz", "+08:00", "--instance", "web-03", "--format", "text", "-q"]
    )
    assert r.exit_code == 0, r.stderr
    assert "(see the\n                     recommended mapping change)" in r.stdout
    change = r.stdout.split("RECOMMENDED MAPPING CHANGE\n", 1)[1].split("\nWARNINGS", 1)[0]
    assert "none:" not in change
    assert "    # remove: 'compute.instance.live_migration._post.end': instance_update,\n" in change
    assert "    'compute.instance.live_migration.post.dest.end': instance_update,\n" in change
    assert "no post.dest.end seen" in r.stdout  # the note says why, without claiming proof


def test_no_change_is_worded_for_the_operations_in_the_report() -> None:
    from click.testing import CliRunner

    from lmtrace.cli import cli

    sc = ROOT / "samples" / "scenarios"
    for name, want in (
        ("resize-ok", "none: no stale or missed resize here shows finish_resize.end carrying the destination"),
        ("evacuate-ok", "none: no stale or missed evacuation here shows rebuild.end carrying the destination"),
        ("ok", "none: no stale or missed migration here shows post.dest.end carrying the destination"),
    ):
        r = CliRunner().invoke(cli, ["analyze", str(sc / name), "--format", "text", "-q"])
        assert r.exit_code == 0, r.stderr
        assert f"RECOMMENDED MAPPING CHANGE\n  {want}\n" in r.stdout, name
