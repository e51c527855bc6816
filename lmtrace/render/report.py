"""`lmtrace analyze` output: a finished `Report` in every format.

- `json`: one object, `report_record` (field names in lmtrace.render.fields);
- `jsonl`: one migration object per line, written as it goes;
- `csv`: one row per migration, the scalar fields (`MIGRATION_COLUMNS`);
- `text`: plain and stable, for a terminal log or an incident review;
- `markdown`: the same content, pasteable into an incident document;
- `rich`: lmtrace.render.terminal.print_report.

Text and markdown show times as UTC `HH:MM:SS.mmm` (with the date where a
migration crosses midnight); the machine formats use UTC ISO 8601.
"""

from __future__ import annotations

import csv
import json
import os
import textwrap
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, timezone
from typing import TextIO

from ..correlate import Coverage
from ..events import LogKind
from ..load import InputSummary
from ..report import Firing, MigrationReport, PhaseReport, Reached, Report, Sighting, Verdict
from .fields import MIGRATION_COLUMNS, migration_record, migration_row, phase_name, report_record

__all__ = ["FileLabels", "write_report"]

WIDTH = 118  # text lines stay below 120 columns where the content allows
_LONG_NAME = 32  # a file name longer than this is shown as its input number (#1)
_LIST_STRETCHES = 3  # more coverage stretches than this are summed up in one line
_LIST_GAPS = 20


def write_report(report: Report, fmt: str, out: TextIO) -> None:
    """Write `report` to `out` as `fmt` (json, jsonl, csv, text, markdown, rich)."""
    if fmt == "json":
        json.dump(report_record(report), out, ensure_ascii=False, indent=2)
        out.write("\n")
    elif fmt == "jsonl":
        for m in report.migrations:
            out.write(json.dumps(migration_record(m), ensure_ascii=False))
            out.write("\n")
    elif fmt == "csv":
        w = csv.writer(out, lineterminator="\n")
        w.writerow(MIGRATION_COLUMNS)
        for m in report.migrations:
            w.writerow(migration_row(m))
    elif fmt == "text":
        _write_text(report, out)
    elif fmt == "markdown":
        _write_markdown(report, out)
    elif fmt == "rich":
        from .terminal import print_report

        print_report(report, out)
    else:  # pragma: no cover - click restricts the choices
        raise ValueError(fmt)


# ---------------------------------------------------------------------------
# what text, markdown and rich share


class FileLabels:
    """Short names for log files in tables: the file name, or `#N` (its
    number in the inputs list) when names collide or are long."""

    def __init__(self, inputs: Sequence[InputSummary]) -> None:
        self.number = {i.path: n for n, i in enumerate(inputs, 1)}
        names = [os.path.basename(i.path) or i.path for i in inputs]
        self._label: dict[str, str] = {}
        for n, (i, name) in enumerate(zip(inputs, names), 1):
            clash = names.count(name) > 1
            self._label[i.path] = f"#{n}" if clash or len(name) > _LONG_NAME else name

    def of(self, path: str) -> str:
        return self._label.get(path) or os.path.basename(path) or path

    def at(self, s: Sighting | None) -> str:
        return "-" if s is None else f"{self.of(s.path)}:{s.line}"


def _utc(dt: datetime) -> datetime:
    return dt.astimezone(timezone.utc) if dt.tzinfo is not None else dt


def clock(dt: datetime, *, dated: bool = False) -> str:
    """UTC `HH:MM:SS.mmm`, with the date in front when `dated`."""
    d = _utc(dt)
    t = f"{d:%H:%M:%S}.{d.microsecond // 1000:03d}"
    return f"{d:%Y-%m-%d} {t}" if dated else t


def span(m: MigrationReport) -> str:
    start, end = _utc(m.start), _utc(m.end)
    same_day = start.date() == end.date()
    return f"{clock(start, dated=True)} .. {clock(end, dated=not same_day)} UTC ({duration(end - start)})"


def duration(d: timedelta) -> str:
    secs = d.total_seconds()
    if secs < 60:
        return f"{secs:.3f} s"
    whole = int(secs)
    h, rest = divmod(whole, 3600)
    mins, s = divmod(rest, 60)
    return f"{h} h {mins:02d} min {s:02d} s" if h else f"{mins} min {s:02d} s"


def title(m: MigrationReport) -> str:
    """`req-… pdcmtest (87be4b45-…)`"""
    rid = m.request_id or "(no request id)"
    return f"{rid} {m.display_name or '?'} ({m.instance_id or 'instance unknown'})"


def route(m: MigrationReport, arrow: str = "->") -> str:
    return f"{m.source_host or '?'} {arrow} {m.destination_host or '?'}"


