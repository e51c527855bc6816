"""The zenpython parser: real lines first, then tricky ones, then properties."""

from __future__ import annotations

import json
import pprint
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lmtrace.clock import OffsetSource
from lmtrace.events import Event, LogKind, Malformed, Status, TraitType
from lmtrace.load import load_events
from lmtrace.parse import parse_file
from lmtrace.parse.zenpython import ZenpythonScanner
from lmtrace.read import Chunk

from .conftest import BLOG_ZENPYTHON
from .test_pyrepr import py2_repr

UTC = timezone.utc
LM = "compute.instance.live_migration."
P = "2017-01-23 17:21:04,289 DEBUG zen.zenpython: "
Q = P + "Queued event (total of 6) "
LOCAL = datetime(2017, 1, 23, 17, 21, 4, 289000)
RCV = datetime(2017, 1, 23, 9, 21, 4, 289413, tzinfo=UTC)  # 1485163264.289413
WUNDERGROUND = "zenpacklib_docs_zenpython_queued_event_wunderground.log"
EVENTDATA = "zenoss_osi_tests_eventdata_2017-08-10.json.txt"
HOT = (
    "status", "event_type", "event_id", "rcvtime", "local_time", "request_id", "instance_id",
    "host_name", "display_name", "state", "device",
)  # fmt: skip

# An event dict as zenpython's %r prints it (Python 2: u'' keys for traits,
# str keys for Zenoss' own fields, longs), in the dict's own order.
BASE = [
    ("u'trait_display_name'", "u'vm1'"),
    ("u'trait_request_id'", "u'req-1'"),
    ("'device_guid'", "'1ee50718-3d16-4e4a-9378-d8e22c98eb50'"),
    ("'eventClassKey'", f"u'openstack|{LM}post.dest.end'"),
    ("u'trait_memory_mb'", "512"),
    ("'agent'", "'zenpython'"),
    ("u'trait_host_name'", "u'ndc27-3222'"),
    ("'rcvtime'", "1485163264.289413"),
    ("'device'", "'OpenStack'"),
    ("u'trait_state'", "u'active'"),
    ("'severity'", "2"),
    ("u'trait_instance_id'", "u'inst-1'"),
    ("'summary'", f"u'OpenStackInfrastructure: {LM}post.dest.end'"),
    ("u'trait_fixed_ips'", "u\"[{u'version': 4, u'label': u'admin-net', u'meta': {}}]\""),
    ("'eventKey'", "u'e1'"),
    ("'sysUpTime'", "0L"),
]
EXPECTED: dict[str, Any] = {
    "status": Status.QUEUED,
    "event_type": LM + "post.dest.end",
    "event_id": "e1",
    "rcvtime": RCV,
    "local_time": LOCAL,
    "request_id": "req-1",
    "instance_id": "inst-1",
    "host_name": "ndc27-3222",
    "display_name": "vm1",
    "state": "active",
    "device": "OpenStack",
}


def ev(sep: str = ", ", **changes: str | None) -> str:
    """BASE's repr with values replaced (None drops the key; new keys go last)."""
    items = []
    seen = set()
    for k, v in BASE:
        name = k.lstrip("u").strip("'")
        seen.add(name)
        if name in changes:
            v = changes[name]  # type: ignore[assignment]
        if v is not None:
            items.append(f"{k}: {v}")
    items += [f"'{k}': {v}" for k, v in changes.items() if k not in seen and v is not None]
    return "{" + sep.join(items) + "}"


def scan(text: str, *, full: bool = True) -> tuple[list[Event | Malformed], ZenpythonScanner]:
    s = ZenpythonScanner("t.log", full=full)
    out = s.feed(Chunk(text.encode(), 1, 0)) + s.finish()
    return out, s


def hot(e: Event) -> dict[str, Any]:
    return {f: getattr(e, f) for f in HOT}


def one_event(text: str, *, full: bool) -> Event:
    out, s = scan(text, full=full)
    assert len(out) == 1 and isinstance(out[0], Event), out
    assert (s.parsed_lines, s.malformed_lines) == (out[0].source.span, 0)
    return out[0]


MODES = pytest.mark.parametrize("full", [True, False], ids=["full", "lean"])

