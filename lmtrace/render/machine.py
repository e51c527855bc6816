"""Machine formats: json, jsonl and csv of the analyze report and the timelines.

Field names come from lmtrace.render.fields; times are UTC ISO 8601.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from typing import TextIO

from ..findings import Report
from ..hops import Timeline
from .fields import (
    MIGRATION_COLUMNS,
    TIMELINE_HOP_COLUMNS,
    iso,
    migration_record,
    migration_row,
    report_record,
    timeline_record,
)
from .jsonout import JsonWriter

__all__ = ["write_timeline_csv"]


def write_timeline_csv(timelines: Sequence[Timeline], out: TextIO) -> None:
    w = csv.writer(out, lineterminator="\n")
    w.writerow(TIMELINE_HOP_COLUMNS)
    for t in timelines:
        for e in t.entries:
            for h in e.hops:
                rec = {
                    "request_id": t.request_id,
                    "instance_id": t.instance_id,
                    "phase": e.phase,
                    "event_type": e.event_type,
                    "context": e.context,
                    "host_name": e.host_name,
                    "host_changed": e.host_changed,
                    "skew": e.skew,
                    "hop": h.name.value,
                    "at": iso(h.at),
                    "local_time": iso(h.local_time),
                    "path": h.path,
                    "line": h.line,
                    "delay_seconds": None if h.delay is None else round(h.delay.total_seconds(), 6),
                    "missing": h.missing,
                    "unknown": h.unknown,
                    "inferred": h.inferred,
                    "note": h.note,
                }
                w.writerow([_csv_cell(rec[c]) for c in TIMELINE_HOP_COLUMNS])


def _csv_cell(v: object) -> object:
    """Like the analyze csv: booleans `true`/`false`, null empty."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return v


def write_report_machine(report: Report, fmt: str, out: TextIO) -> None:
    """`json`: one object, `report_record`; `jsonl`: one migration object per
    line, written as it goes; `csv`: one row per migration, the scalar fields
    (`MIGRATION_COLUMNS`)."""
    if fmt == "json":
        JsonWriter(out).document(report_record(report))
    elif fmt == "jsonl":
        writer = JsonWriter(out)
        for m in report.migrations:
            writer.line(migration_record(m))
    elif fmt == "csv":
        w = csv.writer(out, lineterminator="\n")
        w.writerow(MIGRATION_COLUMNS)
        for m in report.migrations:
            w.writerow(migration_row(m))
    else:  # pragma: no cover - the caller dispatches only these
        raise ValueError(fmt)


def write_timeline_machine(timelines: Sequence[Timeline], fmt: str, out: TextIO) -> None:
    """`json`: `{"timelines": [...]}`; `jsonl`: one timeline per line; `csv`:
    one row per hop (`TIMELINE_HOP_COLUMNS`)."""
    if fmt == "json":
        JsonWriter(out).document({"timelines": [timeline_record(t) for t in timelines]})
    elif fmt == "jsonl":
        writer = JsonWriter(out)
        for t in timelines:
            writer.line(timeline_record(t))
    elif fmt == "csv":
        write_timeline_csv(timelines, out)
    else:  # pragma: no cover - the caller dispatches only these
        raise ValueError(fmt)


def write_report_and_timelines_json(report: Report, timelines: Sequence[Timeline], out: TextIO) -> None:
    """`analyze --timeline --format json`: one document, the report's with a
    `timelines` key added."""
    doc = report_record(report)
    doc["timelines"] = [timeline_record(t) for t in timelines]
    JsonWriter(out).document(doc)
