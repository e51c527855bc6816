"""`lmtrace timeline` output: one migration, hop by hop, in every format.

Text and markdown print, per timeline, a short summary (request, instance,
hosts, verdict, each input's UTC offset) and one table row per hop:

    phase  host  hop  time (UTC)  local time (as logged)  file:line  delay  note

An entry's first row carries its phase and host_name; a host_name that
differs from the previous entry's is marked `->` (bold in markdown), and
the row's note says from which host. A hop that did not happen reads
`never` in the time column, one that no log given could see `?`; the
handler hop is inferred (no log records a handler run) and has no delay.
Local times are printed as the log printed them (oslo.log `14:00:15.011`,
zenpython `07:00:15,181`), so they can be grepped.
"""

from __future__ import annotations

import csv
import json
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TextIO

from ..events import LogKind
from ..report import Report
from ..timeline import Hop, Timeline, TimelineEntry
from .fields import TIMELINE_HOP_COLUMNS, iso, report_record, timeline_record

__all__ = [
    "HEAD",
    "Row",
    "format_delay",
    "rows_of",
    "summary_of",
    "write_report_with_timelines",
    "write_timeline",
]

WIDTH = 118  # summary lines wrap here, like the analyze report

HEAD = ("phase", "host", "hop", "time (UTC)", "local time (as logged)", "file:line", "delay", "note")


def format_delay(d: timedelta | None) -> str:
    """`+11 ms`, `+1.204 s`, `-3.200 s`; empty when there is none."""
    if d is None:
        return ""
    s = d.total_seconds()
    sign = "-" if s < 0 else "+"
    a = abs(s)
    if a < 1:
        return f"{sign}{round(a * 1000):d} ms"
    return f"{sign}{a:.3f} s"


def _utc(dt: datetime | None) -> str:
    return "" if dt is None else dt.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def _local(dt: datetime | None, kind: LogKind | None) -> str:
    """The log line's own timestamp, as that log prints it."""
    if dt is None:
        return ""
    text = dt.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    return text[:-4] + "," + text[-3:] if kind is LogKind.ZENPYTHON else text


@dataclass(frozen=True, slots=True)
class Row:
    """One table row: a hop, with its entry's columns on the entry's first row."""

    cells: tuple[str, str, str, str, str, str, str, str]
    entry: TimelineEntry
    hop: Hop
    first: bool


def _time_cell(h: Hop) -> str:
    if h.missing:
        return "?" if h.unknown else "never"
    return _utc(h.at)


def _entry_notes(e: TimelineEntry) -> list[str]:
    out = []
    if e.context:
        out.append("context event")
    if e.host_changed:
        out.append(f"host_name changes from {e.previous_host}")
    if e.skew and e.skew_note:
        out.append(f"SKEW: {e.skew_note}")
    return out


def rows_of(t: Timeline) -> list[Row]:
    rows: list[Row] = []
    for e in t.entries:
        for n, h in enumerate(e.hops):
            first = n == 0
            notes = (_entry_notes(e) if first else []) + ([h.note] if h.note else [])
            phase = host = ""
            if first:
                phase = e.phase
                host = e.host_name or "-"
                if e.host_changed:
                    host = "-> " + host
            rows.append(
                Row(
                    cells=(
                        phase,
                        host,
                        h.name.value,
                        _time_cell(h),
                        _local(h.local_time, h.kind),
                        h.location or "",
                        "" if h.inferred else format_delay(h.delay),
                        "; ".join(notes),
                    ),
                    entry=e,
                    hop=h,
                    first=first,
                )
            )
    return rows


def summary_of(t: Timeline) -> list[tuple[str, str]]:
    """The lines above the table, as (label, value)."""
    name = t.display_name or "?"
    out = [("request", t.request_id or "- (none in the logs)")]
    if t.attached_requests:
        out.append(("attached", ", ".join(t.attached_requests)))
    out.append(("instance", f"{name} ({t.instance_id or '?'})"))
    out.append(("hosts", f"{t.source_host or '?'} -> {t.destination_host or '?'}"))
    out.append(("span", f"{_utc(t.start)} - {_utc(t.end)} UTC, {t.outcome}"))
    if t.verdict is not None:
        out.append(("verdict", f"{t.verdict.value}: {t.reason}" if t.reason else t.verdict.value))
    if t.recommendation:
        out.append(("fix", t.recommendation))
    if t.handler_map:
        out.append(("handler map", t.handler_map))
    for i in t.inputs:
        out.append(("clock", f"{i.path} {i.utc_offset} ({i.how})"))
    for n in t.notes:
        out.append(("note", n))
    return out


