"""`lmtrace analyze` output: a finished `Report` in every format.

- `json`: one object, `report_record` (field names in lmtrace.render.fields);
- `jsonl`: one migration object per line, written as it goes;
- `csv`: one row per migration, the scalar fields (`MIGRATION_COLUMNS`);
- `text`: plain and stable, for a terminal log or an incident review;
- `markdown`: the same content, pasteable into an incident document;
- `rich`: lmtrace.render.terminal.print_report.

Text and markdown show times as UTC `HH:MM:SS.mmm`, cut to milliseconds like
the durations between them (lmtrace.humantime; with the date where a
migration crosses midnight); the machine formats use UTC ISO 8601. Files are
named by the same labels everywhere in a human report: `collector.log:9` in
tables and sentences alike (`#1:9` for a long or clashing name), with the
inputs list as the legend.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shlex
import textwrap
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from typing import TextIO

from ..correlate import Coverage
from ..events import LogKind
from ..humantime import clock, duration, elapsed
from ..load import InputSummary
from ..report import (
    AppliedFilters,
    Firing,
    MigrationReport,
    PhaseReport,
    Reached,
    Report,
    Sighting,
    Verdict,
)
from .fields import MIGRATION_COLUMNS, migration_record, migration_row, phase_name, report_record

__all__ = ["FileLabels", "clock", "duration", "filters_text", "headline", "none_matched", "write_report"]

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
    """Short names for log files in tables and sentences: the file name, or
    `#N` (its number in the inputs list, which is the legend) when names
    collide or are long. `paths` are the inputs' paths, in input order."""

    def __init__(self, paths: Iterable[str]) -> None:
        order = list(dict.fromkeys(paths))
        self.number = {p: n for n, p in enumerate(order, 1)}
        names = [os.path.basename(p) or p for p in order]
        self._label: dict[str, str] = {}
        for n, (p, name) in enumerate(zip(order, names), 1):
            clash = names.count(name) > 1
            self._label[p] = f"#{n}" if clash or len(name) > _LONG_NAME else name
        # `path:line` of an input inside free text; longest paths first, and not
        # inside a longer path (`other/collector.log:9` is not `collector.log:9`)
        alts = "|".join(re.escape(p) for p in sorted(order, key=len, reverse=True))
        self._ref = re.compile(rf"(?<![\w./-])({alts}):(\d+)") if order else None

    def of(self, path: str) -> str:
        return self._label.get(path) or os.path.basename(path) or path

    def at(self, s: Sighting | None) -> str:
        return "-" if s is None else f"{self.of(s.path)}:{s.line}"

    def line(self, path: str | None, line: int | None) -> str:
        """`collector.log:9` for a path and line; "" without a path."""
        return "" if path is None else f"{self.of(path)}:{line}"

    def text(self, s: str) -> str:
        """Free text (a reason) with every `path:line` of an input written as
        the tables write it, so that one report uses one style."""
        if self._ref is None:
            return s
        return self._ref.sub(lambda mo: f"{self.of(mo.group(1))}:{mo.group(2)}", s)


def _utc(dt: datetime) -> datetime:
    return dt.astimezone(timezone.utc) if dt.tzinfo is not None else dt


def span(m: MigrationReport) -> str:
    """`2017-01-23 06:02:40.000 .. 06:03:00.957 UTC (20.957 s)`: times and
    duration both cut to milliseconds, so that they add up."""
    start, end = _utc(m.start), _utc(m.end)
    same_day = start.date() == end.date()
    return (
        f"{clock(start, dated=True)} .. {clock(end, dated=not same_day)} UTC "
        f"({duration(elapsed(start, end))})"
    )


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


def details(m: MigrationReport, files: FileLabels) -> list[tuple[str, str]]:
    """(label, text) lines of one migration, after its verdict line. The
    reason says when the result is order-sensitive (not a row of its own:
    said once)."""
    rows = [
        ("reason", files.text(m.reason)),
        ("recommendation", files.text(m.recommendation) if m.recommendation else "none"),
    ]
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
            text += f" ({duration(elapsed(last.time, c.time))} after the last write by the migration)"
        rows.append(("corrected by", text))
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
_ZEN = PHASE_HEAD.index("zenpython")
_SIDE = PHASE_HEAD.index("side")
#: the side as the text table writes it, to stay within WIDTH
_TEXT_SIDE = {"destination": "dest", "source": "source"}


def _dated(m: MigrationReport) -> bool:
    return _utc(m.start).date() != _utc(m.end).date()


def phase_rows(m: MigrationReport, files: FileLabels) -> list[tuple[str, ...]]:
    """One row per phase (PHASE_HEAD); a phase zenpython dropped shows both
    lines in its zenpython cell: `zenpython.log:10, discarded zenpython.log:12`."""
    dated = _dated(m)
    rows = []
    for p in m.phases:
        cells, dropped = _phase_cells(p, files, dated)
        if dropped is not None:
            zen = cells[_ZEN]
            cells = (*cells[:_ZEN], dropped if zen == "-" else f"{zen}, {dropped}", *cells[_ZEN + 1 :])
        rows.append(cells)
    return rows


