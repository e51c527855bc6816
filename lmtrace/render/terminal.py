"""Rich output for a terminal. The only module that imports rich."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, TextIO

from rich import box
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..load import EventStream
from ..progress import OnProgress, Progress
from ..report import MigrationReport, Report
from .fields import iso
from .report import (
    FIRING_HEAD,
    NO_CHANGE,
    PHASE_HEAD,
    FileLabels,
    change_where,
    coverage_lines,
    details,
    firing_rows,
    input_line,
    notices,
    phase_rows,
    route,
    title,
    verdict_counts,
)

if TYPE_CHECKING:
    from ..timeline import Timeline
    from .timeline import Row as TimelineRow

__all__ = ["VERDICT_STYLE", "console_for", "print_events", "print_report", "print_timelines"]

# ok green; stale and lost red, missed yellow (the model is wrong);
# failed magenta, incomplete dim (nothing to fix in the mapping)
VERDICT_STYLE = {
    "ok": "bold green",
    "stale": "bold red",
    "lost": "bold red",
    "missed": "bold yellow",
    "failed": "bold magenta",
    "incomplete": "dim",
}


def console_for(out: TextIO) -> Console:
    # rich honours NO_COLOR and FORCE_COLOR itself
    return Console(file=out, highlight=False, soft_wrap=False)


def print_events(stream: EventStream, out: TextIO) -> None:
    console = console_for(out)
    table = Table(title=f"{len(stream.events)} events", title_justify="left", expand=False)
    for col in ("time (UTC)", "file:line", "status", "event type", "request", "name", "host"):
        table.add_column(col, overflow="fold")
    for e in stream.events:
        t = iso(e.logged_at or e.time) or "-"
        table.add_row(
            t.replace("T", " ").rstrip("Z")[:23],
            f"{e.source.path}:{e.source.line}",
            e.status.value,
            e.event_type.replace("compute.instance.", ""),
            e.request_id or "-",
            e.display_name or "-",
            e.host_name or "-",
        )
    console.print(table)


def _verdict(v: str) -> Text:
    return Text(v.upper(), style=VERDICT_STYLE.get(v, ""))


def _table(head: tuple[str, ...], rows: list[tuple[str, ...]], **kw: object) -> Table:
    table = Table(expand=False, box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, collapse_padding=True, **kw)  # type: ignore[arg-type]
    for col in head:
        # a column is never squeezed below its longest value up to 15 characters
        # (times, phase names, hosts), so narrow terminals fold only long cells
        width = min(15, max([4] + [len(r[len(table.columns)]) for r in rows]))
        table.add_column(col, overflow="fold", min_width=width)
    for r in rows:
        # Text cells: log values are never read as rich markup
        table.add_row(*(Text(c) for c in r))
    return table


def print_report(report: Report, out: TextIO | Console) -> None:
    """The report for a terminal: inputs, a summary table, one panel per
    migration, the mapping change and warnings. `out` is a stream or a
    ready Console (tests pass one with a fixed width)."""
    console = out if isinstance(out, Console) else console_for(out)
    files = FileLabels(i.path for i in report.inputs)

    inputs = Table(title="inputs", title_justify="left", expand=False, show_header=False)
    inputs.add_column("#")
    inputs.add_column("file", overflow="fold")
    inputs.add_column("lines and clock", overflow="fold")
    for i in report.inputs:
        facts = "\n".join([input_line(i), *coverage_lines(i, report.coverage.get(i.path))])
        inputs.add_row(f"#{files.number[i.path]}", Text(i.path), Text(facts))
    console.print(inputs)
    h = report.handler_map
    console.print(Text(f"handler map: {h.name} (source: {h.source}; shape: {h.shape})"))

    counts = "  ".join(f"{v} {c}" for v, c in verdict_counts(report))
    summary = Table(
        title=f"{report.summary.migrations} live migration(s)",
        caption=counts,
        title_justify="left",
        caption_justify="left",
        expand=False,
    )
    for col in ("migration", "name", "source → destination", "outcome", "verdict"):
        summary.add_column(col, overflow="fold")
    for m in report.migrations:
        summary.add_row(
            Text(m.label), Text(m.display_name or "?"), Text(route(m, "→")), m.outcome.value, _verdict(m.verdict.value)
        )
    console.print(summary)
    for note in report.summary.notes:
        console.print(Text(f"note: {note}"))

    for m in report.migrations:
        console.print(_panel(m, files))
        for part in _tables(m, files):
            console.print(part)

    change = report.summary.recommended_change
    if change:
        # printed bare, not in a panel, so that it copies cleanly into events.py
        console.rule("recommended mapping change", align="left")
        console.print(Text(change_where(report)))
        console.print(Text(change.rstrip("\n"), style="bold"), soft_wrap=True)
    else:
        console.print(Text(f"recommended mapping change: {NO_CHANGE}"))
    for w in report.warnings:
        console.print(Text(f"warning: {w}", style="yellow"))


def _panel(m: MigrationReport, files: FileLabels) -> Panel:
    v = m.verdict.value
    head = Text.assemble(route(m, "→"), "  ", m.outcome.value, "  verdict: ", _verdict(v))
    parts: list[RenderableType] = [head]
    for notice in notices(m):
        parts.append(Text(f"! {notice}", style="bold"))
    for label, text in details(m, files):
        parts.append(Text.assemble((f"{label}: ", "bold"), text))
    return Panel(
        Group(*parts),
        title=Text(title(m)),
        title_align="left",
        border_style=VERDICT_STYLE.get(v, "").replace("bold ", "") or "none",
        expand=False,
    )


def _tables(m: MigrationReport, files: FileLabels) -> list[RenderableType]:
    """The phase and firing tables, printed below the panel at full width."""
    # side is shown by colour (destination green, source yellow), not a column
    head = tuple(c for c in PHASE_HEAD if c != "side")
    side_at = PHASE_HEAD.index("side")
    rows = [r[:side_at] + r[side_at + 1 :] for r in phase_rows(m, files)]
    phases = _table(head, rows, title="phases", title_justify="left")
    for p, row in zip(m.phases, phases.rows):
        row.style = "green" if p.side.value == "destination" else "yellow"
    out: list[RenderableType] = [phases]
    firings = firing_rows(m)
    if firings:
        out.append(_table(FIRING_HEAD, firings, title="handler firings, in the order Zenoss applies them", title_justify="left"))
    else:
        out.append(Text("handler firings: none"))
    return out


def print_timelines(timelines: Sequence[Timeline], out: TextIO, *, heading: str | None = None) -> None:
    """`lmtrace timeline` on a terminal: a summary and a hop table per
    migration (rows as lmtrace.render.timeline.rows_of builds them)."""
    from .timeline import HEAD as TIMELINE_HEAD
    from .timeline import rows_of, summary_of

    console = console_for(out)
    if heading:
        console.print(Text(heading, style="bold"))
    for t in timelines:
        summary = Table.grid(padding=(0, 2))
        summary.add_column(style="bold")
        summary.add_column(overflow="fold")
        for k, v in summary_of(t):
            style = VERDICT_STYLE.get(t.verdict.value, "") if k == "verdict" and t.verdict else ""
            summary.add_row(k, Text(v, style=style))
        table = Table(expand=False, show_lines=False)
        for col in TIMELINE_HEAD:
            table.add_column(col, overflow="fold")
        for r in rows_of(t):
            cells = [Text(c) for c in r.cells]
            if r.first:
                cells[0].stylize("bold")
                if r.entry.host_changed:
                    cells[1].stylize("bold magenta")
                if r.entry.skew:
                    cells[7].stylize("bold yellow")
                if r.entry.context:
                    cells[0].stylize("dim")
            if r.hop.missing:
                # did not happen: red; no log could see it, or nothing to run: dim
                cells[3].stylize("dim" if r.hop.unknown or r.hop.not_applicable else "bold red")
            elif r.hop.inferred:
                cells[3].stylize("italic")
            if r.hop.delay is not None and r.hop.delay.total_seconds() < 0:
                cells[6].stylize("bold yellow")
            table.add_row(*cells, end_section=_last_hop(r))
        console.print(
            Panel(
                Group(summary, table),
                title=Text(f"Timeline: {t.title}"),
                title_align="left",
                border_style=(VERDICT_STYLE.get(t.verdict.value, "") if t.verdict else "").replace("bold ", "")
                or "none",
                expand=False,
            )
        )


def _last_hop(r: TimelineRow) -> bool:
    return r.hop is r.entry.hops[-1]


@contextlib.contextmanager
def progress_bar(err: TextIO) -> Iterator[OnProgress]:
    """A transient progress bar on `err` (stderr: never the report's
    stream): bytes read of the inputs' size, events, then the analysis
    stage. Yields the callback the library calls (lmtrace.progress)."""
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        TextColumn,
        TimeElapsedColumn,
        TransferSpeedColumn,
    )
    from rich.progress import (
        Progress as Bar,
    )

    bar = Bar(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TextColumn("{task.fields[events]} events"),
        TimeElapsedColumn(),
        console=Console(file=err, stderr=True),
        transient=True,
    )
    task = bar.add_task("reading", total=None, events="0")

    def on_progress(p: Progress) -> None:
        what = {"reading": f"reading {p.files_done}/{p.files_total} files"}.get(p.stage, p.stage)
        if p.migrations is not None:
            what += f", {p.migrations} migrations"
        bar.update(
            task,
            description=what,
            completed=p.bytes_read,
            total=p.bytes_total or None,
            events=f"{p.events:,}",
        )

    with bar:
        yield on_progress
