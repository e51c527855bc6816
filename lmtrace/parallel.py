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

import collections
import contextlib
import dataclasses
import itertools
import multiprocessing
import multiprocessing.pool
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import BinaryIO, TypeAlias

from .clock import check_file_specs, for_file
from .events import LogKind, Malformed
from .opened import (
    PACKED_MAGIC,
    OpenedInput,
    PRead,
    Salvage,
    descriptor,
    fd_or_none,
    open_once,
    unpack,
)
from .parse import make_scanner, sniff_kind
from .parse.rows import Row, event_row
from .ranges import cut_ranges
from .read import STDIN, Chunk, NewlinesFed, is_blank, iter_chunks, open_input, read_once, unpad
from .scanned import Assembly, Part, ScannedFile

__all__ = [
    "KindSpec",
    "Piece",
    "ScannedFile",
    "default_jobs",
    "kind_for",
    "scan_files",
    "scan_pieces",
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



def default_jobs() -> int:
    """The cores this process may run on."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    return max(1, min(n, _MAX_JOBS))


# -- one range, in a worker or in the parent -----------------------------------


_Task = tuple[OpenedInput, LogKind, bool, int, "int | None"]


def _scan(task: _Task, on_bytes: Callable[[int], None] | None = None) -> Part:
    """Scan one range (or a whole file: `start` 0, `end` None) of an input
    through its one descriptor."""
    inp, kind, full, start, end = task
    fd, own = descriptor(inp)
    try:
        raw = PRead(fd, start, inp.size if end is None else end)
        head = os.pread(fd, 6, 0) if inp.packed else b""
        return scan_range(raw, path=inp.path, kind=kind, full=full, start=start, end=end, head=head,
                          size=inp.size, on_bytes=on_bytes)  # fmt: skip
    finally:
        if own:
            os.close(fd)


def scan_range(
    raw: PRead | BinaryIO,
    *,
    path: str,
    kind: LogKind,
    full: bool = True,
    start: int = 0,
    end: int | None = None,
    head: bytes = b"",
    size: int = 0,
    on_bytes: Callable[[int], None] | None = None,
) -> Part:
    """Scan one range of an input: `raw` reads its bytes `start` to `end`
    (None: to its end) and no further, the range's ends at record starts
    (lmtrace.ranges.record_start); or, for a compressed input (`head`, its
    first bytes, a magic of PACKED_MAGIC), all of it from byte 0. `raw` is
    a PRead on the input's descriptor (`scan_files`) or a range of a file
    opened where the data lies (a sweep's worker: lmtrace.fleet.tasks):
    the one scan of a range, whoever reads the bytes. Line numbers in the
    `Part` count from the range's first line (lmtrace.scanned.Assembly adds
    the ranges up); `size` (bytes on disk) goes into a damage message."""
    damage: list[str] = []
    on_damage: Callable[[int, BaseException], None] | None = None
    stream: BinaryIO | PRead | Salvage = raw
    if head.startswith(PACKED_MAGIC):
        stream = Salvage(unpack(raw, head))

        def on_damage(at: int, e: BaseException) -> None:
            damage.append(
                f"compressed data damaged or cut short near byte {raw.tell()} of {size} "
                f"(after {at} bytes unpacked): {e}"
            )

    chunks = iter_chunks(stream, path=path, offset=start, on_damage=on_damage, counted=(fed := NewlinesFed()))  # type: ignore[arg-type]
    # a range that a later one follows ends where a log line starts
    part = _scan_chunks(chunks, path, kind, full, on_bytes, at_end=end is None, fed=fed)
    short = raw.short if isinstance(raw, PRead) else None
    return dataclasses.replace(part, short=short, damage=damage[0] if damage else None)


def _scan_once(
    path: str, kind: LogKind | None, full: bool, on_bytes: Callable[[int], None] | None
) -> tuple[LogKind, Part]:
    """An input that can be read only once (stdin, a pipe): its kind sniffed
    from its first chunk unless given."""
    stream = open_input(path)
    damage: list[str] = []

    def on_damage(at: int, e: BaseException) -> None:
        damage.append(f"compressed data damaged or cut short after {at} bytes unpacked: {e}")

    try:
        chunks = iter_chunks(Salvage(stream), path=path, on_damage=on_damage, counted=(fed := NewlinesFed()))  # type: ignore[arg-type]
        first = next(chunks, None)
        if kind is None:
            kind = sniff_kind(path, first)
        both = itertools.chain([first] if first is not None else [], chunks)
        part = _scan_chunks(both, path, kind, full, on_bytes, fed=fed)
    finally:
        if path != STDIN:
            stream.close()
    return kind, dataclasses.replace(part, damage=damage[0] if damage else None)


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
    fed: NewlinesFed | None = None,
) -> Part:
    scanner = make_scanner(kind, path, full=full)
    feed = getattr(scanner, "feed_rows", None)
    rows: list[Row] = []
    bad: list[Malformed] = []
    total = 0
    nbytes = 0
    padded = 0
    blank = True
    for raw in chunks:
        nbytes += len(raw.data)
        chunk = unpad(raw)
        padded += chunk.padded
        blank = blank and is_blank(chunk.data)
        scanner.tally.count_chunk(kind, chunk.data)
        recs = feed(chunk) if feed is not None else scanner.feed(chunk)
        _collect(recs, rows, bad, feed is None)
        # counted once, by the scanner as it numbered its records, if it did
        total += (fed or NewlinesFed()).lines(raw, getattr(scanner, "last_newlines", -1))
        if on_bytes is not None:
            on_bytes(len(raw.data))
    finish = getattr(scanner, "finish_rows", None)
    tail = finish(at_end=at_end) if finish is not None else scanner.finish(at_end=at_end)
    _collect(tail, rows, bad, finish is None)
    return Part(
        rows, bad, total, scanner.parsed_lines, scanner.malformed_lines, nbytes, blank, padded,
        tally=scanner.tally,
    )  # fmt: skip


def _collect(recs: list, rows: list[Row], bad: list[Malformed], events: bool) -> None:  # type: ignore[type-arg]
    for r in recs:
        if isinstance(r, Malformed):
            bad.append(r)
        else:
            rows.append(event_row(r) if events else r)


def _worker(task: _Task) -> Part:
    return _scan(task)


def _worker_init() -> None:
    # Ctrl-C goes to the whole process group: the parent handles it and
    # terminates the pool; workers must not print tracebacks of their own
    import gc
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.disable()  # as in the parent (lmtrace._gc): rows form no cycles


# -- planning ------------------------------------------------------------------


def _kind_of(inp: OpenedInput, kind: LogKind | None) -> LogKind:
    """A file's kind, sniffed from its first chunk unless given."""
    if kind is not None:
        return kind
    fd, own = descriptor(inp)
    try:
        raw = PRead(fd, 0, inp.size)
        stream = Salvage(unpack(raw, os.pread(fd, 6, 0))) if inp.packed else raw
        first = next(iter_chunks(stream, path=inp.path, on_damage=lambda at, e: None), None)  # type: ignore[arg-type]
    finally:
        if own:
            os.close(fd)
    return sniff_kind(inp.path, first)


#: inputs kept open at once at most; beyond, each is reopened by name
#: when read, and checked to be the file it was
MAX_OPEN = 256


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

    Each regular file is opened once, and every read of it (sniffing,
    cutting, scanning, in this process or a worker) goes through that one
    descriptor, up to its size when opened: a file rotated while it is
    read is read as it was opened. A file that shrank while it was read
    (copytruncate) or whose compressed data is damaged is reported as far
    as it could be read, with a warning (`ScannedFile.warnings`,
    `ScannedFile.damaged`).

    `kind` is one kind for all, None (sniff each), or a mapping of FILE
    patterns to kinds (see `KindSpec`; a pattern matching no path is a
    UsageError). Raises InputError for a missing, unreadable or
    unrecognisable file, and lets KeyboardInterrupt through after stopping
    the workers.
    """
    jobs = default_jobs() if jobs is None else max(1, jobs)
    if kind is not None and not isinstance(kind, LogKind):
        check_file_specs("--kind", kind, [[p] for p in paths])
    keep = len(paths) <= MAX_OPEN
    with contextlib.ExitStack() as files:
        plans = _plan(paths, kind, keep, files)
        yield from _scan_planned(plans, full, jobs, on_bytes)


def _scan_planned(
    plans: list[tuple[str, OpenedInput | None, LogKind | None]],
    full: bool,
    jobs: int,
    on_bytes: Callable[[int], None] | None,
) -> Iterator[ScannedFile]:
    rows: list[Row] = []
    for piece in _scan_pieces(plans, full, jobs, on_bytes, split=False):
        if isinstance(piece, ScannedFile):
            yield dataclasses.replace(piece, rows=rows)
            rows = []
        else:
            rows.extend(piece)


#: the rows of one range, line numbers final, or a file's summary (no rows)
Piece: TypeAlias = "list[Row] | ScannedFile"


def scan_pieces(
    paths: Sequence[str],
    *,
    kind: KindSpec = None,
    full: bool = True,
    jobs: int | None = None,
    on_bytes: Callable[[int], None] | None = None,
    on_plan: Callable[[list[LogKind | None]], None] | None = None,
) -> Iterator[Piece]:
    """`scan_files` in bounded pieces: for each path in order, the rows of
    each range of at most about RANGE_MIN bytes (line numbers final), then
    the file's `ScannedFile` with no rows. Plain files are cut into ranges
    even on one job, so that no more than a range's rows are held at once
    (a compressed file or a pipe is one piece). `on_plan` gets each path's
    kind once all are opened and sniffed, before any piece (None: a pipe or
    stdin, whose kind is known only as it is read)."""
    jobs = default_jobs() if jobs is None else max(1, jobs)
    if kind is not None and not isinstance(kind, LogKind):
        check_file_specs("--kind", kind, [[p] for p in paths])
    keep = len(paths) <= MAX_OPEN
    with contextlib.ExitStack() as files:
        plans = _plan(paths, kind, keep, files)
        if on_plan is not None:
            on_plan([k if inp is not None else None for _, inp, k in plans])
        yield from _scan_pieces(plans, full, jobs, on_bytes, split=True)


def _plan(
    paths: Sequence[str], kind: KindSpec, keep: bool, files: contextlib.ExitStack
) -> list[tuple[str, OpenedInput | None, LogKind | None]]:
    # stdin, pipes and FIFOs are read once, in this process, their kind
    # sniffed on the way; regular files are opened, sniffed (and maybe
    # split) first
    plans: list[tuple[str, OpenedInput | None, LogKind | None]] = []
    for p in paths:
        k = kind_for(p, kind)
        if read_once(p):
            plans.append((p, None, k))
            continue
        inp, f = open_once(p, keep=keep)
        if f is not None:
            files.enter_context(f)
        plans.append((p, inp, _kind_of(inp, k)))
    return plans


def _scan_pieces(
    plans: list[tuple[str, OpenedInput | None, LogKind | None]],
    full: bool,
    jobs: int,
    on_bytes: Callable[[int], None] | None,
    *,
    split: bool,
) -> Iterator[Piece]:
    total = sum(inp.size for _, inp, _ in plans if inp is not None)
    serial = jobs == 1 or total < PARALLEL_MIN_BYTES
    target = RANGE_MIN if split else min(RANGE_MAX, max(RANGE_MIN, total // (jobs * 4) + 1))
    tasks: list[_Task] = []
    for _, inp, k in plans:
        if inp is None:
            continue
        assert k is not None
        if inp.packed or (serial and not split):
            cuts: list[tuple[int, int | None]] = [(0, None)]
        else:
            cuts = cut_ranges(inp.path, k, inp.size, target, fd=fd_or_none(inp))
        tasks.extend((inp, k, full, start, end) for start, end in cuts)
    if serial:
        results: Iterator[tuple[_Task, Part]] = ((t, _scan(t, on_bytes)) for t in tasks)
        yield from _pieces(plans, full, results, on_bytes, scanned_told=True)
        return
    ctx = multiprocessing.get_context("fork" if sys.platform == "linux" else None)
    pool = ctx.Pool(max(1, min(jobs, len(tasks))), initializer=_worker_init)
    try:
        yield from _pieces(plans, full, _in_order(pool, tasks, 2 * jobs), on_bytes, scanned_told=False)
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()


def _in_order(pool: multiprocessing.pool.Pool, tasks: list[_Task], ahead: int) -> Iterator[tuple[_Task, Part]]:
    """Each task with its result, in order, with at most `ahead` tasks
    submitted and not yet taken: results that the caller has not taken
    yet wait in the parent's memory (Pool.imap would run ahead unbounded)."""
    pending: collections.deque[tuple[_Task, multiprocessing.pool.AsyncResult[Part]]] = collections.deque()
    rest = iter(tasks)
    for task in itertools.islice(rest, ahead):
        pending.append((task, pool.apply_async(_worker, (task,))))
    while pending:
        task, result = pending.popleft()
        part = result.get()
        for more in itertools.islice(rest, 1):
            pending.append((more, pool.apply_async(_worker, (more,))))
        yield task, part


def _pieces(
    plans: list[tuple[str, OpenedInput | None, LogKind | None]],
    full: bool,
    results: Iterator[tuple[_Task, Part]],
    on_bytes: Callable[[int], None] | None,
    *,
    scanned_told: bool,
) -> Iterator[Piece]:
    """Each file's parts as pieces, in order; `results` are the scanned
    ranges of the regular files, in order; `on_bytes` is told of each
    unless the scan told it already (`scanned_told`)."""
    for path, inp, k in plans:
        if inp is None:
            k, part = _scan_once(path, k, full, on_bytes)
            one = Assembly(path, k, None)
            yield one.add(part)
            yield one.finish()
            continue
        assert k is not None
        assembly = Assembly(path, k, inp)
        for task, part in results:
            if on_bytes is not None and not scanned_told:
                on_bytes(part.nbytes)
            yield assembly.add(part)
            if task[4] is None:  # the last range of this file
                break
        yield assembly.finish()
