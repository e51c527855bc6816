"""Every input read into one stream of events in UTC order.

`load_events` is the library function behind `lmtrace events`, and the first
step of `analyze` and `timeline`: expand the paths, parse each file, find its
clock (lmtrace.clock), move its log times to UTC and merge all events.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo

from ._gc import gc_paused
from .clock import FileClock, check_file_specs, given_clock, infer_clock, tz_for
from .errors import UsageError
from .events import Event, LineCounts, LogKind, Malformed
from .parallel import KindSpec, ScannedFile, kind_for, scan_files
from .parse.rows import LOCAL_TIME, Row, build_events, row_time
from .progress import OnProgress, Progress
from .read import STDIN, expand_paths

__all__ = ["EventStream", "InputSummary", "load_events", "sort_key", "stream_of"]

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
            if i.clock.warning:
                out.append(f"{i.path}: {i.clock.warning}")
            if i.empty:
                out.append(f"{i.path}: empty: no events")
            elif i.clock.source.value == "assumed" and i.lines.total:
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


def _load(
    paths: Sequence[str],
    kind: KindSpec,
    tz: Mapping[str, tzinfo] | None,
    full: bool,
    on_file: Callable[[str], None] | None,
    jobs: int | None,
    on_progress: OnProgress | None,
) -> EventStream:
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
    read = done = nevents = 0

    def emit(stage: str) -> None:
        if on_progress is not None:
            on_progress(
                Progress(
                    bytes_read=read,
                    bytes_total=total,
                    events=nevents,
                    files_done=done,
                    files_total=len(expanded),
                    stage=stage,
                )
            )

    def on_bytes(n: int) -> None:
        nonlocal read
        read += n
        emit("reading")

    def counted(scans: Iterable[ScannedFile]) -> Iterator[ScannedFile]:
        nonlocal done, nevents
        for scanned in scans:
            yield scanned
            done += 1
            nevents += len(scanned.rows)

    stream = stream_of(
        counted(scan_files(expanded, kind=kind, full=full, jobs=jobs, on_bytes=on_bytes if on_progress else None)),
        tz=given,
        also=also,
        repeated=repeated,
        on_file=on_file,
    )
    emit("analyzing")
    return stream


def stream_of(
    scans: Iterable[ScannedFile],
    *,
    tz: Mapping[str, tzinfo] | None = None,
    also: Mapping[str, Sequence[str]] | None = None,
    repeated: Sequence[str] = (),
    on_file: Callable[[str], None] | None = None,
) -> EventStream:
    """Scanned inputs, in the order given, into one stream in UTC order:
    each file's clock (inferred, or forced by `tz`: FILE -> zone, FILE
    matched against the path and the names in `also[path]`), its events
    built with their UTC log times, all of them sorted. The step after
    scanning, wherever the scan ran (`scan_files`, or a sweep's workers)."""
    given = dict(tz or {})
    inputs: list[InputSummary] = []
    events: list[Event] = []
    for scanned in scans:
        path = scanned.path
        if on_file is not None:
            on_file(path)
        clock = _clock_for(scanned.rows, tz_for(path, given, also=(also or {}).get(path, ())))
        events.extend(build_events(scanned.kind, path, scanned.rows, to_utc=_to_utc(clock)))
        inputs.append(
            InputSummary(
                path=path,
                kind=scanned.kind,
                lines=scanned.lines,
                clock=clock,
                events=len(scanned.rows),
                malformed=scanned.malformed,
                empty=scanned.empty,
            )
        )
    events.sort(key=sort_key)
    return EventStream(inputs=tuple(inputs), events=tuple(events), repeated=tuple(repeated))


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


def _to_utc(clock: FileClock) -> Callable[[datetime], datetime]:
    if not isinstance(clock.tz, timezone):
        return clock.to_utc  # a zone: its offset depends on the time (DST)
    off = clock.tz.utcoffset(None)
    # a fixed offset: one subtraction (what astimezone would do)
    utc = timezone.utc

    def fixed(local: datetime, off: timedelta = off) -> datetime:
        return (local - off).replace(tzinfo=utc)

    return fixed
