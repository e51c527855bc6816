"""The collector parser: real lines first, then tricky ones."""

from __future__ import annotations

import gzip
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lmtrace.events import LogKind, Malformed, Status, TraitType
from lmtrace.parse import parse_file
from lmtrace.parse.collector import CollectorScanner
from lmtrace.read import Chunk

from .conftest import BLOG_COLLECTOR

UTC = timezone.utc
PREFIX = "2017-01-23 14:22:02.593 25667 INFO ceilometer_zenoss.dispatcher.zenoss [-] "


def scan(text: str, *, full: bool = True) -> tuple[list, CollectorScanner]:
    s = CollectorScanner("t.log", full=full)
    out = s.feed(Chunk(text.encode(), 1, 0)) + s.finish()
    return out, s


def event_line(*events: str) -> str:
    return PREFIX + "record_events called (events=[" + ", ".join(events) + "])"


def ev(
    eid: str = "e1",
    etype: str = "compute.instance.live_migration.post.dest.end",
    gen: str = "2017-01-23 06:22:02.761138",
    traits: str = "<Trait: host_name 1 ndc27-3222> <Trait: request_id 1 req-1>",
) -> str:
    return f"<Event: {eid}, {etype}, {gen}, {traits}>"


def test_blog_collector_log(realdata: Path) -> None:
    parsed = parse_file(str(realdata / BLOG_COLLECTOR))
    assert parsed.kind is LogKind.COLLECTOR
    assert [e.event_type.rsplit("live_migration.", 1)[1] for e in parsed.events] == [
        "post.dest.start",
        "post.dest.end",
        "_post.end",
    ]
    assert [e.host_name for e in parsed.events] == ["ndc27-3222", "ndc27-3222", "ndc27-3205"]
    assert {e.request_id for e in parsed.events} == {"req-d4c27d06-6329-4ce0-adb5-370b8ca83a22"}
    assert {e.display_name for e in parsed.events} == {"pdcmtest"}
    first = parsed.events[0]
    assert first.event_id == "3538a01c-ab8d-4e64-b0ff-6e8fe270e06a"
    assert first.generated == datetime(2017, 1, 23, 6, 22, 2, 584049, tzinfo=UTC)
    assert first.local_time == datetime(2017, 1, 23, 14, 22, 2, 593000)
    assert first.trait("memory_mb") == 512
    assert first.trait("launched_at") == datetime(2017, 1, 23, 5, 6, 41, tzinfo=UTC)
    assert str(first.trait("fixed_ips")).startswith("[{u'version': 4,")
    assert parsed.events[1].trait("state_description") == ""
    # the "# source:" line and the two blank separators are skipped
    assert (parsed.lines.total, parsed.lines.parsed, parsed.lines.skipped, parsed.lines.malformed) == (
        6,
        3,
        3,
        0,
    )
    assert [e.source.line for e in parsed.events] == [2, 4, 6]


def test_several_events_in_one_line_keep_their_order() -> None:
    out, s = scan(event_line(ev("a"), ev("b", "compute.instance.live_migration._post.end"), ev("c")))
    assert [(e.event_id, e.index) for e in out] == [("a", 0), ("b", 1), ("c", 2)]
    assert out[1].event_type == "compute.instance.live_migration._post.end"
    assert (s.parsed_lines, s.malformed_lines) == (1, 0)


@pytest.mark.parametrize(
    ("trait_text", "name", "dtype", "value"),
    [
        ("<Trait: state_description 1 >", "state_description", TraitType.TEXT, ""),
        ("<Trait: memory_mb 2 512>", "memory_mb", TraitType.INT, 512),
        ("<Trait: ratio 3 0.25>", "ratio", TraitType.FLOAT, 0.25),
        (
            "<Trait: launched_at 4 2017-01-23 05:06:41>",
            "launched_at",
            TraitType.DATETIME,
            datetime(2017, 1, 23, 5, 6, 41, tzinfo=UTC),
        ),
        ("<Trait: nothing 0 None>", "nothing", TraitType.NONE, None),
        # text holding brackets, quotes, commas and a '>' inside
        (
            "<Trait: fixed_ips 1 [{u'label': u'a>b', u'meta': {}, \"x\": [1, 2]}]>",
            "fixed_ips",
            TraitType.TEXT,
            "[{u'label': u'a>b', u'meta': {}, \"x\": [1, 2]}]",
        ),
        ("<Trait: display_name 1 my vm, (copy)>", "display_name", TraitType.TEXT, "my vm, (copy)"),
        # an int trait that is not an int stays text: evidence is not dropped
        ("<Trait: vcpus 2 many>", "vcpus", TraitType.INT, "many"),
    ],
)
def test_trait_values(trait_text: str, name: str, dtype: TraitType, value: object) -> None:
    out, _ = scan(event_line(ev(traits=f"<Trait: host_name 1 h1> {trait_text} <Trait: state 1 active>")))
    (e,) = out
    t = {t.name: t for t in e.traits}[name]
    assert (t.dtype, t.value) == (dtype, value)
    assert e.host_name == "h1" and e.state == "active"


