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
are not ours: they are skipped, never malformed.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from ..events import Event, LogKind, Malformed, Source, Status, Trait, TraitType, TraitValue
from ..read import Chunk

__all__ = ["CollectorScanner", "parse_generated"]

MARKER = b"record_events called (events="
_PREFIX = re.compile(
    r"(?P<date>\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:[.,]\d+)?)\s+(?:\d+\s+)?[A-Z]+\s"
)
_EVENT_HEAD = re.compile(
    r"<Event: (?P<id>[^,<>\s]+), (?P<type>[^,<>\s]+), (?P<gen>[^,<>]*?), "
)
_HOT = ("request_id", "instance_id", "host_name", "display_name", "state")
_HOT_KEYS = tuple((name, f"<Trait: {name} ") for name in _HOT)
_TRAIT_SEP = "> <Trait: "
EXCERPT = 120


def parse_generated(text: str) -> datetime:
    """Ceilometer's naive UTC time (`2017-01-23 06:22:02.584049` or ISO 8601
    with `T`) as an aware UTC datetime. Raises ValueError."""
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        dt = datetime.strptime(text.replace("T", " "), "%Y-%m-%d %H:%M:%S.%f")
    if dt.tzinfo is None:
        return dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


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

    def finish(self) -> list[Event | Malformed]:
        return []

    def feed(self, chunk: Chunk) -> list[Event | Malformed]:
        data = chunk.data
        out: list[Event | Malformed] = []
        find = data.find
        pos = find(MARKER)
        counted_to = 0
        line = chunk.first_line
        while pos >= 0:
            start = data.rfind(b"\n", 0, pos) + 1
            end = find(b"\n", pos)
            if end < 0:
                end = len(data)
            line += data.count(b"\n", counted_to, start)
            counted_to = start
            source = Source(LogKind.COLLECTOR, self.path, line, chunk.offset + start)
            text = data[start:end].decode("utf-8", "replace").rstrip("\r")
            records = self._parse_line(text, source, line in chunk.truncated)
            if records:
                if isinstance(records[0], Malformed):
                    self.malformed_lines += 1
                else:
                    self.parsed_lines += 1
                out.extend(records)
            pos = find(MARKER, end)
        return out

    # -- one line -------------------------------------------------------------

    def _parse_line(self, text: str, source: Source, cut: bool) -> list[Event | Malformed]:
        at = text.find("record_events called (events=")
        payload = text[at + len("record_events called (events=") :].rstrip()
        m = _PREFIX.match(text)
        local_time = None
        if m is not None:
            try:
                local_time = _parse_local(m["date"])
            except ValueError:
                return [self._bad(source, f"bad timestamp {m['date']!r}", text)]
        if cut:
            return [self._bad(source, "line longer than the reader's limit: cut, events lost", text)]
        if not payload.startswith("[") or not payload.endswith("])"):
            if payload.startswith("[") or payload.startswith("<"):
                return [self._bad(source, "truncated: the events list does not end with '])'", text)]
            return [self._bad(source, "no events list after 'record_events called (events='", text)]
        body = payload[1:-2]
        if not body.strip():
            return []  # an empty batch carries no event: skipped, not ours
        try:
            if body.startswith("<Event: "):
                events = self._model_events(body, source, local_time)
            elif body.startswith("{"):
                events = self._dict_events(body, source, local_time)
            else:
                return [self._bad(source, "events list holds neither <Event: …> nor {…}", text)]
        except _BadRecord as e:
            return [self._bad(source, str(e), text)]
        return list(events)

    def _bad(self, source: Source, reason: str, text: str) -> Malformed:
        return Malformed(source, reason, text[:EXCERPT])

    def _model_events(
        self, body: str, source: Source, local_time: datetime | None
    ) -> list[Event | Malformed]:
        heads = list(_EVENT_HEAD.finditer(body))
        if not heads or heads[0].start() != 0:
            raise _BadRecord("unreadable <Event: ID, TYPE, GENERATED, …> header")
        out: list[Event | Malformed] = []
        for i, h in enumerate(heads):
            if i + 1 < len(heads):
                seg_end = heads[i + 1].start()
                if body[seg_end - 3 : seg_end] != ">, ":
                    raise _BadRecord(f"event {i + 1}: unreadable end of <Event: …>")
                seg = body[h.end() : seg_end - 3]
            else:
                if not body.endswith(">"):
                    raise _BadRecord(f"event {i + 1}: <Event: …> not closed")
                seg = body[h.end() : -1]
            try:
                generated = parse_generated(h["gen"])
            except ValueError:
                raise _BadRecord(f"event {i + 1}: bad generated time {h['gen']!r}") from None
            if self.full:
                traits = _model_traits(seg, i + 1)
                hot = {t.name: t.value for t in traits if t.name in _HOT}
            else:
                traits = ()
                hot = _hot_traits(seg)
            out.append(
                _event(source, h["type"], h["id"], generated, local_time, hot, traits, index=i)
            )
        return out

    def _dict_events(
        self, body: str, source: Source, local_time: datetime | None
    ) -> list[Event | Malformed]:
        from .pyrepr import ReprError, parse_repr

        try:
            value = parse_repr("[" + _DATETIME_REPR.sub(_datetime_to_iso, body) + "]")
        except ReprError as e:
            raise _BadRecord(f"unreadable event dict: {e}") from None
        if not isinstance(value, list):
            raise _BadRecord("events list is not a list")
        out: list[Event | Malformed] = []
        for i, ev in enumerate(value):
            if not isinstance(ev, dict) or "event_type" not in ev:
                raise _BadRecord(f"event {i + 1}: not an event dict (no 'event_type')")
            try:
                generated = parse_generated(str(ev.get("generated")))
            except ValueError:
                raise _BadRecord(f"event {i + 1}: bad generated time {ev.get('generated')!r}") from None
            traits = tuple(_dict_trait(t, i + 1) for t in ev.get("traits") or ())
            hot = {t.name: t.value for t in traits if t.name in _HOT}
            out.append(
                _event(
                    source,
                    str(ev["event_type"]),
                    None if ev.get("message_id") is None else str(ev["message_id"]),
                    generated,
                    local_time,
                    hot,
                    traits if self.full else (),
                    index=i,
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
        return repr(datetime(*parts).isoformat())  # type: ignore[misc]
    except (TypeError, ValueError):
        return m[0]


def _event(
    source: Source,
    event_type: str,
    event_id: str | None,
    generated: datetime,
    local_time: datetime | None,
    hot: dict[str, Any],
    traits: tuple[Trait, ...],
    *,
    index: int,
) -> Event:
    def text(name: str) -> str | None:
        v = hot.get(name)
        return None if v is None or v == "" else str(v)

    return Event(
        source=source,
        status=Status.RECORDED,
        event_type=event_type,
        event_id=event_id,
        generated=generated,
        local_time=local_time,
        request_id=text("request_id"),
        instance_id=text("instance_id"),
        host_name=text("host_name"),
        display_name=text("display_name"),
        state=text("state"),
        index=index,
        traits=traits,
    )


def _hot_traits(seg: str) -> dict[str, Any]:
    """The hot fields of one event's trait text, without reading the rest:
    each value runs to the next `> <Trait: ` or the end, exactly as
    `_model_traits` splits them, so both paths agree."""
    hot: dict[str, Any] = {}
    for name, key in _HOT_KEYS:
        at = seg.find(key)
        while at > 0 and not seg.startswith("> ", at - 2):
            at = seg.find(key, at + 1)  # a trait name that ends with ours
        if at < 0:
            continue
        vstart = at + len(key)
        sp = seg.find(" ", vstart)
        if sp < 0:
            continue
        end = seg.find(_TRAIT_SEP, sp)
        if end < 0:
            end = len(seg) - 1 if seg.endswith(">") else len(seg)
        if seg[vstart:sp] == "1":
            hot[name] = seg[sp + 1 : end]
    return hot


def _model_traits(seg: str, n: int) -> tuple[Trait, ...]:
    if not seg:
        return ()
    if not seg.startswith("<Trait: ") or not seg.endswith(">"):
        raise _BadRecord(f"event {n}: unreadable traits")
    out = []
    for body in seg[len("<Trait: ") : -1].split(_TRAIT_SEP):
        name, _, rest = body.partition(" ")
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
        dtype = TraitType(int(dtype_v))
    except (TypeError, ValueError):
        raise _BadRecord(f"event {n}: trait {name!r} has a bad dtype {dtype_v!r}") from None
    if dtype is TraitType.DATETIME and isinstance(value, str):
        return Trait(str(name), dtype, _typed(dtype, value))
    return Trait(str(name), dtype, value)
