"""The one place where stable field names are spelled.

Scripts read these names (README, "JSON fields"); keep them stable. Every
time in a machine format is UTC ISO 8601.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from ..correlate import Coverage, Stretch
from ..events import SKIP_REASONS, Event, LineCounts, TraitValue
from ..findings import (
    AppliedFilters,
    CorrectedBy,
    Firing,
    MigrationReport,
    PhaseReport,
    Report,
    Sighting,
    Summary,
    Verdict,
)
from ..hops import Hop, Timeline, TimelineEntry
from ..load import InputSummary
from ..phases import classify
from .jsonout import json_value
from .pathfields import COVERED_KINDS, handler_map_record, pipeline_record

__all__ = [
    "EVENT_COLUMNS",
    "MIGRATION_COLUMNS",
    "coverage_record",
    "event_record",
    "filters_record",
    "firing_record",
    "handler_map_record",
    "input_record",
    "iso",
    "jsonable",
    "migration_record",
    "migration_row",
    "phase_name",
    "phase_record",
    "report_record",
    "summary_record",
    "TIMELINE_HOP_COLUMNS",
    "hop_record",
    "timeline_entry_record",
    "timeline_record",
]

# the scalar event fields, in the order of csv columns
EVENT_COLUMNS = (
    "logged_at",
    "local_time",
    "utc_offset",
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
    if dt.tzinfo is timezone.utc:  # nearly every time: skip the conversion
        return dt.isoformat(timespec="microseconds")[:-6] + "Z"
    if dt.tzinfo is None:
        return dt.isoformat(timespec="microseconds")  # a local time, as printed
    return dt.astimezone(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def jsonable(v: TraitValue) -> Any:
    """A trait value as JSON holds it (see lmtrace.render.jsonout)."""
    if v is None or type(v) is str:  # nearly every value
        return v
    if isinstance(v, datetime):
        return iso(v)
    return json_value(v)


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


def lines_record(c: LineCounts) -> dict[str, Any]:
    """`skipped_by_reason` holds every reason of lmtrace.parse.skips, zeros included."""
    return {
        "total": c.total,
        "parsed": c.parsed,
        "skipped": c.skipped,
        "malformed": c.malformed,
        "skipped_by_reason": {r: dict(c.skipped_by_reason).get(r, 0) for r in SKIP_REASONS},
    }


def input_record(i: InputSummary, coverage: Coverage | None = None) -> dict[str, Any]:
    """One input; `coverage` (zenpython logs in a report) adds `coverage`."""
    rec: dict[str, Any] = {
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
    if coverage is not None:
        rec["coverage"] = coverage_record(coverage)
    return rec


# ---------------------------------------------------------------------------
# `lmtrace analyze`: the report (README, "`lmtrace analyze` report fields")

# the scalar migration fields, in the order of csv columns
MIGRATION_COLUMNS = (
    "request_id",
    "instance_id",
    "display_name",
    "source_host",
    "destination_host",
    "outcome",
    "verdict",
    "reason",
    "recommendation",
    "lost_phases",
    "corrected_by_host",
    "corrected_by_time",
    "start",
    "end",
    "would",
    "first_destination_phase",
    "proof_phase",
    "order_sensitive",
    "device",
    # added with the other operations: at the end, so that earlier columns keep their places
    "operation",
    "expected_host",
    "released_host",  # the 3.x/4.x path's
)


def phase_name(event_type: str) -> str | None:
    """The short live-migration phase name (`post.dest.end`, `_post.end`),
    or None for any other event type (a context event)."""
    info = classify(event_type)
    return info.name if info is not None else None


def _stretch(s: Stretch) -> dict[str, str | None]:
    return {"start": iso(s.start), "end": iso(s.end)}


def coverage_record(c: Coverage) -> dict[str, Any]:
    return {"stretches": [_stretch(s) for s in c.stretches], "gaps": [_stretch(g) for g in c.gaps]}


def _collector_sighting(s: Sighting | None) -> dict[str, Any] | None:
    if s is None:
        return None
    return {"path": s.path, "line": s.line, "logged_at": iso(s.at)}


def _zenpython_sighting(s: Sighting | None) -> dict[str, Any] | None:
    if s is None:
        return None
    return {"path": s.path, "line": s.line, "queued_at": iso(s.at), "rcvtime": iso(s.rcvtime)}


def _discarded_sighting(s: Sighting | None) -> dict[str, Any] | None:
    # status: "discarded" (queue overflow) or "dropped" (by a transform)
    if s is None:
        return None
    return {"path": s.path, "line": s.line, "at": iso(s.at), "status": s.status}


def phase_record(p: PhaseReport) -> dict[str, Any]:
    return {
        "event_type": p.event_type,
        "phase": p.phase,
        "event_id": p.event_id,
        "request_id": p.request_id,
        "side": p.side.value,
        "host_name": p.host_name,
        "generated": iso(p.generated),
        "time": iso(p.time),
        "collector": _collector_sighting(p.collector),
        "zenpython": _zenpython_sighting(p.zenpython),
        "discarded": _discarded_sighting(p.dropped),
        "reached": p.reached.value,
        "handler": p.handler,
        "cause": p.cause,
    }


def firing_record(f: Firing) -> dict[str, Any]:
    return {
        "event_type": f.event_type,
        "phase": phase_name(f.event_type),
        "handler": f.handler,
        "host": f.host,
        "time": iso(f.time),
        "context": f.context,
        "writes_host": f.writes_host,
        "assumed": f.assumed,
        "reached": f.reached.value,
        "path": f.path,
        "line": f.line,
    }


def corrected_by_record(c: CorrectedBy | None) -> dict[str, Any] | None:
    if c is None:
        return None
    return {"event_type": c.event_type, "time": iso(c.time), "host": c.host}


def migration_record(m: MigrationReport) -> dict[str, Any]:
    """One migration: the object of json's `migrations[]` and of each jsonl line."""
    return {
        "operation": m.operation,
        "request_id": m.request_id,
        "instance_id": m.instance_id,
        "display_name": m.display_name,
        "source_host": m.source_host,
        "destination_host": m.destination_host,
        "expected_host": m.expected_host,
        "outcome": m.outcome.value,
        "verdict": m.verdict.value,
        "reason": m.reason,
        "recommendation": m.recommendation,
        "lost_phases": list(m.lost_phases),
        "corrected_by": corrected_by_record(m.corrected_by),
        "first_destination_phase": m.first_destination_phase,
        "proof_phase": m.proof_phase,
        "would": m.would,
        "start": iso(m.start),
        "end": iso(m.end),
        "overlaps": list(m.overlaps),
        "attached_requests": list(m.attached_requests),
        "order_sensitive": m.order_sensitive,
        "device": m.device,
        "released_host": m.released_host,
        "phases": [phase_record(p) for p in m.phases],
        "handlers": [firing_record(f) for f in m.handlers],
    }


