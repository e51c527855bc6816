"""Bytes in: paths, globs, rotated sets, compressed files and stdin.

Nothing here knows a log format. A file is read as a sequence of `Chunk`s of
whole lines, so that memory stays bounded however large the file is; a line
longer than `max_line` bytes is cut to its head and its number is reported in
`Chunk.truncated`, so that one enormous line cannot blow up memory either.
"""

from __future__ import annotations

import bz2
import glob
import gzip
import io
import lzma
import os
import re
import stat
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO, cast

from .errors import InputError

__all__ = [
    "Chunk",
    "NewlinesFed",
    "STDIN",
    "expand_paths",
    "is_blank",
    "iter_chunks",
    "oldest_first",
    "open_input",
    "peek",
    "read_once",
    "unpad",
]

STDIN = "-"
CHUNK_SIZE = 8 << 20
MAX_LINE = 64 << 20
# what is kept of a cut line: enough to recognise it and say why it is cut
TRUNCATED_HEAD = 64 << 10

_MAGIC = (
    (b"\x1f\x8b", gzip.open),
    (b"BZh", bz2.open),
    (b"\xfd7zXZ\x00", lzma.open),
)


@dataclass(frozen=True, slots=True)
class Chunk:
    """Whole lines of one input: `data` ends with a newline unless it is the
    end of the file. `first_line` is the 1-based number of its first line,
    `offset` the byte offset of `data[0]` in the decompressed stream."""

    data: bytes
    first_line: int
    offset: int
    truncated: frozenset[int] = field(default=frozenset())
    #: newlines in `data`, when the reader has counted them already
    newlines: int = -1
    #: lines whose head of NUL bytes or byte-order marks was stripped (`unpad`)
    padded: int = 0

    @property
    def lines(self) -> int:
        n = self.newlines if self.newlines >= 0 else self.data.count(b"\n")
        if self.data and not self.data.endswith(b"\n"):
            n += 1
        return n


def expand_paths(patterns: list[str]) -> list[str]:
    """Paths as given, globs expanded, rotated sets oldest first.

    `collector.log*` matching `collector.log`, `collector.log.1`,
    `collector.log.2.gz` yields `.2.gz`, `.1`, then the live file: logrotate
    numbers older files higher. A pattern that matches nothing is an error.
    A directory stands for the log files in it (`_logs_in`).
    """
    out: list[str] = []
    for pattern in patterns:
        if pattern != STDIN and os.path.isdir(pattern):
            out.extend(_logs_in(pattern))
            continue
        if pattern == STDIN or os.path.exists(pattern) or not glob.has_magic(pattern):
            out.append(pattern)
            continue
        matches = [m for m in glob.glob(pattern) if os.path.isfile(m)]
        if not matches:
            raise InputError(f"{pattern}: no file matches this pattern")
        out.extend(oldest_first(matches))
    return out


def oldest_first(paths: Iterable[str]) -> list[str]:
    """Paths sorted by name, each rotated set oldest first (see `expand_paths`)."""
    return sorted(paths, key=_rotation_key)


# a log file's name: `x.log`, rotated `x.log.1`, compressed `x.log.2.gz`,
# or logrotate's dateext `x.log-20170123(.gz)`
_LOG_NAME = re.compile(r"\.log(?:[.-]\w+)*$")


def _logs_in(directory: str) -> list[str]:
    """The log files directly in `directory` (not its subdirectories): the
    regular files named like a log (`*.log`, `*.log.1`, `*.log.2.gz`,
    `*.log-20170123`), each rotated set oldest first. A directory without
    one is an InputError."""
    try:
        names = os.listdir(directory)
    except OSError as e:
        raise InputError(f"{directory}: cannot list this directory: {e.strerror or e}") from e
    found = [
        os.path.join(directory, n)
        for n in names
        if not n.startswith(".") and _LOG_NAME.search(n) and os.path.isfile(os.path.join(directory, n))
    ]
    if not found:
        raise InputError(
            f"{directory}: a directory without a log file in it (files named *.log, *.log.1, *.log.2.gz, …)"
        )
    return sorted(found, key=_rotation_key)


_ROTATED = re.compile(r"^(?P<base>.*?)(?:\.(?P<n>\d+))?(?:\.(?:gz|bz2|xz))?$")


def _rotation_key(path: str) -> tuple[str, int, str]:
    m = _ROTATED.match(path)
    assert m is not None  # the pattern matches any string
    n = int(m["n"]) if m["n"] else 0
    # higher rotation number = older = first; the live file (0) last
    return (m["base"], -n, path)


