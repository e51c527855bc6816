"""The other operations that move a VM: resize (cold migration), evacuate, unshelve.

Which host sends each notification (nova/compute/manager.py, domain.md "Other operations"):
prep_resize on the destination; resize_instance on the source, which sets instance.host to the
destination, casts finish_resize and then sends `resize.end`; _finish_resize on the destination
(a cast: `resize.end` and `finish_resize.end` arrive in either order, a few hundred ms apart);
confirm and revert are later API calls with their own request id, on the source. Evacuate:
nova-api sends `compute.instance.evacuate` (its host is the API node), the new host rebuilds.
Unshelve: shelve_offload on the old host, later unshelve on the host the scheduler chose.

`expect_operation` is the ground truth, written from those facts and the rules of domain.md
("Other operations (the same rules, generalised)"), independently of lmtrace's code.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Protocol

from .spec import UPDATE


class _Ev(Protocol):
    etype: str
    gen: int
    host: str
    kind: str
    status: str
    rcv: int
    zline: int | None


#: add(event type, time (UTC us), host, kind, state description, request id or True for the
#: operation's own)
Add = Callable[[str, int, str, str, str, "str | bool | None"], object]

__all__ = ["API_NODE", "CI", "OP_SCENARIOS", "expect_operation", "operation_of", "operation_of_type",
           "plan_operation", "side_of"]

CI = "compute.instance."
#: the nova-api host that sends `compute.instance.evacuate`
API_NODE = "ndc27-ctl01"

#: scenario -> operation
OP_SCENARIOS = {
    "resize-stale": "resize",  # resize.end (source) arrives after finish_resize.end
    "resize-ok": "resize",  # finish_resize.end (destination) arrives last
    "resize-reverted": "resize",  # then reverted: back on the source, the right final host
    "evacuate-ok": "evacuate",  # evacuate (API node), rebuild.* on the new host
    "unshelve-missed": "unshelve",  # shelve_offload on the old host, unshelve on the new one
}

# the event types of each operation, short names as phases (`resize.end`) -> side
_SIDES = {
    "resize": {"resize.prep.start": "destination", "resize.prep.end": "destination",
               "resize.start": "source", "resize.end": "source",
               "finish_resize.start": "destination", "finish_resize.end": "destination",
               "resize.confirm.start": "source", "resize.confirm.end": "source",
               "resize.revert.start": "source", "resize.revert.end": "source"},
    "evacuate": {"evacuate": "neither", "rebuild.start": "destination",
                 "rebuild.end": "destination"},
    "unshelve": {"shelve_offload.start": "source", "shelve_offload.end": "source",
                 "unshelve.start": "destination", "unshelve.end": "destination"},
}
_FINAL = {"resize": ("finish_resize.end", "resize.revert.end"), "evacuate": ("rebuild.end",),
          "unshelve": ("unshelve.end",)}


def operation_of(scenario: str) -> str:
    return OP_SCENARIOS.get(scenario, "live-migration")


def _ms(rng: random.Random, lo: float, hi: float) -> int:
    return int(rng.uniform(lo, hi) * 1000)


def plan_operation(rng: random.Random, sc: str, src: str, dst: str, t0: int, a: Add,
                   new_req: Callable[[], str]) -> str | None:
    """Add the events of scenario `sc`'s operation from t0 (UTC us) with `a`; `new_req()` makes
    the request id of a separate API call (confirm, revert, shelve_offload), which is returned."""
    call_req = None
    # the instance's host before the operation, as a compute.instance.update shows it
    a(UPDATE, t0 - _ms(rng, 20_000, 40_000), src, "context", "", None)
    if sc.startswith("resize"):
        a(CI + "resize.prep.start", t0, dst, "phase", "resize_prep", True)
        t = t0 + _ms(rng, 200, 800)
        a(CI + "resize.prep.end", t, dst, "phase", "resize_prep", True)
        t += _ms(rng, 300, 900)
        a(CI + "resize.start", t, src, "phase", "resize_migrating", True)
        t += _ms(rng, 5_000, 20_000)  # disk copied; instance.host = destination; finish_resize cast
        t_end = t
        t_fs = t + _ms(rng, 20, 80)
        t_fe = t_fs + _ms(rng, 300, 600)
        if sc == "resize-stale":
            # resize.end sent after finish_resize.end (the source was slow to notify)
            t_end = t_fe + _ms(rng, 150, 400)
        a(CI + "resize.end", t_end, src, "phase", "resize_migrated", True)
        a(CI + "finish_resize.start", t_fs, dst, "phase", "resize_finish", True)
        a(CI + "finish_resize.end", t_fe, dst, "phase", "", True)
        t = max(t_end, t_fe) + _ms(rng, 60_000, 120_000)
        step = "revert" if sc == "resize-reverted" else "confirm"
        req = call_req = new_req()
        a(CI + f"resize.{step}.start", t, src, "phase", f"resize_{step}ing", req)
        t += _ms(rng, 300, 2_000)
        a(CI + f"resize.{step}.end", t, src, "phase", "", req)
    elif sc == "evacuate-ok":
        a(CI + "evacuate", t0, API_NODE, "phase", "rebuilding", True)
        t = t0 + _ms(rng, 500, 2_000)
        a(CI + "rebuild.start", t, dst, "phase", "rebuilding", True)
        t += _ms(rng, 5_000, 30_000)
        a(CI + "rebuild.end", t, dst, "phase", "", True)
    elif sc == "unshelve-missed":
        req = call_req = new_req()
        a(CI + "shelve_offload.start", t0, src, "phase", "shelving_offloading", req)
        t = t0 + _ms(rng, 1_000, 3_000)
        a(CI + "shelve_offload.end", t, src, "phase", "", req)
        t += _ms(rng, 90_000, 140_000)  # shelved a while, then unshelved elsewhere
        a(CI + "unshelve.start", t, dst, "phase", "unshelving", True)
        t += _ms(rng, 5_000, 20_000)
        a(CI + "unshelve.end", t, dst, "phase", "", True)
    else:  # pragma: no cover - the caller checks the scenario
        raise ValueError(f"not an operation scenario: {sc}")
    return call_req


def expect_operation(sc: str, src: str, dst: str, events: Sequence[_Ev],
                     hmap: dict[str, str]) -> dict[str, object]:
    """The ground truth of an operation under `hmap` (a well-covered log: every phase queued)."""
    op = operation_of(sc)
    phases = [e for e in events if e.kind == "phase"]
    names = {e.etype[len(CI):] for e in phases}
    right: str | None
    if "resize.revert.end" in names:
        outcome, right = "reverted", src
    elif any(f in names for f in _FINAL[op]):
        outcome, right = "completed", dst
    else:
        outcome, right = "incomplete", None
    first = min(e.gen for e in phases)
    last = max(e.gen for e in phases)
    firings = [e for e in phases if e.status == "queued" and e.etype in hmap]
    firings += [e for e in events if e.kind == "context" and e.status == "queued"
                and e.etype in hmap and first <= e.gen <= last + 60_000_000]
    firings.sort(key=lambda e: (e.rcv, e.zline or 0))
    if outcome == "incomplete" or right is None:
        verdict = "incomplete"
    elif not firings:
        verdict = "missed"
    elif firings[-1].host != right:
        verdict = "stale"
    else:
        verdict = "ok"
    return {
        "outcome": outcome,
        "verdict": verdict,
        "expected_host": right,
        "handlers": [{"event_type": e.etype, "handler": hmap[e.etype], "host": e.host,
                      "context": e.kind == "context"} for e in firings],
        "lost_phases": [],
        "corrected_by": None,
        "order_sensitive": len(firings) >= 2 and firings[-1].rcv - firings[-2].rcv < 1_000_000,
    }


def side_of(etype: str) -> str | None:
    short = etype[len(CI):] if etype.startswith(CI) else etype
    for sides in _SIDES.values():
        if short in sides:
            return sides[short]
    return None


def operation_of_type(etype: str) -> str | None:
    """The operation (other than a live migration) an event type belongs to."""
    short = etype[len(CI):] if etype.startswith(CI) else etype
    return next((op for op, sides in _SIDES.items() if short in sides), None)
