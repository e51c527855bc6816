"""Live inputs: each followed log (lmtrace.follow) parsed into UTC events as it grows.

A `LiveInput` knows one path: its kind (given, or sniffed from its first
bytes), a scanner per generation of the file (a record cut by a rotation is
cut in the rotated file too, as `analyze` reads it), and its clock. The
clock is inferred once, from the first events (lmtrace.clock: the median
of log time − event time, rounded to 15 minutes), when the input first
reaches its end of file or holds `CLOCK_SAMPLES` events, and then fixed;
`--tz` fixes it from the start. Events wait until the clock is known.
"""

from __future__ import annotations

import os
import re
import stat
import time
from collections.abc import Callable
from datetime import datetime, timezone, tzinfo

from .clock import FileClock, OffsetSource
from .errors import InputError
from .events import Event, LineCounts, LogKind, Malformed
from .follow import Ended, Follower, Lines
from .load import (  # analyze's clock code
    InputSummary,
    _clock_for,
    _foreign_times,
    drop_out_of_range,
    to_utc_of,
)
from .parse import Scanner, make_scanner, sniff
from .parse.rows import Row, build_events, event_row, row_time
from .read import Chunk

__all__ = ["CLOCK_SAMPLES", "LiveInput"]

#: events after which a file's clock is inferred even before its end is reached
CLOCK_SAMPLES = 200
#: bytes of a file looked at to tell its kind before giving up
SNIFF_LIMIT = 64 << 10
#: a line's timestamp, as both logs write it (oslo.log: `.mmm`, Zenoss: `,mmm`)
_STAMP = re.compile(rb"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)[.,](\d{3})", re.M)
#: the end of a chunk looked at for its last timestamp
STAMP_TAIL = 64 << 10


