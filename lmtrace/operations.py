"""What a report says about operations as a whole: how many of each kind,
and which of them the logs show needing a mapping change.

The change is recommended where the evidence supports it: a `stale` or
`missed` operation whose proving phase (`post.dest.end`, `finish_resize.end`,
`unshelve.end`, `resize.revert.end` for a reverted resize) was seen carrying
the right final host, unless the host Zenoss kept came from a context event
(no mapping change helps then).
"""

from __future__ import annotations

from collections.abc import Sequence

from .findings import MigrationReport, Verdict
from .handlers import HandlerMap
from .phases import OPERATIONS, Role, classify, operation_named

__all__ = ["change_evidence", "operation_counts"]


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
    for m in ms:
        if (
            m.verdict in (Verdict.STALE, Verdict.MISSED)
            and _shows_proof(m)
            and not _last_writer_is_context(m)
        ):
            evidence[m.operation] = evidence.get(m.operation, 0) + 1
    notes = []
    ops = tuple(op.name for op in OPERATIONS if op.name in evidence)
    for name in ops:
        op = operation_named(name)
        acts = "acts on another phase" if _acts_on(hmap, name) else f"acts on no {op.label} phase"
        notes.append(
            f"{evidence[name]} {op.noun}(s) show {op.proof_name} carrying the destination while "
            f"the handler map {hmap.name} {acts}"
        )
    return notes, ops