LINES = [
    (Q + ev(), {}),
    # Zenoss 6.8+ writes the same line in lower case
    (P + "queued event (total of 6) " + ev(), {}),
    # no timestamp prefix: pasted from `zenpython run -v10`, or indented in docs
    ("DEBUG zen.zenpython: Queued event (total of 1) " + ev(), {"local_time": None}),
    ("Queued event (total of 1) " + ev(), {"local_time": None}),
    ("       DEBUG zen.zenpython: Queued event (total of 1) " + ev(), {"local_time": None}),
    (P + "Discarded event - queue overflow: " + ev(), {"status": Status.DISCARDED}),
    (
        "2017-01-23 17:21:04,289 WARNING zen.zenpython: discarded event - queue overflow: " + ev(),
        {"status": Status.DISCARDED},
    ),
    (
        P + "Event dropped by transform <Products.ZenEvents.Transform object at 0x7f0c>: " + ev(),
        {"status": Status.DROPPED},
    ),
    (P + "event dropped by transform Transformer: drop all: " + ev(), {"status": Status.DROPPED}),
    # newer ZenPacks spell the class key with a dash
    (Q + ev(eventClassKey=f"u'openstack-{LM}_post.end'"), {"event_type": LM + "_post.end"}),
    (Q + ev(eventClassKey="'openstack|compute.instance.update'"), {"event_type": "compute.instance.update"}),
    # rcvtime: float, int, long, absent
    (Q + ev(rcvtime="1485163264"), {"rcvtime": datetime(2017, 1, 23, 9, 21, 4, tzinfo=UTC)}),
    (Q + ev(rcvtime="1485163264L"), {"rcvtime": datetime(2017, 1, 23, 9, 21, 4, tzinfo=UTC)}),
    (Q + ev(rcvtime=None), {"rcvtime": None}),
    (Q + ev(rcvtime="None"), {"rcvtime": None}),
    # keys that are missing or None
    (Q + ev(eventKey=None, device=None), {"event_id": None, "device": None}),
    (Q + ev(trait_host_name="None", trait_state=None), {"host_name": None, "state": None}),
    # escapes, quotes, adjacent literals (pprint wraps long strings)
    (Q + ev(trait_display_name="u'caf\\xe9 \\u2014 it\\'s'"), {"display_name": "café — it's"}),
    (Q + ev(trait_display_name='u"it\'s"'), {"display_name": "it's"}),
    (Q + ev(trait_request_id="u'req-' u'1'"), {"request_id": "req-1"}),
    (Q + ev(trait_display_name="u'\\ud83d\\ude00'"), {"display_name": "\U0001f600"}),
    # a non-text value is kept as its text
    (Q + ev(trait_display_name="42L"), {"display_name": "42"}),
    # Windows line end
    (Q + ev() + "\r", {}),
]


@MODES
@pytest.mark.parametrize(("line", "changes"), LINES)
def test_event_lines(line: str, changes: dict[str, Any], full: bool) -> None:
    e = one_event(line + "\n", full=full)
    assert hot(e) == EXPECTED | changes
    assert (e.source.kind, e.source.path, e.source.line, e.source.offset, e.source.span) == (
        LogKind.ZENPYTHON, "t.log", 1, 0, 1,
    )  # fmt: skip
    assert e.logged_at is None and e.generated is None
    assert e.time == e.rcvtime


def test_rcvtime_is_aware_utc() -> None:
    e = one_event(Q + ev(), full=True)
    assert e.rcvtime is not None and e.rcvtime.tzinfo is UTC
    assert e.rcvtime.timestamp() == 1485163264.289413


def test_traits_are_every_trait_key_in_order() -> None:
    e = one_event(Q + ev(), full=True)
    assert [(t.name, t.dtype, t.value) for t in e.traits] == [
        ("display_name", TraitType.TEXT, "vm1"),
        ("request_id", TraitType.TEXT, "req-1"),
        ("memory_mb", TraitType.INT, 512),
        ("host_name", TraitType.TEXT, "ndc27-3222"),
        ("state", TraitType.TEXT, "active"),
        ("instance_id", TraitType.TEXT, "inst-1"),
        ("fixed_ips", TraitType.TEXT, "[{u'version': 4, u'label': u'admin-net', u'meta': {}}]"),
    ]
    assert one_event(Q + ev(), full=False).traits == ()


@pytest.mark.parametrize(
    ("value", "dtype", "expected"),
    [
        ("u'm1.tiny'", TraitType.TEXT, "m1.tiny"),
        ("'plain'", TraitType.TEXT, "plain"),
        ("u'caf\\xe9'", TraitType.TEXT, "café"),
        ("u'a' u'b'", TraitType.TEXT, "ab"),
        ("512", TraitType.INT, 512),
        ("512L", TraitType.INT, 512),
        ("-1", TraitType.INT, -1),
        ("True", TraitType.INT, True),  # Ceilometer has no bool dtype
        ("0.25", TraitType.FLOAT, 0.25),
        ("1e-05", TraitType.FLOAT, 1e-05),
        ("None", TraitType.NONE, None),
        ("[]", TraitType.TEXT, []),
        ("[{u'address': u'10.0.0.5', u'version': 4L}]", TraitType.TEXT, [{"address": "10.0.0.5", "version": 4}]),
        ("{u'k': u'v'}", TraitType.TEXT, {"k": "v"}),
        ("(1, 2)", TraitType.TEXT, [1, 2]),
        ("b'raw'", TraitType.TEXT, "raw"),
    ],
)
def test_typed_traits(value: str, dtype: TraitType, expected: object) -> None:
    e = one_event(Q + ev(trait_x=value), full=True)
    (t,) = [t for t in e.traits if t.name == "x"]
    assert (t.dtype, t.value) == (dtype, expected)
    assert type(t.value) is type(expected)


PRETTY = (
    Q + "{'agent': 'zenpython',\n"
    " 'device': 'OpenStack',\n"
    f" 'eventClassKey': u'openstack|{LM}post.dest.end',\n"
    " 'eventKey': u'e1',\n"
    " 'rcvtime': 1485163264.289413,\n"
    " 'summary': u'a {brace} ( [ and a \"quote\" inside',\n"
    " u'trait_fixed_ips': [{u'address': u'192.168.0.16',\n"
    "                       u'meta': {}},\n"
    "                      {u'address': u'10.0.0.5', u'meta': {}}],\n"
    " u'trait_host_name': u'ndc27-3222'}\n"
)
NEXT = P + "Queued event (total of 7) " + ev(eventKey="u'e2'") + "\n"


