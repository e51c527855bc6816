"""zenopenstack's log (ZenPack 3.x/4.x): what the daemon mapped, released and lost.

A constructed line (no public zenopenstack log exists; built from the format
strings of the ZenPack's zenopenstack.py/datamaps.py and Zenoss' ObjectMap
repr, ZenPack 4.0.1; `/opt/zenoss/log/zenopenstack.log`, DEBUG on; cut
here at `...`)::

    2019-05-01 14:22:11,452 DEBUG zen.OpenStack.zenopenstack: myopenstack: Mapped compute.instance.live_migration._post.end event to <ObjectMap {'_update': True,
     'hostName': u'web-01',
     'id': 'server-4c1e7bd2-55a7-4a36-9a7e-0c6c6d0b2c11',
     ...
     'set_host_name': u'compute-01',
     ...
     'title': u'web-01',
     'vmState': u'active'}>

yields one `Event`::

    source        Source(ZENOPENSTACK, path, line=1, offset, span=<lines of the record>)
    status        MAPPED                            (the handler fired: zenopenstack logs this
                                                     for every type the ZenPack's MAPPERS maps)
    event_type    'compute.instance.live_migration._post.end'
    event_id      None                              (no id on this line)
    local_time    2019-05-01 14:22:11.452000        (naive; no UTC time on any zenopenstack line)
    device        'myopenstack'
    instance_id   '4c1e7bd2-…'                      (the ObjectMap's id after 'server-')
    host_name     'compute-01'                      (its set_host_name: the host the handler wrote;
                                                     None when the map has none: it wrote nothing)
    display_name  'web-01' (title), state 'active' (vmState)

The record kinds (logger `zen.OpenStack.zenopenstack` unless said)::

    <device>: Mapped <type> event to <ObjectMap {…}>         DEBUG    MAPPED
    Released objectmap: <ObjectMap {…}>                      DEBUG    RELEASED (type '', the host the model got)
    <device>: Propagated <type> event                        DEBUG    PROPAGATED (type, device)
    <device>: Unable to process event: {…}  + traceback      ERROR    UNPROCESSED (the dict's fields; trait
                                                                      `error`: the traceback's last line)
    Queued event (total of N) {…}   (logger zen.zenopenstack) DEBUG   QUEUED (as zenpython's)
    Discarded event - queue overflow: {…}   (zen.zenopenstack) WARNING DISCARDED
    any other DEBUG line of zen.OpenStack.zenopenstack       DEBUG    TICK (type '': proves debug was on)

The ObjectMap repr is Python 2 `pformat` of its attributes: keys sorted, one
per line, each continuation line starting with a space; a traceback follows
its ERROR line without a prefix. A record is its prefixed line and the lines
without a prefix that follow. Every line is *parsed* (part of a record that
gave an Event), *malformed* (a Mapped/Released/Unable record whose map or
dict cannot be read, a bad timestamp) or *skipped* (other loggers and
levels, e.g. INFO `Unable to identify instance component`).
"""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime
from typing import Any

from ..events import Event, LogKind, Malformed, Source, Status, Trait, TraitType
from ..read import Chunk
from .pyrepr import ReprError, parse
from .skips import SkipTally
from .zenevent import event_from, parse_local_time, traits_of

__all__ = ["ZenopenstackScanner", "objectmap_fields"]

# Zenoss' daemon format: "%(asctime)s %(levelname)s %(name)s: %(message)s"
_PREFIX = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d{3}) ([A-Z]+) ([\w.\-]+): (.*)$", re.S)
_START = re.compile(rb"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ")

_OURS = "zen.OpenStack.zenopenstack"
_CORE = "zen.zenopenstack"  # the daemon's own logger: Queued/Discarded lines

