"""The one table of operations and their phases: which side, which role.

Nova's legacy notifications are `compute.instance.<phase>` (for a live
migration `compute.instance.live_migration.<step>.<edge>`; abort and
force-complete are spelled with dots: `compute.instance.live.migration.abort.start`);
the versioned ones are `instance.<phase>` (`instance.live_migration_<step>.<edge>`).
Each phase runs on one host, and the Zenoss flavour of Ceilometer's event
definitions takes `host_name` from segment 1 of publisher_id — the host
that *sent* the notification. So a destination-side phase carries the
destination and a source-side phase the source (nova/compute/manager.py;
see domain.md, "Live-migration phases" and "Other operations").

An operation is a row of data (`Operation`): its name, and per step the
spellings of its event types, the side that sends it, its role in the
outcome, and how it joins the operation. `classify(event_type)` looks an
event type up in the table. Adding an operation (resize, evacuate,
unshelve) adds a row to `OPERATIONS`; the rules that read `side`, `role`
and `joins` stay as they are.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from functools import lru_cache

__all__ = [
    "EVACUATE",
    "LIVE_MIGRATION",
    "OPERATIONS",
    "RESIZE",
    "UNSHELVE",
    "Family",
    "Joins",
    "Operation",
    "PhaseInfo",
    "Role",
    "Side",
    "StepSpec",
    "classify",
    "is_live_migration",
    "operation_named",
    "short_type",
]


class Side(str, enum.Enum):
    SOURCE = "source"
    DESTINATION = "destination"
    # sent by neither side: nova-api's `compute.instance.evacuate` (its host is
    # the API node); never counts as source or destination
    NEITHER = "neither"

    def __str__(self) -> str:
        return self.value


class Family(str, enum.Enum):
    LEGACY = "legacy"  # compute.instance.…
    VERSIONED = "versioned"  # instance.…


class Role(str, enum.Enum):
    """What seeing a phase says about the operation's outcome."""

    NONE = "none"
    FINAL = "final"  # the operation completed
    ABORT = "abort"  # it was aborted (Nova rolls back after an abort)
    ROLLBACK = "rollback"  # it failed and was rolled back
    REVERT = "revert"  # a resize reverted: the VM is back on its source


class Joins(str, enum.Enum):
    """How a phase finds its operation."""

    REQUEST = "request"  # by request_id (else instance within 10 minutes)
    # its own API call with its own request_id: the same instance's operation
    # that is still open or whose last event is at most 10 minutes away
    OPEN_OR_NEAR = "open-or-near"
    # a later API call (resize confirm / revert): the same instance's latest
    # operation of this kind begun before it, whatever the gap
    LATEST = "latest"
    # a step before the operation proper (shelve_offload before unshelve):
    # the same instance's next operation of this kind, whatever the gap
    NEXT = "next"


@dataclass(frozen=True, slots=True)
class StepSpec:
    """One nova function that emits a start/end pair (or one bare event)."""

    step: str  # short, family-independent name: `post.dest`, `_post`
    legacy: str  # after `compute.instance.`: `live_migration.post.dest`
    versioned: str  # after `instance.`: `live_migration_post_dest`
    side: Side  # which host sends it, hence what its host_name is
    order: int  # place in a successful (or failed) run, for display
    start: Role = Role.NONE  # role of `<step>.start`
    end: Role = Role.NONE  # role of `<step>.end`
    proves_move: bool = False  # at `.end` the instance record points at the destination
    joins: Joins = Joins.REQUEST
    edges: tuple[str, ...] = ("start", "end")


