"""What a report says about operations as a whole: how many of each kind,
and which of them the logs show needing a mapping change.

The change is recommended where the evidence supports it: a `stale` or
`missed` operation whose proving phase (`post.dest.end`, `finish_resize.end`,
`unshelve.end`, `resize.revert.end` for a reverted resize) was seen carrying
the right final host, unless the host Zenoss kept came from a context event
(no mapping change helps then).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .findings import MigrationReport, Verdict
from .handlers import HandlerMap
from .phases import LIVE_MIGRATION, OPERATIONS, Role, classify, operation_named
from .verdict import REFERS_TO_CHANGE

__all__ = ["change_evidence", "no_change", "operation_counts"]


def operation_counts(ms: Sequence[MigrationReport]) -> dict[str, int]:
    """Reported operations per kind, every kind in table order (zeros too)."""
    counts = {op.name: 0 for op in OPERATIONS}
    for m in ms:
        counts[m.operation] = counts.get(m.operation, 0) + 1
    return counts


def _shows_proof(m: MigrationReport) -> bool:
    for p in m.phases:
        ph = classify(p.event_type)
        if ph is None or p.host_name is None or p.host_name != m.expected_host:
            continue
        if ph.proves_move or (ph.role is Role.REVERT and ph.edge == "end"):
            return True
    return False


def _last_writer_is_context(m: MigrationReport) -> bool:
    writers = [f for f in m.handlers if f.writes_host and f.host is not None]
    return bool(writers) and writers[-1].context


def _acts_on(hmap: HandlerMap, op_name: str) -> bool:
    op = operation_named(op_name)
    types = op.legacy_types()
    return any((h := hmap.handler_for(t)) is not None and hmap.writes_host(h) for t in types)


def change_evidence(ms: Sequence[MigrationReport], hmap: HandlerMap) -> tuple[list[str], tuple[str, ...]]:
    """The summary's notes, and the operations (table order) the recommended
    change must cover."""
    evidence: dict[str, int] = {}
    # a stale operation whose destination side went unseen (zenopenstack logs
    # nothing for an unmapped post.dest.end) but whose last write is the
    # source's, by a handler the change moves: its recommendation refers to
    # the change, so the report must give it
    unseen: dict[str, int] = {}
    for m in ms:
        if m.verdict not in (Verdict.STALE, Verdict.MISSED) or _last_writer_is_context(m):
            continue
        if _shows_proof(m):
            evidence[m.operation] = evidence.get(m.operation, 0) + 1
        elif m.verdict is Verdict.STALE and REFERS_TO_CHANGE in (m.recommendation or ""):
            unseen[m.operation] = unseen.get(m.operation, 0) + 1
    notes = []
    ops = tuple(op.name for op in OPERATIONS if op.name in evidence or op.name in unseen)
    for name in ops:
        op = operation_named(name)
        acts = "acts on another phase" if _acts_on(hmap, name) else f"acts on no {op.label} phase"
        if name in evidence:
            notes.append(
                f"{evidence[name]} {op.noun}(s) show {op.proof_name} carrying the destination while "
                f"the handler map {hmap.name} {acts}"
            )
        if name in unseen:
            notes.append(
                f"{unseen[name]} {op.noun}(s) end with the handler map {hmap.name} writing the source, "
                f"and no {op.proof_name} seen (its destination side is not in the logs)"
            )
    return notes, ops


def no_change(operations: Mapping[str, int]) -> str:
    """What a report says when it recommends no mapping change, worded for
    the operations it holds (`operations`: counts per kind): a live
    migration's proof is post.dest.end, a resize's finish_resize.end, ..."""
    ops = [operation_named(n) for n, c in operations.items() if c] or [LIVE_MIGRATION]
    if len(ops) == 1:
        op = ops[0]
        return f"none: no stale or missed {op.noun} here shows {op.proof_name} carrying the destination"
    proofs = ", ".join(f"{op.proof_name} for a {op.noun}" for op in ops)
    return f"none: no stale or missed operation here shows its proving phase ({proofs}) carrying the destination"