def read_once(path: str) -> bool:
    """Whether `path` can be read only once, from its start: stdin, a pipe
    (`<(cmd)`, /dev/fd/N, a FIFO), a character device. Such an input is
    opened once and sniffed on the fly; only a regular file is reopened,
    seeked into or split. A path that cannot be stat'ed is not: opening it
    reports why."""
    if path == STDIN:
        return True
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def open_input(path: str) -> BinaryIO:
    """Open a path (or `-` for stdin) for reading bytes, decompressing
    gzip, bzip2 and xz by their magic bytes, not their names.

    A regular file is reopened by name to decompress it; an input that can
    be read only once (see `read_once`) is decompressed in place, from the
    bytes already read to recognise it."""
    if path == STDIN:
        raw: BinaryIO = sys.stdin.buffer
    else:
        try:
            raw = open(path, "rb")  # noqa: SIM115 - returned to the caller
        except FileNotFoundError as e:
            raise InputError(f"{path}: no such file") from e
        except IsADirectoryError as e:
            raise InputError(f"{path}: is a directory, not a log file") from e
        except OSError as e:
            raise InputError(f"{path}: cannot read: {e.strerror}") from e
    if read_once(path):
        return _open_once(path, raw)
    head = peek(raw, 6)
    for magic, opener in _MAGIC:
        if head.startswith(magic):
            raw.close()  # reopened by name, so that closing it closes the file
            return cast(BinaryIO, opener(path, "rb"))
    return raw


def _open_once(path: str, raw: BinaryIO) -> BinaryIO:
    # a pipe's peek may see fewer bytes than a magic has: read them, and
    # put them back in front of the rest
    head = b""
    try:
        while len(head) < 6:
            block = raw.read(6 - len(head))
            if not block:
                break
            head += block
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror or e}") from e
    # closing what is returned closes the input, except stdin's
    keep = [] if path == STDIN else [raw]
    plain = io.BufferedReader(_Once(head, raw, keep))
    for magic, opener in _MAGIC:
        if head.startswith(magic):
            unpacked = cast(BinaryIO, opener(plain, "rb"))
            return cast(BinaryIO, io.BufferedReader(_Once(b"", unpacked, [unpacked, plain])))
    return cast(BinaryIO, plain)


