"""`lmtrace events` in bounded memory: every input's events in UTC order as
a merge of sorted runs, those beyond memory spilled to temporary files.

The same inputs, events and order as lmtrace.load.load_events; each file is
scanned in ranges (lmtrace.parallel.scan_pieces), its rows wait (spilled
as they come if need be) until its clock is known, then go out as sorted
runs merged with heapq.merge.
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
from datetime import datetime, timezone, tzinfo
from typing import Any

from ._gc import gc_paused
from .clock import (
    FileClock,
    JoinIndex,
    JoinKey,
    clock_from_deltas,
    given_clock,
    join_keys,
    joined_clock,
)
from .events import Event, LogKind, Malformed, Status, Trait, TraitType
from .load import (
    EventStream,
    InputSummary,
    LoadProgress,
    drop_out_of_range,
    resolve_inputs,
    sort_key,
    summary_of,
    to_utc_of,
)
from .parallel import KindSpec, ScannedFile, scan_pieces
from .parse.rows import GENERATED, ID, INSTANCE, LINE, LOCAL_TIME, TYPE, Row, build_events, row_time
from .progress import OnProgress

__all__ = ["FAN_IN", "RUN_EVENTS", "EventRuns", "SpooledEventStream", "stream_events"]

RUN_EVENTS = 20_000
_INDEX = 15  # a row's place in its line (lmtrace.parse.rows.Row)
#: rows per pickled block of a run on disk (what a merge holds per run)
_BLOCK = 256
#: runs merged at once (what a merge holds: a block of each)
FAN_IN = 16


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

    def merge_down(self, spool: _Spool, fan_in: int = FAN_IN) -> None:
        """Merge spilled runs into longer ones until at most `fan_in` runs
        are left: the final merge holds a block of each run, so memory stays
        flat however many runs a large input makes (smallest runs first)."""
        while len(self._runs) > fan_in:
            spilled = sorted((r for r in self._runs if r.spilled), key=lambda r: r.count)
            take = spilled[: min(fan_in, len(self._runs) - fan_in + 1)]
            if len(take) < 2:
                return
            chosen = {id(r) for r in take}
            self._runs = [r for r in self._runs if id(r) not in chosen]
            self._runs.append(_merged(spool, take))

    def __len__(self) -> int:
        return self.count


_Source = tuple[LogKind, str, Callable[[datetime], datetime]]


class _Run:
    """Events in `sort_key` order: in memory, or rows in a temporary file in
    blocks (rebuilt into events when read). A run of one file holds its rows;
    a merged run (`_merged`) holds (source, row) pairs, source an index in
    `sources`."""

    def __init__(
        self,
        kind: LogKind,
        path: str,
        to_utc: Callable[[datetime], datetime],
        *,
        events: list[Event] | None = None,
        spilled: str | None = None,
        count: int = 0,
        sources: list[_Source] | None = None,
    ) -> None:
        self._events, self.spilled = events, spilled
        self.count = len(events) if events is not None else count
        self.sources: list[_Source] = sources if sources is not None else [(kind, path, to_utc)]
        self._merged = sources is not None

    def events(self) -> Iterator[Event]:
        for e, _, _ in self._pairs(keep_rows=False):
            yield e

    def _pairs(self, *, keep_rows: bool) -> Iterator[tuple[Event, int, Row | None]]:
        """(event, source, row) in order; row None unless `keep_rows`."""
        if self._events is not None:
            for e in self._events:
                yield e, 0, None
            return
        assert self.spilled is not None
        if not self._merged:
            kind, path, to_utc = self.sources[0]
            for block in _read_blocks(self.spilled):
                built = build_events(kind, path, block, to_utc=to_utc)
                if keep_rows:
                    yield from zip(built, [0] * len(block), block)
                else:
                    for e in built:
                        yield e, 0, None
            return
        for tagged in _read_blocks(self.spilled):
            i = 0
            while i < len(tagged):
                tag = tagged[i][0]
                j = i
                while j < len(tagged) and tagged[j][0] == tag:
                    j += 1
                rows = [r for _, r in tagged[i:j]]
                kind, path, to_utc = self.sources[tag]
                for e, r in zip(build_events(kind, path, rows, to_utc=to_utc), rows):
                    yield e, tag, r if keep_rows else None
                i = j


def _shifted(pairs: Iterator[tuple[Event, int, Row | None]], base: int) -> Iterator[tuple[Event, int, Row | None]]:
    for e, tag, r in pairs:
        yield e, base + tag, r


def _merged(spool: _Spool, runs: list[_Run]) -> _Run:
    """Spilled runs merged into one spilled run of (source, row) pairs; the
    runs' files are removed."""
    sources: list[_Source] = []
    its = []
    for run in runs:
        base = len(sources)
        sources.extend(run.sources)
        its.append(_shifted(run._pairs(keep_rows=True), base))
    merged = heapq.merge(*its, key=lambda t: sort_key(t[0]))
    name = spool.write_tagged((tag, r) for _, tag, r in merged)
    for run in runs:
        assert run.spilled is not None
        os.unlink(run.spilled)
    return _Run(sources[0][0], sources[0][1], sources[0][2], spilled=name,
                count=sum(r.count for r in runs), sources=sources)  # fmt: skip


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
        run = resolve_inputs(paths, kind, tz)
        progress = LoadProgress(on_progress, run)
        spool = _Spool(stack, max(1, run_events))
        inputs: list[InputSummary] = []
        events = EventRuns()
        file = _FileRows(spool)
        # zenopenstack's lines carry no UTC time: its clock is joined to the
        # Ceilometer side (lmtrace.clock.joined_clock) once all is scanned
        index = JoinIndex()
        later: list[tuple[int, ScannedFile, _FileRows]] = []
        # only kept when an input may be zenopenstack's: at its cap the
        # index is the largest thing a run holds (~150 MB)
        joins = [True]

        def on_plan(kinds: list[LogKind | None]) -> None:
            joins[0] = any(k is None or k is LogKind.ZENOPENSTACK for k in kinds)

        def finish(piece: ScannedFile, file: _FileRows, clock: FileClock, at: int | None = None) -> None:
            bad: dict[int, Malformed] = {}
            n = file.sorted_runs(piece, clock, events, bad)
            summary = summary_of(piece, clock, n, bad)
            inputs.append(summary) if at is None else inputs.insert(at, summary)
            events.count += n
            progress.events = events.count
            progress.files_done = len(inputs)

        pieces = scan_pieces(run.paths, kind=run.kind, full=full, jobs=jobs, on_bytes=progress.callback,
                             on_plan=on_plan)  # fmt: skip
        for piece in pieces:
            if not isinstance(piece, ScannedFile):
                file.add(piece)
                if joins[0]:
                    for r in piece:
                        index.add(r[TYPE], r[ID], r[INSTANCE], r[GENERATED])
                continue
            forced = run.forced(piece.path)
            if piece.kind is LogKind.ZENOPENSTACK and forced is None:
                later.append((len(inputs) + len(later), piece, file))
            else:
                finish(piece, file, file.clock(forced))
            file = _FileRows(spool)
        for at, piece, held in later:
            finish(piece, held, joined_clock(held.keys, index), at)
        events.merge_down(spool)
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

    def write_tagged(self, pairs: Iterator[tuple[int, Row | None]]) -> str:
        name = self.write([])
        with open(name, "wb") as f:
            pickler = pickle.Pickler(f, protocol=pickle.HIGHEST_PROTOCOL)
            pickler.dispatch_table = _REDUCE
            block: list[tuple[int, Row | None]] = []
            for pair in pairs:
                block.append(pair)
                if len(block) >= _BLOCK:
                    pickler.dump(block)
                    pickler.clear_memo()
                    block = []
            if block:
                pickler.dump(block)
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
        #: lines without a UTC time of their own (zenopenstack's), for a joined clock
        self.keys: list[JoinKey] = []

    def add(self, rows: list[Row]) -> None:
        deltas = self._deltas
        for r in rows:
            local = r[LOCAL_TIME]
            if local is not None:
                utc = row_time(r)
                if utc is not None:
                    deltas.append((local - utc.replace(tzinfo=None)).total_seconds())
        self.keys.extend(join_keys(rows))
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
                to_utc = to_utc_of(clock, set())
                runs._runs.append(_Run(scanned.kind, scanned.path, to_utc, spilled=batch.spilled, count=batch.count))
                count += batch.count
                continue
            if batch.spilled is not None:
                rows = spool.read(batch.spilled)
            else:
                assert batch.rows is not None
                rows = batch.rows
                spool.held -= len(rows)
            out_of_range: set[datetime] = set()
            to_utc = to_utc_of(clock, out_of_range)
            built = build_events(scanned.kind, scanned.path, rows, to_utc=to_utc)
            if out_of_range:
                rows = [r for r in rows if r[LOCAL_TIME] not in out_of_range]
                built = drop_out_of_range(built, out_of_range, clock, bad)
            count += len(built)
            if spool.held + len(built) <= spool.limit:
                built.sort(key=sort_key)
                runs._runs.append(_Run(scanned.kind, scanned.path, to_utc, events=built))
                spool.held += len(built)
            else:
                order = sorted(range(len(built)), key=lambda i: sort_key(built[i]))
                name = spool.write([rows[i] for i in order])
                runs._runs.append(_Run(scanned.kind, scanned.path, to_utc, spilled=name, count=len(built)))
        return count


