"""`lmtrace sweep`: many clouds at once, on Dask distributed (lmtrace.fleet)."""

from __future__ import annotations

import io
import os
import sys

import click

from ..errors import ExitStatus, UsageError
from ..handlers import BUILTIN_MAPS, DEFAULT_MAP
from ..parse import _WHAT_WE_READ
from .commands import cli, progress_display
from .options import _Exit, _verdict_list, guarded, parse_tz_specs, report_inputs

__all__ = ["sweep"]


@cli.command()
@click.argument("clouds", nargs=-1, required=True, metavar="[NAME=]DIR_OR_URL...")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("auto", "markdown", "json", "csv")),
    default="auto",
    show_default=True,
    help="The fleet summary's format (auto: markdown). json holds every cloud's report too; "
    "markdown follows the summary with them.",
)
@click.option(
    "--reports",
    "reports_dir",
    type=click.Path(file_okay=False),
    help="Also write each cloud's report in every format into this directory: CLOUD.txt, .md, "
    ".json, .jsonl, .csv (what `lmtrace analyze` writes for the cloud's files).",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="Run on this Dask scheduler (tcp://host:8786) instead of a LocalCluster on this machine; "
    "its workers must reach every cloud's files at the paths or URLs given.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Worker processes of the LocalCluster; 0: one per core. The result is the same for any number.",
)
@click.option(
    "--chunk-mb",
    type=click.FloatRange(min=0, min_open=True),
    default=64.0,
    show_default=True,
    help="Plain files are cut into ranges of about this many MiB, one task each (compressed files: one "
    "task per file). The result is the same for any size.",
)
@click.option(
    "--zenpack",
    type=click.Choice(sorted(BUILTIN_MAPS)),
    default=None,
    help="Built-in handler map for every cloud. Default: per cloud, the one of the ZenPack generation its "
    f"logs show (osi-3.x for zenopenstack or publisher logs, else {DEFAULT_MAP}).",
)
@click.option(
    "--handler-map",
    "handler_map_path",
    type=click.Path(dir_okay=False),
    help="Read the handler map for every cloud from a ZenPack events.py or a TOML file; replaces --zenpack.",
)
@click.option(
    "--tz",
    "tz_specs",
    multiple=True,
    metavar="[FILE=]ZONE",
    help="UTC offset or IANA zone of the log timestamps, for all files or, as FILE=ZONE, for the files "
    "of any cloud that FILE (a basename or glob) names. Default: inferred per file.",
)
@click.option("--since", help="Only operations still running at or after this time (as analyze --since).")
@click.option("--until", help="Only operations already started at or before this time (as analyze --until).")
@click.option("--top", type=click.IntRange(min=0), default=10, show_default=True, help="Worst offenders listed.")
@click.option(
    "--fail-on",
    "fail_on",
    metavar="VERDICT[,...]",
    help="Exit with status 1 if any cloud reports a migration with one of these verdicts.",
)
@click.option("-q", "--quiet", is_flag=True, help="No per-cloud lines or progress on stderr.")
@click.option("--debug", is_flag=True, hidden=True, help="Show tracebacks.")
@guarded
def sweep(
    clouds: tuple[str, ...],
    fmt: str,
    reports_dir: str | None,
    scheduler: str | None,
    workers: int,
    chunk_mb: float,
    zenpack: str | None,
    handler_map_path: str | None,
    tz_specs: tuple[str, ...],
    since: str | None,
    until: str | None,
    top: int,
    fail_on: str | None,
    quiet: bool,
    debug: bool,
) -> None:
    """Judge many clouds at once, each as `lmtrace analyze` would its logs,
    on Dask distributed, and summarize across them: verdicts per cloud and
    per operation, the clouds whose handler map needs the change, the
    instances Zenoss most often shows on the wrong host.

    Each argument is one cloud: a directory or an fsspec URL (s3://bucket/cloud-a/,
    with s3fs installed) holding its collector and zenpython logs in any mix,
    rotated and compressed; named after its last path part, or NAME=PATH.
    Files lmtrace does not recognise are skipped with a warning. Runs on a
    LocalCluster on this machine, or on an existing cluster (--scheduler).
    Needs the fleet extra: pip install 'lmtrace[fleet]'.

    \b
    Example:
        lmtrace sweep clouds/* --reports out/
        lmtrace sweep east=s3://logs/east/ west=s3://logs/west/ --scheduler tcp://10.0.0.5:8786 --format json
    """
    from ..analyze import resolve_handler_map
    from ..fleet.cluster import sweep as run_sweep
    from ..fleet.summary import summarize
    from ..fleet.tasks import Judging
    from ..render.fleetsummary import write_fleet

    fail = _verdict_list(fail_on, "--fail-on")
    judging = Judging(
        handler_map=resolve_handler_map(zenpack, handler_map_path),
        tz=parse_tz_specs(tz_specs) or None,
        since=since,
        until=until,
    )
    if workers and scheduler:
        raise UsageError("--workers sizes the LocalCluster; with --scheduler the cluster has its own workers")
    with progress_display(quiet=quiet) as on_progress:
        fleet = run_sweep(
            clouds,
            judging=judging,
            scheduler=scheduler,
            workers=workers or None,
            chunk_bytes=max(1, int(chunk_mb * (1 << 20))),
            on_progress=on_progress,
        )
    for w in fleet.warnings:
        sys.stderr.write(f"warning: {w}\n")
    if not quiet:
        for line in fleet.skipped:
            sys.stderr.write(f"warning: {line}\n")
    if not fleet.clouds:
        raise _Exit(
            f"no cloud has a log lmtrace reads ({len(clouds)} given): {_WHAT_WE_READ}", int(ExitStatus.ERROR)
        )
    for c in fleet.clouds:
        r = c.report
        if not quiet:
            s = r.summary
            counts = ", ".join(f"{n} {v}" for v, n in s.verdicts.items() if n)
            sys.stderr.write(
                f"{c.cloud}: {len(r.inputs)} input(s), {s.migrations} operation(s){': ' + counts if counts else ''}\n"
            )
        report_inputs(r.inputs, [f"{c.cloud}: {w}" for w in r.warnings], quiet=True)
    if reports_dir is not None:
        _write_reports(fleet, reports_dir)
    write_fleet(fleet, summarize(fleet, top=top), "markdown" if fmt == "auto" else fmt, sys.stdout)
    sys.stdout.flush()
    if fail:
        hit = {(c.cloud, m.verdict.value) for c in fleet.clouds for m in c.report.migrations if m.verdict in fail}
        if hit:
            where = sorted({cloud for cloud, _ in hit})
            raise _Exit(
                f"{len(where)} cloud(s) with verdict {', '.join(sorted({v for _, v in hit}))} (--fail-on): "
                f"{', '.join(where)}",
                int(ExitStatus.FINDING),
            )


def _write_reports(fleet: object, directory: str) -> None:
    from ..fleet.summary import Fleet
    from ..render import write_report
    from ..render.fleetsummary import REPORT_FILES

    assert isinstance(fleet, Fleet)
    try:
        os.makedirs(directory, exist_ok=True)
        for c in fleet.clouds:
            for fmt, suffix in REPORT_FILES.items():
                buf = io.StringIO()
                write_report(c.report, fmt, buf)
                with open(os.path.join(directory, c.cloud + suffix), "w", encoding="utf-8", newline="") as f:
                    f.write(buf.getvalue())
    except OSError as e:
        raise UsageError(f"--reports {directory}: cannot write: {e.strerror or e}") from None
