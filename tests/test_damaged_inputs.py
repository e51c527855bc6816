"""Logs as they really arrive: rotated or truncated while read, NUL-padded, cut-off archives.

Each input is opened once and read through that one descriptor (lmtrace.parallel): a file
renamed and re-created under its name while it is read is still read as it was opened, in
this process and in forked workers. A file that shrinks while it is read, or a compressed
file whose data ends early, is reported as far as it could be read, with a warning that names
the file; `--strict` then exits 2. NULs and byte-order marks in front of a line's timestamp
are stripped (and counted) for every log kind.
"""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from lmtrace import parallel
from lmtrace.analyze import analyze
from lmtrace.cli import cli
from lmtrace.load import load_events
from lmtrace.ranges import cut_ranges
from lmtrace.read import iter_chunks, unpad

from .conftest import ROOT, SAMPLES

STALE = SAMPLES / "scenarios" / "stale"


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def _verdicts(paths: list[str]) -> list[tuple[object, ...]]:
    report = analyze(paths, jobs=1)
    return [(m.request_id, m.verdict, m.reason, m.source_host, m.destination_host) for m in report.migrations]


@pytest.fixture
def bigger(tmp_path: Path) -> Path:
    """The stale collector log repeated until it splits into many ranges of 4 KiB."""
    p = tmp_path / "collector.log"
    p.write_bytes((STALE / "collector.log").read_bytes() * 40)
    return p


