"""A small parser for the mapping dict literal of a ZenPack events.py.

Grammar of the literal::

    dict    := "{" (entry ("," entry)* ","?)? "}"
    entry   := key ":" value
    key     := STRING+                              adjacent literals concatenate
    value   := handler | "(" handler "," handler ","? ")"      (id_func, handler)
    handler := "None" | NAME ("." NAME)*

"""

from __future__ import annotations

import ast
import tokenize
import warnings
from dataclasses import dataclass

__all__ = ["SKIP", "DictLiteral", "DictParser", "Entry", "LiteralError"]

SKIP = {tokenize.COMMENT, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING}


@dataclass(slots=True)
class DictLiteral:
    name: str
    line: int
    tokens: list[tokenize.TokenInfo]


@dataclass(frozen=True, slots=True)
class Entry:
    key: str  # as written, prefix included
    handler: str | None
    is_tuple: bool  # written as (id_func, handler)
    line: int


class LiteralError(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


class DictParser:
    """Recursive descent over the tokens of one dict literal (grammar: module doc)."""

    def __init__(self, literal: DictLiteral) -> None:
        self.name = literal.name
        self.toks = [t for t in literal.tokens if t.type not in SKIP | {tokenize.NEWLINE}]
        self.pos = 0

    def _peek(self) -> tokenize.TokenInfo:
        return self.toks[self.pos]  # the closing brace is always there

    def _next(self) -> tokenize.TokenInfo:
        tok = self.toks[self.pos]
        self.pos += 1
        return tok

    def parse(self) -> list[Entry]:
        """dict := "{" (entry ("," entry)* ","?)? "}" """
        self._next()  # "{", guaranteed by the scanner
        entries: list[Entry] = []
        while self._peek().string != "}":
            entries.append(self._entry())
            tok = self._peek()
            if tok.string == ",":
                self._next()
            elif tok.string != "}":
                raise LiteralError(
                    tok.start[0],
                    f"expected ',' or '}}' after the entry for {entries[-1].key!r} in {self.name}, "
                    f"found {tok.string!r}",
                )
        return entries

    def _entry(self) -> Entry:
        """entry := key ":" value"""
        key, line = self._key()
        tok = self._next()
        if tok.string != ":":
            raise LiteralError(
                tok.start[0], f"expected ':' after {key!r} in {self.name}, found {tok.string!r}"
            )
        handler, is_tuple = self._value(key)
        return Entry(key, handler, is_tuple, line)

    def _key(self) -> tuple[str, int]:
        """key := STRING+"""
        first = self._peek()
        parts: list[str] = []
        while self._peek().type == tokenize.STRING:
            tok = self._next()
            with warnings.catch_warnings():
                # Python 2 escapes such as '\d' warn on Python 3.
                warnings.simplefilter("ignore")
                try:
                    value = ast.literal_eval(tok.string)
                except (ValueError, SyntaxError):
                    value = None
            if not isinstance(value, str):
                raise LiteralError(
                    tok.start[0], f"key {tok.string} in {self.name} is not a text string"
                )
            parts.append(value)
        if not parts:
            raise LiteralError(
                first.start[0],
                f"expected an event type in quotes as a key of {self.name}, found {first.string!r}",
            )
        return "".join(parts), first.start[0]

    def _value(self, key: str) -> tuple[str | None, bool]:
        """value := handler | "(" handler "," handler ","? ")" """
        if self._peek().string != "(":
            return self._handler(key), False
        self._next()
        self._handler(key)  # the id function: which component, not what is done
        self._expect(",", key)
        handler = self._handler(key)
        if self._peek().string == ",":
            self._next()
        self._expect(")", key)
        return handler, True

    def _handler(self, key: str) -> str | None:
        """handler := "None" | NAME ("." NAME)*"""
        tok = self._next()
        if tok.type != tokenize.NAME or tok.string in KEYWORDS:
            raise LiteralError(
                tok.start[0],
                f"{key!r} in {self.name} maps to {tok.string!r}, not a handler name, None "
                "or (id_func, handler)",
            )
        if tok.string == "None":
            return None
        name = tok.string
        while self._peek().string == "." and self.toks[self.pos + 1].type == tokenize.NAME:
            self._next()
            name += "." + self._next().string
        return name

    def _expect(self, text: str, key: str) -> None:
        tok = self._next()
        if tok.string != text:
            raise LiteralError(
                tok.start[0],
                f"{key!r} in {self.name} maps to a tuple that is not (id_func, handler): "
                f"expected {text!r}, found {tok.string!r}",
            )


KEYWORDS = frozenset(
    ["and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif", "else", "except", "exec", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "print", "raise", "return", "try", "while", "with", "yield", "True", "False"]
)
