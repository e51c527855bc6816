"""The Python 2 repr reader: real-looking reprs first, then errors, then properties."""

from __future__ import annotations

import ast
import math
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lmtrace.parse.pyrepr import ReprError, parse, parse_number, parse_string

# What zenpython logs for one event (Python 2 `%r` of a dict), shortened.
EVENT_REPR = (
    "{u'trait_display_name': u'vm1', 'rcvtime': 1485163264.289413, 'sysUpTime': 0L, "
    "u'trait_memory_mb': 512, 'eventClassKey': u'openstack|compute.instance.live_migration.post.dest.end', "
    "u'trait_fixed_ips': u\"[{u'version': 4, u'floating_ips': [], u'meta': {}}]\", "
    "u'trait_state_description': u'', 'severity': 2, 'device': 'OpenStack'}"
)
EVENT_VALUE = {
    "trait_display_name": "vm1",
    "rcvtime": 1485163264.289413,
    "sysUpTime": 0,
    "trait_memory_mb": 512,
    "eventClassKey": "openstack|compute.instance.live_migration.post.dest.end",
    "trait_fixed_ips": "[{u'version': 4, u'floating_ips': [], u'meta': {}}]",
    "trait_state_description": "",
    "severity": 2,
    "device": "OpenStack",
}

STRINGS = [
    ("u'pdcmtest3'", "pdcmtest3"),
    ("'OpenStack'", "OpenStack"),
    ('"it\'s"', "it's"),
    ('u"[{u\'version\': 4}]"', "[{u'version': 4}]"),
    ("u''", ""),
    ("''", ""),
    ('""', ""),
    ("U'upper'", "upper"),
    # escapes
    ("u'a\\nb'", "a\nb"),
    ("u'\\t\\r\\x00\\\\'", "\t\r\x00\\"),
    ("'it\\'s'", "it's"),
    ("u'\\'\"'", "'\""),
    ("u'caf\\xe9'", "café"),
    # a plain '' string's \xNN is the character U+00NN, as in Python 3
    ("'caf\\xc3\\xa9'", "caf\xc3\xa9"),
    ("u'\\u2014 \\u00e9'", "\u2014 é"),
    ("u'\\U0001f600'", "\U0001f600"),
    # a narrow Python 2 build printed astral characters as surrogate pairs
    ("u'\\ud83d\\ude00'", "\U0001f600"),
    ("u'x\\ud83d\\ude00y\\ud83d\\ude01'", "x\U0001f600y\U0001f601"),
    ("u'\\ud83d'", "\ud83d"),  # a lone surrogate is kept
    ("'\\0'", "\x00"),
    ("'\\101\\7\\12'", "A\x07\n"),
    ("u'\\N{EM DASH}'", "\u2014"),
    ("u'keep \\q'", "keep \\q"),  # an unknown escape keeps its backslash
    ("r'\\n\\''", "\\n\\'"),
    ("b'\\xff\\x00'", b"\xff\x00"),
    ("b'\\u0041'", b"\\u0041"),  # \u is not an escape in bytes
    # adjacent literals concatenate (pprint wraps long strings)
    ("u'abc' u'def'", "abcdef"),
    ("'abc'\n 'def'", "abcdef"),
    ("(u'OpenStackInfrastructure: '\n u'compute.instance.update')", "OpenStackInfrastructure: compute.instance.update"),
    ("u'a\\n' 'b'", "a\nb"),
    ("b'a' b'b'", b"ab"),
    # a surrogate pair that pprint split between two literals is one character
    ("u'\\ud83d' u'\\ude00'", "\U0001f600"),
]

NUMBERS = [
    ("0", 0),
    ("0L", 0),
    ("512L", 512),
    ("-3L", -3),
    ("18446744073709551616L", 2**64),
    ("-12", -12),
    ("+7", 7),
    ("1485163264.289413", 1485163264.289413),
    ("-1.5e-05", -1.5e-05),
    ("1e+16", 1e16),
    ("1E3", 1000.0),
    (".5", 0.5),
    ("5.", 5.0),
    ("-0.0", -0.0),
]