_MAPPED = re.compile(r"^(?P<device>\S+): Mapped (?P<type>\S+) event to (?P<map><ObjectMap .*)$", re.S)
_RELEASED = re.compile(r"^Released objectmap: (?P<map><ObjectMap .*)$", re.S)
_PROPAGATED = re.compile(r"^(?P<device>\S+): Propagated (?P<type>\S+) event$")
_UNABLE = re.compile(r"^(?P<device>\S+): Unable to process event: (?P<dict>\{.*)$", re.S)
_QUEUED = re.compile(r"^[Qq]ueued event \(total of \d+\) ?(?P<dict>\{.*)$", re.S)
_DISCARDED = re.compile(r"^[Dd]iscarded event - queue overflow: ?(?P<dict>\{.*)$", re.S)

EXCERPT = 120


def objectmap_fields(text: str) -> dict[str, Any] | str:
    """The attributes of `<ObjectMap {…}>` (pformat of a Python 2 dict), or
    the reason it cannot be read."""
    t = text.strip()
    if not (t.startswith("<ObjectMap ") and t.endswith(">")):
        return "not an <ObjectMap {…}> (cut off?)"
    try:
        value = parse(t[len("<ObjectMap ") : -1])
    except ReprError as e:
        return f"unreadable ObjectMap: {e}"
    if not isinstance(value, dict):
        return "unreadable ObjectMap: not a dict"
    return value


def _str(v: Any) -> str | None:
    return v if isinstance(v, str) and v else None


def _instance(fields: dict[str, Any]) -> str | None:
    """The instance uuid: the ObjectMap's id is prepId('server-' + uuid)."""
    oid = _str(fields.get("id"))
    if oid is not None and oid.startswith("server-"):
        return oid[len("server-") :]
    return _str(fields.get("resourceId")) or _str(fields.get("serverId")) or oid


