"""The synthetic log generator (lmtrace.synthetic) and the checked-in samples."""

from __future__ import annotations

import ast
import gzip
import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lmtrace.synthetic import SCENARIOS, Options, generate, parse_offset  # noqa: E402
from lmtrace.synthetic.args import main  # noqa: E402

OSLO_PREFIX = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \d+ [A-Z]+ \S+ \[[^\]]*\] ")
ZEN_PREFIX = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ zen\.\S+: ")
ZEN_EVENT = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|WARNING) zen\.zenpython: "
    r"([Qq]ueued event \(total of \d+\)|[Dd]iscarded event - queue overflow:) \{"
)


def _opts(tmp: Path, **kw: object) -> Options:
    base: dict[str, object] = dict(migrations=30, concurrency=3, seed=7, noise_ratio=0.3,
                                   pretty_ratio=0.2, batch=3, dict_form_ratio=0.3,
                                   lowercase_ratio=0.2, out=str(tmp))
    base.update(kw)
    return Options(**base)  # type: ignore[arg-type]


def _records(path: Path) -> dict[int, str]:
    """zenpython records by first line number (pretty dicts joined back)."""
    recs: dict[int, str] = {}
    last = 0
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if ZEN_PREFIX.match(line):
            recs[n] = line
            last = n
        else:
            assert line.startswith(" "), f"{path}:{n}: neither a log line nor a continuation"
            recs[last] += "\n" + line
    return recs


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:  # type: ignore[type-arg]
    out = tmp_path_factory.mktemp("gen")
    return out, generate(_opts(out))


