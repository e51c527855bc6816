"""What the commands share: the input and format options, the error boundary
(`guarded`: LmtraceError to an exit status, once), and the lines each
command writes to stderr about its inputs.
"""

from __future__ import annotations

import functools
import os
import shutil
import sys
import textwrap
from collections.abc import Callable, Sequence
from datetime import tzinfo
from typing import Any, TypeVar

import click

from ..clock import ALL_FILES, parse_tz
from ..errors import ExitStatus, LmtraceError, OutputError, UsageError
from ..events import LogKind
from ..findings import Verdict
from ..load import InputSummary
from ..render import FORMATS, REPORT_FORMATS
from ..render.common import skipped_text
from .output import drop_stdout, stdout

__all__ = ["F", "MAX_MALFORMED_SHOWN", "TimelineCommand", "check_handler_map_choice", "format_option", "guarded", "input_options", "internal_error_message", "parse_kind_specs", "parse_tz_specs", "report_inputs"]


F = TypeVar("F", bound=Callable[..., Any])


MAX_MALFORMED_SHOWN = 10


class _Exit(click.ClickException):
    """A library error as click prints it, with our exit status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        # click declares exit_code on the class; ours depends on the error
        setattr(self, "exit_code", status)  # noqa: B010

    def show(self, file: Any = None) -> None:
        if self.exit_code in (ExitStatus.FINDING, ExitStatus.INTERNAL):
            # a finding the user asked to fail on (--fail-on, --strict, no match)
            # is the answer, not an error; an internal error names itself
            click.echo(f"lmtrace: {self.format_message()}", err=True)
        else:
            super().show(file)


def input_options(f: F) -> F:
    """Options shared by every command that reads logs."""
    for decorator in reversed(
        [
            click.argument("files", nargs=-1, required=True, metavar="FILE..."),
            click.option(
                "--kind",
                "kind_specs",
                multiple=True,
                metavar="[FILE=]KIND",
                help="collector, zenpython, zenopenstack or publisher (the notification agent's HTTP publisher "
                "lines): the kind of every input or, as FILE=KIND, of one "
                "(a path, basename or glob; repeatable), instead of detecting it from content.",
            ),
            click.option(
                "--tz",
                "tz_specs",
                multiple=True,
                metavar="[FILE=]ZONE",
                help="UTC offset (+08:00) or IANA zone (Asia/Shanghai) of the log timestamps, "
                "for all files or, as FILE=ZONE, for one (a path, basename or glob; repeatable). "
                "Default: inferred per file.",
            ),
            click.option(
                "--strict",
                is_flag=True,
                help="Exit with status 1 if any input line was malformed, 2 if an input could be read only "
                "in part (truncated while read, a cut archive); after reporting all.",
            ),
            click.option("-q", "--quiet", is_flag=True, help="No per-file summary or progress on stderr."),
            click.option(
                "-j",
                "--jobs",
                type=click.IntRange(min=0),
                default=0,
                show_default=True,
                help="Processes that parse large inputs; 0: one per core. The result is the "
                "same for any number; inputs under 24 MiB are read in one process.",
            ),
            click.option(
                "--debug",
                is_flag=True,
                help="On an internal error (exit status 3), show its traceback instead of one line.",
            ),
        ]
    ):
        f = decorator(f)
    return f


def format_option(default_piped: str, *, html: bool = False) -> Callable[[F], F]:
    extra = " html: one self-contained file (no network), open it in a browser." if html else ""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(REPORT_FORMATS if html else FORMATS),
        default="auto",
        show_default=True,
        help=f"Output format. auto: rich on a terminal, {default_piped} when piped.{extra}",
    )


def parse_tz_specs(specs: tuple[str, ...]) -> dict[str, tzinfo]:
    """`--tz [FILE=]ZONE` values: FILE (`*` for all) -> zone. Which input a
    FILE means, and a FILE that means none, is load_events's business."""
    out: dict[str, tzinfo] = {}
    for spec in specs:
        path, sep, zone = spec.rpartition("=")
        out[path if sep else ALL_FILES] = parse_tz(zone)
    return out


def parse_kind_specs(specs: tuple[str, ...]) -> dict[str, LogKind | None] | None:
    """`--kind [FILE=]KIND` values: FILE (`*` for all) -> kind, None if none given."""
    if not specs:
        return None
    out: dict[str, LogKind | None] = {}
    kinds = [k.value for k in LogKind]
    for spec in specs:
        path, sep, value = spec.rpartition("=")
        if value not in kinds:
            raise UsageError(f"--kind {spec}: {value!r} is not a kind; write {' or '.join(kinds)}")
        out[path if sep else ALL_FILES] = LogKind(value)
    return out


def _stdout_isatty() -> bool:
    return sys.stdout.isatty()


def report_inputs(
    inputs: Sequence[InputSummary], warnings: Sequence[str], *, quiet: bool
) -> None:
    """Per-file counts (unless quiet), malformed lines and warnings on stderr;
    on a terminal, long lines wrap at spaces (the terminal would cut words)."""
    if not quiet:
        for i in inputs:
            sys.stderr.write(err_wrap(_summary_line(i)))
    _report_malformed(inputs)
    for w in warnings:
        sys.stderr.write(err_wrap(f"warning: {w}"))


