"""UTC offsets: inferred from events, given, or assumed."""

from __future__ import annotations

from array import array
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lmtrace.clock import OffsetSource, clock_from_deltas, infer_clock, parse_tz
from lmtrace.errors import UsageError

UTC = timezone.utc


def pairs(offset_h: float, n: int = 5, delay_ms: int = 9) -> list[tuple[datetime, datetime]]:
    base = datetime(2017, 1, 23, 6, 22, 2, tzinfo=UTC)
    out = []
    for i in range(n):
        utc = base + timedelta(minutes=i)
        out.append(((utc + timedelta(hours=offset_h, milliseconds=delay_ms)).replace(tzinfo=None), utc))
    return out


@pytest.mark.parametrize(("hours", "label"), [(8, "+08:00"), (0, "+00:00"), (-5, "-05:00"), (5.75, "+05:45"), (-3.5, "-03:30")])
def test_inferred_offset_rounds_away_the_hop_delay(hours: float, label: str) -> None:
    c = infer_clock(pairs(hours, delay_ms=400))
    assert (c.label, c.source, c.samples, c.warning) == (label, OffsetSource.INFERRED, 5, None)
    assert c.how == "inferred from 5 events"


def test_no_events_assumes_utc() -> None:
    c = infer_clock([])
    assert (c.label, c.source) == ("+00:00", OffsetSource.ASSUMED)


def test_a_jump_of_an_hour_warns_and_suggests_a_zone() -> None:
    c = infer_clock(pairs(1, 3) + pairs(2, 3))
    assert c.warning is not None and "--tz" in c.warning and "+01:00 to +02:00" in c.warning


@pytest.mark.parametrize(
    ("text", "local", "utc"),
    [
        ("+08:00", datetime(2017, 1, 23, 14, 0), datetime(2017, 1, 23, 6, 0, tzinfo=UTC)),
        ("-0530", datetime(2017, 1, 23, 0, 0), datetime(2017, 1, 23, 5, 30, tzinfo=UTC)),
        ("UTC", datetime(2017, 1, 23, 0, 0), datetime(2017, 1, 23, 0, 0, tzinfo=UTC)),
        # an IANA zone is applied per timestamp: DST differs in winter and summer
        ("Europe/Paris", datetime(2017, 1, 23, 12, 0), datetime(2017, 1, 23, 11, 0, tzinfo=UTC)),
        ("Europe/Paris", datetime(2017, 7, 23, 12, 0), datetime(2017, 7, 23, 10, 0, tzinfo=UTC)),
    ],
)
def test_given_zones(text: str, local: datetime, utc: datetime) -> None:
    from lmtrace.clock import given_clock

    assert given_clock(parse_tz(text)).to_utc(local) == utc


@pytest.mark.parametrize("bad", ["+25:00", "Mars/Olympus", "8 hours"])
def test_bad_zones_say_what_to_write(bad: str) -> None:
    with pytest.raises(UsageError, match=r"^--tz "):
        parse_tz(bad)


def test_file_specs_match_a_path_its_basename_or_a_glob() -> None:
    from lmtrace.clock import matches_file

    path = "samples/collector.log"
    assert matches_file("samples/collector.log", path) == matches_file("./samples/collector.log", path) == 3
    assert matches_file("collector.log", path) == 2
    assert matches_file("*/collector.*", path) == matches_file("samples/*.log", path) == 1
    assert not matches_file("collector", path) and not matches_file("zen*.log", path)
    assert not matches_file("*", path)  # `*` is "every file", not a glob that competes


def test_the_best_match_wins_then_the_first_given_then_all_files() -> None:
    from lmtrace.clock import for_file

    plus = {h: timezone(timedelta(hours=h)) for h in range(1, 5)}
    given = {"*.log": plus[1], "collector.log": plus[2], "a/collector.log": plus[3], "*": plus[4]}
    assert for_file("a/collector.log", given) is plus[3]  # the path beats its basename
    assert for_file("b/collector.log", given) is plus[2]  # the basename beats a glob
    assert for_file("b/zenpython.log", given) is plus[1]
    assert for_file("zenpython.txt", given) is plus[4]
    assert for_file("zenpython.txt", {"*.log": plus[1]}) is None
    # the argument a glob expanded from counts too
    assert for_file("b/c.log.1", {"b/c.log*": plus[1]}, also=["b/c.log*"]) is plus[1]


def test_a_file_spec_that_matches_no_input_is_a_usage_error() -> None:
    from lmtrace.clock import check_file_specs

    inputs = [["samples/collector.log"], ["samples/zenpython.log"]]
    check_file_specs("--tz", {"collector.log": timezone.utc, "*": timezone.utc, "*zen*": timezone.utc}, inputs)
    with pytest.raises(UsageError, match=r"^--tz colector\.log=\.\.\.: colector\.log matches no input "
                       r"\(inputs: samples/collector\.log, samples/zenpython\.log\)"):
        check_file_specs("--tz", {"colector.log": timezone.utc}, inputs)
    with pytest.raises(UsageError, match="FILE is empty"):
        check_file_specs("--kind", {"": "collector"}, inputs)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.floats(min_value=-200_000, max_value=200_000, allow_nan=False)
        | st.sampled_from([3600.0, -3600.0, 28800.0, 28800.001, 1e9, -1e9, 50_400.0, -43_200.0]),
        max_size=40,
    )
)
def test_deltas_in_a_list_or_an_array_give_the_same_clock(deltas: list[float]) -> None:
    # a list takes the path that copies the plausible deltas and sorts them;
    # an array (lmtrace events' spool) the one-pass path that counts by millisecond
    assert clock_from_deltas(deltas) == clock_from_deltas(array("d", deltas))