@MODES
def test_pretty_printed_over_many_lines(full: bool) -> None:
    out, s = scan("noise before\n" + PRETTY + NEXT, full=full)
    a, b = out
    assert isinstance(a, Event) and isinstance(b, Event)
    assert (a.source.line, a.source.span, a.source.offset) == (2, 10, len("noise before\n"))
    assert (a.event_id, a.host_name, a.device, a.rcvtime, a.local_time) == ("e1", "ndc27-3222", "OpenStack", RCV, LOCAL)
    assert a.request_id is None and a.state is None
    assert (b.source.line, b.source.span, b.event_id) == (12, 1, "e2")
    assert (s.parsed_lines, s.malformed_lines) == (11, 0)
    if full:
        assert a.trait("fixed_ips") == [{"address": "192.168.0.16", "meta": {}}, {"address": "10.0.0.5", "meta": {}}]


@MODES
def test_pretty_printed_with_tabs_and_crlf(full: bool) -> None:
    text = PRETTY.replace("\n ", "\n\t").replace("\n", "\r\n")
    (e,) = scan(text, full=full)[0]
    assert isinstance(e, Event)
    assert (e.source.span, e.event_id, e.host_name) == (10, "e1", "ndc27-3222")


def test_pprint_of_a_real_dict() -> None:
    d = {"eventClassKey": f"openstack|{LM}pre.start", "eventKey": "e9", "rcvtime": 1485163264.289413,
         "trait_host_name": "h" * 100, "trait_state": "migrating", "summary": "word " * 30}  # fmt: skip
    text = Q + pprint.pformat(d, width=60) + "\n"
    assert "word '\n" in text  # pprint wrapped the long string into adjacent literals
    for full in (True, False):
        (e,) = scan(text, full=full)[0]
        assert isinstance(e, Event)
        assert (e.event_type, e.event_id, e.host_name, e.state) == (LM + "pre.start", "e9", "h" * 100, "migrating")
        assert e.source.span == text.count("\n")


def _chunks(text: str, cuts: list[int]) -> list[Chunk]:
    """`text` as chunks of whole lines, cut after the given line numbers."""
    lines = text.encode().splitlines(keepends=True)
    out, start, offset = [], 0, 0
    for cut in sorted(set(cuts)) + [len(lines)]:
        if cut <= start:
            continue
        data = b"".join(lines[start:cut])
        out.append(Chunk(data, start + 1, offset))
        offset += len(data)
        start = cut
    return out


def _feed(chunks: list[Chunk], full: bool = True) -> tuple[list[Event | Malformed], tuple[int, int]]:
    s = ZenpythonScanner("t.log", full=full)
    out: list[Event | Malformed] = []
    for c in chunks:
        out += s.feed(c)
    out += s.finish()
    return out, (s.parsed_lines, s.malformed_lines)


INTERRUPTED = Q + "{'device': 'OpenStack',\n 'eventKey': u'e1',\n"


@pytest.mark.parametrize("text", [PRETTY + NEXT, "x\n" + INTERRUPTED + NEXT + PRETTY, INTERRUPTED])
def test_chunk_boundaries_do_not_matter(text: str) -> None:
    whole = _feed(_chunks(text, []))
    n = text.count("\n")
    for cut in range(1, n):
        assert _feed(_chunks(text, [cut])) == whole
    assert _feed(_chunks(text, list(range(1, n)))) == whole


SKIPPED = [
    # other ZenPacks' events
    P + "Queued event (total of 1) {'rcvtime': 1403112635.631883, 'eventClassKey': 'wu-alert', "
    "'eventKey': 'wu-alert-FIR', 'device': 'wunderground.com', 'summary': u'Fire Weather Warning'}",
    P + "Queued event (total of 1) {'eventClassKey': 'wu-alert',\n 'eventKey': 'wu-alert-FIR',\n 'severity': 3}",
    P + "Queued event (total of 1) {'eventClassKey': u'/Status/Ping', 'device': 'router1', 'severity': 5}",
    P + "Discarded event - queue overflow: {'eventClassKey': 'wu-alert', 'eventKey': 'wu-alert-FIR'}",
    # ... even when unreadable
    P + "Queued event (total of 1) {'eventClassKey': 'wu-alert', 'firstTime': DateTime('2014/06/18')}",
    # a dict without eventClassKey that is not OpenStack's
    P + "Queued event (total of 1) {'device': 'router1', 'summary': u'Interface down', 'severity': 4}",
    P + "Queued event (total of 1) {}",
    # the ZenPack's datamap message; markers that are not quite ours
    P + "Discarded datamap - queue overflow: " + ev(),
    P + "Queued event " + ev(),
    P + "Queued events (total of 6) " + ev(),
    P + "12 devices, 3 events queued",
    "2017-01-23 14:22:02.593 25667 INFO ceilometer_zenoss.dispatcher.zenoss [-] record_events called (events=[])",
    "",
    "garbage \x00\x01 not a log line",
]