WOULD_ALL = "no zenpython log covers this migration: this is what Zenoss WOULD do"
WOULD_SOME = (
    "part of this migration lies outside zenpython's coverage: the phases marked 'would' "
    "show what Zenoss WOULD do"
)


def notices(m: MigrationReport) -> list[str]:
    """The plain facts an operator must not miss, beside reason and fix."""
    out = []
    if m.would:
        out.append(WOULD_ALL)
    elif any(p.reached is Reached.WOULD for p in m.phases):
        out.append(WOULD_SOME)
    return out


def details(m: MigrationReport) -> list[tuple[str, str]]:
    """(label, text) lines of one migration, after its verdict line."""
    rows = [("reason", m.reason), ("recommendation", m.recommendation or "none")]
    where = []
    if m.first_destination_phase:
        where.append(f"first carried by {m.first_destination_phase}")
    else:
        where.append("no phase carried it")
    if m.proof_phase:
        where.append(f"the move is proven by {m.proof_phase}")
    else:
        where.append("no post.dest.end seen: nothing proves the move")
    rows.append(("destination", "; ".join(where)))
    rows.append(("time", span(m)))
    if m.lost_phases:
        rows.append(("lost phases", ", ".join(m.lost_phases)))
    if m.corrected_by is not None:
        c = m.corrected_by
        text = f"{c.event_type} at {clock(c.time, dated=True)} UTC wrote {c.host}"
        last = _last_write(m.handlers)
        if last is not None and c.time >= last.time:
            text += f" ({duration(c.time - last.time)} after the last write by the migration)"
        rows.append(("corrected by", text))
    if m.order_sensitive:
        rows.append(("order-sensitive", "the last two host writes came less than 1 s apart"))
    if m.overlaps:
        rows.append(("overlaps", ", ".join(m.overlaps)))
    if m.attached_requests:
        rows.append(("attached requests", ", ".join(m.attached_requests)))
    if m.device:
        rows.append(("device", m.device))
    return rows


def _last_write(firings: Iterable[Firing]) -> Firing | None:
    writers = [f for f in firings if f.writes_host and f.host is not None]
    return writers[-1] if writers else None


PHASE_HEAD = (
    "time (UTC)",
    "phase",
    "side",
    "host_name",
    "collector",
    "zenpython",
    "reached",
    "handler",
)
FIRING_HEAD = ("time (UTC)", "phase", "handler", "host written", "context")


def _dated(m: MigrationReport) -> bool:
    return _utc(m.start).date() != _utc(m.end).date()


def phase_rows(m: MigrationReport, files: FileLabels) -> list[tuple[str, ...]]:
    dated = _dated(m)
    return [_phase_row(p, files, dated) for p in m.phases]


def _phase_row(p: PhaseReport, files: FileLabels, dated: bool) -> tuple[str, ...]:
    zen = files.at(p.zenpython)
    if p.dropped is not None:
        dropped = f"{p.dropped.status} {files.at(p.dropped)}"
        zen = dropped if zen == "-" else f"{zen}, {dropped}"
    return (
        clock(p.time, dated=dated),
        p.phase,
        p.side.value,
        p.host_name or "-",
        files.at(p.collector),
        zen,
        p.reached.value,
        p.handler or "-",
    )


def firing_rows(m: MigrationReport) -> list[tuple[str, ...]]:
    """Handler firings in the order Zenoss applied them."""
    dated = _dated(m) or any(_utc(f.time).date() != _utc(m.start).date() for f in m.handlers)
    rows: list[tuple[str, ...]] = []
    for f in m.handlers:
        if not f.writes_host:
            host = "(writes no host)"
        elif f.host is None:
            host = "(no host_name: nothing)"
        else:
            host = f.host + (" (assumed)" if f.assumed else "")
        rows.append(
            (
                clock(f.time, dated=dated),
                phase_name(f.event_type) or f.event_type,
                f.handler,
                host,
                "yes" if f.context else "no",
            )
        )
    return rows


def verdict_counts(report: Report) -> list[tuple[str, int]]:
    return [(v.value, report.summary.verdicts.get(v.value, 0)) for v in Verdict]


def input_line(i: InputSummary) -> str:
    c = i.lines
    return (
        f"{i.kind.value}, {c.total} lines: {c.parsed} parsed, {c.skipped} skipped, {c.malformed} malformed; "
        f"UTC offset {i.clock.label} ({i.clock.how})"
    )


