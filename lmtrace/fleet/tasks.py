"""What a sweep's workers run: the same functions as the local path.

`probe` sniffs a file's kind as `scan_files` does (its first chunk);
`scan_chunk` opens a file where the data lies (fsspec), finds the ends of
its range at record starts and scans them with lmtrace.parallel.scan_range,
returning the compact rows; `reduce_cloud` puts a cloud's ranges together
(lmtrace.parallel.assemble), builds its UTC stream (lmtrace.load.stream_of)
and judges it (lmtrace.analyze.analyze_stream): the `Report` is the one
`lmtrace analyze` gives for the same files. Only rows travel between
workers; file bytes never leave the worker that reads them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import tzinfo

from .._gc import gc_paused
from ..analyze import Filters, analyze_stream
from ..errors import InputError
from ..events import LogKind
from ..findings import Report
from ..handlers import HandlerMap
from ..load import stream_of
from ..parallel import Part, assemble, record_start, scan_range
from ..parse import sniff_kind
from ..read import iter_chunks, unpacked

__all__ = ["Judging", "Probe", "probe", "reduce_cloud", "scan_chunk"]


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


def _open(url: str):  # type: ignore[no-untyped-def]
    import fsspec

    return fsspec.open(url, "rb").open()


def probe(url: str, path: str) -> Probe:
    with _open(url) as raw:
        stream, packed = unpacked(raw)
        first = next(iter_chunks(stream, path=path), None)
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
    with _open(url) as raw:
        if packed:
            stream, _ = unpacked(raw)
            return scan_range(stream, path=path, kind=kind, full=False)
        a = 0 if start == 0 else record_start(raw, start, kind, size)
        b = None if end is None else record_start(raw, end, kind, size)
        if b is not None and b >= size:
            b = None  # the end of the file: no range follows
        raw.seek(a)
        return scan_range(raw, path=path, kind=kind, full=False, start=a, end=b)


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
