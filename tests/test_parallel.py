"""The parallel path (lmtrace.parallel) gives what the serial path gives, on the generator's output.

The inputs are small, so the thresholds are patched down (PARALLEL_MIN_BYTES, RANGE_MIN,
RANGE_MAX) until every plain file splits into dozens of ranges of a few KiB: cuts by size then
fall inside pretty-printed zenpython dicts and batched collector lines, and the rows, malformed
lines, line counts, events and reports of `jobs=2` must be those of `jobs=1`.
"""

from __future__ import annotations

import bisect
import gzip
import itertools
import re
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lmtrace import parallel  # noqa: E402
from lmtrace.analyze import analyze  # noqa: E402
from lmtrace.events import LogKind, Malformed  # noqa: E402
from lmtrace.load import load_events  # noqa: E402
from lmtrace.ranges import cut_ranges  # noqa: E402
from lmtrace.synthetic import Options, generate, parse_offset  # noqa: E402

RANGE = 8 << 10  # ranges of 8 KiB: dozens to a hundred per file
ZEN_START = re.compile(rb"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d")
KINDS = (LogKind.COLLECTOR, LogKind.ZENPYTHON)

# Lines that carry an event marker but cannot be read (after a 23-character timestamp): reported
# as malformed with their line numbers, which the parallel path counts from the file's start.
BAD_COLLECTOR = (" 25667 INFO ceilometer_zenoss.dispatcher.zenoss [-] record_events called "
                 "(events=[<Event: 0c5bb0ee-broken, compute.instance.live_migration.pre.start\n")
# a pretty-printed dict with a string that does not end on its line
BAD_ZENPYTHON = (" DEBUG zen.zenpython: Queued event (total of 3) {'agent': 'zenpython',\n"
                 " u'device': u'Open\n")
# a pretty-printed dict whose braces never balance: the next log line cuts it off
OPEN_ZENPYTHON = (" DEBUG zen.zenpython: Queued event (total of 3) {'agent': 'zenpython',\n"
                  " 'device': 'OpenStack',\n"
                  " 'eventClassKey': u'openstack|compute.instance.live_migration.pre.start',\n")


def _inject(path: Path, bad: str, every: int) -> list[int]:
    """Insert `bad`, stamped with the previous record's time, before every `every`-th record;
    return the line number of each insertion."""
    out: list[str] = []
    at: list[int] = []
    records = 0
    stamp = ""
    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        if ZEN_START.match(line.encode()):
            records += 1
            if records % every == 0 and stamp:
                at.append(len(out) + 1)
                out += (stamp + bad).splitlines(keepends=True)
            stamp = line[:23]
        out.append(line)
    path.write_text("".join(out), encoding="utf-8")
    return at


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("parallel")
    # noise, batches of events, both collector forms, both zenpython cases, 30% of the dicts
    # pretty-printed over many lines, every scenario (lost and discarded included)
    mixed = base / "mixed"
    generate(Options(migrations=40, concurrency=4, seed=41, noise_ratio=0.5, pretty_ratio=0.3,
                     batch=3, dict_form_ratio=0.2, lowercase_ratio=0.2,
                     collector_tz=parse_offset("+08:00"), zenpython_tz=parse_offset("+01:00"),
                     out=str(mixed)))
    # every zenpython dict pretty-printed: any cut by size lands inside one
    pretty = base / "pretty"
    generate(Options(migrations=30, concurrency=2, seed=42, pretty_ratio=1.0, out=str(pretty)))
    # compressed: read whole (by a worker), beside a plain file that is split
    gz = base / "gz"
    gz.mkdir()
    for name in ("collector.log", "zenpython.log"):
        (gz / (name + ".gz")).write_bytes(gzip.compress((mixed / name).read_bytes(), mtime=0))
        shutil.copy(mixed / name, gz / name)
    # malformed lines all through both files
    dirty = base / "dirty"
    shutil.copytree(mixed, dirty)
    return {"mixed": mixed, "pretty": pretty, "gz": gz, "dirty": dirty, "base": base}


@pytest.fixture(scope="module")
def bad_lines(logs: dict[str, Path]) -> dict[LogKind, list[int]]:
    d = logs["dirty"]
    return {LogKind.COLLECTOR: _inject(d / "collector.log", BAD_COLLECTOR, 61),
            LogKind.ZENPYTHON: _inject(d / "zenpython.log", BAD_ZENPYTHON, 53)}


