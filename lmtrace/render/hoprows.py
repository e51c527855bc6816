"""The rows of a timeline: one migration, hop by hop, as text, markdown and rich show it.

Text and markdown print, per timeline, a short summary (request, instance,
hosts, verdict, each input's UTC offset and label: the legend) and one table
row per hop:

    phase  host  hop  time (UTC)  local time (as logged)  file:line  delay  note

(text starts each note under the local-time column, on the hop's own line
when nothing else is right of it, else on the next line, so that rows stay
within WIDTH; when the columns alone would pass WIDTH, the host goes under
the phase, in one `phase / host` column). Files are named by the labels of the analyze report
(`collector.log:3`, or `#1:3` for a long or clashing name; lmtrace.render.
common.FileLabels). An entry's first row carries its phase and host_name; a
host_name that differs from the previous entry's is marked `->` (`→`, bold,
in markdown), and the row's note says from which host. A hop that did not
happen reads `never` in the time column, one that no log given could see
`?`, and the handler hop of an event mapped to no handler `-` (it does not
apply); the handler hop is inferred (no log records a handler run) and has
no delay. Times are cut to milliseconds and each delay is the difference of
the two times shown (lmtrace.humantime). Local times are printed as the log
printed them (oslo.log `14:00:15.011`, zenpython `07:00:15,181`), so they
can be grepped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ..events import LogKind
from ..hops import Hop, Timeline, TimelineEntry
from ..humantime import MS, clock, elapsed
from .common import WIDTH, FileLabels

__all__ = ["HEAD", "WIDTH", "Row", "format_delay", "labels_of", "rows_of", "summary_of"]


HEAD = ("phase", "host", "hop", "time (UTC)", "local time (as logged)", "file:line", "delay", "note")


def format_delay(d: timedelta | None) -> str:
    """`+11 ms`, `+1.204 s`, `-3.200 s`; empty when there is none. Cut to
    whole milliseconds (toward zero), like the times."""
    if d is None:
        return ""
    whole = int(d / MS)  # int() cuts toward zero
    sign = "-" if whole < 0 else "+"
    a = abs(whole)
    if a < 1000:
        return f"{sign}{a:d} ms"
    return f"{sign}{a // 1000}.{a % 1000:03d} s"


def _utc_clock(dt: datetime | None) -> str:
    return "" if dt is None else clock(dt, dated=True)


def _shown_delay(h: Hop) -> timedelta | None:
    """The delay between the two times as shown (both cut to milliseconds)."""
    if h.at is not None and h.since is not None:
        return elapsed(h.since, h.at)
    return h.delay


def labels_of(t: Timeline) -> FileLabels:
    """The file labels of the analyze report over the same inputs."""
    return FileLabels(i.path for i in t.inputs)


def _local(dt: datetime | None, kind: LogKind | None) -> str:
    """The log line's own timestamp, as that log prints it."""
    if dt is None:
        return ""
    text = dt.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    return text[:-4] + "," + text[-3:] if kind is LogKind.ZENPYTHON else text


@dataclass(frozen=True, slots=True)
class Row:
    """One table row: a hop, with its entry's columns on the entry's first row."""

    cells: tuple[str, str, str, str, str, str, str, str]
    entry: TimelineEntry
    hop: Hop
    first: bool


def _time_cell(h: Hop) -> str:
    if h.not_applicable:
        return "-"
    if h.missing:
        return "?" if h.unknown else "never"
    return _utc_clock(h.at)


def _entry_notes(e: TimelineEntry) -> list[str]:
    out = []
    if e.side == "neither":  # nova-api's evacuate: sent from the API node, not a compute host
        out.append("API node: neither side")
    if e.context:
        out.append("context event")
    if e.host_changed:
        out.append(f"host_name changes from {e.previous_host}")
    if e.skew and e.skew_note:
        out.append(f"SKEW: {e.skew_note}")
    return out


def rows_of(t: Timeline, files: FileLabels | None = None) -> list[Row]:
    files = files or labels_of(t)
    rows: list[Row] = []
    for e in t.entries:
        for n, h in enumerate(e.hops):
            first = n == 0
            notes = (_entry_notes(e) if first else []) + ([h.note] if h.note else [])
            phase = host = ""
            if first:
                phase = e.phase
                host = e.host_name or "-"
                if e.host_changed:
                    host = "-> " + host
            rows.append(
                Row(
                    cells=(
                        phase,
                        host,
                        h.name.value,
                        _time_cell(h),
                        _local(h.local_time, h.kind),
                        files.line(h.path, h.line),
                        "" if h.inferred else format_delay(_shown_delay(h)),
                        "; ".join(notes),
                    ),
                    entry=e,
                    hop=h,
                    first=first,
                )
            )
    return rows


def summary_of(t: Timeline, files: FileLabels | None = None) -> list[tuple[str, str]]:
    """The lines above the table, as (label, value); the `clock` lines are
    the legend of the file labels (`#1 samples/collector.log +08:00 ...`)."""
    files = files or labels_of(t)
    name = t.display_name or "?"
    out = [("request", t.request_id or "- (none in the logs)")]
    if t.attached_requests:
        out.append(("attached", ", ".join(t.attached_requests)))
    out.append(("instance", f"{name} ({t.instance_id or '?'})"))
    if t.operation != "live-migration":  # a live migration's timeline reads as it always did
        out.append(("operation", t.operation))
    out.append(("hosts", f"{t.source_host or '?'} -> {t.destination_host or '?'}"))
    if t.expected_host is not None and t.expected_host != t.destination_host:
        out.append(("right host", f"{t.expected_host}: reverted, back on its source"))
    out.append(("span", f"{_utc_clock(t.start)} - {_utc_clock(t.end)} UTC, {t.outcome}"))
    if t.verdict is not None:
        reason = files.text(t.reason) if t.reason else None
        out.append(("verdict", f"{t.verdict.value}: {reason}" if reason else t.verdict.value))
    if t.recommendation:
        out.append(("fix", files.text(t.recommendation)))
    if t.handler_map:
        out.append(("handler map", t.handler_map))
    for i in t.inputs:
        out.append(("clock", f"#{files.number[i.path]} {i.path} {i.utc_offset} ({i.how})"))
    for n in t.notes:
        out.append(("note", n))
    return out
