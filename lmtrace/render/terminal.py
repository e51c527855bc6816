"""Rich output for a terminal. The only module that imports rich."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from rich import box
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..findings import MigrationReport, Report
from ..load import EventStream
from ..operations import no_change
from ..progress import OnProgress, Progress
from .common import (
    FIRING_HEAD,
    PHASE_HEAD,
    FileLabels,
    change_where,
    details,
    event_rows,
    firing_rows,
    headline,
    input_facts,
    notices,
    phase_rows,
    route,
    title,
    verdict_counts,
)
from .hoprows import HEAD as TIMELINE_HEAD
from .hoprows import Row, rows_of, summary_of
from .overview import Section, View, group_section, overview_sections, rest_line
from .pathfields import handler_map_why, pipeline_lines

if TYPE_CHECKING:
    from ..hops import Timeline

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


def print_events(stream: EventStream, out: TextIO | Console) -> None:
    console = out if isinstance(out, Console) else console_for(out)
    title, head, rows = event_rows(stream)
    records = _records(head, rows)
    layouts = [
        [_col(h) for h in head[:7]],
        [_col("time (UTC) / file:line", "time (UTC)", "file:line"), _col("event type / status", "event type", "status"),
         _col("request / name", "request", "name"), _col("host")],
        # 80 columns: two lines an event
        [_col("time (UTC) / file:line", "time (UTC)", "file:line"),
         _col("event type (status) / request", "event type (status)", "request"), _col("host / name", "host", "name")],
        [_col("time (UTC) / file:line / status", "time (UTC)", "file:line", "status"),
         _col("request / event type / name", "request", "event type", "name"), _col("host")],
    ]
    console.print(_fit(console.width, layouts, records, title=title))


def _verdict(v: str) -> Text:
    return Text(v.upper(), style=VERDICT_STYLE.get(v, ""))


# ---------------------------------------------------------------------------
# tables that fit the terminal
#
# A table is a list of records (column name -> Text) and layouts to try in
# turn: each layout is a tuple of columns, a column one or more record fields
# stacked in one cell (`time (UTC)` over `file:line`). A field is a VALUE
# (time, file:line, host, phase, id: never folded, never cropped) or free
# TEXT (notes, reasons: wraps at spaces). The first layout whose values fit
# the width is drawn; when none does, the records are printed one field a
# line (_vertical), so a narrow terminal never breaks a value.

VALUE, TEXT = "value", "text"
#: a free text column is never narrower than this (or its longest word)
TEXT_MIN = 20
#: between two columns of the compact box (SIMPLE_HEAD, collapse_padding)
GAP = 2


@dataclass
class Column:
    head: str
    fields: tuple[str, ...]
    kind: str = VALUE
    min: int = 0  # a TEXT column's own minimum width


@dataclass
class Record:
    cells: dict[str, Text]
    style: str = ""
    end_section: bool = False


def _col(head: str, *fields: str, kind: str = VALUE, min: int = 0) -> Column:
    # a stacked column's head is stacked too: `time (UTC)` over `file:line`
    return Column("\n".join(fields) if len(fields) > 1 else head, fields or (head,), kind, min)


def _cell(r: Record, c: Column) -> Text:
    parts = [r.cells[f] for f in c.fields if r.cells.get(f) is not None and r.cells[f].plain]
    return Text("\n").join(parts)


def _widest(text: str) -> int:
    return max((len(x) for x in text.split("\n")), default=0)


def _column_width(c: Column, records: Sequence[Record]) -> int:
    """The width a column needs so that no value in it breaks."""
    cells = [_cell(r, c).plain for r in records]
    head = max((len(w) for w in c.head.split()), default=0)
    if c.min:
        return max(head, c.min)
    if c.kind == TEXT:
        longest_word = max((len(w) for x in cells for w in x.split()), default=0)
        return max(head, min(max(map(_widest, cells), default=0), max(TEXT_MIN, longest_word)))
    return max([_widest(c.head)] + [_widest(x) for x in cells])


def _needs(layout: Sequence[Column], records: Sequence[Record], overhead: int = GAP) -> int:
    return sum(_column_width(c, records) for c in layout) + overhead * (len(layout) - 1)


def _grid(layout: Sequence[Column], records: Sequence[Record], **kw: Any) -> Table:
    kw.setdefault("box", box.SIMPLE_HEAD)
    kw.setdefault("pad_edge", False)
    kw.setdefault("show_edge", False)
    kw.setdefault("collapse_padding", True)
    # a row of stacked cells is set off from the next by a blank line
    stacked = any(len(c.fields) > 1 for c in layout)
    kw.setdefault("leading", 1 if stacked and len(records) > 1 else 0)
    table = Table(expand=False, **kw)
    for c in layout:
        w = _column_width(c, records)
        if c.kind == TEXT:
            table.add_column(c.head, overflow="fold", min_width=w)
        else:
            table.add_column(c.head, no_wrap=True, min_width=w)
    for r in records:
        table.add_row(*(_cell(r, c) for c in layout), style=r.style or None, end_section=r.end_section)
    return table


def _vertical(layout: Sequence[Column], records: Sequence[Record], title: str | None) -> RenderableType:
    """One field a line, a blank line between records: for a terminal too
    narrow for any of the table's layouts."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    for n, r in enumerate(records):
        if n:
            grid.add_row("", "")
        for c in layout:
            for f in c.fields:
                v = r.cells.get(f)
                if v is not None and v.plain:
                    grid.add_row(f, v, style=r.style or None)
    return Group(Text(title), grid) if title else grid


