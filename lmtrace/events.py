"""Typed records that every later step works on.

Parsers turn log bytes into these; nothing here knows a log format or an
output format. (This module is lmtrace's own; "the ZenPack's events.py" is
the other file, the one that maps event types to handlers.)
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Union

__all__ = [
    "BLANK",
    "EMPTY_BATCH",
    "NON_OPENSTACK_DROPPED",
    "NON_OPENSTACK_QUEUED",
    "OTHER_LOGGER",
    "SAME_LOGGER",
    "SKIP_REASONS",
    "Event",
    "LineCounts",
    "LogKind",
    "Malformed",
    "Source",
    "Status",
    "Trait",
    "TraitType",
    "TraitValue",
    "skip_label",
]


class LogKind(str, enum.Enum):
    """Which program wrote a log."""

    COLLECTOR = "collector"  # ceilometer collector / notification agent (Zenoss dispatcher)
    ZENPYTHON = "zenpython"  # Zenoss zenpython daemon, debug level
    ZENOPENSTACK = "zenopenstack"  # Zenoss zenopenstack daemon (ZenPack 3.x/4.x)
    PUBLISHER = "publisher"  # ceilometer notification agent: its HTTP publisher (3.x/4.x path)

    def __str__(self) -> str:
        return self.value


class TraitType(enum.IntEnum):
    """Ceilometer trait dtypes, as printed in `<Trait: NAME DTYPE VALUE>`."""

    NONE = 0
    TEXT = 1
    INT = 2
    FLOAT = 3
    DATETIME = 4


class Status(str, enum.Enum):
    """What the log line says happened to the event at that hop."""

    RECORDED = "recorded"  # the dispatcher's record_events got it (collector)
    QUEUED = "queued"  # zenpython queued it
    DISCARDED = "discarded"  # zenpython dropped it: queue overflow
    DROPPED = "dropped"  # a Zenoss transform dropped it
    # the 3.x/4.x path (ZenPack 3.0 on: Ceilometer's HTTP publisher -> zenopenstack)
    POSTED = "posted"  # the HTTP publisher's TRACE body held it (Ceilometer side)
    FAILED = "failed"  # the HTTP publisher failed to post it (HTTP status >= 400)
    POST = "post"  # not an event: one POST of the publisher (its HTTP status), or a sink error
    MAPPED = "mapped"  # zenopenstack mapped it to an ObjectMap: the handler fired
    UNPROCESSED = "unprocessed"  # zenopenstack: "Unable to process event" (the handler raised)
    PROPAGATED = "propagated"  # not an event of its own: zenopenstack passed one on as a Zenoss event
    RELEASED = "released"  # not an event: a consolidated ObjectMap zenopenstack sent to the model
    TICK = "debug"  # not an event: another DEBUG line of zenopenstack (coverage)

    def __str__(self) -> str:
        return self.value


# A trait value: text, numbers, aware datetimes, None, or the nested
# lists/dicts that zenpython dict reprs can carry.
TraitValue = Union[str, int, float, datetime, None, list[Any], dict[str, Any]]  # noqa: UP007 - a runtime alias


@dataclass(frozen=True, slots=True)
class Source:
    """Where a record came from: the file, its 1-based first line, its byte
    offset in the (decompressed) stream, and how many lines it spans."""

    kind: LogKind
    path: str
    line: int
    offset: int = -1
    span: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True, slots=True)
class Trait:
    name: str
    dtype: TraitType
    value: TraitValue


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """One event as one log saw it: a Ceilometer Event in a collector
    `record_events called` line, or a Zenoss event dict in a zenpython
    `Queued event` / `Discarded event` line.

    Times are aware UTC datetimes. `local_time` is the log line's own
    timestamp, naive, exactly as printed (None when the line had none);
    `logged_at` is that time moved to UTC with the file's offset (see
    lmtrace.clock), None until the offset is applied or when there is no
    timestamp.
    """

    source: Source
    status: Status
    event_type: str
    event_id: str | None
    generated: datetime | None = None
    rcvtime: datetime | None = None
    local_time: datetime | None = None
    logged_at: datetime | None = None
    request_id: str | None = None
    instance_id: str | None = None
    host_name: str | None = None
    display_name: str | None = None
    state: str | None = None
    device: str | None = None
    # position within one record_events line (its events keep their order)
    index: int = 0
    # the full trait set; empty when parsed on the lean (hot) path
    traits: tuple[Trait, ...] = field(default=())

    @property
    def time(self) -> datetime | None:
        """The event's own UTC time: `generated`, else `rcvtime`."""
        return self.generated if self.generated is not None else self.rcvtime

    def trait(self, name: str) -> TraitValue:
        for t in self.traits:
            if t.name == name:
                return t.value
        return None


@dataclass(frozen=True, slots=True)
class Malformed:
    """A line that is ours (it carries an event marker) but unreadable."""

    source: Source
    reason: str
    excerpt: str = ""

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"


EMPTY_BATCH = "empty_batch"
NON_OPENSTACK_QUEUED = "non_openstack_queued"
NON_OPENSTACK_DROPPED = "non_openstack_dropped"
SAME_LOGGER = "same_logger_no_events"
OTHER_LOGGER = "other_logger"
BLANK = "blank"

#: why a line was skipped (lmtrace.parse.skips counts them): every reason, in the order reports list them
SKIP_REASONS = (EMPTY_BATCH, NON_OPENSTACK_QUEUED, NON_OPENSTACK_DROPPED, SAME_LOGGER, OTHER_LOGGER, BLANK)

_LABELS = {
    (LogKind.COLLECTOR, EMPTY_BATCH): "record_events without events",
    (LogKind.COLLECTOR, SAME_LOGGER): "dispatcher message without events",
    (LogKind.ZENPYTHON, SAME_LOGGER): "zenpython message without events",
}
_GENERIC = {
    EMPTY_BATCH: "event line without events",
    NON_OPENSTACK_QUEUED: "non-OpenStack queued event",
    NON_OPENSTACK_DROPPED: "non-OpenStack discarded/dropped event",
    SAME_LOGGER: "same-logger message without events",
    OTHER_LOGGER: "other logger",
    BLANK: "blank",
}


def skip_label(kind: LogKind, reason: str) -> str:
    """A skip reason as a human report says it."""
    return _LABELS.get((kind, reason)) or _GENERIC.get(reason, reason)


@dataclass(frozen=True, slots=True, kw_only=True)
class LineCounts:
    """Every input line is parsed, skipped (not ours) or malformed."""

    total: int
    parsed: int
    malformed: int
    #: the skipped lines by reason (lmtrace.parse.skips), adding up to `skipped`
    skipped_by_reason: tuple[tuple[str, int], ...] = ()

    @property
    def skipped(self) -> int:
        return self.total - self.parsed - self.malformed
