"""Why a line was skipped: every skipped line is counted under one reason.

The scanners know the reasons they meet on event lines (an empty batch,
another ZenPack's event); the rest is counted per chunk with bytes.count,
so that noise still costs no Python work per line: blank lines, lines of
the log's own logger that carry no event (the dispatcher's "Publishing
message", zenpython's "Sending N events"), and lines of other loggers
(with their continuation lines: tracebacks, pretty-printed values).

A scanner keeps a `SkipTally`; ranges of one file (lmtrace.parallel) add
theirs up, and `breakdown` turns the sum into counts per reason that add
up to the file's skipped lines exactly.
"""

from __future__ import annotations

import contextlib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from ..events import (
    BLANK,
    EMPTY_BATCH,
    NON_OPENSTACK_DROPPED,
    NON_OPENSTACK_QUEUED,
    OTHER_LOGGER,
    SAME_LOGGER,
    SKIP_REASONS,
    LogKind,
)

__all__ = ["SkipTally", "breakdown", "logger_of"]

# the logger whose lines are ours when they carry an event
_LOGGER = {
    LogKind.COLLECTOR: b" ceilometer_zenoss.dispatcher",
    LogKind.ZENPYTHON: b" zen.zenpython:",
    LogKind.ZENOPENSTACK: b" zen.OpenStack.zenopenstack:",
    LogKind.PUBLISHER: b" ceilometer.publisher.http ",
}


_BLANK_LF = re.compile(rb"\n\n")
_BLANK_CRLF = re.compile(rb"\n\r\n")


def logger_of(kind: LogKind) -> bytes:
    return _LOGGER[kind]


@dataclass(slots=True)
class SkipTally:
    """What one scan (a file, or a range of it) saw of the lines it skipped."""

    #: lines skipped for a reason the scanner knows (reason -> lines)
    known: Counter[str] = field(default_factory=Counter)
    blank: int = 0
    #: lines naming the log's own logger, and those of them that held an event record
    logger_lines: int = 0
    record_lines: int = 0
    #: another ZenPack's queued events: (the line's local time, rcvtime UTC)
    foreign_queued: list[tuple[datetime | None, datetime | None]] = field(default_factory=list)
    #: not skips: the event records the scan read on its hot path (full=False),
    #: and those of them its fast reader could not prove exact, read by the
    #: full repr reader (lmtrace.parse.pyrepr) instead: for the benchmark
    records: int = 0
    full_reads: int = 0

    def count_chunk(self, kind: LogKind, data: bytes) -> None:
        """Blank lines and the logger's lines of one chunk of whole lines."""
        # the regex counts what bytes.count would (non-overlapping) at twice its
        # speed on a two-byte needle; no CR in the chunk (memchr): no CRLF blank
        self.blank += (
            len(_BLANK_LF.findall(data))
            + (len(_BLANK_CRLF.findall(data)) if b"\r" in data else 0)
            + data.startswith(b"\n")
            + data.startswith(b"\r\n")
        )
        self.logger_lines += data.count(_LOGGER[kind])

    def foreign(self, queued: bool, span: int, local_time: datetime | None, rcvtime: Any) -> None:
        """Count another ZenPack's event (skipped); a queued one still shows
        that debug logging was on: its time goes to coverage."""
        if not queued:
            self.known[NON_OPENSTACK_DROPPED] += span
            return
        self.known[NON_OPENSTACK_QUEUED] += span
        rcv = None
        if isinstance(rcvtime, (int, float)) and not isinstance(rcvtime, bool):
            with contextlib.suppress(OverflowError, OSError, ValueError):
                rcv = datetime.fromtimestamp(rcvtime, timezone.utc)
        self.foreign_queued.append((local_time, rcv))

    def add(self, other: SkipTally) -> None:
        self.known.update(other.known)
        self.blank += other.blank
        self.logger_lines += other.logger_lines
        self.record_lines += other.record_lines
        self.foreign_queued.extend(other.foreign_queued)
        self.records += other.records
        self.full_reads += other.full_reads


def breakdown(skipped: int, tally: SkipTally) -> tuple[tuple[str, int], ...]:
    """(reason, lines) pairs, in SKIP_REASONS order, zeros left out, adding up to
    `skipped`. The chunk counts are counts of byte strings, not a per-line
    classification, so where they overlap (a blank line inside a record,
    a logger name quoted in another line) they give way to `other_logger`
    never going below zero."""
    counts = dict.fromkeys(SKIP_REASONS, 0)
    left = skipped
    for reason in (EMPTY_BATCH, NON_OPENSTACK_QUEUED, NON_OPENSTACK_DROPPED):
        n = min(tally.known.get(reason, 0), left)
        counts[reason] = n
        left -= n
    blank = min(tally.blank, left)
    left -= blank
    same = min(max(0, tally.logger_lines - tally.record_lines), left)
    left -= same
    counts[BLANK], counts[SAME_LOGGER], counts[OTHER_LOGGER] = blank, same, left
    return tuple((r, n) for r, n in counts.items() if n)
