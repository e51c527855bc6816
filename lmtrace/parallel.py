"""Scanning inputs on every core: files split into ranges of whole records.

A large plain file is cut into byte ranges, each starting at a record
boundary: a line start for the collector (one `record_events` line is one
record), the start of a log line with a timestamp for zenpython (a
pretty-printed dict runs over many lines, none of which starts with a
date). A worker scans its range with the same scanner as the serial path
and sends back compact rows (lmtrace.parse.rows), line numbers counted from
the range's start; the parent adds the lines of the ranges before it. So
the events, their order, line numbers and counts are those of the serial
path, whatever the number of jobs.

Compressed files are read whole (by a worker when there are several jobs,
in the parent otherwise); an input that can be read only once (stdin, a
pipe, a FIFO: see lmtrace.read.read_once) is read whole in the parent, its
kind sniffed on the way; small inputs are read in the parent, without
starting any process.
"""

from __future__ import annotations

import dataclasses
import io
import multiprocessing
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import BinaryIO, TypeAlias

from .clock import check_file_specs, for_file
from .events import LineCounts, LogKind, Malformed
from .parse import make_scanner, sniff_kind, sniffed_chunks
from .parse.rows import Row, event_row
from .read import STDIN, Chunk, is_blank, iter_chunks, open_input, read_once

__all__ = [
    "KindSpec",
    "Part",
    "ScannedFile",
    "assemble",
    "default_jobs",
    "kind_for",
    "record_start",
    "scan_files",
    "scan_range",
]

#: the kind of every input (None: sniff each), or per input: FILE pattern
#: (path, basename or glob, `*` for the rest) -> kind (None: sniff it), as
#: `--kind FILE=KIND`
KindSpec: TypeAlias = LogKind | Mapping[str, LogKind | None] | None

#: below this many bytes of input in all, no process is started
PARALLEL_MIN_BYTES = 24 << 20
#: ranges are about this size (fewer, larger ranges for huge inputs)
RANGE_MIN = 8 << 20
RANGE_MAX = 64 << 20
_MAX_JOBS = 16

