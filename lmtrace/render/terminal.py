"""Rich output for a terminal. The only module that imports rich."""

from __future__ import annotations

from typing import TextIO

from rich.console import Console
from rich.table import Table

from ..load import EventStream
from .fields import iso

__all__ = ["console_for", "print_events"]


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
