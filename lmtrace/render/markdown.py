"""Markdown: the analyze report and the timelines, pasteable into an incident document."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from ..findings import (
    Report,
)
from ..hops import Timeline
from ..operations import no_change
from .common import (
    FIRING_HEAD,
    PHASE_HEAD,
    FileLabels,
    change_where,
    coverage_lines,
    details,
    firing_rows,
    heading,
    headline,
    none_matched,
    notices,
    operation_counts,
    phase_rows,
    skipped_why,
    verdict_counts,
)
from .hoprows import (
    HEAD,
    labels_of,
    rows_of,
    summary_of,
)
from .overview import Section, View, group_section, overview_sections, rest_line
from .pathfields import handler_map_why, pipeline_lines

__all__ = ["md_code", "md_table", "md_text", "write_report_markdown", "write_timeline_markdown"]


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


md_table = _md_table  # the fleet summary's tables (lmtrace.render.fleetsummary)


def md_section(s: Section) -> list[str]:
    """A compact-report table in Markdown: a heading, the table (pastes into
    an incident document), then what follows it."""
    out = [f"## {md_text(s.title)}", ""]
    if s.rows:
        out.extend(_md_table(s.head, [tuple(md_text(c) for c in r) for r in s.rows]))
    if s.more:
        out.extend(["", md_text(s.more)] if s.rows else [md_text(s.more)])
    return out


def write_report_markdown(report: Report, out: TextIO, view: View | None = None) -> None:
    """The report; in full or compact as `view` says (see write_report_text)."""
    view = view or View()
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
                f"{c.skipped} ({md_text(why)})" if (why := skipped_why(i)) else str(c.skipped),
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
    if (chosen := handler_map_why(h)) is not None:
        add("")
        add(md_text(chosen))
    if report.pipeline is not None:
        add("")
        add("**Pipeline (3.x/4.x: HTTP publisher → zenopenstack):**")
        add("")
        lines.extend(f"- {md_text(files.text(pl))}" for pl in pipeline_lines(report.pipeline))
    add("")
    add("## Summary")
    add("")
    lines.extend(
        _md_table(("verdict", "migrations"), [(v, str(c)) for v, c in verdict_counts(report)])
    )
    add("")
    add(f"- migrations: {report.summary.migrations}")
    kinds = operation_counts(report)
    if kinds is not None:
        add(f"- operations: {md_text(kinds)}")
    add(f"- lost phases that no handler listens to: {report.summary.lost_unmapped}")
    add(f"- zenpython coverage gaps: {report.summary.coverage_gaps}")
    for note in report.summary.notes:
        add(f"- note: {md_text(note)}")
    if not report.migrations:
        add("")
        add(md_text(none_matched(report)))
    full = view.full(report)
    sections = overview_sections(report, view, "→") if report.migrations and not full else []
    if full:
        sections = [group_section(report.migrations, by, view) for by in view.group_by]
    for s in sections:
        add("")
        lines.extend(md_section(s))
    shown = report.migrations[: view.cut(len(report.migrations))] if full else ()
    for m in shown:
        add("")
        rid = md_code(m.request_id) if m.request_id else "(no request id)"
        add(
            f"## {heading(m).capitalize()} {rid} {md_text(m.display_name or '?')} ({md_code(m.instance_id or 'instance unknown')})"
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
    if full and len(shown) < len(report.migrations):
        add("")
        add(rest_line(report.migrations, len(shown)))
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
        none = no_change(report.summary.operations)
        add(md_text(none[0].upper() + none[1:]) + ".")
    add("")
    add("## Warnings")
    add("")
    lines.extend(f"- {md_text(w)}" for w in report.warnings)
    if not report.warnings:
        add("None.")
    out.write("\n".join(lines) + "\n")


def write_timeline_markdown(t: Timeline, out: TextIO) -> None:
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
    if t.mapping_change:
        out.write(f"\n**Recommended mapping change.** {md_text(t.mapping_change_where or '')}\n\n")
        fence = "```toml" if "TOML" in (t.mapping_change_where or "") else "```python"
        out.write(f"{fence}\n" + t.mapping_change.rstrip("\n") + "\n```\n")


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
