"""The `lmtrace` command: click options in, library calls, a renderer out.

Errors are converted once, in `main`: an `LmtraceError` becomes a one-line
message and its exit status (2 for input and usage errors), Ctrl-C exits
130 with a short message, a closed pipe ends output quietly.

The package: `options` (what the commands share: options, the error
boundary, stderr lines about the inputs), `commands` (the commands), `sweep` (`lmtrace sweep`, many clouds on Dask)
and `watching` (`lmtrace watch`).
"""

from __future__ import annotations

from .commands import analyze, cli, events, main, timeline
from .sweep import sweep
from .watching import watch

__all__ = ["analyze", "cli", "events", "main", "sweep", "timeline", "watch"]
