"""Every input read into one stream of events in UTC order.

`load_events` is the library function behind `lmtrace events`, and the first
step of `analyze` and `timeline`: expand the paths, parse each file, find its
clock (lmtrace.clock), move its log times to UTC and merge all events.
"""

from __future__ import annotations

import array
import contextlib
import heapq
import os
import pickle
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any

from ._gc import gc_paused
from .clock import FileClock, check_file_specs, clock_from_deltas, given_clock, infer_clock, tz_for
from .errors import UsageError
from .events import Event, LineCounts, LogKind, Malformed, Source, Status, Trait, TraitType
from .parallel import KindSpec, ScannedFile, kind_for, scan_files, scan_pieces
from .parse.rows import LINE, LOCAL_TIME, Row, build_events, row_time
from .progress import OnProgress, Progress
from .read import STDIN, expand_paths

__all__ = [
    "EventRuns",
    "EventStream",
    "InputSummary",
    "SpooledEventStream",
    "load_events",
    "sort_key",
    "stream_events",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True, slots=True, kw_only=True)
class InputSummary:
    """One input file: its kind, line counts, clock and malformed lines."""

    path: str
    kind: LogKind
    lines: LineCounts
    clock: FileClock
    events: int
    malformed: tuple[Malformed, ...]
    #: nothing but whitespace in the file (or nothing at all)
    empty: bool = False
    #: what went wrong with the file while it was read (see lmtrace.parallel)
    warnings: tuple[str, ...] = ()
    #: read only in part (it shrank while read, damaged compressed data):
    #: the report holds what was read; `--strict` exits 2
    damaged: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class EventStream:
    inputs: tuple[InputSummary, ...]
    events: tuple[Event, ...]
    #: inputs named more than once (read once)
    repeated: tuple[str, ...] = ()

    @property
    def malformed(self) -> int:
        return sum(i.lines.malformed for i in self.inputs)

    @property
    def warnings(self) -> list[str]:
        out = [f"{p}: given more than once: read once" for p in self.repeated]
        for i in self.inputs:
            out.extend(f"{i.path}: {w}" for w in i.warnings)
            if i.clock.warning:
                out.append(f"{i.path}: {i.clock.warning}")
            if i.empty:
                out.append(f"{i.path}: empty: no events")
            elif i.clock.source.value == "assumed" and i.lines.total and not i.clock.warning:
                out.append(f"{i.path}: no event to infer the UTC offset from: assumed UTC (force it with --tz)")
        return out


def sort_key(e: Event) -> tuple[datetime, str, int, int]:
    """UTC log time, then file, line and place in the line: a stable order."""
    t = e.logged_at or e.time or _EPOCH
    return (t, e.source.path, e.source.line, e.index)


def load_events(
    paths: Sequence[str],
    *,
    kind: KindSpec = None,
    tz: Mapping[str, tzinfo] | None = None,
    full: bool = True,
    on_file: Callable[[str], None] | None = None,
    jobs: int | None = 1,
    on_progress: OnProgress | None = None,
) -> EventStream:
    """Parse every input (paths, globs, rotated sets, `-`) into one stream.

    `kind` is the kind of every input, None (sniff each) or a mapping of
    FILE to kind; `tz` maps FILE (or `*` for all) to a zone that overrides
    inference. FILE is an input's path as given, its basename or a glob
    (lmtrace.clock.for_file); a FILE that matches no input is a UsageError.
    `full=False` reads only the fields the analysis needs (`Event.traits`
    stays empty). `jobs` processes scan large inputs (None: every core;
    the result is the same for any number). `on_progress` is called as
    bytes are read (see lmtrace.progress).
    Raises InputError for a missing, unreadable or unrecognisable file.
    """
    with gc_paused():
        return _load(paths, kind, tz, full, on_file, jobs, on_progress)


@dataclass(frozen=True, slots=True)
class _Inputs:
    """The inputs of a run as `load_events` resolves them."""

    paths: list[str]
    #: each path's other names (the glob that expanded to it)
    also: dict[str, list[str]]
    repeated: list[str]
    kind: KindSpec
    tz: dict[str, tzinfo]
    #: bytes on disk in all (stdin: 0)
    size: int

    def forced(self, path: str) -> tzinfo | None:
        return tz_for(path, self.tz, also=self.also.get(path, ()))


