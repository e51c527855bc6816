"""Each log's offset from UTC: inferred from its events, or given.

Log timestamps are local and zoneless, but every event carries a UTC time
of its own: `generated` in the collector, `rcvtime` in zenpython. The offset
of a file is the median of (log time - event time) over its events, rounded
to the nearest 15 minutes: what remains is the hop delay, not the clock (in
the write-up, 14:22:02.593 logged vs 06:22:02.584 generated is +08:00 plus
9 ms). A user can force it with a fixed offset or an IANA zone; a zone is
applied per timestamp, so a DST change inside a log comes out right.
"""

from __future__ import annotations

import enum
import fnmatch
import math
import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import UsageError

__all__ = [
    "ALL_FILES",
    "FileClock",
    "OffsetSource",
    "check_file_specs",
    "clock_from_deltas",
    "for_file",
    "format_offset",
    "given_clock",
    "infer_clock",
    "JoinIndex",
    "JoinKey",
    "join_keys",
    "joined_clock",
    "matches_file",
    "parse_tz",
    "tz_for",
]

#: the key of a per-file option (--tz, --kind) given without FILE=: every file
ALL_FILES = "*"

_T = TypeVar("_T")

QUANTUM = 15 * 60  # seconds: real UTC offsets are whole quarter hours
JUMP = 3600  # per-event offsets this far apart mean the file's zone changed


class OffsetSource(str, enum.Enum):
    INFERRED = "inferred"
    GIVEN = "given"
    ASSUMED = "assumed"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True, kw_only=True)
class FileClock:
    """How one file's local timestamps map to UTC, and how that was found."""

    tz: tzinfo
    source: OffsetSource
    samples: int = 0
    warning: str | None = None

    @property
    def label(self) -> str:
        """`+08:00` for a fixed offset, the zone's name for an IANA zone."""
        if isinstance(self.tz, ZoneInfo):
            return self.tz.key
        off = self.tz.utcoffset(None)
        return format_offset(off if off is not None else timedelta(0))

    @property
    def how(self) -> str:
        if self.source is OffsetSource.INFERRED:
            return f"inferred from {self.samples} event{'s' if self.samples != 1 else ''}"
        if self.source is OffsetSource.GIVEN:
            return "given"
        return "assumed UTC: no event to infer it from"

    def to_utc(self, local: datetime) -> datetime:
        return local.replace(tzinfo=self.tz).astimezone(timezone.utc)


def format_offset(off: timedelta) -> str:
    secs = int(off.total_seconds())
    sign = "+" if secs >= 0 else "-"
    secs = abs(secs)
    return f"{sign}{secs // 3600:02d}:{secs % 3600 // 60:02d}"


_FIXED = re.compile(r"^(?:UTC|GMT|Z)?(?:(?P<sign>[+-])(?P<h>\d{1,2})(?::?(?P<m>\d\d))?)?$")


def parse_tz(text: str) -> tzinfo:
    """`+08:00`, `-0530`, `+8`, `UTC`, `Z` or an IANA zone such as
    `Asia/Shanghai`. Raises UsageError with what to write instead."""
    t = text.strip()
    m = _FIXED.match(t)
    if m and t:
        if m["sign"] is None:
            return timezone.utc
        h, mins = int(m["h"]), int(m["m"] or 0)
        if h > 23 or mins > 59:
            raise UsageError(f"--tz {text}: offset out of range (use -23:59 to +23:59)")
        delta = timedelta(hours=h, minutes=mins)
        return timezone(delta if m["sign"] == "+" else -delta)
    try:
        return ZoneInfo(t)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(
            f"--tz {text}: not an offset or a time zone; write +08:00 or an IANA name like Asia/Shanghai"
        ) from None


def matches_file(pattern: str, path: str) -> int:
    """How well the FILE of a `FILE=VALUE` option matches the input `path`:
    3 it is the path as given, 2 its basename is the input's basename,
    1 it is a glob (fnmatch) that matches the path, 0 no match."""
    if pattern == path or os.path.normpath(pattern) == os.path.normpath(path):
        return 3
    if os.path.basename(pattern) and os.path.basename(pattern) == os.path.basename(path):
        return 2
    if pattern != ALL_FILES and fnmatch.fnmatchcase(path, pattern):
        return 1
    return 0


def for_file(path: str, given: Mapping[str, _T], *, also: Sequence[str] = ()) -> _T | None:
    """The value a user gave for `path` in a per-file option: the best
    match (see `matches_file`; the first given wins a tie), else the value
    for all files (key `*`), else None. `also` are other names of the same
    input (the glob on the command line that expanded to it)."""
    best: tuple[int, _T] | None = None
    for pattern, value in given.items():
        if pattern == ALL_FILES:
            continue
        score = max(matches_file(pattern, name) for name in (path, *also))
        if score and (best is None or score > best[0]):
            best = (score, value)
    if best is not None:
        return best[1]
    return given.get(ALL_FILES)


