"""Reading a handler map from a TOML file::

    # event type = handler name; "" means mapped to no handler
    "compute.instance.live_migration.post.dest.end" = "instance_update"
    "compute.instance.live_migration._post.end" = ""
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ..errors import HandlerMapError
from .builtin import KNOWN_NON_WRITERS, KNOWN_WRITERS
from .handlermap import HandlerMap, MapShape, bare_type

__all__ = ["load_toml"]


def load_toml(path: str, data: bytes) -> HandlerMap:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    try:
        text = data.decode("utf-8-sig")  # a BOM (Windows editors write one) is no error
    except UnicodeDecodeError as e:
        raise HandlerMapError(
            f"{path}: not UTF-8 text ({e.reason}); save the TOML map as UTF-8"
        ) from None
    too_deep = HandlerMapError(
        f'{path}: tables or arrays nested too deeply for a handler map; write one "event.type" = '
        '"handler" per line'
    )
    try:
        doc = tomllib.loads(text)
    except RecursionError:
        raise too_deep from None
    except tomllib.TOMLDecodeError as e:
        msg = str(e)
        m = re.search(r"\s*\(at line (\d+), column \d+\)$", msg)
        where = f"{path}:{m.group(1)}" if m else path
        reason = msg[: m.start()] if m else msg
        raise HandlerMapError(
            f'{where}: not valid TOML: {reason}; write one "event.type" = "handler" per line'
        ) from None
    handlers: dict[str, str | None] = {}
    try:
        entries = list(_flatten(doc))
    except RecursionError:
        raise too_deep from None
    for key, value in entries:
        if not isinstance(value, str):
            raise HandlerMapError(
                f"{_toml_where(path, text, key)}: {key!r} maps to {type(value).__name__} "
                f"{value!r}; write a handler name in quotes, or \"\" for no handler"
            )
        handler = value.strip()
        if handler and not _is_dotted_name(handler):
            raise HandlerMapError(
                f"{_toml_where(path, text, key)}: {key!r} maps to {value!r}, not a handler "
                "name; write a Python function name such as \"instance_update\""
            )
        handlers[bare_type(key)] = handler or None
    if not handlers:
        raise HandlerMapError(
            f'{path}: no event types in this TOML map; write one "event.type" = "handler" per line'
        )
    return HandlerMap(
        name=Path(path).name,
        source=path,
        shape=MapShape.TOML,
        handlers=MappingProxyType(handlers),
        host_writers=KNOWN_WRITERS,
        non_writers=KNOWN_NON_WRITERS,
    )


def _flatten(doc: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    # An unquoted dotted key (compute.instance.update = "…") is a nested table
    # in TOML; joining the parts back gives the event type the user meant.
    for key, value in doc.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from _flatten(value, full + ".")
        else:
            yield full, value


def _toml_where(path: str, text: str, key: str) -> str:
    """`path:line` of the line that sets `key`, as near as the text shows it."""
    heads = [line.split("=", 1)[0].strip() for line in text.splitlines()]
    last = key.rsplit(".", 1)[-1]
    for test in (lambda h: key in h, lambda h: h.strip("'\"").endswith(last)):
        for lineno, head in enumerate(heads, 1):
            if head and test(head):
                return f"{path}:{lineno}"
    return path  # pragma: no cover - tomllib read the key from some line


def _is_dotted_name(text: str) -> bool:
    return all(part.isidentifier() for part in text.split("."))