def _resolve(paths: Sequence[str], kind: KindSpec, tz: Mapping[str, tzinfo] | None) -> _Inputs:
    given = dict(tz or {})
    # each input with the names it goes by: its path, and the argument
    # (a glob) that expanded to it
    names: list[list[str]] = []
    for arg in paths:
        names.extend([p] if p == arg else [p, arg] for p in expand_paths([arg]))
    names, repeated = _once_each(names)
    expanded = [n[0] for n in names]
    check_file_specs("--tz", given, names)
    also = {n[0]: n[1:] for n in names}
    if kind is not None and not isinstance(kind, LogKind):
        check_file_specs("--kind", kind, names)
        # resolved here, where the arguments are known: one kind per path
        kind = {p: kind_for(p, kind, also=also[p]) for p in expanded}
    total = 0
    for p in expanded:
        try:
            total += os.path.getsize(p) if p != STDIN else 0
        except OSError:
            pass  # reported when it is opened
    return _Inputs(expanded, also, repeated, kind, given, total)


class _Progress:
    """Progress as the run goes (see lmtrace.progress)."""

    def __init__(self, on_progress: OnProgress | None, inputs: _Inputs) -> None:
        self._on = on_progress
        self._total = inputs.size
        self._files = len(inputs.paths)
        self.read = self.events = self.files_done = 0

    def emit(self, stage: str) -> None:
        if self._on is not None:
            self._on(
                Progress(
                    bytes_read=self.read,
                    bytes_total=self._total,
                    events=self.events,
                    files_done=self.files_done,
                    files_total=self._files,
                    stage=stage,
                )
            )

    def on_bytes(self, n: int) -> None:
        self.read += n
        self.emit("reading")

    @property
    def callback(self) -> Callable[[int], None] | None:
        return self.on_bytes if self._on is not None else None


def _load(
    paths: Sequence[str],
    kind: KindSpec,
    tz: Mapping[str, tzinfo] | None,
    full: bool,
    on_file: Callable[[str], None] | None,
    jobs: int | None,
    on_progress: OnProgress | None,
) -> EventStream:
    run = _resolve(paths, kind, tz)
    progress = _Progress(on_progress, run)
    inputs: list[InputSummary] = []
    events: list[Event] = []
    for scanned in scan_files(run.paths, kind=run.kind, full=full, jobs=jobs, on_bytes=progress.callback):
        path = scanned.path
        if on_file is not None:
            on_file(path)
        clock = _clock_for(scanned.rows, run.forced(path))
        out_of_range: set[datetime] = set()
        built = build_events(scanned.kind, path, scanned.rows, to_utc=_to_utc(clock, out_of_range))
        bad: dict[int, Malformed] = {}
        if out_of_range:
            built = _drop_out_of_range(built, out_of_range, clock, bad)
        events.extend(built)
        inputs.append(_summary(scanned, clock, len(built), bad))
        progress.events = len(events)
        progress.files_done = len(inputs)
    events.sort(key=sort_key)
    progress.emit("analyzing")
    return EventStream(inputs=tuple(inputs), events=tuple(events), repeated=tuple(run.repeated))


#: events held in memory at most by `stream_events` before sorted runs go
#: to temporary files
RUN_EVENTS = 20_000
_INDEX = 15  # a row's place in its line (lmtrace.parse.rows.Row)
#: rows per pickled block of a run on disk (what a merge holds per run)
_BLOCK = 256


class EventRuns:
    """The events of every input in UTC order (`sort_key`), as a merge of
    sorted runs held in memory or spilled to temporary files: iterable as
    often as needed, each time from the start, in bounded memory."""

    def __init__(self) -> None:
        self._runs: list[_Run] = []
        self.count = 0

    def __iter__(self) -> Iterator[Event]:
        its = [run.events() for run in self._runs]
        if len(its) == 1:
            return its[0]
        return heapq.merge(*its, key=sort_key)

    def __len__(self) -> int:
        return self.count


