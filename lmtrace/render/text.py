"""Plain text: the analyze report and the timelines, stable, for a terminal log or an incident review."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TextIO

from ..findings import (
    MigrationReport,
    Report,
)
from ..hops import Timeline
from ..operations import no_change
from .common import (
    FIRING_HEAD,
    PHASE_HEAD,
    WIDTH,
    ZEN_COLUMN,
    FileLabels,
    change_where,
    crosses_midnight,
    details,
    firing_rows,
    heading,
    headline,
    input_facts,
    none_matched,
    notices,
    operation_counts,
    phase_cells,
    route,
    title,
    verdict_counts,
)
from .hoprows import (
    HEAD,
    Row,
    labels_of,
    rows_of,
    summary_of,
)
from .overview import Section, View, group_section, overview_sections, rest_line
from .pathfields import handler_map_why, pipeline_lines

__all__ = ["TEXT_HEAD", "text_phase_table", "write_report_text", "write_timeline_text"]

_SIDE = PHASE_HEAD.index("side")
#: the side as the text table writes it, to stay within WIDTH
_TEXT_SIDE = {"destination": "dest", "source": "source", "neither": "neither"}


def text_phase_table(m: MigrationReport, files: FileLabels, indent: int = 4) -> list[str]:
    """The phase table of the text report, kept within WIDTH where the
    values allow: the side reads `dest`/`source`, and the line where
    zenpython dropped a phase goes on a line of its own below the phase's
    row, under the zenpython column."""
    dated = crosses_midnight(m)
    rows: list[tuple[str, ...]] = []
    below: list[tuple[int, str] | None] = []
    for p in m.phases:
        cells, dropped = phase_cells(p, files, dated)
        side = _TEXT_SIDE.get(cells[_SIDE], cells[_SIDE])
        rows.append((*cells[:_SIDE], side, *cells[_SIDE + 1 :]))
        below.append(None if dropped is None else (ZEN_COLUMN, dropped))
    out = _table(PHASE_HEAD, rows, indent, below=below)
    if indent > 2 and any(len(x) > WIDTH for x in out):
        # long phase names (resize.confirm.start) and line numbers: less indent
        out = _table(PHASE_HEAD, rows, 2, below=below)
    return out


def _para(text: str) -> list[str]:
    return textwrap.wrap(text, width=WIDTH, initial_indent="  ", subsequent_indent="    ", break_long_words=False)


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


def section_lines(s: Section, indent: int = 2) -> list[str]:
    """A compact-report table as text: counts right-aligned, then what follows it."""
    lines = [s.title.upper() if s.title[:1].isalpha() else s.title]
    if s.rows:
        widths = [max([len(h)] + [len(r[i]) for r in s.rows]) for i, h in enumerate(s.head)]

        def fmt(r: Sequence[str]) -> list[str]:
            cells = [c.rjust(w) if i in s.numeric else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))]
            line = (" " * indent + "  ".join(cells)).rstrip()
            if len(line) <= WIDTH:
                return [line]
            # the last column (a reason) wraps under itself
            at = len(line) - len(cells[-1].rstrip())
            return textwrap.wrap(
                r[-1], width=WIDTH, initial_indent=line[:at], subsequent_indent=" " * at, break_long_words=False
            ) or [line]

        lines.extend(fmt(s.head))
        for r in s.rows:
            lines.extend(fmt(r))
    if s.more:
        lines.extend(
            textwrap.wrap(s.more, width=WIDTH, initial_indent=" " * indent, subsequent_indent=" " * (indent + 4))
        )
    return lines


def write_report_text(report: Report, out: TextIO, view: View | None = None) -> None:
    """The report: every migration in full when `view` says so (few
    migrations, or --details), else the compact overview (lmtrace.render.overview)."""
    view = view or View()
    files = FileLabels(i.path for i in report.inputs)
    lines: list[str] = []
    add = lines.append
    add(f"lmtrace analyze: {headline(report)}")
    add("")
    add("INPUTS")
    for i in report.inputs:
        num = files.number[i.path]
        add(f"  #{num} {i.path}")
        for c in input_facts(i, report.coverage.get(i.path)):
            lines.extend(textwrap.wrap(c, width=WIDTH, initial_indent="     ", subsequent_indent="       "))
    if not report.inputs:
        add("  none")
    h = report.handler_map
    add("")
    add("HANDLER MAP")
    add(f"  {h.name} (source: {h.source}; shape: {h.shape})")
    if (why := handler_map_why(h)) is not None:
        lines.extend(_para(why))
    if report.pipeline is not None:
        add("")
        add("PIPELINE (3.x/4.x: HTTP publisher -> zenopenstack)")
        for pl in pipeline_lines(report.pipeline):
            lines.extend(_para(files.text(pl)))
    add("")
    add("SUMMARY")
    add(f"  migrations: {report.summary.migrations}")
    kinds = operation_counts(report)
    if kinds is not None:
        add(f"  operations: {kinds}")
    add("  verdicts:   " + "  ".join(f"{v} {c}" for v, c in verdict_counts(report)))
    add(f"  lost phases that no handler listens to: {report.summary.lost_unmapped}")
    add(f"  zenpython coverage gaps: {report.summary.coverage_gaps}")
    for note in report.summary.notes:
        lines.extend(_wrap("note", note, pad=6))
    if not report.migrations:
        add("")
        add(none_matched(report))
    if report.migrations and not view.full(report):
        for s in overview_sections(report, view):
            add("")
            lines.extend(section_lines(s))
        _tail(report, lines)
        out.write("\n".join(lines) + "\n")
        return
    for by in view.group_by:
        add("")
        lines.extend(section_lines(group_section(report.migrations, by, view)))
    shown = report.migrations[: view.cut(len(report.migrations))]
    for m in shown:
        add("")
        add(f"{heading(m).upper()} {title(m)}")
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
    if len(shown) < len(report.migrations):
        add("")
        add(rest_line(report.migrations, len(shown)))
    _tail(report, lines)
    out.write("\n".join(lines) + "\n")


def _tail(report: Report, lines: list[str]) -> None:
    """The mapping change and the warnings: the end of every text report."""
    add = lines.append
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
        add(f"  {no_change(report.summary.operations)}")
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


#: the text table's columns: HEAD without the note (see write_timeline_text)
TEXT_HEAD = HEAD[:-1]


_LOCAL = HEAD.index("local time (as logged)")


def write_timeline_text(t: Timeline, out: TextIO) -> None:
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
    if t.mapping_change:
        out.write("\nRecommended mapping change\n")
        out.writelines(
            x + "\n"
            for x in textwrap.wrap(
                t.mapping_change_where or "", WIDTH, initial_indent="  ", subsequent_indent="  "
            )
        )
        out.write("\n" + t.mapping_change.rstrip("\n") + "\n")


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