@MODES
@pytest.mark.parametrize("text", SKIPPED)
def test_lines_that_are_not_openstack_events_are_skipped(text: str, full: bool) -> None:
    out, s = scan(text + "\n", full=full)
    assert out == []
    assert (s.parsed_lines, s.malformed_lines) == (0, 0)


@MODES
@pytest.mark.parametrize("junk", ["\x00", "\x00" * 300, "\ufeff", "\x00\ufeff\x1b"])
def test_nuls_or_a_bom_before_the_timestamp_are_passed_over(junk: str, full: bool) -> None:
    (e,), s = scan(junk + Q + ev() + "\n", full=full)
    assert isinstance(e, Event) and hot(e) == EXPECTED and e.local_time == LOCAL
    assert (s.parsed_lines, s.malformed_lines) == (1, 0)


@MODES
@pytest.mark.parametrize(
    "text",
    [
        P + "Sending Queued event (total of 6) " + ev(),
        "garbage 2017-01-23 17:21:04,289 DEBUG zen.zenpython: Queued event (total of 6) " + ev(),
        "2017-01-23 17:21:0" + Q + ev(),  # the rest of a cut line, then a whole one
        P + "x Queued event (total of 6) {",
    ],
)
def test_a_marker_line_is_never_skipped(text: str, full: bool) -> None:
    """The marker after text that is not the log prefix: malformed, with the
    reason, not silently skipped (it may be an event lmtrace needs)."""
    (m,), s = scan(text + "\n", full=full)
    assert isinstance(m, Malformed)
    assert m.reason == "'Queued event (total of N)' after text that is not zenpython's log prefix"
    assert (s.parsed_lines, s.malformed_lines) == (0, 1)


# other ZenPacks' events cut off: not ours, so skipped rather than malformed
FOREIGN_CUT = [
    P + "Queued event (total of 1) {'rcvtime': 1403112635.631883, 'eventClassKey': 'wu-alert', 'message': u'\\n...Red",
    P + "Queued event (total of 1) {'rcvtime': 1403112635.631883, 'eventClassKey': 'wu-alert', ",
    P + "Queued event (total of 1) {'eventClassKey': 'wu-alert',\n 'eventKey': 'wu-alert-FIR',\n" + P + "Heartbeat",
    P + "Queued event (total of 1) {'eventClassKey': 'wu-alert',\n 'message': u'Red flag\n",
]


@MODES
@pytest.mark.parametrize("text", FOREIGN_CUT)
def test_other_zenpacks_cut_events_are_skipped(text: str, full: bool) -> None:
    out, s = scan(text, full=full)
    assert out == []
    assert (s.parsed_lines, s.malformed_lines) == (0, 0)


BOTH, FULL_ONLY = (True, False), (True,)
MALFORMED = [
    # (text, line, span, reason, modes)
    (Q + "{'eventKey': u'e1', 'device': 'OpenStack', ", 1, 1, "event dict cut off at the end of the input", BOTH),
    (Q + f"{{'eventKey': u'e1', 'eventClassKey': u'openstack|{LM}post.d", 1, 1,
     "unreadable event dict: unterminated string on its line 1", BOTH),
    (INTERRUPTED + NEXT, 1, 2, "event dict cut off after 2 lines: the next log line starts before its braces balance", BOTH),
    (INTERRUPTED, 1, 2, "event dict cut off at the end of the input", BOTH),
    (INTERRUPTED + "\n" + NEXT, 1, 2, "event dict cut off after 2 lines: the next log line starts before its braces balance", BOTH),
    ("noise\n" + INTERRUPTED + " 'summary': u'unterminated\n", 2, 3,
     "unreadable event dict: unterminated string on its line 3", BOTH),
    (Q + "garbage", 1, 1, "no event dict after 'Queued event (total of N)'", BOTH),
    (Q, 1, 1, "no event dict after 'Queued event (total of N)'", BOTH),
    (P + "Discarded event - queue overflow: None", 1, 1, "no event dict after 'Discarded event - queue overflow:'", BOTH),
    (P + "Event dropped by transform x", 1, 1, "no event dict after 'Event dropped by transform'", BOTH),
    (Q + ev() + " trailing", 1, 1,
     f"unreadable event dict: unexpected 'trailing' after the value at char {len(ev()) + 1}", BOTH),
    (Q + ev(rcvtime="'yesterday'"), 1, 1, "bad rcvtime 'yesterday': not epoch seconds", BOTH),
    (Q + ev(rcvtime="u'1485163264.289413'"), 1, 1, "bad rcvtime '1485163264.289413': not epoch seconds", BOTH),
    (Q + ev(rcvtime="True"), 1, 1, "bad rcvtime True: not epoch seconds", BOTH),
    (Q + ev(rcvtime="[1485163264]"), 1, 1, "bad rcvtime [1485163264]: not epoch seconds", BOTH),
    (Q + ev(rcvtime="1e300"), 1, 1, "bad rcvtime 1e+300: out of range", BOTH),
    (Q + ev(rcvtime="-99999999999999L"), 1, 1, "bad rcvtime -99999999999999: out of range", BOTH),
    (Q + ev(eventClassKey=None), 1, 1, "event dict has no eventClassKey", BOTH),
    (Q + ev(eventClassKey="u'openstack|'"), 1, 1, "eventClassKey 'openstack|' names no event type", BOTH),
    ("2017-02-30 17:21:04,289 DEBUG zen.zenpython: Queued event (total of 6) " + ev(), 1, 1,
     "bad timestamp '2017-02-30 17:21:04,289'", BOTH),
    # cut off, yet ending in '}'
    (Q + f"{{'eventClassKey': u'openstack|{LM}pre.end', 'eventKey': u'e1', u'trait_fixed_ips': [{{u'a': 1}}", 1, 1,
     "unreadable event dict: list cut off at char 121", BOTH),
    (Q + f"{{'eventClassKey': u'openstack|{LM}pre.end', 'summary': u'cut}}", 1, 1,
     "unreadable event dict: unterminated string at char 83", BOTH),
    # a key's quote that closes a string
    (Q + "{'eventClassKey': u'openstack|x', 'summary': 'x, 'device': u'y'}", 1, 1,
     "unreadable event dict: expected ',' or '}' in dict, not 'device' at char 50", BOTH),
    # not a literal: the lean path does not read 'firstTime' (documented)
    (Q + ev(firstTime="datetime.datetime(2017, 1, 23, 9, 21, 4)"), 1, 1,
     f"unreadable event dict: unexpected 'datetime.datetime' at char {len(ev()) + 14}", FULL_ONLY),
]