def migration_row(m: MigrationReport) -> list[str]:
    """One csv row, in MIGRATION_COLUMNS order: lists joined by `;`,
    booleans `true`/`false`, null empty."""
    rec = migration_record(m)
    corrected = rec["corrected_by"] or {}
    rec["lost_phases"] = ";".join(m.lost_phases)
    rec["corrected_by_host"] = corrected.get("host")
    rec["corrected_by_time"] = corrected.get("time")
    return [_cell(rec[c]) for c in MIGRATION_COLUMNS]


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def summary_record(s: Summary) -> dict[str, Any]:
    return {
        "migrations": s.migrations,
        # before the filters
        "migrations_in_logs": s.migrations if s.migrations_in_logs is None else s.migrations_in_logs,
        # per kind of operation, every kind in table order, zero counts included
        "operations": dict(s.operations),
        # every verdict, in rule order, zero counts included
        "verdicts": {v.value: s.verdicts.get(v.value, 0) for v in Verdict},
        "lost_unmapped": s.lost_unmapped,
        "coverage_gaps": s.coverage_gaps,
        "recommended_change": s.recommended_change,
        "notes": list(s.notes),
    }


def filters_record(f: AppliedFilters) -> dict[str, Any]:
    """The filters as applied: times resolved to UTC ISO 8601, null where not given."""
    return {
        "since": iso(f.since),
        "until": iso(f.until),
        "instance": f.instance,
        "request": f.request,
        "host": f.host,
        "device": f.device,
        "verdicts": None if f.verdicts is None else [v.value for v in f.verdicts],
    }


