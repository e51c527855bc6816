"""`lmtrace sweep` (lmtrace.fleet): each cloud's report is `analyze`'s, on Dask distributed.

Three generated clouds, with rotated, compressed (one archive cut short) and pretty-printed logs
and files that are no log, and a fourth on the 3.x/4.x path (samples/zenopenstack/ops: a zenopenstack
log and a notification agent's publisher log): each cloud's `--format json` report from a sweep on a LocalCluster of 1 and of 2 worker
processes equals `lmtrace analyze <the cloud's files> --format json` byte for byte, with files
cut into ranges of a few KiB (so that range ends fall inside pretty-printed dicts and batched
lines); and a worker process killed while the tasks run costs a rerun, not the result.
The tests that start a cluster are skipped, with the reason, when dask is not installed.
"""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from lmtrace.analyze import analyze
from lmtrace.cli import cli
from lmtrace.events import LogKind
from lmtrace.findings import Verdict
from lmtrace.fleet.cluster import HTTP_ANY_PORT
from lmtrace.parallel import scan_files
from lmtrace.scanned import assemble
from lmtrace.synthetic import Options, generate, parse_offset

try:
    import distributed
    import fsspec  # noqa: F401
except ImportError:  # pragma: no cover - CI installs the fleet extra
    distributed = None

needs_fleet = pytest.mark.skipif(
    distributed is None, reason="dask[distributed] and fsspec are not installed: pip install -e '.[fleet]'"
)

CHUNK = 8 << 10  # ranges of 8 KiB: dozens per file
CLOUDS = ("alpha", "beta", "gamma", "delta")  # delta: the 3.x/4.x path (zenopenstack + publisher)
ZOS_SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "zenopenstack" / "ops"