CONTAINERS: list[tuple[str, Any]] = [
    ("None", None),
    ("True", True),
    ("False", False),
    ("[]", []),
    ("{}", {}),
    ("()", ()),
    ("[1, u'a', None]", [1, "a", None]),
    ("[1, 2,]", [1, 2]),
    ("{'a': 1,}", {"a": 1}),
    ("(1,)", (1,)),
    ("(1, 2,)", (1, 2)),
    ("(1)", 1),  # only a comma makes a tuple
    ("{1: u'one', -2L: (3, 4.5)}", {1: "one", -2: (3, 4.5)}),
    ("{(1, u'a'): [None, True]}", {(1, "a"): [None, True]}),
    ("[[[]], {'a': {'b': [(), ()]}}]", [[[]], {"a": {"b": [(), ()]}}]),
    # pprint's layout: one item a line, continuation lines indented
    ("{'device': 'OpenStack',\n 'eventKey': u'e1',\n 'trait_fixed_ips': [{u'a': 1},\n                     {u'b': 2L}]}",
     {"device": "OpenStack", "eventKey": "e1", "trait_fixed_ips": [{"a": 1}, {"b": 2}]}),
    ("  {'a': 1}\r\n", {"a": 1}),
    (EVENT_REPR, EVENT_VALUE),
]

ROWS = STRINGS + NUMBERS + CONTAINERS


@pytest.mark.parametrize(("text", "value"), ROWS)
def test_values(text: str, value: Any) -> None:
    got = parse(text)
    assert got == value
    assert type(got) is type(value)
    if isinstance(value, float):
        assert math.copysign(1, got) == math.copysign(1, value)


def test_event_repr_keeps_key_order() -> None:
    assert list(parse(EVENT_REPR)) == list(EVENT_VALUE)


# Python 3 reads the rest too: both must agree. These it reads otherwise
# (surrogates are not joined), rejects (0L) or warns about (unknown escapes).
PY2_ONLY = {
    "u'\\ud83d\\ude00'",
    "u'x\\ud83d\\ude00y\\ud83d\\ude01'",
    "u'\\ud83d' u'\\ude00'",
    "u'keep \\q'",
    "b'\\u0041'",
}


def _has_long(text: str) -> bool:
    """Whether a Python 2 long (`0L`, `-2L`) is in `text`."""
    return any(
        tok.lstrip("+-")[:1].isdigit() and tok.endswith("L") for tok in re.split(r"[\s,:()\[\]{}]+", text)
    )


PY3_VALID = [(t, v) for t, v in ROWS if t not in PY2_ONLY and not _has_long(t)]


def test_rows_compared_with_literal_eval_are_most() -> None:
    # 7 rows hold a long: 0L, 512L, -3L, 2**64 L, -2L, 2L and EVENT_REPR's 0L
    assert len(PY3_VALID) == len(ROWS) - len(PY2_ONLY) - 7


@pytest.mark.parametrize(("text", "value"), PY3_VALID)
def test_agrees_with_literal_eval(text: str, value: Any) -> None:
    # in parentheses, as a top-level line break would be a syntax error
    expected = ast.literal_eval("(" + text.strip() + ")")
    got = parse(text)
    assert got == expected == value
    assert type(got) is type(expected)