def test_event_without_traits() -> None:
    out, _ = scan(event_line(ev(traits="")[:-1].rstrip() + " >"))
    assert len(out) == 1 and out[0].traits == () and out[0].host_name is None


@pytest.mark.parametrize(
    "line",
    [
        # the dispatcher's DEBUG line names record_events but carries no event
        "2017-01-23 14:22:02.600 25667 DEBUG ceilometer_zenoss.dispatcher.zenoss [-] Publishing message "
        "to zenoss.openstack.OpenStack.event.compute.instance.live_migration.post.dest.end "
        "record_events /usr/lib/python2.7/site-packages/ceilometer_zenoss/dispatcher/zenoss.py:467",
        PREFIX + "record_events called (events=[])",
        "2017-01-23 14:22:02.600 25667 INFO oslo.messaging._drivers.impl_rabbit [-] Connected to AMQP",
        "",
        "garbage \x00\x01 not a log line",
    ],
)
def test_lines_that_are_not_events_are_skipped(line: str) -> None:
    out, s = scan(line + "\n")
    assert out == []
    assert (s.parsed_lines, s.malformed_lines) == (0, 0)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (event_line(ev())[:-40], "truncated: the events list does not end with '])'"),
        (PREFIX + "record_events called (events=[<Event: x>])", "unreadable <Event: ID, TYPE, GENERATED, …> header"),
        (event_line(ev(gen="yesterday")), "event 1: bad generated time 'yesterday'"),
        (event_line(ev(traits="<Trait: a x b>")), "event 1: trait 'a' has a bad dtype 'x'"),
        (PREFIX + "record_events called (events=", "no events list after 'record_events called (events='"),
        (PREFIX + "record_events called (events=[42])", "events list holds neither <Event: …> nor {…}"),
        # the marker with its argument garbled (a flipped byte, a cut line): never skipped
        (PREFIX + "record_events called (evxnts=[])", "no '(events=' after 'record_events called'"),
        (PREFIX + "record_events called", "no '(events=' after 'record_events called'"),
        ("\x00\x00" + PREFIX + "record_events called (events=[<Event: x>])",
         "unreadable <Event: ID, TYPE, GENERATED, …> header"),
    ],
)
def test_malformed_lines_say_why(line: str, reason: str) -> None:
    out, s = scan(line + "\n")
    assert len(out) == 1 and isinstance(out[0], Malformed)
    assert out[0].reason == reason
    assert str(out[0]) == f"t.log:1: {reason}"
    assert (s.parsed_lines, s.malformed_lines) == (0, 1)


def test_lean_path_reads_the_same_hot_fields(realdata: Path) -> None:
    full = parse_file(str(realdata / BLOG_COLLECTOR))
    lean = parse_file(str(realdata / BLOG_COLLECTOR), full=False)
    hot = ("event_id", "event_type", "generated", "request_id", "instance_id", "host_name", "display_name", "state")
    assert [[getattr(e, f) for f in hot] for e in lean.events] == [
        [getattr(e, f) for f in hot] for e in full.events
    ]
    assert all(e.traits == () for e in lean.events)


def test_dict_repr_form() -> None:
    pytest.importorskip("lmtrace.parse.pyrepr")
    body = (
        "{'message_id': u'm1', 'event_type': u'compute.instance.live_migration.post.dest.end', "
        "'generated': '2017-01-23T06:22:02.761138', 'traits': [(u'host_name', 1, u'ndc27-3222'), "
        "(u'memory_mb', 2, 512L), (u'launched_at', 4, '2017-01-23T05:06:41')], 'raw': {}, "
        "'message_signature': 'abc'}, "
        "{'message_id': u'm2', 'event_type': u'compute.instance.live_migration._post.end', "
        "'generated': datetime.datetime(2017, 1, 23, 6, 22, 2, 776665), "
        "'traits': [{'name': 'host_name', 'dtype': 1, 'value': 'ndc27-3205'}], 'raw': {}}"
    )
    out, s = scan(PREFIX + "record_events called (events=[" + body + "])\n")
    assert [(e.event_id, e.host_name) for e in out] == [("m1", "ndc27-3222"), ("m2", "ndc27-3205")]
    assert out[0].trait("memory_mb") == 512
    assert out[0].trait("launched_at") == datetime(2017, 1, 23, 5, 6, 41, tzinfo=UTC)
    assert out[1].generated == datetime(2017, 1, 23, 6, 22, 2, 776665, tzinfo=UTC)
    assert out[0].status is Status.RECORDED
    assert s.parsed_lines == 1


