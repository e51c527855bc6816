"""Every input read into one stream of events in UTC order.

`load_events` is the library function behind `lmtrace events`, and the first
step of `analyze` and `timeline`: expand the paths, parse each file, find its
clock (lmtrace.clock), move its log times to UTC and merge all events.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo

from .clock import FileClock, given_clock, infer_clock, tz_for
from .events import Event, LineCounts, LogKind, Malformed
from .parse import ParsedFile, parse_file
from .read import expand_paths

__all__ = ["EventStream", "InputSummary", "load_events", "sort_key"]

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


@dataclass(frozen=True, slots=True, kw_only=True)
class EventStream:
    inputs: tuple[InputSummary, ...]
    events: tuple[Event, ...]

    @property
    def malformed(self) -> int:
        return sum(i.lines.malformed for i in self.inputs)

    @property
    def warnings(self) -> list[str]:
        out = []
        for i in self.inputs:
            if i.clock.warning:
                out.append(f"{i.path}: {i.clock.warning}")
            if i.clock.source.value == "assumed" and i.lines.total:
                out.append(f"{i.path}: no event to infer the UTC offset from: assumed UTC (force it with --tz)")
        return out


def sort_key(e: Event) -> tuple[datetime, str, int, int]:
    """UTC log time, then file, line and place in the line: a stable order."""
    t = e.logged_at or e.time or _EPOCH
    return (t, e.source.path, e.source.line, e.index)


def load_events(
    paths: Sequence[str],
    *,
    kind: LogKind | None = None,
    tz: Mapping[str, tzinfo] | None = None,
    full: bool = True,
    on_file: Callable[[str], None] | None = None,
) -> EventStream:
    """Parse every input (paths, globs, rotated sets, `-`) into one stream.

    `tz` maps a path (or `*` for all) to a zone that overrides inference.
    Raises InputError for a missing, unreadable or unrecognisable file.
    """
    given = dict(tz or {})
    inputs: list[InputSummary] = []
    events: list[Event] = []
    for path in expand_paths(list(paths)):
        if on_file is not None:
            on_file(path)
        parsed = parse_file(path, kind=kind, full=full)
        clock = _clock_for(parsed, tz_for(path, given))
        events.extend(_to_utc(parsed.events, clock))
        inputs.append(
            InputSummary(
                path=path,
                kind=parsed.kind,
                lines=parsed.lines,
                clock=clock,
                events=len(parsed.events),
                malformed=parsed.malformed,
            )
        )
    events.sort(key=sort_key)
    return EventStream(inputs=tuple(inputs), events=tuple(events))


def _clock_for(parsed: ParsedFile, forced: tzinfo | None) -> FileClock:
    if forced is not None:
        return given_clock(forced)
    return infer_clock(
        (e.local_time, e.time)
        for e in parsed.events
        if e.local_time is not None and e.time is not None
    )


def _to_utc(events: Sequence[Event], clock: FileClock) -> list[Event]:
    replace = dataclasses.replace
    to_utc = clock.to_utc
    return [
        replace(e, logged_at=to_utc(e.local_time)) if e.local_time is not None else e
        for e in events
    ]