def coverage_lines(i: InputSummary, cov: Coverage | None) -> list[str]:
    """What a zenpython log covers: its stretches (summed up past a few)
    and every gap, one line each; [] for a collector log."""
    if i.kind is not LogKind.ZENPYTHON:
        return []
    if cov is None or not cov.stretches:
        return ["coverage: none (no queued-event line: zenpython debug logging was off)"]
    st = cov.stretches
    if len(st) <= _LIST_STRETCHES:
        out = [
            f"covers: {clock(s.start, dated=True)} .. {clock(s.end, dated=True)} UTC" for s in st
        ]
    else:
        first, last = clock(st[0].start, dated=True), clock(st[-1].end, dated=True)
        out = [f"covers: {len(st)} stretches from {first} to {last} UTC"]
    gaps = cov.gaps
    for g in gaps[:_LIST_GAPS]:
        out.append(
            f"gap: {clock(g.start, dated=True)} .. {clock(g.end, dated=True)} UTC ({duration(g.end - g.start)})"
        )
    if len(gaps) > _LIST_GAPS:
        out.append(f"... and {len(gaps) - _LIST_GAPS} more gaps (all of them in --format json)")
    return out


def change_where(report: Report) -> str:
    h = report.handler_map
    where = "your TOML handler map" if h.shape == "toml" else "the ZenPack's events.py"
    return (
        f"In {where} (map {h.name}, shape {h.shape}), replace the live-migration entries with these, "
        "so that the host is written by post.dest.end, the phase that carries the destination:"
    )


NO_CHANGE = "none: no stale or missed migration here shows post.dest.end carrying the destination"


# ---------------------------------------------------------------------------
# text


def _wrap(label: str, text: str, indent: int = 2, pad: int = 19) -> list[str]:
    head = " " * indent + f"{label + ':':<{pad}}"
    return textwrap.wrap(
        text,
        width=WIDTH,
        initial_indent=head,
        subsequent_indent=" " * len(head),
        break_long_words=False,
        break_on_hyphens=False,
    ) or [head.rstrip()]


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], indent: int) -> list[str]:
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(head)]
    lines = [head, *rows]
    return [
        (" " * indent + "  ".join(c.ljust(w) for c, w in zip(r, widths))).rstrip() for r in lines
    ]


def _write_text(report: Report, out: TextIO) -> None:
    files = FileLabels(report.inputs)
    lines: list[str] = []
    add = lines.append
    n = len(report.migrations)
    add(f"lmtrace analyze: {n} live migration{'s' if n != 1 else ''}")
    add("")
    add("INPUTS")
    for i in report.inputs:
        num = files.number[i.path]
        add(f"  #{num} {i.path}")
        add(f"     {input_line(i)}")
        for c in coverage_lines(i, report.coverage.get(i.path)):
            add(f"     {c}")
    if not report.inputs:
        add("  none")
    h = report.handler_map
    add("")
    add("HANDLER MAP")
    add(f"  {h.name} (source: {h.source}; shape: {h.shape})")
    add("")
    add("SUMMARY")
    add(f"  migrations: {report.summary.migrations}")
    add("  verdicts:   " + "  ".join(f"{v} {c}" for v, c in verdict_counts(report)))
    add(f"  lost phases that no handler listens to: {report.summary.lost_unmapped}")
    add(f"  zenpython coverage gaps: {report.summary.coverage_gaps}")
    for note in report.summary.notes:
        lines.extend(_wrap("note", note, pad=6))
    if not report.migrations:
        add("")
        add("No live migration in the inputs (or none matched the filters).")
    for m in report.migrations:
        add("")
        add(f"MIGRATION {title(m)}")
        add(f"  {route(m)}  {m.outcome.value}  VERDICT: {m.verdict.value.upper()}")
        for notice in notices(m):
            add(f"  ! {notice}")
        for label, text in details(m):
            lines.extend(_wrap(label, text))
        add("  phases:")
        lines.extend(_table(PHASE_HEAD, phase_rows(m, files), 4))
        rows = firing_rows(m)
        if rows:
            add("  handler firings, in the order Zenoss applies them:")
            lines.extend(_table(FIRING_HEAD, rows, 4))
        else:
            add("  handler firings: none")
    add("")
    add("RECOMMENDED MAPPING CHANGE")
    change = report.summary.recommended_change
    if change:
        lines.extend(
            textwrap.wrap(
                change_where(report), width=WIDTH, initial_indent="  ", subsequent_indent="  "
            )
        )
        add("")
        lines.extend(change.rstrip("\n").split("\n"))
    else:
        add(f"  {NO_CHANGE}")
    add("")
    add("WARNINGS")
    for w in report.warnings:
        lines.extend(
            textwrap.wrap(
                w,
                width=WIDTH,
                initial_indent="  - ",
                subsequent_indent="    ",
                break_long_words=False,
            )
        )
    if not report.warnings:
        add("  none")
    out.write("\n".join(lines) + "\n")


# ---------------------------------------------------------------------------
# markdown