class LiveInput:
    """One followed path, parsed as it grows (see the module docstring).
    `read()` returns the events that became ready (UTC, in log order)."""

    def __init__(
        self,
        path: str,
        *,
        kind: LogKind | None,
        tz: tzinfo | None,
        from_start: bool,
        on_malformed: Callable[[Malformed], None],
        on_warning: Callable[[str], None],
        wall: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = path
        self.kind = kind
        self.follower = Follower(path, from_start=from_start)
        self._tz = tz
        self.clock: FileClock | None = _given(tz)
        self._on_malformed = on_malformed
        self._on_warning = on_warning
        self._wall = wall
        self._scanner: Scanner | None = None
        self._scanner_gen = -1
        self._held: list[Lines | Ended] = []  # before the kind is known
        self._held_bytes = 0
        self._rows: list[Row] = []  # before the clock is known
        #: other ZenPacks' queued lines (local time, rcvtime): they prove debug logging too
        self._foreign: list[tuple[datetime | None, datetime | None]] = []
        #: their UTC times, for the watch to take
        self.foreign_queued: list[datetime] = []
        self.ignored = False  # kind unknown: not read
        self.got = False  # the last read handed over lines
        self._stopping = False
        #: for a log without UTC times of its own (zenopenstack's): its clock
        #: joined to the other logs' events (None: wait for them; False: infer it as usual)
        self.join_clock: Callable[[list[Row], bool], FileClock | bool | None] | None = None
        self.lines = 0
        self._parsed = 0  # lines that yielded a record, in the generations read to their end
        self.events = 0
        self.malformed = 0
        #: the newest UTC log time read (any line's), and when (wall clock) it last moved
        self.latest: datetime | None = None
        self._latest_local: datetime | None = None
        self.last_event_wall = wall()

    @property
    def lagging(self) -> bool:
        """Bytes on disk not read yet, or events held for want of a clock:
        the logs' "now" must not pass this input's newest time."""
        if self.follower.pipe:
            return not self.follower.done
        return self.follower.lagging or bool(self._rows)

    def read(self, *, limit: int | None = None) -> list[Event]:
        items = self.follower.poll() if limit is None else self.follower.poll(limit=limit)
        self.got = bool(items)
        out = self._take(items, at_end=not self.follower.lagging)
        self.advance()
        return out

    @property
    def parsed(self) -> int:
        """Lines that yielded a record so far."""
        return self._parsed + (self._scanner.parsed_lines if self._scanner is not None else 0)

    def summary(self) -> InputSummary:
        """What a report says of this input so far (kind, counts, clock): for
        the generation the inputs show (lmtrace.zenpath.detect_generation)."""
        return _summary(self)

    def flush(self) -> list[Event]:
        """At a stop: everything still open is read as it stands."""
        self._stopping = True
        out = self._take(self.follower.flush(), at_end=True)
        if self._held and self.kind is None:
            self._decide_kind(final=True)
            out.extend(self._take([], at_end=True))
        if self._scanner is not None:
            out.extend(self._records(self._scanner.finish()))
            self._parsed += self._scanner.parsed_lines
            self._scanner = None
        out.extend(self._release(final=True))
        self.follower.close()
        return out

    # -- kind, scanner, clock ------------------------------------------------

    def _take(self, items: list[Lines | Ended], *, at_end: bool) -> list[Event]:
        if self.ignored:
            return []
        if self.kind is None:
            self._held.extend(items)
            self._held_bytes += sum(len(i.chunk.data) for i in items if isinstance(i, Lines))
            self._decide_kind(final=False)
            if self.kind is None:
                return []
            items, self._held = self._held, []
        out: list[Event] = []
        for it in items:
            if isinstance(it, Lines):
                out.extend(self._feed(it.generation, it.chunk))
            elif self._scanner is not None and it.generation == self._scanner_gen:
                out.extend(self._records(self._scanner.finish()))
                self._parsed += self._scanner.parsed_lines
                self._scanner = None
        out.extend(self._release(final=at_end))
        return out

    def _decide_kind(self, *, final: bool) -> None:
        head = b"".join(i.chunk.data for i in self._held if isinstance(i, Lines))[:SNIFF_LIMIT]
        kind = sniff(head)
        if kind is not None:
            self.kind = kind
        elif len(head) >= SNIFF_LIMIT or (final and head.strip()):
            self.ignored = True
            self._held = []
            self._on_warning(
                f"{self.path}: cannot tell whether this is a ceilometer collector log or a zenpython log "
                f"(no record_events or Queued event line near the top): not read; say which with "
                f"--kind {self.path}=zenpython (or =collector)"
            )

    def _feed(self, gen: int, chunk: Chunk) -> list[Event]:
        assert self.kind is not None
        if self._scanner is None or gen != self._scanner_gen:
            out = self._records(self._scanner.finish()) if self._scanner is not None else []
            self._parsed += self._scanner.parsed_lines if self._scanner is not None else 0
            self._scanner = make_scanner(self.kind, self.path, full=False)
            self._scanner_gen = gen
        else:
            out = []
        self.lines += chunk.lines
        out.extend(self._records(self._scanner.feed(chunk)))
        tally = getattr(self._scanner, "tally", None)  # zenpython: other ZenPacks' queued events
        if tally is not None and tally.foreign_queued:
            self._foreign.extend(tally.foreign_queued)
            tally.foreign_queued.clear()
        # any line's timestamp tells the log's time, an event's or not
        stamps = _STAMP.findall(chunk.data, max(0, len(chunk.data) - STAMP_TAIL))
        if stamps:
            day, ms = stamps[-1]
            try:
                t = datetime.strptime(day.decode(), "%Y-%m-%d %H:%M:%S").replace(microsecond=int(ms) * 1000)
            except ValueError:
                return out
            if self._latest_local is None or t > self._latest_local:
                self._latest_local = t
        return out

    def _records(self, recs: list[Event | Malformed]) -> list[Event]:
        for r in recs:
            if isinstance(r, Malformed):
                self.malformed += 1
                self._on_malformed(r)
            else:
                self._rows.append(event_row(r))
        return []

    def _release(self, *, final: bool) -> list[Event]:
        """Events of the rows read, once the clock is known."""
        if self._foreign and self.clock is not None:
            self.foreign_queued.extend(_foreign_times(self._foreign, self.clock))
            self._foreign = []
        if not self._rows:
            return []
        if self.clock is None:
            samples = sum(1 for r in self._rows if row_time(r) is not None)
            if not (final or samples >= CLOCK_SAMPLES):
                return []
            joined = self.join_clock(self._rows, self._stopping) if self.join_clock is not None else False
            if joined is None:
                return []  # waits for the other side's events to join to
            self.clock = joined if isinstance(joined, FileClock) else _clock_for(self._rows, None)
            if self.clock.warning:
                self._on_warning(f"{self.path}: {self.clock.warning}")
            if self.clock.source is OffsetSource.ASSUMED:
                self._on_warning(
                    f"{self.path}: no event carries a UTC time to infer the offset from: assumed UTC "
                    "for the life of this watch (give it with --tz)"
                )
        assert self.kind is not None
        out_of_range: set[datetime] = set()
        events = build_events(self.kind, self.path, self._rows, to_utc=to_utc_of(self.clock, out_of_range))
        if out_of_range:  # as analyze: a time out of range once moved to UTC is a malformed line
            bad: dict[int, Malformed] = {}
            events = drop_out_of_range(events, out_of_range, self.clock, bad)
            for m in bad.values():
                self.malformed += 1
                self._on_malformed(m)
        self.advance()
        self._rows = []
        self.events += len(events)
        for e in events:
            t = e.logged_at or e.time
            if t is not None:
                self._seen(t)
        return events

    def _seen(self, t: datetime) -> None:
        if self.latest is None or t > self.latest:
            self.latest = t
            self.last_event_wall = self._wall()

    def advance(self) -> None:
        """Lines without events move the log's time on too (once the clock is known)."""
        if self.clock is not None and self._latest_local is not None:
            self._seen(to_utc_of(self.clock, set())(self._latest_local))


def _summary(i: LiveInput) -> InputSummary:
    assert i.kind is not None
    return InputSummary(
        path=i.path,
        kind=i.kind,
        lines=LineCounts(total=i.lines, parsed=i.parsed, malformed=i.malformed),
        clock=i.clock or FileClock(tz=timezone.utc, source=OffsetSource.ASSUMED),
        events=i.events,
        malformed=(),
    )


def _given(tz: tzinfo | None) -> FileClock | None:
    from .clock import given_clock

    return None if tz is None else given_clock(tz)


def check_followable(path: str) -> None:
    """A compressed file is a finished one: `analyze` reads it, `watch` does not."""
    from .read import STDIN

    if path == STDIN:
        return
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            if stat.S_ISDIR(os.stat(path).st_mode):
                raise InputError(f"{path}: is a directory, not a log file")
            return  # a FIFO: opened when polled
        with open(path, "rb") as f:
            head = f.read(6)
    except FileNotFoundError:
        return  # waited for
    except IsADirectoryError as e:
        raise InputError(f"{path}: is a directory, not a log file") from e
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror}") from e
    if head.startswith((b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00")):
        raise InputError(f"{path}: compressed: a finished log; read it with lmtrace analyze, follow the live file")
