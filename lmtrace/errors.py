"""Errors that stop a run, and the exit statuses the CLI maps them to.

Bad *lines* are not errors: parsers yield `Malformed` records for them and
the run goes on. These exceptions are for what cannot go on: an unreadable
file, a log of unknown kind, an unreadable handler map. Their text reads
`path:line: what was wrong`, then what to do next. The library never prints
and never exits; lmtrace.cli turns these into messages and statuses.
"""

from __future__ import annotations

import enum

__all__ = ["ExitStatus", "HandlerMapError", "InputError", "LmtraceError", "OutputError", "UsageError"]


class ExitStatus(enum.IntEnum):
    OK = 0
    FINDING = 1  # --fail-on matched, or --strict saw malformed lines
    ERROR = 2  # usage or input error, like grep and diff
    INTERNAL = 3  # a bug: an error lmtrace did not expect
    CTRL_C = 130


class LmtraceError(Exception):
    """Base class: a run cannot go on."""

    exit_status = ExitStatus.ERROR


class InputError(LmtraceError):
    """An input file is missing, unreadable or of unknown kind."""


class HandlerMapError(LmtraceError):
    """A handler map (ZenPack events.py or TOML) cannot be read."""


class UsageError(LmtraceError):
    """An option's value cannot be used (a bad --tz, --since, ...)."""


class OutputError(LmtraceError):
    """The report cannot be written: stdout is closed, or full (`> /dev/full`)."""
