"""What a sweep's workers run: the same functions as the local path.

`probe` sniffs a file's kind as `scan_files` does (its first chunk);
`scan_chunk` opens a file where the data lies (fsspec), finds the ends of
its range at record starts (lmtrace.ranges.record_start) and scans them
with lmtrace.parallel.scan_range, returning the compact rows; `reduce_cloud`
puts a cloud's ranges together (lmtrace.scanned.assemble), builds its UTC stream (lmtrace.load.stream_of)
and judges it (lmtrace.analyze.analyze_stream): the `Report` is the one
`lmtrace analyze` gives for the same files. Only rows travel between
workers; file bytes never leave the worker that reads them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from typing import BinaryIO

from .._gc import gc_paused
from ..analyze import Filters, analyze_stream
from ..errors import InputError
from ..events import LogKind
from ..findings import Report
from ..handlers import HandlerMap
from ..load import stream_of
from ..opened import PACKED_MAGIC, Salvage, unpack
from ..parallel import scan_range
from ..parse import sniff_kind
from ..ranges import record_start
from ..read import iter_chunks
from ..scanned import Part, assemble

__all__ = ["Judging", "Probe", "probe", "reduce_cloud", "rows_of", "scan_chunk"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Probe:
    """A file's kind (None: not a log lmtrace reads) and whether it is
    compressed (then it is scanned whole, by one task)."""

    kind: LogKind | None
    packed: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Judging:
    """What `analyze` is told besides the logs: the same for every cloud."""

    handler_map: HandlerMap | None = None
    filters: Filters | None = None
    since: str | None = None
    until: str | None = None
    tz: Mapping[str, tzinfo] | None = None


def _open(url: str) -> BinaryIO:
    import fsspec

    return fsspec.open(url, "rb").open()  # type: ignore[no-any-return]


class _Range:
    """Bytes `start` to `end` (None: to the end) of a file opened where the
    data lies: what lmtrace.opened.PRead is for a local descriptor."""

    def __init__(self, f: BinaryIO, start: int, end: int | None) -> None:
        f.seek(start)
        self._f = f
        self._left = None if end is None else end - start

    def read(self, n: int = -1) -> bytes:
        if self._left is None:
            return self._f.read(n)
        data = self._f.read(self._left if n < 0 else min(n, self._left))
        self._left -= len(data)
        return data

    def seek(self, pos: int, whence: int = 0) -> int:
        return self._f.seek(pos, whence)

    def tell(self) -> int:
        return self._f.tell()

    def readable(self) -> bool:
        return True


def _head(raw: BinaryIO) -> bytes:
    head = raw.read(6)
    raw.seek(0)
    return head


def probe(url: str, path: str) -> Probe:
    """A file's kind from its first chunk, as lmtrace.parallel sniffs it."""
    with _open(url) as raw:
        head = _head(raw)
        packed = head.startswith(PACKED_MAGIC)
        stream = Salvage(unpack(raw, head)) if packed else raw
        first = next(iter_chunks(stream, path=path, on_damage=lambda at, e: None), None)  # type: ignore[arg-type]
    try:
        kind = sniff_kind(path, first)
    except InputError:
        return Probe(kind=None, packed=packed)
    return Probe(kind=kind, packed=packed)


def scan_chunk(
    url: str, path: str, kind: LogKind, packed: bool, start: int, end: int | None, size: int
) -> Part:
    """Scan bytes `start` to `end` of a plain file of `size` bytes, each end
    moved to the first record start at or after it (so that neighbouring
    tasks meet at the same record start), or all of a compressed file."""
    with gc_paused(), _open(url) as raw:  # rows form no cycles (lmtrace._gc)
        if packed:
            return scan_range(raw, path=path, kind=kind, full=False, head=_head(raw), size=size)
        a = 0 if start == 0 else record_start(raw, start, kind, size)
        b = None if end is None else record_start(raw, end, kind, size)
        if b is not None and b >= size:
            b = None  # the end of the file: no range follows
        return scan_range(_Range(raw, a, b), path=path, kind=kind, full=False, start=a, end=b)  # type: ignore[arg-type]


def rows_of(part: Part) -> int:
    """How many events (rows) a `scan_chunk` task read: run where the part
    lies, so that only this count, not the rows, goes to the client."""
    return len(part.rows)


def reduce_cloud(
    files: Sequence[tuple[str, LogKind]], parts: Sequence[Sequence[Part]], judging: Judging
) -> Report:
    """A cloud's files (path, kind), in order, and each one's parts, in file
    order, to the report `analyze` gives for those files."""
    with gc_paused():
        scans = [assemble(path, kind, ps) for (path, kind), ps in zip(files, parts)]
        stream = stream_of(scans, tz=judging.tz)
    return analyze_stream(
        stream,
        handler_map=judging.handler_map,
        filters=judging.filters,
        since=judging.since,
        until=judging.until,
    )
