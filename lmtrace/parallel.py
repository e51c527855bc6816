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

import bz2
import collections
import contextlib
import dataclasses
import gzip
import itertools
import lzma
import multiprocessing
import multiprocessing.pool
import os
import re
import stat
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import BinaryIO, TypeAlias, cast

from .clock import check_file_specs, for_file
from .errors import InputError
from .events import LineCounts, LogKind, Malformed
from .parse import make_scanner, sniff_kind
from .parse.rows import Row, event_row
from .read import STDIN, Chunk, is_blank, iter_chunks, open_input, read_once, unpad

__all__ = ["KindSpec", "Piece", "ScannedFile", "default_jobs", "kind_for", "scan_files", "scan_pieces"]

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
    #: what went wrong with the file while it was read (no path in front)
    warnings: tuple[str, ...] = ()
    #: read only in part: it shrank while read, or its compressed data is damaged
    damaged: bool = False
    #: lines stripped of a head of NULs or byte-order marks (lmtrace.read.unpad)
    padded: int = 0


def default_jobs() -> int:
    """The cores this process may run on."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    return max(1, min(n, _MAX_JOBS))


# -- one input, opened once ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Input:
    """A regular file opened once: every read of it, in this process or a
    forked worker, goes through descriptor `fd` with os.pread, so that a
    file renamed and re-created under its name (logrotate) is still the
    file that was opened. `size` is its size when opened: nothing past it
    is read. `fd` -1: reopen by name (a worker that was not forked, or too
    many inputs to keep open), checked to be the same file (`dev`, `ino`)."""

    path: str
    fd: int
    dev: int
    ino: int
    size: int
    #: compressed (gzip, bzip2, xz): read whole, decompressed
    packed: bool


class _PRead:
    """Bytes `start` to `end` of a descriptor, read with os.pread (which
    moves no shared offset: forked workers read one descriptor at once).
    `short` is the position where the file ended before `end`: it shrank
    while it was read."""

    def __init__(self, fd: int, start: int, end: int) -> None:
        self._fd = fd
        self.pos = start
        self._end = end
        self.short: int | None = None

    def read(self, n: int = -1) -> bytes:
        left = self._end - self.pos
        if n < 0 or n > left:
            n = left
        if n <= 0:
            return b""
        data = os.pread(self._fd, n, self.pos)
        if not data:
            self.short = self.pos
        self.pos += len(data)
        return data

    def seek(self, pos: int, whence: int = 0) -> int:
        self.pos = pos if whence == 0 else self.pos + pos if whence == 1 else self._end + pos
        return self.pos

    def tell(self) -> int:
        return self.pos

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        pass


class _Salvage:
    """A decompressing stream read in small steps, so that when its data
    turns out damaged, every byte before the damage has been handed over:
    the error is raised on the read after."""

    def __init__(self, inner: BinaryIO) -> None:
        self._inner = inner
        self._error: BaseException | None = None

    def read(self, n: int) -> bytes:
        if self._error is not None:
            raise self._error
        parts: list[bytes] = []
        got = 0
        while got < n:
            try:
                block = self._inner.read1(min(n - got, 1 << 16))  # type: ignore[attr-defined]
            except _DAMAGE as e:
                if not parts:
                    raise
                self._error = e
                break
            if not block:
                break
            parts.append(block)
            got += len(block)
        return b"".join(parts)


_DAMAGE = (OSError, EOFError, lzma.LZMAError, zlib.error)


def _unpack(raw: _PRead, head: bytes) -> BinaryIO:
    if head.startswith(b"\x1f\x8b"):
        return cast(BinaryIO, gzip.GzipFile(fileobj=raw, mode="rb"))
    if head.startswith(b"BZh"):
        return cast(BinaryIO, bz2.BZ2File(raw, "rb"))  # type: ignore[call-overload]
    return cast(BinaryIO, lzma.LZMAFile(raw, "rb"))  # type: ignore[arg-type]


def _open_input(path: str, *, keep: bool) -> tuple[_Input, BinaryIO | None]:
    """Open a regular file once; the file object is returned to be kept
    open (and closed after) when `keep`, else closed here (fd -1)."""
    try:
        f = open(path, "rb")  # noqa: SIM115 - closed by the caller
    except FileNotFoundError as e:
        raise InputError(f"{path}: no such file") from e
    except IsADirectoryError as e:
        raise InputError(f"{path}: is a directory, not a log file") from e
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror}") from e
    try:
        st = os.fstat(f.fileno())
        if stat.S_ISDIR(st.st_mode):
            raise InputError(f"{path}: is a directory, not a log file")
        head = os.pread(f.fileno(), 6, 0)
    except OSError as e:
        f.close()
        raise InputError(f"{path}: cannot read: {e.strerror}") from e
    except BaseException:
        f.close()
        raise
    inp = _Input(
        path=path,
        fd=f.fileno() if keep else -1,
        dev=st.st_dev,
        ino=st.st_ino,
        size=st.st_size,
        packed=head.startswith(_GZIP_ETC),
    )
    if keep:
        return inp, f
    f.close()
    return inp, None


def _descriptor(inp: _Input) -> tuple[int, bool]:
    """The descriptor to read `inp` through, and whether it was opened here
    (to close after): the inherited one, else the path reopened, if it is
    still the same file."""
    if inp.fd >= 0:
        try:
            st = os.fstat(inp.fd)
            if (st.st_dev, st.st_ino) == (inp.dev, inp.ino):
                return inp.fd, False
        except OSError:
            pass
    try:
        fd = os.open(inp.path, os.O_RDONLY)
    except OSError as e:
        raise InputError(f"{inp.path}: cannot read: {e.strerror}") from e
    st = os.fstat(fd)
    if (st.st_dev, st.st_ino) != (inp.dev, inp.ino):
        os.close(fd)
        raise InputError(f"{inp.path}: replaced by another file while it was read; read it again")
    return fd, True


# -- one range, in a worker or in the parent -----------------------------------


@dataclass(frozen=True, slots=True)
class _Part:
    """What scanning one range (or a whole input) gave."""

    rows: list[Row]
    malformed: list[Malformed]
    total: int
    parsed: int
    malformed_lines: int
    #: bytes scanned (decompressed)
    nbytes: int
    blank: bool
    #: lines stripped of a head of NULs or byte-order marks
    padded: int = 0
    #: where the file ended short of the range (it shrank while read)
    short: int | None = None
    #: what stopped the decompression early
    damage: str | None = None


_Task = tuple[_Input, LogKind, bool, int, "int | None"]


def _scan(task: _Task, on_bytes: Callable[[int], None] | None = None) -> _Part:
    """Scan one range (or a whole file: `start` 0, `end` None) of an input
    through its one descriptor."""
    inp, kind, full, start, end = task
    fd, own = _descriptor(inp)
    try:
        raw = _PRead(fd, start, inp.size if end is None else end)
        damage: list[str] = []
        if inp.packed:
            stream: BinaryIO | _PRead | _Salvage = _Salvage(_unpack(raw, os.pread(fd, 6, 0)))

            def on_damage(at: int, e: BaseException) -> None:
                damage.append(
                    f"compressed data damaged or cut short near byte {raw.pos} of {inp.size} "
                    f"(after {at} bytes unpacked): {e}"
                )

        else:
            stream = raw
            on_damage = None  # type: ignore[assignment]
        chunks = iter_chunks(stream, path=inp.path, offset=start, on_damage=on_damage)  # type: ignore[arg-type]
        # a range that a later one follows ends where a log line starts
        part = _scan_chunks(chunks, inp.path, kind, full, on_bytes, at_end=end is None)
    finally:
        if own:
            os.close(fd)
    return dataclasses.replace(part, short=raw.short, damage=damage[0] if damage else None)


def _scan_once(
    path: str, kind: LogKind | None, full: bool, on_bytes: Callable[[int], None] | None
) -> tuple[LogKind, _Part]:
    """An input that can be read only once (stdin, a pipe): its kind sniffed
    from its first chunk unless given."""
    stream = open_input(path)
    damage: list[str] = []

    def on_damage(at: int, e: BaseException) -> None:
        damage.append(f"compressed data damaged or cut short after {at} bytes unpacked: {e}")

    try:
        chunks = iter_chunks(_Salvage(stream), path=path, on_damage=on_damage)  # type: ignore[arg-type]
        first = next(chunks, None)
        if kind is None:
            kind = sniff_kind(path, first)
        both = itertools.chain([first] if first is not None else [], chunks)
        part = _scan_chunks(both, path, kind, full, on_bytes)
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
) -> _Part:
    scanner = make_scanner(kind, path, full=full)
    feed = getattr(scanner, "feed_rows", None)
    rows: list[Row] = []
    bad: list[Malformed] = []
    total = 0
    nbytes = 0
    padded = 0
    blank = True
    for raw in chunks:
        total += raw.lines
        nbytes += len(raw.data)
        chunk = unpad(raw)
        padded += chunk.padded
        blank = blank and is_blank(chunk.data)
        recs = feed(chunk) if feed is not None else scanner.feed(chunk)
        _collect(recs, rows, bad, feed is None)
        if on_bytes is not None:
            on_bytes(len(raw.data))
    finish = getattr(scanner, "finish_rows", None)
    tail = finish(at_end=at_end) if finish is not None else scanner.finish(at_end=at_end)
    _collect(tail, rows, bad, finish is None)
    return _Part(
        rows, bad, total, scanner.parsed_lines, scanner.malformed_lines, nbytes, blank, padded
    )


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


def _kind_of(inp: _Input, kind: LogKind | None) -> LogKind:
    """A file's kind, sniffed from its first chunk unless given."""
    if kind is not None:
        return kind
    fd, own = _descriptor(inp)
    try:
        raw = _PRead(fd, 0, inp.size)
        stream = _Salvage(_unpack(raw, os.pread(fd, 6, 0))) if inp.packed else raw
        first = next(iter_chunks(stream, path=inp.path, on_damage=lambda at, e: None), None)  # type: ignore[arg-type]
    finally:
        if own:
            os.close(fd)
    return sniff_kind(inp.path, first)


