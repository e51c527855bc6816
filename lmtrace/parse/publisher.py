"""Ceilometer's HTTP publisher, in the notification agent's log (3.x/4.x path).

A constructed line (from ceilometer/publisher/http.py's format strings and
oslo.log's default format, Queens; `ceilometer.publisher.http=TRACE` in
`default_log_levels`, which is off unless set; cut here at `...`)::

    2019-05-01 14:22:11.405 28 TRACE ceilometer.publisher.http [-] Message: [{"raw": {}, "traits":
    [["instance_id", 1, "4c1e7bd2-…"], ["host", 1, "compute-01"], ["request_id", 1, "req-7d3f…"], ...],
    "generated": "2019-05-01T06:22:11.301554", "message_id": "e41d8f36-…",
    "event_type": "compute.instance.live_migration._post.end"}]

yields one `Event` per element of the JSON list::

    source        Source(PUBLISHER, path, line, offset, span=1)
    status        POSTED
    event_type    'compute.instance.live_migration._post.end'
    event_id      'e41d8f36-…'                          (message_id: zenopenstack's eventKey)
    generated     2019-05-01 06:22:11.301554+00:00      (UTC)
    local_time    2019-05-01 14:22:11.405000            (the line's own clock, naive)
    index         its place in the list
    request_id, instance_id (instance_id, else resource_id), host_name (host_name, else upstream's
    `host`: segment 1 of publisher_id, the sender), display_name, state
    traits        every [name, dtype, value]; empty with full=False

The lines read (logger `ceilometer.publisher.http` unless said)::

    TRACE  Message: <json list>                                      POSTED, one per event
    DEBUG  Message posting to <url>: status code <N>. <func> <path>  POST (type ''; device = the URL's
                                                                     last segment; trait status_code)
    ERROR  Status Code: <N>. Failed to dispatch message: <json>: <E> FAILED, one per event of the body
                                                                     (trait error: "HTTP N: E")
    ERROR  Pipeline <p>: <status> after error from publisher <pub>   POST (type ''; trait error: no body,
           (logger ceilometer.pipeline or ceilometer.pipeline.event)  so no event is known: a connection
                                                                     error or timeout)

The DEBUG line for a post never carries ids: only a TRACE body (or a
failure's body) says which events a post held. Every other line is skipped
(the notification agent logs much more); a body or a status that cannot be
read is malformed. The traceback lines that oslo.log prefixes after an
ERROR (`… ERROR ceilometer.publisher.http Traceback …`, with no `[…]`) are
skipped: the message line already says the error.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any

from ..events import Event, LogKind, Malformed, Source, Status, Trait, TraitType, TraitValue
from ..read import Chunk
from .skips import SkipTally

__all__ = ["PublisherScanner"]

_LINE = re.compile(
    r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\.(\d{3}) \d+ (TRACE|DEBUG|INFO|WARNING|ERROR|CRITICAL) "
    r"(ceilometer\.publisher\.http|ceilometer\.pipeline(?:\.event)?) \[[^\]]*\] (.*)$",
    re.S,
)
_DEBUG_SUFFIX = re.compile(r"\s+\w+ \S+\.py:\d+$")
_POSTING = re.compile(r"^Message posting to (?P<url>\S+): status code (?P<code>\d+)\.$")
_FAILED = re.compile(r"^Status Code: (?P<code>\S+)\. Failed to dispatch message: ")
_SINK = re.compile(r"^Pipeline (?P<pipe>.*?): (?P<status>.*?) after error from publisher (?P<pub>.*)$")

EXCERPT = 120
_DTYPES = {t.value: t for t in TraitType}


def _utc(text: Any) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return None
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)


def device_of(url: str) -> str | None:
    """`https://zenoss:8342/ceilometer/v1/events/<device>` -> `<device>`"""
    path = url.split("?", 1)[0].rstrip("/")
    return path.rsplit("/", 1)[-1] or None if "/events/" in path else None


class PublisherScanner:
    """TRACE bodies, posts and failures of Ceilometer's HTTP publisher."""

    kind = LogKind.PUBLISHER

    def __init__(self, path: str, *, full: bool = True) -> None:
        self.path = path
        self.full = full
        self.parsed_lines = 0
        self.malformed_lines = 0
        self.tally = SkipTally()

    def feed(self, chunk: Chunk) -> list[Event | Malformed]:
        out: list[Event | Malformed] = []
        data = chunk.data
        pos, line, n = 0, chunk.first_line, len(data)
        while pos < n:
            end = data.find(b"\n", pos)
            nxt = n if end < 0 else end + 1
            if end < 0:
                end = n
            if data.find(b"ceilometer.p", pos, end) >= 0:
                text = data[pos:end].decode("utf-8", "replace").rstrip("\r")
                src = Source(LogKind.PUBLISHER, self.path, line, chunk.offset + pos, 1)
                recs = self._line(text, src, line in chunk.truncated)
                if recs:
                    self.tally.record_lines += b" ceilometer.publisher.http " in data[pos:end]
                    if isinstance(recs[0], Malformed):
                        self.malformed_lines += 1
                    else:
                        self.parsed_lines += 1
                    out.extend(recs)
            pos, line = nxt, line + 1
        return out

    def finish(self, *, at_end: bool = True) -> list[Event | Malformed]:
        return []

    def _line(self, text: str, src: Source, truncated: bool) -> list[Event | Malformed]:
        m = _LINE.match(text)
        if m is None:
            return []
        try:
            local = datetime.strptime(m[1], "%Y-%m-%d %H:%M:%S").replace(microsecond=int(m[2]) * 1000)
        except ValueError:
            return [Malformed(src, f"bad timestamp {m[1]!r}", text[:EXCERPT])]
        level, logger, msg = m[3], m[4], m[5]
        if truncated:
            return [Malformed(src, "the line is longer than the reader's limit and was cut", text[:EXCERPT])]
        if logger != "ceilometer.publisher.http":
            s = _SINK.match(msg) if level == "ERROR" else None
            if s is None:
                return []
            err = f"{s['status']} after error from publisher {s['pub']}"
            return [self._post(src, local, None, None, err)]
        if level == "TRACE" and msg.startswith("Message: "):
            return self._body(msg[len("Message: ") :], src, local, Status.POSTED, None, text)
        if level == "DEBUG":
            p = _POSTING.match(_DEBUG_SUFFIX.sub("", msg))
            if p is None:
                return []
            return [self._post(src, local, int(p["code"]), p["url"], None)]
        if level == "ERROR":
            f = _FAILED.match(msg)
            if f is None:
                return []
            rest = msg[f.end() :]
            try:
                body, k = json.JSONDecoder().raw_decode(rest)
            except ValueError:
                return [Malformed(src, "failed post: its body is not JSON", text[:EXCERPT])]
            summary = rest[k:].lstrip(": ").strip()
            err = f"HTTP {f['code']}" + (f": {summary}" if summary else "")
            return self._events(body, src, local, Status.FAILED, err, text)
        return []

    def _post(self, src: Source, local: datetime, code: int | None, url: str | None, err: str | None) -> Event:
        traits: list[Trait] = []
        if code is not None:
            traits.append(Trait("status_code", TraitType.INT, code))
        if url is not None:
            traits.append(Trait("url", TraitType.TEXT, url))
        if err is not None:
            traits.append(Trait("error", TraitType.TEXT, err))
        return Event(
            source=src, status=Status.POST, event_type="", event_id=None, local_time=local,
            device=device_of(url) if url else None, traits=tuple(traits),
        )  # fmt: skip

    def _body(
        self, text: str, src: Source, local: datetime, status: Status, err: str | None, line: str
    ) -> list[Event | Malformed]:
        try:
            body = json.loads(text)
        except ValueError:
            return [Malformed(src, "TRACE body is not JSON (cut off?)", line[:EXCERPT])]
        return self._events(body, src, local, status, err, line)

    def _events(
        self, body: Any, src: Source, local: datetime, status: Status, err: str | None, line: str
    ) -> list[Event | Malformed]:
        items = body if isinstance(body, list) else [body]
        out: list[Event | Malformed] = []
        for i, item in enumerate(items):
            ev = self._event(item, src, local, status, err, i)
            if ev is None:
                return [Malformed(src, f"body item {i} is not a Ceilometer event (no event_type)", line[:EXCERPT])]
            out.append(ev)
        if not out:
            return [self._post(src, local, None, None, err)] if err else []
        return out

    def _event(
        self, item: Any, src: Source, local: datetime, status: Status, err: str | None, index: int
    ) -> Event | None:
        if not isinstance(item, dict) or not isinstance(item.get("event_type"), str):
            return None
        values: dict[str, Any] = {}
        traits: list[Trait] = []
        for t in item.get("traits") or ():
            if isinstance(t, (list, tuple)) and len(t) == 3 and isinstance(t[0], str):
                name, dtype, value = t
            elif isinstance(t, dict) and isinstance(t.get("name"), str):
                name, dtype, value = t["name"], t.get("dtype", 1), t.get("value")
            else:
                continue
            values.setdefault(name, value)
            if self.full:
                ttype = _DTYPES.get(dtype, TraitType.TEXT) if isinstance(dtype, int) else TraitType.TEXT
                v: TraitValue = value if isinstance(value, (str, int, float, list, dict)) or value is None else str(value)
                if ttype is TraitType.DATETIME and isinstance(value, str):
                    v = _utc(value) or value
                traits.append(Trait(name, ttype, v))
        if err is not None:
            traits.append(Trait("error", TraitType.TEXT, err))

        def text(*names: str) -> str | None:
            for n in names:
                v = values.get(n)
                if isinstance(v, str) and v:
                    return v
            return None

        mid = item.get("message_id")
        return Event(
            source=src,
            status=status,
            event_type=item["event_type"],
            event_id=mid if isinstance(mid, str) else None,
            generated=_utc(item.get("generated")),
            local_time=local,
            # the Zenoss flavour's host_name wins over upstream's host, as in 3.x's _apply_instance_traits
            request_id=text("request_id"),
            instance_id=text("instance_id", "resource_id"),
            host_name=text("host_name", "host"),
            display_name=text("display_name"),
            state=text("state"),
            index=index,
            traits=tuple(traits),
        )