class ZenopenstackScanner:
    """Mapped, released, propagated, queued and unprocessed events of a
    zenopenstack log, and its other DEBUG lines as ticks."""

    kind = LogKind.ZENOPENSTACK

    def __init__(self, path: str, *, full: bool = True) -> None:
        self.path = path
        self.full = full
        self.parsed_lines = 0
        self.malformed_lines = 0
        self.tally = SkipTally()
        # the open record: (first line number, offset, local time, level, logger, message lines)
        self._open: tuple[int, int, datetime | None, str, str, list[str]] | None = None
        self._bad_time: tuple[int, int, str] | None = None

    def feed(self, chunk: Chunk) -> list[Event | Malformed]:
        out: list[Event | Malformed] = []
        data = chunk.data
        pos, line, n = 0, chunk.first_line, len(data)
        while pos < n:
            end = data.find(b"\n", pos)
            nxt = n if end < 0 else end + 1
            if end < 0:
                end = n
            raw = data[pos:end]
            if _START.match(raw):
                self._flush(out)
                self._start(raw.decode("utf-8", "replace").rstrip("\r"), line, chunk.offset + pos, out)
            elif self._open is not None:
                self._open[5].append(raw.decode("utf-8", "replace").rstrip("\r"))
            pos, line = nxt, line + 1
        return out

    def finish(self, *, at_end: bool = True) -> list[Event | Malformed]:
        out: list[Event | Malformed] = []
        self._flush(out)
        return out

    def _start(self, text: str, line: int, offset: int, out: list[Event | Malformed]) -> None:
        m = _PREFIX.match(text)
        if m is None:
            return
        logger = m[4]
        if logger not in (_OURS, _CORE):
            return  # other loggers: skipped
        local = parse_local_time(m[1].encode())
        if local is None:
            self.malformed_lines += 1
            self.tally.record_lines += logger == _OURS
            out.append(self._malformed(line, offset, 1, f"bad timestamp {m[1]!r}", text))
            return
        local = local.replace(microsecond=int(m[2]) * 1000)
        self._open = (line, offset, local, m[3], logger, [m[5]])

    def _flush(self, out: list[Event | Malformed]) -> None:
        o = self._open
        if o is None:
            return
        self._open = None
        line, offset, local, level, logger, parts = o
        span = len(parts)
        source = Source(LogKind.ZENOPENSTACK, self.path, line, offset, span)
        head = parts[0]
        rec = self._record(source, local, level, logger, parts)
        if rec is None:
            return
        if logger == _OURS:
            self.tally.record_lines += 1  # its first line names the logger
        if isinstance(rec, str):
            self.malformed_lines += span
            out.append(self._malformed(line, offset, span, rec, head))
            return
        self.parsed_lines += span if rec.status is not Status.TICK else 1
        out.append(rec)

    def _record(
        self, source: Source, local: datetime | None, level: str, logger: str, parts: list[str]
    ) -> Event | str | None:
        msg = parts[0]
        if logger == _CORE:
            for rx, status in ((_QUEUED, Status.QUEUED), (_DISCARDED, Status.DISCARDED)):
                m = rx.match(msg)
                if m is not None:
                    return self._event_dict(m["dict"], source, status, local)
            return None
        if (m := _MAPPED.match(msg)) is not None:
            return self._objectmap(m["map"], parts, source, local, Status.MAPPED, m["type"], m["device"])
        if (m := _RELEASED.match(msg)) is not None:
            return self._objectmap(m["map"], parts, source, local, Status.RELEASED, "", None)
        if (m := _UNABLE.match(msg)) is not None:
            ev = self._event_dict(m["dict"], dataclasses.replace(source, span=1), Status.UNPROCESSED, local)
            if not isinstance(ev, Event):
                return ev
            tb = [p.strip() for p in parts[1:] if p.strip()]
            cause = tb[-1] if tb else "no traceback logged"
            return dataclasses.replace(
                ev, source=source, device=ev.device or m["device"],
                traits=(*ev.traits, Trait("error", TraitType.TEXT, cause)),
            )  # fmt: skip
        if (m := _PROPAGATED.match(msg)) is not None:
            return Event(
                source=source, status=Status.PROPAGATED, event_type=m["type"], event_id=None,
                local_time=local, device=m["device"],
            )  # fmt: skip
        if level == "DEBUG":
            return Event(source=dataclasses.replace(source, span=1), status=Status.TICK, event_type="", event_id=None, local_time=local)
        return None

    def _objectmap(
        self,
        first: str,
        parts: list[str],
        source: Source,
        local: datetime | None,
        status: Status,
        event_type: str,
        device: str | None,
    ) -> Event | str:
        # the map ends on the line that ends with '}>': later lines (none
        # normally) are not part of it
        lines = [first, *parts[1:]]
        for k, p in enumerate(lines):
            if p.rstrip().endswith("}>"):
                lines = lines[: k + 1]
                break
        fields = objectmap_fields("\n".join(lines))
        if isinstance(fields, str):
            return fields
        traits: tuple[Trait, ...] = ()
        if self.full:
            traits = tuple(
                Trait(str(k), TraitType.TEXT if not isinstance(v, int) else TraitType.INT, v)
                for k, v in fields.items()
                if isinstance(v, (str, int, float, list)) or v is None
            )
        title = _str(fields.get("title"))
        return Event(
            source=source,
            status=status,
            event_type=event_type,
            event_id=None,
            local_time=local,
            instance_id=_instance(fields),
            host_name=_str(fields.get("set_host_name")),
            display_name=title if title and not title.startswith("server-") else None,
            state=_str(fields.get("vmState")),
            device=device,
            traits=traits,
        )

    def _event_dict(self, text: str, source: Source, status: Status, local: datetime | None) -> Event | str | None:
        # rare lines: always read whole (the 3.x dict has `trait_host` too)
        text = text.rstrip()
        try:
            fields = parse(text)
        except ReprError as e:
            return f"unreadable event dict: {e}"
        if not isinstance(fields, dict):
            return "not an event dict"
        ev = event_from(fields, text, source, status, local, traits_of(fields) if self.full else ())
        if isinstance(ev, Event) and ev.host_name is None and isinstance(fields.get("trait_host"), str):
            # 3.x's _apply_instance_traits reads `host` when `host_name` is absent
            ev = dataclasses.replace(ev, host_name=fields["trait_host"])
        return ev

    def _malformed(self, line: int, offset: int, span: int, reason: str, head: str) -> Malformed:
        return Malformed(Source(LogKind.ZENOPENSTACK, self.path, line, offset, span), reason, head.strip()[:EXCERPT])
