"""The recommended change: the map lines that put the host handler only on
the phase that carries the right final host, for each operation that needs it."""

from __future__ import annotations

from collections.abc import Sequence

from ..phases import Joins, Operation, Role, classify, operation_named
from .handlermap import HandlerMap, MapShape

__all__ = ["fixed_entries", "fixed_handlers", "recommended_change"]


def _keep(op: Operation) -> list[str]:
    """The event types whose host_name is the right final host: the phase
    that proves the move (`post.dest.end`, `finish_resize.end`,
    `rebuild.end`, `unshelve.end`) and, for a resize, `resize.revert.end`
    (the revert puts the VM back on the source, which sends it)."""
    return [op.proof_type, *([op.revert_type] if op.revert_type else [])]


def _base(op: Operation) -> list[str]:
    """The event types a fixed map lists: the operation's own steps, in table
    order, without rollbacks and the abort / force-complete calls."""
    out = []
    for s in op.steps:
        if s.joins is Joins.OPEN_OR_NEAR or Role.ROLLBACK in (s.start, s.end):
            continue
        out += [f"compute.instance.{s.legacy}" + (f".{e}" if e else "") for e in s.edges or ("",)]
    return out


def fixed_entries(hmap: HandlerMap, op: Operation) -> tuple[dict[str, str | None], list[str]] | None:
    """The operation's entries as they should be (None: mapped to no handler),
    and the entries that now write a host they should not; None when the map
    is already right for it.

    A host-writing handler on any other phase writes the source (`_post.*`,
    `resize.end`) or moves the VM before the operation is committed (`pre.*`,
    `resize.prep.*`); handlers that write no host (a summary) are kept.
    """
    mapped = {}
    for k, h in hmap.handlers.items():
        info = classify(k)
        if info is not None and info.operation is op:
            mapped[k] = h
    keep = _keep(op)

    def writes(h: str | None) -> bool:
        return h is not None and hmap.writes_host(h)

    elsewhere = [k for k, h in mapped.items() if k not in keep and writes(h)]
    if all(writes(mapped.get(k)) for k in keep) and not elsewhere:
        return None
    # the handler to put on the right phases: the one already there, else the
    # one on a final phase (`_post.end`), else any host writer of the operation
    final = [k for k in elsewhere if (i := classify(k)) is not None and i.is_final]
    donors = [k for k in keep if writes(mapped.get(k))] + final + elsewhere
    handler = (mapped.get(donors[0]) if donors else None) or "instance_update"
    keys = _base(op) + [k for k in keep if k not in _base(op)]
    keys += [k for k in mapped if k not in keys]
    fixed: dict[str, str | None] = {}
    for key in keys:
        old = mapped.get(key)
        if key in keep:
            fixed[key] = old if writes(old) else handler
        else:  # keep handlers that only set a summary; drop host writers
            fixed[key] = old if old and not hmap.writes_host(old) else None
    return fixed, elsewhere


def fixed_handlers(hmap: HandlerMap, operations: Sequence[str]) -> dict[str, str | None]:
    """The whole map with the change applied for `operations` (what the
    recommended change gives once pasted in)."""
    out = dict(hmap.handlers)
    for name in operations:
        got = fixed_entries(hmap, operation_named(name))
        if got is not None:
            out.update(got[0])
    return out


def recommended_change(hmap: HandlerMap, operations: Sequence[str] = ("live-migration",)) -> str | None:
    """The events.py (or TOML) lines that put the host handler on the right
    phase of each of `operations`, in the map's own shape, ready to replace
    their entries; one block per operation (each under a comment naming it
    when there are several). None when the map is already right for all."""
    blocks = []
    for name in operations:
        got = fixed_entries(hmap, operation_named(name))
        if got is not None:
            blocks.append((name, *got))
    if not blocks:
        return None
    out = []
    for name, fixed, elsewhere in blocks:
        text = _lines(hmap, fixed, elsewhere)
        if len(blocks) > 1:
            comment = "#" if hmap.shape is MapShape.TOML else "    #"
            text = f"{comment} {name}\n" + text
        out.append(text)
    return "".join(out)


def _lines(hmap: HandlerMap, fixed: dict[str, str | None], elsewhere: list[str]) -> str:
    if hmap.shape is MapShape.DICT_2X:
        return "".join(f"    'openstack|{k}': (instance_id, {h}),\n" for k, h in fixed.items())
    if hmap.shape is MapShape.MAPPERS_2014:
        return "".join(f"    '{k}': {h},\n" for k, h in fixed.items())
    if hmap.shape is MapShape.TOML:
        return "".join(f'"{k}" = "{h or ""}"\n' for k, h in fixed.items())
    # 3.x MAPPERS lists only handled types: drop the wrong entries, add the right one.
    lines = [f"    # remove: '{k}': {hmap.handlers[k]}," for k in elsewhere]
    lines += [f"    '{k}': {h}," for k, h in fixed.items() if h]
    return "\n".join(lines) + "\n"