def test_compressed_and_crlf(tmp_path: Path) -> None:
    p = tmp_path / "c.log.gz"
    p.write_bytes(gzip.compress((event_line(ev()) + "\r\n" + "noise\r\n").encode()))
    parsed = parse_file(str(p))
    assert [e.host_name for e in parsed.events] == ["ndc27-3222"]
    assert parsed.lines.total == 2


def test_invalid_utf8_does_not_stop_parsing(tmp_path: Path) -> None:
    p = tmp_path / "c.log"
    p.write_bytes(b"\xff\xfe bad bytes\n" + event_line(ev(traits="<Trait: display_name 1 caf\xc3 x>")).encode("latin-1") + b"\n")
    parsed = parse_file(str(p), kind=LogKind.COLLECTOR)
    assert len(parsed.events) == 1
    assert parsed.events[0].display_name == "caf\ufffd x"


@settings(max_examples=150, deadline=None)
@given(st.text(), st.sampled_from(["", PREFIX + "record_events called (events=[", PREFIX + "record_events called (events=[<Event: "]))
def test_never_raises_on_arbitrary_text(tail: str, head: str) -> None:
    out, s = scan(head + tail)
    total = (head + tail).count("\n") + 1
    assert s.parsed_lines + s.malformed_lines <= total


_TRAIT_NAMES = st.sampled_from(
    ["host_name", "request_id", "instance_id", "display_name", "state", "state_description",
     "memory_mb", "fixed_ips", "host", "name", "hostname"]
)
_VALUES = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"), max_size=12
) | st.sampled_from(["", "ndc27-3222", "x> <Trait: host_name 1 y", "[{u'a': 1}]", ">", "1 2"])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(_TRAIT_NAMES, st.sampled_from([0, 1, 1, 1, 2, 3]), _VALUES).filter(
            lambda t: t[1] == 1 or t[2].strip().lstrip("-").isdigit() or t[1] == 0
        ),
        max_size=8,
        unique_by=lambda t: t[0],
    ),
    st.integers(min_value=1, max_value=3),
)
def test_lean_and_full_paths_agree_on_every_hot_field(traits: list[tuple[str, int, str]], n: int) -> None:
    body = " ".join(f"<Trait: {name} {dtype} {value}>" for name, dtype, value in traits)
    line = event_line(*(ev(eid=f"e{i}", traits=body) for i in range(n))) + "\n"
    full, _ = scan(line)
    lean, _ = scan(line, full=False)
    hot = ("event_id", "event_type", "generated", "request_id", "instance_id", "host_name", "display_name", "state")
    if any(isinstance(r, Malformed) for r in full):
        return  # an unreadable trait list: full mode reports it, the lean one may not look
    assert [[getattr(e, f) for f in hot] for e in lean] == [[getattr(e, f) for f in hot] for e in full]


@pytest.mark.parametrize(
    "prefix",
    [
        # the collector (Ceilometer up to Pike), no request context
        "2017-01-23 14:22:02.593 25667 INFO ceilometer_zenoss.dispatcher.zenoss [-] ",
        # the notification agent (Queens on) logs the same dispatcher line, with an oslo context
        "2018-05-02 10:15:01.123 4242 INFO ceilometer_zenoss.dispatcher.zenoss "
        "[req-4b0e3f36-1f7a-4b55-9d0f-0b3c2c1c0a11 - - - - -] ",
        # another logger name and level, as a packaged publisher may log it
        "2018-05-02 10:15:01.123 4242 DEBUG ceilometer.publisher.zenoss [-] ",
    ],
)
def test_collector_and_notification_agent_prefixes(prefix: str) -> None:
    out, s = scan(prefix + "record_events called (events=[" + ev() + "])\n")
    (e,) = out
    assert (e.event_id, e.host_name, e.request_id) == ("e1", "ndc27-3222", "req-1")
    assert e.local_time is not None and e.local_time.strftime("%H:%M:%S.%f")[:12] == prefix[11:23]
    assert s.parsed_lines == 1
