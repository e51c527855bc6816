"""Python 2 (and 3) literal reprs to Python values, without evaluating code.

zenpython logs each event with `%r` of a Python 2 dict::

    {u'trait_display_name': u'pdcmtest3', 'rcvtime': 1485163264.289413,
     u'trait_memory_mb': 512, 'sysUpTime': 0L, u'trait_fixed_ips': u"[{u'version': 4}]"}

`parse` reads exactly the literal subset a repr (or `pprint`) produces:

    value   := dict | list | tuple | string+ | number | None | True | False
    dict    := '{' [ value ':' value (',' value ':' value)* [','] ] '}'
    list    := '[' [ value (',' value)* [','] ] ']'
    tuple   := '(' ')' | '(' value ')' | '(' value ',' [ value (',' value)* [','] ] ')'
    string  := [u|b|r|ur|br|rb] ( '...' | "..." )   adjacent strings concatenate
    number  := [+-] digits [ '.' digits ] [ e [+-] digits ] [ L ]

Digits, and the white space between tokens, are ASCII; an int has no leading
zero (`010` is 8 in Python 2 and an error in Python 3, and no repr writes it).
String escapes follow Python 3 rules (\\n, \\', \\xNN, \\uNNNN, \\UNNNNNNNN,
octal, \\N{NAME}); \\xNN in a plain '' string is the character U+00NN, as in
Python 3. Surrogate pairs that a narrow Python 2 build printed
(u'\\ud83d\\ude00') are joined into one character, also when pprint split
them between two adjacent literals. b'' gives bytes, and holds ASCII only.

Anything else (names, calls such as `datetime.datetime(...)`, operators)
raises `ReprError`, whose message names the character offset (0-based) into
the text: "unterminated string at char 1234", "dict cut off at char 880".

Why not `ast.literal_eval`: it rejects Python 2's `0L` (a rewrite would have
to be string-aware), accepts more than a repr can hold (sets, complex
numbers), warns on odd escapes, and spends most of its time compiling; this
tokenizer-and-descent reader measured about as fast on real event dicts.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

__all__ = ["ReprError", "parse", "parse_number", "parse_string"]


class ReprError(ValueError):
    """A repr that cannot be read; `pos` is a 0-based char offset."""

    def __init__(self, reason: str, pos: int) -> None:
        super().__init__(f"{reason} at char {pos}")
        self.reason = reason
        self.pos = pos


# One token per match, whitespace skipped. The last alternative catches any
# other character so that nothing is skipped silently: a lone quote there is
# the start of an unterminated string.
_STRING = r"""[uUbBrR]{0,2}(?:'[^'\\\n]*(?:\\.[^'\\\n]*)*'|"[^"\\\n]*(?:\\.[^"\\\n]*)*")"""
# ASCII only: Python separates tokens with ASCII white space, and int() would
# read other scripts' digits ('\u0661' is 1) that no repr prints.
_TOKEN = re.compile(rf"""\s*({_STRING}|[{{}}\[\](),:]|[^\s{{}}\[\](),:'"]+|\S)""", re.ASCII)
_STRING_TOKEN = re.compile(_STRING)
# an int has no leading zero: 010 is 8 in Python 2 and an error in Python 3
_NUMBER = re.compile(
    r"[-+]?(?:(0+|[1-9]\d*)|\d+\.\d*|\.\d+|\d+(?:\.\d*)?[eE][-+]?\d+|\.\d+[eE][-+]?\d+)([lL]?)", re.ASCII
)
# an int longer than this is refused: Python's own limit for int() on text
# (3.11+), and far beyond any number a log holds
MAX_DIGITS = 4300
_PREFIXES = frozenset(("", "u", "b", "r", "ur", "br", "rb"))
_QUOTES = "'\""
_ESCAPE = re.compile(
    r"\\(?:([\\'\"abfnrtv\n])|x([0-9a-fA-F]{2})|([0-7]{1,3})"
    r"|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|N\{([^}\n]*)\}|(x|u|U|N)|(.?))",
    re.S,
)
_SIMPLE_ESCAPES = {
    "\\": "\\", "'": "'", '"': '"', "a": "\a", "b": "\b", "f": "\f",
    "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\n": "",
}  # fmt: skip
_SURROGATE = re.compile("[\ud800-\udfff]")
_CLOSERS = {"{": "}", "[": "]", "(": ")"}
_PUNCT = frozenset(",:}])")
_NAMES = {"None": None, "True": True, "False": False}
_CONTAINER = {"{": "dict", "[": "list", "(": "tuple"}


def parse(text: str) -> Any:
    """The value of one literal repr; `ReprError` if it is not one."""
    toks = _TOKEN.findall(text)
    if not toks:
        raise ReprError("empty input", len(text))
    try:
        value, i = _value(toks, 0)
    except _Fail as f:
        raise ReprError(f.reason, _position(text, f.index)) from None
    except RecursionError:
        raise ReprError("nested too deeply", 0) from None
    if i != len(toks):
        raise ReprError(f"unexpected {_show(toks[i])} after the value", _position(text, i))
    return value


def parse_string(token: str) -> str | bytes:
    """One string literal token (prefix and quotes included) to its value;
    `ReprError` if `token` is not exactly one literal."""
    m = _STRING_TOKEN.match(token)
    if m is None or m.end() != len(token):
        opened = m is None and token.lstrip("uUbBrR")[:1] in ("'", '"')
        raise ReprError("unterminated string" if opened else "not a string literal", 0)
    try:
        return _string(token)
    except _Fail as f:
        raise ReprError(f.reason, 0) from None


def parse_number(token: str) -> int | float | None:
    """One number token (`12`, `0L`, `-1.5e-05`) to its value, else None."""
    m = _NUMBER.fullmatch(token)
    if m is None:
        return None
    if m[1] is not None:
        return None if len(token) > MAX_DIGITS else int(token[:-1] if m[2] else token)
    return None if m[2] else float(token)


class _Fail(Exception):
    """Internal: a reason and the index of the token it concerns."""

    def __init__(self, reason: str, index: int) -> None:
        self.reason = reason
        self.index = index


def _position(text: str, index: int) -> int:
    """Char offset of token `index` (len(text) past the last token)."""
    for n, m in enumerate(_TOKEN.finditer(text)):
        if n == index:
            return m.start(1)
    return len(text)


def _show(tok: str) -> str:
    return repr(tok if len(tok) <= 20 else tok[:20] + "...")


def _value(toks: list[str], i: int) -> tuple[Any, int]:
    """value := dict | list | tuple | string+ | number | None | True | False"""
    try:
        tok = toks[i]
    except IndexError:
        raise _Fail("value missing", i) from None
    c = tok[0]
    # fast paths for what event dicts are made of: plain strings and ints
    if c == "u" or c == "'" or c == '"':
        q = 1 if c == "u" else 0
        if (
            len(tok) > q + 1
            and tok[q] in _QUOTES
            and tok[-1] == tok[q]
            and "\\" not in tok
            and (i + 1 == len(toks) or toks[i + 1] in _PUNCT)
        ):
            return tok[q + 1 : -1], i + 1
    elif tok.isdigit() and tok.isascii() and (c != "0" or len(tok) == 1) and len(tok) <= MAX_DIGITS:
        return int(tok), i + 1
    if c in _CLOSERS:
        return _container(toks, i, c)
    if c in _QUOTES or (len(tok) > 1 and tok[-1] in _QUOTES and c in "uUbBrR"):
        return _strings(toks, i)
    if tok in _NAMES:
        return _NAMES[tok], i + 1
    m = _NUMBER.fullmatch(tok)
    if m is not None:
        if m[1] is not None:
            if len(tok) > MAX_DIGITS:
                raise _Fail(f"number too long ({len(tok)} characters)", i)
            return int(tok[:-1] if m[2] else tok), i + 1
        if m[2]:
            raise _Fail(f"bad number {_show(tok)}", i)
        return float(tok), i + 1
    if tok.lower() in _PREFIXES and i + 1 < len(toks) and toks[i + 1] in _QUOTES:
        raise _Fail("unterminated string", i)
    if tok.lstrip("+-.")[:1].isdigit():
        raise _Fail(f"bad number {_show(tok)}", i)
    raise _Fail(f"unexpected {_show(tok)}", i)


def _container(toks: list[str], i: int, opener: str) -> tuple[Any, int]:
    """dict, list or tuple, opened by toks[i]."""
    closer = _CLOSERS[opener]
    start = i
    i += 1
    items: list[Any] = []
    try:
        if toks[i] == closer:
            return ({} if opener == "{" else () if opener == "(" else []), i + 1
        if opener == "{":
            d: dict[Any, Any] = {}
            while True:
                key, i = _value(toks, i)
                if toks[i] != ":":
                    raise _Fail(f"expected ':' after a dict key, not {_show(toks[i])}", i)
                val, i = _value(toks, i + 1)
                try:
                    d[key] = val
                except TypeError:
                    raise _Fail("unhashable dict key", start) from None
                tok = toks[i]
                if tok == ",":
                    i += 1
                    if toks[i] == "}":
                        return d, i + 1
                elif tok == "}":
                    return d, i + 1
                else:
                    raise _Fail(f"expected ',' or '}}' in dict, not {_show(tok)}", i)
        while True:
            val, i = _value(toks, i)
            items.append(val)
            tok = toks[i]
            if tok == ",":
                i += 1
                if toks[i] == closer:
                    return (items if opener == "[" else tuple(items)), i + 1
            elif tok == closer:
                if opener == "(":
                    # (x) is x; only a comma makes a tuple
                    return (items[0] if len(items) == 1 else tuple(items)), i + 1
                return items, i + 1
            else:
                raise _Fail(f"expected ',' or {closer!r} in {_CONTAINER[opener]}, not {_show(tok)}", i)
    except IndexError:
        raise _Fail(f"{_CONTAINER[opener]} cut off", len(toks)) from None
    except _Fail as f:
        if f.reason == "value missing":
            raise _Fail(f"{_CONTAINER[opener]} cut off", f.index) from None
        raise


def _strings(toks: list[str], i: int) -> tuple[str | bytes, int]:
    """string+ : adjacent literals concatenate, as pprint's wrapped ones do."""
    value = _string(toks[i], i)
    i += 1
    first = i
    while i < len(toks):
        tok = toks[i]
        c = tok[0]
        if not (c in _QUOTES or (len(tok) > 1 and tok[-1] in _QUOTES and c in "uUbBrR")):
            break
        more = _string(tok, i)
        if isinstance(more, bytes) != isinstance(value, bytes):
            raise _Fail("cannot mix bytes and text literals", i)
        value = value + more  # type: ignore[operator]
        i += 1
    if i > first and isinstance(value, str) and _SURROGATE.search(value):
        value = _join_surrogates(value)  # a pair split between two literals
    return value, i


def _string(tok: str, i: int = 0) -> str | bytes:
    q = 0
    while tok[q] not in _QUOTES:
        q += 1
    prefix = tok[:q].lower()
    if prefix not in _PREFIXES:
        raise _Fail(f"bad string prefix {tok[:q]!r}", i)
    body = tok[q + 1 : -1]
    if len(tok) < q + 2 or tok[-1] != tok[q]:
        raise _Fail("unterminated string", i)
    is_bytes = "b" in prefix
    if is_bytes and not body.isascii():
        raise _Fail("non-ASCII character in a bytes literal", i)
    if "r" not in prefix and "\\" in body:
        body = _unescape(body, is_bytes, i)
    elif not is_bytes and "\\" not in body:
        return body
    if is_bytes:
        return body.encode("latin-1")  # ASCII and escapes up to \xff
    if _SURROGATE.search(body):
        body = _join_surrogates(body)
    return body


def _join_surrogates(text: str) -> str:
    """A narrow Python 2 build printed astral characters as two escapes
    (u'\\ud83d\\ude00'): pairs become one character, lone halves stay."""
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def _unescape(body: str, is_bytes: bool, i: int) -> str:
    def one(m: re.Match[str]) -> str:
        simple, hex2, octal, hex4, hex8, name, bad, other = m.groups()
        if simple is not None:
            return _SIMPLE_ESCAPES[simple]
        if hex2 is not None:
            return chr(int(hex2, 16))
        if octal is not None:
            n = int(octal, 8)
            if is_bytes and n > 0xFF:
                raise _Fail(f"octal escape \\{octal} out of range", i)
            return chr(n)
        if is_bytes and (hex4 is not None or hex8 is not None or name is not None):
            return m[0]  # \u, \U and \N are not escapes in bytes
        if hex4 is not None:
            return chr(int(hex4, 16))
        if hex8 is not None:
            n = int(hex8, 16)
            if n > 0x10FFFF:
                raise _Fail(f"escape \\U{hex8} out of range", i)
            return chr(n)
        if name is not None:
            try:
                return unicodedata.lookup(name)
            except KeyError:
                raise _Fail(f"unknown character name \\N{{{name}}}", i) from None
        if bad is not None and not (is_bytes and bad in "uUN"):
            raise _Fail(f"truncated \\{bad} escape", i)
        return m[0]  # an unknown escape keeps its backslash, as in Python

    return _ESCAPE.sub(one, body)
