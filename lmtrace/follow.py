"""Follow a growing log like `tail -F`: whole lines only, through rotation.

A `Follower` is polled; each poll returns the `Chunk`s of whole lines that
were appended since the last one (a line cut mid-write waits for its end),
tagged with the file's *generation*: the file that stands at the path now,
counted from 0. A generation ends when the file is rotated away:

- rename (logrotate's default: the file moves to `NAME.1`, a new `NAME`
  appears): the path now names another inode. The old file is still open,
  so what was written to it since the last poll is read to its end first;
- copytruncate (the file is copied to `NAME.1`, then truncated in place):
  the file is shorter than what was read, or its first bytes changed. What
  was appended between the last poll and the copy is gone from the file,
  so it is read from the copy: the sibling (`NAME.1`, `NAME-20240101`…, not
  compressed) that starts with the same bytes and is long enough.

A path that does not exist yet is waited for; compressed siblings are never
read. A pipe (a FIFO, `-`) has no rotation: it ends at its end of file.
Line numbers count from 1 in each generation, as `lmtrace analyze` counts
them in the rotated file. Nothing here knows a log format.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
from dataclasses import dataclass

from .read import STDIN, Chunk

__all__ = ["Follower", "Lines", "Ended"]

#: bytes read from one file per poll at most, so that a long backlog
#: (--from-start on a large file) is handed over in slices
READ_LIMIT = 4 << 20
_BLOCK = 1 << 20
#: the first bytes of a generation, kept to recognise it (and its copy)
HEAD = 256
#: a line longer than this is cut to its first `TRUNCATED_HEAD` bytes
MAX_LINE = 64 << 20
TRUNCATED_HEAD = 64 << 10
_COMPRESSED = (".gz", ".bz2", ".xz", ".zst", ".lz4", ".Z", ".zip")


@dataclass(frozen=True, slots=True)
class Lines:
    """Whole lines of one generation of the followed file."""

    generation: int
    chunk: Chunk


@dataclass(frozen=True, slots=True)
class Ended:
    """A generation is over: rotated away, or the pipe's end of file."""

    generation: int


class _Gen:
    """One generation: its open file, how far it is read, its line count."""

    __slots__ = ("fd", "ino", "dev", "offset", "line", "pending", "head", "number", "skipping", "truncated")

    def __init__(self, fd: int, st: os.stat_result, number: int) -> None:
        self.fd = fd
        self.ino = st.st_ino
        self.dev = st.st_dev
        self.offset = 0  # bytes consumed (whole lines handed over, plus pending)
        self.line = 1  # number of the next line handed over
        self.pending = b""  # a line not ended yet
        self.head = b""
        self.number = number
        self.skipping = False  # inside a cut line: drop bytes up to its newline
        self.truncated: set[int] = set()


