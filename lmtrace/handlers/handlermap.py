"""`HandlerMap`: which of the ZenPack's handlers runs for an event type, and
which handlers write the VM's host. The maps themselves come from
`builtin`, `tomlmap` and `eventspy`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

__all__ = ["PREFIXES", "HandlerMap", "MapShape", "bare_type"]

class MapShape(str, Enum):
    """The shape a handler map was written in."""

    MAPPERS_2014 = "mappers-2014"  # MAPPERS = {'TYPE': handler or None}, handlers(device, dmd, evt)
    DICT_2X = "osi-2.x-dict"  # MAPPERS = {'openstack|TYPE': (id_func, handler or None)}
    MAPPERS_3X = "mappers-3.x"  # MAPPERS = {'TYPE': handler}, handlers(evt), no None entries
    TOML = "toml"  # "TYPE" = "handler" ("" = no handler)

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True, kw_only=True)
class HandlerMap:
    """Event type -> handler name, and which handlers write the VM's host."""

    name: str  # "osi-2.x" or the file's name
    source: str  # "builtin" or the path given
    shape: MapShape
    # bare event type (no 'openstack|' / 'openstack-' prefix) -> handler name;
    # None = listed, but mapped to no handler
    handlers: Mapping[str, str | None]
    host_writers: frozenset[str] = field(default_factory=frozenset)
    non_writers: frozenset[str] = field(default_factory=frozenset)

    def handler_for(self, event_type: str) -> str | None:
        """The handler that runs for `event_type` (prefixed or bare), or None."""
        h = self.handlers.get(event_type)
        if h is None and event_type.startswith("openstack"):
            h = self.handlers.get(bare_type(event_type))
        return h

    def writes_host(self, handler: str) -> bool:
        """Whether `handler` writes the host; an unknown handler is assumed to."""
        return handler not in self.non_writers

    def is_assumed(self, handler: str) -> bool:
        """True when `writes_host(handler)` is an assumption (unknown handler)."""
        return handler not in self.host_writers and handler not in self.non_writers


PREFIXES = ("openstack|", "openstack-")  # eventClassKey: 2.x uses '|', 3.x+ '-'


def bare_type(event_type: str) -> str:
    for prefix in PREFIXES:
        if event_type.startswith(prefix):
            return event_type[len(prefix) :]
    return event_type

