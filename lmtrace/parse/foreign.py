"""Files that are not a format lmtrace reads, told apart by their first bytes.

People hand lmtrace what they have at hand in an incident: the JSON the
dispatcher publishes over AMQP, a `ceilometer event-list` table, a Nova
notification from a queue dump, Zenoss' event data, lmtrace's own output.
None of them is a log with times of its own and where each hop saw the
event, so lmtrace does not read them; it says what the file looks like,
rather than reading it as a log with no event in it.

`looks_like(head)` names the format, or returns None for anything else
(a log, or text nobody recognises). A log starts with a timestamp or a
level, never with `{`, `[` or a table's `+---`, so only files that start
like that are looked into.
"""

from __future__ import annotations

import re

__all__ = ["looks_like"]

# a JSON key and, for strings, its value: `"type": "event"`
_KEY = re.compile(rb'"([A-Za-z_.|-]+)"\s*:\s*(?:"([^"\\]{0,80})")?')

#: prettytable's rule and the header `ceilometer event-list` prints
_TABLE_RULE = re.compile(rb"\A\s*\+-+\+")
_EVENT_LIST_HEAD = re.compile(rb"^\|\s*Message ID\s*\|\s*Event Type\s*\|\s*Generated\s*\|", re.M)

_AMQP = (
    "the JSON the Zenoss Ceilometer dispatcher publishes over AMQP ({\"device\", \"type\": \"event\", "
    "\"data\"}), not the collector's log"
)
_EVENT_LIST = "a `ceilometer event-list` table, not the collector's log"
_NOVA_LEGACY = "a Nova notification (legacy, JSON: event_type, payload, publisher_id), not a log"
_NOVA_VERSIONED = "a Nova versioned notification (JSON: nova_object payload), not a log"
_ZENOSS_EVENTS = (
    "Zenoss event data (JSON event dicts with eventClassKey, such as the ZenPack's eventdata.json), "
    "not zenpython's debug log"
)
_LMTRACE_EVENTS = "lmtrace's own `events` output (JSON), not a log"
_LMTRACE_REPORT = "lmtrace's own `analyze` report (JSON), not a log"
_JSON = "JSON, not a log"
_LMTRACE_TEXT_REPORT = "lmtrace's own report (text, markdown or CSV), not a log"
_LMTRACE_TEXT_EVENTS = "lmtrace's own `events` output (text, markdown or CSV), not a log"

# the first line of each of lmtrace's own text, markdown and CSV outputs
_OWN_REPORT = re.compile(
    rb"\A(?:#{1,3} )?(?:lmtrace analyze: \d|Timeline: |Fleet: \d+ cloud)"
    rb"|\Arequest_id,instance_id,display_name,"
)
_OWN_EVENTS = re.compile(
    rb"\A(?:\| )?time \(UTC\)\s*\|?\s*log\s*\|?\s*file:line|\Alogged_at,local_time,utc_offset,kind,"
)
# a leading comment (`# source: ...` above a saved notification)
_COMMENTS = re.compile(rb"\A(?:[ \t]*#[^\n]*(?:\n|\Z)|[ \t\r]*\n)+")


def looks_like(head: bytes) -> str | None:
    """What a file whose first bytes are `head` looks like, when it is one
    of the formats lmtrace does not read; None otherwise."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if _OWN_REPORT.match(text):
        return _LMTRACE_TEXT_REPORT
    if _OWN_EVENTS.match(text):
        return _LMTRACE_TEXT_EVENTS
    text = _COMMENTS.sub(b"", text, count=1).lstrip(b" \t\r\n")
    if _TABLE_RULE.match(text) and _EVENT_LIST_HEAD.search(text):
        return _EVENT_LIST
    if not text.startswith((b"{", b"[")):
        return None
    keys: dict[bytes, bytes | None] = {}
    for m in _KEY.finditer(text):
        keys.setdefault(m[1], m[2])
    if not keys:
        return None  # `[` of something else (a bracketed log prefix?)
    if b"migrations" in keys and b"handler_map" in keys:
        return _LMTRACE_REPORT
    if b"logged_at" in keys and b"event_type" in keys:
        return _LMTRACE_EVENTS
    if keys.get(b"type") == b"event" and b"data" in keys:
        return _AMQP
    if b"eventClassKey" in keys:
        return _ZENOSS_EVENTS
    if b"event_type" in keys and b"payload" in keys:
        if b"nova_object.name" in keys or b"oslo.message" in keys:
            return _NOVA_VERSIONED
        return _NOVA_LEGACY
    if b"oslo.message" in keys:
        return _NOVA_VERSIONED
    return _JSON