# a zenpython record starts with a line that starts with a timestamp
_ZEN_RECORD = re.compile(rb"\n(?=\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d)")
_GZIP_ETC = (b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00")


@dataclass(frozen=True, slots=True, kw_only=True)
class ScannedFile:
    """One input scanned: rows in log order, line numbers final."""

    path: str
    kind: LogKind
    rows: list[Row]
    malformed: tuple[Malformed, ...]
    lines: LineCounts
    #: nothing but whitespace in it (or nothing at all)
    empty: bool = False


def default_jobs() -> int:
    """The cores this process may run on."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    return max(1, min(n, _MAX_JOBS))


# -- one range, in a worker or in the parent -----------------------------------

#: one range scanned: (rows, malformed, total lines, parsed lines, malformed
#: lines, bytes, blank); line numbers count from the range's first line
Part: TypeAlias = tuple[list[Row], list[Malformed], int, int, int, int, bool]
_Part = Part
_Task = tuple[str, LogKind, bool, int, "int | None"]


class _Window:
    """A file read from `start` up to `end` (None: to its end)."""

    def __init__(self, f: BinaryIO, start: int, end: int | None) -> None:
        f.seek(start)
        self._f = f
        self._left = None if end is None else end - start

    def read(self, n: int) -> bytes:
        if self._left is None:
            return self._f.read(n)
        data = self._f.read(min(n, self._left))
        self._left -= len(data)
        return data


def _scan(task: _Task, on_bytes: Callable[[int], None] | None = None) -> _Part:
    """Scan one range (or a whole file: `start` 0, `end` None)."""
    path, kind, full, start, end = task
    if end is None and start == 0:
        stream = open_input(path)  # whole file: maybe compressed, maybe stdin
    else:
        stream = open(path, "rb")  # noqa: SIM115 - closed below
    try:
        return scan_range(stream, path=path, kind=kind, full=full, start=start, end=end, on_bytes=on_bytes)
    finally:
        if path != STDIN:
            stream.close()


def scan_range(
    f: BinaryIO,
    *,
    path: str,
    kind: LogKind,
    full: bool = True,
    start: int = 0,
    end: int | None = None,
    on_bytes: Callable[[int], None] | None = None,
) -> Part:
    """Scan bytes `start` to `end` of `f` (None: to its end), a range of
    whole records (its ends found with `record_start`), or the whole of a
    decompressed stream (`start` 0, `end` None: `f` is read as it is, never
    seeked). The one scan of a range, whoever opened `f`: a worker of
    `scan_files` or of a sweep (lmtrace.fleet). Line numbers in the `Part`
    count from the range's first line; `assemble` puts ranges together."""
    reader: BinaryIO | _Window = f if start == 0 and end is None else _Window(f, start, end)
    chunks = iter_chunks(reader, path=path, offset=start)  # type: ignore[arg-type]
    # a range that a later one follows ends where a log line starts
    return _scan_chunks(chunks, path, kind, full, on_bytes, at_end=end is None)


def kind_for(path: str, kind: KindSpec, *, also: Sequence[str] = ()) -> LogKind | None:
    """The kind given for `path` (None: sniff it): `kind` itself, or its
    value for `path` (matched as --tz is: lmtrace.clock.for_file)."""
    if kind is None or isinstance(kind, LogKind):
        return kind
    return for_file(path, kind, also=also)


def _scan_chunks(
    chunks: Iterable[Chunk],
    path: str,
    kind: LogKind,
    full: bool,
    on_bytes: Callable[[int], None] | None,
    *,
    at_end: bool = True,
) -> _Part:
    scanner = make_scanner(kind, path, full=full)
    feed = getattr(scanner, "feed_rows", None)
    rows: list[Row] = []
    bad: list[Malformed] = []
    total = 0
    nbytes = 0
    blank = True
    for chunk in chunks:
        total += chunk.lines
        nbytes += len(chunk.data)
        blank = blank and is_blank(chunk.data)
        recs = feed(chunk) if feed is not None else scanner.feed(chunk)
        _collect(recs, rows, bad, feed is None)
        if on_bytes is not None:
            on_bytes(len(chunk.data))
    finish = getattr(scanner, "finish_rows", None)
    tail = finish(at_end=at_end) if finish is not None else scanner.finish(at_end=at_end)
    _collect(tail, rows, bad, finish is None)
    return rows, bad, total, scanner.parsed_lines, scanner.malformed_lines, nbytes, blank


def _collect(recs: list, rows: list[Row], bad: list[Malformed], events: bool) -> None:  # type: ignore[type-arg]
    for r in recs:
        if isinstance(r, Malformed):
            bad.append(r)
        else:
            rows.append(event_row(r) if events else r)


def _worker(task: _Task) -> _Part:
    return _scan(task)


def _worker_init() -> None:
    # Ctrl-C goes to the whole process group: the parent handles it and
    # terminates the pool; workers must not print tracebacks of their own
    import gc
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.disable()  # as in the parent (lmtrace._gc): rows form no cycles


# -- planning ------------------------------------------------------------------


def _kind_of(path: str, kind: LogKind | None) -> tuple[LogKind, bool, int]:
    """A file's kind (sniffed from its first chunk, as parse_file does),
    whether it can be split (plain, not compressed) and its size on disk."""
    stream = open_input(path)
    try:
        plain = type(stream) is io.BufferedReader
        first = next(iter_chunks(stream, path=path), None) if kind is None else None
    finally:
        stream.close()
    if kind is None:
        kind = sniff_kind(path, first)
    try:
        size = os.path.getsize(path)
    except OSError:
        size = 0
    return kind, plain, size


def record_start(f: BinaryIO, pos: int, kind: LogKind, size: int) -> int:
    """The first record start at or after `pos` (`size` if none) in a plain
    file `f` of `size` bytes (seekable: a local file or an fsspec one)."""
    f.seek(max(pos - 1, 0))
    at = max(pos - 1, 0)
    carry = b""
    while True:
        block = f.read(1 << 20)
        if not block:
            return size
        buf = carry + block
        base = at - len(carry)
        if kind is LogKind.COLLECTOR:
            i = buf.find(b"\n")
            if i >= 0:
                return base + i + 1
            carry = b""
        else:
            m = _ZEN_RECORD.search(buf)
            if m is not None and m.start() + 20 <= len(buf):
                return base + m.start() + 1
            if m is not None and len(block) < (1 << 20):
                return base + m.start() + 1  # end of file: decide on what is there
            carry = buf[-24:]  # a newline and a timestamp may straddle blocks
        at += len(block)


def _ranges(path: str, kind: LogKind, size: int, target: int) -> list[tuple[int, int | None]]:
    if size <= target:
        return [(0, None)]
    cuts = [0]
    with open(path, "rb") as f:
        pos = target
        while pos < size:
            b = record_start(f, pos, kind, size)
            if b >= size:
                break
            if b > cuts[-1]:
                cuts.append(b)
            pos = max(b, cuts[-1]) + target
    out: list[tuple[int, int | None]] = [(a, b) for a, b in zip(cuts, cuts[1:])]
    out.append((cuts[-1], None))
    return out


# -- the whole run -------------------------------------------------------------


def scan_files(
    paths: Sequence[str],
    *,
    kind: KindSpec = None,
    full: bool = True,
    jobs: int | None = None,
    on_bytes: Callable[[int], None] | None = None,
) -> Iterator[ScannedFile]:
    """Scan every path, in order, on `jobs` processes (None: every core;
    1: in this process). Yields each file as soon as all of it is scanned,
    so that the caller works on it while the next one is being scanned.

    `kind` is one kind for all, None (sniff each), or a mapping of FILE
    patterns to kinds (see `KindSpec`; a pattern matching no path is a
    UsageError). Raises InputError for a missing, unreadable or
    unrecognisable file, and lets KeyboardInterrupt through after stopping
    the workers.
    """
    jobs = default_jobs() if jobs is None else max(1, jobs)
    if kind is not None and not isinstance(kind, LogKind):
        check_file_specs("--kind", kind, [[p] for p in paths])
    # stdin, pipes and FIFOs are read once, in this process, their kind
    # sniffed on the way; regular files are sniffed (and maybe split) first
    plans: list[tuple[str, LogKind | None, bool, int]] = []
    once: set[str] = set()
    for p in paths:
        k = kind_for(p, kind)
        if read_once(p):
            once.add(p)
            plans.append((p, k, False, 0))
        else:
            plans.append((p, *_kind_of(p, k)))
    total = sum(size for *_, size in plans)
    if jobs == 1 or total < PARALLEL_MIN_BYTES:
        for path, k, _, _ in plans:
            yield _scan_whole(path, k, full, on_bytes)
        return
    target = min(RANGE_MAX, max(RANGE_MIN, total // (jobs * 4) + 1))
    tasks: list[_Task] = []
    for path, k, plain, size in plans:
        if path in once:
            continue
        assert k is not None
        for start, end in _ranges(path, k, size, target) if plain else [(0, None)]:
            tasks.append((path, k, full, start, end))
    ctx = multiprocessing.get_context("fork" if sys.platform == "linux" else None)
    pool = ctx.Pool(max(1, min(jobs, len(tasks))), initializer=_worker_init)
    try:
        results = zip(tasks, pool.imap(_worker, tasks, chunksize=1))
        for path, k, _, _ in plans:
            if path in once:
                yield _scan_whole(path, k, full, on_bytes)
                continue
            parts: list[_Part] = []
            for task, part in results:
                if on_bytes is not None:
                    on_bytes(part[5])
                parts.append(part)
                if task[4] is None:  # the last range of this file
                    break
            assert k is not None
            yield assemble(path, k, parts)
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()


def _scan_whole(
    path: str, kind: LogKind | None, full: bool, on_bytes: Callable[[int], None] | None
) -> ScannedFile:
    """One file in this process; its kind sniffed from its first chunk
    when not known (stdin: read once)."""
    with sniffed_chunks(path, kind) as (kind, chunks):
        part = _scan_chunks(chunks, path, kind, full, on_bytes)
    return assemble(path, kind, [part])


def assemble(path: str, kind: LogKind, parts: Sequence[Part]) -> ScannedFile:
    """One input from its ranges' parts, in file order: line numbers of
    rows and malformed lines made final (each range's lines follow the
    lines of the ranges before it)."""
    rows: list[Row] = []
    bad: list[Malformed] = []
    total = parsed = malformed = 0
    blank = True
    for prows, pbad, ptotal, pparsed, pmal, _, pblank in parts:
        blank = blank and pblank
        if total:
            rows.extend([(r[0] + total, *r[1:]) for r in prows])
            bad.extend(
                dataclasses.replace(m, source=dataclasses.replace(m.source, line=m.source.line + total))
                for m in pbad
            )
        else:
            rows.extend(prows)
            bad.extend(pbad)
        total += ptotal
        parsed += pparsed
        malformed += pmal
    return ScannedFile(
        path=path,
        kind=kind,
        rows=rows,
        malformed=tuple(bad),
        lines=LineCounts(total=total, parsed=parsed, malformed=malformed),
        empty=blank,
    )
