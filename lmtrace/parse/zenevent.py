"""One zenpython event dict to an event row (lmtrace.parse.rows): the fields lmtrace reads (`eventKey`, `rcvtime`,
`eventClassKey`, `trait_*`...), read leanly where the line allows it and through the repr
reader (lmtrace.parse.pyrepr) where it does not; lmtrace.parse.zenpython finds the dicts.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from sys import intern
from typing import Any

from ..events import Event, Source, Status, Trait, TraitType, TraitValue
from ..read import MAX_LINE
from .flatdict import LEAN_KEYS, flat_fields
from .pyrepr import ReprError, parse, parse_number
from .rows import Row, row_event

__all__ = [
    "event_from", "foreign", "interrupted", "lean_fields", "parse_local_time", "regex_fields", "row_from",
    "traits_of", "truncated_reason",
]  # fmt: skip


# A key of the event dict and its value. The leading quote is a literal, so
# the regex engine jumps from quote to quote; whether the key stands where a
# key can stand (after '{' or ',') is checked in Python, for the few hits.
# Keys never need double quotes: they hold no "'". White space (a line break
# in a pretty-printed dict) may stand on either side of the colon.
def _key_value(keys: str) -> re.Pattern[str]:
    """Groups: key, value token, what follows the value (None: not , or })."""
    return re.compile(rf"""'({keys})'\s*:\s*({_STR}|[^\s,}}]+)(?=(\s*[,}}])?)""")


_STR = r"""[uUbBrR]{0,2}(?:'[^'\\\n]*(?:\\.[^'\\\n]*)*'|"[^"\\\n]*(?:\\.[^"\\\n]*)*")"""


_LEAN = _key_value(
    "eventClassKey|eventKey|rcvtime|device"
    "|trait_(?:request_id|instance_id|host_name|display_name|state)"
)




_CLASS_KEY = _key_value("eventClassKey")


_OPENSTACKY = re.compile(r"openstack|['\"]trait_", re.I)


# eventClassKey is 'openstack|<event type>' (the 2.x ZenPack), 'openstack-<event type>' (3.x)
_OPENSTACK = ("openstack|", "openstack-")


def row_from(
    fields: dict[str, Any],
    text: str,
    line: int,
    offset: int,
    span: int,
    status: Status,
    local_time: datetime | None,
    traits: tuple[Trait, ...],
) -> Row | str | None:
    """The event row (lmtrace.parse.rows) of one read dict, a reason why it is
    malformed, or None when it is another ZenPack's event."""
    get = fields.get
    key = _text(get("eventClassKey"))
    if key is None:
        return "event dict has no eventClassKey" if _OPENSTACKY.search(text) else None
    if not _is_openstack(key):
        return None
    event_type = key[10:]
    if not event_type:
        return f"eventClassKey {key!r} names no event type"
    raw = get("rcvtime")
    rcvtime = None
    if raw is not None:
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            return f"bad rcvtime {raw!r}: not epoch seconds"
        try:
            rcvtime = datetime.fromtimestamp(raw, timezone.utc)
        except (OverflowError, OSError, ValueError):
            return f"bad rcvtime {raw!r}: out of range"
    # field order: see lmtrace.parse.rows.Row
    return (
        line, offset, span, status, event_type, _text(get("eventKey")), None, rcvtime, local_time,
        _text(get("trait_request_id")), _text(get("trait_instance_id")), _text(get("trait_host_name")),
        _text(get("trait_display_name")), _text(get("trait_state")), _text(get("device")), 0, traits,
    )  # fmt: skip


def event_from(
    fields: dict[str, Any],
    text: str,
    source: Source,
    status: Status,
    local_time: datetime | None,
    traits: tuple[Trait, ...],
) -> Event | str | None:
    """`row_from` as an Event of `source`'s kind and path."""
    row = row_from(fields, text, source.line, source.offset, source.span, status, local_time, traits)
    return row if row is None or isinstance(row, str) else row_event(source.kind, source.path, row)


def lean_fields(text: str) -> dict[str, Any] | None:
    """The fields `row_from` needs; None when the dict must be read
    in full (a key inside a string or seen twice, a value that is not a
    plain literal, braces or quotes that do not balance, text after the
    dict). Keys of nested dicts are passed over. A flat dict is read by
    lmtrace.parse.flatdict, far faster; `regex_fields` takes the rest."""
    if text[-1] != "}":
        return None
    fields = flat_fields(text, LEAN_KEYS)
    return fields if fields is not None else regex_fields(text)


def regex_fields(text: str) -> dict[str, Any] | None:
    """`lean_fields` for any dict, by regexes (text[-1] is '}')."""
    found: dict[str, Any] = {}
    pos = 1  # text[pos:] is still to be balanced; text[0] is the dict's '{'
    depth = 0  # brace depth below the event dict's own '{'
    # before the first brace, double quote or backslash, every string is '...'
    # with no escape: a key there is the event's unless its quotes are odd
    plain = _tricky(text, 1, len(text))
    for m in _LEAN.finditer(text):
        key, tok, follow = m.groups()
        # inline for the usual ", u'key'" and "{'key'"; _at_key for the rest
        # (text[0] is '{', so the quote is at 1 or later)
        q = m.start()
        c = text[q - 1]
        if c == "u" or c == "U":
            q -= 1
            c = text[q - 1]
        if c == " ":
            c = text[q - 2]
        if c != "," and c != "{" and not (c in " \t\r\n" and _at_key(text, q)):
            continue
        k = m.start()  # the key's quote
        if k <= plain:
            if text.count("'", pos, k) & 1:  # that quote closes a string
                return None
        else:
            d = _nesting(text, pos, k)
            if d is None:  # the key is inside a string
                return None
            depth += d
        pos = k
        if depth:  # a key of a nested dict, not the event's
            continue
        if key in found or follow is None:
            return None
        c = tok[0]
        if c == "u" and len(tok) > 2 and tok[1] == "'" == tok[-1] and "\\" not in tok:
            found[key] = tok[2:-1]
        else:
            if c in "{[(":
                return None
            value = _scalar(tok)
            if value is _UNREADABLE:
                return None
            found[key] = value
        pos = m.end(2)
    # the rest, up to the closing '}', must balance: else cut off, or a string left open
    d = _nesting(text, pos, len(text) - 1)
    return found if d is not None and depth + d == 0 else None


# What decides whether a key stands at the event dict's top level: strings
# (skipped whole), braces (a key is nested only inside another dict), and
# lone quotes (a string that does not end).
_SKELETON = re.compile(r"""'[^'\\\n]*(?:\\.[^'\\\n]*)*'|"[^"\\\n]*(?:\\.[^"\\\n]*)*"|([{}'"])""")


_TRICKY = ('"', "{", "}", "\\")


def _tricky(text: str, a: int, b: int) -> int:
    """Where in text[a:b] the first brace, double quote or backslash is (b if
    none): without them, strings are '...' with no escape (their quotes pair
    up) and the depth does not change. (str.find is far faster than a regex
    character class.)"""
    first = b
    for c in _TRICKY:
        i = text.find(c, a, first)
        if i >= 0:
            first = i
    return first


def _nesting(text: str, a: int, b: int) -> int | None:
    """How much deeper the braces are after text[a:b] than before it; None
    when a string starts there and does not end. (Strings never span lines
    here: a pretty-printed record with one is cut before it gets here.)"""
    t = _tricky(text, a, b)
    odd = text.count("'", a, t) & 1
    if t == b:
        return None if odd else 0
    if odd:  # t is inside a '...' string: start at its opening quote
        t = text.rfind("'", a, t)
    marks = "".join(_SKELETON.findall(text, t, b))
    if "'" in marks or '"' in marks:
        return None
    return marks.count("{") - marks.count("}")


def _at_key(text: str, start: int) -> bool:
    """Whether the string whose prefix or quote is at `start` stands where a
    dict key can: after '{' or ',' and white space."""
    i = start - 1
    while i >= 0 and text[i] in " \t\r\n":
        i -= 1
    return i >= 0 and text[i] in "{,"


_UNREADABLE = object()


def _scalar(tok: str) -> Any:
    c = tok[0]
    q = 1 if c == "u" else 0
    if len(tok) > q + 1 and tok[q] in "'\"" and tok[q] == tok[-1] and "\\" not in tok:
        return tok[q + 1 : -1]
    if tok == "None":
        return None
    number = parse_number(tok)
    if number is not None:
        return number
    try:
        return parse(tok)
    except ReprError:
        return _UNREADABLE


def foreign(text: str) -> bool:
    """Whether an unreadable dict plainly names another ZenPack's event class."""
    for m in _CLASS_KEY.finditer(text):
        if _at_key(text, m.start()):
            break
    else:
        return False
    key = _scalar(m[2])
    return isinstance(key, str) and not _is_openstack(key)


def _is_openstack(key: str) -> bool:
    return key.startswith(_OPENSTACK)


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bytes):  # undecodable bytes as \xNN, as the log spelled them
        return value.decode("utf-8", "backslashreplace")
    return str(value)


def traits_of(d: dict[Any, Any]) -> tuple[Trait, ...]:
    traits = []
    for key, value in d.items():
        if isinstance(key, str) and key.startswith("trait_"):
            dtype, v = _typed(value)
            traits.append(Trait(intern(key[6:]), dtype, v))  # a few dozen names, millions of traits
    return tuple(traits)


def _typed(value: Any) -> tuple[TraitType, TraitValue]:
    if value is None:
        return TraitType.NONE, None
    if isinstance(value, str):
        return TraitType.TEXT, value
    if isinstance(value, int):  # bool too: Ceilometer has no bool dtype
        return TraitType.INT, value
    if isinstance(value, float):
        return TraitType.FLOAT, value
    if isinstance(value, bytes):
        return TraitType.TEXT, value.decode("utf-8", "backslashreplace")
    if isinstance(value, tuple):
        return TraitType.TEXT, list(value)
    if isinstance(value, (list, dict)):
        return TraitType.TEXT, value
    return TraitType.TEXT, str(value)  # pragma: no cover - pyrepr yields no other types


def parse_local_time(hms: bytes) -> datetime | None:
    try:
        return datetime(
            int(hms[0:4]), int(hms[5:7]), int(hms[8:10]), int(hms[11:13]), int(hms[14:16]), int(hms[17:19])
        )
    except ValueError:
        return None


def truncated_reason(k: int) -> str:
    """The reason for a record whose line `k` (1: its first) was cut by the reader."""
    which = "the line" if k == 1 else f"its line {k}"
    return (
        f"{which} is longer than the reader's limit ({MAX_LINE >> 20} MiB) and was cut: "
        "its event dict cannot be read"
    )


def interrupted(span: int) -> str:
    """The reason for a pretty-printed record that a new log line cut off
    after `span` lines (numbers within the record, never in the file: a
    worker scanning a range of the file gives the same reason)."""
    return f"event dict cut off after {span} line{'s' if span != 1 else ''}: the next log line starts before its braces balance"
