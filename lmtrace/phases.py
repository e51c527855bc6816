"""The one table of live-migration phases: which step, which side, which family.

Nova's legacy notifications are `compute.instance.live_migration.<phase>`
(abort and force-complete are spelled with dots:
`compute.instance.live.migration.abort.start`); the versioned ones are
`instance.live_migration_<phase>`. Each phase runs on one host, and the
Zenoss flavour of Ceilometer's event definitions takes `host_name` from
segment 1 of publisher_id — the host that *sent* the notification. So a
destination-side phase carries the destination and a source-side phase the
source (nova/compute/manager.py; see domain.md, "Live-migration phases").
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from functools import lru_cache

__all__ = ["Family", "PhaseInfo", "Side", "Step", "classify", "is_live_migration"]


class Side(str, enum.Enum):
    SOURCE = "source"
    DESTINATION = "destination"

    def __str__(self) -> str:
        return self.value


class Family(str, enum.Enum):
    LEGACY = "legacy"
    VERSIONED = "versioned"


class Step(str, enum.Enum):
    """A nova function that emits a start/end pair."""

    PRE = "pre"  # pre_live_migration, on the destination
    POST_DEST = "post.dest"  # post_live_migration_at_destination: proves the move
    POST = "_post"  # _post_live_migration, on the source
    ROLLBACK = "_rollback"  # _rollback_live_migration, on the source
    ROLLBACK_DEST = "rollback.dest"  # rollback_live_migration_at_destination
    ABORT = "abort"  # live_migration_abort, its own API call, on the source
    FORCE_COMPLETE = "force.complete"  # live_migration_force_complete, likewise


_SIDE = {
    Step.PRE: Side.DESTINATION,
    Step.POST_DEST: Side.DESTINATION,
    Step.ROLLBACK_DEST: Side.DESTINATION,
    Step.POST: Side.SOURCE,
    Step.ROLLBACK: Side.SOURCE,
    Step.ABORT: Side.SOURCE,
    Step.FORCE_COMPLETE: Side.SOURCE,
}

# the order a successful (or failed) migration goes through, for display
STEP_ORDER = {
    Step.PRE: 0,
    Step.FORCE_COMPLETE: 1,
    Step.ABORT: 1,
    Step.POST: 2,
    Step.POST_DEST: 3,
    Step.ROLLBACK: 2,
    Step.ROLLBACK_DEST: 3,
}

_LEGACY = re.compile(
    r"^compute\.instance\.live_migration\."
    r"(?P<step>pre|post\.dest|_post|_rollback|rollback\.dest)\.(?P<edge>start|end)$"
)
_LEGACY_DOTTED = re.compile(
    r"^compute\.instance\.live\.migration\.(?P<step>abort|force\.complete)\.(?P<edge>start|end)$"
)
_VERSIONED = re.compile(
    r"^instance\.live_migration_"
    r"(?P<step>pre|post_dest|post|rollback|rollback_dest|abort|force_complete)\.(?P<edge>start|end)$"
)
_VERSIONED_STEP = {
    "pre": Step.PRE,
    "post_dest": Step.POST_DEST,
    "post": Step.POST,
    "rollback": Step.ROLLBACK,
    "rollback_dest": Step.ROLLBACK_DEST,
    "abort": Step.ABORT,
    "force_complete": Step.FORCE_COMPLETE,
}


@dataclass(frozen=True, slots=True)
class PhaseInfo:
    event_type: str
    step: Step
    edge: str  # "start" or "end"
    family: Family
    # derived once (classify caches one PhaseInfo per event type, and the
    # analysis asks for these several times per event)
    #: which host sent it, hence what its host_name is
    side: Side = field(init=False)
    #: short, family-independent name: `post.dest.end`, `_post.end`
    name: str = field(init=False)
    #: `post.dest.end` or `_post.end`: the migration completed
    is_final: bool = field(init=False)
    #: `post.dest.end`: at its end the instance record points at the destination
    proves_move: bool = field(init=False)
    #: abort and force-complete are API calls with their own request id
    separate_call: bool = field(init=False)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "side", _SIDE[self.step])
        set_(self, "name", f"{self.step.value}.{self.edge}")
        set_(self, "is_final", self.edge == "end" and self.step in (Step.POST_DEST, Step.POST))
        set_(self, "proves_move", self.edge == "end" and self.step is Step.POST_DEST)
        set_(self, "separate_call", self.step in (Step.ABORT, Step.FORCE_COMPLETE))

    @property
    def is_abort(self) -> bool:
        return self.step is Step.ABORT


    @property
    def order(self) -> tuple[int, int]:
        return (STEP_ORDER[self.step], 0 if self.edge == "start" else 1)


@lru_cache(maxsize=256)
def classify(event_type: str) -> PhaseInfo | None:
    """The phase of a live-migration event type; None for any other type."""
    m = _LEGACY.match(event_type)
    if m:
        return PhaseInfo(event_type, Step(m["step"]), m["edge"], Family.LEGACY)
    m = _LEGACY_DOTTED.match(event_type)
    if m:
        return PhaseInfo(event_type, Step(m["step"]), m["edge"], Family.LEGACY)
    m = _VERSIONED.match(event_type)
    if m:
        return PhaseInfo(event_type, _VERSIONED_STEP[m["step"]], m["edge"], Family.VERSIONED)
    return None


def is_live_migration(event_type: str) -> bool:
    return classify(event_type) is not None
