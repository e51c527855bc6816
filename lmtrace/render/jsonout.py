"""JSON that stays JSON, whatever the logs held.

A trait value comes from a log, so it can be anything a Python repr can
spell: `1e999` (infinity), `b'\\xff'` (bytes), a dict with tuple keys, a lone
surrogate (`u'\\ud800'`). `json_value` turns such a value into what JSON can
hold: a non-finite float as the string Python writes for it (`"inf"`,
`"-inf"`, `"nan"`), bytes as text (undecodable bytes as `\\xNN`), tuples as
arrays, keys that are not strings as their text. `JsonWriter` writes
documents and lines with `allow_nan=False` (a float that slipped through is
a bug, not invalid JSON), escapes lone surrogates as `\\udXXX`, and writes
ASCII only (`ensure_ascii`) on a stream whose encoding is not a UTF.
"""

from __future__ import annotations

import codecs
import json
import math
import re
from typing import Any, TextIO

__all__ = ["JsonWriter", "json_value"]


_SURROGATE = re.compile("[\ud800-\udfff]")


def json_value(v: Any) -> Any:
    """`v` as values JSON holds (see the module docstring); plain strings,
    ints, bools and None as they are."""
    if v is None or isinstance(v, (str, bool, int)):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else repr(v)
    if isinstance(v, bytes):
        return v.decode("utf-8", "backslashreplace")
    if isinstance(v, (list, tuple)):
        return [json_value(x) for x in v]
    if isinstance(v, dict):
        return {_key(k): json_value(x) for k, x in v.items()}
    return str(v)


def _key(k: Any) -> str:
    if isinstance(k, str):
        return k
    if isinstance(k, bytes):
        return k.decode("utf-8", "backslashreplace")
    if isinstance(k, float) and not math.isfinite(k):
        return repr(k)
    return str(k)  # a tuple as Python writes it: "(1, 2)"


def _escape_surrogate(m: re.Match[str]) -> str:
    return f"\\u{ord(m[0]):04x}"


def _utf(out: Any) -> bool:
    encoding = getattr(out, "encoding", None) or "utf-8"
    try:
        return codecs.lookup(encoding).name.startswith("utf")
    except LookupError:
        return False


class JsonWriter:
    """JSON to `out`: one `document` (indented) or `line`s (JSON Lines)."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self._ascii = not _utf(out)
        # json.dumps builds an encoder per call when given options: one here
        self._encode = json.JSONEncoder(ensure_ascii=self._ascii, allow_nan=False).encode

    def dumps(self, obj: Any, indent: int | None = None) -> str:
        if indent is None:
            text = self._encode(obj)
        else:
            text = json.dumps(obj, ensure_ascii=self._ascii, indent=indent, allow_nan=False)
        # (an ASCII text holds no surrogate: isascii is far faster than the regex)
        if not self._ascii and not text.isascii() and _SURROGATE.search(text):
            # only inside strings: as an escape it is valid JSON, raw it is not UTF-8
            text = _SURROGATE.sub(_escape_surrogate, text)
        return text

    def document(self, obj: Any) -> None:
        self.out.write(self.dumps(obj, indent=2))
        self.out.write("\n")

    def line(self, obj: Any) -> None:
        self.out.write(self.dumps(obj))
        self.out.write("\n")