def err_wrap(line: str) -> str:
    """`line` and its newline for stderr: wrapped at spaces to the terminal's
    width, continuation lines indented, when stderr is a terminal; as is
    otherwise (a log file or a pipe keeps one line per fact, for grep)."""
    if not sys.stderr.isatty():
        return line + "\n"
    width = shutil.get_terminal_size().columns
    wrapped = textwrap.wrap(
        line, width=max(width - 1, 40), subsequent_indent="    ", break_long_words=False, break_on_hyphens=False
    )
    return "\n".join(wrapped or [line]) + "\n"


def _report_malformed(inputs: Sequence[InputSummary]) -> None:
    """Every malformed line (up to a limit per file) on stderr, always."""
    err = sys.stderr
    for i in inputs:
        for m in i.malformed[:MAX_MALFORMED_SHOWN]:
            err.write(f"  {m.source}: malformed: {m.reason}\n")
        if len(i.malformed) > MAX_MALFORMED_SHOWN:
            err.write(
                f"  ... and {len(i.malformed) - MAX_MALFORMED_SHOWN} more malformed lines "
                "(all are listed in --format json)\n"
            )


def strict_damage(inputs: Sequence[InputSummary], strict: bool) -> None:
    """--strict: an input read only in part (after the report) is an input error."""
    damaged = [i.path for i in inputs if i.damaged]
    if strict and damaged:
        raise _Exit(
            f"{', '.join(damaged)}: read only in part (see the warnings) (--strict)", int(ExitStatus.ERROR)
        )


def _summary_line(i: InputSummary) -> str:
    c = i.lines
    return (
        f"{i.path}: {i.kind.value} log, {_n(c.total, 'line')}: {c.parsed} parsed, {c.skipped} skipped, "
        f"{c.malformed} malformed{skipped_text(i)}; {_n(i.events, 'event')}; UTC offset {i.clock.label} ({i.clock.how})"
    )


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _verdict_list(value: str | None, option: str) -> frozenset[Verdict] | None:
    if not value:
        return None
    out = set()
    for part in value.replace(" ", "").split(","):
        if not part:
            continue
        try:
            out.add(Verdict(part.lower()))
        except ValueError:
            valid = ", ".join(v.value for v in Verdict)
            raise UsageError(f"{option} {part}: not a verdict; choose from {valid}") from None
    return frozenset(out)


class TimelineCommand(click.Command):
    """`lmtrace timeline`: an option of `analyze` it does not have (`--since`)
    gets a pointer to `analyze`, not click's guess of a look-alike name
    (`--instance`, `--kind`) that does something else."""

    analyze_only = ("--since", "--until", "--host", "--device", "--verdict", "--fail-on", "--timeline")

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.NoSuchOption as e:
            name = e.option_name.split("=", 1)[0]
            if name in self.analyze_only:
                raise click.UsageError(
                    f"timeline has no {name}: it shows the migrations that --request or --instance name; "
                    f"`lmtrace analyze {name} …` filters the report, and `lmtrace analyze --timeline` "
                    "adds the timelines of the migrations it reports that are not ok",
                    ctx,
                ) from None
            raise


def check_handler_map_choice(handler_map_path: str | None) -> None:
    """--handler-map replaces the built-in map: naming a --zenpack as well is
    a contradiction, not a silent override."""
    ctx = click.get_current_context()
    source = ctx.get_parameter_source("zenpack")
    if handler_map_path is not None and source not in (None, click.core.ParameterSource.DEFAULT):
        raise click.UsageError(
            f"--handler-map {handler_map_path} replaces the built-in map: give it or --zenpack "
            f"{ctx.params.get('zenpack')}, not both",
            ctx,
        )
def internal_error_message(e: BaseException, files: Sequence[str]) -> str:
    """One line for an error lmtrace did not expect: what, on which inputs,
    and what to do."""
    what = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
    what = " ".join(what.split())  # one line, whatever the message holds
    if len(what) > 200:
        what = what[:197] + "..."
    inputs = ", ".join(files) if files else "the inputs"
    if len(inputs) > 200:
        inputs = inputs[:197] + "..."
    return (
        f"internal error while reading {inputs}: {what}. This is a bug in lmtrace: please report it "
        "with the command line and, if you can, the input (rerun with --debug for the traceback)"
    )


def guarded(f: F) -> F:
    """Run a command body with the one error boundary."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        debug = bool(kwargs.get("debug"))
        try:
            if sys.stdout is None:  # `lmtrace ... >&-`: fail before the work
                stdout("text")
            return f(*args, **kwargs)
        except LmtraceError as e:
            if isinstance(e, OutputError):
                drop_stdout()
            if debug:
                raise
            raise _Exit(str(e), int(e.exit_status)) from e
        except KeyboardInterrupt:
            click.echo("lmtrace: interrupted", err=True)
            sys.exit(int(ExitStatus.CTRL_C))
        except BrokenPipeError:
            # the reader went away (`| head`): stop quietly, like grep
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(int(ExitStatus.OK))
        except SystemExit as e:
            # rich's Console.on_broken_pipe has already pointed stdout at
            # devnull and raises SystemExit(1) from the BrokenPipeError
            if isinstance(e.__context__, BrokenPipeError):
                sys.exit(int(ExitStatus.OK))
            raise
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise  # click's own: usage errors, findings, --help
        except Exception as e:
            # a bug: one line naming the inputs, not a traceback (unless --debug)
            if debug:
                raise
            raise _Exit(internal_error_message(e, kwargs.get("files") or ()), int(ExitStatus.INTERNAL)) from e

    return wrapper  # type: ignore[return-value]
