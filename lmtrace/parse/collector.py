"""Ceilometer collector (and notification agent) logs: `record_events called`.

The Zenoss dispatcher logs, at INFO, the repr of every batch of events it
gets before publishing them to Zenoss over AMQP::

    2017-01-23 14:22:02.771 25667 INFO ceilometer_zenoss.dispatcher.zenoss [-]
    record_events called (events=[<Event: 8db64329-606c-4184-9b5b-eb815166cb17,
    compute.instance.live_migration.post.dest.end, 2017-01-23 06:22:02.761138,
    <Trait: state_description 1 > <Trait: memory_mb 2 512> ...
    <Trait: host_name 1 ndc27-3222> <Trait: request_id 1 req-d4c27d06-...>>])

(one line in the log). It yields one `Event` per `<Event: …>`:
`event_id` = the Ceilometer message id (= Zenoss' eventKey), `event_type`,
`generated` (UTC, as Ceilometer stamped it), `local_time` (the line's own
zoneless timestamp), typed `traits` and the convenience fields
request_id, instance_id, host_name, display_name and state.

Grammar of the model repr (ceilometer/event/storage/models.py)::

    events  := "[" event ("," " " event)* "]"
    event   := "<Event: " ID ", " TYPE ", " GENERATED ", " traits ">"
    traits  := (trait (" " trait)*)?
    trait   := "<Trait: " NAME " " DTYPE " " VALUE ">"       VALUE may be empty

Newer Ceilometer hands the dispatcher `Event.serialize()` dicts instead, so the
same line can hold `[{'message_id': u'…', 'event_type': u'…', 'generated':
'2017-01-23T06:22:02.584049', 'traits': [(u'host_name', 1, u'…'), …],
'raw': {}, 'message_signature': '…'}]`; both forms are read.

Lines of the same logger that mention record_events without carrying events
(`Publishing message to … record_events …/zenoss.py:467`, heartbeats, errors)
are not ours: they are skipped, never malformed. A line with the marker
`record_events called` is never skipped (but for an empty batch, `events=[]`):
without `(events=` after it, it is malformed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timezone
from sys import intern
from typing import Any

from ..events import (
    EMPTY_BATCH,
    Event,
    LogKind,
    Malformed,
    Source,
    Status,
    Trait,
    TraitType,
    TraitValue,
)
from ..read import Chunk
from .rows import Row, row_event
from .skips import SkipTally, logger_of

__all__ = ["CollectorScanner", "parse_generated"]

# the marker; what must follow it on an event line
MARKER = b"record_events called"
_EVENTS_ARG = "record_events called (events="
_PREFIX = re.compile(
    r"(?P<date>\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:[.,]\d+)?)\s+(?:\d+\s+)?[A-Z]+\s"
)
_EVENT_HEAD = re.compile(
    r"<Event: (?P<id>[^,<>\s]+), (?P<type>[^,<>\s]+), (?P<gen>[^,<>]*?), "
)
_HOT = ("request_id", "instance_id", "host_name", "display_name", "state")
# a hot trait as the first of the list and after another one, with its
# dtype (1: text), and their lengths
_HOT_NEEDLES = tuple(
    (f"<Trait: {name} 1 ", f"> <Trait: {name} 1 ", len(f"<Trait: {name} 1 "), len(f"> <Trait: {name} 1 "))
    for name in _HOT
)
_TRAIT_SEP = "> <Trait: "
_RECORDED = Status.RECORDED
_LOGGER = logger_of(LogKind.COLLECTOR)
EXCERPT = 120


def parse_generated(text: str) -> datetime:
    """Ceilometer's naive UTC time (`2017-01-23 06:22:02.584049` or ISO 8601
    with `T`) as an aware UTC datetime. Raises ValueError."""
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        dt = datetime.strptime(text.replace("T", " "), "%Y-%m-%d %H:%M:%S.%f")
    if dt.tzinfo is None:
        # = dt.replace(tzinfo=timezone.utc), at a seventh of its cost (replace
        # parses keywords); exact: whole microseconds
        return _EPOCH_UTC + (dt - _EPOCH_NAIVE)
    return dt.astimezone(timezone.utc)


_EPOCH_NAIVE = datetime(1970, 1, 1)
_EPOCH_UTC = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _parse_local(text: str) -> datetime:
    text = text.replace(",", ".")
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S.%f")


class CollectorScanner:
    """Scanner (see lmtrace.parse) for collector logs."""

    kind = LogKind.COLLECTOR

    def __init__(self, path: str, *, full: bool = True) -> None:
        self.path = path
        self.full = full
        self.parsed_lines = 0
        self.malformed_lines = 0
        self.tally = SkipTally()
        # one str object per distinct type/host/...: less memory, and
        # pickle sends a repeated object once
        seen: dict[str, str] = {}
        self._intern: Callable[[str, str], str] = seen.setdefault

    def finish(self, *, at_end: bool = True) -> list[Event | Malformed]:
        return []  # a record is one line: nothing is ever left open

    def finish_rows(self, *, at_end: bool = True) -> list[Row | Malformed]:
        return []

    def feed(self, chunk: Chunk) -> list[Event | Malformed]:
        return [
            r if isinstance(r, Malformed) else row_event(LogKind.COLLECTOR, self.path, r)
            for r in self.feed_rows(chunk)
        ]

    def feed_rows(self, chunk: Chunk) -> list[Row | Malformed]:
        """Like `feed`, but events as compact rows (see lmtrace.parse.Row):
        what workers send back and what `load_events` builds events from."""
        data = chunk.data
        out: list[Row | Malformed] = []
        find = data.find
        pos = find(MARKER)
        counted_to = 0
        line = chunk.first_line
        # the only per-line Python work is for marker lines: noise is
        # skipped by bytes.find
        while pos >= 0:
            start = data.rfind(b"\n", 0, pos) + 1
            end = find(b"\n", pos)
            if end < 0:
                end = len(data)
            line += data.count(b"\n", counted_to, start)
            counted_to = start
            text = data[start:end].decode("utf-8", "replace").rstrip("\r")
            records = self._parse_line(text, line, chunk.offset + start, line in chunk.truncated)
            if data.find(_LOGGER, start, pos) >= 0:
                self.tally.record_lines += 1
            if not records:
                self.tally.known[EMPTY_BATCH] += 1
            else:
                if isinstance(records[0], Malformed):
                    self.malformed_lines += 1
                else:
                    self.parsed_lines += 1
                out.extend(records)
            pos = find(MARKER, end)
        return out

    # -- one line -------------------------------------------------------------

    def _parse_line(self, text: str, line: int, offset: int, cut: bool) -> list[Row | Malformed]:
        source = (line, offset)
        at = text.find("record_events called")
        # search, not match: NULs, a BOM or the rest of a cut line may stand before it
        m = _PREFIX.search(text, 0, max(at, 0))
        local_time = None
        if m is not None:
            try:
                local_time = _parse_local(m["date"])
            except ValueError:
                return [self._bad(source, f"bad timestamp {m['date']!r}", text)]
        if cut:
            return [self._bad(source, "line longer than the reader's limit: cut, events lost", text)]
        if not text.startswith(_EVENTS_ARG, at):
            # a marker line is never skipped: its events list is garbled or gone
            return [self._bad(source, "no '(events=' after 'record_events called'", text)]
        payload = text[at + len(_EVENTS_ARG) :].rstrip()
        if not payload.startswith("[") or not payload.endswith("])"):
            if payload.startswith("[") or payload.startswith("<"):
                return [self._bad(source, "truncated: the events list does not end with '])'", text)]
            return [self._bad(source, "no events list after 'record_events called (events='", text)]
        body = payload[1:-2]
        if not body.strip():
            return []  # an empty batch carries no event: skipped, not ours
        if not self.full:
            self.tally.records += 1
        try:
            if body.startswith("<Event: "):
                events = self._model_events(body, source, local_time)
            elif body.startswith("{"):
                if not self.full:
                    self.tally.full_reads += 1
                events = self._dict_events(body, source, local_time)
            else:
                return [self._bad(source, "events list holds neither <Event: …> nor {…}", text)]
        except _BadRecord as e:
            return [self._bad(source, str(e), text)]
        return list(events)

    def _bad(self, source: tuple[int, int], reason: str, text: str) -> Malformed:
        return Malformed(Source(LogKind.COLLECTOR, self.path, *source), reason, text[:EXCERPT])

    def _model_events(
        self, body: str, source: tuple[int, int], local_time: datetime | None
    ) -> list[Row | Malformed]:
        heads = list(_EVENT_HEAD.finditer(body))
        if not heads or heads[0].start() != 0:
            raise _BadRecord("unreadable <Event: ID, TYPE, GENERATED, …> header")
        out: list[Row | Malformed] = []
        intern = self._intern
        full = self.full
        last = len(heads) - 1
        line, offset = source
        for i, h in enumerate(heads):
            if i < last:
                seg_end = heads[i + 1].start()
                if not body.startswith(">, ", seg_end - 3):
                    raise _BadRecord(f"event {i + 1}: unreadable end of <Event: …>")
                seg = body[h.end() : seg_end - 3]
            else:
                if not body.endswith(">"):
                    raise _BadRecord(f"event {i + 1}: <Event: …> not closed")
                seg = body[h.end() : -1]
            event_id, event_type, gen = h.group(1, 2, 3)
            try:
                generated = parse_generated(gen)
            except ValueError:
                raise _BadRecord(f"event {i + 1}: bad generated time {gen!r}") from None
            if full:
                traits = _model_traits(seg, i + 1)
                hot = _hot_of(traits)
                out.append(
                    _row(source, intern(event_type, event_type), event_id, generated, local_time, hot, traits, i, intern)
                )
                continue
            # the hot path: five finds per event, values interned (see _hot_values)
            rq, inst, host, name, state = _hot_values(seg, intern)
            out.append(
                (line, offset, 1, _RECORDED, intern(event_type, event_type), event_id, generated, None,
                 local_time, rq, inst, host, name, state, None, i, ())
            )  # fmt: skip
        return out

    def _dict_events(
        self, body: str, source: tuple[int, int], local_time: datetime | None
    ) -> list[Row | Malformed]:
        from .pyrepr import ReprError
        from .pyrepr import parse as parse_repr

        try:
            value = parse_repr("[" + _DATETIME_REPR.sub(_datetime_to_iso, body) + "]")
        except ReprError as e:
            raise _BadRecord(f"unreadable event dict: {e}") from None
        if not isinstance(value, list):
            raise _BadRecord("events list is not a list")
        out: list[Row | Malformed] = []
        for i, ev in enumerate(value):
            if not isinstance(ev, dict) or "event_type" not in ev:
                raise _BadRecord(f"event {i + 1}: not an event dict (no 'event_type')")
            try:
                generated = parse_generated(str(ev.get("generated")))
            except ValueError:
                raise _BadRecord(f"event {i + 1}: bad generated time {ev.get('generated')!r}") from None
            raw_traits = ev.get("traits") or ()
            if not isinstance(raw_traits, (list, tuple)):
                raise _BadRecord(f"event {i + 1}: traits are not a list: {raw_traits!r:.60}")
            traits = tuple(_dict_trait(t, i + 1) for t in raw_traits)
            hot = _hot_of(traits)
            out.append(
                _row(
                    source,
                    str(ev["event_type"]),
                    None if ev.get("message_id") is None else str(ev["message_id"]),
                    generated,
                    local_time,
                    hot,
                    traits if self.full else (),
                    i,
                    self._intern,
                )
            )
        return out


class _BadRecord(Exception):
    pass


# `datetime.datetime(2017, 1, 23, 6, 22, 2, 584049)` in a dict repr, when a
# dispatcher logs the Event before serialize_dt turned times into strings.
_DATETIME_REPR = re.compile(r"datetime\.datetime\(([\d, ]+)\)")


def _datetime_to_iso(m: re.Match[str]) -> str:
    try:
        parts = [int(p) for p in m[1].split(",") if p.strip()]
        return repr(datetime(*parts).isoformat())  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):  # out of range: left as is, so unreadable
        return m[0]


def _row(
    source: tuple[int, int],
    event_type: str,
    event_id: str | None,
    generated: datetime,
    local_time: datetime | None,
    hot: dict[str, Any],
    traits: tuple[Trait, ...],
    index: int,
    intern: Callable[[str, str], str],
) -> Row:
    def text(name: str) -> str | None:
        v = hot.get(name)
        if v is None or v == "":
            return None
        v = str(v)
        return intern(v, v)

    # field order: see lmtrace.parse.Row
    return (
        source[0],
        source[1],
        1,
        Status.RECORDED,
        event_type,
        event_id,
        generated,
        None,
        local_time,
        text("request_id"),
        text("instance_id"),
        text("host_name"),
        text("display_name"),
        text("state"),
        None,
        index,
        traits,
    )


def _hot_of(traits: tuple[Trait, ...]) -> dict[str, Any]:
    """The convenience fields of a full trait set: the first *text* trait of
    each hot name, exactly what `_hot_values` finds without splitting."""
    hot: dict[str, Any] = {}
    for t in traits:
        if t.dtype is TraitType.TEXT and t.name in _HOT and t.name not in hot:
            hot[t.name] = t.value
    return hot


def _hot_values(seg: str, intern: Callable[[str, str], str]) -> list[str | None]:
    """The hot fields of one event's trait text, in `_HOT` order, without
    reading the rest: the first `<Trait: NAME 1 ` (a text trait) at the start
    or after `> `, its value running to the next `> <Trait: ` or the end,
    as `_model_traits` splits them; "" as None, each value interned."""
    out: list[str | None] = []
    append = out.append
    find = seg.find
    for head, needle, nh, nn in _HOT_NEEDLES:
        if seg.startswith(head):
            vstart = nh
        else:
            at = find(needle)
            if at < 0:
                append(None)
                continue
            vstart = at + nn
        end = find(_TRAIT_SEP, vstart)
        if end < 0:
            end = len(seg) - 1 if seg.endswith(">") else len(seg)
        v = seg[vstart:end]
        append(intern(v, v) if v else None)
    return out


def _model_traits(seg: str, n: int) -> tuple[Trait, ...]:
    if not seg:
        return ()
    if not seg.startswith("<Trait: ") or not seg.endswith(">"):
        raise _BadRecord(f"event {n}: unreadable traits")
    out = []
    for body in seg[len("<Trait: ") : -1].split(_TRAIT_SEP):
        name, _, rest = body.partition(" ")
        name = intern(name)  # a few dozen names, millions of traits
        dtype_text, _, value = rest.partition(" ")
        try:
            dtype = TraitType(int(dtype_text))
        except ValueError:
            raise _BadRecord(f"event {n}: trait {name!r} has a bad dtype {dtype_text!r}") from None
        out.append(Trait(name, dtype, _typed(dtype, value)))
    return tuple(out)


def _typed(dtype: TraitType, value: str) -> TraitValue:
    """A trait value printed with %s, back to its type. A value that does not
    read as its dtype stays text: the log is evidence, not to be dropped."""
    try:
        if dtype is TraitType.INT:
            return int(value)
        if dtype is TraitType.FLOAT:
            return float(value)
        if dtype is TraitType.DATETIME:
            return parse_generated(value)
    except ValueError:
        return value
    if dtype is TraitType.NONE and value in ("", "None"):
        return None
    return value


def _dict_trait(t: Any, n: int) -> Trait:
    if isinstance(t, dict):
        name, dtype_v, value = t.get("name"), t.get("dtype"), t.get("value")
    elif isinstance(t, (list, tuple)) and len(t) == 3:
        name, dtype_v, value = t
    else:
        raise _BadRecord(f"event {n}: unreadable trait {t!r:.60}")
    try:
        dtype = TraitType(int(dtype_v))  # type: ignore[arg-type]  # None: TypeError below
    except (TypeError, ValueError, OverflowError):
        raise _BadRecord(f"event {n}: trait {name!r:.60} has a bad dtype {dtype_v!r:.60}") from None
    if dtype is TraitType.DATETIME and isinstance(value, str):
        return Trait(str(name), dtype, _typed(dtype, value))
    return Trait(str(name), dtype, value)
