"""What scanning gave: one range's `Part`, and a file's parts added up in
order (`Assembly`) into its `ScannedFile`: rows with final line numbers,
counts, malformed lines and what went wrong with the file while it was read.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from .events import LineCounts, LogKind, Malformed
from .opened import OpenedInput, changes
from .parse import line_counts
from .parse.rows import Row
from .parse.skips import SkipTally

__all__ = ["Assembly", "Part", "ScannedFile", "assemble"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ScannedFile:
    """One input scanned: rows in log order, line numbers final."""

    path: str
    kind: LogKind
    rows: list[Row]
    malformed: tuple[Malformed, ...]
    lines: LineCounts
    #: nothing but whitespace in it (or nothing at all)
    empty: bool = False
    #: what went wrong with the file while it was read (no path in front)
    warnings: tuple[str, ...] = ()
    #: read only in part: it shrank while read, or its compressed data is damaged
    damaged: bool = False
    #: lines stripped of a head of NULs or byte-order marks (lmtrace.read.unpad)
    padded: int = 0
    #: another ZenPack's queued events: (local time, rcvtime), for coverage
    foreign_queued: tuple[tuple[datetime | None, datetime | None], ...] = ()
    #: event records read on the hot path (full=False), and those of them read
    #: by the full repr reader as the fast one could not prove them exact
    records: int = 0
    full_reads: int = 0


@dataclass(frozen=True, slots=True)
class Part:
    """What scanning one range (or a whole input) gave."""

    rows: list[Row]
    malformed: list[Malformed]
    total: int
    parsed: int
    malformed_lines: int
    #: bytes scanned (decompressed)
    nbytes: int
    blank: bool
    #: lines stripped of a head of NULs or byte-order marks
    padded: int = 0
    #: where the file ended short of the range (it shrank while read)
    short: int | None = None
    #: what stopped the decompression early
    damage: str | None = None
    #: what the scanner saw of the lines it skipped (lmtrace.parse.skips)
    tally: SkipTally | None = None


class Assembly:
    """One file's parts added up in order: line numbers made final, counts
    and what went wrong gathered."""

    def __init__(self, path: str, kind: LogKind, inp: OpenedInput | None) -> None:
        self.path, self.kind, self._inp = path, kind, inp
        self._bad: list[Malformed] = []
        self._total = self._parsed = self._malformed = self._padded = self._nbytes = 0
        self._blank = True
        self._short: int | None = None
        self._damage: str | None = None
        self._tally = SkipTally()

    def add(self, part: Part) -> list[Row]:
        """The part's rows, their line numbers counted from the file's start."""
        total = self._total
        self._blank = self._blank and part.blank
        if total:
            rows = [(r[0] + total, *r[1:]) for r in part.rows]
            self._bad.extend(
                dataclasses.replace(m, source=dataclasses.replace(m.source, line=m.source.line + total))
                for m in part.malformed
            )
        else:
            rows = part.rows
            self._bad.extend(part.malformed)
        self._total += part.total
        self._parsed += part.parsed
        self._malformed += part.malformed_lines
        self._padded += part.padded
        self._nbytes += part.nbytes
        if part.short is not None and self._short is None:
            self._short = part.short
        self._damage = self._damage or part.damage
        if part.tally is not None:
            self._tally.add(part.tally)
        return rows

    def finish(self) -> ScannedFile:
        """The file's summary (its rows left empty: they went out with `add`)."""
        total, padded, damage, short = self._total, self._padded, self._damage, self._short
        warnings: list[str] = []
        if padded:
            warnings.append(
                f"{_n(padded, 'line')} began with NUL bytes or a byte-order mark (what an unclean shutdown "
                "or a copytruncate rotation leaves): stripped, and the lines read as usual"
            )
        if damage:
            warnings.append(f"{damage}; this report holds the {_n(total, 'line')} before it")
        if self._inp is not None:
            warnings.extend(changes(self._inp, short, self._nbytes, total))
        return ScannedFile(
            path=self.path,
            kind=self.kind,
            rows=[],
            malformed=tuple(self._bad),
            lines=line_counts(total, self._parsed, self._malformed, self._tally),
            empty=self._blank and not damage and short is None,
            warnings=tuple(warnings),
            damaged=bool(damage) or short is not None,
            padded=padded,
            foreign_queued=tuple(self._tally.foreign_queued),
            records=self._tally.records,
            full_reads=self._tally.full_reads,
        )


def assemble(path: str, kind: LogKind, parts: Sequence[Part]) -> ScannedFile:
    """A file from all its parts, in file order, rows included (a sweep's
    reduction: lmtrace.fleet.tasks). Nothing is known of the file as it was
    opened, so what changed while it was read is not told."""
    assembly = Assembly(path, kind, None)
    rows: list[Row] = []
    for part in parts:
        rows.extend(assembly.add(part))
    return dataclasses.replace(assembly.finish(), rows=rows)


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