@pytest.mark.parametrize(("text", "line", "span", "reason", "modes"), MALFORMED)
def test_malformed_lines_say_why(text: str, line: int, span: int, reason: str, modes: tuple[bool, ...]) -> None:
    for full in modes:
        out, s = scan(text, full=full)
        bad = [r for r in out if isinstance(r, Malformed)]
        assert len(bad) == 1, (full, out)
        (m,) = bad
        assert m.reason == reason
        assert (m.source.line, m.source.span, m.source.kind) == (line, span, LogKind.ZENPYTHON)
        assert str(m) == f"t.log:{line}: {reason}"
        assert m.excerpt and m.excerpt in text and len(m.excerpt) <= 120
        assert s.malformed_lines == span
        assert s.parsed_lines == sum(r.source.span for r in out if isinstance(r, Event))


def test_the_lean_path_trusts_what_it_does_not_read() -> None:
    # documented: a call in a field the lean path does not read goes unnoticed
    text = Q + ev(firstTime="datetime.datetime(2017, 1, 23, 9, 21, 4)")
    assert hot(one_event(text, full=False)) == EXPECTED


@MODES
def test_truncated_lines_are_malformed_unless_foreign(full: bool) -> None:
    ours = (Q + ev()[:200]).encode()
    foreign = (P + "Queued event (total of 1) {'eventClassKey': 'wu-alert', 'message': u'" + "x" * 100).encode()
    data = ours + b"\n" + foreign + b"\n"
    s = ZenpythonScanner("t.log", full=full)
    out = s.feed(Chunk(data, 1, 0, truncated=frozenset({1, 2}))) + s.finish()
    assert [(type(r), r.source.line) for r in out] == [(Malformed, 1)]
    assert isinstance(out[0], Malformed)
    assert out[0].reason == "the line is longer than the reader's limit (64 MiB) and was cut: its event dict cannot be read"
    assert (s.parsed_lines, s.malformed_lines) == (0, 1)


# -- the lean path ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "changes"),
    [
        # a key of a nested dict, or inside a string, is not the event's
        (Q + ev(device=None, trait_ports="[{'device': u'tap0', 'eventKey': u'fake'}]"), {"device": None}),
        (Q + ev(eventKey=None, trait_ports="[{'eventKey': u'fake'}]"), {"event_id": None}),
        (Q + ev(device=None, summary="u\"x, {'device': u'fake'}\""), {"device": None}),
        (Q + ev(trait_host_name=None, summary="u\"moved, 'trait_host_name': u'fake', ok\""), {"host_name": None}),
        (Q + ev(device=None, message="{'device': u'fake'}"), {"device": None}),
        # the same key nested before the real one, and after it
        (Q + ev(device=None).replace("{", "{u'trait_ports': {'device': u'tap0'}, 'device': 'OpenStack', ", 1), {}),
        (Q + ev(trait_ports="[{'device': u'tap0'}]"), {}),
        (Q + ev(sep=",\n ", device=None, trait_ports="[{'device': u'tap0'},\n  {'device': u'tap1'}]"), {"device": None}),
    ],
)
def test_lean_reads_only_top_level_keys(text: str, changes: dict[str, Any]) -> None:
    for full in (True, False):
        assert hot(one_event(text, full=full)) == EXPECTED | changes, full


# Values that tempt a regex: quotes, escapes, braces, fake keys.
_TEXT = st.text(max_size=10) | st.sampled_from(
    ["req-1", "it's", 'say "hi"', "a\\b", "caf\xe9", "\U0001f600", "'eventKey': u'fake', 'x",
     "{'device': u'fake'}", "}", "', 'device': '", "[{u'version': 4, u'label': u'net'}]",
     "<Trait: host_name 1 fake>", "a > b <Trait: ", "x\" 'y"]
)  # fmt: skip
_SCALAR = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**40), max_value=2**40)
    | st.floats(min_value=-1e11, max_value=1e11, allow_nan=False)
    | _TEXT
)
_LEAN_KEYS = [
    "eventClassKey", "eventKey", "rcvtime", "device", "trait_request_id", "trait_instance_id",
    "trait_host_name", "trait_display_name", "trait_state",
]  # fmt: skip
_NESTED = st.recursive(
    _SCALAR,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(_LEAN_KEYS + ["a"]), inner, max_size=3),
    max_leaves=6,
)