@pytest.fixture
def small_ranges(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES", 1)
    monkeypatch.setattr(parallel, "RANGE_MIN", 4096)
    monkeypatch.setattr(parallel, "RANGE_MAX", 4096)


def _after_planning(monkeypatch: pytest.MonkeyPatch, act: Callable[[str], None]) -> None:
    """Run `act(path)` once each input is opened and sniffed, before any of it is scanned."""
    real = parallel._kind_of

    def kind_of(inp, kind):  # type: ignore[no-untyped-def]
        k = real(inp, kind)
        act(inp.path)
        return k

    monkeypatch.setattr(parallel, "_kind_of", kind_of)


# -- 1. rotated while read ------------------------------------------------------------------------


def _rotate(path: str) -> None:
    """logrotate's default: rename the live file, create a new one under its name."""
    os.rename(path, path + ".1")
    Path(path).write_bytes((STALE / "zenpython.log").read_bytes().replace(b"zen.zenpython", b"other") * 3)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_file_rotated_while_read_is_read_as_it_was_opened(
    bigger: Path, small_ranges: None, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    expected = load_events([str(bigger)], jobs=1)
    _after_planning(monkeypatch, _rotate)
    got = load_events([str(bigger)], jobs=jobs)
    assert (bigger.parent / "collector.log.1").exists()
    assert got.events == tuple(e for e in expected.events)
    assert got.inputs[0].lines == expected.inputs[0].lines
    assert len(got.events) == 11 * 40
    (w,) = got.warnings
    assert w.startswith(f"{bigger}: renamed or replaced while it was read") and "was not read" in w
    assert not got.inputs[0].damaged


def test_workers_read_the_descriptor_not_the_name(bigger: Path, small_ranges: None) -> None:
    """The ranges of a split file go to forked workers with the descriptor opened in the parent."""
    inp, f = parallel.open_once(str(bigger), keep=True)
    assert f is not None
    with f:
        cuts = cut_ranges(inp.path, parallel.LogKind.COLLECTOR, inp.size, 4096, fd=inp.fd)
        assert len(cuts) > 3
        os.rename(bigger, str(bigger) + ".old")
        bigger.write_bytes(b"")  # the name now names an empty file
        tasks = [(inp, parallel.LogKind.COLLECTOR, True, a, b) for a, b in cuts]
        parts = [parallel._worker(t) for t in tasks]
    assert sum(p.total for p in parts) == 11 * 40
    assert sum(len(p.rows) for p in parts) == 11 * 40


# -- 2. truncated while read (copytruncate) -------------------------------------------------------


def _truncate(path: str) -> None:
    os.truncate(path, os.path.getsize(path) // 2)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_file_truncated_while_read_reports_what_was_read_and_says_so(
    bigger: Path, small_ranges: None, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    size = bigger.stat().st_size
    kept = bigger.read_bytes()[: size // 2]
    _after_planning(monkeypatch, _truncate)
    got = load_events([str(bigger)], jobs=jobs)
    (i,) = got.inputs
    assert i.damaged
    # every line before the cut is read; the line the cut went through is the last one
    assert i.lines.total == kept.count(b"\n") + (0 if kept.endswith(b"\n") else 1)
    assert len(got.events) == kept.count(b"\n")
    (w,) = got.warnings
    assert w.startswith(f"{bigger}: truncated while it was read")
    assert f"{size} bytes when opened, {size // 2} now" in w and f"{i.lines.total} lines" in w


@pytest.mark.parametrize(("strict", "status"), [([], 0), (["--strict"], 2)])
def test_truncated_while_read_at_the_cli_exits_0_or_2_under_strict(
    bigger: Path, monkeypatch: pytest.MonkeyPatch, strict: list[str], status: int
) -> None:
    _after_planning(monkeypatch, _truncate)
    r = CliRunner().invoke(cli, ["events", str(bigger), "--format", "jsonl", "--jobs", "1", *strict])
    assert r.exit_code == status, r.output
    assert r.stdout.count("\n") == 11 * 20
    assert f"warning: {bigger}: truncated while it was read" in r.stderr
    if strict:
        assert f"{bigger}: read only in part" in r.stderr


def test_a_file_that_grows_while_read_is_read_as_it_was_opened(
    bigger: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    line = _lines(bigger)[0]
    size = bigger.stat().st_size

    def append(path: str) -> None:
        with open(path, "ab") as f:
            f.write(line * 5)

    _after_planning(monkeypatch, append)
    got = load_events([str(bigger)], jobs=1)
    assert len(got.events) == 11 * 40 and not got.inputs[0].damaged
    (w,) = got.warnings
    assert w == f"{bigger}: grew by {len(line) * 5} bytes while it was read: read as it was when opened ({size} bytes)"


# -- 3. NUL padding and byte-order marks ----------------------------------------------------------


@pytest.mark.parametrize("pad", [b"\0" * 16, b"\xef\xbb\xbf", b"\0\0\xef\xbb\xbf\0"])
@pytest.mark.parametrize("which", ["collector.log", "zenpython.log"])
def test_nul_padding_or_a_bom_before_a_timestamp_changes_no_verdict(
    tmp_path: Path, pad: bytes, which: str
) -> None:
    for name in ("collector.log", "zenpython.log"):
        lines = _lines(STALE / name)
        if name == which:
            for n in (0, 4, len(lines) - 1):
                lines[n] = pad + lines[n]
        (tmp_path / name).write_bytes(b"".join(lines))
    padded = [str(tmp_path / "collector.log"), str(tmp_path / "zenpython.log")]
    clean = [str(STALE / "collector.log"), str(STALE / "zenpython.log")]
    assert _verdicts(padded) == _verdicts(clean)
    assert _verdicts(padded)[0][1].value == "stale"
    stream = load_events(padded, jobs=1)
    for i in stream.inputs:
        assert i.lines.skipped == 0 and i.lines.malformed == 0
    assert [w for w in stream.warnings if "NUL" in w] == [
        f"{tmp_path / which}: 3 lines began with NUL bytes or a byte-order mark (what an unclean shutdown "
        "or a copytruncate rotation leaves): stripped, and the lines read as usual"
    ]


def test_a_hole_of_nuls_longer_than_a_line_may_be_keeps_the_line_after_it() -> None:
    import io

    line = (STALE / "collector.log").read_bytes().splitlines(keepends=True)[0]
    data = b"first\n" + b"\0" * 50_000 + line + b"last\n"
    chunks = [unpad(c) for c in iter_chunks(io.BufferedReader(io.BytesIO(data)), chunk_size=1000, max_line=4096)]  # type: ignore[arg-type]
    assert b"".join(c.data for c in chunks) == b"first\n" + line + b"last\n"
    assert sum(c.padded for c in chunks) == 1
    assert sum(c.lines for c in chunks) == 3
    assert not any(c.truncated for c in chunks)


def test_nuls_inside_a_line_are_left_alone() -> None:
    from lmtrace.read import Chunk

    c = Chunk(b"a\0b\n\0\0c\xef\xbb\xbf\n", 1, 0)
    u = unpad(c)
    assert u.data == b"a\0b\nc\xef\xbb\xbf\n" and u.padded == 1 and u.lines == 2


# -- 4. cut-off compressed files ------------------------------------------------------------------

# bzip2 in blocks of 100 kB: a cut at two thirds leaves whole blocks to read
COMPRESSORS = {"gz": gzip.compress, "bz2": lambda b: bz2.compress(b, 1), "xz": lzma.compress}


def _cut_archive(tmp_path: Path, ext: str) -> tuple[Path, bytes]:
    data = (STALE / "collector.log").read_bytes() * 30
    packed = COMPRESSORS[ext](data)
    p = tmp_path / f"collector.log.{ext}"
    p.write_bytes(packed[: len(packed) * 2 // 3])
    return p, data


@pytest.mark.parametrize("ext", sorted(COMPRESSORS))
@pytest.mark.parametrize("jobs", [1, 2])
def test_a_cut_off_archive_reports_the_events_before_the_cut(
    tmp_path: Path, ext: str, jobs: int, small_ranges: None
) -> None:
    p, data = _cut_archive(tmp_path, ext)
    stream = load_events([str(p)], jobs=jobs)
    (i,) = stream.inputs
    assert i.damaged
    # what is read is a prefix of the data: every complete line before the damage is an event
    assert 0 < len(stream.events) < 11 * 30
    whole = data.splitlines(keepends=True)
    assert i.lines.total <= len(whole)
    assert i.lines.parsed + i.lines.malformed == i.lines.total
    assert [e.event_id for e in sorted(stream.events, key=lambda e: e.source.line)] == [
        e.event_id for e in load_events([str(STALE / "collector.log")] * 1, jobs=1).events * 30
    ][: len(stream.events)]
    (w,) = stream.warnings
    assert w.startswith(f"{p}: compressed data damaged or cut short near byte ")
    assert f"of {p.stat().st_size}" in w and "bytes unpacked" in w


@pytest.mark.parametrize(("strict", "status"), [([], 0), (["--strict"], 2)])
def test_a_cut_off_gzip_at_the_cli_exits_0_or_2_under_strict(
    tmp_path: Path, strict: list[str], status: int
) -> None:
    p, _ = _cut_archive(tmp_path, "gz")
    r = subprocess.run(
        [sys.executable, "-m", "lmtrace", "analyze", str(p), "--format", "json", *strict],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert r.returncode == status, r.stderr
    doc = json.loads(r.stdout)
    assert any(w.startswith(f"{p}: compressed data damaged") for w in doc["warnings"])
    assert doc["migrations"] and doc["inputs"][0]["lines"]["parsed"] > 0
    assert f"warning: {p}: compressed data damaged" in r.stderr
    assert "Traceback" not in r.stderr


def test_a_cut_off_gzip_through_a_pipe_is_reported_up_to_the_cut(tmp_path: Path) -> None:
    p, _ = _cut_archive(tmp_path, "gz")
    r = subprocess.run(
        [sys.executable, "-m", "lmtrace", "events", "-", "--format", "jsonl"],
        input=p.read_bytes(), capture_output=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert r.stdout.count(b"\n") > 0
    assert b"warning: -: compressed data damaged or cut short after " in r.stderr
