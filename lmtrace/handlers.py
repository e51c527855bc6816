"""Handler maps: which of the ZenPack's event handlers runs for an event type.

The OpenStack Infrastructure ZenPack's events.py (the ZenPack's file, not
`lmtrace.events`) maps OpenStack event types to handlers that update the
Zenoss model. Every released 2.x ZenPack has::

    'openstack|compute.instance.live_migration.post.dest.end':  (instance_id, None),
    'openstack|compute.instance.live_migration._post.start':  (instance_id, None),
    'openstack|compute.instance.live_migration._post.end': (instance_id, instance_update),

`instance_update` calls `_apply_instance_traits`, which calls
`set_host_name` with the event's host_name trait, and host_name is the host
that *sent* the notification: `_post.end` comes from the source, so the
model gets the source host back. A `HandlerMap` holds such a map as
bare event type -> handler name (None: mapped to no handler) plus what is
known about which handlers write the host.

Maps come from three places: `builtin_map(name)` (`osi-2.x`, the default,
`osi-2.x-pr401`, `osi-3.x`), a ZenPack events.py in any historical shape, or
a TOML file::

    # event type = handler name; "" means mapped to no handler
    "compute.instance.live_migration.post.dest.end" = "instance_update"
    "compute.instance.live_migration._post.end" = ""

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

import ast
import io
import re
import sys
import tokenize
import warnings
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .errors import HandlerMapError

__all__ = [
    "BUILTIN_MAPS",
    "DEFAULT_MAP",
    "HandlerMap",
    "MapShape",
    "builtin_map",
    "load_handler_map",
    "recommended_change",
]


def __dir__() -> list[str]:
    return __all__


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
            h = self.handlers.get(_bare(event_type))
        return h

    def writes_host(self, handler: str) -> bool:
        """Whether `handler` writes the host; an unknown handler is assumed to."""
        return handler not in self.non_writers

    def is_assumed(self, handler: str) -> bool:
        """True when `writes_host(handler)` is an assumption (unknown handler)."""
        return handler not in self.host_writers and handler not in self.non_writers


# ---------------------------------------------------------------------------
# Built-in maps. Event types and handler names were read from the ZenPack's
# public history (github.com/zenoss/ZenPacks.zenoss.OpenStackInfrastructure),
# file ZenPacks/zenoss/OpenStackInfrastructure/events.py:
#
#   osi-2.x        tag 2.4.2, commit d19a2098e8c1ae4d20bf25dbe450003ceb3896d2 (the
#                  last 2.x release; its events.py, blob d99deef, is from commit
#                  5e61edac4cfca24363e2f6fa4a2ed7a24afaa513 and also ships in
#                  2.4.1). The live-migration entries and compute.instance.update
#                  are the same in every 2.x release: 2.0.0 (33b5755, blob
#                  a67624e), 2.1.x (b5ec3bf), 2.2.0-2.3.3 (0caccc1), 2.4.0
#                  (aeda7c1), 2.4.1-2.4.2 (d99deef).
#   osi-2.x-pr401  the same, with the change of PR #401 ("Fix live migration
#                  event mapper", for issue #389; never merged), commit
#                  d10ee52d9f0a7a89992215b123085891b7a2f85b, which made it on
#                  the 2.2.0-2.3.3 file: instance_update moves from _post.end
#                  to post.dest.end.
#   osi-3.x        tag 4.0.1, commit e99140d18b203e0dff73b8187a006ede4a6ac680
#                  (events.py from 717a262d5ac4fb9ebc82d60e36a0a70d5adf2f48, as
#                  in 3.0.1); 3.0.0 (5fe885d8bc9bbbbf92b03709b4a38aca01fdd3e1,
#                  events.py from 5a45199daafe4fefdafee9044d287764b80fdd1c) has
#                  the same MAPPERS.
#   (The bare-type MAPPERS of September 2014, e.g. commit
#   165eabdc9ffc048f69baaf01285c37e4fd191b39, was never released; it is read
#   from files but has no built-in map.)
#
# Host writers were checked in the same files: each of them calls
# `_apply_instance_traits` (whose trait map sends host_name to set_host_name);
# the non-writers do not (delete removes the component; the *.start power
# handlers and volume attach/detach only set a summary; the neutron and cinder
# handlers model other components).
# ---------------------------------------------------------------------------

_LM = "compute.instance.live_migration."
POST_DEST_END = _LM + "post.dest.end"
SOURCE_POST_END = _LM + "_post.end"
# In the order the 2.x ZenPack and the write-up list them.
_LEGACY_LM_PHASES = (
    "pre.start",
    "pre.end",
    "post.dest.start",
    "post.dest.end",
    "_post.start",
    "_post.end",
)


# Tag 2.4.2, MAPPERS: 'openstack|TYPE': (id_func, handler), prefix and id_func dropped.
_OSI_2X: dict[str, str | None] = {
    "compute.instance.create.start": "instance_create",
    "compute.instance.create.end": "instance_update",
    "compute.instance.create.error": "instance_update",
    "compute.instance.update": "instance_update_status",
    "compute.instance.delete.start": None,
    "compute.instance.delete.end": "instance_delete",
    "compute.instance.create_ip.start": None,
    "compute.instance.create_ip.end": None,
    "compute.instance.delete_ip.start": None,
    "compute.instance.delete_ip.end": None,
    "compute.instance.exists": None,
    "compute.instance.exists.verified.old": None,
    "compute.instance.live_migration.pre.start": None,
    "compute.instance.live_migration.pre.end": None,
    "compute.instance.live_migration.post.dest.start": None,
    "compute.instance.live_migration.post.dest.end": None,
    "compute.instance.live_migration._post.start": None,
    "compute.instance.live_migration._post.end": "instance_update",
    "compute.instance.power_off.start": "instance_powering_off",
    "compute.instance.power_off.end": "instance_powered_off",
    "compute.instance.power_on.start": "instance_powering_on",
    "compute.instance.power_on.end": "instance_powered_on",
    "compute.instance.reboot.start": "instance_rebooting",
    "compute.instance.reboot.end": "instance_rebooted",
    "compute.instance.shutdown.start": "instance_shutting_down",
    "compute.instance.shutdown.end": "instance_shut_down",
    "compute.instance.rebuild.start": "instance_rebuilding",
    "compute.instance.rebuild.end": "instance_rebuilt",
    "compute.instance.rescue.start": None,
    "compute.instance.rescue.end": "instance_rescue",
    "compute.instance.unrescue.start": None,
    "compute.instance.unrescue.end": "instance_unrescue",
    "compute.instance.finish_resize.start": None,
    "compute.instance.finish_resize.end": "instance_update",
    "compute.instance.resize.start": None,
    "compute.instance.resize.confirm.start": None,
    "compute.instance.resize.confirm.end": None,
    "compute.instance.resize.prep.end": None,
    "compute.instance.resize.prep.start": None,
    "compute.instance.resize.revert.end": "instance_update",
    "compute.instance.resize.revert.start": None,
    "compute.instance.resize.end": "instance_update",
    "compute.instance.snapshot.end": None,
    "compute.instance.snapshot.start": None,
    "compute.instance.suspend": "instance_suspended",
    "compute.instance.resume": "instance_resumed",
    "compute.instance.volume.attach": "instance_volume_attach",
    "compute.instance.volume.detach": "instance_volume_detach",
    "dhcp_agent.network.add": None,
    "dhcp_agent.network.remove": None,
    "firewall.create.start": None,
    "firewall.create.end": None,
    "firewall.update.start": None,
    "firewall.update.end": None,
    "firewall.delete.start": None,
    "firewall.delete.end": None,
    "firewall_policy.create.start": None,
    "firewall_policy.create.end": None,
    "firewall_policy.update.start": None,
    "firewall_policy.update.end": None,
    "firewall_policy.delete.start": None,
    "firewall_policy.delete.end": None,
    "firewall_rule.create.start": None,
    "firewall_rule.create.end": None,
    "firewall_rule.update.start": None,
    "firewall_rule.update.end": None,
    "firewall_rule.delete.start": None,
    "firewall_rule.delete.end": None,
    "floatingip.create.start": "floatingip_create_start",
    "floatingip.create.end": "floatingip_update",
    "floatingip.update.start": "floatingip_update",
    "floatingip.update.end": "floatingip_update",
    "floatingip.delete.start": "floatingip_delete_start",
    "floatingip.delete.end": "floatingip_delete_end",
    "network.create.start": "network_create_start",
    "network.create.end": "network_update",
    "network.update.start": "network_update_start",
    "network.update.end": "network_update",
    "network.delete.start": "network_delete_start",
    "network.delete.end": "network_delete_end",
    "port.create.start": "port_create_start",
    "port.create.end": "port_update",
    "port.update.start": "port_update_start",
    "port.update.end": "port_update",
    "port.delete.start": "port_delete_start",
    "port.delete.end": "port_delete_end",
    "router.create.start": "router_create_start",
    "router.create.end": "router_update",
    "router.update.start": "router_update_start",
    "router.update.end": "router_update",
    "router.delete.start": "router_delete_start",
    "router.delete.end": "router_delete_end",
    "router.interface.create": None,
    "router.interface.update": None,
    "router.interface.delete": None,
    "security_group.create.start": None,
    "security_group.create.end": None,
    "security_group.update.start": None,
    "security_group.update.end": None,
    "security_group.delete.start": None,
    "security_group.delete.end": None,
    "security_group_rule.create.start": None,
    "security_group_rule.create.end": None,
    "security_group_rule.update.start": None,
    "security_group_rule.update.end": None,
    "security_group_rule.delete.start": None,
    "security_group_rule.delete.end": None,
    "subnet.create.start": "subnet_create_start",
    "subnet.create.end": "subnet_update",
    "subnet.update.start": "subnet_update_start",
    "subnet.update.end": "subnet_update",
    "subnet.delete.start": "subnet_delete_start",
    "subnet.delete.end": "subnet_delete_end",
    "volume.create.start": "volume_create_start",
    "volume.create.end": "volume_update",
    "volume.update.start": "volume_update_start",
    "volume.update.end": "volume_update",
    "volume.delete.start": "volume_delete_start",
    "volume.delete.end": "volume_delete_end",
    "volume.attach.start": "volume_attach_start",
    "volume.attach.end": "volume_update",
    "volume.detach.start": "volume_detach_start",
    "volume.detach.end": "volume_update",
    "snapshot.create.start": "volsnapshot_create_start",
    "snapshot.create.end": "volsnapshot_update",
    "snapshot.delete.start": "volsnapshot_delete_start",
    "snapshot.delete.end": "volsnapshot_delete_end",
}
# Tags 3.0.0 through 4.0.1, MAPPERS: 'TYPE': handler.
_OSI_3X: dict[str, str | None] = {
    "compute.instance.create.start": "instance_create",
    "compute.instance.create.end": "instance_update",
    "compute.instance.create.error": "instance_update",
    "compute.instance.update": "instance_update_status",
    "compute.instance.delete.end": "instance_delete",
    "compute.instance.live_migration._post.end": "instance_update",
    "compute.instance.power_off.end": "instance_powered_off",
    "compute.instance.power_on.end": "instance_powered_on",
    "compute.instance.reboot.start": "instance_rebooting",
    "compute.instance.reboot.end": "instance_rebooted",
    "compute.instance.shutdown.start": "instance_shutting_down",
    "compute.instance.shutdown.end": "instance_shut_down",
    "compute.instance.rebuild.start": "instance_rebuilding",
    "compute.instance.rebuild.end": "instance_rebuilt",
    "compute.instance.rescue.end": "instance_rescue",
    "compute.instance.unrescue.end": "instance_unrescue",
    "compute.instance.finish_resize.end": "instance_update",
    "compute.instance.resize.revert.end": "instance_update",
    "compute.instance.resize.end": "instance_update",
    "compute.instance.suspend": "instance_suspended",
    "compute.instance.resume": "instance_resumed",
    "floatingip.create.end": "floatingip_create",
    "floatingip.update.start": "floatingip_update",
    "floatingip.update.end": "floatingip_update",
    "floatingip.delete.end": "floatingip_delete_end",
    "network.create.end": "network_create",
    "network.update.end": "network_update",
    "network.delete.end": "network_delete_end",
    "port.create.end": "port_create",
    "port.update.end": "port_update",
    "port.delete.end": "port_delete_end",
    "router.create.end": "router_create",
    "router.update.end": "router_update",
    "router.delete.end": "router_delete_end",
    "subnet.create.end": "subnet_create",
    "subnet.update.end": "subnet_update",
    "subnet.delete.end": "subnet_delete_end",
    "volume.create.end": "volume_create",
    "volume.update.end": "volume_update",
    "volume.delete.end": "volume_delete_end",
    "volume.attach.end": "volume_update",
    "volume.detach.end": "volume_update",
    "snapshot.create.end": "volsnapshot_create",
    "snapshot.delete.end": "volsnapshot_delete_end",
}
# The same fifteen instance handlers write the host in 2.x and 3.x.
_INSTANCE_WRITERS = frozenset(
    ["instance_create", "instance_powered_off", "instance_powered_on", "instance_rebooted", "instance_rebooting", "instance_rebuilding", "instance_rebuilt", "instance_rescue", "instance_resumed", "instance_shut_down", "instance_shutting_down", "instance_suspended", "instance_unrescue", "instance_update", "instance_update_status"]
)
_OSI_2X_NON_WRITERS = frozenset(
    ["floatingip_create_start", "floatingip_delete_end", "floatingip_delete_start", "floatingip_update", "instance_delete", "instance_powering_off", "instance_powering_on", "instance_volume_attach", "instance_volume_detach", "network_create_start", "network_delete_end", "network_delete_start", "network_update", "network_update_start", "port_create_start", "port_delete_end", "port_delete_start", "port_update", "port_update_start", "router_create_start", "router_delete_end", "router_delete_start", "router_update", "router_update_start", "subnet_create_start", "subnet_delete_end", "subnet_delete_start", "subnet_update", "subnet_update_start", "volsnapshot_create_start", "volsnapshot_delete_end", "volsnapshot_delete_start", "volsnapshot_update", "volume_attach_start", "volume_create_start", "volume_delete_end", "volume_delete_start", "volume_detach_start", "volume_update", "volume_update_start"]
)
_OSI_3X_NON_WRITERS = frozenset(
    ["floatingip_create", "floatingip_delete_end", "floatingip_update", "instance_delete", "network_create", "network_delete_end", "network_update", "port_create", "port_delete_end", "port_update", "router_create", "router_delete_end", "router_update", "subnet_create", "subnet_delete_end", "subnet_update", "volsnapshot_create", "volsnapshot_delete_end", "volume_create", "volume_delete_end", "volume_update"]
)

_OSI_2X_PR401 = {
    **_OSI_2X,
    POST_DEST_END: "instance_update",  # the write-up's fix: the destination's event
    SOURCE_POST_END: None,
}
_KNOWN_WRITERS = _INSTANCE_WRITERS
_KNOWN_NON_WRITERS = _OSI_2X_NON_WRITERS | _OSI_3X_NON_WRITERS


def _builtin(
    name: str, shape: MapShape, handlers: dict[str, str | None], non: frozenset[str]
) -> HandlerMap:
    return HandlerMap(
        name=name,
        source="builtin",
        shape=shape,
        handlers=MappingProxyType(handlers),
        host_writers=_INSTANCE_WRITERS,
        non_writers=non,
    )


DEFAULT_MAP = "osi-2.x"
BUILTIN_MAPS: Mapping[str, HandlerMap] = MappingProxyType(
    {
        "osi-2.x": _builtin("osi-2.x", MapShape.DICT_2X, _OSI_2X, _OSI_2X_NON_WRITERS),
        "osi-2.x-pr401": _builtin(
            "osi-2.x-pr401", MapShape.DICT_2X, _OSI_2X_PR401, _OSI_2X_NON_WRITERS
        ),
        "osi-3.x": _builtin("osi-3.x", MapShape.MAPPERS_3X, _OSI_3X, _OSI_3X_NON_WRITERS),
    }
)


def builtin_map(name: str) -> HandlerMap:
    """The built-in map `name` (`osi-2.x`, the default, `osi-2.x-pr401`, `osi-3.x`)."""
    try:
        return BUILTIN_MAPS[name.strip().lower()]
    except KeyError:
        raise HandlerMapError(
            f"{name!r}: no such built-in handler map; use one of {', '.join(BUILTIN_MAPS)}, "
            "or give a ZenPack events.py or TOML map"
        ) from None


# ---------------------------------------------------------------------------
# Reading a map from a file
# ---------------------------------------------------------------------------

_PREFIXES = ("openstack|", "openstack-")  # eventClassKey: 2.x uses '|', 3.x+ '-'
_EVENT_TYPE = re.compile(r"[A-Za-z_][\w-]*(?:\.[\w-]+)+")
_HINT_TOML = 'give a TOML map instead ("event.type" = "handler", one per line)'


def _bare(event_type: str) -> str:
    for prefix in _PREFIXES:
        if event_type.startswith(prefix):
            return event_type[len(prefix) :]
    return event_type


def load_handler_map(path: str) -> HandlerMap:
    """Read a handler map from a ZenPack events.py (any shape) or a `.toml` file.

    The map replaces the built-in one; it is not merged with it. Raises
    `HandlerMapError` ("path:line: what was wrong; what to do") when the file
    cannot be read or holds no usable map.
    """
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise HandlerMapError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise HandlerMapError(f"{path}: is a directory, not a handler map") from None
    except OSError as e:
        raise HandlerMapError(f"{path}: cannot read: {e.strerror or e}") from None
    if path.lower().endswith(".toml"):
        return _load_toml(path, data)
    return _load_events_py(path, data)


# -- TOML --------------------------------------------------------------------


def _load_toml(path: str, data: bytes) -> HandlerMap:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise HandlerMapError(
            f"{path}: not UTF-8 text ({e.reason}); save the TOML map as UTF-8"
        ) from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        msg = str(e)
        m = re.search(r"\s*\(at line (\d+), column \d+\)$", msg)
        where = f"{path}:{m.group(1)}" if m else path
        reason = msg[: m.start()] if m else msg
        raise HandlerMapError(
            f'{where}: not valid TOML: {reason}; write one "event.type" = "handler" per line'
        ) from None
    handlers: dict[str, str | None] = {}
    for key, value in _flatten(doc):
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
        handlers[_bare(key)] = handler or None
    if not handlers:
        raise HandlerMapError(
            f'{path}: no event types in this TOML map; write one "event.type" = "handler" per line'
        )
    return HandlerMap(
        name=Path(path).name,
        source=path,
        shape=MapShape.TOML,
        handlers=MappingProxyType(handlers),
        host_writers=_KNOWN_WRITERS,
        non_writers=_KNOWN_NON_WRITERS,
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


# -- events.py ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Segment:
    """Tokens of one stretch that `tokenize` read without error."""

    tokens: list[tokenize.TokenInfo]
    error: str | None  # why tokenizing stopped, None at end of file
    error_line: int


@dataclass(slots=True)
class _DictLiteral:
    name: str
    line: int
    tokens: list[tokenize.TokenInfo]


@dataclass(slots=True)
class _FileScan:
    dicts: list[_DictLiteral] = field(default_factory=list)
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
_SKIP = {tokenize.COMMENT, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING}


def _scan_segment(segment: _Segment, scan: _FileScan) -> None:
    toks = [t for t in segment.tokens if t.type not in _SKIP]
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
                        literal = _DictLiteral(tok.string, tok.start[0], toks[i + 2 : end + 1])
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


@dataclass(frozen=True, slots=True)
class _Entry:
    key: str  # as written, prefix included
    handler: str | None
    is_tuple: bool  # written as (id_func, handler)
    line: int


class _LiteralError(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


class _DictParser:
    """Recursive descent over the tokens of one dict literal (grammar: module doc)."""

    def __init__(self, literal: _DictLiteral) -> None:
        self.name = literal.name
        self.toks = [t for t in literal.tokens if t.type not in _SKIP | {tokenize.NEWLINE}]
        self.pos = 0

    def _peek(self) -> tokenize.TokenInfo:
        return self.toks[self.pos]  # the closing brace is always there

    def _next(self) -> tokenize.TokenInfo:
        tok = self.toks[self.pos]
        self.pos += 1
        return tok

    def parse(self) -> list[_Entry]:
        """dict := "{" (entry ("," entry)* ","?)? "}" """
        self._next()  # "{", guaranteed by the scanner
        entries: list[_Entry] = []
        while self._peek().string != "}":
            entries.append(self._entry())
            tok = self._peek()
            if tok.string == ",":
                self._next()
            elif tok.string != "}":
                raise _LiteralError(
                    tok.start[0],
                    f"expected ',' or '}}' after the entry for {entries[-1].key!r} in {self.name}, "
                    f"found {tok.string!r}",
                )
        return entries

    def _entry(self) -> _Entry:
        """entry := key ":" value"""
        key, line = self._key()
        tok = self._next()
        if tok.string != ":":
            raise _LiteralError(
                tok.start[0], f"expected ':' after {key!r} in {self.name}, found {tok.string!r}"
            )
        handler, is_tuple = self._value(key)
        return _Entry(key, handler, is_tuple, line)

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
                raise _LiteralError(
                    tok.start[0], f"key {tok.string} in {self.name} is not a text string"
                )
            parts.append(value)
        if not parts:
            raise _LiteralError(
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
        if tok.type != tokenize.NAME or tok.string in _KEYWORDS:
            raise _LiteralError(
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
            raise _LiteralError(
                tok.start[0],
                f"{key!r} in {self.name} maps to a tuple that is not (id_func, handler): "
                f"expected {text!r}, found {tok.string!r}",
            )


_KEYWORDS = frozenset(
    ["and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif", "else", "except", "exec", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "print", "raise", "return", "try", "while", "with", "yield", "True", "False"]
)


def _load_events_py(path: str, data: bytes) -> HandlerMap:
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
        handlers[_bare(e.key)] = e.handler  # a repeated key: the last one wins, as in Python
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


def _choose(path: str, scan: _FileScan) -> tuple[_DictLiteral, list[_Entry]]:
    """The mapping dict: the last top-level MAPPERS, else the one that looks like one."""
    mappers = [d for d in scan.dicts if d.name == "MAPPERS"]
    if mappers:
        literal = mappers[-1]  # a later assignment replaces an earlier one
        try:
            entries = _DictParser(literal).parse()
        except _LiteralError as e:
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
    found: list[tuple[_DictLiteral, list[_Entry]]] = []
    for literal in scan.dicts:
        try:
            entries = _DictParser(literal).parse()
        except _LiteralError:
            continue
        if entries and all(_EVENT_TYPE.fullmatch(_bare(e.key)) for e in entries):
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
        frozenset(writers | (foreign & _KNOWN_WRITERS)),
        frozenset((defined - writers) | (foreign & _KNOWN_NON_WRITERS)),
    )


# ---------------------------------------------------------------------------
# The fix
# ---------------------------------------------------------------------------


def recommended_change(hmap: HandlerMap) -> str | None:
    """The events.py (or TOML) lines that put the host handler on `post.dest.end`.

    `post.dest.end` is sent by the destination once the instance record
    points at it; a host-writing handler on any other live-migration phase
    writes the source (`_post.*`) or moves the VM before the migration is
    committed (`pre.*`). The lines are in the map's own shape, ready to
    replace the live-migration entries; None when the map already has a
    host-writing handler on `post.dest.end` and on no other phase.
    """
    mapped = {k: h for k, h in hmap.handlers.items() if k.startswith(_LM)}
    elsewhere = [k for k, h in mapped.items() if k != POST_DEST_END and h and hmap.writes_host(h)]
    dest = mapped.get(POST_DEST_END)
    if dest and hmap.writes_host(dest) and not elsewhere:
        return None
    if dest and hmap.writes_host(dest):
        handler = dest
    elif SOURCE_POST_END in elsewhere:
        handler = mapped[SOURCE_POST_END] or "instance_update"
    elif elsewhere:
        handler = mapped[elsewhere[0]] or "instance_update"
    else:
        handler = "instance_update"
    keys = [_LM + p for p in _LEGACY_LM_PHASES]
    keys += [k for k in mapped if k not in keys]
    fixed: dict[str, str | None] = {}
    for key in keys:
        old = mapped.get(key)
        if key == POST_DEST_END:
            fixed[key] = handler
        else:  # keep handlers that only set a summary; drop host writers
            fixed[key] = old if old and not hmap.writes_host(old) else None
    if hmap.shape is MapShape.DICT_2X:
        return "".join(f"    'openstack|{k}': (instance_id, {h}),\n" for k, h in fixed.items())
    if hmap.shape is MapShape.MAPPERS_2014:
        return "".join(f"    '{k}': {h},\n" for k, h in fixed.items())
    if hmap.shape is MapShape.TOML:
        return "".join(f'"{k}" = "{h or ""}"\n' for k, h in fixed.items())
    # 3.x MAPPERS lists only handled types: drop the wrong entries, add the right one.
    lines = [f"    # remove: '{k}': {mapped[k]}," for k in elsewhere]
    lines += [f"    '{k}': {h}," for k, h in fixed.items() if h]
    return "\n".join(lines) + "\n"
