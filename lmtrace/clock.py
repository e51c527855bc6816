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
import re
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import UsageError

__all__ = ["FileClock", "OffsetSource", "format_offset", "infer_clock", "given_clock", "parse_tz", "tz_for"]

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
        return "assumed UTC (no event to infer it from)"

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


def tz_for(path: str, given: Mapping[str, tzinfo]) -> tzinfo | None:
    """The zone a user gave for `path` (by path, or for all files as `*`)."""
    return given.get(path, given.get("*"))


def given_clock(tz: tzinfo) -> FileClock:
    return FileClock(tz=tz, source=OffsetSource.GIVEN)


def infer_clock(pairs: Iterable[tuple[datetime, datetime]]) -> FileClock:
    """Infer a file's offset from (local log time, UTC event time) pairs; the
    local times are naive, the UTC times aware."""
    deltas = [
        (local - utc.replace(tzinfo=None)).total_seconds() for local, utc in pairs
    ]
    if not deltas:
        return FileClock(tz=timezone.utc, source=OffsetSource.ASSUMED)
    median = statistics.median(deltas)
    off = round(median / QUANTUM) * QUANTUM
    off = max(-(24 * 3600 - 60), min(24 * 3600 - 60, off))
    warning = None
    if max(deltas) - min(deltas) >= JUMP:
        lo = format_offset(timedelta(seconds=round(min(deltas) / QUANTUM) * QUANTUM))
        hi = format_offset(timedelta(seconds=round(max(deltas) / QUANTUM) * QUANTUM))
        warning = (
            f"offsets from UTC in this file range from {lo} to {hi}: a DST change or a re-zoned host? "
            f"the median was used; give the host's IANA zone with --tz (e.g. --tz Europe/Paris)"
        )
    return FileClock(
        tz=timezone(timedelta(seconds=off)),
        source=OffsetSource.INFERRED,
        samples=len(deltas),
        warning=warning,
    )
