"""The recommended change: the map lines that put the host handler on `post.dest.end`."""

from __future__ import annotations

from .builtin import LEGACY_LM_PHASES, LM, POST_DEST_END, SOURCE_POST_END
from .handlermap import HandlerMap, MapShape

__all__ = ["recommended_change"]


def recommended_change(hmap: HandlerMap) -> str | None:
    """The events.py (or TOML) lines that put the host handler on `post.dest.end`.

    `post.dest.end` is sent by the destination once the instance record
    points at it; a host-writing handler on any other live-migration phase
    writes the source (`_post.*`) or moves the VM before the migration is
    committed (`pre.*`). The lines are in the map's own shape, ready to
    replace the live-migration entries; None when the map already has a
    host-writing handler on `post.dest.end` and on no other phase.
    """
    mapped = {k: h for k, h in hmap.handlers.items() if k.startswith(LM)}
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
    keys = [LM + p for p in LEGACY_LM_PHASES]
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
