"""Log formats: which kind a file is, and its lines as typed records.

Each format has a *scanner*: an object fed `Chunk`s of whole lines in order,
returning `Event` and `Malformed` records and counting the lines it used.
A line that no scanner claims is *skipped* (not ours): lines are never lost,
`total = parsed + skipped + malformed` for every file.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

from ..errors import InputError
from ..events import Event, LineCounts, LogKind, Malformed
from ..read import STDIN, Chunk, iter_chunks, open_input
from .foreign import looks_like
from .skips import SkipTally, breakdown

__all__ = ["ParsedFile", "Scanner", "line_counts", "make_scanner", "parse_chunks", "parse_file", "sniff", "sniff_kind", "sniffed_chunks"]


class Scanner(Protocol):
    """Turns chunks of one file, fed in order, into records."""

    kind: LogKind
    #: lines that yielded at least one event (all lines of a multi-line record)
    parsed_lines: int
    #: lines that were ours but unreadable
    malformed_lines: int
    #: what it saw of the lines it skipped (lmtrace.parse.skips)
    tally: SkipTally

    def feed(self, chunk: Chunk) -> list[Event | Malformed]: ...

    def finish(self, *, at_end: bool = True) -> list[Event | Malformed]:
        """End of input: flush a record still open (a dict cut off).
        `at_end=False`: the end of a range of the file that a log line
        follows (lmtrace.parallel), not of the input."""
        ...


def make_scanner(kind: LogKind, path: str, *, full: bool = True) -> Scanner:
    """A scanner for `kind`. With `full=False` only the fields the analysis
    needs are read (ids, type, times, request/instance/host/name/state) and
    `Event.traits` stays empty: the hot path for large logs."""
    if kind is LogKind.COLLECTOR:
        from .collector import CollectorScanner

        return CollectorScanner(path, full=full)
    if kind is LogKind.ZENOPENSTACK:
        from .zenopenstack import ZenopenstackScanner

        return ZenopenstackScanner(path, full=full)
    if kind is LogKind.PUBLISHER:
        from .publisher import PublisherScanner

        return PublisherScanner(path, full=full)
    from .zenpython import ZenpythonScanner

    return ZenpythonScanner(path, full=full)


# The markers that name a kind; the line prefixes decide when no marker is
# near the top (a noisy log): oslo.log writes milliseconds after a dot and a
# PID, Zenoss' logging after a comma and the level.
_MARKERS = (
    (b"record_events called (events=", LogKind.COLLECTOR),
    (b"ueued event (total of", LogKind.ZENPYTHON),
    (b"iscarded event - queue overflow", LogKind.ZENPYTHON),
    (b"zen.zenpython", LogKind.ZENPYTHON),
    (b"ceilometer.publisher.http", LogKind.PUBLISHER),
)
# `ceilometer` names the collector only on a log line (a date or syslog's
# `Jan 23 14:22:02` first), not in prose that mentions it
_CEILOMETER_LINE = re.compile(
    rb"^(?:\d{4}-\d\d-\d\d|[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d)[^\n]*ceilometer", re.M
)
_OSLO_PREFIX = re.compile(rb"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \d+ [A-Z]+ ", re.M)
_ZEN_PREFIX = re.compile(rb"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ \S+: ", re.M)


# zenopenstack's log holds Queued lines too (its own logger zen.zenopenstack),
# so its logger on a Zenoss-prefixed line comes first; the logger's name alone
# is no evidence (lmtrace's own reports about such a log name it too)
_ZENOPENSTACK_LINE = re.compile(
    rb"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ zen\.(?:OpenStack\.)?zenopenstack: ", re.M
)


def sniff(head: bytes) -> LogKind | None:
    """The kind of log whose first bytes are `head`, or None if unknown."""
    if _ZENOPENSTACK_LINE.search(head):
        return LogKind.ZENOPENSTACK
    for marker, kind in _MARKERS:
        if marker in head:
            return kind
    if _CEILOMETER_LINE.search(head):
        return LogKind.COLLECTOR
    if _OSLO_PREFIX.search(head):
        return LogKind.COLLECTOR
    if _ZEN_PREFIX.search(head):
        return LogKind.ZENPYTHON
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class ParsedFile:
    """One input, parsed: events in log order (times not yet moved to UTC:
    see lmtrace.clock), the malformed lines, and the line counts."""

    path: str
    kind: LogKind
    events: tuple[Event, ...]
    malformed: tuple[Malformed, ...]
    lines: LineCounts


def parse_chunks(chunks: Iterable[Chunk], scanner: Scanner) -> Iterator[Event | Malformed]:
    for chunk in chunks:
        yield from scanner.feed(chunk)
    yield from scanner.finish()


SNIFF_BYTES = 1 << 20


def line_counts(total: int, parsed: int, malformed: int, tally: SkipTally) -> LineCounts:
    """A file's line counts, the skipped lines broken down by reason."""
    return LineCounts(
        total=total,
        parsed=parsed,
        malformed=malformed,
        skipped_by_reason=breakdown(total - parsed - malformed, tally),
    )


