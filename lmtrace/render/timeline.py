"""`lmtrace timeline` output: one migration, hop by hop, in every format.

Text and markdown print, per timeline, a short summary (request, instance,
hosts, verdict, each input's UTC offset and label: the legend) and one table
row per hop:

    phase  host  hop  time (UTC)  local time (as logged)  file:line  delay  note

(text starts each note under the local-time column, on the hop's own line
when nothing else is right of it, else on the next line, so that rows stay
within WIDTH; when the columns alone would pass WIDTH, the host goes under
the phase, in one `phase / host` column). Files are named by the labels of the analyze report
(`collector.log:3`, or `#1:3` for a long or clashing name; lmtrace.render.
report.FileLabels). An entry's first row carries its phase and host_name; a
host_name that differs from the previous entry's is marked `->` (`→`, bold,
in markdown), and the row's note says from which host. A hop that did not
happen reads `never` in the time column, one that no log given could see
`?`, and the handler hop of an event mapped to no handler `-` (it does not
apply); the handler hop is inferred (no log records a handler run) and has
no delay. Times are cut to milliseconds and each delay is the difference of
the two times shown (lmtrace.humantime). Local times are printed as the log
printed them (oslo.log `14:00:15.011`, zenpython `07:00:15,181`), so they
can be grepped.
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
from ..humantime import MS, clock, elapsed
from ..report import Report
from ..timeline import Hop, Timeline, TimelineEntry
from .fields import TIMELINE_HOP_COLUMNS, iso, report_record, timeline_record
from .report import FileLabels, md_code, md_text

__all__ = [
    "HEAD",
    "Row",
    "format_delay",
    "labels_of",
    "rows_of",
    "summary_of",
    "write_report_with_timelines",
    "write_timeline",
]

WIDTH = 118  # lines wrap here, like the analyze report

HEAD = ("phase", "host", "hop", "time (UTC)", "local time (as logged)", "file:line", "delay", "note")


def format_delay(d: timedelta | None) -> str:
    """`+11 ms`, `+1.204 s`, `-3.200 s`; empty when there is none. Cut to
    whole milliseconds (toward zero), like the times."""
    if d is None:
        return ""
    whole = int(d / MS)  # int() cuts toward zero
    sign = "-" if whole < 0 else "+"
    a = abs(whole)
    if a < 1000:
        return f"{sign}{a:d} ms"
    return f"{sign}{a // 1000}.{a % 1000:03d} s"


def _utc(dt: datetime | None) -> str:
    return "" if dt is None else clock(dt, dated=True)


def _shown_delay(h: Hop) -> timedelta | None:
    """The delay between the two times as shown (both cut to milliseconds)."""
    if h.at is not None and h.since is not None:
        return elapsed(h.since, h.at)
    return h.delay


def labels_of(t: Timeline) -> FileLabels:
    """The file labels of the analyze report over the same inputs."""
    return FileLabels(i.path for i in t.inputs)


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
    if h.not_applicable:
        return "-"
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


def rows_of(t: Timeline, files: FileLabels | None = None) -> list[Row]:
    files = files or labels_of(t)
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
                        files.line(h.path, h.line),
                        "" if h.inferred else format_delay(_shown_delay(h)),
                        "; ".join(notes),
                    ),
                    entry=e,
                    hop=h,
                    first=first,
                )
            )
    return rows


def summary_of(t: Timeline, files: FileLabels | None = None) -> list[tuple[str, str]]:
    """The lines above the table, as (label, value); the `clock` lines are
    the legend of the file labels (`#1 samples/collector.log +08:00 ...`)."""
    files = files or labels_of(t)
    name = t.display_name or "?"
    out = [("request", t.request_id or "- (none in the logs)")]
    if t.attached_requests:
        out.append(("attached", ", ".join(t.attached_requests)))
    out.append(("instance", f"{name} ({t.instance_id or '?'})"))
    out.append(("hosts", f"{t.source_host or '?'} -> {t.destination_host or '?'}"))
    out.append(("span", f"{_utc(t.start)} - {_utc(t.end)} UTC, {t.outcome}"))
    if t.verdict is not None:
        reason = files.text(t.reason) if t.reason else None
        out.append(("verdict", f"{t.verdict.value}: {reason}" if reason else t.verdict.value))
    if t.recommendation:
        out.append(("fix", files.text(t.recommendation)))
    if t.handler_map:
        out.append(("handler map", t.handler_map))
    for i in t.inputs:
        out.append(("clock", f"#{files.number[i.path]} {i.path} {i.utc_offset} ({i.how})"))
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


#: the text table's columns: HEAD without the note (see _write_text)
TEXT_HEAD = HEAD[:-1]
_LOCAL = HEAD.index("local time (as logged)")


def _write_text(t: Timeline, out: TextIO) -> None:
    files = labels_of(t)
    title = f"Timeline: {t.title}"
    out.write(f"{title}\n{'-' * len(title)}\n")
    summary = summary_of(t, files)
    width = max(len(k) for k, _ in summary)
    out.writelines(
        textwrap.fill(
            v,
            WIDTH,
            initial_indent=f"  {k.ljust(width)}  ",
            subsequent_indent=" " * (width + 4),
            break_on_hyphens=False,
            break_long_words=False,
        )
        + "\n"
        for k, v in summary
    )
    out.write("\n")
    rows = rows_of(t, files)
    head: Sequence[str] = TEXT_HEAD
    widths = [max([len(h)] + [len(r.cells[i]) for r in rows]) for i, h in enumerate(head)]
    if sum(widths) + 2 * (len(widths) - 1) > WIDTH:
        # too wide (long phase, host or file names): the host goes under the
        # phase, on the entry's second line, in one `phase / host` column
        head, rows = _STACKED_HEAD, _stacked(rows)
        widths = [max([len(h)] + [len(r.cells[i]) for r in rows]) for i, h in enumerate(head)]
    cols = len(head)
    local_at = head.index("local time (as logged)")
    # a hop's note starts at the local-time column: on the hop's own line when
    # the rest of it is empty (generated, missing and handler hops), else on
    # the line below; wrapped at WIDTH, so rows stay within it
    note_at = sum(widths[:local_at]) + 2 * local_at

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip() + "\n"

    out.write(line(head))
    for n, r in enumerate(rows):
        if r.first and n:
            out.write("\n")
        row = line(r.cells[:cols])
        note = r.cells[cols]
        if not note:
            out.write(row)
            continue
        wrapped = textwrap.wrap(
            note,
            WIDTH,
            initial_indent=" " * note_at,
            subsequent_indent=" " * note_at,
            break_on_hyphens=False,
            break_long_words=False,
        )
        if any(r.cells[local_at:cols]):
            out.write(row)
        else:
            wrapped[0] = row.rstrip("\n").ljust(note_at) + wrapped[0][note_at:]
        out.writelines(x + "\n" for x in wrapped)


_STACKED_HEAD = ("phase / host", *TEXT_HEAD[2:])


def _stacked(rows: Sequence[Row]) -> list[Row]:
    """Rows for _STACKED_HEAD: the phase on an entry's first row, its host on
    the second (a row of its own when the entry has one hop); the note stays
    the last cell. Cells beyond the table are padded empty."""
    out: list[Row] = []
    pending: str | None = None  # a host still to print, under its phase
    for n, r in enumerate(rows):
        phase, host, *rest = r.cells
        if r.first:
            if pending is not None:
                out.append(_host_row(rows[n - 1], pending))
            cell, pending = phase, host
        elif pending is not None:
            cell, pending = pending, None
        else:
            cell = ""
        out.append(_row(r, (cell, *rest)))
    if pending is not None:
        out.append(_host_row(rows[-1], pending))
    return out


def _row(r: Row, cells: Sequence[str]) -> Row:
    # the stacked table has one column less: the last cell is left empty
    a, b, c, d, e, f, g = cells
    return Row(cells=(a, b, c, d, e, f, g, ""), entry=r.entry, hop=r.hop, first=r.first)


def _host_row(r: Row, host: str) -> Row:
    return Row(cells=(host, "", "", "", "", "", "", ""), entry=r.entry, hop=r.hop, first=False)


def _write_markdown(t: Timeline, out: TextIO) -> None:
    """Markdown like the analyze report's: identifiers (phases, hosts,
    file:line, request ids) as code, free text escaped (`_` would start
    italics), `→` for a host change, *never* in italics only for a hop that
    should have happened and did not."""
    files = labels_of(t)
    name = md_text(t.display_name or t.instance_id or "?")
    out.write(
        f"### Timeline: {name}: {md_code(t.source_host or '?')} → {md_code(t.destination_host or '?')} "
        f"({md_code(t.label or t.request_id or '?')})\n\n"
    )
    out.writelines(f"- **{md_text(k)}**: {v}\n" for k, v in _md_summary(t, files))
    out.write("\n")
    out.write("| " + " | ".join(md_text(h) for h in HEAD) + " |\n")
    out.write("|" + "|".join("---" for _ in HEAD) + "|\n")
    for r in rows_of(t, files):
        phase, host, hop, at, local, where, delay, note = r.cells
        cells = [
            f"**{md_code(phase)}**" if phase else "",
            "",
            hop,
            at,
            local,
            md_code(where) if where else "",
            delay,
            md_text(note),
        ]
        if r.first:
            if r.entry.host_changed and r.entry.host_name:
                cells[1] = f"**→ {md_code(r.entry.host_name)}**"
            else:
                cells[1] = md_code(host)
        if r.hop.missing and not r.hop.not_applicable:
            cells[3] = f"*{at}*"
        if r.first and r.entry.skew:
            cells[7] = cells[7].replace("SKEW:", "**SKEW**:", 1)
        out.write("| " + " | ".join(c.replace("\n", " ") for c in cells) + " |\n")


def _md_summary(t: Timeline, files: FileLabels) -> list[tuple[str, str]]:
    """summary_of as Markdown: identifiers as code, free text escaped, `→`."""
    out = []
    clocks = iter(t.inputs)
    for k, v in summary_of(t, files):
        if k == "request" and t.request_id:
            v = md_code(v)
        elif k == "attached":
            v = ", ".join(md_code(r) for r in t.attached_requests)
        elif k == "instance":
            v = f"{md_text(t.display_name or '?')} ({md_code(t.instance_id or '?')})"
        elif k == "hosts":
            v = f"{md_code(t.source_host or '?')} → {md_code(t.destination_host or '?')}"
        elif k == "handler map":
            v = md_code(v)
        elif k == "clock":
            i = next(clocks)
            v = f"#{files.number[i.path]} {md_code(i.path)} {md_code(i.utc_offset)} ({md_text(i.how)})"
        else:
            v = md_text(v)
        out.append((k, v))
    return out


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
                w.writerow([_csv_cell(rec[c]) for c in TIMELINE_HOP_COLUMNS])


def _csv_cell(v: object) -> object:
    """Like the analyze csv: booleans `true`/`false`, null empty."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return v
