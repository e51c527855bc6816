"""The one place where stable field names are spelled.

Scripts read these names (README, "JSON fields"); keep them stable. Every
time in a machine format is UTC ISO 8601.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from ..events import Event, LineCounts, TraitValue
from ..load import InputSummary

__all__ = ["EVENT_COLUMNS", "event_record", "input_record", "iso", "jsonable"]

# the scalar event fields, in the order of csv columns and table columns
EVENT_COLUMNS = (
    "logged_at",
    "kind",
    "path",
    "line",
    "status",
    "event_type",
    "event_id",
    "generated",
    "rcvtime",
    "request_id",
    "instance_id",
    "display_name",
    "host_name",
    "state",
    "device",
)


def iso(dt: datetime | None) -> str | None:
    """UTC ISO 8601 with microseconds and a `Z`, or None."""
    if dt is None:
        return None
    if dt.tzinfo is None:
        return dt.isoformat(timespec="microseconds")  # a local time, as printed
    return dt.astimezone(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def jsonable(v: TraitValue) -> Any:
    if isinstance(v, datetime):
        return iso(v)
    return v


def event_record(e: Event, utc_offset: str | None = None) -> dict[str, Any]:
    return {
        "logged_at": iso(e.logged_at),
        "local_time": iso(e.local_time),
        "utc_offset": utc_offset,
        "kind": e.source.kind.value,
        "path": e.source.path,
        "line": e.source.line,
        "status": e.status.value,
        "event_type": e.event_type,
        "event_id": e.event_id,
        "generated": iso(e.generated),
        "rcvtime": iso(e.rcvtime),
        "request_id": e.request_id,
        "instance_id": e.instance_id,
        "display_name": e.display_name,
        "host_name": e.host_name,
        "state": e.state,
        "device": e.device,
        "traits": [
            {"name": t.name, "dtype": t.dtype.name.lower(), "value": jsonable(t.value)}
            for t in e.traits
        ],
    }


def lines_record(c: LineCounts) -> dict[str, int]:
    return {"total": c.total, "parsed": c.parsed, "skipped": c.skipped, "malformed": c.malformed}


def input_record(i: InputSummary) -> dict[str, Any]:
    return {
        "path": i.path,
        "kind": i.kind.value,
        "lines": lines_record(i.lines),
        "events": i.events,
        "utc_offset": i.clock.label,
        "offset_source": i.clock.source.value,
        "offset_samples": i.clock.samples,
        "malformed": [
            {"line": m.source.line, "reason": m.reason, "excerpt": m.excerpt} for m in i.malformed
        ],
    }