ERRORS = [
    ("", "empty input at char 0"),
    ("   \n", "empty input at char 4"),
    # cut off: the offset is the end of the text
    ("{'eventKey': u'e1', 'rcvtime': 1.5, ", "dict cut off at char 36"),
    ("{'eventKey': u'e1', 'rcvtime'", "dict cut off at char 29"),
    ("{'eventKey': ", "dict cut off at char 13"),
    ("[1, 2", "list cut off at char 5"),
    ("(1, 2", "tuple cut off at char 5"),
    ("{'a': [1, {'b': 2", "dict cut off at char 17"),
    # unterminated strings point at their opening quote (or prefix)
    ("{u'trait_display_name': u'pdcm", "unterminated string at char 24"),
    ("'abc", "unterminated string at char 0"),
    ('{"a": "b', "unterminated string at char 6"),
    ("{'a': 'x\n'}", "unterminated string at char 6"),  # strings never span lines in a repr
    # names and calls are not literals: never evaluated
    ("{'generated': datetime.datetime(2017, 1, 23, 6, 22, 2)}", "unexpected 'datetime.datetime' at char 14"),
    ("__import__('os').system('true')", "unexpected '__import__' at char 0"),
    ("[float('nan')]", "unexpected 'float' at char 1"),
    ("{'a': inf}", "unexpected 'inf' at char 6"),
    ("set([1])", "unexpected 'set' at char 0"),
    ("-", "unexpected '-' at char 0"),
    # structure
    ("{1, 2}", "expected ':' after a dict key, not ',' at char 2"),
    ("{'a': 1 'b': 2}", "expected ',' or '}' in dict, not \"'b'\" at char 8"),
    ("[1 2]", "expected ',' or ']' in list, not '2' at char 3"),
    ("(1 2)", "expected ',' or ')' in tuple, not '2' at char 3"),
    ("{'a': 1}}", "unexpected '}' after the value at char 8"),
    ("1 2", "unexpected '2' after the value at char 2"),
    ("[,]", "unexpected ',' at char 1"),
    ("{[1]: 2}", "unhashable dict key at char 0"),
    # numbers
    ("1.5L", "bad number '1.5L' at char 0"),
    ("[0x10]", "bad number '0x10' at char 1"),
    # leading zeros: octal in Python 2, an error in Python 3; a repr never has them
    ("010", "bad number '010' at char 0"),
    ("[1, 007L]", "bad number '007L' at char 4"),
    # only ASCII digits are digits, only ASCII white space separates
    ("\u0661", "bad number '\u0661' at char 0"),
    ("[1,\u00a02]", "unexpected '\\xa02' at char 3"),
    # strings
    ("u'a' b'b'", "cannot mix bytes and text literals at char 5"),
    ("x'abc'", "unexpected 'x' at char 0"),
    ("ub'abc'", "bad string prefix 'ub' at char 0"),
    ("u'\\N{NO SUCH NAME}'", "unknown character name \\N{NO SUCH NAME} at char 0"),
    ("u'\\x4'", "truncated \\x escape at char 0"),
    ("u'\\u12'", "truncated \\u escape at char 0"),
    ("u'\\U00110000'", "escape \\U00110000 out of range at char 0"),
    ("b'\\777'", "octal escape \\777 out of range at char 0"),
    ("b'caf\u00e9'", "non-ASCII character in a bytes literal at char 0"),
]


@pytest.mark.parametrize(("text", "message"), ERRORS)
def test_errors_name_the_char_offset(text: str, message: str) -> None:
    with pytest.raises(ReprError) as info:
        parse(text)
    assert str(info.value) == message
    assert isinstance(info.value, ValueError)
    assert message == f"{info.value.reason} at char {info.value.pos}"
    assert 0 <= info.value.pos <= len(text)


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    with pytest.raises(ReprError, match="nested too deeply"):
        parse("[" * 5000 + "]" * 5000)


@pytest.mark.parametrize(
    ("token", "value"),
    [
        ("u'a\\nb'", "a\nb"),
        ("'OpenStack'", "OpenStack"),
        ("b'\\x01'", b"\x01"),
        ('r"\\d"', "\\d"),
    ],
)
def test_parse_string(token: str, value: str | bytes) -> None:
    assert parse_string(token) == value


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("abc", "not a string literal at char 0"),
        ("", "not a string literal at char 0"),
        ("u", "not a string literal at char 0"),
        ("'a' 'b'", "not a string literal at char 0"),
        ("'a'b'", "not a string literal at char 0"),
        ("'abc", "unterminated string at char 0"),
        ("u'\\x4'", "truncated \\x escape at char 0"),
    ],
)
def test_parse_string_errors(token: str, message: str) -> None:
    with pytest.raises(ReprError) as info:
        parse_string(token)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("token", "value"),
    [
        ("12", 12),
        ("0L", 0),
        ("-7l", -7),
        ("1485163264.289413", 1485163264.289413),
        ("-1.5e-05", -1.5e-05),
        ("00", 0),
        ("1.5L", None),
        ("abc", None),
        ("", None),
        ("1 2", None),
        ("01", None),
        ("\u0661\u0662", None),
        ("\uff11", None),
    ],
)
def test_parse_number(token: str, value: float | None) -> None:
    got = parse_number(token)
    assert got == value and type(got) is type(value)


# -- properties ---------------------------------------------------------------


