"""The 3.x/4.x path's parsers: zenopenstack's log and Ceilometer's HTTP publisher.

No public zenopenstack log exists: the inputs are constructed from the
format strings of the ZenPack (zenopenstack.py, datamaps.py, Zenoss'
ObjectMap repr) and of ceilometer/publisher/http.py (see samples/README.md).
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from lmtrace.events import LogKind, Status
from lmtrace.load import load_events
from lmtrace.parse import parse_file, sniff

DATA = Path(__file__).parent / "data" / "zos"
ZOS = str(DATA / "research_example_zenopenstack.log")
AGENT = str(DATA / "research_example_agent-notification.log")
UTC = timezone.utc
VM = "4c1e7bd2-55a7-4a36-9a7e-0c6c6d0b2c11"


def test_sniff_tells_the_new_kinds():
    assert sniff(b"2019-05-01 14:22:38,204 DEBUG zen.OpenStack.zenopenstack: Draining metric queue\n") is LogKind.ZENOPENSTACK
    assert sniff(b"2019-05-01 14:22:38,204 DEBUG zen.zenopenstack: Queued event (total of 1) {}\n") is LogKind.ZENOPENSTACK
    line = b"2019-05-01 14:22:00.318 28 DEBUG ceilometer.publisher.http [-] Message posting to x: status code 200.\n"
    assert sniff(line) is LogKind.PUBLISHER
    assert sniff(b"2017-01-23 14:22:02.593 1 INFO ceilometer.dispatcher [-] record_events called (events=[])\n") is LogKind.COLLECTOR


def test_zenopenstack_records():
    f = parse_file(ZOS)
    assert f.kind is LogKind.ZENOPENSTACK
    assert f.lines.total == 66 and f.lines.malformed == 0 and f.lines.parsed == 66
    got = [(e.status, e.event_type, e.instance_id, e.host_name, e.source.line, e.source.span) for e in f.events]
    assert got == [
        (Status.MAPPED, "compute.instance.update", VM, "compute-02", 1, 16),
        (Status.MAPPED, "compute.instance.live_migration._post.end", VM, "compute-01", 17, 16),
        (Status.TICK, "", None, None, 33, 1),
        (Status.UNPROCESSED, "port.update.end", None, None, 34, 16),
        (Status.RELEASED, "", VM, "compute-01", 50, 16),
        (Status.TICK, "", None, None, 66, 1),
    ]
    mapped = f.events[1]
    assert mapped.device == "myopenstack" and mapped.display_name == "web-01" and mapped.event_id is None
    assert mapped.local_time == datetime(2019, 5, 1, 14, 22, 11, 452000)
    lost = f.events[3]
    assert lost.event_id == "5f3a2b1c-0d9e-4f8a-b7c6-d5e4f3a2b1c0"
    assert lost.trait("error") == "SyntaxError: unexpected EOF while parsing"


def test_zenopenstack_lean_keeps_the_error():
    f = parse_file(ZOS, full=False)
    lost = [e for e in f.events if e.status is Status.UNPROCESSED][0]
    assert [t.name for t in lost.traits] == ["error"]


def test_publisher_records():
    f = parse_file(AGENT)
    assert f.kind is LogKind.PUBLISHER
    assert (f.lines.total, f.lines.parsed, f.lines.malformed) == (13, 6, 0)
    posted = [e for e in f.events if e.status is Status.POSTED]
    assert [(e.event_type[-13:], e.host_name, e.index) for e in posted] == [
        ("post.dest.end", "compute-02", 0),
        ("ion._post.end", "compute-01", 1),
    ]
    assert posted[1].generated == datetime(2019, 5, 1, 6, 22, 11, 301554, tzinfo=UTC)
    assert posted[1].event_id == "e41d8f36-2b7a-4c90-a5d3-19f0c7b6a842"
    posts = [e for e in f.events if e.status is Status.POST]
    assert len(posts) == 4 and {e.trait("status_code") for e in posts} == {200}
    assert {e.device for e in posts} == {"myopenstack"}
    failed = [e for e in f.events if e.status is Status.FAILED]
    assert len(failed) == 1 and failed[0].event_id == "9a0e6c1b-7d2f-4e83-b5a4-3c2d1e0f9a8b"
    assert failed[0].trait("error").startswith("HTTP 502: HTTPError: 502 Server Error")


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("2019-05-01 14:22:11.405 28 TRACE ceilometer.publisher.http [-] Message: [{\"raw\": {}, \"tra", "not JSON"),
        ("2019-05-01 14:22:11.405 28 TRACE ceilometer.publisher.http [-] Message: [{\"raw\": {}}]", "no event_type"),
    ],
)
def test_publisher_malformed(tmp_path, line, reason):
    p = tmp_path / "agent.log"
    p.write_text(line + "\n")
    f = parse_file(str(p), kind=LogKind.PUBLISHER)
    assert f.lines.malformed == 1 and reason in f.malformed[0].reason


def test_zenopenstack_cut_objectmap_is_malformed(tmp_path):
    text = Path(ZOS).read_text().splitlines()
    p = tmp_path / "zenopenstack.log"
    p.write_text("\n".join(text[:10] + text[32:]) + "\n")  # the first map cut after 10 lines
    f = parse_file(str(p))
    assert f.lines.malformed == 10 and "ObjectMap" in f.malformed[0].reason
    assert f.lines.total == f.lines.parsed + f.lines.malformed + f.lines.skipped


def test_zenopenstack_clock_is_joined_to_the_publisher():
    s = load_events([ZOS, AGENT])
    zos = next(i for i in s.inputs if i.kind is LogKind.ZENOPENSTACK)
    assert zos.clock.label == "+08:00" and zos.clock.source.value == "inferred"
    assert [i.path for i in s.inputs] == [ZOS, AGENT]  # input order kept
    alone = load_events([ZOS])
    assert alone.inputs[0].clock.source.value == "assumed"


def test_ranges_of_a_zenopenstack_log_give_the_serial_events(monkeypatch: pytest.MonkeyPatch):
    """Cut into small ranges on two processes, at record starts: the same events."""
    from lmtrace import parallel

    root = Path(__file__).resolve().parent.parent / "samples" / "zenopenstack" / "lost"
    paths = [str(root / "zenopenstack.log"), str(root / "agent.log")]
    a = load_events(paths, jobs=1)
    monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES", 1)
    monkeypatch.setattr(parallel, "RANGE_MIN", 3000)
    monkeypatch.setattr(parallel, "RANGE_MAX", 3000)
    b = load_events(paths, jobs=2)
    assert b.events == a.events and b.inputs == a.inputs and len(a.events) > 20


@pytest.mark.parametrize("kind", [LogKind.ZENOPENSTACK, LogKind.PUBLISHER])
def test_no_traceback_on_fragments_and_garbage(tmp_path: Path, kind: LogKind):
    """Lines of both logs cut at every few characters and glued to garbage: every
    line is parsed, skipped or malformed, nothing raises."""
    import random

    src = Path(ZOS if kind is LogKind.ZENOPENSTACK else AGENT).read_text().splitlines()
    rng = random.Random(13)
    out = []
    for _ in range(400):
        line = rng.choice(src)
        a, b = sorted(rng.randrange(len(line) + 1) for _ in range(2))
        out.append(rng.choice([line[:b], line[a:], line[:a] + "\x00{[('" + line[b:], line]))
    p = tmp_path / "fragments.log"
    p.write_text("\n".join(out) + "\n")
    f = parse_file(str(p), kind=kind)
    assert f.lines.total == 400
    assert f.lines.parsed + f.lines.malformed <= f.lines.total


def test_streamed_events_join_the_zenopenstack_clock_too():
    """`lmtrace events` (streamed, bounded memory) infers zenopenstack's offset as load does."""
    from lmtrace.spool import stream_events

    paths = [ZOS, AGENT]
    a = load_events(paths)
    with stream_events(paths, run_events=5) as s:
        events = list(s.events)
        inputs = s.inputs
    assert [i.clock.label for i in inputs] == [i.clock.label for i in a.inputs] == ["+08:00", "+08:00"]
    assert events == list(a.events)
