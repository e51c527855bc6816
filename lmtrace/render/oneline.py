"""One operation on one line, as `lmtrace watch` writes each as it settles:
`jsonl` (the object `analyze --format jsonl` writes) or text for humans."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TextIO

from ..findings import MigrationReport
from .common import route, span, title
from .fields import migration_record
from .jsonout import JsonWriter

__all__ = ["OPEN_HEAD", "migration_json", "migration_line", "open_rows"]


def migration_json(m: MigrationReport, out: TextIO | None = None) -> str:
    """The `jsonl` line of `analyze` for this operation (no newline), as
    analyze writes it to `out` (ASCII only when its encoding is not a UTF)."""
    return JsonWriter(out if out is not None else io.StringIO()).dumps(migration_record(m))


def migration_line(m: MigrationReport, *, verdict: bool = True) -> str:
    """`STALE req-… name (id): cmp-a03 -> cmp-b07, 2017-01-23 06:02:40.000 .. 06:03:00.957 UTC (20.957 s): reason`"""
    head = f"{m.verdict.value.upper()} " if verdict else ""
    return f"{head}{title(m)}: {route(m)}, {span(m)}: {m.reason}"


OPEN_HEAD = ("start (UTC)", "operation", "instance", "route", "verdict so far")


def open_rows(ms: Sequence[MigrationReport], limit: int = 20) -> list[tuple[str, ...]]:
    """The operations still open, the newest `limit`, as the live table shows them."""
    return [
        (f"{m.start:%H:%M:%S}", m.operation, m.display_name or (m.instance_id or "?")[:8], route(m),
         m.verdict.value)
        for m in ms[-limit:]
    ]  # fmt: skip
