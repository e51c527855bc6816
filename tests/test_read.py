"""Inputs: chunks of whole lines, compression, globs, rotation, limits."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lmtrace.errors import InputError
from lmtrace.read import expand_paths, iter_chunks, open_input


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