@dataclass(frozen=True, slots=True)
class Operation:
    name: str  # as reports name it: `live-migration`
    steps: tuple[StepSpec, ...]
    # legacy prefixes that `short_type` strips: `compute.instance.live_migration.`
    short_prefixes: tuple[str, ...] = ()
    #: how reports count them: `live migration`, `resize` (plural: + `s`)
    label: str = ""
    #: how a reason names one: `the migration completed`, `the resize completed`
    noun: str = ""
    #: no source-side phase names the source (evacuate): it is the instance's
    #: previous host, when an earlier event of it shows one
    source_from_history: bool = False
    #: its phases form an operation only with evidence of a move: a rebuild
    #: is an evacuation when an `evacuate` event shares its request id or its
    #: host differs from the instance's previous host (else it is context)
    needs_move_evidence: bool = False

    @property
    def proof_type(self) -> str:
        """The legacy event type whose end proves the move (`…post.dest.end`)."""
        spec = next(s for s in self.steps if s.proves_move)
        return f"compute.instance.{spec.legacy}.end"

    @property
    def proof_name(self) -> str:
        """The short name of that phase: `post.dest.end`, `finish_resize.end`."""
        spec = next(s for s in self.steps if s.proves_move)
        return f"{spec.step}.end"

    @property
    def revert_type(self) -> str | None:
        """The legacy event type whose end says the operation was reverted."""
        spec = next((s for s in self.steps if s.end is Role.REVERT), None)
        return None if spec is None else f"compute.instance.{spec.legacy}.end"

    @property
    def final_names(self) -> tuple[str, ...]:
        """The phases that end it: `post.dest.end`, `_post.end`."""
        return tuple(f"{s.step}.end" for s in self.steps if s.end in (Role.FINAL, Role.REVERT))

    def legacy_types(self) -> tuple[str, ...]:
        """Every legacy event type of the operation, in table order."""
        return tuple(
            f"compute.instance.{s.legacy}" + (f".{e}" if e else "")
            for s in self.steps
            for e in s.edges or ("",)
        )


LIVE_MIGRATION = Operation(
    name="live-migration",
    steps=(
        # pre_live_migration, on the destination
        StepSpec("pre", "live_migration.pre", "live_migration_pre", Side.DESTINATION, 0),
        # post_live_migration_at_destination: proves the move
        StepSpec(
            "post.dest", "live_migration.post.dest", "live_migration_post_dest", Side.DESTINATION, 3,
            end=Role.FINAL, proves_move=True,
        ),
        # _post_live_migration, on the source
        StepSpec("_post", "live_migration._post", "live_migration_post", Side.SOURCE, 2, end=Role.FINAL),
        # _rollback_live_migration, on the source
        StepSpec(
            "_rollback", "live_migration._rollback", "live_migration_rollback", Side.SOURCE, 2,
            start=Role.ROLLBACK, end=Role.ROLLBACK,
        ),
        # rollback_live_migration_at_destination
        StepSpec(
            "rollback.dest", "live_migration.rollback.dest", "live_migration_rollback_dest",
            Side.DESTINATION, 3, start=Role.ROLLBACK, end=Role.ROLLBACK,
        ),
        # live_migration_abort: its own API call, on the source
        StepSpec(
            "abort", "live.migration.abort", "live_migration_abort", Side.SOURCE, 1,
            start=Role.ABORT, end=Role.ABORT, joins=Joins.OPEN_OR_NEAR,
        ),
        # live_migration_force_complete: likewise
        StepSpec(
            "force.complete", "live.migration.force.complete", "live_migration_force_complete",
            Side.SOURCE, 1, joins=Joins.OPEN_OR_NEAR,
        ),
    ),
    short_prefixes=("compute.instance.live_migration.", "compute.instance.live.migration."),
    label="live migration",
    noun="migration",
)

# Resize and cold migration (nova/compute/manager.py): prep_resize on the
# destination, resize_instance on the source (it sets instance.host to the
# destination, casts finish_resize, then sends resize.end), _finish_resize on
# the destination; confirm and revert are later API calls on the source
# (finish_revert_resize puts instance.host back to the source).
RESIZE = Operation(
    name="resize",
    steps=(
        StepSpec("resize.prep", "resize.prep", "resize_prep", Side.DESTINATION, 0),
        StepSpec("resize", "resize", "resize", Side.SOURCE, 1),
        StepSpec(
            "finish_resize", "finish_resize", "resize_finish", Side.DESTINATION, 2,
            end=Role.FINAL, proves_move=True,
        ),
        StepSpec("resize.confirm", "resize.confirm", "resize_confirm", Side.SOURCE, 3, joins=Joins.LATEST),
        StepSpec(
            "resize.revert", "resize.revert", "resize_revert", Side.SOURCE, 3,
            end=Role.REVERT, joins=Joins.LATEST,
        ),
    ),
    label="resize",
    noun="resize",
)

# Evacuate: nova-api sends `compute.instance.evacuate` (publisher compute.<API
# node>), then the new host rebuilds the instance (`rebuild.*`), same request id.
EVACUATE = Operation(
    name="evacuate",
    steps=(
        StepSpec("evacuate", "evacuate", "evacuate", Side.NEITHER, 0, edges=()),
        StepSpec("rebuild", "rebuild", "rebuild", Side.DESTINATION, 1, end=Role.FINAL, proves_move=True),
    ),
    label="evacuation",
    noun="evacuation",
    source_from_history=True,
    needs_move_evidence=True,
)

