"""What `lmtrace analyze` concludes: typed, finished results for renderers.

Nothing here parses logs or prints; renderers read these records and
lmtrace.render.fields spells their stable field names.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from .correlate import Coverage
from .load import InputSummary
from .phases import Side
from .zenpath import PipelineFacts

__all__ = [
    "AppliedFilters",
    "ContextReport",
    "CorrectedBy",
    "Firing",
    "HandlerMapInfo",
    "MigrationReport",
    "Outcome",
    "PhaseReport",
    "Reached",
    "Report",
    "Sighting",
    "Summary",
    "Verdict",
    "maker",
]

_T = TypeVar("_T")


def maker(cls: type[_T]) -> Callable[..., _T]:
    """A positional constructor of the frozen slotted dataclass `cls`: its
    fields in declaration order, every one given. It sets the slots directly
    (~1.1 µs for six fields) where the generated `__init__` parses keywords
    and calls `object.__setattr__` per field (~2.9 µs): the judge builds
    a few of these per event. The object is the same (equal, frozen)."""
    names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
    if getattr(cls, "__post_init__", None) is not None or set(getattr(cls, "__slots__", ())) != set(names):
        return lambda *values: cls(**dict(zip(names, values, strict=True)))
    ns: dict[str, Any] = {f"_s{i}": getattr(cls, n).__set__ for i, n in enumerate(names)}
    ns["_new"], ns["_cls"] = object.__new__, cls
    args = ", ".join(f"a{i}" for i in range(len(names)))
    body = "".join(f"    _s{i}(o, a{i})\n" for i in range(len(names)))
    exec(f"def make({args}):\n    o = _new(_cls)\n{body}    return o\n", ns)
    made: Callable[..., _T] = ns["make"]
    return made


class Outcome(str, enum.Enum):
    COMPLETED = "completed"
    FAILED = "failed"  # rolled back
    ABORTED = "aborted"
    REVERTED = "reverted"  # a resize reverted: back on its source, the right final host
    INCOMPLETE = "incomplete"  # logs end or phases missing

    def __str__(self) -> str:
        return self.value


class Verdict(str, enum.Enum):
    """Ordered as the rules are applied (domain.md, "Verdict rules")."""

    FAILED = "failed"
    INCOMPLETE = "incomplete"
    LOST = "lost"
    MISSED = "missed"
    STALE = "stale"
    OK = "ok"

    def __str__(self) -> str:
        return self.value


class Reached(str, enum.Enum):
    """Did the phase reach Zenoss?"""

    YES = "yes"  # zenpython queued it and did not discard it
    DISCARDED = "discarded"  # queued, then dropped (queue overflow, transform)
    NO = "no"  # zenpython was listening (covered) but never queued it
    WOULD = "would"  # no zenpython log covers it: what Zenoss would have done
    #: zenopenstack was listening but logs nothing for a type its MAPPERS does
    #: not map (3.x/4.x path): it may have arrived; it never sets the verdict
    UNLOGGED = "unlogged"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True, kw_only=True)
class Sighting:
    """Where one log saw an event."""

    path: str
    line: int
    at: datetime | None  # the log line's time, UTC (collector: logged; zenpython: queued)
    local_time: datetime | None = None
    rcvtime: datetime | None = None  # zenpython only
    status: str = ""  # recorded / queued / discarded / dropped


@dataclass(frozen=True, slots=True, kw_only=True)
class PhaseReport:
    event_type: str
    phase: str  # short name: post.dest.end, _post.end, ...
    event_id: str | None
    side: Side
    host_name: str | None
    generated: datetime | None
    time: datetime
    collector: Sighting | None
    zenpython: Sighting | None
    dropped: Sighting | None
    reached: Reached
    handler: str | None
    request_id: str | None
    #: why it was lost, as a line says (a failed post, zenopenstack's error, an overflow)
    cause: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ContextReport:
    """A non-migration event of the migrating instance (compute.instance.update,
    power, ...) from the migration's first phase to one minute after its last:
    where each log saw it, for `lmtrace timeline`. Mapped ones also appear
    in `MigrationReport.handlers` as context firings."""

    event_type: str
    event_id: str | None
    host_name: str | None
    generated: datetime | None
    time: datetime
    collector: Sighting | None
    zenpython: Sighting | None
    dropped: Sighting | None
    reached: Reached
    handler: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Firing:
    """A handler that ran (or would run) and the host it wrote."""

    event_type: str
    handler: str
    host: str | None
    time: datetime  # when Zenoss applied it: rcvtime if queued, else collector log time
    context: bool  # a non-migration event of the same instance
    writes_host: bool
    assumed: bool  # writes_host assumed for a handler the map does not know
    reached: Reached
    path: str
    line: int


@dataclass(frozen=True, slots=True, kw_only=True)
class CorrectedBy:
    event_type: str
    time: datetime
    host: str


@dataclass(frozen=True, slots=True, kw_only=True)
class MigrationReport:
    request_id: str | None
    instance_id: str | None
    display_name: str | None
    source_host: str | None
    destination_host: str | None
    outcome: Outcome
    verdict: Verdict
    reason: str
    recommendation: str
    lost_phases: tuple[str, ...]
    corrected_by: CorrectedBy | None
    phases: tuple[PhaseReport, ...]
    handlers: tuple[Firing, ...]
    first_destination_phase: str | None
    proof_phase: str | None
    start: datetime
    end: datetime
    would: bool  # no zenpython log covered it: the verdict says what Zenoss *would* do
    attached_requests: tuple[str, ...] = ()
    overlaps: tuple[str, ...] = ()  # other migrations of the instance overlapping in time
    order_sensitive: bool = False
    device: str | None = None
    #: the instance's non-migration events inside the migration's window
    context: tuple[ContextReport, ...] = ()
    #: which operation moved the VM: live-migration, resize, evacuate, unshelve
    operation: str = "live-migration"
    #: the host Zenoss should end with: the destination, or the source for a
    #: reverted resize
    expected_host: str | None = None
    #: zenopenstack's `Released objectmap` after the last firing: the host
    #: the model got (3.x/4.x path; None when no such line)
    released_host: str | None = None

    @property
    def label(self) -> str:
        return self.request_id or f"{self.instance_id or '?'}@{self.start:%Y-%m-%dT%H:%M:%S}"


@dataclass(frozen=True, slots=True, kw_only=True)
class HandlerMapInfo:
    name: str
    source: str
    shape: str
    #: the ZenPack generation the inputs show (lmtrace.zenpath), and why this map
    generation: str = ""
    why: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Summary:
    verdicts: dict[str, int]
    migrations: int
    lost_unmapped: int
    coverage_gaps: int
    recommended_change: str | None
    notes: tuple[str, ...] = ()
    #: how many migrations the logs held before the filters (None: as `migrations`)
    migrations_in_logs: int | None = None
    #: reported operations per kind (`live-migration`, `resize`, ...), in table order
    operations: dict[str, int] = field(default_factory=dict)
    #: the operations the recommended change covers, in table order
    change_operations: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class AppliedFilters:
    """The filters a report was made with, times resolved (aware UTC).
    `since_text`/`until_text` are the user's words for a relative time
    (`10m`), None for an absolute one."""

    since: datetime | None = None
    until: datetime | None = None
    instance: str | None = None
    request: str | None = None
    host: str | None = None
    device: str | None = None
    verdicts: tuple[Verdict, ...] | None = None  # in rule order
    since_text: str | None = None
    until_text: str | None = None

    @property
    def active(self) -> bool:
        return any(
            v is not None
            for v in (self.since, self.until, self.instance, self.request, self.host, self.device, self.verdicts)
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    migrations: tuple[MigrationReport, ...]
    inputs: tuple[InputSummary, ...]
    coverage: dict[str, Coverage]  # zenpython path -> its coverage
    handler_map: HandlerMapInfo
    summary: Summary
    warnings: tuple[str, ...] = field(default=())
    filters: AppliedFilters = field(default=AppliedFilters())
    #: the 3.x/4.x path's facts (posts, statuses, lost events); None without such inputs
    pipeline: PipelineFacts | None = None
