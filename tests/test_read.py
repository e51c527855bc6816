"""Inputs: chunks of whole lines, compression, globs, rotation, limits."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lmtrace.errors import InputError
from lmtrace.read import expand_paths, iter_chunks, open_input, read_once


def chunks_of(data: bytes, **kw: int) -> list:
    return list(iter_chunks(io.BufferedReader(io.BytesIO(data)), **kw))  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400), st.integers(min_value=1, max_value=64))
def test_chunks_are_whole_lines_and_lose_nothing(data: bytes, size: int) -> None:
    chunks = chunks_of(data, chunk_size=size, max_line=1 << 20)
    assert b"".join(c.data for c in chunks) == data
    line, offset = 1, 0
    for c in chunks:
        assert (c.first_line, c.offset) == (line, offset)
        assert c.data.endswith(b"\n") or c is chunks[-1]
        line += c.data.count(b"\n")
        offset += len(c.data)
    assert sum(c.lines for c in chunks) == data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)


def test_an_enormous_line_is_cut_and_memory_stays_bounded() -> None:
    data = b"first\n" + b"x" * 5000 + b"\nlast\n"
    chunks = chunks_of(data, chunk_size=64, max_line=256)
    assert max(len(c.data) for c in chunks) <= 64 * 1024 + 1
    cut = [c for c in chunks if c.truncated]
    assert len(cut) == 1 and cut[0].truncated == frozenset({2})
    assert sum(c.lines for c in chunks) == 3
    assert chunks[-1].data.endswith(b"last\n") and chunks[-1].first_line + chunks[-1].lines - 1 == 3


@pytest.mark.parametrize("compress", [gzip.compress, bz2.compress, lzma.compress, lambda b: b])
def test_compressed_inputs_by_magic_not_name(tmp_path: Path, compress) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "log.txt"  # no telling suffix
    p.write_bytes(compress(b"a\nb\n"))
    with open_input(str(p)) as f:
        assert f.read() == b"a\nb\n"


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.log: no such file$"):
        open_input(str(tmp_path / "nope.log"))
    with pytest.raises(InputError, match="is a directory"):
        open_input(str(tmp_path))


def test_globs_expand_to_rotated_sets_oldest_first(tmp_path: Path) -> None:
    for name in ("c.log", "c.log.1", "c.log.2.gz", "c.log.10.gz"):
        (tmp_path / name).write_bytes(b"")
    got = expand_paths([str(tmp_path / "c.log*")])
    assert [Path(p).name for p in got] == ["c.log.10.gz", "c.log.2.gz", "c.log.1", "c.log"]
    with pytest.raises(InputError, match="no file matches this pattern"):
        expand_paths([str(tmp_path / "z*.log")])
    assert expand_paths(["-"]) == ["-"]


def _write_slowly(target: str | int, data: bytes) -> threading.Thread:
    """A thread that opens `target` (a path or a file descriptor) and writes
    `data`, the first bytes one by one (a pipe's reader may see fewer bytes
    than a magic has), then closes it."""

    def write() -> None:
        with open(target, "wb", buffering=0) as f:
            for i in range(8):
                f.write(data[i : i + 1])
            f.write(data[8:])

    t = threading.Thread(target=write, daemon=True)
    t.start()
    return t


def test_only_regular_files_are_reopened(tmp_path: Path) -> None:
    (tmp_path / "f.log").write_bytes(b"")
    os.mkfifo(tmp_path / "fifo")
    assert read_once("-") and read_once(os.devnull) and read_once(str(tmp_path / "fifo"))
    assert not read_once(str(tmp_path / "f.log")) and not read_once(str(tmp_path))
    assert not read_once(str(tmp_path / "nope.log"))  # opening it says why


@pytest.mark.parametrize("compress", [gzip.compress, bz2.compress, lzma.compress, lambda b: b])
def test_a_fifo_is_read_once_and_decompressed_in_place(tmp_path: Path, compress) -> None:  # type: ignore[no-untyped-def]
    fifo = tmp_path / "log.fifo"
    os.mkfifo(fifo)
    data = b"".join(b"line %d\n" % i for i in range(10_000))
    writer = _write_slowly(str(fifo), compress(data))
    with open_input(str(fifo)) as f:
        got = b"".join(c.data for c in iter_chunks(f, chunk_size=4096))
    writer.join(5)
    assert got == data and not writer.is_alive()


def test_a_gzip_stream_through_a_pipe_is_not_reopened_by_name() -> None:
    # `<(gzip -c collector.log)`: reopening /dev/fd/N by name would find the
    # pipe drained of the bytes the magic was read from
    r, w = os.pipe()
    try:
        writer = _write_slowly(w, gzip.compress(b"a\nb\n"))  # closes w when done
        path = f"/dev/fd/{r}"
        assert read_once(path)
        with open_input(path) as f:
            assert f.read() == b"a\nb\n"
        writer.join(5)
    finally:
        os.close(r)
