"""Renderers: finished results in, text out. Nothing here knows a log format.

`choose` resolves `--format auto` once: rich on a terminal, the command's
pipe format otherwise (text for analyze and timeline, JSON Lines for events).
The `write_*` functions map a format name to its writer: `text`, `markdown`,
`machine` (json, jsonl, csv) or `terminal` (rich, the only module that
imports rich); `stream` writes the events of `lmtrace events`. The writers
share their headings, row builders and file labels through `common`, and
the stable field names through `fields`. Writers are imported when used, so
that the CLI starts without loading them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from ..findings import Report
    from ..hops import Timeline
    from ..load import EventStream
    from .overview import View

FORMATS = ("auto", "rich", "text", "markdown", "json", "jsonl", "csv")
#: `lmtrace analyze` also writes one self-contained HTML file
REPORT_FORMATS = (*FORMATS, "html")
_MACHINE = ("json", "jsonl", "csv")

__all__ = ["FORMATS", "REPORT_FORMATS", "choose", "write_events", "write_report", "write_report_with_timelines", "write_timeline"]


def choose(requested: str, *, stdout_isatty: bool, piped: str) -> str:
    if requested != "auto":
        return requested
    return "rich" if stdout_isatty else piped


def write_report(report: Report, fmt: str, out: TextIO, view: View | None = None) -> None:
    """Write `report` to `out` as `fmt` (json, jsonl, csv, text, markdown,
    rich, html). `view` says how much the human formats show (compact or in
    full: lmtrace.render.overview); the machine formats hold everything."""
    if fmt in _MACHINE:
        from .machine import write_report_machine

        write_report_machine(report, fmt, out)
    elif fmt == "text":
        from .text import write_report_text

        write_report_text(report, out, view)
    elif fmt == "markdown":
        from .markdown import write_report_markdown

        write_report_markdown(report, out, view)
    elif fmt == "rich":
        from .terminal import print_report

        print_report(report, out, view)
    elif fmt == "html":
        from .html import write_report_html

        write_report_html(report, out, view)
    else:  # pragma: no cover - click restricts the choices
        raise ValueError(fmt)


def write_timeline(timelines: Sequence[Timeline], fmt: str, out: TextIO) -> None:
    """Write timelines as `text`, `markdown`, `json`, `jsonl`, `csv` or
    `rich` (lmtrace.render.terminal)."""
    if fmt == "text":
        from .text import write_timeline_text

        for n, t in enumerate(timelines):
            if n:
                out.write("\n")
            write_timeline_text(t, out)
    elif fmt == "markdown":
        from .markdown import write_timeline_markdown

        for n, t in enumerate(timelines):
            if n:
                out.write("\n")
            write_timeline_markdown(t, out)
    elif fmt in _MACHINE:
        from .machine import write_timeline_machine

        write_timeline_machine(timelines, fmt, out)
    elif fmt == "rich":
        from .terminal import print_timelines

        print_timelines(timelines, out)
    else:  # pragma: no cover - click restricts the choices
        raise ValueError(fmt)


def write_report_with_timelines(
    report: Report, timelines: Sequence[Timeline], fmt: str, out: TextIO, view: View | None = None
) -> None:
    """`analyze --timeline`: the report, then the timelines in the same
    format family; for json one document with a `timelines` key added.
    jsonl and csv hold one migration per line or row, so they have no room
    for timelines: a ValueError (the CLI refuses the combination first)."""
    if fmt in ("jsonl", "csv"):
        raise ValueError(f"--timeline cannot be combined with --format {fmt}")
    if fmt == "html":  # its problem migrations are drawn as lanes already
        write_report(report, fmt, out, view)
        return
    if fmt == "json":
        from .machine import write_report_and_timelines_json

        write_report_and_timelines_json(report, timelines, out)
        return
    write_report(report, fmt, out, view)
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


def write_events(stream: EventStream, fmt: str, out: TextIO) -> None:
    """`lmtrace events`: see lmtrace.render.stream."""
    from .stream import write_events as write

    write(stream, fmt, out)