_PORTS = st.lists(st.dictionaries(st.sampled_from(_LEAN_KEYS), _SCALAR, min_size=1, max_size=3), min_size=1, max_size=2)


@st.composite
def event_dicts(draw: st.DrawFn) -> dict[str, Any]:
    d: dict[str, Any] = {}
    key = draw(st.sampled_from(["openstack|", "openstack-", "wu-", "", None]))
    if key is not None:
        d["eventClassKey"] = key + draw(st.sampled_from([LM + "post.dest.end", "compute.instance.update", ""]))
    for k in _LEAN_KEYS[1:]:
        if draw(st.integers(0, 2)) == 0:  # a third of them: often absent at the top
            d[k] = draw(_SCALAR)
    if draw(st.booleans()):
        d["rcvtime"] = draw(st.floats(min_value=0, max_value=2e9) | st.integers(0, 2**31))
    if draw(st.booleans()):  # nested dicts that hold the same key names
        d["trait_ports"] = draw(_PORTS)
    for k in draw(st.lists(st.sampled_from(["summary", "trait_fixed_ips", "severity"]), max_size=3)):
        d[k] = draw(_NESTED)
    order = draw(st.permutations(list(d)))
    return {k: d[k] for k in order}


# between a key and its value: a key split from its colon, or its colon from
# the value, across the lines of a pretty-printed dict
_COLONS = [": ", ":", " : ", ":\n ", "\n : ", "\n  :\n  ", ":\n\t"]


@settings(max_examples=200, deadline=None)
@given(
    event_dicts(),
    st.sampled_from([", ", ",\n ", ",\n\t  "]),
    st.sampled_from(["u", ""]),
    st.booleans(),
    st.sampled_from([Q, "Queued event (total of 1) ", P + "Discarded event - queue overflow: "]),
    st.sampled_from(_COLONS),
)
def test_lean_agrees_with_full(d: dict[str, Any], sep: str, prefix: str, longs: bool, head: str, colon: str) -> None:
    rendered = py2_repr(d, sep=sep, prefix=prefix, longs=longs, colon=colon)
    text = head + rendered + "\n" + NEXT
    full, fs = scan(text, full=True)
    lean, ls = scan(text, full=False)
    assert [type(r) for r in lean] == [type(r) for r in full]
    for a, b in zip(lean, full):
        assert a.source == b.source
        if isinstance(a, Event):
            assert isinstance(b, Event) and hot(a) == hot(b)
        else:
            assert isinstance(b, Malformed) and a.reason == b.reason
    assert (ls.parsed_lines, ls.malformed_lines) == (fs.parsed_lines, fs.malformed_lines)
    # and full reads what was written
    *mine, last = full
    assert isinstance(last, Event) and last.event_id == "e2"
    key = d.get("eventClassKey")
    ours = key is not None and key.startswith(("openstack|", "openstack-"))
    # a dict without eventClassKey is malformed when it looks like OpenStack's
    unkeyed = key is None and re.search(r"openstack|['\"]trait_", rendered, re.IGNORECASE) is not None
    assert len(mine) == (1 if ours or unkeyed else 0)
    if not mine:
        return
    (first,) = mine
    assert (first.source.line, first.source.span) == (1, rendered.count("\n") + 1)
    if isinstance(first, Event):
        assert key is not None and first.event_type == key[10:]
        assert first.event_id == (None if d.get("eventKey") is None else str(d["eventKey"]))
        assert first.host_name == (None if d.get("trait_host_name") is None else str(d["trait_host_name"]))
    elif key is None:
        assert first.reason == "event dict has no eventClassKey"
    elif not key[10:]:
        assert first.reason == f"eventClassKey {key!r} names no event type"
    else:
        assert first.reason.startswith("bad rcvtime")


# -- line accounting ----------------------------------------------------------

