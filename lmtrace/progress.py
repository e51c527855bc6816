"""How far a run has got, for a progress display (the CLI draws it).

The library calls an `on_progress(Progress)` callback, never a terminal:
after each chunk or range read, after each file, and when migrations are
counted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["OnProgress", "Progress"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Progress:
    #: bytes read so far (decompressed) and the inputs' size on disk (0: unknown, e.g. stdin)
    bytes_read: int
    bytes_total: int
    #: events read so far (files finished)
    events: int
    files_done: int
    files_total: int
    #: "reading", "analyzing" or "done"
    stage: str = "reading"
    #: live migrations found (known once the events are grouped)
    migrations: int | None = None

    def describe(self) -> str:
        """`reading 2 files (1 done)`; once every byte is read, the events of
        the files still open are being put together, which "reading" no
        longer says (it read `1/2 files … 98.7/98.7 MB`)."""
        if self.stage != "reading":
            return self.stage
        files = f"{self.files_total} file{'s' if self.files_total != 1 else ''}"
        if self.bytes_total and self.bytes_read >= self.bytes_total and self.files_done < self.files_total:
            return f"read {files}; building events ({self.files_done} done)"
        return f"reading {files} ({self.files_done} done)"


OnProgress = Callable[[Progress], None]
