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

An events.py is Python 2, so it is read statically, never imported or run:
lmtrace.handlers.eventspy says how, with the grammar of the literal it reads.

The package, one module per thing: `handlermap` (the `HandlerMap` type),
`builtin` (the built-in maps), `tomlmap` (the TOML reader), `eventspy` and
`dictliteral` (the static events.py reader), `recommend` (the fix).
"""

from __future__ import annotations

import os
import stat

from ..errors import HandlerMapError
from .builtin import BUILTIN_MAPS, DEFAULT_MAP, builtin_map
from .eventspy import load_events_py
from .handlermap import HandlerMap, MapShape
from .recommend import fixed_handlers, recommended_change
from .tomlmap import load_toml

__all__ = [
    "BUILTIN_MAPS",
    "DEFAULT_MAP",
    "MAX_MAP_BYTES",
    "HandlerMap",
    "MapShape",
    "builtin_map",
    "fixed_handlers",
    "load_handler_map",
    "recommended_change",
]


def __dir__() -> list[str]:
    return __all__


#: a handler map is a few KiB (the largest events.py, 2024, is 30 KiB)
MAX_MAP_BYTES = 16 << 20


def _read_map(path: str) -> bytes:
    """The bytes of a handler map: a regular file of at most `MAX_MAP_BYTES`
    (a FIFO would block, /dev/zero would never end)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise HandlerMapError(f"{path}: no such file (the handler map given with --handler-map)") from None
    except OSError as e:
        raise HandlerMapError(f"{path}: cannot read: {e.strerror or e}") from None
    if stat.S_ISDIR(st.st_mode):
        raise HandlerMapError(f"{path}: is a directory, not a handler map")
    if not stat.S_ISREG(st.st_mode):
        raise HandlerMapError(
            f"{path}: not a regular file (a pipe, device or socket); save the handler map "
            "to a file and give its path"
        )
    too_big = HandlerMapError(
        f"{path}: larger than {MAX_MAP_BYTES >> 20} MiB: not a handler map; give the ZenPack's "
        "events.py or a TOML file of event_type = \"handler\""
    )
    if st.st_size > MAX_MAP_BYTES:
        raise too_big
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_MAP_BYTES + 1)
    except OSError as e:
        raise HandlerMapError(f"{path}: cannot read: {e.strerror or e}") from None
    if len(data) > MAX_MAP_BYTES:  # it grew since the stat
        raise too_big
    return data


def load_handler_map(path: str) -> HandlerMap:
    """Read a handler map from a ZenPack events.py (any shape) or a `.toml` file.

    The map replaces the built-in one; it is not merged with it. Raises
    `HandlerMapError` ("path:line: what was wrong; what to do") when the file
    cannot be read or holds no usable map, is not a regular file, or is
    larger than `MAX_MAP_BYTES`.
    """
    data = _read_map(path)
    if path.lower().endswith(".toml"):
        return load_toml(path, data)
    return load_events_py(path, data)