def _fit(
    width: int,
    layouts: Sequence[Sequence[Column]],
    records: Sequence[Record],
    *,
    title: str | None = None,
    overhead: int = GAP,
    **kw: Any,
) -> RenderableType:
    """The first layout that fits `width`, else the records one field a line."""
    for layout in layouts:
        if _needs(layout, records, overhead) <= width:
            return _grid(layout, records, title=title, title_justify="left", **kw)
    return _vertical(layouts[0], records, title)


def _records(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[Record]:
    # Text cells: log values are never read as rich markup
    return [Record({h: Text(c) for h, c in zip(head, r)}) for r in rows]


def _section(s: Section, width: int) -> RenderableType:
    """A compact-report table (lmtrace.render.overview) that fits `width`:
    the reason wraps at spaces; at 80 columns the time goes over the
    instance and the verdict over the reason."""
    records = _records(s.head, s.rows)
    for r, v in zip(records, s.styles):
        r.style = VERDICT_STYLE.get(v, "").replace("bold ", "")
    full = [_col(h, kind=TEXT if h == "reason" else VALUE) for h in s.head]
    layouts = [full]
    if s.head[-1] == "reason" and len(s.head) >= 5:
        *a, route, d, e = s.head
        layouts.append([_col(" / ".join(a), *a), full[len(a)], _col(f"{d} / {e}", d, e, kind=TEXT)])
    parts: list[RenderableType] = [_fit(width, layouts, records, title=s.title) if s.rows else Text(s.title)]
    if s.more:
        parts.append(Text(s.more, style="dim"))
    return Group(*parts)


def print_report(report: Report, out: TextIO | Console, view: View | None = None) -> None:
    """The report for a terminal: inputs, a summary table, one panel per
    migration, the mapping change and warnings; or, with many migrations,
    the compact overview instead of the table and panels (`view`). `out`
    is a stream or a ready Console (tests pass one with a fixed width)."""
    view = view or View()
    console = out if isinstance(out, Console) else console_for(out)
    files = FileLabels(i.path for i in report.inputs)

    inputs = Table(title="inputs", title_justify="left", expand=False, show_header=False)
    inputs.add_column("#")
    inputs.add_column("file", overflow="fold")
    inputs.add_column("lines and clock", overflow="fold")
    for i in report.inputs:
        facts = "\n".join(input_facts(i, report.coverage.get(i.path)))
        inputs.add_row(f"#{files.number[i.path]}", Text(i.path), Text(facts))
    console.print(inputs)
    h = report.handler_map
    console.print(Text(f"handler map: {h.name} (source: {h.source}; shape: {h.shape})"))
    for extra in [handler_map_why(h) or "", *pipeline_lines(report.pipeline)]:
        if extra:
            console.print(Text(files.text(extra)), overflow="fold")

    counts = "  ".join(f"{v} {c}" for v, c in verdict_counts(report))
    if report.migrations and not view.full(report):
        console.print(Text(headline(report), style="bold"))
        console.print(Text(counts))
        for note in report.summary.notes:
            console.print(Text(f"note: {note}"))
        for s in overview_sections(report, view, "→"):
            console.print()
            console.print(_section(s, console.width))
        _print_tail(report, console)
        return
    head = ("migration", "name", "source → destination", "outcome", "verdict")
    records = [
        Record(dict(zip(head, (Text(m.label), Text(m.display_name or "?"), Text(route(m, "→")),
                               Text(m.outcome.value), _verdict(m.verdict.value)))))
        for m in report.migrations
    ]
    # the route wraps at its arrow, never inside a host
    hosts = max([len(h) for m in report.migrations for h in route(m, "→").split(" → ")] + [1])
    full = [_col(h, kind=TEXT if h == head[2] else VALUE, min=hosts + 2 if h == head[2] else 0) for h in head]
    stacked = [_col("migration / name", "migration", "name"), *full[2:]]
    title = headline(report)  # a filtered report says what it hides
    summary: RenderableType
    # boxed when it fits: a boxed column takes 3 more characters (border, padding)
    if _needs(full, records, 3) + 4 <= console.width:
        summary = _grid(full, records, title=title, title_justify="left", box=box.HEAVY_HEAD, show_edge=True,
                        pad_edge=True, collapse_padding=False, caption=counts, caption_justify="left")
    else:
        summary = Group(_fit(console.width, [full, stacked], records, title=title), Text(counts))
    console.print(summary)
    for note in report.summary.notes:
        console.print(Text(f"note: {note}"))

    for by in view.group_by:
        console.print(_section(group_section(report.migrations, by, view), console.width))
    shown = report.migrations[: view.cut(len(report.migrations))]
    for m in shown:
        console.print(_panel(m, files, console.width))
        for part in _tables(m, files, console.width):
            console.print(part)
    if len(shown) < len(report.migrations):
        console.print(Text(rest_line(report.migrations, len(shown))))
    _print_tail(report, console)


def _print_tail(report: Report, console: Console) -> None:
    change = report.summary.recommended_change
    if change:
        # printed bare, not in a panel, so that it copies cleanly into events.py
        console.rule("recommended mapping change", align="left")
        console.print(Text(change_where(report)))
        _print_change(console, change)
    else:
        console.print(Text(f"recommended mapping change: {no_change(report.summary.operations)}"))
    for w in report.warnings:
        console.print(Text(f"warning: {w}", style="yellow"))


def _panel(m: MigrationReport, files: FileLabels, width: int = 10**6) -> Panel:
    v = m.verdict.value
    head = Text.assemble(m.operation, "  ", route(m, "→"), "  ", m.outcome.value, "  verdict: ", _verdict(v))
    parts: list[RenderableType] = [head]
    name = title(m)
    if len(name) + 6 > width:
        # a panel title is cropped, never wrapped: too long, it goes inside
        parts.insert(0, Text(name, style="bold"))
        name = ""
    for notice in notices(m):
        parts.append(Text(f"! {notice}", style="bold"))
    for label, text in details(m, files):
        parts.append(Text.assemble((f"{label}: ", "bold"), text))
    return Panel(
        Group(*parts),
        title=Text(name) if name else None,
        title_align="left",
        border_style=VERDICT_STYLE.get(v, "").replace("bold ", "") or "none",
        expand=False,
    )


def _tables(m: MigrationReport, files: FileLabels, width: int) -> list[RenderableType]:
    """The phase and firing tables, printed below the panel at full width."""
    # side is a column (`dest`/`source`, as in the text report) and a colour
    # (destination green, source yellow): colour alone is lost in a paste
    head = PHASE_HEAD
    side_at = PHASE_HEAD.index("side")
    short = {"destination": "dest"}
    rows = [(*r[:side_at], short.get(r[side_at], r[side_at]), *r[side_at + 1 :]) for r in phase_rows(m, files)]
    records = _records(head, rows)
    for p, r in zip(m.phases, records):
        r.style = {"destination": "green", "source": "yellow"}.get(p.side.value, "cyan")
    # a dropped phase's zenpython cell lists two lines: wraps between them
    full = [_col(h, kind=TEXT if h == "zenpython" else VALUE) for h in head]
    seen = _col("seen", "collector", "zenpython", kind=TEXT)
    merged = [c for c in full if c.head not in ("collector", "zenpython")]
    merged.insert(head.index("collector"), seen)
    stacked = [c for c in merged if c.head != "host_name"]
    stacked[head.index("phase")] = _col("phase / host", "phase", "host_name")
    out: list[RenderableType] = [_fit(width, [full, merged, stacked], records, title="phases")]
    firings = firing_rows(m)
    if firings:
        records = _records(FIRING_HEAD, firings)
        full = [_col(h) for h in FIRING_HEAD]
        stacked = [_col(h) for h in FIRING_HEAD if h not in ("phase", "handler")]
        stacked.insert(1, _col("phase / handler", "phase", "handler"))
        title = "handler firings, in the order Zenoss applies them"
        out.append(_fit(width, [full, stacked], records, title=title))
    else:
        out.append(Text("handler firings: none"))
    return out


def print_timelines(timelines: Sequence[Timeline], out: TextIO | Console, *, heading: str | None = None) -> None:
    """`lmtrace timeline` on a terminal: a summary and a hop table per
    migration (rows as lmtrace.render.hoprows.rows_of builds them)."""

    console = out if isinstance(out, Console) else console_for(out)
    if heading:
        console.print(Text(heading, style="bold"))
    for t in timelines:
        summary = Table.grid(padding=(0, 2))
        summary.add_column(style="bold")
        summary.add_column(overflow="fold")
        for k, v in summary_of(t):
            style = VERDICT_STYLE.get(t.verdict.value, "") if k == "verdict" and t.verdict else ""
            summary.add_row(k, Text(v, style=style))
        records = []
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
            records.append(Record(dict(zip(TIMELINE_HEAD, cells)), end_section=_last_hop(r)))
        full = [_col(h, kind=TEXT if h == "note" else VALUE) for h in TIMELINE_HEAD]
        stacked = [_col("phase / host", "phase", "host"), *full[2:]]
        times = [*stacked[:2], _col("time (UTC) / local time", "time (UTC)", "local time (as logged)"), *stacked[4:]]
        # within the panel: its border and padding take 4 columns
        table = _fit(console.width - 4, [full, stacked, times], records, box=box.SIMPLE_HEAD, leading=0)
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
        if t.mapping_change:
            console.rule("recommended mapping change", align="left")
            console.print(Text(t.mapping_change_where or ""))
            _print_change(console, t.mapping_change)


def _last_hop(r: Row) -> bool:
    return r.hop is r.entry.hops[-1]


def _print_change(console: Console, change: str) -> None:
    """The mapping change, bare (no panel) so that it copies cleanly into
    events.py; folded only on a terminal too narrow for its lines (the text
    format never folds it)."""
    text = change.rstrip("\n")
    fits = max(len(x) for x in text.split("\n")) <= console.width
    console.print(Text(text, style="bold", overflow="fold"), soft_wrap=fits)


@contextlib.contextmanager
def progress_bar(err: TextIO) -> Iterator[OnProgress]:
    """A transient progress bar on `err` (stderr: never the report's
    stream): bytes read of the inputs' size, events, then the analysis
    stage. Yields the callback the library calls (lmtrace.progress)."""
    from rich import progress as rp

    bar = rp.Progress(
        rp.TextColumn("{task.description}"), rp.BarColumn(), rp.DownloadColumn(), rp.TransferSpeedColumn(),
        rp.TextColumn("{task.fields[events]} events"), rp.TimeElapsedColumn(),
        console=Console(file=err, stderr=True), transient=True,
    )  # fmt: skip
    task = bar.add_task("reading", total=None, events="0")

    def on_progress(p: Progress) -> None:
        what = p.describe()
        if p.migrations is not None:
            what += f", {p.migrations} migrations"
        total = p.bytes_total or None
        bar.update(task, description=what, completed=p.bytes_read, total=total, events=f"{p.events:,}")

    with bar:
        yield on_progress
def live_table(out: TextIO) -> Any:  # lmtrace watch: (a Live to enter, a settled line as Text, open rows as a table)
    from rich.live import Live
    return Live(Text(""), console=console_for(out), auto_refresh=False, transient=True), lambda v, line: Text.assemble(_verdict(v), " ", line), lambda head, rows: _grid([_col(h, h) for h in head], _records(head, rows), title=f"{len(rows)} open")
