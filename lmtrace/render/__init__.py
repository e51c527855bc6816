"""Renderers: finished results in, text out. Nothing here knows a log format.

`choose` resolves `--format auto` once: rich on a terminal, the command's
pipe format otherwise (text for analyze and timeline, JSON Lines for events).
"""

from __future__ import annotations

FORMATS = ("auto", "rich", "text", "markdown", "json", "jsonl", "csv")

__all__ = ["FORMATS", "choose"]


def choose(requested: str, *, stdout_isatty: bool, piped: str) -> str:
    if requested != "auto":
        return requested
    return "rich" if stdout_isatty else piped