_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_<>[]|"})


def md_text(s: str) -> str:
    """Free text, escaped so that Markdown shows it as written."""
    return s.translate(_MD_SPECIAL)


def md_code(s: str) -> str:
    """An identifier as inline code (`|` escaped: it would split a table cell)."""
    if not s or s == "-":
        return s or "-"
    if "`" in s:
        return md_text(s)
    return "`" + s.replace("|", "\\|") + "`"


def _md_table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    out = [
        "| " + " | ".join(md_text(h) for h in head) + " |",
        "|" + "|".join("---" for _ in head) + "|",
    ]
    for r in rows:
        out.append("| " + " | ".join(c.replace("\n", " ") for c in r) + " |")
    return out


def _write_markdown(report: Report, out: TextIO) -> None:
    files = FileLabels(report.inputs)
    lines: list[str] = []
    add = lines.append
    n = len(report.migrations)
    add(f"# lmtrace analyze: {n} live migration{'s' if n != 1 else ''}")
    add("")
    add("## Inputs")
    add("")
    rows = []
    for i in report.inputs:
        c = i.lines
        rows.append(
            (
                f"#{files.number[i.path]}",
                md_code(i.path),
                i.kind.value,
                str(c.total),
                str(c.parsed),
                str(c.skipped),
                str(c.malformed),
                md_code(i.clock.label),
                md_text(i.clock.how),
            )
        )
    lines.extend(
        _md_table(
            (
                "#",
                "file",
                "kind",
                "lines",
                "parsed",
                "skipped",
                "malformed",
                "UTC offset",
                "offset",
            ),
            rows,
        )
    )
    for i in report.inputs:
        cov = coverage_lines(i, report.coverage.get(i.path))
        if cov:
            add("")
            add(f"Coverage of {md_code(i.path)}:")
            add("")
            lines.extend(f"- {md_text(c)}" for c in cov)
    add("")
    h = report.handler_map
    add(
        f"**Handler map:** {md_code(h.name)} (source: {md_code(h.source)}; shape: {md_code(h.shape)})"
    )
    add("")
    add("## Summary")
    add("")
    lines.extend(
        _md_table(("verdict", "migrations"), [(v, str(c)) for v, c in verdict_counts(report)])
    )
    add("")
    add(f"- migrations: {report.summary.migrations}")
    add(f"- lost phases that no handler listens to: {report.summary.lost_unmapped}")
    add(f"- zenpython coverage gaps: {report.summary.coverage_gaps}")
    for note in report.summary.notes:
        add(f"- note: {md_text(note)}")
    if not report.migrations:
        add("")
        add("No live migration in the inputs (or none matched the filters).")
    for m in report.migrations:
        add("")
        rid = md_code(m.request_id) if m.request_id else "(no request id)"
        add(
            f"## Migration {rid} {md_text(m.display_name or '?')} ({md_code(m.instance_id or 'instance unknown')})"
        )
        add("")
        add(
            f"{md_code(m.source_host or '?')} → {md_code(m.destination_host or '?')} · {m.outcome.value} · "
            f"**VERDICT: {m.verdict.value.upper()}**"
        )
        for notice in notices(m):
            add("")
            add(f"> **{md_text(notice[0].upper() + notice[1:])}.**")
        add("")
        for label, text in details(m):
            add(f"- **{md_text(label[0].upper() + label[1:])}:** {md_text(text)}")
        add("")
        add("### Phases")
        add("")
        prow = [
            (
                r[0],
                md_code(r[1]),
                r[2],
                md_code(r[3]),
                md_code(r[4]),
                md_code(r[5]),
                r[6],
                md_code(r[7]),
            )
            for r in phase_rows(m, files)
        ]
        lines.extend(_md_table(PHASE_HEAD, prow))
        add("")
        add("### Handler firings, in the order Zenoss applies them")
        add("")
        frows = [(r[0], md_code(r[1]), md_code(r[2]), md_text(r[3]), r[4]) for r in firing_rows(m)]
        if frows:
            lines.extend(_md_table(FIRING_HEAD, frows))
        else:
            add("None.")
    add("")
    add("## Recommended mapping change")
    add("")
    change = report.summary.recommended_change
    if change:
        add(md_text(change_where(report)))
        add("")
        add("```toml" if report.handler_map.shape == "toml" else "```python")
        lines.extend(change.rstrip("\n").split("\n"))
        add("```")
    else:
        add(md_text(NO_CHANGE[0].upper() + NO_CHANGE[1:]) + ".")
    add("")
    add("## Warnings")
    add("")
    lines.extend(f"- {md_text(w)}" for w in report.warnings)
    if not report.warnings:
        add("None.")
    out.write("\n".join(lines) + "\n")