# an escaped backslash (kept as is) or a \UXXXXXXXX escape
_ASTRAL_ESCAPE = re.compile(r"\\(?:\\|U([0-9a-f]{8}))")


def _narrow(escaped: str) -> str:
    """\\UXXXXXXXX escapes as a narrow Python 2 build printed them: a surrogate pair."""

    def pair(m: re.Match[str]) -> str:
        if m[1] is None:
            return m[0]
        n = int(m[1], 16) - 0x10000
        return f"\\u{0xD800 + (n >> 10):04x}\\u{0xDC00 + (n & 0x3FF):04x}"

    return _ASTRAL_ESCAPE.sub(pair, escaped)


def py2_repr(
    value: Any, *, narrow: bool = False, sep: str = ", ", longs: bool = True, prefix: str = "u", colon: str = ": "
) -> str:
    """`repr` as Python 2 wrote it: u'' text (non-ASCII escaped; `prefix` ""
    for str), ints with L when `longs`; `sep` between items (",\\n "
    imitates pprint), `colon` between a key and its value ("\\n : " splits
    a key from its colon across lines)."""
    if value is None or isinstance(value, (bool, float)):
        return repr(value)
    if isinstance(value, int):
        return f"{value}L" if longs else str(value)
    if isinstance(value, str):
        text = prefix + ascii(value)
        return _narrow(text) if narrow else text
    kw: dict[str, Any] = {"narrow": narrow, "sep": sep, "longs": longs, "prefix": prefix, "colon": colon}
    if isinstance(value, list):
        return "[" + sep.join(py2_repr(v, **kw) for v in value) + "]"
    if isinstance(value, tuple):
        inner = sep.join(py2_repr(v, **kw) for v in value)
        return "(" + inner + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, dict):
        return "{" + sep.join(f"{py2_repr(k, **kw)}{colon}{py2_repr(v, **kw)}" for k, v in value.items()) + "}"
    raise TypeError(type(value))


_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
_KEYS = st.text(max_size=8) | st.integers()
VALUES: st.SearchStrategy[Any] = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4)
    | st.lists(inner, max_size=3).map(tuple)
    | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(VALUES, st.booleans(), st.sampled_from([", ", ",\n ", ",\n     "]), st.booleans())
def test_reads_what_python2_wrote(value: Any, narrow: bool, sep: str, longs: bool) -> None:
    assert parse(py2_repr(value, narrow=narrow, sep=sep, longs=longs)) == value


@settings(max_examples=200, deadline=None)
@given(VALUES | st.binary() | st.lists(st.binary(), max_size=3))
def test_python3_reprs_agree_with_literal_eval(value: Any) -> None:
    text = repr(value)
    got = parse(text)
    assert got == ast.literal_eval(text) == value
    assert repr(got) == text


# Pieces that reprs are made of, so that random text reaches deep into the reader.
_PIECES = st.sampled_from(
    list("{}[](),:'\" \n\\uUbBrRL0123456789.-+eExN")
    + ["None", "True", "False", "u'", "0L", "\\x4", "\\u12", "\\N{", "\\ud83d", "1e5", "datetime("]
)
ARBITRARY = st.text() | st.lists(_PIECES, max_size=40).map("".join)


def _never_raises(text: str) -> None:
    try:
        parse(text)
    except ReprError as e:
        assert 0 <= e.pos <= len(text)
        assert str(e).endswith(f" at char {e.pos}")


@settings(max_examples=300, deadline=None)
@given(ARBITRARY)
def test_never_raises_on_arbitrary_text(text: str) -> None:
    _never_raises(text)


@settings(max_examples=200, deadline=None)
@given(VALUES, st.integers(min_value=0, max_value=10**6))
def test_a_repr_cut_anywhere_is_a_value_or_a_repr_error(value: Any, at: int) -> None:
    text = py2_repr(value, sep=",\n ")
    _never_raises(text[: at % (len(text) + 1)])


@settings(max_examples=20_000, deadline=None)
@given(ARBITRARY)
def _never_raises_long(text: str) -> None:
    _never_raises(text)


@pytest.mark.slow
def test_never_raises_long_run(request: pytest.FixtureRequest) -> None:
    """20,000 examples; runs only when selected: pytest -m slow."""
    if "slow" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("long run: select it with -m slow")
    _never_raises_long()
