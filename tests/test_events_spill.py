"""`lmtrace events` in bounded memory: sorted runs, spilled to temporary files, merged.

The output must be byte for byte what writing every event held in memory gives
(`load_events`, sorted once), in every format, whatever the run size: tiny runs force
every batch to disk, both before a file's clock is known and after.
"""

from __future__ import annotations

import gzip
import io
import json
import sys
from pathlib import Path

import pytest

from lmtrace import parallel, spool
from lmtrace.clock import parse_tz
from lmtrace.load import EventStream, load_events
from lmtrace.render.fields import event_record, input_record
from lmtrace.render.stream import write_events
from lmtrace.spool import stream_events

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lmtrace.synthetic import Options, generate, parse_offset  # noqa: E402

FORMATS = ["jsonl", "json", "csv", "text", "markdown"]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    base = tmp_path_factory.mktemp("spill")
    generate(Options(migrations=12, concurrency=3, seed=7, noise_ratio=0.3, pretty_ratio=0.3, batch=3,
                     collector_tz=parse_offset("+08:00"), zenpython_tz=parse_offset("+01:00"), out=str(base)))  # fmt: skip
    coll = base / "collector.log"
    lines = coll.read_bytes().splitlines(keepends=True)
    # a second collector log, compressed, whose lines interleave with the first one's
    (base / "other.log.gz").write_bytes(gzip.compress(b"".join(lines[1::3])))
    # a line whose log time cannot be moved to UTC, and one with no events at all
    lines.insert(5, b"0001-01-01 00:00:00.000" + lines[0][23:])
    lines.append(b"9999-12-31 23:59:59.500" + lines[0][23:])
    coll.write_bytes(b"".join(lines))
    (base / "empty.log").write_bytes(b"")
    return [str(base / "collector.log"), str(base / "zenpython.log"), str(base / "other.log.gz"), str(base / "empty.log")]


def _write(stream: object, fmt: str) -> str:
    out = io.StringIO()
    write_events(stream, fmt, out)  # type: ignore[arg-type]
    return out.getvalue()


def _spills(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    written: list[int] = []
    real = spool._Spool.write

    def write(self, rows):  # type: ignore[no-untyped-def]
        written.append(len(rows))
        return real(self, rows)

    monkeypatch.setattr(spool._Spool, "write", write)
    return written


@pytest.mark.parametrize("tz", [None, "-05:00", "Asia/Shanghai"])
def test_spilled_runs_give_the_events_held_in_memory_in_every_format(
    inputs: list[str], monkeypatch: pytest.MonkeyPatch, tz: str | None
) -> None:
    zones = {"*": parse_tz(tz)} if tz else None
    held = load_events(inputs, tz=zones)
    assert held.malformed >= 1 and len(held.events) > 100
    expected = {fmt: _write(held, fmt) for fmt in FORMATS}
    for run_events in (1, 7, 10**9):
        written = _spills(monkeypatch)
        monkeypatch.setattr(spool, "_BLOCK", 3)  # several blocks per spilled run
        with stream_events(inputs, tz=zones, run_events=run_events) as spooled:
            assert spooled.inputs == held.inputs and spooled.warnings == held.warnings
            assert len(spooled.events) == len(held.events)
            for fmt in FORMATS:
                assert _write(spooled, fmt) == expected[fmt], (fmt, run_events)
            assert list(spooled.events) == list(held.events)
        assert bool(written) == (run_events < 10**9)
        monkeypatch.undo()


@pytest.mark.parametrize("fan_in", [2, 3, 16])
def test_runs_merged_down_to_the_fan_in_give_the_same_events(
    inputs: list[str], monkeypatch: pytest.MonkeyPatch, fan_in: int
) -> None:
    """Many spilled runs are merged into longer ones first, so that the final merge holds a
    block of at most FAN_IN runs (memory flat in the input's size); the order is unchanged."""
    held = load_events(inputs, tz={"*": parse_tz("-05:00")})
    expected = {fmt: _write(held, fmt) for fmt in FORMATS}
    monkeypatch.setattr(spool, "_BLOCK", 3)
    monkeypatch.setattr(spool, "FAN_IN", fan_in)
    real = spool.EventRuns.merge_down
    seen: list[tuple[int, int]] = []

    def merge_down(self, s, fan_in=None):  # type: ignore[no-untyped-def]
        before = len(self._runs)
        real(self, s, spool.FAN_IN)
        seen.append((before, len(self._runs)))

    monkeypatch.setattr(spool.EventRuns, "merge_down", merge_down)
    # many small ranges: a batch, and so a run, per range
    monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES", 1)
    monkeypatch.setattr(parallel, "RANGE_MIN", 2048)
    monkeypatch.setattr(parallel, "RANGE_MAX", 2048)
    with stream_events(inputs, tz={"*": parse_tz("-05:00")}, jobs=2, run_events=5) as spooled:
        ((before, after),) = seen
        assert before > fan_in and after <= fan_in
        assert len(spooled.events) == len(held.events)
        for fmt in FORMATS:
            assert _write(spooled, fmt) == expected[fmt], fmt
        assert list(spooled.events) == list(held.events)


def test_json_is_what_json_dump_of_the_whole_document_writes(inputs: list[str]) -> None:
    held = load_events(inputs)
    offsets = {i.path: i.clock.label for i in held.inputs}
    doc = {
        "inputs": [input_record(i) for i in held.inputs],
        "events": [event_record(e, offsets.get(e.source.path)) for e in held.events],
    }
    with stream_events(inputs, run_events=5) as spooled:
        assert _write(spooled, "json") == json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    empty = EventStream(inputs=(), events=())
    assert _write(empty, "json") == json.dumps({"inputs": [], "events": []}, indent=2) + "\n"


def test_spilling_on_every_job_count_in_ranges(inputs: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES", 1)
    monkeypatch.setattr(parallel, "RANGE_MIN", 8 << 10)
    monkeypatch.setattr(parallel, "RANGE_MAX", 8 << 10)
    held = load_events(inputs, jobs=1)
    expected = _write(held, "jsonl")
    for jobs in (1, 2):
        monkeypatch.setattr(spool, "_BLOCK", 4)
        with stream_events(inputs, jobs=jobs, run_events=50) as spooled:
            assert _write(spooled, "jsonl") == expected
            assert spooled.inputs == held.inputs


def test_the_temporary_files_are_gone_after(inputs: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with stream_events(inputs, run_events=3) as spooled:
        assert any(tmp_path.iterdir())
        _write(spooled, "csv")
    assert not any(tmp_path.iterdir())