class _Run:
    """Events of one file in `sort_key` order: in memory, or rows in a
    temporary file in blocks (rebuilt into events when read)."""

    def __init__(
        self,
        kind: LogKind,
        path: str,
        to_utc: Callable[[datetime], datetime],
        *,
        events: list[Event] | None = None,
        spilled: str | None = None,
    ) -> None:
        self._kind, self._path, self._to_utc = kind, path, to_utc
        self._events, self._spilled = events, spilled

    def events(self) -> Iterator[Event]:
        if self._events is not None:
            yield from self._events
            return
        assert self._spilled is not None
        for block in _read_blocks(self._spilled):
            yield from build_events(self._kind, self._path, block, to_utc=self._to_utc)


@dataclass(frozen=True, slots=True, kw_only=True)
class SpooledEventStream:
    """`EventStream` with its events as `EventRuns` (see `stream_events`)."""

    inputs: tuple[InputSummary, ...]
    events: EventRuns
    repeated: tuple[str, ...] = ()

    @property
    def malformed(self) -> int:
        return sum(i.lines.malformed for i in self.inputs)

    @property
    def warnings(self) -> list[str]:
        return EventStream(inputs=self.inputs, events=(), repeated=self.repeated).warnings


@contextlib.contextmanager
def stream_events(
    paths: Sequence[str],
    *,
    kind: KindSpec = None,
    tz: Mapping[str, tzinfo] | None = None,
    full: bool = True,
    jobs: int | None = 1,
    on_progress: OnProgress | None = None,
    run_events: int = RUN_EVENTS,
) -> Iterator[SpooledEventStream]:
    """`load_events` in bounded memory, for `lmtrace events`: the same
    inputs and the same events in the same order, but the events come as
    a merge of sorted runs (`EventRuns`) of at most `run_events` events,
    those beyond the first `run_events` held spilled to temporary files,
    deleted when the block ends. Each file is scanned in ranges (see
    lmtrace.parallel.scan_pieces); its rows wait, spilled as they come if
    need be, until its clock is known, then go out as sorted runs."""
    with gc_paused(), contextlib.ExitStack() as stack:
        run = _resolve(paths, kind, tz)
        progress = _Progress(on_progress, run)
        spool = _Spool(stack, max(1, run_events))
        inputs: list[InputSummary] = []
        events = EventRuns()
        file = _FileRows(spool)
        for piece in scan_pieces(run.paths, kind=run.kind, full=full, jobs=jobs, on_bytes=progress.callback):
            if not isinstance(piece, ScannedFile):
                file.add(piece)
                continue
            clock = file.clock(run.forced(piece.path))
            bad: dict[int, Malformed] = {}
            n = file.sorted_runs(piece, clock, events, bad)
            inputs.append(_summary(piece, clock, n, bad))
            events.count += n
            file = _FileRows(spool)
            progress.events = events.count
            progress.files_done = len(inputs)
        progress.emit("analyzing")
        yield SpooledEventStream(inputs=tuple(inputs), events=events, repeated=tuple(run.repeated))


# Rows are pickled with the traits, statuses and dtypes as plain values:
# pickle's own way with a slotted dataclass or an enum member costs ten
# times as much, and a row carries a few dozen traits.
def _trait(name: str, dtype: int, value: object) -> Trait:
    return Trait(name, _DTYPES[dtype], value)  # type: ignore[arg-type]


def _status(value: str) -> Status:
    return _STATUSES[value]


_DTYPES = {int(t): t for t in TraitType}
_STATUSES = {s.value: s for s in Status}
_REDUCE: dict[type, Callable[[Any], tuple[Any, ...]]] = {
    Trait: lambda t: (_trait, (t.name, int(t.dtype), t.value)),
    Status: lambda s: (_status, (s.value,)),
}


def _write_blocks(name: str, rows: list[Row]) -> None:
    with open(name, "wb") as f:
        pickler = pickle.Pickler(f, protocol=pickle.HIGHEST_PROTOCOL)
        pickler.dispatch_table = _REDUCE
        for i in range(0, len(rows), _BLOCK):
            pickler.dump(rows[i : i + _BLOCK])
            pickler.clear_memo()


def _read_blocks(name: str) -> Iterator[list[Row]]:
    with open(name, "rb") as f:
        while True:
            try:
                # one unpickler per block: each block has a memo of its own
                yield pickle.load(f)
            except EOFError:
                return


