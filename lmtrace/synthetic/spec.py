"""What to generate: `Options`, `MigrationSpec`, the scenarios and their weights, the handler maps of the ground truth.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["OPERATION_ONLY_MAPS", "ABORT_END", "ABORT_START", "DEFAULT_WEIGHTS", "DEST_SIDE", "HANDLER_MAPS", "LM", "MigrationSpec", "Options", "SCENARIOS", "UPDATE", "ZEN_DEVICE", "ZEN_KEYS", "ZEN_STR_KEYS", "offset_text", "parse_offset"]


LM = "compute.instance.live_migration."


ABORT_START = "compute.instance.live.migration.abort.start"


ABORT_END = "compute.instance.live.migration.abort.end"


UPDATE = "compute.instance.update"


#: Scenario names; each one says how the migration goes and what reaches Zenoss.
SCENARIOS = (
    "ok",  # completed; a destination compute.instance.update follows _post.end within a minute
    "stale",  # completed; _post.end (source) is the last host-writing event: the write-up's bug
    "missed",  # completed; only unmapped phases reach Zenoss (no _post.*, no update context)
    "lost",  # completed; the collector logs _post.end, zenpython never queues it
    "discarded",  # completed; zenpython queues _post.end, then drops it: queue overflow
    "failed",  # pre.*, then _rollback.* (source) and rollback.dest.* (destination)
    "aborted",  # pre.*, abort (own request id, source), then rollback
    "incomplete",  # phases stop after pre.end
    "norequest",  # like stale, but no request_id trait anywhere
    # the other operations that move a VM (lmtrace.synthetic.ops)
    "resize-stale",  # resize.end (source) arrives after finish_resize.end (destination)
    "resize-ok",  # finish_resize.end arrives last
    "resize-reverted",  # a resize, then reverted: back on the source
    "evacuate-ok",  # evacuate from the API node, rebuild on the new host
    "unshelve-missed",  # shelve_offload on the old host, unshelve on the new: mapped by no release
)


DEFAULT_WEIGHTS = {
    "ok": 2.0,
    "stale": 5.0,
    "missed": 0.5,
    "lost": 1.0,
    "discarded": 1.0,
    "failed": 1.0,
    "aborted": 0.5,
    "incomplete": 0.5,
    "norequest": 0.5,
    "resize-stale": 0.5,
    "resize-ok": 0.5,
    "resize-reverted": 0.25,
    "evacuate-ok": 0.25,
    "unshelve-missed": 0.25,
}


# Handler maps for the ground truth (domain.md, "Handler maps"): only the entries that can touch a
# live migration matter here. compute.instance.update -> instance_update_status writes host_name
# in every released 2.x ZenPack; the write-up's fix (PR #401) moves instance_update from
# _post.end to post.dest.end.
# Resize, evacuate and unshelve are mapped alike in both 2.x maps (the ZenPack's 2.4.2 events.py:
# instance_update on resize.end, finish_resize.end and resize.revert.end; rebuild.* mapped; no
# unshelve); "fixed" is samples/maps/fixed.toml: the recommended change for every operation.
_CI = "compute.instance."
_OTHER_2X = {_CI + "resize.end": "instance_update", _CI + "finish_resize.end": "instance_update",
             _CI + "resize.revert.end": "instance_update",
             _CI + "rebuild.start": "instance_rebuilding", _CI + "rebuild.end": "instance_rebuilt"}
HANDLER_MAPS: dict[str, dict[str, str]] = {
    "osi-2.x": {LM + "_post.end": "instance_update", UPDATE: "instance_update_status",
                **_OTHER_2X},
    "osi-2.x-pr401": {LM + "post.dest.end": "instance_update", UPDATE: "instance_update_status",
                      **_OTHER_2X},
    "fixed": {LM + "post.dest.end": "instance_update", UPDATE: "instance_update_status",
              _CI + "finish_resize.end": "instance_update",
              _CI + "resize.revert.end": "instance_update",
              _CI + "rebuild.start": "instance_rebuilding", _CI + "rebuild.end": "instance_rebuilt",
              _CI + "unshelve.end": "instance_update"},
}
#: maps that only the other operations' manifests list (a live migration's manifest keeps the two)
OPERATION_ONLY_MAPS = ("fixed",)


DEST_SIDE = {"pre.start", "pre.end", "post.dest.start", "post.dest.end",
              "rollback.dest.start", "rollback.dest.end"}


def parse_offset(text: str) -> int:
    """A fixed UTC offset such as ``+08:00``, ``-0530``, ``Z`` or ``UTC`` -> minutes."""
    text = text.strip()
    if text.upper() in ("Z", "UTC", "+00:00", "0"):
        return 0
    m = re.fullmatch(r"([+-])(\d{1,2}):?(\d{2})?", text)
    if not m:
        raise ValueError(f"not a UTC offset: {text!r} (use e.g. +08:00 or -05:30)")
    minutes = int(m.group(2)) * 60 + int(m.group(3) or 0)
    if minutes > 14 * 60:
        raise ValueError(f"UTC offset out of range: {text!r}")
    return -minutes if m.group(1) == "-" else minutes


def offset_text(minutes: int) -> str:
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


@dataclass
class Options:
    """Everything that shapes the output; the same Options give the same bytes."""

    migrations: int = 20
    concurrency: int = 1
    seed: int = 1
    collector_tz: int = 8 * 60  # minutes east of UTC
    zenpython_tz: int = 8 * 60
    noise_ratio: float = 0.0
    pretty_ratio: float = 0.0
    batch: int = 1
    size_mb: float | None = None
    dict_form_ratio: float = 0.0
    lowercase_ratio: float = 0.0
    scenarios: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    out: str = "out"
    start: str = "2017-01-23T05:00:00"  # UTC, naive
    #: background events of other instances at most this far apart (zenpython coverage)
    background_max_gap: float = 240.0
    #: host pool: ndc27-3201 .. ndc27-32NN
    hosts: int = 24
    #: seconds the Zenoss host's clock is ahead (+) or behind (-) the OpenStack hosts': it
    #: shifts zenpython's rcvtime and its log timestamps alike (a skew of a few seconds
    #: makes events look queued before they were generated)
    zenpython_skew: float = 0.0


@dataclass
class MigrationSpec:
    """One planned migration, for hand-made samples (`generate(..., specs=[...])`)."""

    scenario: str
    #: seconds after Options.start of its first phase
    start: float
    #: "ocata": _post.end after post.dest.end; "pre-ocata": either order; None: random
    post_order: str | None = None
    #: stale: a destination compute.instance.update a few minutes later (reported as corrected_by)
    corrected: bool = False
    #: phase suffixes / event types whose zenpython dict is pretty-printed
    pretty: tuple[str, ...] = ()
    display_name: str | None = None
    source: str | None = None
    destination: str | None = None
    #: memory copy seconds (None: random 5-60)
    copy_seconds: float | None = None


# zenpython: PBDaemon's EventQueueManager (Products/ZenHub/PBDaemon.py, seen in
# zenoss/ZenPacks.zenoss.PythonCollector's bundled copy):
#   self.log.debug("Queued event (total of %d) %r", len(self.event_queue), event)
#   self.log.debug("Discarded event - queue overflow: %r", discarded)
# and in Zenoss 6.8+ "queued event (total of %d) %r" / log.warn("discarded event - queue overflow:
# %r"). The discarded event is the *oldest* one in the queue, logged right after the append that
# overflowed it. Key order of the dict as in the write-up's real zenpython lines.
ZEN_KEYS = (
    "trait_display_name", "trait_request_id", "device_guid", "trait_user_id", "eventClassKey",
    "trait_tenant_id", "trait_memory_mb", "trait_service", "agent", "manager", "trait_host_name",
    "rcvtime", "device", "trait_state", "monitor", "trait_root_gb", "trait_launched_at",
    "severity", "trait_flavor_name", "trait_disk_gb", "trait_instance_id",
    "trait_state_description", "summary", "trait_vcpus", "trait_fixed_ips", "eventKey",
    "trait_ephemeral_gb", "trait_priority",
)


# Keys zenpython adds itself are plain str in the real repr; the rest came from JSON (unicode).
ZEN_STR_KEYS = {"device_guid", "agent", "manager", "rcvtime", "device", "monitor", "severity",
                 "eventClassKey", "summary", "eventKey"}


ZEN_DEVICE = "OpenStack"
