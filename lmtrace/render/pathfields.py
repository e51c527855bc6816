"""The 3.x/4.x path in reports: its stable fields (`pipeline`, the
generation in `handler_map`) and the lines human formats show for them.
lmtrace.render.fields spells the rest."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from ..events import LogKind
from ..findings import HandlerMapInfo, MigrationReport
from ..humantime import clock
from ..zenpath import PipelineFacts

__all__ = ["COVERED_KINDS", "NO_COVERAGE", "handler_map_record", "handler_map_why", "pipeline_lines", "pipeline_record", "released_row"]

#: the inputs whose report record has `coverage`: logs that say when they were listening
COVERED_KINDS = (LogKind.ZENPYTHON, LogKind.ZENOPENSTACK)


def _iso(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    return dt.astimezone(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def handler_map_record(h: HandlerMapInfo) -> dict[str, str]:
    """`handler_map`: the map, and the generation that chose it."""
    return {"name": h.name, "source": h.source, "shape": h.shape, "generation": h.generation, "why": h.why}


def pipeline_record(p: PipelineFacts | None) -> dict[str, Any] | None:
    """`pipeline`: null unless a zenopenstack or publisher log was given."""
    if p is None:
        return None
    return {
        "posts": p.posts,
        "http_statuses": dict(p.statuses),
        "failed_posts": p.failures,
        "lost_events": [
            {
                "event_type": e.event_type,
                "event_id": e.event_id,
                "instance_id": e.instance_id,
                "time": _iso(e.time),
                "path": e.path,
                "line": e.line,
                "cause": e.cause,
            }
            for e in p.lost_events
        ],
        "debug_off": list(p.debug_off),
    }


def handler_map_why(h: HandlerMapInfo) -> str | None:
    """`ZenPack 3.x/4.x: the default for ...` for human formats."""
    if not h.why:
        return None
    return f"ZenPack generation seen: {h.generation}; map: {h.why}"


def pipeline_lines(p: PipelineFacts | None) -> list[str]:
    """The publisher's posts and every lost event, one line each ([] when
    no input is of the 3.x/4.x path)."""
    if p is None:
        return []
    statuses = ", ".join(f"{k}: {v}" for k, v in p.statuses.items()) or "none logged"
    out = [f"HTTP posts by the publisher: {p.posts} ({statuses}); failed: {p.failures}"]
    for e in p.lost_events:
        when = f"{clock(e.time, dated=True)} UTC " if e.time is not None else ""
        ident = e.event_id or e.instance_id or "no id"
        out.append(f"lost: {when}{e.event_type} ({ident}) at {e.path}:{e.line}: {e.cause}")
    if not p.lost_events:
        out.append("lost events: none")
    return out


def released_row(m: MigrationReport) -> list[tuple[str, str]]:
    if m.released_host is None:
        return []
    return [("released", f"zenopenstack released {m.released_host} for it: the host the model got")]


#: the coverage line of a log that covers nothing, per kind that has coverage
NO_COVERAGE = {
    LogKind.ZENPYTHON: "coverage: none (no queued-event line: zenpython debug logging was off)",
    LogKind.ZENOPENSTACK: "coverage: none (no DEBUG line of zen.OpenStack.zenopenstack: debug logging was off)",
}