class _Spool:
    """Temporary files for rows that do not fit in memory, in one folder
    removed at the end; counts the events held in memory."""

    def __init__(self, stack: contextlib.ExitStack, limit: int) -> None:
        self._stack = stack
        self._dir: str | None = None
        self._n = 0
        self.limit = limit
        self.held = 0

    def write(self, rows: list[Row]) -> str:
        if self._dir is None:
            self._dir = self._stack.enter_context(tempfile.TemporaryDirectory(prefix="lmtrace-"))
        self._n += 1
        name = os.path.join(self._dir, f"{self._n}.pickle")
        _write_blocks(name, rows)
        return name

    def read(self, name: str) -> list[Row]:
        rows: list[Row] = []
        for block in _read_blocks(name):
            rows.extend(block)
        os.unlink(name)
        return rows


def _by_local_time(rows: list[Row]) -> bool:
    """Sort rows by log time, line and place in the line, if each has a log
    time and none is at the ends of the calendar: in that order they are in
    `sort_key` order under any fixed offset. False (unsorted) otherwise."""
    for r in rows:
        local = r[LOCAL_TIME]
        if local is None or local.year in (1, 9999):
            return False
    rows.sort(key=lambda r: (r[LOCAL_TIME], r[LINE], r[_INDEX]))
    return True


@dataclass(slots=True)
class _Batch:
    rows: list[Row] | None
    count: int
    #: spilled to this file
    spilled: str | None = None
    #: in order of log time (`_by_local_time`)
    by_local_time: bool = False


class _FileRows:
    """One file's rows while it is scanned: in batches of at most the
    spool's limit, those beyond memory written out in order of log time;
    the differences log time - event time, for its clock."""

    def __init__(self, spool: _Spool) -> None:
        self._spool = spool
        self._batches: list[_Batch] = []
        self._open: list[Row] = []
        self._deltas = array.array("d")

    def add(self, rows: list[Row]) -> None:
        deltas = self._deltas
        for r in rows:
            local = r[LOCAL_TIME]
            if local is not None:
                utc = row_time(r)
                if utc is not None:
                    deltas.append((local - utc.replace(tzinfo=None)).total_seconds())
        self._open.extend(rows)
        self._spool.held += len(rows)
        if len(self._open) >= self._spool.limit:
            self._close_batch()

    def _close_batch(self) -> None:
        batch, self._open = self._open, []
        if self._spool.held > self._spool.limit:
            ordered = _by_local_time(batch)
            self._batches.append(_Batch(None, len(batch), self._spool.write(batch), ordered))
            self._spool.held -= len(batch)
        else:
            self._batches.append(_Batch(batch, len(batch)))

    def clock(self, forced: tzinfo | None) -> FileClock:
        return given_clock(forced) if forced is not None else clock_from_deltas(self._deltas)

    def sorted_runs(
        self, scanned: ScannedFile, clock: FileClock, runs: EventRuns, bad: dict[int, Malformed]
    ) -> int:
        """Each batch as a run sorted by `sort_key`, kept in memory while
        the spool's limit allows, else written out; returns the events."""
        if self._open:
            self._close_batch()
        spool = self._spool
        fixed = isinstance(clock.tz, timezone)
        count = 0
        for batch in self._batches:
            if batch.spilled is not None and batch.by_local_time and fixed:
                # in order already, and no time out of range: read at the merge
                to_utc = _to_utc(clock, set())
                runs._runs.append(_Run(scanned.kind, scanned.path, to_utc, spilled=batch.spilled))
                count += batch.count
                continue
            if batch.spilled is not None:
                rows = spool.read(batch.spilled)
            else:
                assert batch.rows is not None
                rows = batch.rows
                spool.held -= len(rows)
            out_of_range: set[datetime] = set()
            to_utc = _to_utc(clock, out_of_range)
            built = build_events(scanned.kind, scanned.path, rows, to_utc=to_utc)
            if out_of_range:
                rows = [r for r in rows if r[LOCAL_TIME] not in out_of_range]
                built = _drop_out_of_range(built, out_of_range, clock, bad)
            count += len(built)
            if spool.held + len(built) <= spool.limit:
                built.sort(key=sort_key)
                runs._runs.append(_Run(scanned.kind, scanned.path, to_utc, events=built))
                spool.held += len(built)
            else:
                order = sorted(range(len(built)), key=lambda i: sort_key(built[i]))
                name = spool.write([rows[i] for i in order])
                runs._runs.append(_Run(scanned.kind, scanned.path, to_utc, spilled=name))
        return count


