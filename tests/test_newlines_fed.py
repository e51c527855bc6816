"""The chunk's lines counted once: a scanner that numbers its records counts
the newlines on the way (`last_newlines`), and the reader takes that count
(lmtrace.read.NewlinesFed) instead of counting the chunk again. The count
must be the chunk's own, whatever the chunk size (records cut across chunks,
multi-line dicts, markers at a line start, NULs, a last line with no newline)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from lmtrace.events import LogKind
from lmtrace.parse import make_scanner
from lmtrace.parse.collector import CollectorScanner
from lmtrace.parse.zenpython import ZenpythonScanner
from lmtrace.read import NewlinesFed, iter_chunks, unpad

ROOT = Path(__file__).resolve().parent.parent

_ZEN_EDGES = (
    b"2017-01-23 12:59:30,257 DEBUG zen.zenpython: Sending 10 events\n"
    # the needle at a line start, with no letter before it: not a marker line
    b"ueued event (total of 3) {}\n"
    b"2017-01-23 12:59:30,258 DEBUG zen.zenpython: Queued event (total of 1) {'eventKey': 'a',\n"
    b"    'eventClassKey': 'openstack|compute.instance.live_migration.pre.start',\n\n"
    b"    'rcvtime': 1485163264.289413}\n"
    b"\x00\x00iscarded event - queue overflow: {'x': 1}\n"
    b"2017-01-23 12:59:30,259 DEBUG zen.zenpython: Queued event (total of 1) {'eventKey': 'b'"
)


def _inputs() -> list[tuple[LogKind, str, bytes]]:
    out = [(LogKind.ZENPYTHON, "edges", _ZEN_EDGES), (LogKind.ZENPYTHON, "edges+nl", _ZEN_EDGES + b"\n")]
    for p in sorted((ROOT / "tests" / "data").rglob("*.log")) + sorted((ROOT / "samples").rglob("*.log")):
        if p.name.startswith("collector"):
            out.append((LogKind.COLLECTOR, str(p.relative_to(ROOT)), p.read_bytes()))
        elif p.name.startswith("zenpython"):
            out.append((LogKind.ZENPYTHON, str(p.relative_to(ROOT)), p.read_bytes()))
    return out


@pytest.mark.parametrize("chunk_size", [7, 301, 1 << 20])
def test_scanners_count_what_the_reader_would(chunk_size: int) -> None:
    inputs = _inputs()
    assert any(k is LogKind.COLLECTOR for k, _, _ in inputs)
    for kind, name, data in inputs:
        scanner = make_scanner(kind, name, full=False)
        assert isinstance(scanner, (CollectorScanner, ZenpythonScanner))
        fed = NewlinesFed()
        firsts = []
        for chunk in iter_chunks(io.BytesIO(data), chunk_size=chunk_size, counted=fed):  # type: ignore[arg-type]
            firsts.append(chunk.first_line)
            scanner.feed_rows(unpad(chunk))
            if scanner.last_newlines >= 0:
                assert scanner.last_newlines == chunk.data.count(b"\n"), (name, chunk.first_line)
            fed.fed = scanner.last_newlines
        # the reader numbers the chunks as it does when it counts them itself
        alone = [c.first_line for c in iter_chunks(io.BytesIO(data), chunk_size=chunk_size)]
        assert firsts == alone, name


@pytest.mark.parametrize("chunk_size", [100 << 10, 200 << 10])
def test_whole_line_reads_give_the_same_lines(tmp_path: Path, chunk_size: int) -> None:
    """PRead.read_lines: chunks end at a newline without joining a line's
    head and tail; lines longer than the probe, a last line with no newline
    and a file that shrank go through `read` as before."""
    import os
    import random

    from lmtrace.opened import PROBE, PRead

    rnd = random.Random(7)
    lines = [b"x" * rnd.choice([0, 5, 80, 3000, PROBE + 17, 3 * PROBE]) for _ in range(120)]
    data = b"\n".join(lines) + b"\nno newline at the end"
    p = tmp_path / "f.log"
    p.write_bytes(data)
    fd = os.open(p, os.O_RDONLY)
    try:
        plain = list(iter_chunks(io.BytesIO(data), chunk_size=chunk_size))  # type: ignore[arg-type]
        whole = list(iter_chunks(PRead(fd, 0, len(data)), chunk_size=chunk_size))  # type: ignore[arg-type]
        assert b"".join(c.data for c in whole) == b"".join(c.data for c in plain)
        assert all(c.data.endswith(b"\n") for c in whole[:-1])
        assert [(c.first_line, c.offset) for c in whole][:1] == [(1, 0)]
        for a, b in zip(whole, whole[1:]):
            assert (b.first_line, b.offset) == (a.first_line + a.lines, a.offset + len(a.data))
        # the file shrank after it was opened: read as far as it goes, and told
        shrunk = PRead(fd, 0, len(data) + (1 << 20))
        got = b"".join(c.data for c in iter_chunks(shrunk, chunk_size=chunk_size))  # type: ignore[arg-type]
        assert got == data and shrunk.short == len(data)
    finally:
        os.close(fd)
