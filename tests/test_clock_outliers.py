"""The inferred UTC offset holds against bad events, and no date is out of range for it.

domain.md "Time": per event, local log time - generated/rcvtime; the median, rounded to the
nearest 15 minutes. An event whose own time is a day (or years) off its log time is not a
clock: it is left out and said so, so that one bad event can no longer make the offset -23:59.
A log time that cannot be moved to UTC (year 1 east of UTC, 9999-12-31 west of it) makes its
line malformed, with the reason, instead of an OverflowError.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from lmtrace.cli import cli
from lmtrace.clock import OffsetSource, infer_clock, parse_tz
from lmtrace.load import load_events

from .conftest import SAMPLES

UTC = timezone.utc
BASE = datetime(2017, 1, 23, 6, 22, 2, tzinfo=UTC)


def ev(offset: timedelta, minute: int = 0) -> tuple[datetime, datetime]:
    """(local log time, UTC event time) of an event logged 9 ms after it was generated."""
    utc = BASE + timedelta(minutes=minute)
    return (utc + offset + timedelta(milliseconds=9)).replace(tzinfo=None), utc


H = timedelta(hours=1)
DAY = timedelta(days=1)

# (deltas of the events, label, events used, left out)
CASES = [
    ([8 * H] * 5, "+08:00", 5, 0),
    ([8 * H] * 5 + [8 * H + DAY], "+08:00", 5, 1),  # one event a day late
    ([8 * H] * 5 + [8 * H - DAY], "+08:00", 5, 1),  # one a day early
    ([8 * H, 8 * H + DAY], "+08:00", 1, 1),  # two events, one bad: the mean would be +20:00
    ([8 * H, 8 * H - 2 * DAY], "+08:00", 1, 1),  # the mean was -16:00
    ([8 * H, 8 * H, 8 * H - DAY], "+08:00", 2, 1),
    ([-5 * H] * 3 + [timedelta(days=-3000)], "-05:00", 3, 1),  # years off
    ([14 * H] * 2, "+14:00", 2, 0),  # Kiribati
    ([-12 * H] * 2, "-12:00", 2, 0),
    ([timedelta(hours=5, minutes=45)] * 3, "+05:45", 3, 0),  # Nepal
    ([8 * H + timedelta(minutes=20)] * 4, "+08:15", 4, 0),  # the rule: round to the nearest quarter
    ([8 * H] * 3 + [3 * H] * 2, "+08:00", 5, 0),  # a plausible outlier: the median holds
    ([8 * H, 9 * H], "+08:00", 2, 0),  # of two, the lower middle: not +08:30
]


@pytest.mark.parametrize(("deltas", "label", "used", "left_out"), CASES)
def test_the_median_holds_and_outliers_do_not_win(
    deltas: list[timedelta], label: str, used: int, left_out: int
) -> None:
    c = infer_clock([ev(d, i) for i, d in enumerate(deltas)])
    assert (c.label, c.source, c.samples) == (label, OffsetSource.INFERRED, used)
    if left_out:
        assert c.warning is not None
        assert c.warning.startswith(f"{left_out} of {len(deltas)} events left out of the UTC offset inference")
        assert "beyond any real UTC offset (-12:00 to +14:00)" in c.warning
    else:
        assert c.warning is None or "left out" not in c.warning


@pytest.mark.parametrize("delta", [2 * DAY, -DAY, timedelta(days=-700_000)])
def test_a_single_event_far_off_assumes_utc_and_says_why(delta: timedelta) -> None:
    c = infer_clock([ev(8 * H + delta)])
    assert (c.label, c.source, c.samples) == ("+00:00", OffsetSource.ASSUMED, 0)
    assert c.warning is not None and c.warning.startswith("1 of 1 event left out")
    assert c.warning.endswith("assumed UTC; give the offset with --tz")


def test_one_bad_event_at_the_cli_no_longer_gives_minus_23_59(tmp_path: Path) -> None:
    line = (SAMPLES / "scenarios" / "stale" / "collector.log").read_text().splitlines(keepends=True)[0]
    p = tmp_path / "c.log"
    p.write_text(line.replace("2017-01-23 ", "2017-01-21 ", 1))
    r = CliRunner().invoke(cli, ["events", str(p), "--format", "csv"])
    assert r.exit_code == 0
    assert "UTC offset +00:00 (assumed UTC" in r.stderr
    assert f"warning: {p}: 1 of 1 event left out of the UTC offset inference" in r.stderr
    assert "(-1d 16:00)" in r.stderr  # +08:00 minus two days: was clamped to -23:59
    assert "23:59" not in r.stderr + r.stdout


# -- dates at the ends of the calendar ------------------------------------------------------------

EDGES = [
    ("0001-01-01 00:00:00.000", 0, "+08:00"),
    ("0001-01-01 03:59:59.999", 0, "Asia/Shanghai"),
    ("9999-12-31 23:59:59.500", -1, "-05:00"),
    ("9999-12-31 23:00:00.000", -1, "America/New_York"),
]


@pytest.fixture
def stale_lines() -> list[str]:
    return (SAMPLES / "scenarios" / "stale" / "collector.log").read_text().splitlines(keepends=True)


@pytest.mark.parametrize(("stamp", "at", "tz"), EDGES)
def test_a_log_time_out_of_range_in_utc_makes_its_line_malformed(
    tmp_path: Path, stale_lines: list[str], stamp: str, at: int, tz: str
) -> None:
    lines = list(stale_lines)
    lines[at] = stamp + lines[at][23:]
    p = tmp_path / "c.log"
    p.write_text("".join(lines))
    stream = load_events([str(p)], tz={"*": parse_tz(tz)})
    (i,) = stream.inputs
    n = len(lines)
    assert (i.lines.total, i.lines.parsed, i.lines.malformed) == (n, n - 1, 1)
    assert i.events == len(stream.events) == n - 1
    (m,) = i.malformed
    assert m.source.line == (1 if at == 0 else n)
    assert m.reason.startswith(f"log time {stamp[:10]}") and f"out of range once moved to UTC (offset {tz})" in m.reason
    r = CliRunner().invoke(cli, ["analyze", str(p), "--tz", tz, "--format", "json"])
    assert r.exit_code == 0, r.output
    assert "out of range once moved to UTC" in r.stderr
    r = CliRunner().invoke(cli, ["events", str(p), "--tz", tz, "--strict"])
    assert r.exit_code == 1 and "1 malformed line(s) (--strict)" in r.stderr


@pytest.mark.parametrize(("stamp", "at", "tz"), EDGES)
def test_inferred_offsets_leave_edge_dates_out_and_do_not_raise(
    tmp_path: Path, stale_lines: list[str], stamp: str, at: int, tz: str
) -> None:
    lines = list(stale_lines)
    lines[at] = stamp + lines[at][23:]
    p = tmp_path / "c.log"
    p.write_text("".join(lines))
    r = CliRunner().invoke(cli, ["analyze", str(p), "--format", "text"])
    assert r.exit_code == 0, r.output
    assert "UTC offset +08:00 (inferred from 10 events)" in r.stderr
    assert "1 of 11 events left out of the UTC offset inference" in r.stderr
