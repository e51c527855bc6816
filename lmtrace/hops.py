"""One migration as a story, hop by hop, across every log given.

`lmtrace timeline` and `lmtrace analyze --timeline` build on a finished
`Report`: each migration's phases (and its instance's context events, such
as `compute.instance.update`, from its first phase to one minute after its
last) become `TimelineEntry`s, and each entry lists the pipeline hops of
domain.md, "The pipeline, hop by hop":

    generated   Ceilometer's `generated` (UTC, from the compute host's clock)
    collector   the dispatcher's `record_events called` line (collector log)
    zenpython   zenpython's `Queued event` line
    discarded   zenpython's `Discarded event - queue overflow` line (or a
                transform's drop), only when it happened
    handler     the ZenPack handler the map names for the event type

Every log time is UTC through its file's offset (inferred or given, see
lmtrace.clock); each hop also keeps the line's own local timestamp and its
`file:line`, so that a reader can find it with grep. A hop's `delay` is from
the previous hop that happened. No log records when a handler ran, so the
handler hop is *inferred*: at the queue time (the collector's log time for
an event no zenpython log covers), with no delay. For an event the handler
map maps to no handler, the handler hop does not apply (`not_applicable`):
it is not a hop that should have happened and did not.

Entries are in the order of their phase's time (domain.md, "Time of a
phase": `generated`, else zenpython's `rcvtime`), never of log position; ties
keep the earliest log line first, then the report's order (a stable sort).

A *skew suspect* is an entry where a later hop's clock reads earlier than
an earlier hop's by more than `SKEW_TOLERANCE` (lmtrace.timelines): queued (log time or
`rcvtime`) or logged by the collector before it was generated, or queued
before the collector logged it. Log lines carry milliseconds and healthy
NTP keeps hosts within a few of them, so half a second is far beyond
rounding and drift, yet small next to the seconds that separate phases.
Smaller negative delays are still shown as negative; they are not flagged.

This module holds the records; lmtrace.timelines builds them from a report.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from .events import LogKind
from .findings import (
    Reached,
    Verdict,
)

__all__ = ["Hop", "HopName", "InputClock", "Timeline", "TimelineEntry"]


class HopName(str, enum.Enum):
    GENERATED = "generated"
    COLLECTOR = "collector"
    ZENPYTHON = "zenpython"
    DISCARDED = "discarded"
    HANDLER = "handler"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True, kw_only=True)
class Hop:
    """One step of one event through the pipeline.

    `missing` means the hop is not in the logs: with `unknown` it may have
    happened where no log given could see it (an event zenpython queued went
    through the collector even when no collector log shows it); without,
    it did not happen (covered by zenpython but never queued; a handler that
    never ran). `not_applicable` (with `missing`) marks the handler hop of
    an event mapped to no handler: there is nothing that could have run.
    `local_time` is the log line's own timestamp (naive, as printed); `at`
    is UTC. `since` is the time of the previous hop that happened, which
    `delay` counts from.
    """

    name: HopName
    at: datetime | None = None
    local_time: datetime | None = None
    path: str | None = None
    line: int | None = None
    kind: LogKind | None = None  # which log the line is in
    delay: timedelta | None = None  # from the previous hop that happened
    missing: bool = False
    unknown: bool = False
    inferred: bool = False
    not_applicable: bool = False
    note: str = ""
    rcvtime: datetime | None = None  # zenpython's own receive time (UTC)
    since: datetime | None = None  # the previous hop's time (UTC), where `delay` starts


@dataclass(frozen=True, slots=True, kw_only=True)
class TimelineEntry:
    """A phase (or a context event) and its hops."""

    event_type: str
    phase: str  # post.dest.end, _post.end, ...; for a context event the type without compute.instance.
    event_id: str | None
    time: datetime  # the phase's time: generated, else rcvtime
    host_name: str | None
    host_changed: bool  # host_name differs from the previous entry that had one
    previous_host: str | None
    side: str | None  # source / destination; None for a context event
    context: bool
    reached: Reached
    handler: str | None
    hops: tuple[Hop, ...]
    skew: bool = False
    skew_note: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class InputClock:
    """How one input's local times were moved to UTC."""

    path: str
    kind: LogKind
    utc_offset: str
    offset_source: str  # inferred / given / assumed
    how: str  # "inferred from 12 events"


@dataclass(frozen=True, slots=True, kw_only=True)
class Timeline:
    title: str
    request_id: str | None
    attached_requests: tuple[str, ...]
    instance_id: str | None
    display_name: str | None
    source_host: str | None
    destination_host: str | None
    outcome: str
    verdict: Verdict | None
    reason: str | None
    recommendation: str | None
    handler_map: str | None
    start: datetime
    end: datetime
    entries: tuple[TimelineEntry, ...]
    inputs: tuple[InputClock, ...]
    notes: tuple[str, ...] = ()
    label: str = ""  # the migration's label: its request id, else instance@start
    #: the report's recommended mapping change, when the recommendation refers to it
    mapping_change: str | None = None
    #: where that change goes (`In the ZenPack's events.py (map osi-2.x, ...)`)
    mapping_change_where: str | None = None
    operation: str = "live-migration"  # which operation moved the VM
    expected_host: str | None = None  # the right final host

    @property
    def skews(self) -> int:
        return sum(1 for e in self.entries if e.skew)