def _boundary(f: BinaryIO | _PRead, pos: int, kind: LogKind, size: int) -> int:
    """The first record start at or after `pos` (`size` if none)."""
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


def _ranges(
    path: str, kind: LogKind, size: int, target: int, *, fd: int | None = None
) -> list[tuple[int, int | None]]:
    """Cuts of a file into ranges of about `target` bytes at record
    starts; read through `fd` when given, else opened by `path`."""
    if size <= target:
        return [(0, None)]
    cuts = [0]
    with contextlib.ExitStack() as stack:
        if fd is None:
            f: BinaryIO | _PRead = stack.enter_context(open(path, "rb"))
        else:
            f = _PRead(fd, 0, size)
        pos = target
        while pos < size:
            b = _boundary(f, pos, kind, size)
            if b >= size:
                break
            if b > cuts[-1]:
                cuts.append(b)
            pos = max(b, cuts[-1]) + target
    out: list[tuple[int, int | None]] = [(a, b) for a, b in zip(cuts, cuts[1:])]
    out.append((cuts[-1], None))
    return out


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
    plans: list[tuple[str, _Input | None, LogKind | None]],
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
) -> Iterator[Piece]:
    """`scan_files` in bounded pieces: for each path in order, the rows of
    each range of at most about RANGE_MIN bytes (line numbers final), then
    the file's `ScannedFile` with no rows. Plain files are cut into ranges
    even on one job, so that no more than a range's rows are held at once
    (a compressed file or a pipe is one piece)."""
    jobs = default_jobs() if jobs is None else max(1, jobs)
    if kind is not None and not isinstance(kind, LogKind):
        check_file_specs("--kind", kind, [[p] for p in paths])
    keep = len(paths) <= MAX_OPEN
    with contextlib.ExitStack() as files:
        plans = _plan(paths, kind, keep, files)
        yield from _scan_pieces(plans, full, jobs, on_bytes, split=True)


