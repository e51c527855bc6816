"""Reading a handler map statically from a ZenPack events.py, in any historical shape.

An events.py is Python 2 (`except Exception, e:`), so it is read statically:
`tokenize` (which works at token level and tolerates Python 2) finds the
top-level `MAPPERS = {` (the name in every version of the ZenPack) or,
failing that, the one top-level dict that looks like an event mapping, and a
small parser reads just that literal. The file is never imported or run.
Grammar of the literal::

    dict    := "{" (entry ("," entry)* ","?)? "}"
    entry   := key ":" value
    key     := STRING+                              adjacent literals concatenate
    value   := handler | "(" handler "," handler ","? ")"      (id_func, handler)
    handler := "None" | NAME ("." NAME)*

Which handlers write the host is read from the same file: a top-level
function writes it when its body names `set_host_name`, or uses a top-level
function or variable that does (`_apply_instance_traits` names it in its
trait map; in 2014 `_apply_traits` read it from `TRAITMAPS`). That errs
towards "writes", as a shared trait table makes every user of it a writer.
A handler the file imports keeps what the built-in maps know of it; any
other unknown handler is assumed to write the host (`HandlerMap.is_assumed`).
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from ..errors import HandlerMapError
from .builtin import KNOWN_NON_WRITERS, KNOWN_WRITERS
from .dictliteral import SKIP, DictLiteral, DictParser, Entry, LiteralError
from .handlermap import HandlerMap, MapShape, bare_type

__all__ = ["load_events_py"]

_EVENT_TYPE = re.compile(r"[A-Za-z_][\w-]*(?:\.[\w-]+)+")
_HINT_TOML = 'give a TOML map instead ("event.type" = "handler", one per line)'


@dataclass(frozen=True, slots=True)
class _Segment:
    """Tokens of one stretch that `tokenize` read without error."""

    tokens: list[tokenize.TokenInfo]
    error: str | None  # why tokenizing stopped, None at end of file
    error_line: int




@dataclass(slots=True)
class _FileScan:
    dicts: list[DictLiteral] = field(default_factory=list)
    params: dict[str, list[str]] = field(default_factory=dict)  # def name -> parameter names
    # top-level function or variable -> the names its body or value uses
    refs: dict[str, set[str]] = field(default_factory=dict)
    direct_writers: set[str] = field(default_factory=set)  # nodes naming set_host_name
    broken: list[tuple[str, int, str]] = field(default_factory=list)  # unclosed dicts


_HOST_SETTER = "set_host_name"


def _decode(data: bytes) -> str:
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError):
        # Handler names and event types are ASCII; a stray byte elsewhere
        # (a Latin-1 comment) must not stop the read.
        return data.decode("utf-8", errors="replace")


def _segments(text: str) -> Iterator[_Segment]:
    """Tokenize `text`, resuming after errors at the next top-level line.

    Python 2 files tokenize fine at token level on 3.11, but 3.12+ rejects
    some of them (tabs mixed with spaces, stray dedents); only top-level dicts
    matter, so a stretch that does not tokenize is skipped, not fatal.
    """
    lines = text.splitlines(keepends=True)
    start = 0  # index of the first line of this stretch
    while True:
        tokens: list[tokenize.TokenInfo] = []
        readline = io.StringIO("".join(lines[start:])).readline
        try:
            for tok in tokenize.generate_tokens(readline):
                tokens.append(_shift(tok, start))
        except (tokenize.TokenError, SyntaxError) as e:
            lineno = _error_line(e, tokens) + start
            yield _Segment(tokens, _error_text(e), lineno)
            resume = next(
                (i for i in range(lineno, len(lines)) if _starts_statement(lines[i])), None
            )
            if resume is None or resume <= start:
                return
            start = resume
            continue
        yield _Segment(tokens, None, 0)
        return


def _shift(tok: tokenize.TokenInfo, lines: int) -> tokenize.TokenInfo:
    if not lines:
        return tok
    (srow, scol), (erow, ecol) = tok.start, tok.end
    return tok._replace(start=(srow + lines, scol), end=(erow + lines, ecol))


def _error_line(e: Exception, tokens: list[tokenize.TokenInfo]) -> int:
    if isinstance(e, SyntaxError) and e.lineno:
        return e.lineno
    if len(e.args) > 1 and isinstance(e.args[1], tuple) and e.args[1]:
        return int(e.args[1][0])
    return tokens[-1].end[0] if tokens else 1  # pragma: no cover - defensive


def _error_text(e: Exception) -> str:
    return str(e.args[0]) if e.args else type(e).__name__


def _starts_statement(line: str) -> bool:
    return bool(line) and (line[0].isalpha() or line[0] in "_@")


def _scan(text: str) -> tuple[_FileScan, list[_Segment]]:
    """Find top-level `NAME = {…}` literals and top-level functions."""
    scan = _FileScan()
    segments = list(_segments(text))
    for segment in segments:
        _scan_segment(segment, scan)
    return scan, segments


_OPENERS = {"(": ")", "[": "]", "{": "}"}


def _scan_segment(segment: _Segment, scan: _FileScan) -> None:
    toks = [t for t in segment.tokens if t.type not in SKIP]
    node: str | None = None  # the top-level function or variable being read
    line_start = True
    for i, tok in enumerate(toks):
        if tok.type == tokenize.NEWLINE:
            line_start = True
            continue
        if line_start and tok.start[1] == 0:
            node = None  # a new top-level statement ends the one before
            nxt = toks[i + 1] if i + 1 < len(toks) else None
            if tok.string == "def" and nxt is not None and nxt.type == tokenize.NAME:
                node = nxt.string
                scan.params[node] = _params(toks, i + 2)
            elif tok.type == tokenize.NAME and nxt is not None and nxt.string == "=":
                node = tok.string
                if i + 2 < len(toks) and toks[i + 2].string == "{":
                    end = _matching(toks, i + 2, tok.string, scan)
                    if end is not None:
                        literal = DictLiteral(tok.string, tok.start[0], toks[i + 2 : end + 1])
                        scan.dicts.append(literal)
            if node is not None:
                scan.refs.setdefault(node, set())
        line_start = False
        if node is None:
            continue
        if tok.type == tokenize.NAME:
            scan.refs[node].add(tok.string)
            if tok.string == _HOST_SETTER:
                scan.direct_writers.add(node)
        elif tok.type == tokenize.STRING and _HOST_SETTER in tok.string:
            # _apply_instance_traits names it in a trait map: 'host_name': ['set_host_name']
            scan.direct_writers.add(node)


def _params(toks: list[tokenize.TokenInfo], i: int) -> list[str]:
    names: list[str] = []
    if i >= len(toks) or toks[i].string != "(":
        return names
    depth = 0
    expect_name = True
    for tok in toks[i:]:
        if tok.string in _OPENERS:
            depth += 1
            continue
        if tok.string in _OPENERS.values():
            depth -= 1
            if depth == 0:
                break
            continue
        if depth == 1:
            if tok.string == ",":
                expect_name = True
            elif expect_name and tok.type == tokenize.NAME:
                names.append(tok.string)
                expect_name = False
            elif tok.string != "*" and tok.string != "**":
                expect_name = False
    return names


def _matching(toks: list[tokenize.TokenInfo], i: int, name: str, scan: _FileScan) -> int | None:
    """Index of the brace that closes the `{` at `i`, else None (noted in scan.broken)."""
    stack: list[str] = []
    opened = toks[i].start[0]
    for j in range(i, len(toks)):
        tok = toks[j]
        if tok.type != tokenize.OP:
            continue
        if tok.string in _OPENERS:
            stack.append(_OPENERS[tok.string])
        elif tok.string in (")", "]", "}"):
            if stack.pop() != tok.string:
                problem = f"unbalanced {tok.string!r} in the {name} dict opened at line {opened}"
                scan.broken.append((name, tok.start[0], problem))
                return None
            if not stack:
                return j
    scan.broken.append((name, opened, f"the {name} dict opened here is never closed"))
    return None




def load_events_py(path: str, data: bytes) -> HandlerMap:
    text = _decode(data)
    scan, _ = _scan(text)
    literal, entries = _choose(path, scan)
    tuples = sum(e.is_tuple for e in entries)
    if tuples and tuples != len(entries):
        odd = next(e for e in entries if not e.is_tuple)
        raise HandlerMapError(
            f"{path}:{odd.line}: {odd.key!r} in {literal.name} maps to a bare handler, but other "
            "entries are (id_func, handler) tuples; write every entry the same way"
        )
    handlers: dict[str, str | None] = {}
    for e in entries:
        handlers[bare_type(e.key)] = e.handler  # a repeated key: the last one wins, as in Python
    if tuples:
        shape = MapShape.DICT_2X
    elif None in handlers.values() or _takes_device_dmd(scan, handlers.values()):
        shape = MapShape.MAPPERS_2014
    else:
        shape = MapShape.MAPPERS_3X
    writers, non_writers = _host_writers(scan, handlers.values(), literal.name)
    return HandlerMap(
        name=Path(path).name,
        source=path,
        shape=shape,
        handlers=MappingProxyType(handlers),
        host_writers=writers,
        non_writers=non_writers,
    )


def _choose(path: str, scan: _FileScan) -> tuple[DictLiteral, list[Entry]]:
    """The mapping dict: the last top-level MAPPERS, else the one that looks like one."""
    mappers = [d for d in scan.dicts if d.name == "MAPPERS"]
    if mappers:
        literal = mappers[-1]  # a later assignment replaces an earlier one
        try:
            entries = DictParser(literal).parse()
        except LiteralError as e:
            raise HandlerMapError(f"{path}:{e.line}: {e}; fix the entry or {_HINT_TOML}") from None
        if not entries:
            raise HandlerMapError(
                f"{path}:{literal.line}: MAPPERS is empty, so no handler would run; "
                f"{_HINT_TOML}"
            )
        return literal, entries
    for name, line, message in scan.broken:
        if name == "MAPPERS":
            raise HandlerMapError(f"{path}:{line}: {message}; fix the file or {_HINT_TOML}")
    found: list[tuple[DictLiteral, list[Entry]]] = []
    for literal in scan.dicts:
        try:
            entries = DictParser(literal).parse()
        except LiteralError:
            continue
        if entries and all(_EVENT_TYPE.fullmatch(bare_type(e.key)) for e in entries):
            found.append((literal, entries))
    if len(found) == 1:
        return found[0]
    if found:
        names = ", ".join(f"{d.name} (line {d.line})" for d, _ in found)
        raise HandlerMapError(
            f"{path}: several dicts map event types to handlers: {names}; rename the one "
            f"Zenoss uses to MAPPERS, or {_HINT_TOML}"
        )
    raise HandlerMapError(f"{path}: no MAPPERS or event mapping dict found; {_HINT_TOML}")


def _takes_device_dmd(scan: _FileScan, handlers: Iterable[str | None]) -> bool:
    # 2014 handlers are handler(device, dmd, evt); from 2019 on, handler(evt).
    return any("dmd" in scan.params.get(h, ()) for h in handlers if h)


def _host_writers(
    scan: _FileScan, handlers: Iterable[str | None], mapping: str
) -> tuple[frozenset[str], frozenset[str]]:
    # The mapping dict names every handler; it is not a link in a call chain
    # (else process(), which reads it, would "write the host").
    writers = set(scan.direct_writers) - {mapping}
    grew = True
    while grew:
        grew = False
        for func, refs in scan.refs.items():
            if func != mapping and func not in writers and refs & writers:
                writers.add(func)
                grew = True
    defined = set(scan.params)  # functions; variables are only links in the chain
    writers &= defined
    # A handler imported from elsewhere: what the built-in maps know, if anything.
    foreign = {h for h in handlers if h and h not in defined}
    return (
        frozenset(writers | (foreign & KNOWN_WRITERS)),
        frozenset((defined - writers) | (foreign & KNOWN_NON_WRITERS)),
    )
