"""`lmtrace events` output: the normalized event stream in every format."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import TextIO

from ..events import Event, Status
from ..load import EventStream
from ..spool import SpooledEventStream
from .fields import EVENT_COLUMNS, event_record, input_record
from .jsonout import JsonWriter

__all__ = ["write_events"]


def _listed(events: Iterable[Event]) -> Iterator[Event]:
    """zenopenstack's other DEBUG lines are counted as parsed (they prove
    debug logging was on) but are not events: not listed."""
    return (e for e in events if e.status is not Status.TICK)


def write_events(stream: EventStream | SpooledEventStream, fmt: str, out: TextIO) -> None:
    """Every event in `fmt`, written as it comes: one pass over the events
    (two for the aligned text table), none held, except for rich."""
    offsets = {i.path: i.clock.label for i in stream.inputs}
    if fmt == "jsonl":
        writer = JsonWriter(out)
        for e in _listed(stream.events):
            writer.line(event_record(e, offsets.get(e.source.path)))
    elif fmt == "json":
        # what json.dump(indent=2) writes for {"inputs": [...], "events": [...]},
        # one event at a time
        writer = JsonWriter(out)
        head = writer.dumps({"inputs": [input_record(i) for i in stream.inputs]}, indent=2)
        out.write(head[: -len("\n}")])
        sep = ',\n  "events": [\n'
        for e in _listed(stream.events):
            out.write(sep)
            text = writer.dumps(event_record(e, offsets.get(e.source.path)), indent=2)
            out.write("    " + text.replace("\n", "\n    "))
            sep = ",\n"
        out.write(',\n  "events": []\n}\n' if sep.startswith(",\n  ") else "\n  ]\n}\n")
    elif fmt == "csv":
        w = csv.writer(out, lineterminator="\n")
        w.writerow(EVENT_COLUMNS)
        for e in _listed(stream.events):
            rec = event_record(e, offsets.get(e.source.path))
            w.writerow(["" if rec[c] is None else rec[c] for c in EVENT_COLUMNS])
    elif fmt in ("text", "markdown"):
        _write_table(stream, out, markdown=fmt == "markdown")
    elif fmt == "rich":
        from .terminal import print_events

        if not isinstance(stream, EventStream):  # a table on a terminal: all of it at once
            stream = EventStream(inputs=stream.inputs, events=tuple(stream.events), repeated=stream.repeated)
        print_events(stream, out)
    else:  # pragma: no cover - click restricts the choices
        raise ValueError(fmt)


_TABLE = ("logged_at", "kind", "line", "status", "event_type", "request_id", "display_name", "host_name")


def _short_type(t: str) -> str:
    return t.replace("compute.instance.", "")


def _rows(stream: EventStream | SpooledEventStream) -> Iterator[list[str]]:
    for e in _listed(stream.events):
        rec = event_record(e)
        rec["event_type"] = _short_type(e.event_type)
        rec["line"] = f"{e.source.path}:{e.source.line}"
        yield ["-" if rec[c] is None else str(rec[c]) for c in _TABLE]


def _write_table(stream: EventStream | SpooledEventStream, out: TextIO, *, markdown: bool) -> None:
    head = ["time (UTC)", "log", "file:line", "status", "event type", "request", "name", "host"]
    if markdown:
        out.write("| " + " | ".join(head) + " |\n")
        out.write("|" + "|".join("---" for _ in head) + "|\n")
        for r in _rows(stream):
            out.write("| " + " | ".join(c.replace("|", "\\|") for c in r) + " |\n")
        return
    # two passes: the widths of the columns, then the rows
    widths = [len(h) for h in head]
    for r in _rows(stream):
        widths = [max(w, len(c)) for w, c in zip(widths, r)]
    out.write("  ".join(h.ljust(w) for h, w in zip(head, widths)).rstrip() + "\n")
    for r in _rows(stream):
        out.write("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() + "\n")