class Follower:
    """Follow one path (see the module docstring). `from_start`: hand over
    what the file holds already; otherwise start at its end (the lines
    there are counted, so that line numbers stay those of the file). A file
    that appears later is always read from its start."""

    def __init__(self, path: str, *, from_start: bool = False) -> None:
        self.path = path
        self.pipe = path == STDIN or _is_pipe(path)
        self.done = False  # a pipe at its end
        self._gen: _Gen | None = None
        self._next_number = 0
        self._from_start = from_start
        self.missing = False
        self._open_current(at_end=not from_start)

    # -- opening ----------------------------------------------------------

    def _open_current(self, *, at_end: bool) -> None:
        if self.path == STDIN:
            fd = sys.stdin.fileno()
            os.set_blocking(fd, False)
            self._gen = _Gen(fd, os.fstat(fd), self._take_number())
            return
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
        except FileNotFoundError:
            self.missing = True
            return
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            os.close(fd)
            raise IsADirectoryError(errno.EISDIR, "is a directory", self.path)
        if not self.pipe:
            os.set_blocking(fd, True)
        self.missing = False
        g = _Gen(fd, st, self._take_number())
        self._gen = g
        if at_end and not self.pipe:
            self._skip_existing(g, st.st_size)

    def _take_number(self) -> int:
        n = self._next_number
        self._next_number += 1
        return n

    def _skip_existing(self, g: _Gen, size: int) -> None:
        """Start at the end: count the lines already there; a last line
        without its newline yet is read when it is ended."""
        pos = 0
        last_nl = -1
        lines = 0
        while pos < size:
            block = os.pread(g.fd, min(_BLOCK, size - pos), pos)
            if not block:
                break
            if pos < HEAD:
                g.head = (g.head + block)[:HEAD]
            lines += block.count(b"\n")
            r = block.rfind(b"\n")
            if r >= 0:
                last_nl = pos + r
            pos += len(block)
        g.offset = last_nl + 1
        g.line = lines + 1

    def close(self) -> None:
        if self._gen is not None:
            if self.path != STDIN:
                os.close(self._gen.fd)
            else:  # the flag is the terminal's or the pipe's, shared with whoever reads it next
                with contextlib.suppress(OSError):
                    os.set_blocking(self._gen.fd, True)
        self._gen = None

    # -- polling ----------------------------------------------------------

    def poll(self, *, limit: int = READ_LIMIT) -> list[Lines | Ended]:
        """What was appended since the last poll: at most about `limit`
        bytes of whole lines, then `Ended` for a generation rotated away.
        Call again when the result is long: more may be waiting."""
        out: list[Lines | Ended] = []
        if self.done:
            return out
        g = self._gen
        if g is None:
            self._open_current(at_end=False)
            g = self._gen
            if g is None:
                return out
        if self.pipe:
            eof = self._read(g, limit, out)
            if eof:
                self._end(g, out)
                self.done = True
            return out
        rotated, truncated = self._rotation(g)
        if truncated:
            self._read_copy(g, out)
            self._end(g, out)
            os.lseek(g.fd, 0, os.SEEK_SET)
            st = os.fstat(g.fd)
            self._gen = _Gen(g.fd, st, self._take_number())
            return out
        at_eof = self._read(g, limit, out)
        if rotated and at_eof:
            # the old file is read to its end: switch to the new one
            self._end(g, out)
            os.close(g.fd)
            self._gen = None
            self._open_current(at_end=False)
        return out

    @property
    def generation(self) -> int:
        return self._gen.number if self._gen is not None else self._next_number

    @property
    def lagging(self) -> bool:
        """Whether the current file holds bytes not handed over yet."""
        g = self._gen
        if g is None or self.pipe:
            return False
        try:
            return os.fstat(g.fd).st_size > g.offset
        except OSError:
            return False

    def _rotation(self, g: _Gen) -> tuple[bool, bool]:
        """(renamed: another file stands at the path (or none), truncated)."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return True, False
        if (st.st_ino, st.st_dev) != (g.ino, g.dev):
            return True, False
        if st.st_size < g.offset:
            return False, True
        if g.head:
            now = os.pread(g.fd, len(g.head), 0)
            if now != g.head[: len(now)] or len(now) < len(g.head):
                return False, True  # truncated, then written again past where we were
        return False, False

    def _read(self, g: _Gen, limit: int, out: list[Lines | Ended]) -> bool:
        """Read up to `limit` bytes; True when the end of the file was reached."""
        got = 0
        while got < limit:
            try:
                n = min(_BLOCK, limit - got)
                block = os.read(g.fd, n) if self.pipe else os.pread(g.fd, n, g.offset)
            except BlockingIOError:
                return False  # a pipe with a writer and nothing in it yet
            if not block:
                # a FIFO opened before its writer reads as ended: wait for a first byte
                return not self.pipe or g.offset > 0 or self.path == STDIN
            got += len(block)
            self._take(g, block, out)
        return False

    def _read_copy(self, g: _Gen, out: list[Lines | Ended]) -> None:
        """After a copytruncate: the rest of the generation, from its copy."""
        copy = self._find_copy(g)
        if copy is None:
            return
        try:
            with open(copy, "rb") as f:
                f.seek(g.offset)
                for block in iter(lambda: f.read(_BLOCK), b""):
                    self._take(g, block, out)
        except OSError:
            return

    def _find_copy(self, g: _Gen) -> str | None:
        d = os.path.dirname(self.path) or "."
        base = os.path.basename(self.path)
        best: tuple[float, str] | None = None
        try:
            names = os.listdir(d)
        except OSError:
            return None
        for name in names:
            if name == base or not name.startswith(base) or name.endswith(_COMPRESSED):
                continue
            p = os.path.join(d, name)
            try:
                st = os.stat(p)
                if not stat.S_ISREG(st.st_mode) or st.st_size < g.offset:
                    continue
                with open(p, "rb") as f:
                    if f.read(len(g.head)) != g.head:
                        continue
            except OSError:
                continue
            if best is None or st.st_mtime > best[0]:
                best = (st.st_mtime, p)
        return None if best is None else best[1]

    def _take(self, g: _Gen, block: bytes, out: list[Lines | Ended]) -> None:
        have = len(g.head)  # the file's first bytes, as far as known
        if have < HEAD and g.offset <= have < g.offset + len(block):
            g.head += block[have - g.offset : HEAD - g.offset]
        g.offset += len(block)
        if g.skipping:
            nl = block.find(b"\n")
            if nl < 0:
                return
            block = block[nl + 1 :]
            g.skipping = False
        cut = block.rfind(b"\n")
        if cut < 0:
            g.pending += block
            if len(g.pending) > MAX_LINE:
                g.truncated.add(g.line)
                self._emit(g, g.pending[:TRUNCATED_HEAD] + b"\n", out)
                g.pending = b""
                g.skipping = True
            return
        data = g.pending + block[: cut + 1]
        g.pending = block[cut + 1 :]
        self._emit(g, data, out)

    def _emit(self, g: _Gen, data: bytes, out: list[Lines | Ended]) -> None:
        n = data.count(b"\n")
        truncated = frozenset(x for x in g.truncated if g.line <= x < g.line + n)
        g.truncated -= truncated
        out.append(Lines(g.number, Chunk(data, g.line, g.offset - len(g.pending) - len(data), truncated, newlines=n)))
        g.line += n

    def _end(self, g: _Gen, out: list[Lines | Ended]) -> None:
        """The generation is over: a last line without a newline is a line
        all the same (as `analyze` reads the rotated file)."""
        if g.pending and not g.skipping:
            data = g.pending
            g.pending = b""
            out.append(Lines(g.number, Chunk(data, g.line, g.offset - len(data), newlines=0)))
            g.line += 1
        out.append(Ended(g.number))

    def flush(self) -> list[Lines | Ended]:
        """At a stop: a last line without its newline is handed over as it
        stands (what `analyze` would read now), and the generation ends."""
        out: list[Lines | Ended] = []
        g = self._gen
        if g is not None and not self.done:
            # until nothing comes: a rotation seen now opens the new file, to be read too
            while items := self.poll(limit=1 << 62):
                out.extend(items)
            g = self._gen
            if g is not None and not self.done:
                self._end(g, out)
        return out


def _is_pipe(path: str) -> bool:
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISSOCK(mode)