FILE = [
    (P.replace("DEBUG", "INFO") + "Starting zenpython", "skipped"),
    (Q + ev(), "parsed"),
    *[(line, "parsed") for line in PRETTY.rstrip("\n").split("\n")[:2]],
    *[(line, "parsed") for line in (" 'eventKey': u'e2',", f" 'eventClassKey': u'openstack|{LM}_post.end'}}")],
    ("", "skipped"),
    (SKIPPED[0], "skipped"),
    *[(line, "skipped") for line in SKIPPED[1].split("\n")],
    *[(line, "malformed") for line in INTERRUPTED.rstrip("\n").split("\n")],
    (P + "Discarded event - queue overflow: " + ev(eventKey="u'e3'"), "parsed"),
    (Q + ev(rcvtime="'x'"), "malformed"),
    (Q + "garbage", "malformed"),
    ("2017-01-23 17:21:05,001 DEBUG zen.zenpython: Heartbeat", "skipped"),
    (P + "Queued event (total of 1) " + ev(eventKey="u'e4'"), "parsed"),
]


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@MODES
def test_every_line_is_parsed_skipped_or_malformed(tmp_path: Path, newline: str, full: bool) -> None:
    path = tmp_path / "zenpython.log"
    path.write_bytes(newline.join(line for line, _ in FILE).encode())  # no newline at the end
    parsed = parse_file(str(path), full=full)
    want = {k: sum(1 for _, w in FILE if w == k) for k in ("parsed", "skipped", "malformed")}
    assert parsed.kind is LogKind.ZENPYTHON
    lines = parsed.lines
    assert (lines.total, lines.parsed, lines.skipped, lines.malformed) == (
        len(FILE), want["parsed"], want["skipped"], want["malformed"],
    )  # fmt: skip
    assert lines.parsed + lines.skipped + lines.malformed == lines.total
    assert [(e.source.line, e.source.span, e.event_id, e.status) for e in parsed.events] == [
        (2, 1, "e1", Status.QUEUED), (3, 4, "e2", Status.QUEUED),
        (14, 1, "e3", Status.DISCARDED), (18, 1, "e4", Status.QUEUED),
    ]  # fmt: skip
    assert [(m.source.line, m.source.span) for m in parsed.malformed] == [(12, 2), (15, 1), (16, 1)]
    assert parsed.events[1].event_type == LM + "_post.end"


# -- never raises -------------------------------------------------------------

_HEADS = st.sampled_from(["", Q, Q + "{", P + "queued event (total of 1) {'eventClassKey': u'openstack|",
                          P + "Discarded event - queue overflow: {", P + "Event dropped by transform x: {",
                          INTERRUPTED, PRETTY[:300]])  # fmt: skip
_ZEN_PIECES = st.sampled_from(
    list("{}[](),:'\" \n\t\\u0L") + [Q, "\n ", "'eventClassKey': ", "u'openstack|x'", "'rcvtime': ", "1.5",
                                   "'eventKey': ", "u'e1'", "datetime(", "\r\n"]
)  # fmt: skip
ZEN_TEXT = st.text() | st.lists(_ZEN_PIECES, max_size=30).map("".join)


def _scan_anything(head: str, tail: str, cuts: list[int], full: bool) -> None:
    text = head + tail
    total = len(text.encode().splitlines()) or 0
    out, (parsed, malformed) = _feed(_chunks(text, cuts), full)
    assert parsed + malformed <= max(total, 1)
    for r in out:
        assert 1 <= r.source.line <= max(total, 1) and r.source.span >= 1
        assert isinstance(r, (Event, Malformed))


@settings(max_examples=200, deadline=None)
@given(_HEADS, ZEN_TEXT, st.lists(st.integers(1, 20), max_size=3), st.booleans())
def test_never_raises_on_arbitrary_text(head: str, tail: str, cuts: list[int], full: bool) -> None:
    _scan_anything(head, tail, cuts, full)


@settings(max_examples=20_000, deadline=None)
@given(_HEADS, ZEN_TEXT, st.lists(st.integers(1, 20), max_size=3), st.booleans())
def _never_raises_long(head: str, tail: str, cuts: list[int], full: bool) -> None:
    _scan_anything(head, tail, cuts, full)


@pytest.mark.slow
def test_never_raises_long_run(request: pytest.FixtureRequest) -> None:
    """20,000 examples; runs only when selected: pytest -m slow."""
    if "slow" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("long run: select it with -m slow")
    _never_raises_long()


# -- real data ----------------------------------------------------------------


@MODES
def test_blog_zenpython_log(realdata: Path, full: bool) -> None:
    parsed = parse_file(str(realdata / BLOG_ZENPYTHON), full=full)
    assert parsed.kind is LogKind.ZENPYTHON
    assert [e.event_type for e in parsed.events] == [LM + "post.dest.start", LM + "post.dest.end"]
    assert {e.display_name for e in parsed.events} == {"pdcmtest3"}
    assert {e.request_id for e in parsed.events} == {"req-98542dfd-e17b-4ec8-b4b8-90f78205a75e"}
    assert {e.host_name for e in parsed.events} == {"ndc27-3205"}
    assert {e.instance_id for e in parsed.events} == {"a0e7145b-21b0-4f3b-ba37-755cfcc069de"}
    assert {(e.device, e.state, e.status) for e in parsed.events} == {("OpenStack", "active", Status.QUEUED)}
    first, second = parsed.events
    assert (first.event_id, second.event_id) == (
        "b5e42f1b-7300-44de-928a-e6904f29fd12", "bfcdb673-04f8-4665-8924-997540a168f0",
    )  # fmt: skip
    assert first.rcvtime == RCV
    assert second.rcvtime == datetime(2017, 1, 23, 9, 21, 4, 289977, tzinfo=UTC)
    assert (first.local_time, second.local_time) == (LOCAL, datetime(2017, 1, 23, 17, 21, 4, 290000))
    # the "# source:" line and the blank separator are skipped
    assert (parsed.lines.total, parsed.lines.parsed, parsed.lines.skipped, parsed.lines.malformed) == (4, 2, 2, 0)
    assert [e.source.line for e in parsed.events] == [2, 4]
    if full:
        assert first.trait("memory_mb") == 512
        assert first.trait("state_description") == "migrating" and second.trait("state_description") == ""
        assert str(first.trait("fixed_ips")).startswith("[{u'version': 4, u'vif_mac': u'fa:16:3e:1b:4f:d0'")
        assert len(first.traits) == 18
    else:
        assert first.traits == ()