def parse_file(path: str, *, kind: LogKind | None = None, full: bool = True) -> ParsedFile:
    """Read one file (or `-`) into a `ParsedFile`.

    The kind is sniffed from the first MiB unless given; a file whose kind
    cannot be told is an `InputError` that suggests `--kind`.
    """
    with sniffed_chunks(path, kind) as (kind, chunks):
        scanner = make_scanner(kind, path, full=full)
        events: list[Event] = []
        malformed: list[Malformed] = []
        total = 0
        for chunk in chunks:
            total += chunk.lines
            scanner.tally.count_chunk(kind, chunk.data)
            for rec in scanner.feed(chunk):
                (events if isinstance(rec, Event) else malformed).append(rec)  # type: ignore[arg-type]
        for rec in scanner.finish():
            (events if isinstance(rec, Event) else malformed).append(rec)  # type: ignore[arg-type]
    counts = line_counts(total, scanner.parsed_lines, scanner.malformed_lines, scanner.tally)
    return ParsedFile(
        path=path, kind=kind, events=tuple(events), malformed=tuple(malformed), lines=counts
    )


@contextlib.contextmanager
def sniffed_chunks(path: str, kind: LogKind | None) -> Iterator[tuple[LogKind, Iterator[Chunk]]]:
    """Open one input (or `-`) and yield its kind (sniffed from its first
    chunk unless given) and all its chunks, that first one included; the
    input is read once, so this works for pipes too. Closes it after."""
    stream = open_input(path)
    try:
        chunks = iter_chunks(stream, path=path)
        first = next(chunks, None)
        if kind is None:
            kind = sniff_kind(path, first)
        yield kind, _chain(first, chunks)
    finally:
        if path != STDIN:
            stream.close()


def sniff_kind(path: str, first: Chunk | None) -> LogKind:
    """The kind of a file whose first chunk is `first` (None: empty).
    Raises an `InputError` that suggests `--kind` when it cannot be told."""
    head = first.data[:SNIFF_BYTES] if first is not None else b""
    other = looks_like(head)
    if other is not None:
        raise InputError(f"{path}: not a format lmtrace reads; it looks like {other}. {_WHAT_WE_READ}")
    kind = sniff(head)
    if kind is not None:
        return kind
    if first is None or not first.data or first.data.isspace():
        return LogKind.COLLECTOR  # empty or blank: nothing to misread
    if _is_binary(head):
        raise InputError(f"{path}: not a log lmtrace reads (binary data). {_WHAT_WE_READ}")
    if not _LOG_LINE.search(head):
        raise InputError(
            f"{path}: not a format lmtrace reads: no line of it looks like a collector, zenpython, "
            f"zenopenstack or publisher log (no record_events called or Queued event line, and no line "
            f"starting with a time, in its first MiB). {_WHAT_WE_READ}"
        )
    raise InputError(
        f"{path}: not a format lmtrace reads: no record_events called or Queued event line, and no "
        f"collector or zenpython log prefix, in its first MiB. {_WHAT_WE_READ} If it is one of those "
        f"logs with its first event further in, say which with --kind {path}=zenpython "
        f"(or --kind {path}=collector)"
    )


# a line that starts with a date and time (ISO or syslog's), optionally in
# brackets: a log of some kind, so maybe one of ours with its events further in
_LOG_LINE = re.compile(
    rb"^[ \t\[]*(?:\d{4}-\d\d-\d\d[ T]\d\d:\d\d|[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d)", re.M
)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\ufffd]")


def _is_binary(head: bytes) -> bool:
    """Whether `head` is binary data rather than text: a NUL byte, or more
    than one character in 20 a control character or not UTF-8."""
    sample = head[: 1 << 16]
    if b"\0" in sample:
        return True
    text = sample.decode("utf-8", errors="replace")
    return len(_CONTROL.findall(text)) * 20 > len(text)


_WHAT_WE_READ = (
    "lmtrace reads Ceilometer collector logs (the Zenoss dispatcher's `record_events called` lines), "
    "zenpython debug logs (`Queued event` lines), zenopenstack logs and the notification agent's "
    "HTTP publisher lines (`ceilometer.publisher.http`)."
)


def _chain(first: Chunk | None, rest: Iterator[Chunk]) -> Iterator[Chunk]:
    if first is not None:
        yield first
    yield from rest
