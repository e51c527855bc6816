"""The click commands: `lmtrace events`, `analyze` and `timeline`, each a thin
layer over library calls.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import click

from .. import __version__
from ..errors import ExitStatus, UsageError
from ..findings import Report
from ..handlers import BUILTIN_MAPS, DEFAULT_MAP, HandlerMap
from ..progress import OnProgress
from ..render import choose
from ..render.overview import AUTO_DETAILS, DEFAULT_LIMIT, GROUP_BY, View
from ..spool import stream_events
from .options import (
    TimelineCommand,
    _Exit,
    _stdout_isatty,
    _verdict_list,
    check_handler_map_choice,
    format_option,
    guarded,
    input_options,
    parse_kind_specs,
    parse_tz_specs,
    report_inputs,
    strict_damage,
)
from .output import stdout

__all__ = ["analyze", "cli", "events", "main", "progress_display", "timeline"]


def _stderr_isatty() -> bool:
    return sys.stderr.isatty()


@contextlib.contextmanager
def progress_display(*, quiet: bool) -> Iterator[OnProgress | None]:
    """A progress bar on stderr while the body runs, only when stderr is a
    terminal and not --quiet; None (no callback) otherwise."""
    if quiet or not _stderr_isatty():
        yield None
        return
    from ..render.terminal import progress_bar

    with progress_bar(sys.stderr) as on_progress:
        yield on_progress


F = TypeVar("F", bound=Callable[..., Any])


def handler_map_options(f: F) -> F:
    """--zenpack and --handler-map, as analyze and timeline take them."""
    f = click.option(
        "--handler-map",
        "handler_map_path",
        type=click.Path(dir_okay=False),
        help="Read the handler map from a ZenPack events.py (read statically, never run) or a TOML "
        "file of event_type = \"handler\"; replaces --zenpack.",
    )(f)
    return click.option(
        "--zenpack",
        type=click.Choice(sorted(BUILTIN_MAPS)),
        default=None,
        help="Built-in handler map: which ZenPack's events.py Zenoss runs. Default: the one of the ZenPack "
        f"generation the inputs show (osi-3.x for zenopenstack or publisher logs, else {DEFAULT_MAP}).",
    )(f)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lmtrace")
def cli() -> None:
    """Trace every Nova operation that moves a VM (live migration, resize or
    cold migration, evacuate, unshelve) through Ceilometer's logs (collector,
    or the notification agent's HTTP publisher) and Zenoss' (zenpython, or
    zenopenstack on ZenPack 3.x/4.x), and say whether Zenoss put each VM on
    the right host.

    \b
    Example:
        lmtrace analyze ceilometer-collector.log zenpython.log
        lmtrace events samples/collector.log samples/zenpython.log --format jsonl
    """


@cli.command()
@input_options
@format_option("jsonl")
@guarded
def events(
    files: tuple[str, ...],
    kind_specs: tuple[str, ...],
    tz_specs: tuple[str, ...],
    strict: bool,
    quiet: bool,
    debug: bool,
    jobs: int,
    fmt: str,
) -> None:
    """Print every event of the inputs as one stream, in UTC order.

    Reads Ceilometer collector logs (`record_events called` lines), Zenoss
    zenpython logs (`Queued event` lines, one line or pretty-printed),
    zenopenstack logs (`Mapped … event` lines) and the notification agent's
    HTTP publisher lines, plain or .gz/.bz2/.xz, directories, globs and `-`
    for stdin; detects each file's kind and UTC offset. Per-file line counts and malformed lines go to stderr.

    \b
    Example:
        lmtrace events collector.log zenpython.log | jq .host_name
        lmtrace events 'ceilometer-collector.log*' --tz +08:00 --format csv
    """
    from ..render.stream import write_events

    with contextlib.ExitStack() as spool:
        with progress_display(quiet=quiet) as on_progress:
            stream = spool.enter_context(
                stream_events(
                    files,
                    kind=parse_kind_specs(kind_specs),
                    tz=parse_tz_specs(tz_specs),
                    jobs=jobs or None,
                    on_progress=on_progress,
                )
            )
        report_inputs(stream.inputs, stream.warnings, quiet=quiet)
        fmt = choose(fmt, stdout_isatty=_stdout_isatty(), piped="jsonl")
        out = stdout(fmt)
        write_events(stream, fmt, out)
        out.flush()
    strict_damage(stream.inputs, strict)
    if strict and stream.malformed:
        raise _Exit(f"{stream.malformed} malformed line(s) (--strict)", int(ExitStatus.FINDING))


@cli.command()
@input_options
@format_option("text", html=True)
@handler_map_options
@click.option(
    "--since",
    help="Only migrations still running at or after this time (their span overlaps the range): absolute "
    "(UTC unless an offset such as +01:00 is given; a missing date comes from the newest event) or 90m/2h/3d "
    "before the newest event.",
)
@click.option(
    "--until",
    help="Only migrations already started at or before this time (their span overlaps the range; same forms "
    "as --since).",
)
@click.option("--instance", help="Only this instance (id or name).")
@click.option("--request", help="Only this request id.")
@click.option("--host", help="Only migrations from or to this host.")
@click.option("--device", help="Only migrations of this zenpython device (the Zenoss OpenStack endpoint zenpython logged them for).")
@click.option("--verdict", "verdicts", help="Only these verdicts, comma-separated (e.g. stale,lost).")
@click.option(
    "--fail-on",
    "fail_on",
    metavar="VERDICT[,...]",
    help="Exit with status 1 if any reported migration has one of these verdicts.",
)
@click.option(
    "--timeline",
    "with_timeline",
    is_flag=True,
    help="After the report, the timeline of every migration whose verdict is not ok "
    "(as `lmtrace timeline` prints it; json: a `timelines` key; not with jsonl or csv).",
)
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=DEFAULT_LIMIT,
    show_default=True,
    help="Rows of the table of migrations needing action (and of --group-by tables, and sections "
    "with --details); 0: all. Human formats only: json, jsonl and csv hold everything.",
)
@click.option(
    "--details/--no-details",
    "details",
    default=None,
    help=f"Every migration in full (phases, firings). Default: in full when the report holds at most "
    f"{AUTO_DETAILS} migrations, else the compact report.",
)
@click.option(
    "--group-by",
    "group_by",
    metavar="host|instance|verdict|day[,...]",
    help="Add a summary table per group: migrations and verdicts per host (source or destination), "
    "instance, verdict or UTC day.",
)
@guarded
def analyze(
    files: tuple[str, ...],
    kind_specs: tuple[str, ...],
    tz_specs: tuple[str, ...],
    strict: bool,
    quiet: bool,
    debug: bool,
    jobs: int,
    fmt: str,
    zenpack: str | None,
    handler_map_path: str | None,
    since: str | None,
    until: str | None,
    instance: str | None,
    request: str | None,
    host: str | None,
    device: str | None,
    verdicts: str | None,
    fail_on: str | None,
    with_timeline: bool = False,
    limit: int = DEFAULT_LIMIT,
    details: bool | None = None,
    group_by: str | None = None,
) -> None:
    """Judge every operation that moves a VM in the logs (live migration,
    resize, evacuate, unshelve): did Zenoss put the VM on the right host?
    One verdict per operation (ok, stale, missed, lost, failed, incomplete),
    with the reason and the fix.

    Give the Ceilometer-side log (collector, or the notification agent's),
    the Zenoss-side log (zenpython, or zenopenstack), or both. With only the
    Ceilometer side the verdicts say what Zenoss *would* do; with the Zenoss
    side, what it did.

    \b
    Example:
        lmtrace analyze ceilometer-collector.log zenpython.log
        lmtrace analyze 'collector.log*' zenpython.log --zenpack osi-2.x-pr401
        lmtrace analyze collector.log --format json --fail-on stale,lost
    """
    from ..analyze import Filters, resolve_handler_map

    if with_timeline and fmt in ("jsonl", "csv"):
        raise click.UsageError(
            f"--timeline cannot be combined with --format {fmt} (one migration per line); use --format json"
        )
    check_handler_map_choice(handler_map_path)
    view = View(limit=limit, details=details, group_by=_group_list(group_by))
    fail = _verdict_list(fail_on, "--fail-on")
    filters = Filters(
        instance=instance,
        request=request,
        host=host,
        verdicts=_verdict_list(verdicts, "--verdict"),
        device=device,
    )
    hmap = resolve_handler_map(zenpack, handler_map_path)
    report = _analysis(
        files, hmap, kind_specs, tz_specs, jobs, quiet, filters=filters, since=since, until=until
    )
    from ..render import write_report

    fmt = choose(fmt, stdout_isatty=_stdout_isatty(), piped="text")
    out = stdout(fmt)
    if with_timeline:
        from ..render import write_report_with_timelines
        from ..timelines import timelines_not_ok

        write_report_with_timelines(report, timelines_not_ok(report), fmt, out, view)
    else:
        write_report(report, fmt, out, view)
    out.flush()
    strict_damage(report.inputs, strict)
    problems = []
    if strict and any(i.lines.malformed for i in report.inputs):
        problems.append(f"{sum(i.lines.malformed for i in report.inputs)} malformed line(s) (--strict)")
    if fail:
        hit = [m for m in report.migrations if m.verdict in fail]
        if hit:
            problems.append(
                f"{len(hit)} migration(s) with verdict {', '.join(sorted({m.verdict.value for m in hit}))} (--fail-on)"
            )
    if problems:
        raise _Exit("; ".join(problems), int(ExitStatus.FINDING))


@cli.command(cls=TimelineCommand)
@input_options
@format_option("text")
@handler_map_options
@click.option("--request", help="The migration's request id (or an abort/force-complete request attached to it).")
@click.option("--instance", help="Every migration of this instance (id or name).")
@guarded
def timeline(
    files: tuple[str, ...],
    kind_specs: tuple[str, ...],
    tz_specs: tuple[str, ...],
    strict: bool,
    quiet: bool,
    debug: bool,
    jobs: int,
    fmt: str,
    zenpack: str | None,
    handler_map_path: str | None,
    request: str | None,
    instance: str | None,
) -> None:
    """One operation, hop by hop, across every log given: each phase as
    generated, logged by the collector, queued by zenpython and handled
    (inferred from the handler map), in UTC order, with each line's own
    local time and file:line, the delay of every hop, hops that never
    happened, clock-skew suspects and where host_name changes.

    Give --request, --instance or both. Exit status 1 when no migration
    matches (like grep), 2 for usage and input errors.

    \b
    Example:
        lmtrace timeline collector.log zenpython.log --request req-d4c27d06-6329-4ce0-adb5-370b8ca83a22
        lmtrace timeline 'collector.log*' zenpython.log --instance pdcmtest --format markdown
    """
    from ..analyze import resolve_handler_map
    from ..render import write_timeline
    from ..timelines import timeline_for

    if request is None and instance is None:
        raise click.UsageError("give --request REQ or --instance ID|NAME (or both)")
    check_handler_map_choice(handler_map_path)
    hmap = resolve_handler_map(zenpack, handler_map_path)
    report = _analysis(files, hmap, kind_specs, tz_specs, jobs, quiet)
    found = timeline_for(report, request=request, instance=instance)
    if not found:
        asked = " and ".join(
            f"{opt} {val}" for opt, val in (("--request", request), ("--instance", instance)) if val
        )
        n = len(report.migrations)
        raise _Exit(
            f"no migration matches {asked}: the logs hold {n} live migration{'s' if n != 1 else ''}"
            + ("; `lmtrace analyze` with the same files lists them" if n else ""),
            int(ExitStatus.FINDING),
        )
    fmt = choose(fmt, stdout_isatty=_stdout_isatty(), piped="text")
    out = stdout(fmt)
    write_timeline(found, fmt, out)
    out.flush()
    strict_damage(report.inputs, strict)
    if strict and any(i.lines.malformed for i in report.inputs):
        raise _Exit(
            f"{sum(i.lines.malformed for i in report.inputs)} malformed line(s) (--strict)",
            int(ExitStatus.FINDING),
        )


def _group_list(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    out = []
    for part in value.replace(" ", "").split(","):
        if part and part not in GROUP_BY:
            raise UsageError(f"--group-by {part}: choose from {', '.join(GROUP_BY)}")
        if part and part not in out:
            out.append(part)
    return tuple(out)


def _analysis(
    files: tuple[str, ...],
    hmap: HandlerMap | None,
    kind_specs: tuple[str, ...],
    tz_specs: tuple[str, ...],
    jobs: int,
    quiet: bool,
    **options: Any,
) -> Report:
    """The analysis `analyze` and `timeline` share: the input options as the
    library takes them, a progress bar while it runs, then the per-file
    counts and warnings on stderr. `options`: filters, since, until."""
    from ..analyze import analyze as run_analysis

    with progress_display(quiet=quiet) as on_progress:
        report = run_analysis(
            files,
            handler_map=hmap,
            kind=parse_kind_specs(kind_specs),
            tz=parse_tz_specs(tz_specs),
            jobs=jobs or None,
            on_progress=on_progress,
            **options,
        )
    report_inputs(report.inputs, report.warnings, quiet=quiet)
    return report


def main() -> None:
    try:
        cli(prog_name="lmtrace")
    except UsageError as e:  # pragma: no cover - raised inside commands
        click.echo(f"Error: {e}", err=True)
        sys.exit(int(ExitStatus.ERROR))
