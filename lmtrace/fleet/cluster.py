"""The sweep's client: clouds in, one `Report` per cloud out, on Dask distributed.

`sweep` lists each cloud's files (metadata only), asks the workers for
each file's kind (`tasks.probe`), cuts plain files into ranges by size and
submits one `tasks.scan_chunk` per range (one per compressed file), then
one `tasks.reduce_cloud` per cloud, which takes that cloud's rows from the
workers that scanned them and gives back its `Report`. Only reports come
back to this process. The cluster is a LocalCluster of worker processes on
this machine unless a scheduler address is given. A worker lost mid-run
costs its tasks a rerun (the scheduler knows how to make every result
again), not the result.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from ..errors import InputError, LmtraceError, UsageError
from ..parallel import default_jobs
from ..progress import OnProgress, Progress
from . import tasks
from .clouds import CloudFile, cloud_files, parse_clouds
from .summary import CloudReport, Fleet
from .tasks import Judging

__all__ = ["CHUNK_BYTES", "sweep"]

#: plain files are cut into ranges of about this many bytes, one task each
CHUNK_BYTES = 64 << 20


def sweep(
    clouds: Sequence[str],
    *,
    judging: Judging | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    chunk_bytes: int = CHUNK_BYTES,
    on_progress: OnProgress | None = None,
) -> Fleet:
    """Analyze every cloud (`NAME=PATH` or `PATH`, a directory or an fsspec
    URL) as `analyze` would its files, on the scheduler at `scheduler` or
    on a LocalCluster of `workers` processes (None: one per core).

    Files lmtrace does not recognise are skipped with a warning, as is a
    cloud without any log. Raises UsageError for bad arguments or a
    scheduler that cannot be reached, InputError for an unreadable input.
    """
    _require_extra()
    parsed = parse_clouds(list(clouds))
    listed = [(c, cloud_files(c)) for c in parsed]
    _stage(on_progress, "connecting to the scheduler" if scheduler else "starting the workers")
    from distributed import Client

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError, ValueError) as e:
            raise UsageError(f"--scheduler {scheduler}: cannot connect: {e}") from None
        with client:
            return _run(client, listed, judging or Judging(), chunk_bytes, on_progress)
    from distributed import LocalCluster

    with (
        LocalCluster(
            n_workers=workers or default_jobs(),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            # the scheduler's HTTP server (health, metrics) on a free port: 8787,
            # its default, may be taken by another cluster on this machine
            scheduler_kwargs=HTTP_ANY_PORT,
            # workers' own logs off: their errors reach this process as exceptions
            silence_logs=logging.CRITICAL,
        ) as cluster,
        Client(cluster) as client,
    ):
        return _run(client, listed, judging or Judging(), chunk_bytes, on_progress)


#: the scheduler without a dashboard, its HTTP server on any free port
HTTP_ANY_PORT = {"dashboard": False, "dashboard_address": ":0"}


def _stage(on_progress: OnProgress | None, stage: str) -> None:
    if on_progress is not None:
        on_progress(Progress(bytes_read=0, bytes_total=0, events=0, files_done=0, files_total=0, stage=stage))


def _require_extra() -> None:
    try:
        import distributed  # noqa: F401
        import fsspec  # noqa: F401
    except ImportError as e:
        raise UsageError(
            f"lmtrace sweep runs on Dask distributed and fsspec ({e.name} is not installed): "
            "pip install 'lmtrace[fleet]'"
        ) from None


def _ranges(size: int, chunk_bytes: int) -> list[tuple[int, int | None]]:
    """Nominal ranges by size; each task moves its ends to record starts."""
    if size <= chunk_bytes:
        return [(0, None)]
    return [(s, s + chunk_bytes if s + chunk_bytes < size else None) for s in range(0, size, chunk_bytes)]


def _run(
    client: Any,
    listed: list[tuple[Any, list[CloudFile]]],
    judging: Judging,
    chunk_bytes: int,
    on_progress: OnProgress | None,
) -> Fleet:
    from distributed import as_completed

    warnings: list[str] = []
    skipped: list[str] = []
    files = [f for _, fs in listed for f in fs]
    _stage(on_progress, f"sniffing {len(files)} files")
    probes = client.gather(client.map(tasks.probe, [f.url for f in files], [f.path for f in files]))
    kinds = {f.path: p for f, p in zip(files, probes)}
    weights: dict[str, int] = {}  # chunk task key -> its bytes on disk
    file_of: dict[str, str] = {}  # chunk task key -> its file's path
    left: dict[str, int] = {}  # file -> chunk tasks not done yet
    total = files_total = 0
    reductions: list[tuple[str, Any]] = []
    chunks: list[Any] = []
    for cloud, cfiles in listed:
        logs: list[tuple[str, Any]] = []
        parts: list[list[Any]] = []
        not_logs = [f.path for f in cfiles if kinds[f.path].kind is None]
        if not_logs:
            skipped.append(_skipped_line(cloud.name, str(cloud.root), not_logs))
        for f in cfiles:
            p = kinds[f.path]
            if p.kind is None:
                continue
            futs = []
            for a, b in [(0, None)] if p.packed else _ranges(f.size, chunk_bytes):
                fut = client.submit(tasks.scan_chunk, f.url, f.path, p.kind, p.packed, a, b, f.size)
                weights[fut.key] = (f.size if b is None else b) - a
                file_of[fut.key] = f.path
                futs.append(fut)
            left[f.path] = len(futs)
            logs.append((f.path, p.kind))
            parts.append(futs)
            chunks.extend(futs)
            total += f.size
            files_total += 1
        if not logs:
            warnings.append(f"{cloud.name}: {cloud.root}: no log lmtrace reads: cloud skipped")
            continue
        reductions.append((cloud.name, client.submit(tasks.reduce_cloud, logs, parts, judging)))
    done = files_done = events = 0
    # each chunk's row count, counted where its rows lie: the client learns how many events
    # a task read without fetching its rows (they go from worker to worker, to reduce_cloud)
    counters = [client.submit(tasks.rows_of, fut) for fut in chunks]
    counts = {cnt.key: fut.key for cnt, fut in zip(counters, chunks)}
    for cnt in as_completed(counters):
        if cnt.status == "error":
            _result(cnt)
        key = counts[cnt.key]
        events += _result(cnt)
        done += weights[key]
        left[file_of[key]] -= 1
        files_done += not left[file_of[key]]
        if on_progress is not None:
            on_progress(
                Progress(
                    bytes_read=done, bytes_total=total, events=events, files_done=files_done,
                    files_total=files_total,
                )
            )
    reports = []
    for name, fut in reductions:
        if on_progress is not None:
            on_progress(
                Progress(
                    bytes_read=done, bytes_total=total, events=events, files_done=files_total,
                    files_total=files_total, stage=f"judging {name}",
                )
            )
        reports.append(CloudReport(cloud=name, report=_result(fut)))
    return Fleet(clouds=tuple(reports), warnings=tuple(warnings), skipped=tuple(skipped))


def _skipped_line(cloud: str, root: str, paths: list[str]) -> str:
    """One line for a cloud's files that are not logs: how many, the first
    (relative to the cloud's root)."""
    first = paths[0]
    prefix = root.rstrip("/") + "/"
    if first.startswith(prefix):
        first = first[len(prefix):]
    n = len(paths)
    what = "file that is not a log lmtrace reads was" if n == 1 else "files that are not logs lmtrace reads were"
    return f"cloud {cloud}: {n} {what} skipped (first: {first})"


def _result(fut: Any) -> Any:
    """A task's result, or its error: lmtrace's own as it is; a task whose
    workers kept dying, or a store that cannot be read, as an InputError."""
    from distributed import KilledWorker

    try:
        return fut.result()
    except LmtraceError:
        raise
    except KilledWorker as e:
        raise InputError(f"workers died on the same task again and again: {e}") from e
    except OSError as e:
        raise InputError(f"cannot read: {e}") from e
