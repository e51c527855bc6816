"""The built-in handler maps (`--zenpack NAME`), read from the ZenPack's history."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ..errors import HandlerMapError
from .handlermap import HandlerMap, MapShape

__all__ = [
    "BUILTIN_MAPS",
    "DEFAULT_MAP",
    "KNOWN_NON_WRITERS",
    "KNOWN_WRITERS",
    "LEGACY_LM_PHASES",
    "LM",
    "POST_DEST_END",
    "SOURCE_POST_END",
    "builtin_map",
]

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

LM = "compute.instance.live_migration."
POST_DEST_END = LM + "post.dest.end"
SOURCE_POST_END = LM + "_post.end"
# In the order the 2.x ZenPack and the write-up list them.
LEGACY_LM_PHASES = (
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
KNOWN_WRITERS = _INSTANCE_WRITERS
KNOWN_NON_WRITERS = _OSI_2X_NON_WRITERS | _OSI_3X_NON_WRITERS


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
