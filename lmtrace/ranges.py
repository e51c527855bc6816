"""Cutting a plain file into ranges of whole records, for the workers.

A range starts at a record boundary: a line start for the collector (one
`record_events` line is one record), the start of a log line with a
timestamp for zenpython (a pretty-printed dict runs over many lines, none
of which starts with a date).
"""

from __future__ import annotations

import contextlib
import re
from typing import BinaryIO

from .events import LogKind
from .opened import PRead

__all__ = ["cut_ranges", "record_start"]

# a zenpython record starts with a line that starts with a timestamp
_ZEN_RECORD = re.compile(rb"\n(?=\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d)")


def record_start(f: BinaryIO | PRead, pos: int, kind: LogKind, size: int) -> int:
    """The first record start at or after `pos` (`size` if none)."""
    f.seek(max(pos - 1, 0))
    at = max(pos - 1, 0)
    carry = b""
    while True:
        block = f.read(1 << 20)
        if not block:
            return size
        buf = carry + block
        base = at - len(carry)
        if kind is LogKind.COLLECTOR or kind is LogKind.PUBLISHER:  # one line, one record
            i = buf.find(b"\n")
            if i >= 0:
                return base + i + 1
            carry = b""
        else:
            m = _ZEN_RECORD.search(buf)
            if m is not None and m.start() + 20 <= len(buf):
                return base + m.start() + 1
            if m is not None and len(block) < (1 << 20):
                return base + m.start() + 1  # end of file: decide on what is there
            carry = buf[-24:]  # a newline and a timestamp may straddle blocks
        at += len(block)


def cut_ranges(
    path: str, kind: LogKind, size: int, target: int, *, fd: int | None = None
) -> list[tuple[int, int | None]]:
    """Cuts of a file into ranges of about `target` bytes at record
    starts; read through `fd` when given, else opened by `path`."""
    if size <= target:
        return [(0, None)]
    cuts = [0]
    with contextlib.ExitStack() as stack:
        if fd is None:
            f: BinaryIO | PRead = stack.enter_context(open(path, "rb"))
        else:
            f = PRead(fd, 0, size)
        pos = target
        while pos < size:
            b = record_start(f, pos, kind, size)
            if b >= size:
                break
            if b > cuts[-1]:
                cuts.append(b)
            pos = max(b, cuts[-1]) + target
    out: list[tuple[int, int | None]] = [(a, b) for a, b in zip(cuts, cuts[1:])]
    out.append((cuts[-1], None))
    return out
