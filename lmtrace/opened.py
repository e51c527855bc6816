"""Each input opened once, and read through that one descriptor.

A regular file is opened once; every read of it, in this process or in a
forked worker, is an os.pread on that descriptor, so a file that logrotate
renames and re-creates under its name while lmtrace reads it is still the
file that was opened, and a file that shrinks (copytruncate) is noticed by
its short reads. A damaged compressed file hands over every byte before
the damage (`Salvage`). `changes` says what happened to a file while it
was read.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import stat
import zlib
from dataclasses import dataclass
from typing import BinaryIO, cast

from .errors import InputError

__all__ = [
    "DAMAGE",
    "PACKED_MAGIC",
    "OpenedInput",
    "PRead",
    "Salvage",
    "changes",
    "descriptor",
    "fd_or_none",
    "open_once",
    "unpack",
]

#: gzip, bzip2, xz: read whole, decompressed
PACKED_MAGIC = (b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00")


@dataclass(frozen=True, slots=True)
class OpenedInput:
    """A regular file opened once: every read of it, in this process or a
    forked worker, goes through descriptor `fd` with os.pread, so that a
    file renamed and re-created under its name (logrotate) is still the
    file that was opened. `size` is its size when opened: nothing past it
    is read. `fd` -1: reopen by name (a worker that was not forked, or too
    many inputs to keep open), checked to be the same file (`dev`, `ino`)."""

    path: str
    fd: int
    dev: int
    ino: int
    size: int
    #: compressed (gzip, bzip2, xz): read whole, decompressed
    packed: bool


#: how far back from the end of a read `PRead.read_lines` looks for a newline
PROBE = 64 << 10


class PRead:
    """Bytes `start` to `end` of a descriptor, read with os.pread (which
    moves no shared offset: forked workers read one descriptor at once).
    `short` is the position where the file ended before `end`: it shrank
    while it was read."""

    def __init__(self, fd: int, start: int, end: int) -> None:
        self._fd = fd
        self.pos = start
        self._end = end
        self.short: int | None = None

    def read(self, n: int = -1) -> bytes:
        left = self._end - self.pos
        if n < 0 or n > left:
            n = left
        if n <= 0:
            return b""
        data = os.pread(self._fd, n, self.pos)
        if not data:
            self.short = self.pos
        self.pos += len(data)
        return data

    def read_lines(self, n: int) -> bytes:
        """The next bytes up to the last newline among the next `n`: whole
        lines, read at once, so that the reader need not join a line's
        head and tail (lmtrace.read.iter_chunks). b"" when that newline is
        not in the last PROBE bytes of them, or the end is near: then
        `read`, which notices a file that shrank."""
        at = self.pos + n - PROBE
        if self._end - self.pos <= n or at <= self.pos:
            return b""
        probe = os.pread(self._fd, PROBE, at)
        cut = probe.rfind(b"\n")
        if cut < 0 or len(probe) < PROBE:
            return b""
        return self.read(at + cut + 1 - self.pos)

    def seek(self, pos: int, whence: int = 0) -> int:
        self.pos = pos if whence == 0 else self.pos + pos if whence == 1 else self._end + pos
        return self.pos

    def tell(self) -> int:
        return self.pos

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        pass


class Salvage:
    """A decompressing stream read in small steps, so that when its data
    turns out damaged, every byte before the damage has been handed over:
    the error is raised on the read after."""

    def __init__(self, inner: BinaryIO) -> None:
        self._inner = inner
        self._error: BaseException | None = None

    def read(self, n: int) -> bytes:
        if self._error is not None:
            raise self._error
        parts: list[bytes] = []
        got = 0
        while got < n:
            try:
                block = self._inner.read1(min(n - got, 1 << 16))  # type: ignore[attr-defined]
            except DAMAGE as e:
                if not parts:
                    raise
                self._error = e
                break
            if not block:
                break
            parts.append(block)
            got += len(block)
        return b"".join(parts)


DAMAGE = (OSError, EOFError, lzma.LZMAError, zlib.error)


def unpack(raw: PRead | BinaryIO, head: bytes) -> BinaryIO:
    if head.startswith(b"\x1f\x8b"):
        return cast(BinaryIO, gzip.GzipFile(fileobj=raw, mode="rb"))
    if head.startswith(b"BZh"):
        return cast(BinaryIO, bz2.BZ2File(raw, "rb"))  # type: ignore[call-overload]
    return cast(BinaryIO, lzma.LZMAFile(raw, "rb"))  # type: ignore[arg-type]


def open_once(path: str, *, keep: bool) -> tuple[OpenedInput, BinaryIO | None]:
    """Open a regular file once; the file object is returned to be kept
    open (and closed after) when `keep`, else closed here (fd -1)."""
    try:
        f = open(path, "rb")  # noqa: SIM115 - closed by the caller
    except FileNotFoundError as e:
        raise InputError(f"{path}: no such file") from e
    except IsADirectoryError as e:
        raise InputError(f"{path}: is a directory, not a log file") from e
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror}") from e
    try:
        st = os.fstat(f.fileno())
        if stat.S_ISDIR(st.st_mode):
            raise InputError(f"{path}: is a directory, not a log file")
        head = os.pread(f.fileno(), 6, 0)
    except OSError as e:
        f.close()
        raise InputError(f"{path}: cannot read: {e.strerror}") from e
    except BaseException:
        f.close()
        raise
    inp = OpenedInput(
        path=path,
        fd=f.fileno() if keep else -1,
        dev=st.st_dev,
        ino=st.st_ino,
        size=st.st_size,
        packed=head.startswith(PACKED_MAGIC),
    )
    if keep:
        return inp, f
    f.close()
    return inp, None


def descriptor(inp: OpenedInput) -> tuple[int, bool]:
    """The descriptor to read `inp` through, and whether it was opened here
    (to close after): the inherited one, else the path reopened, if it is
    still the same file."""
    if inp.fd >= 0:
        try:
            st = os.fstat(inp.fd)
            if (st.st_dev, st.st_ino) == (inp.dev, inp.ino):
                return inp.fd, False
        except OSError:
            pass
    try:
        fd = os.open(inp.path, os.O_RDONLY)
    except OSError as e:
        raise InputError(f"{inp.path}: cannot read: {e.strerror}") from e
    st = os.fstat(fd)
    if (st.st_dev, st.st_ino) != (inp.dev, inp.ino):
        os.close(fd)
        raise InputError(f"{inp.path}: replaced by another file while it was read; read it again")
    return fd, True


def fd_or_none(inp: OpenedInput) -> int | None:
    return inp.fd if inp.fd >= 0 else None


def changes(inp: OpenedInput, short: int | None, nbytes: int, lines: int) -> list[str]:
    """What happened to a file while it was read: it shrank (short reads),
    grew, or its name now names another file."""
    out: list[str] = []
    try:
        now = os.fstat(inp.fd).st_size if inp.fd >= 0 else os.stat(inp.path).st_size
    except OSError:
        now = inp.size
    if short is not None:
        out.append(
            f"truncated while it was read (copytruncate?): {inp.size} bytes when opened, {now} now, "
            f"the data ended at byte {short}; this report holds what was read, {_n(lines, 'line')}"
        )
    elif now > inp.size:
        out.append(
            f"grew by {now - inp.size} bytes while it was read: read as it was when opened ({inp.size} bytes)"
        )
    try:
        st = os.stat(inp.path)
        same = (st.st_dev, st.st_ino) == (inp.dev, inp.ino)
    except OSError:
        same = False
    if not same:
        out.append(
            "renamed or replaced while it was read (rotated?): this report holds the file that was opened; "
            "the file now under this name was not read"
        )
    return out


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