class _Once(io.RawIOBase):
    """`head`, then the rest of `inner`; closing it closes `to_close`."""

    def __init__(self, head: bytes, inner: BinaryIO, to_close: list[BinaryIO]) -> None:
        super().__init__()
        self._head = head
        self._inner = inner
        self._to_close = to_close

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(b), len(self._head))
            b[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        # read1: a decompressor hands over what it has before damage stops it
        data = getattr(self._inner, "read1", self._inner.read)(len(b))
        n = len(data)
        b[:n] = data
        return n

    def close(self) -> None:
        if not self.closed:
            for f in self._to_close:
                f.close()
        super().close()


def is_blank(data: bytes) -> bool:
    """Whether `data` holds nothing but whitespace (or nothing)."""
    return not data or data.isspace()


def peek(stream: BinaryIO, n: int) -> bytes:
    """The next `n` bytes of a stream without consuming them."""
    data: bytes = stream.peek(n)  # type: ignore[attr-defined]
    return data[:n]


def iter_chunks(
    stream: BinaryIO,
    *,
    chunk_size: int = CHUNK_SIZE,
    max_line: int = MAX_LINE,
    path: str = "",
    first_line: int = 1,
    offset: int = 0,
    on_damage: Callable[[int, BaseException], None] | None = None,
    counted: Callable[[bytes], int] | None = None,
) -> Iterator[Chunk]:
    """Read a stream as chunks of whole lines (see `Chunk`). `first_line`
    and `offset` number a stream that starts inside a file (a worker's
    range: see lmtrace.parallel).

    `counted`, when given, tells the newlines of a chunk's data once the
    consumer has taken the chunk (a scanner counts them anyway as it
    numbers the lines of its records: see `NewlinesFed`); the chunks then
    come without `newlines`, and no pass over the bytes is made here to
    count them.

    A read that fails (damaged compressed data, an I/O error) is an
    InputError; with `on_damage`, it is instead passed to `on_damage`
    with the offset of the bytes read so far, the lines before it are
    yielded and the stream ends there."""
    line = first_line
    pending = b""
    skipping = False  # inside a cut line: drop bytes up to its newline
    hole = False  # the pending line started with more NULs than max_line
    # a stream that can read whole lines at once (lmtrace.opened.PRead):
    # no line is then split between reads and joined again (a copy)
    whole = getattr(stream, "read_lines", None)
    while True:
        try:
            block = whole(chunk_size) if whole is not None and not pending and not skipping else b""
            block = block or stream.read(chunk_size)
        except (OSError, EOFError, lzma.LZMAError, zlib.error) as e:
            if on_damage is None:
                raise InputError(f"{path or 'input'}: cannot read: {e}") from e
            on_damage(offset + len(pending), e)
            break
        if not block:
            break
        if skipping:
            nl = block.find(b"\n")
            if nl < 0:
                offset += len(block)
                continue
            offset += nl + 1
            block = block[nl + 1 :]
            skipping = False
        cut = block.rfind(b"\n")
        if cut >= 0:
            # one copy at most: the bytes up to the block's last newline
            if pending:
                data = pending + memoryview(block)[: cut + 1]
            else:
                data = block if cut + 1 == len(block) else block[: cut + 1]
            pending = block[cut + 1 :]
            # counted once: here, or by the consumer (`counted`); a pass over
            # the bytes is a good part of the time on a noisy log
            if counted is None:
                nl = data.count(b"\n")
                yield Chunk(data, line, offset, newlines=nl, padded=_hole(hole, data))
            else:
                yield Chunk(data, line, offset, padded=_hole(hole, data))
                nl = counted(data)
            hole = False
            line += nl
            offset += len(data)
            continue
        # no newline in this block: the line goes on
        buf = pending + block if pending else block
        if len(buf) > max_line and buf[:1] == b"\0":
            # a hole of NULs (a file truncated under a writer that kept its
            # offset): not a line; what follows it is
            rest = buf.lstrip(b"\0")
            offset += len(buf) - len(rest)
            buf = rest
            hole = True
        if len(buf) > max_line:
            # one enormous line: keep its head as a line of its own and
            # drop the rest up to its newline
            yield Chunk(buf[:TRUNCATED_HEAD] + b"\n", line, offset, frozenset((line,)))
            line += 1
            offset += len(buf)
            pending = b""
            skipping = True
        else:
            pending = buf
    if pending or hole:
        yield Chunk(pending, line, offset, padded=_hole(hole, pending))


class NewlinesFed:
    """The newlines of the chunk a scanner was just fed, as it counted them
    (its `last_newlines`; -1: it did not), for `iter_chunks(counted=...)`:
    `fed` is set after each feed, and read back once."""

    __slots__ = ("fed",)

    def __init__(self) -> None:
        self.fed = -1

    def __call__(self, data: bytes) -> int:
        n, self.fed = self.fed, -1
        return n if n >= 0 else data.count(b"\n")

    def lines(self, chunk: Chunk, counted: int) -> int:
        """The lines of `chunk`, just fed to a scanner that counted `counted`
        newlines in it (-1: it did not; `unpad` keeps every newline); its
        newlines are kept for the reader."""
        n = chunk.newlines if chunk.newlines >= 0 else counted if counted >= 0 else chunk.data.count(b"\n")
        self.fed = n
        return n + (0 if not chunk.data or chunk.data.endswith(b"\n") else 1)


def _hole(hole: bool, data: bytes) -> int:
    # a line whose hole of NULs was dropped counts as padded once: here,
    # unless NULs are left at its head, which `unpad` counts
    return int(hole and data[:1] not in (b"\0", b"\xef"))


# NUL bytes and byte-order marks at the start of a line: what an unclean
# shutdown (a preallocated block never written) or copytruncate under a
# writer that kept its offset leaves in front of the next line written
_PAD = re.compile(rb"^(?:\x00|\xef\xbb\xbf)+", re.M)


def unpad(chunk: Chunk) -> Chunk:
    """`chunk` without NUL bytes or byte-order marks at the start of its
    lines, so that a timestamp behind them is one again; `padded` counts
    the lines stripped. Line numbers stay; offsets of later lines in the
    chunk move back by the bytes stripped."""
    data = chunk.data
    # one-byte tests first: memchr runs at memory speed, a three-byte search
    # over a chunk with no 0xBF at a tenth of it
    if b"\0" not in data and (b"\xbf" not in data or b"\xef\xbb\xbf" not in data):
        return chunk
    data, n = _PAD.subn(b"", data)
    if not n:
        return chunk
    return Chunk(data, chunk.first_line, chunk.offset, chunk.truncated, chunk.newlines, chunk.padded + n)
