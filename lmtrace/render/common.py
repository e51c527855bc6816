"""What every human-readable writer shares: headings, row builders, path labels.

Text, markdown and rich (lmtrace.render.terminal) build their tables and
sentences from these, so the three say the same thing in the same words.
Files are named by the same labels everywhere in a human report:
`collector.log:9` in tables and sentences alike (`#1:9` for a long or
clashing name), with the inputs list as the legend. Times are UTC
`HH:MM:SS.mmm`, cut to milliseconds like the durations between them
(lmtrace.humantime; with the date where a migration crosses midnight).
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterable
from datetime import datetime, timezone

from ..correlate import Coverage
from ..events import skip_label
from ..findings import (
    AppliedFilters,
    Firing,
    MigrationReport,
    PhaseReport,
    Reached,
    Report,
    Sighting,
    Verdict,
)
from ..humantime import clock, duration, elapsed
from ..load import EventStream, InputSummary
from ..phases import LIVE_MIGRATION, OPERATIONS, Side, operation_named
from .fields import iso, phase_name
from .pathfields import NO_COVERAGE, released_row

WIDTH = 118  # text lines stay below 120 columns where the content allows


_LONG_NAME = 32  # a file name longer than this is shown as its input number (#1)


_LIST_STRETCHES = 3  # more coverage stretches than this are summed up in one line


_LIST_GAPS = 20


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


def heading(m: MigrationReport) -> str:
    """What moved the VM, as a section names it: `migration`, `resize`,
    `evacuation`, `unshelve` (a live migration keeps its old heading)."""
    return operation_named(m.operation).noun


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
        where.append(f"no {operation_named(m.operation).proof_name} seen: nothing proves the move")
    rows.append(("destination", "; ".join(where)))
    rows.extend(_operation_rows(m))
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
    rows.extend(released_row(m))
    return rows


def _operation_rows(m: MigrationReport) -> list[tuple[str, str]]:
    """What only some operations have: a source taken from the instance's
    history (evacuate), a phase sent by neither side (nova-api's `evacuate`),
    a right final host other than the destination (a reverted resize)."""
    rows = []
    op = operation_named(m.operation)
    if op.source_from_history:
        rows.append((
            "source",
            f"{m.source_host}: the instance's host before it, as the logs show it"
            if m.source_host
            else "unknown: no earlier event of the instance shows its host",
        ))
    for p in m.phases:
        if p.side is Side.NEITHER:
            rows.append((
                "neither side",
                f"{p.host_name or '?'} sent {p.phase} (nova-api): neither source nor destination",
            ))
    if m.expected_host is not None and m.expected_host != m.destination_host:
        rows.append(("right final host", f"{m.expected_host}, the source: the {op.noun} was reverted"))
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


ZEN_COLUMN = PHASE_HEAD.index("zenpython")






def crosses_midnight(m: MigrationReport) -> bool:
    return _utc(m.start).date() != _utc(m.end).date()


def phase_rows(m: MigrationReport, files: FileLabels) -> list[tuple[str, ...]]:
    """One row per phase (PHASE_HEAD); a phase zenpython dropped shows both
    lines in its zenpython cell: `zenpython.log:10, discarded zenpython.log:12`."""
    dated = crosses_midnight(m)
    rows = []
    for p in m.phases:
        cells, dropped = phase_cells(p, files, dated)
        if dropped is not None:
            zen = cells[ZEN_COLUMN]
            cells = (*cells[:ZEN_COLUMN], dropped if zen == "-" else f"{zen}, {dropped}", *cells[ZEN_COLUMN + 1 :])
        rows.append(cells)
    return rows


def phase_cells(p: PhaseReport, files: FileLabels, dated: bool) -> tuple[tuple[str, ...], str | None]:
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


def firing_rows(m: MigrationReport) -> list[tuple[str, ...]]:
    """Handler firings in the order Zenoss applied them."""
    dated = crosses_midnight(m) or any(_utc(f.time).date() != _utc(m.start).date() for f in m.handlers)
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


def _plural(n: int, label: str) -> str:
    return f"{n} {label}{'s' if n != 1 else ''}"


def operation_counts(report: Report) -> str | None:
    """`1 live migration, 1 resize`; None when every operation is a live
    migration (the report reads as it always did)."""
    counts = report.summary.operations
    if all(n == 0 for name, n in counts.items() if name != LIVE_MIGRATION.name):
        return None
    return ", ".join(_plural(counts[op.name], op.label) for op in OPERATIONS if counts.get(op.name))


def headline(report: Report) -> str:
    """`5 live migrations`, or with filters `1 of 5 live migrations (filters: --verdict ok)`:
    a filtered report says what it hides. With other operations:
    `3 operations: 1 live migration, 1 resize, 1 unshelve`."""
    n = len(report.migrations)
    applied = filters_text(report.filters)
    kinds = operation_counts(report)
    if kinds is not None:
        total = _in_logs(report)
        if applied is None:
            return f"{_plural(n, 'operation')}: {kinds}"
        return f"{n} of {_plural(total, 'operation')}: {kinds} (filters: {applied})"
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


def skipped_why(i: InputSummary) -> str:
    """`10 other logger, 2 blank`: the skipped lines by reason ("" when none)."""
    return ", ".join(f"{n} {skip_label(i.kind, r)}" for r, n in i.lines.skipped_by_reason)


def skipped_text(i: InputSummary) -> str:
    """`; skipped: 10 other logger, 2 blank` to follow the line counts ("" when none)."""
    why = skipped_why(i)
    return f"; skipped: {why}" if why else ""


def input_facts(i: InputSummary, cov: Coverage | None) -> list[str]:
    """An input's lines in a report: counts, skipped lines by reason, coverage."""
    why = skipped_why(i)
    return [input_line(i), *([f"skipped: {why}"] if why else []), *coverage_lines(i, cov)]


def input_line(i: InputSummary) -> str:
    c = i.lines
    return (
        f"{i.kind.value}, {c.total} lines: {c.parsed} parsed, {c.skipped} skipped, {c.malformed} malformed; "
        f"UTC offset {i.clock.label} ({i.clock.how})"
    )


def coverage_lines(i: InputSummary, cov: Coverage | None) -> list[str]:
    """What a zenpython/zenopenstack log covers: stretches, gaps; [] for others."""
    if i.kind not in NO_COVERAGE:
        return []
    if cov is None or not cov.stretches:
        return [NO_COVERAGE[i.kind]]
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
    from ..timelines import change_where as where

    return where(report)


def event_rows(stream: EventStream) -> tuple[str, tuple[str, ...], list[tuple[str, ...]]]:
    """The rich events table: its title, head and rows (the day said once in
    the title when every event is on one UTC day)."""
    head: tuple[str, ...] = (
        "time (UTC)", "file:line", "status", "event type", "request", "name", "host", "event type (status)",
    )  # fmt: skip
    # a file by its name (the stderr lines give the paths), its path when two share a name
    names = [os.path.basename(i.path) or i.path for i in stream.inputs]
    label = {i.path: n if names.count(n) == 1 else i.path for i, n in zip(stream.inputs, names)}
    rows: list[tuple[str, ...]] = []
    for e in stream.events:
        t = iso(e.logged_at or e.time) or "-"
        kind = e.event_type.replace("compute.instance.", "")
        rows.append(
            (
                t.replace("T", " ").rstrip("Z")[:23],
                f"{label.get(e.source.path, e.source.path)}:{e.source.line}",
                e.status.value,
                kind,
                e.request_id or "-",
                e.display_name or "-",
                e.host_name or "-",
                f"{kind} ({e.status.value})",
            )
        )
    title = f"{len(stream.events)} events"
    days = {r[0][:10] for r in rows if r[0] != "-"}
    if len(days) == 1:
        # one day: said once in the title, each row shows the time of day
        title += f" on {days.pop()} (UTC)"
        rows = [(r[0][11:] or r[0], *r[1:]) for r in rows]
    return title, head, rows