# Unshelve: shelve_offload on the old host (it clears instance.host before
# `.end`), later unshelve on the host the scheduler chose.
UNSHELVE = Operation(
    name="unshelve",
    steps=(
        StepSpec("shelve_offload", "shelve_offload", "shelve_offload", Side.SOURCE, 0, joins=Joins.NEXT),
        StepSpec("unshelve", "unshelve", "unshelve", Side.DESTINATION, 1, end=Role.FINAL, proves_move=True),
    ),
    label="unshelve",
    noun="unshelve",
)

OPERATIONS: tuple[Operation, ...] = (LIVE_MIGRATION, RESIZE, EVACUATE, UNSHELVE)


@dataclass(frozen=True, slots=True)
class PhaseInfo:
    event_type: str
    operation: Operation
    spec: StepSpec
    edge: str  # "start" or "end" ("" for an event without edges)
    family: Family
    # derived once (classify caches one PhaseInfo per event type, and the
    # analysis asks for these several times per event)
    #: which host sent it, hence what its host_name is
    side: Side = field(init=False)
    #: short, family-independent name: `post.dest.end`, `_post.end`
    name: str = field(init=False)
    #: what it says about the outcome
    role: Role = field(init=False)
    #: `post.dest.end` or `_post.end`: the migration completed (or a resize
    #: was reverted: `resize.revert.end`)
    is_final: bool = field(init=False)
    #: `post.dest.end`: at its end the instance record points at the destination
    proves_move: bool = field(init=False)
    #: abort, force-complete, resize confirm/revert, shelve_offload: calls
    #: with their own request id, joined by `spec.joins`
    separate_call: bool = field(init=False)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        spec = self.spec
        role = spec.end if self.edge == "end" else spec.start
        set_(self, "side", spec.side)
        set_(self, "name", f"{spec.step}.{self.edge}" if self.edge else spec.step)
        set_(self, "role", role)
        set_(self, "is_final", role is Role.FINAL or role is Role.REVERT)
        set_(self, "proves_move", self.edge == "end" and spec.proves_move)
        set_(self, "separate_call", spec.joins is not Joins.REQUEST)

    @property
    def step(self) -> str:
        return self.spec.step

    @property
    def is_abort(self) -> bool:
        return self.role is Role.ABORT

    @property
    def order(self) -> tuple[int, int]:
        return (self.spec.order, 0 if self.edge == "start" else 1)


def _table() -> dict[str, tuple[Operation, StepSpec, str, Family]]:
    out: dict[str, tuple[Operation, StepSpec, str, Family]] = {}
    for op in OPERATIONS:
        for spec in op.steps:
            for edge in spec.edges or ("",):
                tail = f".{edge}" if edge else ""
                for key, family in (
                    (f"compute.instance.{spec.legacy}{tail}", Family.LEGACY),
                    (f"instance.{spec.versioned}{tail}", Family.VERSIONED),
                ):
                    assert key not in out, f"{key} is in two rows of the phase table"
                    out[key] = (op, spec, edge, family)
    return out


_BY_TYPE = _table()
_SHORT_PREFIXES = tuple(p for op in OPERATIONS for p in op.short_prefixes) + ("compute.instance.",)


@lru_cache(maxsize=256)
def classify(event_type: str) -> PhaseInfo | None:
    """The operation and phase of an event type; None for any other type."""
    try:
        return _CLASSIFIED[event_type]
    except KeyError:
        pass
    row = _BY_TYPE.get(event_type)
    info = None if row is None else PhaseInfo(event_type, *row)
    if len(_CLASSIFIED) < _CLASSIFIED_MAX:  # event types are few; a hostile log's are not
        _CLASSIFIED[event_type] = info
    return info


# one PhaseInfo per event type: the analysis asks several times per event
_CLASSIFIED: dict[str, PhaseInfo | None] = {}
_CLASSIFIED_MAX = 4096


def operation_named(name: str) -> Operation:
    return next(op for op in OPERATIONS if op.name == name)


def is_live_migration(event_type: str) -> bool:
    info = classify(event_type)
    return info is not None and info.operation is LIVE_MIGRATION


def short_type(event_type: str) -> str:
    """The event type without its operation's prefix, as tables show it:
    `compute.instance.live.migration.abort.start` -> `abort.start`,
    `compute.instance.update` -> `update`."""
    for prefix in _SHORT_PREFIXES:
        if event_type.startswith(prefix):
            return event_type[len(prefix) :]
    return event_type