def _plan(
    paths: Sequence[str], kind: KindSpec, keep: bool, files: contextlib.ExitStack
) -> list[tuple[str, _Input | None, LogKind | None]]:
    # stdin, pipes and FIFOs are read once, in this process, their kind
    # sniffed on the way; regular files are opened, sniffed (and maybe
    # split) first
    plans: list[tuple[str, _Input | None, LogKind | None]] = []
    for p in paths:
        k = kind_for(p, kind)
        if read_once(p):
            plans.append((p, None, k))
            continue
        inp, f = _open_input(p, keep=keep)
        if f is not None:
            files.enter_context(f)
        plans.append((p, inp, _kind_of(inp, k)))
    return plans


def _scan_pieces(
    plans: list[tuple[str, _Input | None, LogKind | None]],
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
            cuts = _ranges(inp.path, k, inp.size, target, fd=_fd_or_none(inp))
        tasks.extend((inp, k, full, start, end) for start, end in cuts)
    if serial:
        results: Iterator[tuple[_Task, _Part]] = ((t, _scan(t, on_bytes)) for t in tasks)
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


def _in_order(pool: multiprocessing.pool.Pool, tasks: list[_Task], ahead: int) -> Iterator[tuple[_Task, _Part]]:
    """Each task with its result, in order, with at most `ahead` tasks
    submitted and not yet taken: results that the caller has not taken
    yet wait in the parent's memory (Pool.imap would run ahead unbounded)."""
    pending: collections.deque[tuple[_Task, multiprocessing.pool.AsyncResult[_Part]]] = collections.deque()
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
    plans: list[tuple[str, _Input | None, LogKind | None]],
    full: bool,
    results: Iterator[tuple[_Task, _Part]],
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
            one = _Assembly(path, k, None)
            yield one.add(part)
            yield one.finish()
            continue
        assert k is not None
        assembly = _Assembly(path, k, inp)
        for task, part in results:
            if on_bytes is not None and not scanned_told:
                on_bytes(part.nbytes)
            yield assembly.add(part)
            if task[4] is None:  # the last range of this file
                break
        yield assembly.finish()


def _fd_or_none(inp: _Input) -> int | None:
    return inp.fd if inp.fd >= 0 else None


class _Assembly:
    """One file's parts added up in order: line numbers made final, counts
    and what went wrong gathered."""

    def __init__(self, path: str, kind: LogKind, inp: _Input | None) -> None:
        self.path, self.kind, self._inp = path, kind, inp
        self._bad: list[Malformed] = []
        self._total = self._parsed = self._malformed = self._padded = self._nbytes = 0
        self._blank = True
        self._short: int | None = None
        self._damage: str | None = None

    def add(self, part: _Part) -> list[Row]:
        """The part's rows, their line numbers counted from the file's start."""
        total = self._total
        self._blank = self._blank and part.blank
        if total:
            rows = [(r[0] + total, *r[1:]) for r in part.rows]
            self._bad.extend(
                dataclasses.replace(m, source=dataclasses.replace(m.source, line=m.source.line + total))
                for m in part.malformed
            )
        else:
            rows = part.rows
            self._bad.extend(part.malformed)
        self._total += part.total
        self._parsed += part.parsed
        self._malformed += part.malformed_lines
        self._padded += part.padded
        self._nbytes += part.nbytes
        if part.short is not None and self._short is None:
            self._short = part.short
        self._damage = self._damage or part.damage
        return rows

    def finish(self) -> ScannedFile:
        """The file's summary (its rows left empty: they went out with `add`)."""
        total, padded, damage, short = self._total, self._padded, self._damage, self._short
        warnings: list[str] = []
        if padded:
            warnings.append(
                f"{_n(padded, 'line')} began with NUL bytes or a byte-order mark (what an unclean shutdown "
                "or a copytruncate rotation leaves): stripped, and the lines read as usual"
            )
        if damage:
            warnings.append(f"{damage}; this report holds the {_n(total, 'line')} before it")
        if self._inp is not None:
            warnings.extend(_changes(self._inp, short, self._nbytes, total))
        return ScannedFile(
            path=self.path,
            kind=self.kind,
            rows=[],
            malformed=tuple(self._bad),
            lines=LineCounts(total=total, parsed=self._parsed, malformed=self._malformed),
            empty=self._blank and not damage and short is None,
            warnings=tuple(warnings),
            damaged=bool(damage) or short is not None,
            padded=padded,
        )


def _changes(inp: _Input, short: int | None, nbytes: int, lines: int) -> list[str]:
    """What happened to a file while it was read: it shrank (short reads),
    grew, or its name now names another file."""
    out: list[str] = []
    try:
        now = os.fstat(inp.fd).st_size if inp.fd >= 0 else os.stat(inp.path).st_size
    except OSError:
        now = inp.size
    if short is not None:
        out.append(
            f"truncated while it was read (copytruncate?): {inp.size} bytes when opened, {now} now, "
            f"the data ended at byte {short}; this report holds what was read, {_n(lines, 'line')}"
        )
    elif now > inp.size:
        out.append(
            f"grew by {now - inp.size} bytes while it was read: read as it was when opened ({inp.size} bytes)"
        )
    try:
        st = os.stat(inp.path)
        same = (st.st_dev, st.st_ino) == (inp.dev, inp.ino)
    except OSError:
        same = False
    if not same:
        out.append(
            "renamed or replaced while it was read (rotated?): this report holds the file that was opened; "
            "the file now under this name was not read"
        )
    return out


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
