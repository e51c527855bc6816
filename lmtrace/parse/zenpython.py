"""zenpython's debug log: the events Zenoss queued, discarded or dropped.

A real line (aalvarez.me, 2017-01-23; `$ZENHOME/log/zenpython.log` with
zenpython in debug mode; cut here at `...`)::

    2017-01-23 17:21:04,289 DEBUG zen.zenpython: Queued event (total of 6) {u'trait_display_name':
    u'pdcmtest3', u'trait_request_id': u'req-98542dfd-e17b-4ec8-b4b8-90f78205a75e', 'eventClassKey':
    u'openstack|compute.instance.live_migration.post.dest.start', u'trait_host_name': u'ndc27-3205',
    'rcvtime': 1485163264.289413, 'device': 'OpenStack', u'trait_state': u'active', u'trait_instance_id':
    u'a0e7145b-21b0-4f3b-ba37-755cfcc069de', 'eventKey': u'b5e42f1b-7300-44de-928a-e6904f29fd12', ...}

yields one `Event`::

    source        Source(ZENPYTHON, path, line=2, offset=<byte offset of the line>, span=1)
    status        QUEUED
    event_type    'compute.instance.live_migration.post.dest.start'   (eventClassKey after
                  'openstack|' or, in newer ZenPacks, 'openstack-')
    event_id      'b5e42f1b-7300-44de-928a-e6904f29fd12'              (eventKey = the Ceilometer Event id)
    rcvtime       2017-01-23 09:21:04.289413+00:00                     (epoch seconds, UTC)
    local_time    2017-01-23 17:21:04.289000                           (the line's own clock, naive;
                  None when the line has no timestamp; logged_at stays None: lmtrace.clock sets it)
    device        'OpenStack'
    request_id, instance_id, host_name, display_name, state
                  from trait_request_id, trait_instance_id, trait_host_name, trait_display_name,
                  trait_state
    traits        every trait_NAME key in dict order, as Trait(NAME, dtype, value): str TEXT,
                  int INT (bool too), float FLOAT, None NONE, lists and dicts TEXT with the
                  value kept as is; empty with full=False

The lines this scanner reads are all written by Zenoss' collector event
queue (zenoss/zenoss-prodbin: `EventQueueManager` in Products/ZenHub/PBDaemon.py,
moved to Products/ZenHub/events/queue/manager.py in 2023), which zenpython
(ZenPacks.zenoss.PythonCollector) uses; the ZenPack itself only logs
"Discarded datamap - queue overflow", which is not an event::

    Queued event (total of N) {...}                    DEBUG           QUEUED
    queued event (total of N) {...}                    DEBUG, 6.8+     QUEUED
    Discarded event - queue overflow: {...}            DEBUG           DISCARDED
    discarded event - queue overflow: {...}            WARNING, newer  DISCARDED
    Event dropped by transform <transformer>: {...}    DEBUG           DROPPED
    event dropped by transform <transformer>: {...}    DEBUG, newer    DROPPED

`(total of N)` is the queue's length, not an id. A dropped event's dict is
printed with %s, which for a dict is its repr too. The prefix is Zenoss'
`YYYY-MM-DD HH:MM:SS,mmm LEVEL logger: ` and may be missing (output pasted
from `zenpython run -v10` or indented in docs). The dict is one line, or
pretty-printed over lines that each start with white space until its braces
balance.

Every line is *parsed* (part of a record that gave an Event), *malformed*
(an event line whose dict cannot be read: cut, truncated, garbage, no
eventClassKey on an OpenStack-looking dict, a bad rcvtime or timestamp, a
marker after text that is not the log prefix) or *skipped*: other lines,
and events of other ZenPacks (eventClassKey not `openstack|...`). A line
that carries a marker is never skipped unless it is another ZenPack's
event; NULs, a BOM or control bytes before its timestamp are passed over.

With `full=False` (the hot path) only the fields above are read (lmtrace.parse.flatdict,
then targeted regexes), not the whole dict. A key counts only where the event dict's own
keys stand: one inside a nested dict (`'trait_ports': [{'device': ...}]`) is passed
over, and what the lean path cannot prove exact (a key inside a string or seen twice, a
value that is not a plain literal, unbalanced braces or quotes, text after the closing
`}`) goes to the full reader, counted in `tally.full_reads`: both paths give the same
Event or Malformed (but for garbage such as a call in a field the lean path does not
read, which it does not see).

An unreadable record (cut off, unterminated, truncated) whose text plainly
names another ZenPack's eventClassKey is skipped, not malformed, like that
ZenPack's readable events.

Reading one event dict into an `Event` is lmtrace.parse.zenevent's job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ..events import Event, LogKind, Malformed, Source, Status, Trait
from ..read import Chunk
from .flatdict import flat_block
from .pyrepr import ReprError, parse
from .rows import Row, row_event
from .skips import SkipTally, logger_of
from .zenevent import (
    foreign,
    interrupted,
    lean_fields,
    parse_local_time,
    row_from,
    traits_of,
    truncated_reason,
)

__all__ = ["EXCERPT", "PENDING_LIMIT", "ZenpythonScanner"]


# The marker texts without their first letter, whose case changed in 6.8; the
# letter is checked on its own. bytes.find over a whole chunk is far faster
# than a regex that has no literal prefix.
_NEEDLES = (
    b"ueued event (total of ",
    b"iscarded event - queue overflow:",
    b"vent dropped by transform ",
)


_LETTERS = (b"Qq", b"Dd", b"Ee")


_STATUSES = (Status.QUEUED, Status.DISCARDED, Status.DROPPED)


_TAILS = (
    re.compile(rb"[Qq]ueued event \(total of \d+\) ?"),
    re.compile(rb"[Dd]iscarded event - queue overflow: ?"),
    # the transformer's str, then ': ' and the dict
    re.compile(rb"[Ee]vent dropped by transform .*?: (?=\{)"),
)


_MARKER_NAMES = ("Queued event (total of N)", "Discarded event - queue overflow:", "Event dropped by transform")


# what may stand before a marker on its line: Zenoss' logging prefix, or
# part of it, or nothing
_PREFIX = re.compile(
    rb"[ \t]*(?:(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d{3})[ \t]+)?(?:[A-Z]+[ \t]+)?(?:[\w.\-]+:[ \t]+)?"
)


# what may precede the prefix when a log was cut and written again: NULs,
# a byte order mark, other control bytes
_JUNK = re.compile(rb"(?:\x00|\xef\xbb\xbf|[\x01-\x08\x0b\x0c\x0e-\x1f])+")


_BLANKS = b" \t\r"


_MILLIS = {b"%03d" % ms: timedelta(milliseconds=ms) for ms in range(1000)}  # not replace(): 7x the cost


_LOGGER = logger_of(LogKind.ZENPYTHON)


_OPEN_BRACE = 0x7B


_CLOSE_BRACE = 0x7D


# a pending (multi-line) record larger than this is reported and not kept
PENDING_LIMIT = 64 << 20


EXCERPT = 120


# brackets and string literals, for finding where a pretty-printed dict ends
_BALANCE = re.compile(rb"""'[^'\\\n]*(?:\\.[^'\\\n]*)*'|"[^"\\\n]*(?:\\.[^"\\\n]*)*"|[{}\[\]()'"]""")


_DEPTH = {b"{": 1, b"[": 1, b"(": 1, b"}": -1, b"]": -1, b")": -1}


@dataclass(slots=True)
class _Open:
    """A pretty-printed record whose braces have not balanced yet."""

    status: Status
    line: int
    offset: int
    local_time: datetime | None
    head: bytes
    parts: list[bytes] = field(default_factory=list)
    size: int = 0
    span: int = 1
    depth: int = 0
    overflow: bool = False


class ZenpythonScanner:
    """Queued, discarded and transform-dropped events of a zenpython log."""

    kind = LogKind.ZENPYTHON

    def __init__(self, path: str, *, full: bool = True) -> None:
        self.path = path
        self.full = full
        self.parsed_lines = 0
        self.malformed_lines = 0
        self.tally = SkipTally()
        self._open: _Open | None = None
        self._second: tuple[bytes, datetime | None] = (b"", None)

    def feed(self, chunk: Chunk) -> list[Event | Malformed]:
        return self._events(self.feed_rows(chunk))

    def finish(self, *, at_end: bool = True) -> list[Event | Malformed]:
        """End of input; `at_end=False` for a range of a file that a log line
        follows (lmtrace.parallel cuts ranges at timestamped lines), where an
        open record was cut off by that line, as the serial scan says."""
        return self._events(self.finish_rows(at_end=at_end))

    def _events(self, recs: list[Row | Malformed]) -> list[Event | Malformed]:
        return [r if isinstance(r, Malformed) else row_event(LogKind.ZENPYTHON, self.path, r) for r in recs]

    def feed_rows(self, chunk: Chunk) -> list[Row | Malformed]:
        """Like `feed`, but events as compact rows (see lmtrace.parse.rows):
        what workers send back and what `load_events` builds events from."""
        data = chunk.data
        n = len(data)
        out: list[Row | Malformed] = []
        pos, line = 0, chunk.first_line  # always a line start and its number
        if self._open is not None:
            pos, line = self._continue(chunk, pos, line, out)
        nexts = [data.find(needle, pos) for needle in _NEEDLES]
        while pos < n:
            m = k = -1
            for j, f in enumerate(nexts):
                if f >= 0 and (m < 0 or f < m):
                    m, k = f, j
            if m < 0:
                break
            r = data.rfind(b"\n", pos, m)
            start = pos if r < 0 else r + 1
            line += data.count(b"\n", pos, start)
            pos, line = self._marker(chunk, k, start, m - 1, line, out)
            for j, f in enumerate(nexts):
                if 0 <= f < pos:
                    nexts[j] = data.find(_NEEDLES[j], pos)
        return out

    def finish_rows(self, *, at_end: bool = True) -> list[Row | Malformed]:
        o = self._open
        if o is None:
            return []
        self._open = None
        return self._cut(o, "event dict cut off at the end of the input" if at_end else interrupted(o.span))

    # -- one record ---------------------------------------------------------

    def _marker(
        self, chunk: Chunk, k: int, start: int, ms: int, line: int, out: list[Row | Malformed]
    ) -> tuple[int, int]:
        """Read the record whose marker starts at `ms` on the line at `start`;
        return the next line start and its number."""
        data = chunk.data
        end = data.find(b"\n", ms)
        if end < 0:
            end = nxt = len(data)
        else:
            nxt = end + 1
        if ms < start or data[ms] not in _LETTERS[k]:
            return nxt, line + 1
        prefix = _PREFIX.fullmatch(data, start, ms)
        offset = chunk.offset + start
        if data.find(_LOGGER, start, ms) >= 0:
            self.tally.record_lines += 1
        if prefix is None:
            # NULs or a BOM before the timestamp (a log cut and written again)
            junk = _JUNK.match(data, start, ms)
            if junk is not None:
                prefix = _PREFIX.fullmatch(data, junk.end(), ms)
        if prefix is None:
            # the marker inside some other message: never skipped unless plainly
            # another ZenPack's event, as the line may be ours
            text = data[start:end].decode("utf-8", "replace")
            if foreign(text[ms - start :]):
                self.tally.foreign(_STATUSES[k] is Status.QUEUED, 1, None, None)
            else:
                reason = f"{_MARKER_NAMES[k]!r} after text that is not zenpython's log prefix"
                out.append(self._malformed(line, offset, 1, reason, data[start:end]))
            return nxt, line + 1
        local_time = None
        if prefix[1] is not None:
            local_time = self._local_time(prefix[1], prefix[2])
        if line in chunk.truncated:
            if foreign(data[start:end].decode("utf-8", "replace")):
                self.tally.foreign(_STATUSES[k] is Status.QUEUED, 1, local_time, None)
            else:
                out.append(self._malformed(line, offset, 1, truncated_reason(1), data[start:end]))
            return nxt, line + 1
        if prefix[1] is not None and local_time is None:
            ts = prefix[1].decode() + "," + prefix[2].decode()
            out.append(self._malformed(line, offset, 1, f"bad timestamp {ts!r}", data[start:end]))
            return nxt, line + 1
        tail = _TAILS[k].match(data, ms, end)
        if tail is None or tail.end() >= end or data[tail.end()] != _OPEN_BRACE:
            reason = f"no event dict after {_MARKER_NAMES[k]!r}"
            out.append(self._malformed(line, offset, 1, reason, data[start:end]))
            return nxt, line + 1
        ds = tail.end()
        e = end
        while e > ds and data[e - 1] in _BLANKS:
            e -= 1
        if data[e - 1] == _CLOSE_BRACE:
            rec = self._record(data[ds:e], _STATUSES[k], line, offset, 1, local_time, data[start:end])
            if rec is not None:
                out.append(rec)
            return nxt, line + 1
        # pretty-printed over several lines
        block = None if chunk.truncated else flat_block(data, start, ds, nxt, PENDING_LIMIT)
        if block is not None:  # read at once, as line by line balancing would read it
            raw, text, fields, block_end = block
            span = data.count(b"\n", start, block_end)
            head = data[start : min(end, start + 4 * EXCERPT)]
            rec = self._record(raw, _STATUSES[k], line, offset, span, local_time, head, text, fields)
            if rec is not None:
                out.append(rec)
            return block_end, line + span
        o = _Open(_STATUSES[k], line, offset, local_time, data[start : min(end, start + 4 * EXCERPT)])
        self._open = o
        if not self._take(o, data, ds, end, nxt, out):
            return nxt, line + 1
        return self._continue(chunk, nxt, line + 1, out)

    def _continue(
        self, chunk: Chunk, pos: int, line: int, out: list[Row | Malformed]
    ) -> tuple[int, int]:
        """Feed the open record the following lines until it closes, is cut
        or the chunk ends."""
        o = self._open
        assert o is not None
        data = chunk.data
        n = len(data)
        while pos < n:
            if data[pos] not in b" \t":
                # pprint indents every continuation line: this is a new line
                self._open = None
                out += self._cut(o, interrupted(o.span))
                return pos, line
            end = data.find(b"\n", pos)
            if end < 0:
                end = nxt = n
            else:
                nxt = end + 1
            o.span += 1
            if line in chunk.truncated:
                self._open = None
                out += self._cut(o, truncated_reason(o.span), data[pos:end])
                return nxt, line + 1
            if not self._take(o, data, pos, end, nxt, out):
                return nxt, line + 1
            pos, line = nxt, line + 1
        return pos, line

    def _take(self, o: _Open, data: bytes, a: int, end: int, nxt: int, out: list[Row | Malformed]) -> bool:
        """Add one line (data[a:end], newline up to `nxt`) to the open record;
        False once the record is closed (and emitted)."""
        depth = o.depth
        for tok in _BALANCE.findall(data, a, end):
            if len(tok) == 1:
                d = _DEPTH.get(tok)
                if d is None:  # a lone quote: strings never span lines in a repr
                    self._open = None
                    # lines counted within the record: the same whichever range scanned it
                    reason = f"unreadable event dict: unterminated string on its line {o.span}"
                    out += self._cut(o, reason, data[a:end])
                    return False
                depth += d
                if depth <= 0:
                    break
        o.depth = depth
        if not o.overflow:
            o.parts.append(data[a:nxt])
            o.size += nxt - a
            if o.size > PENDING_LIMIT:
                o.overflow = True
                o.parts = []
        if depth > 0:
            return True
        self._open = None
        if o.overflow:
            out += self._cut(o, f"event dict longer than {PENDING_LIMIT >> 20} MiB: not read")
        else:
            rec = self._record(
                b"".join(o.parts).rstrip(), o.status, o.line, o.offset, o.span, o.local_time, o.head
            )
            if rec is not None:
                out.append(rec)
        return False

    def _record(
        self,
        raw: bytes,
        status: Status,
        line: int,
        offset: int,
        span: int,
        local_time: datetime | None,
        head: bytes,
        text: str | None = None,
        fields: dict[str, Any] | None = None,
    ) -> Row | Malformed | None:
        """One event dict's text to an Event, a Malformed, or None (not ours);
        `text` and `fields` when already read (`flat_block`)."""
        if text is None:
            text = raw.decode("utf-8", "replace")
        traits: tuple[Trait, ...] = ()
        if self.full:
            fields = None
        elif fields is None and (fields := lean_fields(text)) is None:
            self.tally.full_reads += 1
        self.tally.records += not self.full
        if fields is None:
            try:
                value = parse(text)
            except ReprError as e:
                if foreign(text):
                    self.tally.foreign(status is Status.QUEUED, span, local_time, None)
                    return None
                return self._malformed(line, offset, span, f"unreadable event dict: {e}", head)
            if not isinstance(value, dict):  # pragma: no cover - text starts with '{'
                return self._malformed(line, offset, span, "not an event dict", head)
            fields = value
            if self.full:
                traits = traits_of(value)
        result = row_from(fields, text, line, offset, span, status, local_time, traits)
        if isinstance(result, str):
            return self._malformed(line, offset, span, result, head)
        if result is not None:
            self.parsed_lines += span
        else:
            self.tally.foreign(status is Status.QUEUED, span, local_time, fields.get("rcvtime"))
        return result

    def _local_time(self, hms: bytes, millis: bytes) -> datetime | None:
        """The prefix's time; the last second is kept, as lines come in bursts."""
        if hms != self._second[0]:
            self._second = (hms, parse_local_time(hms))
        base = self._second[1]
        return None if base is None else base + _MILLIS[millis]

    def _cut(self, o: _Open, reason: str, last: bytes = b"") -> list[Row | Malformed]:
        """The Malformed of an open record that cannot be read, or nothing when
        what was read of it (`last`: the line that ended it) names another
        ZenPack's event class."""
        raw = o.head if o.overflow else b"".join(o.parts) + last
        if foreign(raw.decode("utf-8", "replace")):
            self.tally.foreign(o.status is Status.QUEUED, o.span, o.local_time, None)
            return []
        return [self._malformed(o.line, o.offset, o.span, reason, o.head)]

    def _malformed(self, line: int, offset: int, span: int, reason: str, head: bytes) -> Malformed:
        self.malformed_lines += span
        excerpt = head[: 4 * EXCERPT].decode("utf-8", "replace").strip()[:EXCERPT]
        return Malformed(Source(LogKind.ZENPYTHON, self.path, line, offset, span), reason, excerpt)
