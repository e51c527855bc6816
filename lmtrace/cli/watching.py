"""`lmtrace watch`: the command around lmtrace.watch — the poll loop, the
signals that stop it, and where each settled operation goes (stdout,
`--exec`, the live table)."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from datetime import timedelta
from types import FrameType
from typing import Any

import click

from ..findings import MigrationReport
from ..handlers import BUILTIN_MAPS, DEFAULT_MAP
from ..render import choose
from .commands import cli
from .options import _stdout_isatty, _verdict_list, guarded, parse_kind_specs, parse_tz_specs
from .output import stdout

__all__ = ["watch"]

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNIT = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}


def _duration(ctx: click.Context, param: click.Parameter, value: str | None) -> timedelta | None:
    if value is None:
        return None
    m = _DURATION.match(value)
    if not m:
        raise click.BadParameter(f"{value!r} is not a duration; write e.g. 90s, 15m, 1h")
    return timedelta(seconds=float(m[1]) * _UNIT[m[2] or "s"])


@cli.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@click.option("--from-start", is_flag=True, help="Read what the files hold first (default: start at their end).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("auto", "rich", "text", "jsonl")),
    default="auto",
    show_default=True,
    help="auto: rich on a terminal (a live table of open operations), jsonl when piped.",
)
@click.option("--alert", "alert", metavar="VERDICT[,...]", help="Emit only operations with these verdicts.")
@click.option(
    "--exec",
    "exec_cmd",
    metavar="CMD",
    help="Run CMD (with the shell) for each emitted operation, its JSON object on stdin.",
)
@click.option("--stats", "stats_every", callback=_duration, metavar="DURATION", help="Counts on stderr every DURATION (60s, 5m).")
@click.option(
    "--settle",
    callback=_duration,
    default="15m",
    show_default=True,
    metavar="DURATION",
    help="Log time after an operation's last phase before it is judged (past every join window).",
)
@click.option(
    "--incomplete-after",
    callback=_duration,
    default="1h",
    show_default=True,
    metavar="DURATION",
    help="Log time after its last phase before an operation with no final phase is judged incomplete.",
)
@click.option("--poll", type=click.FloatRange(min=0.01), default=1.0, show_default=True, help="Seconds between reads.")
@click.option("--kind", "kind_specs", multiple=True, metavar="[FILE=]KIND", help="collector or zenpython, as for analyze.")
@click.option("--tz", "tz_specs", multiple=True, metavar="[FILE=]ZONE", help="UTC offset or IANA zone, as for analyze.")
@click.option(
    "--zenpack",
    type=click.Choice(sorted(BUILTIN_MAPS)),
    default=None,
    help="Built-in handler map. Default: the one of the ZenPack generation the inputs show "
    f"(osi-3.x for zenopenstack or publisher logs, else {DEFAULT_MAP}), as for analyze.",
)
@click.option("--handler-map", "handler_map_path", type=click.Path(dir_okay=False), help="A ZenPack events.py or TOML map, as for analyze.")
@click.option("-q", "--quiet", is_flag=True, help="No warnings about inputs on stderr (malformed lines are still shown).")
@click.option("--debug", is_flag=True, hidden=True, help="Show tracebacks.")
@guarded
def watch(
    files: tuple[str, ...],
    from_start: bool,
    fmt: str,
    alert: str | None,
    exec_cmd: str | None,
    stats_every: timedelta | None,
    settle: timedelta,
    incomplete_after: timedelta,
    poll: float,
    kind_specs: tuple[str, ...],
    tz_specs: tuple[str, ...],
    zenpack: str | None,
    handler_map_path: str | None,
    quiet: bool,
    debug: bool,
) -> None:
    """Follow live logs like `tail -F` and judge each operation once it has
    settled: one JSON object per operation (the jsonl fields of analyze),
    written at once. Survives rotation (rename or copytruncate); waits for
    files that do not exist yet. SIGINT/SIGTERM judge what is still open,
    then exit 0 (a second Ctrl-C: 130).

    \b
    Example:
        lmtrace watch /var/log/ceilometer/collector.log /opt/zenoss/log/zenpython.log
        lmtrace watch collector.log zenpython.log --alert stale,lost --exec 'mail -s lmtrace ops'
    """
    from ..analyze import resolve_handler_map
    from ..watch import Watch

    alerts = _verdict_list(alert, "--alert")
    fmt = choose(fmt, stdout_isatty=_stdout_isatty(), piped="jsonl")
    err = sys.stderr

    def warn(text: str) -> None:
        if not quiet:
            err.write(f"warning: {text}\n")
            err.flush()

    def warn_always(text: str) -> None:
        err.write(text + "\n")
        err.flush()

    w = Watch(
        files,
        handler_map=resolve_handler_map(zenpack, handler_map_path),
        kind=parse_kind_specs(kind_specs),
        tz=parse_tz_specs(tz_specs),
        from_start=from_start,
        settle=settle,
        incomplete_after=incomplete_after,
        on_malformed=lambda m: warn_always(f"  {m.source}: malformed: {m.reason}"),
        on_warning=warn,
    )
    stop = _StopFlag()
    with _output(fmt) as (emit, show_open):

        def out(ms: list[MigrationReport]) -> None:
            for m in ms:
                if alerts is None or m.verdict in alerts:
                    emit(m)
                    if exec_cmd:
                        _run(exec_cmd, m, warn)
            if show_open is not None:
                show_open(w.open_operations)

        beat = time.monotonic()
        while not stop.asked:
            out(w.poll())
            if stats_every is not None and time.monotonic() - beat >= stats_every.total_seconds():
                beat = time.monotonic()
                _heartbeat(w)
            if w.done:
                break
            if not w.lagging:
                stop.sleep(poll)
        out(w.stop())
        if stats_every is not None:
            _heartbeat(w)


class _StopFlag:
    """SIGINT and SIGTERM ask the loop to stop (it judges what is open);
    a second SIGINT while it does stops at once (exit 130)."""

    def __init__(self) -> None:
        self.asked = False
        signal.signal(signal.SIGTERM, self._handle)
        signal.signal(signal.SIGINT, self._handle)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.asked and signum == signal.SIGINT:
            raise KeyboardInterrupt
        self.asked = True

    def sleep(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while not self.asked and (left := end - time.monotonic()) > 0:
            time.sleep(min(left, 0.05))


class _output:
    """Where settled operations go: (emit one, show the open ones or None)."""

    def __init__(self, fmt: str) -> None:
        self.fmt = fmt
        self._live: Any = None

    def __enter__(self) -> tuple[Any, Any]:
        from ..render.oneline import migration_json, migration_line

        if self.fmt == "rich":
            from ..render.oneline import OPEN_HEAD, open_rows
            from ..render.terminal import live_table

            live, line, table = live_table(sys.stdout)
            self._live = live
            live.__enter__()

            def emit(m: MigrationReport) -> None:
                live.console.print(line(m.verdict.value, migration_line(m, verdict=False)))

            def show(ms: list[MigrationReport]) -> None:
                live.update(table(OPEN_HEAD, open_rows(ms)), refresh=True)

            return emit, show

        out = stdout(self.fmt)  # unencodable characters escaped, write errors as OutputError

        def write(m: MigrationReport) -> None:
            out.write((migration_json(m, out) if self.fmt == "jsonl" else migration_line(m)) + "\n")
            out.flush()

        return write, None

    def __exit__(self, *exc: Any) -> None:
        if self._live is not None:
            self._live.__exit__(*exc)


def _run(cmd: str, m: MigrationReport, warn: Any) -> None:
    from ..render.oneline import migration_json

    try:
        data = (migration_json(m) + "\n").encode("utf-8", "backslashreplace")
        # its output goes to stderr: stdout is the stream of JSON lines
        done = subprocess.run(cmd, shell=True, input=data, stdout=sys.stderr.fileno(), check=False)
    except OSError as e:
        warn(f"--exec {cmd}: {e}")
        return
    if done.returncode != 0:
        warn(f"--exec {cmd}: exit status {done.returncode} for {m.label}")


def _heartbeat(w: Any) -> None:
    s = w.stats()
    verdicts = ", ".join(f"{k} {v}" for k, v in sorted(s.verdicts.items())) or "none"
    now = s.now.strftime("%Y-%m-%dT%H:%M:%SZ") if s.now is not None else "no event yet"
    sys.stderr.write(
        f"lmtrace watch: {s.lines:,} lines, {s.events:,} events, {s.malformed} malformed; "
        f"{s.judged} judged ({verdicts}); {s.open} open, {s.buffered:,} events held; logs' now {now}\n"
    )
    sys.stderr.flush()
