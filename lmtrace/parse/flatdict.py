"""A flat repr dict's wanted keys with a few string operations: the lean reader's first tier.

zenpython's event dicts are flat: `{'key': value, ...}` where every key is a
plain `'...'` string and every value a string, a number, None, True or
False. Without a backslash, such a dict splits exactly on its quotes:

1. double-quoted strings (`u"[{u'version': 4}]"`) are found with
   `str.find` (a `"` inside a `'...'` string is told by the parity of the
   quotes before it) and stand in as a mark of their own;
2. `split("'")` then gives the text outside strings and the strings, turn
   about; the outside text with every string emptied (`{u'': u'', '': 512}`)
   is matched against the grammar of a flat dict, a short regex over a
   few hundred characters;
3. when it matches, the strings are exactly the dict's keys and string
   values, and the wanted keys are read from them.

Anything else (a backslash, a nested dict or list, a call, a key that is
not a `'...'` string, a string left open or spanning lines, text after the
dict, a wanted value that is double-quoted, a wanted key seen twice) is
answered None, and the caller reads the dict the slower, exact way
(lmtrace.parse.zenevent.lean_fields, then lmtrace.parse.pyrepr). What this
accepts the full reader accepts too, with the same values.
"""

from __future__ import annotations

import re
from collections.abc import Set
from typing import Any

from .pyrepr import ReprError, parse, parse_number

__all__ = ["LEAN_KEYS", "flat_block", "flat_fields"]


#: the keys zenpython's lean reader reads
LEAN_KEYS = frozenset(
    ("eventClassKey", "eventKey", "rcvtime", "device", "trait_request_id", "trait_instance_id",
     "trait_host_name", "trait_display_name", "trait_state")
)  # fmt: skip


# a double-quoted string, in the text the skeleton is matched on
_DQ = "\x00"
_VALUE = rf"""(?:[uU]?(?:''|{_DQ})|[-+]?(?:0|[1-9]\d{{0,98}})[lL]?|[-+]?\d+(?:\.\d+)?[eE][-+]?\d+|[-+]?\d+\.\d+|None|True|False)"""
_KEY = r"[uU]?''"
# the dict with every string emptied
# (the colon right after the key, as repr and pprint write it)
_SKELETON = re.compile(rf"\{{\s*(?:{_KEY}:\s*{_VALUE}\s*,\s*)*{_KEY}:\s*{_VALUE}\s*\}}", re.ASCII)


def flat_fields(text: str, wanted: Set[str]) -> dict[str, Any] | None:
    """The `wanted` keys of the flat dict `text` (`{` first, `}` last, no
    trailing white space) and their values; None when `text` is not such a
    dict (or not provably: see the module's doc)."""
    if text[0] != "{" or text[-1] != "}" or "\\" in text or _DQ in text:
        return None
    plain = _without_double_quoted(text) if '"' in text else text
    if plain is None:
        return None
    parts = plain.split("'")
    if not len(parts) & 1:  # an odd number of quotes: a string left open
        return None
    skeleton = "''".join(parts[0::2])
    # (a string spanning lines: the skeleton lost a line break; memchr first, as
    # most dicts are one line)
    if ("\n" in plain and skeleton.count("\n") != plain.count("\n")) or not _flat(skeleton):
        return None
    found: dict[str, Any] = {}
    for j in range(1, len(parts), 2):
        name = parts[j]
        if name not in wanted:
            continue
        after = parts[j + 1]
        if after[:1] != ":":  # a value, not a key
            continue
        if name in found:
            return None
        rest = after[1:].lstrip()
        if not rest or rest == "u" or rest == "U":
            found[name] = parts[j + 2]
        else:  # a number, None, True, False or a double-quoted string
            tok = rest.split(",", 1)[0].rstrip("}").rstrip()
            if _DQ in tok:
                return None
            value = _bare(tok)
            if value is _UNREADABLE:  # a number too long to read
                return None
            found[name] = value
    return found


# the start of the next line that is not indented: where a pretty-printed dict's lines end
_NEXT_LINE = re.compile(rb"\n[^ \t]")


def flat_block(
    data: bytes, start: int, ds: int, nxt: int, limit: int
) -> tuple[bytes, str, dict[str, Any], int] | None:
    """A pretty-printed dict read at once. Its first line starts at `start`,
    the dict at `ds`, the next line at `nxt`; its other lines are the
    indented ones that follow, found with one search. When they hold a flat
    dict that closes on the last of them, balancing its brackets line by
    line would close it there too: its bytes, text, `LEAN_KEYS` fields and
    where the next line starts. None when it must be read line by line (not
    flat, `data` ends first, longer than `limit`)."""
    m = _NEXT_LINE.search(data, nxt - 1)
    if m is None:
        return None
    end = m.start() + 1
    if end - start > limit:
        return None
    raw = data[ds:end].rstrip()
    # the closing brace on the last line, not before it
    if raw[-1:] != b"}" or data.find(b"\n", ds + len(raw), end - 1) >= 0:
        return None
    text = raw.decode("utf-8", "replace")
    fields = flat_fields(text, LEAN_KEYS)
    return None if fields is None else (raw, text, fields, end)


# Skeletons seen, with their digits 1-9 made 1s: the grammar tells 0 from
# the other digits and nothing more, so a skeleton matches iff its shape
# does. A log repeats a few hundred shapes; the regex runs once for each.
_DIGITS = bytes.maketrans(b"23456789", b"11111111")
_SHAPES: dict[bytes, bool] = {}
_SHAPES_MAX = 1 << 14


def _flat(skeleton: str) -> bool:
    # (bytes.translate runs on a table; str.translate looks each character up)
    shape = skeleton.encode("utf-8", "surrogatepass").translate(_DIGITS)
    ok = _SHAPES.get(shape)
    if ok is None:
        ok = _SKELETON.fullmatch(skeleton) is not None
        if len(_SHAPES) >= _SHAPES_MAX:
            _SHAPES.clear()
        _SHAPES[shape] = ok
    return ok


def _without_double_quoted(text: str) -> str | None:
    """`text` with each double-quoted string (prefix kept) replaced by the
    mark `_DQ`; None when one does not end on its line."""
    pieces = text.split('"')
    if len(pieces) == 3 and not pieces[0].count("'") & 1:
        # one double-quoted string, not inside a '...' one: what the loop
        # below gives, with two calls instead of nine
        return None if "\n" in pieces[1] else f"{pieces[0]}{_DQ}{pieces[2]}"
    return _double_quoted_marked(text)


def _double_quoted_marked(text: str) -> str | None:
    """`_without_double_quoted`, one string at a time."""
    out: list[str] = []
    a = 0
    d = text.find('"')
    while d >= 0:
        if text.count("'", a, d) & 1:  # inside a '...' string: go to its end
            e = text.find("'", d)
            if e < 0:
                return None
            out.append(text[a : e + 1])
        else:
            e = text.find('"', d + 1)
            if e < 0 or text.find("\n", d, e) >= 0:
                return None
            out.append(text[a:d])
            out.append(_DQ)
        a = e + 1
        d = text.find('"', a)
    out.append(text[a:])
    return "".join(out)


_UNREADABLE = object()


def _bare(tok: str) -> Any:
    """A number, None, True or False (the skeleton matched it) to its value;
    `_UNREADABLE` for what the full reader refuses (a number too long)."""
    if tok == "None":
        return None
    number = parse_number(tok)
    if number is not None:
        return number
    try:
        return parse(tok)
    except ReprError:
        return _UNREADABLE