def test_deterministic_for_a_seed(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate(_opts(a))
    generate(_opts(b))
    generate(_opts(c, seed=8))
    for name in ("collector.log", "zenpython.log", "manifest.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert (a / "collector.log").read_bytes() != (c / "collector.log").read_bytes()


def test_manifest_counts_match_the_files(run: tuple[Path, dict]) -> None:  # type: ignore[type-arg]
    out, man = run
    coll = (out / "collector.log").read_text(encoding="utf-8").splitlines()
    zen = (out / "zenpython.log").read_text(encoding="utf-8").splitlines()
    fc, fz = man["files"]["collector.log"], man["files"]["zenpython.log"]
    assert fc["lines"] == len(coll)
    assert fc["bytes"] == (out / "collector.log").stat().st_size
    assert fc["event_lines"] == sum("record_events called" in ln for ln in coll)
    assert fc["events"] == sum(ln.count("<Event: ") + ln.count("{u'event_type'") for ln in coll)
    assert fc["events"] == man["counts"]["events"]
    assert fz["lines"] == len(zen)
    assert fz["queued_lines"] == sum(bool(re.search(r"[Qq]ueued event \(total of", ln))
                                     for ln in zen)
    assert fz["discarded_lines"] == sum("iscarded event - queue overflow" in ln for ln in zen)
    never = sum(e["status"] == "never" for m in man["migrations"] for e in m["events"])
    assert fz["queued_lines"] == man["counts"]["events"] - never
    assert len(man["migrations"]) == 30


def test_manifest_points_at_the_right_lines(run: tuple[Path, dict]) -> None:  # type: ignore[type-arg]
    out, man = run
    coll = (out / "collector.log").read_text(encoding="utf-8").splitlines()
    recs = _records(out / "zenpython.log")
    discarded = [r for r in recs.values() if "queue overflow" in r]
    for m in man["migrations"]:
        for e in m["events"]:
            assert e["event_id"] in coll[e["collector_line"] - 1]
            if e["status"] == "never":
                assert e["zenpython_line"] is None
                assert not any(e["event_id"] in r for r in recs.values())
                continue
            rec = recs[e["zenpython_line"]]
            d = ast.literal_eval(rec[rec.index("{"):])
            assert d["eventKey"] == e["event_id"]
            assert d["eventClassKey"] == "openstack|" + e["event_type"]
            assert d["trait_host_name"] == e["host_name"]
            assert repr(d["rcvtime"]) == e["rcvtime"]
            assert (e["status"] == "discarded") == any(e["event_id"] in r for r in discarded)


@pytest.mark.parametrize("ratio", [0.0, 0.5, 0.9, 0.99])
def test_noise_ratio_is_honoured(tmp_path: Path, ratio: float) -> None:
    man = generate(_opts(tmp_path, noise_ratio=ratio, pretty_ratio=0.0, migrations=20))
    for name in ("collector.log", "zenpython.log"):
        f = man["files"][name]
        assert abs(f["noise_lines"] / f["lines"] - ratio) < 0.01, (name, f)
    lines = (tmp_path / "collector.log").read_text(encoding="utf-8").splitlines()
    noise = sum("record_events called" not in ln for ln in lines)
    assert abs(noise / len(lines) - ratio) < 0.01


def test_every_line_has_its_prefix(run: tuple[Path, dict]) -> None:  # type: ignore[type-arg]
    out, _ = run
    for n, line in enumerate((out / "collector.log").read_text(encoding="utf-8").splitlines(), 1):
        assert OSLO_PREFIX.match(line), f"collector.log:{n}: {line[:80]}"
    events = 0
    for rec in _records(out / "zenpython.log").values():
        assert ZEN_PREFIX.match(rec)
        if "ueued event (total of" in rec or "queue overflow" in rec:
            assert ZEN_EVENT.match(rec), rec[:100]
            events += 1
    assert events > 0


def test_collector_events_parse_and_times_are_local(run: tuple[Path, dict]) -> None:  # type: ignore[type-arg]
    out, man = run
    lines = (out / "collector.log").read_text(encoding="utf-8").splitlines()
    assert [ln[:23] for ln in lines] == sorted(ln[:23] for ln in lines)
    dict_lines = 0
    for line in lines:
        if "record_events called" not in line:
            continue
        inner = line[line.index("(events=") + 8:-1]
        if inner.startswith("[{"):
            dict_lines += 1
            for ev in ast.literal_eval(inner):
                assert set(ev) == {"event_type", "traits", "message_signature", "raw",
                                   "generated", "message_id"}
                assert [t[0] for t in ev["traits"]][:2] == ["state_description", "memory_mb"]
        else:
            assert re.match(r"\[<Event: [0-9a-f-]{36}, \S+, \d{4}-\d\d-\d\d \d\d:\d\d:\d\d", inner)
            assert inner.endswith(">>]")
    assert dict_lines == man["files"]["collector.log"]["dict_form_lines"] > 0


def test_scenarios_give_their_verdicts(tmp_path: Path) -> None:
    weights = {s: 1.0 for s in SCENARIOS}
    man = generate(_opts(tmp_path, migrations=90, scenarios=weights))
    want = {"ok": "ok", "stale": "stale", "missed": "missed", "lost": "lost",
            "discarded": "lost", "failed": "failed", "aborted": "failed",
            "incomplete": "incomplete", "norequest": "stale",
            "resize-stale": "stale", "resize-ok": "ok", "resize-reverted": "ok",
            "evacuate-ok": "ok", "unshelve-missed": "missed"}
    seen = set()
    for m in man["migrations"]:
        seen.add(m["scenario"])
        assert m["expected"]["osi-2.x"]["verdict"] == want[m["scenario"]], m["scenario"]
        if m["scenario"] == "norequest":
            assert m["request_id"] is None
    assert seen == set(SCENARIOS)
    # lmtrace reads every operation of the mixed log as the generator planned it
    from lmtrace.analyze import analyze
    from lmtrace.handlers import builtin_map

    report = analyze([str(tmp_path / "collector.log"), str(tmp_path / "zenpython.log")],
                     handler_map=builtin_map("osi-2.x"))
    got = {m.instance_id: (m.operation, m.outcome.value, m.verdict.value) for m in report.migrations}
    assert got == {
        m["instance_id"]: (m.get("operation", "live-migration"), m["expected"]["osi-2.x"]["outcome"],
                           m["expected"]["osi-2.x"]["verdict"])
        for m in man["migrations"]
    }


def test_parse_offset() -> None:
    assert parse_offset("+08:00") == 480
    assert parse_offset("-05:30") == -330
    assert parse_offset("Z") == 0
    with pytest.raises(ValueError):
        parse_offset("Asia/Shanghai")


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--migrations", "3", "--zenpython-tz", "+01:00", "--out", str(tmp_path)]) == 0
    assert "MB/s" in capsys.readouterr().err
    man = json.loads((tmp_path / "manifest.json").read_text())
    assert man["files"]["zenpython.log"]["utc_offset"] == "+01:00"
    with pytest.raises(SystemExit):
        main(["--scenarios", "bogus=1"])


def _sample_files(root: Path) -> list[Path]:
    return sorted(p.relative_to(root) for p in root.rglob("*")
                  if p.is_file() and (p.name.startswith(("collector.log", "zenpython.log"))
                                      or p.name == "manifest.json"))


def test_samples_are_what_make_samples_writes(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "samples"))
    import make_samples

    make_samples.make(tmp_path)
    have, want = _sample_files(ROOT / "samples"), _sample_files(tmp_path)
    assert have == want
    for rel in want:
        a, b = (ROOT / "samples" / rel).read_bytes(), (tmp_path / rel).read_bytes()
        if rel.suffix == ".gz":  # compare content: gzip bytes depend on the zlib build
            a, b = gzip.decompress(a), gzip.decompress(b)
        assert a == b, f"samples/{rel} differs from make_samples.py output; rerun it"