def _phase_cells(p: PhaseReport, files: FileLabels, dated: bool) -> tuple[tuple[str, ...], str | None]:
    """The row's cells, and `discarded zenpython.log:12` when zenpython dropped it."""
    dropped = None if p.dropped is None else f"{p.dropped.status} {files.at(p.dropped)}"
    return (
        clock(p.time, dated=dated),
        p.phase,
        p.side.value,
        p.host_name or "-",
        files.at(p.collector),
        files.at(p.zenpython),
        p.reached.value,
        p.handler or "-",
    ), dropped


def text_phase_table(m: MigrationReport, files: FileLabels, indent: int = 4) -> list[str]:
    """The phase table of the text report, kept within WIDTH where the
    values allow: the side reads `dest`/`source`, and the line where
    zenpython dropped a phase goes on a line of its own below the phase's
    row, under the zenpython column."""
    dated = _dated(m)
    rows: list[tuple[str, ...]] = []
    below: list[tuple[int, str] | None] = []
    for p in m.phases:
        cells, dropped = _phase_cells(p, files, dated)
        side = _TEXT_SIDE.get(cells[_SIDE], cells[_SIDE])
        rows.append((*cells[:_SIDE], side, *cells[_SIDE + 1 :]))
        below.append(None if dropped is None else (_ZEN, dropped))
    return _table(PHASE_HEAD, rows, indent, below=below)


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


def _when(option: str, dt: datetime, text: str | None) -> str:
    at = f"{clock(_utc(dt), dated=True)} UTC"
    return f"{option} {at}" if text is None else f"{option} {text} ({at})"


def filters_text(f: AppliedFilters) -> str | None:
    """`--since 10m (2017-01-23 06:12:51.000 UTC), --verdict ok`: the
    filters as applied, times resolved to UTC; None when there are none."""
    if not f.active:
        return None
    parts = []
    if f.since is not None:
        parts.append(_when("--since", f.since, f.since_text))
    if f.until is not None:
        parts.append(_when("--until", f.until, f.until_text))
    for option, value in (
        ("--instance", f.instance),
        ("--request", f.request),
        ("--host", f.host),
        ("--device", f.device),
    ):
        if value is not None:
            parts.append(f"{option} {shlex.quote(value)}")
    if f.verdicts is not None:
        parts.append("--verdict " + (",".join(v.value for v in f.verdicts) or "''"))
    return ", ".join(parts)


def _in_logs(report: Report) -> int:
    s = report.summary
    return s.migrations if s.migrations_in_logs is None else s.migrations_in_logs


def headline(report: Report) -> str:
    """`5 live migrations`, or with filters `1 of 5 live migrations (filters: --verdict ok)`:
    a filtered report says what it hides."""
    n = len(report.migrations)
    applied = filters_text(report.filters)
    if applied is None:
        return f"{n} live migration{'s' if n != 1 else ''}"
    total = _in_logs(report)
    return f"{n} of {total} live migration{'s' if total != 1 else ''} (filters: {applied})"


def none_matched(report: Report) -> str:
    """The line of a report without migrations."""
    total = _in_logs(report)
    if report.filters.active and total:
        return f"None of the {total} live migration{'s' if total != 1 else ''} in the inputs matched the filters."
    if report.filters.active:
        return "No live migration in the inputs (so none matched the filters)."
    return "No live migration in the inputs."


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
            f"gap: {clock(g.start, dated=True)} .. {clock(g.end, dated=True)} UTC "
            f"({duration(elapsed(g.start, g.end))})"
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


def _table(
    head: Sequence[str],
    rows: Sequence[Sequence[str]],
    indent: int,
    *,
    below: Sequence[tuple[int, str] | None] = (),
) -> list[str]:
    """Columns padded to their widest cell. `below[n]`, when given, is a
    (column, text) line printed under row n, starting at that column."""
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(head)]

    def fmt(r: Sequence[str]) -> str:
        return (" " * indent + "  ".join(c.ljust(w) for c, w in zip(r, widths))).rstrip()

    out = [fmt(head)]
    for n, r in enumerate(rows):
        out.append(fmt(r))
        extra = below[n] if n < len(below) else None
        if extra is not None:
            col, text = extra
            out.append(" " * (indent + sum(widths[:col]) + 2 * col) + text)
    return out


def _write_text(report: Report, out: TextIO) -> None:
    files = FileLabels(i.path for i in report.inputs)
    lines: list[str] = []
    add = lines.append
    add(f"lmtrace analyze: {headline(report)}")
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
        add(none_matched(report))
    for m in report.migrations:
        add("")
        add(f"MIGRATION {title(m)}")
        add(f"  {route(m)}  {m.outcome.value}  VERDICT: {m.verdict.value.upper()}")
        for notice in notices(m):
            add(f"  ! {notice}")
        for label, text in details(m, files):
            lines.extend(_wrap(label, text))
        add("  phases:")
        lines.extend(text_phase_table(m, files))
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
    files = FileLabels(i.path for i in report.inputs)
    lines: list[str] = []
    add = lines.append
    add(f"# lmtrace analyze: {md_text(headline(report))}")
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
        add(md_text(none_matched(report)))
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
        for label, text in details(m, files):
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