def check_file_specs(option: str, given: Mapping[str, object], inputs: Sequence[Sequence[str]]) -> None:
    """Raise UsageError for a `FILE=` of `option` that matches no input.
    `inputs` are each input's names (its path, then what expanded to it)."""
    for pattern in given:
        if pattern == ALL_FILES:
            continue
        if not pattern:
            raise UsageError(f"{option} =...: FILE is empty; give an input's path, its basename or a glob")
        if not any(matches_file(pattern, name) for names in inputs for name in names):
            paths = ", ".join(names[0] for names in inputs) or "none"
            raise UsageError(
                f"{option} {pattern}=...: {pattern} matches no input (inputs: {paths}); "
                "FILE is an input's path, its basename or a glob"
            )


def tz_for(path: str, given: Mapping[str, tzinfo], *, also: Sequence[str] = ()) -> tzinfo | None:
    """The zone a user gave for `path` (by path, basename or glob, or for
    all files as `*`: see `for_file`)."""
    return for_file(path, given, also=also)


def given_clock(tz: tzinfo) -> FileClock:
    return FileClock(tz=tz, source=OffsetSource.GIVEN)


#: the UTC offsets clocks really use, -12:00 to +14:00, with room for the
#: hop delay (log time - event time is the offset plus the delay)
PLAUSIBLE = (-12 * 3600 - QUANTUM // 2, 15 * 3600)


def infer_clock(pairs: Iterable[tuple[datetime, datetime]]) -> FileClock:
    """Infer a file's offset from (local log time, UTC event time) pairs; the
    local times are naive, the UTC times aware.

    The offset is the median of (local - UTC) over the events, rounded to
    the nearest 15 minutes. An event whose difference is beyond any real
    UTC offset (an event time a day or years off) is left out, and said so:
    it is a bad event, not a clock. Of an even number of events the lower
    middle one is the median, not the mean of the two middle ones: two
    events an hour apart give one of their offsets, not a half hour between.
    """
    return clock_from_deltas([_delta(local, utc) for local, utc in pairs])


_EPOCH_NAIVE = datetime(1970, 1, 1)
_EPOCH_UTC = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _delta(local: datetime, utc: datetime) -> float:
    """(local - utc's wall time) in seconds; for UTC times by subtraction,
    without `replace` (which parses keywords: 7x the cost)."""
    if utc.tzinfo is timezone.utc:
        return ((local - _EPOCH_NAIVE) - (utc - _EPOCH_UTC)).total_seconds()
    return (local - utc.replace(tzinfo=None)).total_seconds()


def clock_from_deltas(deltas: Sequence[float]) -> FileClock:
    """`infer_clock` from the (local - UTC) differences, in seconds."""
    lo_ok, hi_ok = PLAUSIBLE
    good: list[float] | None = None
    if isinstance(deltas, list):
        # its floats exist already: the plausible ones in a list cost a
        # pointer each, and min, max and the median run in C
        good = [d for d in deltas if lo_ok <= d < hi_ok]
        n_good = len(good)
        lo, hi = (min(good), max(good)) if good else (math.inf, -math.inf)
        worst = None
        if n_good < len(deltas):
            worst = max((d for d in deltas if not lo_ok <= d < hi_ok), key=abs)
    else:
        # one pass, no list of the deltas: `lmtrace events` hands in an array
        # of millions of them (a float object each would cost 4 times the array)
        n_good, lo, hi, worst = 0, math.inf, -math.inf, None
        for d in deltas:
            if lo_ok <= d < hi_ok:
                n_good += 1
                lo, hi = min(lo, d), max(hi, d)
            elif worst is None or abs(d) > abs(worst):
                worst = d
    bad = len(deltas) - n_good
    notes: list[str] = []
    if bad:
        assert worst is not None
        notes.append(
            f"{bad} of {len(deltas)} event{'s' if len(deltas) != 1 else ''} left out of the UTC offset "
            f"inference: log time minus the event's own time ({_span(worst)}"
            f"{' at worst' if bad > 1 else ''}) is beyond any real UTC offset (-12:00 to +14:00)"
        )
    if not n_good:
        if bad:
            notes.append("assumed UTC; give the offset with --tz")
        return FileClock(tz=timezone.utc, source=OffsetSource.ASSUMED, warning="; ".join(notes) or None)
    median = sorted(good)[(n_good - 1) // 2] if good is not None else _median_low(deltas, n_good)
    off = round(median / QUANTUM) * QUANTUM
    if hi - lo >= JUMP:
        lo_label = format_offset(timedelta(seconds=round(lo / QUANTUM) * QUANTUM))
        hi_label = format_offset(timedelta(seconds=round(hi / QUANTUM) * QUANTUM))
        notes.append(
            f"offsets from UTC in this file range from {lo_label} to {hi_label}: a DST change or a re-zoned host? "
            f"the median was used; give the host's IANA zone with --tz (e.g. --tz Europe/Paris)"
        )
    return FileClock(
        tz=timezone(timedelta(seconds=off)),
        source=OffsetSource.INFERRED,
        samples=n_good,
        warning="; ".join(notes) or None,
    )


def _median_low(deltas: Sequence[float], n_good: int) -> float:
    """statistics.median_low of the plausible deltas, exactly, without a
    sorted copy of them all: count them by millisecond, then sort only the
    millisecond the median falls in."""
    lo_ok, hi_ok = PLAUSIBLE
    counts = Counter(math.floor(d * 1000) for d in deltas if lo_ok <= d < hi_ok)
    rank = (n_good - 1) // 2
    for ms in sorted(counts):
        if rank < counts[ms]:
            return sorted(d for d in deltas if lo_ok <= d < hi_ok and math.floor(d * 1000) == ms)[rank]
        rank -= counts[ms]
    raise AssertionError("median beyond the counts")


#: a line without a UTC time of its own (zenopenstack's): local time, event type, id, instance
JoinKey = tuple[datetime, str, "str | None", "str | None"]


class JoinIndex:
    """Ceilometer-side `generated` times by event id and by event type +
    instance, to infer the clock of a log that has none (`joined_clock`).
    At most `cap` entries: a few pairs that agree suffice."""

    def __init__(self, cap: int = 500_000) -> None:
        self.by_id: dict[str, datetime] = {}
        self.by_key: dict[tuple[str, str | None], list[datetime]] = {}
        self.cap = cap
        self.size = 0

    def add(self, event_type: str, event_id: str | None, instance_id: str | None, generated: datetime | None) -> None:
        if generated is None or not event_type or self.size >= self.cap:
            return
        self.size += 1
        if event_id is not None:
            self.by_id[event_id] = generated
        self.by_key.setdefault((event_type, instance_id), []).append(generated)


def joined_clock(keys: Iterable[JoinKey], index: JoinIndex) -> FileClock:
    """The clock of a log whose lines carry no UTC time of their own
    (zenopenstack's): its lines joined to Ceilometer-side events by event
    id, else by event type + instance. Every candidate pair gives an offset
    rounded to 15 minutes; the most common one wins (a wrong pair rarely
    lands on it), and the file's offset is then inferred, as for any log,
    from the pairs that agree with it."""
    pairs: list[tuple[datetime, datetime]] = []
    for local, event_type, event_id, instance_id in keys:
        if event_id is not None and event_id in index.by_id:
            pairs.append((local, index.by_id[event_id]))
            continue
        for g in index.by_key.get((event_type, instance_id), ()):
            pairs.append((local, g))
    if not pairs:
        return FileClock(tz=timezone.utc, source=OffsetSource.ASSUMED)

    def rounded(p: tuple[datetime, datetime]) -> int:
        return round((p[0] - p[1].replace(tzinfo=None)).total_seconds() / QUANTUM)

    votes: dict[int, int] = {}
    for p in pairs:
        votes[rounded(p)] = votes.get(rounded(p), 0) + 1
    best = max(votes.items(), key=lambda kv: (kv[1], -abs(kv[0])))[0]
    return infer_clock(p for p in pairs if rounded(p) == best)


def join_keys(rows: Iterable[tuple[Any, ...]]) -> list[JoinKey]:
    """The join keys of rows with a local time and an event type but no UTC
    time (zenopenstack's events; not its ticks, posts or released maps)."""
    from .parse.rows import GENERATED, ID, INSTANCE, LOCAL_TIME, RCVTIME, TYPE

    return [
        (r[LOCAL_TIME], r[TYPE], r[ID], r[INSTANCE])
        for r in rows
        if r[LOCAL_TIME] is not None and r[TYPE] and r[GENERATED] is None and r[RCVTIME] is None
    ]


def _span(seconds: float) -> str:
    """A difference of times as +/-[Nd ]HH:MM."""
    sign = "+" if seconds >= 0 else "-"
    mins = round(abs(seconds) / 60)
    days, mins = divmod(mins, 24 * 60)
    return f"{sign}{f'{days}d ' if days else ''}{mins // 60:02d}:{mins % 60:02d}"
