"""Where the report goes: stdout, made safe to write to.

- Characters the stream cannot encode never stop a run: a lone surrogate
  (`u'\\ud800'` in a log) or, on a stream that is not UTF-8
  (`PYTHONIOENCODING=ascii`), any non-ASCII character is written as a
  backslash escape (`\\ud800`, `\\xe9`); JSON writers escape for themselves
  (lmtrace.render.jsonout). On such a stream the report's own typography
  falls back to ASCII first: `→` as `->`, `·` as `-`, `…` as `...`.
- Output that cannot be written (`> /dev/full`, a closed stdout) is an
  `OutputError`: one line on stderr, exit status 2. A reader that went away
  (`| head`) is not an error (lmtrace.cli.options.guarded).
"""

from __future__ import annotations

import codecs
import os
import sys
from typing import Any, TextIO

from ..errors import OutputError

__all__ = ["can_encode_all", "drop_stdout", "stdout"]


_HUMAN = ("text", "markdown", "rich", "html")


_ASCII_TYPOGRAPHY = str.maketrans({"→": "->", "·": "-", "…": "...", "—": "--", "–": "-", "✓": "v"})


def can_encode_all(stream: Any) -> bool:
    """Whether `stream`'s encoding holds every character (a UTF)."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return False
    return name.startswith("utf")


class _Output:
    """stdout as the writers see it: write errors become `OutputError`."""

    def __init__(self, stream: TextIO, *, human: bool) -> None:
        self._stream = stream
        self._ascii = human and not can_encode_all(stream)

    def write(self, text: str) -> int:
        if self._ascii:
            text = text.translate(_ASCII_TYPOGRAPHY)
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            raise
        except OSError as e:
            raise _cannot_write(e) from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise
        except OSError as e:
            raise _cannot_write(e) from None

    def __getattr__(self, name: str) -> Any:
        # isatty, fileno, encoding... as the stream has them (rich asks)
        return getattr(self._stream, name)


def _cannot_write(e: OSError) -> OutputError:
    return OutputError(f"cannot write the output to stdout: {e.strerror or e}")


def stdout(fmt: str) -> TextIO:
    """sys.stdout for a report in `fmt`: unencodable characters escaped (the
    typography of the human formats in ASCII first), write errors as
    `OutputError`; an `OutputError` at once when stdout is closed."""
    stream = sys.stdout
    if stream is None:
        raise OutputError("stdout is closed: nothing can be written (redirect it to a file or /dev/null)")
    for s in (stream, sys.stderr):
        reconfigure = getattr(s, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):  # a stream that cannot change; not ours to fix
                pass
    return _Output(stream, human=fmt in _HUMAN)  # type: ignore[return-value]  # a TextIO in all the writers use


def drop_stdout() -> None:
    """After a failed write: point fd 1 at /dev/null, so that the flush at
    exit does not fail again (and print its own traceback)."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)
