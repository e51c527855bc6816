"""The lean reader's fast tier (lmtrace.parse.flatdict) against the full reader and the regex tier.

Whatever `flat_fields` answers, the full reader (lmtrace.parse.pyrepr) reads
the same text as a dict with those very values for the wanted keys, and the
regex tier (`regex_fields`) answers the same or leaves it to the full
reader; it may decline (None), never disagree. Checked on flat dicts whose strings hold what tempts a reader
(quotes of both kinds, braces, fake keys, `>` and `<Trait:`), on nested
ones, and on those texts cut, spliced and sprinkled with stray characters.
"""

from __future__ import annotations

import pprint
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lmtrace.parse.flatdict import flat_fields
from lmtrace.parse.pyrepr import ReprError, parse
from lmtrace.parse.zenevent import regex_fields

from .test_pyrepr import py2_repr

WANTED = frozenset(
    ("eventClassKey", "eventKey", "rcvtime", "device", "trait_request_id", "trait_instance_id",
     "trait_host_name", "trait_display_name", "trait_state")
)  # fmt: skip
_KEYS = sorted(WANTED) + ["summary", "trait_fixed_ips", "severity", "agent"]
_TEXT = st.text(max_size=12) | st.sampled_from(
    ["req-1", "it's", 'say "hi"', "both ' and \"", "a\\b", "caf\xe9", "{", "}", "[{u'version': 4}]",
     "'eventKey': u'fake', 'x", "\", 'device': \"", "', 'device': '", "<Trait: host_name 1 h>", "a > b", ""]
)  # fmt: skip
_SCALAR = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**40), max_value=2**40)
    | st.floats(min_value=-1e11, max_value=1e11, allow_nan=False)
    | _TEXT
)
_VALUE = _SCALAR | st.lists(_SCALAR, max_size=2) | st.dictionaries(st.sampled_from(_KEYS), _SCALAR, max_size=2)


def _expected(text: str) -> dict[str, Any] | None:
    """The wanted keys as the full reader reads them; None if it cannot."""
    try:
        value = parse(text)
    except ReprError:
        return None
    if not isinstance(value, dict):
        return None
    return {k: v for k, v in value.items() if k in WANTED}


def _check(text: str) -> dict[str, Any] | None:
    got = flat_fields(text, WANTED) if text else None
    if got is not None:
        assert got == _expected(text), text
        assert regex_fields(text) in (None, got), text  # None: the full reader decides
    return got


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(st.sampled_from(_KEYS), _VALUE, min_size=1, max_size=8),
    st.sampled_from([", ", ",\n ", ",\n\t  ", ","]),
    st.sampled_from(["u", ""]),
    st.booleans(),
)
def test_agrees_with_the_full_reader(d: dict[str, Any], sep: str, prefix: str, longs: bool) -> None:
    text = py2_repr(d, sep=sep, prefix=prefix, longs=longs)
    got = _check(text)
    flat = all(not isinstance(v, (list, dict)) for v in d.values())
    plain = "\\" not in text and all(
        not isinstance(v, str) or '"' not in text.partition(repr(v))[0] for k, v in d.items() if k in WANTED
    )
    if flat and plain and not any(isinstance(v, str) and "'" in v for k, v in d.items() if k in WANTED):
        assert got is not None, text  # the common shape is never declined


_STRAY = st.sampled_from(["'", '"', "{", "}", "[", "]", ",", ":", "\\", "\n", " ", "u", "0", "x", "(", "\x00"])


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(st.sampled_from(_KEYS), _VALUE, min_size=1, max_size=6),
    st.lists(st.tuples(st.integers(0, 400), _STRAY), max_size=3),
    st.integers(0, 400),
)
def test_garbage_is_declined_or_read_as_the_full_reader_does(
    d: dict[str, Any], strays: list[tuple[int, str]], cut: int
) -> None:
    text = py2_repr(d, sep=", ", prefix="u", longs=False)
    for at, c in strays:
        at %= len(text) + 1
        text = text[:at] + c + text[at:]
    _check(text)
    _check(text[: cut % (len(text) + 1)].rstrip())


@pytest.mark.parametrize(
    "text",
    [
        # a fake key inside a double-quoted string, before and after the real one
        "{'summary': u\"x, 'eventKey': u'fake'\", 'eventKey': u'real'}",
        "{'eventKey': u'real', 'summary': u\"x, 'eventKey': u'fake'\"}",
        # a double quote inside a single-quoted string does not open one
        "{'summary': u'say \"hi', 'eventKey': u'real', 'x': u'\"'}",
        # a pretty-printed dict
        pprint.pformat({"eventKey": "real", "summary": "x" * 90, "rcvtime": 1.5, "device": None}),
        "{'eventKey': u'real', 'rcvtime': 1485163264.289413, 'severity': 2L, 'ok': True}",
    ],
)
def test_tricky_but_flat_dicts_are_read(text: str) -> None:
    got = _check(text)
    assert got is not None and got["eventKey"] == "real"