def write_timeline(timelines: Sequence[Timeline], fmt: str, out: TextIO) -> None:
    """Write timelines as `text`, `markdown`, `json`, `jsonl`, `csv` or
    `rich` (lmtrace.render.terminal)."""
    if fmt == "text":
        for n, t in enumerate(timelines):
            if n:
                out.write("\n")
            _write_text(t, out)
    elif fmt == "markdown":
        for n, t in enumerate(timelines):
            if n:
                out.write("\n")
            _write_markdown(t, out)
    elif fmt == "json":
        json.dump({"timelines": [timeline_record(t) for t in timelines]}, out, ensure_ascii=False, indent=2)
        out.write("\n")
    elif fmt == "jsonl":
        for t in timelines:
            out.write(json.dumps(timeline_record(t), ensure_ascii=False))
            out.write("\n")
    elif fmt == "csv":
        _write_csv(timelines, out)
    elif fmt == "rich":
        from .terminal import print_timelines

        print_timelines(timelines, out)
    else:  # pragma: no cover - click restricts the choices
        raise ValueError(fmt)


def write_report_with_timelines(
    report: Report, timelines: Sequence[Timeline], fmt: str, out: TextIO
) -> None:
    """`analyze --timeline`: the report, then the timelines in the same
    format family; for json one document with a `timelines` key added.
    jsonl and csv hold one migration per line or row, so they have no room
    for timelines: a ValueError (the CLI refuses the combination first)."""
    from .report import write_report

    if fmt in ("jsonl", "csv"):
        raise ValueError(f"--timeline cannot be combined with --format {fmt}")
    if fmt == "json":
        doc = report_record(report)
        doc["timelines"] = [timeline_record(t) for t in timelines]
        json.dump(doc, out, ensure_ascii=False, indent=2)
        out.write("\n")
        return
    write_report(report, fmt, out)
    heading = f"Timelines of the {len(timelines)} migration(s) whose verdict is not ok"
    if fmt == "markdown":
        out.write(f"\n## {heading}\n\n")
    elif fmt == "text":
        out.write(f"\n{heading}\n{'=' * len(heading)}\n\n")
    if fmt == "rich":
        from .terminal import print_timelines

        print_timelines(timelines, out, heading=heading)
    else:
        write_timeline(timelines, fmt, out)


def _write_text(t: Timeline, out: TextIO) -> None:
    title = f"Timeline: {t.title}"
    out.write(f"{title}\n{'-' * len(title)}\n")
    width = max(len(k) for k, _ in summary_of(t))
    out.writelines(textwrap.fill(
                v,
                WIDTH,
                initial_indent=f"  {k.ljust(width)}  ",
                subsequent_indent=" " * (width + 4),
                break_on_hyphens=False,
                break_long_words=False,
            )
            + "\n" for k, v in summary_of(t))
    out.write("\n")
    rows = rows_of(t)
    widths = [max([len(h)] + [len(r.cells[i]) for r in rows]) for i, h in enumerate(HEAD)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip() + "\n"

    out.write(line(HEAD))
    for n, r in enumerate(rows):
        if r.first and n:
            out.write("\n")
        out.write(line(r.cells))


def _md(cell: str) -> str:
    return cell.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _write_markdown(t: Timeline, out: TextIO) -> None:
    out.write(f"### Timeline: {_md(t.title)}\n\n")
    out.writelines(f"- **{k}**: {_md(v)}\n" for k, v in summary_of(t))
    out.write("\n")
    out.write("| " + " | ".join(HEAD) + " |\n")
    out.write("|" + "|".join("---" for _ in HEAD) + "|\n")
    for r in rows_of(t):
        cells = [_md(c) for c in r.cells]
        if r.first:
            cells[0] = f"**{cells[0]}**"
            if r.entry.host_changed and r.entry.host_name:
                cells[1] = f"**&rarr; {_md(r.entry.host_name)}**"
        if r.hop.missing:
            cells[3] = f"*{cells[3]}*"
        if r.first and r.entry.skew:
            cells[7] = cells[7].replace("SKEW:", "**SKEW**:", 1)
        out.write("| " + " | ".join(cells) + " |\n")


def _write_csv(timelines: Sequence[Timeline], out: TextIO) -> None:
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
                w.writerow(["" if rec[c] is None else rec[c] for c in TIMELINE_HOP_COLUMNS])
