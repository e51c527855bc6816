"""Every input read into one stream of events in UTC order.

`load_events` is the library function behind `lmtrace events`, and the first
step of `analyze` and `timeline`: expand the paths, parse each file, find its
clock (lmtrace.clock), move its log times to UTC and merge all events.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo

from ._gc import gc_paused
from .clock import (
    FileClock,
    JoinIndex,
    check_file_specs,
    clock_from_deltas,
    given_clock,
    join_keys,
    joined_clock,
    tz_for,
)
from .errors import UsageError
from .events import Event, LineCounts, LogKind, Malformed, Source
from .parallel import KindSpec, ScannedFile, kind_for, scan_files
from .parse.rows import GENERATED, LOCAL_TIME, RCVTIME, Row, build_events
from .progress import OnProgress, Progress
from .read import STDIN, expand_paths

__all__ = [
    "EventStream",
    "InputSummary",
    "LoadProgress",
    "drop_out_of_range",
    "load_events",
    "resolve_inputs",
    "sort_key",
    "stream_of",
    "summary_of",
    "to_utc_of",
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
    #: UTC times of another ZenPack's queued events (zenpython): they show
    #: that debug logging was on, so they count for coverage
    foreign_queued: tuple[datetime, ...] = ()
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


def resolve_inputs(paths: Sequence[str], kind: KindSpec, tz: Mapping[str, tzinfo] | None) -> _Inputs:
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


class LoadProgress:
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
    run = resolve_inputs(paths, kind, tz)
    progress = LoadProgress(on_progress, run)
    stream = stream_of(
        scan_files(run.paths, kind=run.kind, full=full, jobs=jobs, on_bytes=progress.callback),
        tz=run.tz,
        also=run.also,
        repeated=run.repeated,
        on_file=on_file,
        progress=progress,
    )
    progress.emit("analyzing")
    return stream


def stream_of(
    scans: Iterable[ScannedFile],
    *,
    tz: Mapping[str, tzinfo] | None = None,
    also: Mapping[str, Sequence[str]] | None = None,
    repeated: Sequence[str] = (),
    on_file: Callable[[str], None] | None = None,
    progress: LoadProgress | None = None,
) -> EventStream:
    """Scanned inputs, in the order given, into one stream in UTC order:
    each file's clock (inferred, or forced by `tz`: FILE -> zone, FILE
    matched against the path and the names in `also[path]`), its events
    built with their UTC log times, all of them sorted. The step after
    scanning, wherever the scan ran (`scan_files`, or a sweep's workers:
    lmtrace.fleet)."""
    given = dict(tz or {})
    inputs: list[InputSummary] = []
    events: list[Event] = []

    def add(scanned: ScannedFile, clock: FileClock, at: int | None = None) -> None:
        out_of_range: set[datetime] = set()
        built = build_events(scanned.kind, scanned.path, scanned.rows, to_utc=to_utc_of(clock, out_of_range))
        bad: dict[int, Malformed] = {}
        if out_of_range:
            built = drop_out_of_range(built, out_of_range, clock, bad)
        events.extend(built)
        summary = summary_of(scanned, clock, len(built), bad)
        inputs.append(summary) if at is None else inputs.insert(at, summary)
        if progress is not None:
            progress.events = len(events)
            progress.files_done = len(inputs)

    # zenopenstack's lines carry no UTC time: its clock comes from joining
    # them to the Ceilometer side, once every other file is read
    later: list[tuple[int, ScannedFile]] = []
    for scanned in scans:
        path = scanned.path
        if on_file is not None:
            on_file(path)
        forced = tz_for(path, given, also=(also or {}).get(path, ()))
        if scanned.kind is LogKind.ZENOPENSTACK and forced is None:
            later.append((len(inputs) + len(later), scanned))
            continue
        add(scanned, _clock_for(scanned.rows, forced))
    if later:
        index = JoinIndex()
        for e in events:
            index.add(e.event_type, e.event_id, e.instance_id, e.generated)
        for at, scanned in later:
            add(scanned, joined_clock(join_keys(scanned.rows), index), at)
    events.sort(key=sort_key)
    return EventStream(inputs=tuple(inputs), events=tuple(events), repeated=tuple(repeated))


#: events held in memory at most by `stream_events` before sorted runs go
#: to temporary files
def summary_of(scanned: ScannedFile, clock: FileClock, events: int, bad: dict[int, Malformed]) -> InputSummary:
    """One file's summary; `bad`: lines made malformed after the scan
    (their log time out of range in UTC)."""
    lines, malformed = scanned.lines, scanned.malformed
    if bad:
        spans = sum(m.source.span for m in bad.values())
        lines = LineCounts(total=lines.total, parsed=lines.parsed - spans, malformed=lines.malformed + spans,
                           skipped_by_reason=lines.skipped_by_reason)
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
        foreign_queued=_foreign_times(scanned.foreign_queued, clock),
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


def _foreign_times(
    pairs: Sequence[tuple[datetime | None, datetime | None]], clock: FileClock
) -> tuple[datetime, ...]:
    """The UTC times of foreign queued lines: the line's own time through the
    file's clock, or the event's rcvtime when the clock is only assumed
    (no OpenStack event to infer it from) or the line has no time."""
    to_utc = to_utc_of(clock, set())
    assumed = clock.source.value == "assumed"
    out = []
    for local, rcv in pairs:
        t = rcv if (assumed or local is None) and rcv is not None else (to_utc(local) if local else rcv)
        if t is not None:
            out.append(t)
    return tuple(out)


def _clock_for(rows: Sequence[Row], forced: tzinfo | None) -> FileClock:
    if forced is not None:
        return given_clock(forced)
    # = infer_clock((local, row_time(r)) for each row with both): the same
    # deltas, in the same order, at half the cost (no pair, no call per row)
    utc, en, eu = timezone.utc, _EPOCH_NAIVE, _EPOCH
    return clock_from_deltas(
        [
            ((local - en) - (t - eu) if t.tzinfo is utc else local - t.replace(tzinfo=None)).total_seconds()
            for r in rows
            if (local := r[LOCAL_TIME]) is not None
            and (t := r[GENERATED] if r[GENERATED] is not None else r[RCVTIME]) is not None
        ]
    )


_EPOCH_NAIVE = datetime(1970, 1, 1)


def to_utc_of(clock: FileClock, out_of_range: set[datetime]) -> Callable[[datetime], datetime]:
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
    # a fixed offset: one subtraction (what astimezone would do), written as
    # UTC epoch + (local - (epoch + offset)): (local - off).replace(tzinfo=utc)
    # exactly, without replace's keyword parsing (7x its cost); OverflowError
    # out of range as before
    base = datetime(1970, 1, 1) + off
    epoch = datetime(1970, 1, 1, tzinfo=utc)

    def fixed(local: datetime, base: datetime = base, epoch: datetime = epoch) -> datetime:
        try:
            return epoch + (local - base)
        except OverflowError:
            out_of_range.add(local)
            return (datetime.min if local.year == 1 else datetime.max).replace(tzinfo=utc)

    return fixed


def drop_out_of_range(
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