def report_record(report: Report) -> dict[str, Any]:
    """The whole `analyze --format json` document."""
    return {
        "migrations": [migration_record(m) for m in report.migrations],
        "inputs": [
            input_record(i, report.coverage.get(i.path, Coverage(())) if i.kind in COVERED_KINDS else None)
            for i in report.inputs
        ],
        "handler_map": handler_map_record(report.handler_map),
        "filters": filters_record(report.filters),
        "summary": summary_record(report.summary),
        "warnings": list(report.warnings),
        "pipeline": pipeline_record(report.pipeline),
    }


# --- lmtrace timeline -------------------------------------------------------


def _seconds(d: timedelta | None) -> float | None:
    return None if d is None else round(d.total_seconds(), 6)


def hop_record(h: Hop) -> dict[str, Any]:
    """A `lmtrace.hops.Hop`: times UTC ISO 8601 (`local_time` as logged,
    no zone), `delay_seconds` from the previous hop that happened."""
    return {
        "hop": h.name.value,
        "at": iso(h.at),
        "local_time": iso(h.local_time),
        "kind": h.kind.value if h.kind is not None else None,
        "path": h.path,
        "line": h.line,
        "rcvtime": iso(h.rcvtime),
        "delay_seconds": _seconds(h.delay),
        "missing": h.missing,
        "unknown": h.unknown,
        "inferred": h.inferred,
        "note": h.note or None,
    }


def timeline_entry_record(e: TimelineEntry) -> dict[str, Any]:
    return {
        "event_type": e.event_type,
        "phase": e.phase,
        "event_id": e.event_id,
        "time": iso(e.time),
        "side": e.side,
        "context": e.context,
        "host_name": e.host_name,
        "host_changed": e.host_changed,
        "previous_host": e.previous_host,
        "reached": e.reached.value,
        "handler": e.handler,
        "skew": e.skew,
        "skew_note": e.skew_note,
        "hops": [hop_record(h) for h in e.hops],
    }


def timeline_record(t: Timeline) -> dict[str, Any]:
    """A `lmtrace.hops.Timeline`, entries in UTC order."""
    return {
        "operation": t.operation,
        "title": t.title,
        "request_id": t.request_id,
        "attached_requests": list(t.attached_requests),
        "instance_id": t.instance_id,
        "display_name": t.display_name,
        "source_host": t.source_host,
        "destination_host": t.destination_host,
        "outcome": t.outcome,
        "verdict": t.verdict.value if t.verdict is not None else None,
        "reason": t.reason,
        "recommendation": t.recommendation,
        "handler_map": t.handler_map,
        "start": iso(t.start),
        "end": iso(t.end),
        "inputs": [
            {
                "path": i.path,
                "kind": i.kind.value,
                "utc_offset": i.utc_offset,
                "offset_source": i.offset_source,
            }
            for i in t.inputs
        ],
        "notes": list(t.notes),
        "entries": [timeline_entry_record(e) for e in t.entries],
    }


# one csv row per hop
TIMELINE_HOP_COLUMNS = (
    "request_id",
    "instance_id",
    "phase",
    "event_type",
    "context",
    "host_name",
    "host_changed",
    "skew",
    "hop",
    "at",
    "local_time",
    "path",
    "line",
    "delay_seconds",
    "missing",
    "unknown",
    "inferred",
    "note",
)
