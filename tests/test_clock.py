"""UTC offsets: inferred from events, given, or assumed."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from lmtrace.clock import OffsetSource, infer_clock, parse_tz
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
