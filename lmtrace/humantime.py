"""Times and durations as the human formats (text, markdown, rich, and the
sentences of a reason) write them.

Every time is cut to milliseconds (`HH:MM:SS.mmm`, UTC), never rounded, as
the logs print them; a duration or delay between two shown times is the
difference of the cut times, so the numbers on a line add up
(`06:02:40.000 .. 06:03:00.957 UTC (20.957 s)`). Machine formats keep the
full microseconds (lmtrace.render.fields).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

__all__ = ["MS", "clock", "cut", "duration", "elapsed"]

MS = timedelta(milliseconds=1)


def _utc(dt: datetime) -> datetime:
    return dt.astimezone(timezone.utc) if dt.tzinfo is not None else dt


def cut(dt: datetime) -> datetime:
    """`dt` in UTC with its microseconds cut to whole milliseconds."""
    d = _utc(dt)
    return d.replace(microsecond=d.microsecond // 1000 * 1000)


def clock(dt: datetime, *, dated: bool = False) -> str:
    """UTC `HH:MM:SS.mmm` (cut, not rounded), with the date in front when `dated`."""
    d = cut(dt)
    t = f"{d:%H:%M:%S}.{d.microsecond // 1000:03d}"
    return f"{d:%Y-%m-%d} {t}" if dated else t


def elapsed(start: datetime, end: datetime) -> timedelta:
    """From `start` to `end` as the two are shown: the difference of the cut times."""
    return cut(end) - cut(start)


def duration(d: timedelta) -> str:
    """`20.957 s` under a minute, else `3 min 38 s` / `1 h 02 min 05 s`;
    milliseconds and seconds are cut (toward zero), like the times."""
    whole_ms = int(d / MS)  # int() cuts toward zero
    if abs(whole_ms) < 60_000:
        sign = "-" if whole_ms < 0 else ""
        return f"{sign}{abs(whole_ms) // 1000}.{abs(whole_ms) % 1000:03d} s"
    sign = "-" if whole_ms < 0 else ""
    h, rest = divmod(abs(whole_ms) // 1000, 3600)
    mins, s = divmod(rest, 60)
    return f"{sign}{h} h {mins:02d} min {s:02d} s" if h else f"{sign}{mins} min {s:02d} s"