def _summary(scanned: ScannedFile, clock: FileClock, events: int, bad: dict[int, Malformed]) -> InputSummary:
    """One file's summary; `bad`: lines made malformed after the scan
    (their log time out of range in UTC)."""
    lines, malformed = scanned.lines, scanned.malformed
    if bad:
        spans = sum(m.source.span for m in bad.values())
        lines = LineCounts(total=lines.total, parsed=lines.parsed - spans, malformed=lines.malformed + spans)
        malformed = tuple(sorted((*malformed, *bad.values()), key=lambda m: m.source.line))
    return InputSummary(
        path=scanned.path,
        kind=scanned.kind,
        lines=lines,
        clock=clock,
        events=events,
        malformed=malformed,
        empty=scanned.empty,
        warnings=scanned.warnings,
        damaged=scanned.damaged,
    )


def _once_each(names: list[list[str]]) -> tuple[list[list[str]], list[str]]:
    """Each file read once however often it is named (`collector.log*` and
    `collector.log`): its events would otherwise join themselves. stdin can
    be read only once: naming it twice is a usage error."""
    seen: dict[str, list[str]] = {}
    out: list[list[str]] = []
    repeated: list[str] = []
    for n in names:
        key = n[0] if n[0] == STDIN else os.path.realpath(n[0])
        if key in seen:
            if n[0] == STDIN:
                raise UsageError("- (stdin) can be read only once: give it once")
            seen[key].extend(x for x in n if x not in seen[key])
            if n[0] not in repeated:
                repeated.append(n[0])
            continue
        seen[key] = n
        out.append(n)
    return out, repeated


def _clock_for(rows: Sequence[Row], forced: tzinfo | None) -> FileClock:
    if forced is not None:
        return given_clock(forced)
    pairs = []
    for r in rows:
        local = r[LOCAL_TIME]
        utc = row_time(r)
        if local is not None and utc is not None:
            pairs.append((local, utc))
    return infer_clock(pairs)


def _to_utc(clock: FileClock, out_of_range: set[datetime]) -> Callable[[datetime], datetime]:
    """`clock`'s conversion to UTC. A local time that cannot be moved (year
    1 at a positive offset, 9999-12-31 at a negative one) is added to
    `out_of_range` and comes out as the nearest time that can be."""
    utc = timezone.utc
    if not isinstance(clock.tz, timezone):
        to_utc = clock.to_utc  # a zone: its offset depends on the time (DST)

        def zoned(local: datetime) -> datetime:
            try:
                return to_utc(local)
            except OverflowError:
                out_of_range.add(local)
                return (datetime.min if local.year == 1 else datetime.max).replace(tzinfo=utc)

        return zoned
    off = clock.tz.utcoffset(None)
    # a fixed offset: one subtraction (what astimezone would do)

    def fixed(local: datetime, off: timedelta = off) -> datetime:
        try:
            return (local - off).replace(tzinfo=utc)
        except OverflowError:
            out_of_range.add(local)
            return (datetime.min if local.year == 1 else datetime.max).replace(tzinfo=utc)

    return fixed


def _drop_out_of_range(
    events: list[Event], out_of_range: set[datetime], clock: FileClock, bad: dict[int, Malformed]
) -> list[Event]:
    """The events whose log time cannot be moved to UTC left out, their
    lines added to `bad` (by line number) as malformed, with the reason:
    their time is out of Python's range (years 1 to 9999) once the file's
    offset is applied."""
    keep: list[Event] = []
    for e in events:
        if e.local_time is not None and e.local_time in out_of_range:
            if e.source.line not in bad:
                src = Source(e.source.kind, e.source.path, e.source.line, e.source.offset, e.source.span)
                bad[e.source.line] = Malformed(
                    src,
                    f"log time {e.local_time.isoformat(' ')} is out of range once moved to UTC "
                    f"(offset {clock.label}): years 1 to 9999 only",
                )
        else:
            keep.append(e)
    return keep