def test_blog_zenpython_offset_is_inferred(realdata: Path) -> None:
    stream = load_events([str(realdata / BLOG_ZENPYTHON)])
    (inp,) = stream.inputs
    assert inp.clock.label == "+08:00"
    assert (inp.clock.source, inp.clock.samples) == (OffsetSource.INFERRED, 2)
    assert [e.logged_at for e in stream.events] == [
        datetime(2017, 1, 23, 9, 21, 4, 289000, tzinfo=UTC), datetime(2017, 1, 23, 9, 21, 4, 290000, tzinfo=UTC),
    ]  # fmt: skip


@MODES
def test_wunderground_is_not_openstack(realdata: Path, full: bool) -> None:
    parsed = parse_file(str(realdata / WUNDERGROUND), full=full)
    assert parsed.kind is LogKind.ZENPYTHON
    assert (len(parsed.events), len(parsed.malformed)) == (0, 0)
    assert (parsed.lines.total, parsed.lines.skipped) == (2, 2)


def _eventdata(realdata: Path) -> dict[str, dict[str, Any]]:
    text = (realdata / EVENTDATA).read_text()
    assert text.startswith("# source:")
    data: dict[str, dict[str, Any]] = json.loads(text.split("\n", 1)[1])
    return data


_DTYPES = {str: TraitType.TEXT, int: TraitType.INT, bool: TraitType.INT, float: TraitType.FLOAT,
           list: TraitType.TEXT, dict: TraitType.TEXT, type(None): TraitType.NONE}  # fmt: skip


@pytest.mark.parametrize("style", ["repr", "py2", "pprint"])
def test_the_zenpacks_own_event_data(realdata: Path, tmp_path: Path, style: str) -> None:
    dicts = list(_eventdata(realdata).values())
    assert len(dicts) == 51
    render = {"repr": repr, "py2": py2_repr, "pprint": pprint.pformat}[style]
    path = tmp_path / "zenpython.log"
    path.write_text("".join(f"{P}Queued event (total of {n}) {render(d)}\n" for n, d in enumerate(dicts, 1)))
    full = parse_file(str(path))
    lean = parse_file(str(path), full=False)
    for parsed in (full, lean):
        assert len(parsed.events) == 51 and parsed.malformed == ()
        assert [e.event_type for e in parsed.events] == [d["eventClassKey"].split("|", 1)[1] for d in dicts]
        assert [e.event_id for e in parsed.events] == [d["eventKey"] for d in dicts]
        assert [e.host_name for e in parsed.events] == [d.get("trait_host_name") for d in dicts]
        assert [e.instance_id for e in parsed.events] == [d.get("trait_instance_id") for d in dicts]
        assert {e.device for e in parsed.events} == {"endpoint"}
        assert all(e.rcvtime is None and e.local_time == LOCAL for e in parsed.events)
        assert parsed.lines.parsed == parsed.lines.total
    assert [hot(e) for e in lean.events] == [hot(e) for e in full.events]
    for e, d in zip(full.events, dicts):
        traits = {k[6:]: v for k, v in d.items() if k.startswith("trait_")}
        assert {t.name: t.value for t in e.traits} == traits
        assert {t.name: t.dtype for t in e.traits} == {k: _DTYPES[type(v)] for k, v in traits.items()}
    if style == "pprint":
        assert full.lines.total > 51  # some dicts did span several lines


def test_records_the_lean_path_leaves_to_the_full_reader_are_counted(tmp_path: Path) -> None:
    from lmtrace.parallel import scan_files

    flat = Q + "{'eventClassKey': u'openstack|compute.instance.update', 'eventKey': u'e%d', 'rcvtime': 1.5}\n"
    # read exactly by the regex tier: a nested dict, an escaped quote
    nested = Q + "{'eventClassKey': u'openstack|a.b', 'eventKey': u'n', 'trait_x': {'eventKey': u'fake'}}\n"
    escaped = Q + "{'eventClassKey': u'openstack|a.b', 'eventKey': u'it\\'s', 'rcvtime': 2}\n"
    # left to the full reader: a key seen twice, a wanted value that is a list
    twice = Q + "{'eventClassKey': u'openstack|a.b', 'eventKey': u'a', 'eventKey': u'b'}\n"
    listed = Q + "{'eventClassKey': u'openstack|a.b', 'eventKey': u'l', 'device': [1]}\n"
    path = tmp_path / "zenpython.log"
    path.write_text("".join(flat % i for i in range(5)) + nested + escaped + twice + listed)
    for jobs in (1, 2):
        (lean,) = scan_files([str(path)], full=False, jobs=jobs)
        assert (lean.records, lean.full_reads) == (9, 2)
        assert [r[5] for r in lean.rows] == ["e0", "e1", "e2", "e3", "e4", "n", "it's", "b", "l"]
    (full,) = scan_files([str(path)], full=True, jobs=1)
    assert (full.records, full.full_reads) == (0, 0)  # counted on the hot path only