@pytest.fixture
def small_ranges(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES", 1)
    monkeypatch.setattr(parallel, "RANGE_MIN", RANGE)
    monkeypatch.setattr(parallel, "RANGE_MAX", RANGE)


def _paths(logs: dict[str, Path], case: str) -> list[str]:
    c, z = "collector.log", "zenpython.log"
    if case == "gz-collector":
        case, c = "gz", c + ".gz"
    elif case == "gz-zenpython":
        case, z = "gz", z + ".gz"
    return [str(logs[case] / c), str(logs[case] / z)]


CLEAN = ["mixed", "pretty", "gz-collector", "gz-zenpython"]


def _record_starts(data: bytes, kind: LogKind) -> list[int]:
    """Offsets where a record may start: every line (collector), every line that starts with a
    timestamp (zenpython: the lines of a pretty-printed dict are indented)."""
    starts = [0] + [m.end() for m in re.finditer(rb"\n", data) if m.end() < len(data)]
    if kind is LogKind.ZENPYTHON:
        starts = [s for s in starts if ZEN_START.match(data, s)]
    return starts


def _where(m: Malformed) -> tuple[object, ...]:
    return (m.source, m.excerpt)


# -- the split itself ----------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["mixed", "pretty"])
def test_plain_files_split_into_many_ranges_at_record_starts(
    logs: dict[str, Path], case: str
) -> None:
    for path, kind in zip(_paths(logs, case), KINDS):
        data = Path(path).read_bytes()
        ranges = cut_ranges(path, kind, len(data), RANGE)
        assert len(ranges) >= 20, f"{path}: only {len(ranges)} ranges: the test would prove little"
        starts = set(_record_starts(data, kind))
        cuts = [a for a, _ in ranges]
        assert cuts[0] == 0 and cuts == sorted(set(cuts))
        assert all(c in starts for c in cuts), f"{path}: a range starts inside a record"
        assert ranges[-1][1] is None
        assert all(b == a2 for (_, b), (a2, _) in itertools.pairwise(ranges))


def test_cuts_by_size_would_fall_inside_pretty_printed_dicts(logs: dict[str, Path]) -> None:
    """Cutting at multiples of the range size would split pretty-printed dicts (the ranges
    move past them: above; the rows stay the same: below)."""
    data = Path(_paths(logs, "pretty")[1]).read_bytes()
    starts = _record_starts(data, LogKind.ZENPYTHON)
    inside = 0
    for p in range(RANGE, len(data), RANGE):
        a = starts[bisect.bisect_right(starts, p) - 1]  # the record holding byte p
        if data.find(b"\n", a) < p - 1:  # p is past the record's first line
            inside += 1
    assert inside >= 20


# -- the same results on clean inputs ------------------------------------------------------------


@pytest.mark.parametrize("case", CLEAN)
def test_scan_files_gives_the_serial_rows(logs: dict[str, Path], small_ranges: None, case: str) -> None:
    paths = _paths(logs, case)
    serial = list(parallel.scan_files(paths, jobs=1))
    par = list(parallel.scan_files(paths, jobs=2))
    assert [s.path for s in par] == [s.path for s in serial] == paths
    for a, b in zip(serial, par):
        assert b.kind is a.kind
        assert b.lines == a.lines, a.path
        assert b.malformed == a.malformed, a.path
        assert len(b.rows) == len(a.rows) > 0, a.path
        for ra, rb in zip(a.rows, b.rows):
            assert rb == ra, f"{a.path}: first differing row at line {ra[0]}"
    assert par == serial


@pytest.mark.parametrize("case", CLEAN)
def test_load_events_gives_the_serial_events(logs: dict[str, Path], small_ranges: None, case: str) -> None:
    paths = _paths(logs, case)
    a = load_events(paths, jobs=1)
    b = load_events(paths, jobs=2)
    assert len(b.events) == len(a.events) > 0
    assert b.events == a.events
    assert b.inputs == a.inputs


def _facts(report):  # type: ignore[no-untyped-def]
    return [(m.request_id, m.instance_id, m.verdict, m.outcome, m.source_host,
             m.destination_host, m.lost_phases, [(p.event_type, p.host_name) for p in m.phases])
            for m in report.migrations]


@pytest.mark.parametrize("case", CLEAN)
def test_analyze_gives_the_serial_report(logs: dict[str, Path], small_ranges: None, case: str) -> None:
    paths = _paths(logs, case)
    a = analyze(paths, jobs=1)
    b = analyze(paths, jobs=2)
    assert len(a.migrations) >= 20
    assert _facts(b) == _facts(a)  # verdicts, hosts, phases: a readable diff first
    assert [m.phases for m in b.migrations] == [m.phases for m in a.migrations]
    assert b.summary == a.summary
    assert b == a


def test_compressed_input_gives_the_plain_verdicts(logs: dict[str, Path], small_ranges: None) -> None:
    plain = analyze(_paths(logs, "mixed"), jobs=2)
    for case in ("gz-collector", "gz-zenpython"):
        gz = analyze(_paths(logs, case), jobs=2)
        assert [(m.request_id, m.verdict, m.source_host, m.destination_host)
                for m in gz.migrations] == [(m.request_id, m.verdict, m.source_host,
                                             m.destination_host) for m in plain.migrations]
    # the generator's scenarios that lose or misplace events are all there
    assert {"lost", "stale", "ok", "failed"} <= {m.verdict.value for m in plain.migrations}


# -- malformed lines -----------------------------------------------------------------------------


def test_malformed_lines_keep_their_place(
    logs: dict[str, Path], bad_lines: dict[LogKind, list[int]], small_ranges: None
) -> None:
    paths = _paths(logs, "dirty")
    serial = list(parallel.scan_files(paths, jobs=1))
    par = list(parallel.scan_files(paths, jobs=2))
    for a, b in zip(serial, par):
        assert [m.source.line for m in a.malformed] == bad_lines[a.kind], a.path
        assert [_where(m) for m in b.malformed] == [_where(m) for m in a.malformed], a.path
        assert b.lines == a.lines and b.lines.malformed >= len(bad_lines[a.kind]) > 2
        assert b.rows == a.rows
    ea, eb = load_events(paths, jobs=1), load_events(paths, jobs=2)
    assert eb.events == ea.events
    ra, rb = analyze(paths, jobs=1), analyze(paths, jobs=2)
    assert _facts(rb) == _facts(ra)
    assert rb.migrations == ra.migrations and rb.summary == ra.summary


def test_malformed_reasons_name_the_serial_line_numbers(
    logs: dict[str, Path], bad_lines: dict[LogKind, list[int]], small_ranges: None
) -> None:
    paths = _paths(logs, "dirty")
    serial = list(parallel.scan_files(paths, jobs=1))
    par = list(parallel.scan_files(paths, jobs=2))
    assert [[m.reason for m in f.malformed] for f in par] == [
        [m.reason for m in f.malformed] for f in serial]


@pytest.fixture(scope="module")
def cut_off(logs: dict[str, Path]) -> tuple[str, int, int]:
    """A zenpython log with a never-closing pretty dict about a third of the way in, the range
    size that puts the first cut by size inside it, and the offset of the record after it."""
    src = (logs["pretty"] / "zenpython.log").read_bytes()
    starts = _record_starts(src, LogKind.ZENPYTHON)
    at = starts[len(starts) // 3]
    stamp = src[at:at + 23]
    path = logs["base"] / "cut-off-zenpython.log"
    bad = stamp + OPEN_ZENPYTHON.encode()
    path.write_bytes(src[:at] + bad + src[at:])
    return str(path), at + 40, at + len(bad)  # 40: past the open record's first line


def test_a_dict_cut_off_by_the_next_log_line_at_a_range_end_reads_as_serial(
    cut_off: tuple[str, int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, size, after = cut_off
    monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES", 1)
    monkeypatch.setattr(parallel, "RANGE_MIN", size)
    monkeypatch.setattr(parallel, "RANGE_MAX", size)
    ranges = cut_ranges(path, LogKind.ZENPYTHON, Path(path).stat().st_size, size)
    assert ranges[0] == (0, after)  # the open dict ends the first range
    (a,) = parallel.scan_files([path], jobs=1)
    (b,) = parallel.scan_files([path], jobs=2)
    assert len(a.malformed) == 1 and a.malformed[0].source.span == 3
    assert [_where(m) for m in b.malformed] == [_where(m) for m in a.malformed]
    assert b.lines == a.lines and b.rows == a.rows
    # the range's end is not the input's end: the serial reason, not "end of the input"
    assert [m.reason for m in b.malformed] == [m.reason for m in a.malformed]


def test_every_job_count_gives_the_same_events(logs: dict[str, Path], small_ranges: None) -> None:
    paths = _paths(logs, "mixed")
    one = load_events(paths, jobs=1)
    for jobs in (3, 4):
        assert load_events(paths, jobs=jobs).events == one.events