@pytest.mark.parametrize(
    "text",
    [
        "{'eventKey': u'a', 'eventKey': u'b'}",  # a wanted key twice
        "{'eventKey': u'a\\'b'}",  # a backslash
        "{'eventKey': u'a', 'ports': [{'eventKey': u'b'}]}",  # nested
        "{'eventKey': \"it's\"}",  # a wanted value double-quoted
        "{'eventKey': u'a'} trailing}",
        "{'eventKey': u'a', 'x': datetime.datetime(2017, 1, 1)}",
        "{'eventKey': u'a\nb'}",  # a string over two lines
        "{\"eventKey\": u'a'}",  # a key that is not a '...' string
        "{'eventKey' : u'a'}",  # white space before the colon
        "{'eventKey': u'a', 'x': 012}",
        "{'eventKey': u'a', 'rcvtime': " + "1" * 5000 + "}",  # a number too long to read
        "{'eventKey': u'a', 'x': " + "1" * 5000 + "}",  # the same, where it is not read
        "{}",
    ],
)
def test_what_it_declines(text: str) -> None:
    assert flat_fields(text, WANTED) is None


# -- pretty-printed records read at once (flat_block) against line by line ----

_P = "2017-01-23 17:21:04,289 DEBUG zen.zenpython: Queued event (total of 6) "
_EVENT = {
    "eventClassKey": "openstack|compute.instance.live_migration.post.dest.end",
    "eventKey": "e1",
    "rcvtime": 1485163264.289413,
    "device": "OpenStack",
    "trait_host_name": "h1",
    "summary": "x" * 60,
}


@st.composite
def _pretty_logs(draw: st.DrawFn) -> str:
    """Log lines around pretty-printed records: flat or not, with stray
    lines after them, blank indented lines, a cut, CRLF."""
    lines = ["noise"]
    for _ in range(draw(st.integers(1, 3))):
        d = dict(_EVENT)
        for k, v in draw(st.dictionaries(st.sampled_from(_KEYS), _VALUE, max_size=3)).items():
            d[k] = v
        text = _P + pprint.pformat(d, width=draw(st.sampled_from([40, 80, 200])))
        for at, c in draw(st.lists(st.tuples(st.integers(0, 600), _STRAY), max_size=2)):
            at %= len(text) + 1
            text = text[:at] + c + text[at:]
        lines.append(text)
        lines += draw(st.lists(st.sampled_from(["   ", " trailing", "\t}", "next line", ""]), max_size=2))
    text = "\n".join(lines) + "\n"
    return text.replace("\n", "\r\n") if draw(st.booleans()) else text


def _scan(text: str, full: bool, *, blocks: bool) -> tuple[list[Any], int, int]:
    from lmtrace.parse import zenpython
    from lmtrace.read import Chunk

    saved = zenpython.flat_block
    if not blocks:
        zenpython.flat_block = lambda *a: None  # type: ignore[assignment]
    try:
        s = zenpython.ZenpythonScanner("t.log", full=full)
        out = s.feed(Chunk(text.encode(), 1, 0)) + s.finish()
    finally:
        zenpython.flat_block = saved
    return out, s.parsed_lines, s.malformed_lines


@settings(max_examples=150, deadline=None)
@given(_pretty_logs(), st.booleans())
def test_a_pretty_record_read_at_once_is_read_as_line_by_line(text: str, full: bool) -> None:
    assert _scan(text, full, blocks=True) == _scan(text, full, blocks=False)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(["{", "}", "''", "u''", ": ", ", ", "0", "1", "7", "00", "10", "1.5", "2e5", "-", "L", "None", ".", " "]),
        max_size=14,
    )
)
def test_a_remembered_shape_answers_as_the_grammar_does(tokens: list[str]) -> None:
    from lmtrace.parse import flatdict

    skeleton = "".join(tokens)
    for variant in (skeleton, skeleton.replace("1", "9"), skeleton.replace("7", "3")):
        assert flatdict._flat(variant) == (flatdict._SKELETON.fullmatch(variant) is not None), variant


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["'", '"', "\n", "u", "a", ", ", "{", "}", ": "]), max_size=16))
def test_one_double_quoted_string_is_marked_as_the_loop_marks_it(tokens: list[str]) -> None:
    # the shortcut for the usual one double-quoted string (trait_fixed_ips)
    # against the general loop, on texts that put quotes of both kinds and
    # line breaks everywhere: double quotes inside '...' strings, unclosed ones
    from lmtrace.parse import flatdict

    text = "".join(tokens)
    assert flatdict._without_double_quoted(text) == flatdict._double_quoted_marked(text), text
