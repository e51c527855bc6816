"""`lmtrace events` output: the normalized event stream in every format."""

from __future__ import annotations

import csv
from typing import TextIO

from ..load import EventStream
from .fields import EVENT_COLUMNS, event_record, input_record
from .jsonout import JsonWriter

__all__ = ["write_events"]


def write_events(stream: EventStream, fmt: str, out: TextIO) -> None:
    offsets = {i.path: i.clock.label for i in stream.inputs}
    if fmt == "jsonl":
        writer = JsonWriter(out)
        for e in stream.events:
            writer.line(event_record(e, offsets.get(e.source.path)))
    elif fmt == "json":
        doc = {
            "inputs": [input_record(i) for i in stream.inputs],
            "events": [event_record(e, offsets.get(e.source.path)) for e in stream.events],
        }
        JsonWriter(out).document(doc)
    elif fmt == "csv":
        w = csv.writer(out, lineterminator="\n")
        w.writerow(EVENT_COLUMNS)
        for e in stream.events:
            rec = event_record(e)
            w.writerow(["" if rec[c] is None else rec[c] for c in EVENT_COLUMNS])
    elif fmt in ("text", "markdown"):
        _write_table(stream, out, markdown=fmt == "markdown")
    elif fmt == "rich":
        from .terminal import print_events

        print_events(stream, out)
    else:  # pragma: no cover - click restricts the choices
        raise ValueError(fmt)


_TABLE = ("logged_at", "kind", "line", "status", "event_type", "request_id", "display_name", "host_name")


def _short_type(t: str) -> str:
    return t.replace("compute.instance.", "")


def _write_table(stream: EventStream, out: TextIO, *, markdown: bool) -> None:
    rows = []
    for e in stream.events:
        rec = event_record(e)
        rec["event_type"] = _short_type(e.event_type)
        rec["line"] = f"{e.source.path}:{e.source.line}"
        rows.append(["-" if rec[c] is None else str(rec[c]) for c in _TABLE])
    head = ["time (UTC)", "log", "file:line", "status", "event type", "request", "name", "host"]
    if markdown:
        out.write("| " + " | ".join(head) + " |\n")
        out.write("|" + "|".join("---" for _ in head) + "|\n")
        for r in rows:
            out.write("| " + " | ".join(c.replace("|", "\\|") for c in r) + " |\n")
        return
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(head)]
    out.write("  ".join(h.ljust(w) for h, w in zip(head, widths)).rstrip() + "\n")
    for r in rows:
        out.write("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() + "\n")