def _rotate(path: Path, parts: int, *, zen: bool) -> None:
    """Cut a log into a rotated set at record starts: path.N (.gz for the oldest) ... path."""
    lines = path.read_bytes().splitlines(keepends=True)
    starts = [i for i, ln in enumerate(lines) if not zen or ln[:1].isdigit()]
    cuts = [0] + [starts[len(starts) * k // parts] for k in range(1, parts)] + [len(lines)]
    for k in range(parts):
        data = b"".join(lines[cuts[k] : cuts[k + 1]])
        n = parts - 1 - k
        if n == 0:
            path.write_bytes(data)
        elif k == 0:
            Path(f"{path}.{n}.gz").write_bytes(gzip.compress(data, mtime=0))
        else:
            Path(f"{path}.{n}").write_bytes(data)


@pytest.fixture(scope="module")
def clouds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("fleet")
    generate(Options(migrations=25, concurrency=3, seed=71, noise_ratio=0.5, pretty_ratio=0.3,
                     batch=3, out=str(base / "alpha")))
    generate(Options(migrations=20, concurrency=2, seed=72, pretty_ratio=1.0, out=str(base / "beta")))
    generate(Options(migrations=20, concurrency=2, seed=73, dict_form_ratio=0.3, lowercase_ratio=0.3,
                     collector_tz=parse_offset("+08:00"), zenpython_tz=parse_offset("+01:00"),
                     out=str(base / "gamma")))
    _rotate(base / "alpha" / "collector.log", 3, zen=False)
    _rotate(base / "beta" / "zenpython.log", 2, zen=True)
    _rotate(base / "gamma" / "collector.log", 2, zen=False)
    cut = base / "gamma" / "collector.log.1.gz"  # an archive cut short: read up to the damage
    cut.write_bytes(cut.read_bytes()[: cut.stat().st_size * 2 // 3])
    (base / "gamma" / "README.txt").write_text("not a log\n")  # beside manifest.json: skipped too
    (base / "delta").mkdir()  # zenopenstack.log (TRACE bodies over many lines) + agent.log (publisher)
    for name in ("agent.log", "zenopenstack.log", "manifest.json"):
        (base / "delta" / name).write_bytes((ZOS_SAMPLE / name).read_bytes())
    return base


def _files(cloud: Path) -> list[str]:
    """The cloud's logs as `analyze` is given them: rotated sets oldest first."""
    names = {
        "alpha": ["collector.log.2.gz", "collector.log.1", "collector.log", "zenpython.log"],
        "beta": ["collector.log", "zenpython.log.1.gz", "zenpython.log"],
        "gamma": ["collector.log.1.gz", "collector.log", "zenpython.log"],
        "delta": ["agent.log", "zenopenstack.log"],
    }[cloud.name]
    return [str(cloud / n) for n in names]


# -- no cluster: the pieces ----------------------------------------------------------------------


@needs_fleet
def test_a_cloud_is_its_files_rotated_sets_oldest_first(clouds: Path) -> None:
    from lmtrace.fleet.clouds import cloud_files, parse_clouds

    a, b = parse_clouds([str(clouds / "alpha") + "/", f"b={clouds / 'beta'}"])
    assert (a.name, b.name, b.root) == ("alpha", "b", str(clouds / "beta"))
    names = ["collector.log.2.gz", "collector.log.1", "collector.log", "manifest.json", "zenpython.log"]
    # the root as given (a trailing slash is not doubled), then the file's name
    assert [f.path for f in cloud_files(a)] == [f"{clouds / 'alpha'}/{n}" for n in names]


@needs_fleet
def test_two_clouds_of_one_name_and_a_missing_one_are_errors(clouds: Path) -> None:
    r = CliRunner().invoke(cli, ["sweep", str(clouds / "alpha"), f"alpha={clouds / 'beta'}"])
    assert r.exit_code == 2
    assert "two clouds named alpha" in r.stderr and "NAME=PATH" in r.stderr
    r = CliRunner().invoke(cli, ["sweep", str(clouds / "nowhere")])
    assert r.exit_code == 2
    assert f"{clouds / 'nowhere'}: no such directory (cloud nowhere)" in r.stderr


@needs_fleet
def test_an_s3_url_without_s3fs_says_what_to_install() -> None:
    try:
        import s3fs  # noqa: F401

        pytest.skip("s3fs is installed here")
    except ImportError:
        pass
    r = CliRunner().invoke(cli, ["sweep", "s3://bucket/cloud-a/"])
    assert r.exit_code == 2
    assert "s3://bucket/cloud-a/: reading s3:// URLs needs s3fs: pip install s3fs" in r.stderr


def test_without_the_extra_sweep_says_how_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    r = CliRunner().invoke(cli, ["sweep", str(tmp_path)])
    assert r.exit_code == 2
    assert "pip install 'lmtrace[fleet]'" in r.stderr


def test_importing_lmtrace_imports_no_dask() -> None:
    code = ("import sys, lmtrace, lmtrace.cli, lmtrace.analyze, lmtrace.render.fleetsummary; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed', 'fsspec')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@needs_fleet
@pytest.mark.parametrize("cloud", CLOUDS)
def test_ranges_scanned_by_tasks_assemble_to_the_local_scan(clouds: Path, cloud: str) -> None:
    """The worker's task, run here on every range of every file: the same rows, lines, counts."""
    from lmtrace.fleet.cluster import _ranges
    from lmtrace.fleet.tasks import probe, scan_chunk

    paths = _files(clouds / cloud)
    local = list(scan_files(paths, jobs=1, full=False))
    for path, want in zip(paths, local):
        p = probe(path, path)
        assert p.kind is want.kind and p.packed is path.endswith(".gz")
        size = os.path.getsize(path)
        ranges = [(0, None)] if p.packed else _ranges(size, min(CHUNK, size // 10))  # delta's logs are small
        assert p.packed or len(ranges) >= 10
        parts = [scan_chunk(path, path, p.kind, p.packed, a, b, size) for a, b in ranges]
        assert assemble(path, p.kind, parts) == want, path


@needs_fleet
def test_probe_tells_a_file_that_is_no_log(clouds: Path) -> None:
    from lmtrace.fleet.tasks import probe

    assert probe(str(clouds / "gamma" / "README.txt"), "README.txt").kind is None
    assert probe(str(clouds / "gamma" / "zenpython.log"), "z").kind is LogKind.ZENPYTHON


# -- on a cluster --------------------------------------------------------------------------------


def _analyze_json(files: list[str], fmt: str = "json") -> str:
    r = CliRunner().invoke(cli, ["analyze", *files, "--format", fmt])
    assert r.exit_code == 0, r.output
    return r.stdout


@needs_fleet
@pytest.mark.parametrize("workers", [1, 2], ids=["LocalCluster-1-worker", "scheduler-2-workers"])
def test_sweep_reports_are_analyze_reports_byte_for_byte(clouds: Path, tmp_path: Path, workers: int) -> None:
    """1 worker: the embedded default (a LocalCluster the sweep starts); 2 workers: an existing
    cluster's scheduler (--scheduler), here a LocalCluster of 2 processes started by the test."""
    import logging

    from distributed import LocalCluster

    out = tmp_path / "reports"
    args = ["sweep", *(str(clouds / c) for c in CLOUDS), "--chunk-mb", str(CHUNK / (1 << 20)),
            "--reports", str(out), "--format", "json"]
    if workers == 1:
        r = CliRunner().invoke(cli, [*args, "--workers", "1"])
    else:
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, scheduler_kwargs=HTTP_ANY_PORT,
                          silence_logs=logging.CRITICAL) as cluster:
            r = CliRunner().invoke(cli, [*args, "--scheduler", cluster.scheduler_address])
    assert r.exit_code == 0, r.output
    fleet = json.loads(r.stdout)
    assert [c["cloud"] for c in fleet["clouds"]] == list(CLOUDS)
    for c, record in zip(CLOUDS, fleet["clouds"]):
        local = _analyze_json(_files(clouds / c))
        assert (out / f"{c}.json").read_text() == local, c
        assert {k: v for k, v in record.items() if k != "cloud"} == json.loads(local)
    if workers == 1:  # every format of --reports, once
        from lmtrace.render.fleetsummary import REPORT_FILES

        for c in CLOUDS:
            for fmt, suffix in REPORT_FILES.items():
                if fmt != "json":
                    assert (out / f"{c}{suffix}").read_text() == _analyze_json(_files(clouds / c), fmt), (c, fmt)
    assert any("collector.log.1.gz: compressed data damaged or cut short" in w
               for w in fleet["clouds"][2]["warnings"])
    for name in ("alpha", "beta", "gamma", "delta"):  # one line per cloud for its files that are no logs
        assert r.stderr.count(f"warning: cloud {name}: ") == 1
        assert f"warning: cloud {name}: " in r.stderr and "lmtrace reads w" in r.stderr
    s = fleet["summary"]
    assert s["clouds"] == 4
    assert s["operations"] == sum(len(c["migrations"]) for c in fleet["clouds"]) == 65 + 5
    for v in Verdict:
        assert s["verdicts"][v.value] == sum(c["summary"]["verdicts"][v.value] for c in fleet["clouds"])
    kinds = s["by_operation"]
    assert {v.value: sum(k[v.value] for k in kinds.values()) for v in Verdict} == s["verdicts"]
    assert set(kinds) == {m["operation"] for c in fleet["clouds"] for m in c["migrations"]}
    assert fleet["clouds"][3]["handler_map"]["generation"] == "3.x/4.x"  # delta took the 3.x/4.x path
    # osi-2.x, generated stale migrations, and the 3.x/4.x default map: every cloud's map needs the change
    assert [n["cloud"] for n in s["needs_change"]] == list(CLOUDS)
    wrong = [o["wrong_host"] for o in s["worst_offenders"]]
    assert wrong == sorted(wrong, reverse=True) and len(wrong) == 10


@needs_fleet
def test_a_worker_killed_mid_run_costs_a_retry_not_the_result(clouds: Path) -> None:
    import logging

    from distributed import Client, LocalCluster

    from lmtrace.fleet.cluster import sweep
    from lmtrace.progress import Progress

    cloud = clouds / "beta"  # every zenpython dict pretty-printed
    local = analyze(_files(cloud))
    killed: list[Progress] = []
    seen: list[Progress] = []
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, scheduler_kwargs=HTTP_ANY_PORT,
                     silence_logs=logging.CRITICAL) as cluster,
        Client(cluster) as client,
    ):
        pids = client.run(os.getpid)
        assert len(pids) == 2

        def kill_once(p: Progress) -> None:
            seen.append(p)
            if not killed and p.stage == "reading":
                os.kill(sorted(pids.values())[0], signal.SIGKILL)
                killed.append(p)

        fleet = sweep([str(cloud)], scheduler=cluster.scheduler_address, chunk_bytes=4 << 10,
                      on_progress=kill_once)
        assert killed and killed[0].bytes_read < killed[0].bytes_total, "the kill came after the scan"
        assert sorted(pids.values())[0] not in client.run(os.getpid).values()
    assert [c.cloud for c in fleet.clouds] == ["beta"]
    assert fleet.clouds[0].report == local
    # the progress counts the events the scan tasks read, once each despite the rerun
    reading = [p.events for p in seen if p.stage == "reading" and p.bytes_total]
    assert reading == sorted(reading) and reading[0] < reading[-1]  # the first may come before any count
    assert reading[-1] == sum(i.events for i in local.inputs) > 0
    assert [p.events for p in seen if p.stage.startswith("judging")] == [reading[-1]]


# -- the summary and its formats, from local reports (no cluster) --------------------------------


@pytest.fixture(scope="module")
def local_fleet(clouds: Path):  # type: ignore[no-untyped-def]
    """The fleet as analyze, run here cloud by cloud, reports it."""
    from lmtrace.fleet.summary import CloudReport, Fleet

    return Fleet(clouds=tuple(CloudReport(cloud=c, report=analyze(_files(clouds / c))) for c in CLOUDS))


def test_the_summary_counts_what_the_reports_hold(local_fleet) -> None:  # type: ignore[no-untyped-def]
    from lmtrace.fleet.summary import WRONG_HOST, summarize

    fleet = local_fleet
    s = summarize(fleet, top=3)
    reports = [c.report for c in fleet.clouds]
    assert [c.cloud for c in s.clouds] == list(CLOUDS)
    assert s.operations == sum(len(r.migrations) for r in reports)
    assert [c.wrong_host for c in s.clouds] == [
        sum(m.verdict in WRONG_HOST for m in r.migrations) for r in reports
    ]
    assert len(s.offenders) == 3
    o = s.offenders[0]
    r = reports[CLOUDS.index(o.cloud)]
    mine = [m for m in r.migrations if m.instance_id == o.instance_id]
    assert o.wrong == sum(m.verdict in WRONG_HOST for m in mine) >= 1
    assert o.since == min(m.start for m in mine if m.verdict in WRONG_HOST)


def test_the_summary_in_csv_and_markdown(local_fleet) -> None:  # type: ignore[no-untyped-def]
    import csv
    import io

    from lmtrace.fleet.summary import summarize
    from lmtrace.render.fleetsummary import CLOUD_COLUMNS, write_fleet

    fleet = local_fleet
    s = summarize(fleet)
    out = io.StringIO()
    write_fleet(fleet, s, "csv", out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert list(rows[0]) == list(CLOUD_COLUMNS)
    assert [(r["cloud"], int(r["stale"]), r["needs_change"]) for r in rows] == [
        (c.cloud, c.verdicts["stale"], "true") for c in s.clouds
    ]
    out = io.StringIO()
    write_fleet(fleet, s, "markdown", out)
    md = out.getvalue()
    for heading in ("# Fleet: 4 clouds, 70 operations", "## Verdicts per cloud", "## Verdicts per operation",
                    "## Clouds whose handler map needs the change", "## Worst offenders", "# Cloud alpha"):
        assert heading + "\n" in md


def test_only_the_fleet_imports_dask_and_fsspec() -> None:
    from .test_layout import _importers

    assert _importers("distributed") | _importers("dask") == {"lmtrace.fleet.cluster"}
    assert {n for n in _importers("fsspec") if not n.startswith("lmtrace.fleet.")} == set()
    # and nothing outside the sweep command imports the fleet's client
    assert _importers("lmtrace.fleet.cluster") == {"lmtrace.cli.sweep"}


@needs_fleet
def test_sweep_of_nothing_readable_exits_2_and_not_logs_are_one_line_per_cloud(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("hello\n")
    (tmp_path / "empty" / "b.json").write_text("{}\n")
    r = CliRunner().invoke(cli, ["sweep", str(tmp_path / "empty"), "--workers", "1"])
    assert r.exit_code == 2, r.output
    assert "no cloud has a log lmtrace reads (1 given)" in r.stderr
    assert "warning: cloud empty: 2 files that are not logs lmtrace reads were skipped (first: b.json)\n" in r.stderr
    assert r.stdout == ""
    r = CliRunner().invoke(cli, ["sweep", str(tmp_path / "empty"), "--workers", "1", "-q"])
    assert r.exit_code == 2
    assert "files that are not logs" not in r.stderr
