"""Planning: instances, migrations and their events (times in integer microseconds since the epoch, UTC),
and the ground truth of each migration (domain.md "Verdict rules", for the generator's own well-covered logs).
"""

from __future__ import annotations

import random
import time

from .ops import OP_SCENARIOS, expect_operation, operation_of, plan_operation
from .spec import (
    ABORT_END,
    ABORT_START,
    DEST_SIDE,
    LM,
    UPDATE,
    ZEN_DEVICE,
    ZEN_KEYS,
    ZEN_STR_KEYS,
    MigrationSpec,
)

__all__ = ["Ev", "Instance", "Migration", "expect", "iso", "ms", "new_uuid", "plan_migration"]


def new_uuid(rng: random.Random) -> str:
    h = "%032x" % rng.getrandbits(128)
    # uuid4 shape: version nibble 4, variant 8-b
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:32]}"


class Instance:
    __slots__ = ("iid", "name", "tenant", "user", "launched", "mac", "ip", "coll_tpl",
                 "dict_tpl", "zen_items", "zen_tpl", "zen_tpl_noreq")

    def __init__(self, rng: random.Random, name: str, base_us: int) -> None:
        self.iid = new_uuid(rng)
        self.name = name
        self.tenant = "%032x" % rng.getrandbits(128)
        self.user = "%032x" % rng.getrandbits(128)
        launched = base_us // 1_000_000 - rng.randint(3600, 30 * 86400)
        self.launched = launched
        self.mac = "fa:16:3e:%02x:%02x:%02x" % (rng.randrange(256), rng.randrange(256),
                                                rng.randrange(256))
        self.ip = "192.168.%d.%d" % (rng.randrange(0, 4), rng.randrange(2, 254))
        fixed = ("[{u'version': 4, u'vif_mac': u'%s', u'floating_ips': [], u'label': "
                 "u'admin-net', u'meta': {}, u'address': u'%s', u'type': u'fixed'}]"
                 % (self.mac, self.ip))
        lt = time.gmtime(launched)
        launched_c = time.strftime("%Y-%m-%d %H:%M:%S", lt)
        launched_iso = time.strftime("%Y-%m-%dT%H:%M:%S", lt)
        q = fixed.replace("%", "%%")
        # %s slots: id, type, generated, state_description, state, host, request-trait
        self.coll_tpl = (
            "<Event: %s, %s, %s, <Trait: state_description 1 %s> <Trait: memory_mb 2 512> "
            "<Trait: ephemeral_gb 2 0> <Trait: fixed_ips 1 " + q + "> <Trait: user_id 1 "
            + self.user + "> <Trait: service 1 compute> <Trait: priority 1 info> "
            "<Trait: state 1 %s> <Trait: launched_at 4 " + launched_c + "> "
            "<Trait: flavor_name 1 m1.tiny> <Trait: disk_gb 2 1> <Trait: display_name 1 "
            + name + "> <Trait: root_gb 2 1> <Trait: tenant_id 1 " + self.tenant + "> "
            "<Trait: instance_id 1 " + self.iid + "> <Trait: vcpus 2 1> "
            "<Trait: host_name 1 %s>%s>"
        )
        # %s slots: type, state_description, state, host, request-trait, signature, generated, id
        self.dict_tpl = (
            "{u'event_type': u'%s', u'traits': [[u'state_description', 1, u'%s'], "
            "[u'memory_mb', 2, 512], [u'ephemeral_gb', 2, 0], [u'fixed_ips', 1, u\"" + q
            + "\"], [u'user_id', 1, u'" + self.user + "'], [u'service', 1, u'compute'], "
            "[u'priority', 1, u'info'], [u'state', 1, u'%s'], [u'launched_at', 4, u'"
            + launched_iso + "'], [u'flavor_name', 1, u'm1.tiny'], [u'disk_gb', 2, 1], "
            "[u'display_name', 1, u'" + name + "'], [u'root_gb', 2, 1], [u'tenant_id', 1, u'"
            + self.tenant + "'], [u'instance_id', 1, u'" + self.iid + "'], [u'vcpus', 2, 1], "
            "[u'host_name', 1, u'%s']%s], u'message_signature': u'%s', u'raw': {}, "
            "u'generated': u'%s', u'message_id': u'%s'}"
        )
        const = {
            "trait_display_name": "u'%s'" % name,
            "device_guid": "'%s'" % _DEVICE_GUID,
            "trait_user_id": "u'%s'" % self.user,
            "trait_tenant_id": "u'%s'" % self.tenant,
            "trait_memory_mb": "512",
            "trait_service": "u'compute'",
            "agent": "'zenpython'",
            "manager": "'localhost'",
            "device": "'%s'" % ZEN_DEVICE,
            "monitor": "'localhost'",
            "trait_root_gb": "1",
            "trait_launched_at": "u'%s.000000'" % launched_iso,
            "severity": "2",
            "trait_flavor_name": "u'm1.tiny'",
            "trait_disk_gb": "1",
            "trait_instance_id": "u'%s'" % self.iid,
            "trait_vcpus": "1",
            "trait_fixed_ips": 'u"%s"' % fixed,
            "trait_ephemeral_gb": "0",
            "trait_priority": "u'info'",
        }
        # (key, key repr, constant value repr or None for a per-event slot)
        self.zen_items = tuple(
            (k, ("'%s'" if k in ZEN_STR_KEYS else "u'%s'") % k, const.get(k)) for k in ZEN_KEYS
        )
        # one-line form as a %-template; slots in _ZEN_VAR_KEYS order
        def tpl(skip: str | None) -> str:
            return "{" + ", ".join(
                "%s: %s" % (kr, "%s" if c is None else c.replace("%", "%%"))
                for k, kr, c in self.zen_items if k != skip) + "}"

        self.zen_tpl = tpl(None)
        self.zen_tpl_noreq = tpl("trait_request_id")


_DEVICE_GUID = "1ee50718-3d16-4e4a-9378-d8e22c98eb50"


class Ev:
    """One Ceilometer event, planned: what Nova sent, what each log does with it."""

    __slots__ = ("etype", "eid", "gen", "host", "req", "state", "sd", "inst", "kind", "mig",
                 "status", "arr", "clog", "rcv", "cline", "zline", "seq", "pretty")

    def __init__(self, etype: str, gen: int, host: str, req: str | None, inst: Instance,
                 kind: str, mig: int, state: str = "active", sd: str = "migrating") -> None:
        self.etype = etype
        self.eid = ""
        self.gen = gen
        self.host = host
        self.req = req
        self.state = state
        self.sd = sd
        self.inst = inst
        self.kind = kind  # phase | context | background
        self.mig = mig
        self.status = "queued"  # queued | discarded | never
        self.arr = 0  # collector arrival (UTC us)
        self.clog = 0  # collector line time (UTC us)
        self.rcv = 0  # zenpython rcvtime (UTC us)
        self.cline = 0
        self.zline: int | None = None
        self.seq = 0
        self.pretty = False


class Migration:
    __slots__ = ("index", "scenario", "inst", "req", "abort_req", "src", "dst", "events",
                 "post_order", "call_req")

    def __init__(self, index: int, scenario: str, inst: Instance, req: str | None,
                 src: str, dst: str) -> None:
        self.index = index
        self.scenario = scenario
        self.inst = inst
        self.req = req
        self.abort_req: str | None = None
        self.src = src
        self.dst = dst
        self.events: list[Ev] = []
        self.post_order = ""
        #: the request id of a separate API call (resize confirm/revert, shelve_offload)
        self.call_req: str | None = None

    @property
    def operation(self) -> str:
        return operation_of(self.scenario)


def ms(rng: random.Random, lo: float, hi: float) -> int:
    """A random delay in microseconds, lo..hi milliseconds."""
    return int(rng.uniform(lo, hi) * 1000)


def plan_migration(rng: random.Random, index: int, spec: MigrationSpec, t0: int,
                    inst: Instance, src: str, dst: str) -> Migration:
    sc = spec.scenario
    req = None if sc == "norequest" else "req-" + new_uuid(rng)
    m = Migration(index, sc, inst, req, src, dst)
    ev = m.events

    def add(etype: str, t: int, host: str, kind: str = "phase", state: str = "active",
            sd: str = "migrating", r: str | None = req) -> Ev:
        e = Ev(etype, t, host, r, inst, kind, index, state, sd)
        ev.append(e)
        return e

    if sc in OP_SCENARIOS:
        def add_op(etype: str, t: int, host: str, kind: str, sd: str, r: str | bool | None) -> Ev:
            rid = req if r is True else (r if isinstance(r, str) else None)
            return add(etype, t, host, kind, sd=sd, r=rid)

        m.call_req = plan_operation(rng, sc, src, dst, t0, add_op, lambda: "req-" + new_uuid(rng))
        m.events.sort(key=lambda e: e.gen)
        return m
    with_context = sc != "missed"
    if with_context:  # task_state=migrating saved on the source before pre_live_migration
        add(UPDATE, t0 - ms(rng, 200, 1000), src, "context")
    add(LM + "pre.start", t0, dst)
    t = t0 + ms(rng, 1000, 3000)
    add(LM + "pre.end", t, dst)
    copy = int((spec.copy_seconds if spec.copy_seconds is not None
                else rng.uniform(5, 60)) * 1_000_000)
    if sc == "incomplete":
        return m
    if sc in ("failed", "aborted"):
        t += copy // 2
        if sc == "aborted":
            m.abort_req = "req-" + new_uuid(rng)
            add(ABORT_START, t, src, r=m.abort_req)
            t += ms(rng, 50, 200)
            add(ABORT_END, t, src, r=m.abort_req)
            t += ms(rng, 500, 3000)
        add(LM + "_rollback.start", t, src)
        t += ms(rng, 20, 80)
        add(LM + "rollback.dest.start", t, dst)
        t += ms(rng, 50, 300)
        add(LM + "rollback.dest.end", t, dst, sd="")
        t += ms(rng, 10, 50)
        add(LM + "_rollback.end", t, src, sd="")
        add(UPDATE, t + ms(rng, 5, 40), src, "context", sd="")
        return m
    # completed: _post_live_migration on the source, post_live_migration_at_destination on the
    # destination (a cast before Ocata: post.dest.* and _post.end race; a call from Ocata on)
    t += copy
    order = spec.post_order or ("ocata" if sc in ("stale", "norequest") else
                                rng.choice(("ocata", "pre-ocata")))
    m.post_order = order
    t_post = t
    if sc != "missed":
        add(LM + "_post.start", t, src)
    t += ms(rng, 20, 60)
    add(LM + "post.dest.start", t, dst)
    if with_context:  # instance.host = destination saved at the destination
        t += ms(rng, 10, 40)
        add(UPDATE, t, dst, "context", sd="")
    t += ms(rng, 5, 30)
    add(LM + "post.dest.end", t, dst, sd="")
    if sc != "missed":
        if order == "ocata":  # after post.dest.end returned: later than arrival jitter (15 ms)
            t_end = t + ms(rng, 20, 60)
        else:
            t_end = t_post + ms(rng, 30, 150)
        add(LM + "_post.end", t_end, src)
        t = max(t, t_end)
    if sc == "ok":
        add(UPDATE, t + ms(rng, 5_000, 40_000), dst, "context", sd="")
    elif spec.corrected:
        add(UPDATE, t + ms(rng, 120_000, 400_000), dst, "context", sd="")
    if sc == "lost":
        ev_post_end = [e for e in ev if e.etype == LM + "_post.end"][0]
        ev_post_end.status = "never"
    elif sc == "discarded":
        [e for e in ev if e.etype == LM + "_post.end"][0].status = "discarded"
    return m


def iso(us: int) -> str:
    """UTC ISO 8601 with microseconds and Z."""
    return "%s.%06dZ" % (time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(us // 1_000_000)),
                         us % 1_000_000)


def expect(m: Migration, hmap: dict[str, str]) -> dict[str, object]:
    if m.scenario in OP_SCENARIOS:
        return expect_operation(m.scenario, m.src, m.dst, m.events, hmap)
    phases = [e for e in m.events if e.kind == "phase"]
    suffixes = {e.etype.rsplit("live_migration.", 1)[-1] for e in phases}
    types = {e.etype for e in phases}
    if ABORT_START in types or ABORT_END in types:
        outcome = "aborted"
    elif suffixes & {"_rollback.start", "_rollback.end", "rollback.dest.start",
                     "rollback.dest.end"}:
        outcome = "failed"
    elif suffixes & {"post.dest.end", "_post.end"}:
        outcome = "completed"
    else:
        outcome = "incomplete"
    dest_phases = [e for e in phases if e.etype.startswith(LM)
                   and e.etype[len(LM):] in DEST_SIDE]
    lost = [e for e in phases if e.status != "queued"]
    first = min(e.gen for e in phases)
    last = max(e.gen for e in phases)
    firings = [e for e in phases if e.status == "queued" and e.etype in hmap]
    firings += [e for e in m.events if e.kind == "context" and e.status == "queued"
                and e.etype in hmap and first <= e.gen <= last + 60_000_000]
    firings.sort(key=lambda e: (e.rcv, e.zline or 0))
    after = sorted((e for e in m.events if e.kind == "context" and e.status == "queued"
                    and e.etype in hmap and e.gen > last + 60_000_000), key=lambda e: e.rcv)
    if outcome in ("failed", "aborted"):
        verdict = "failed"
    elif outcome == "incomplete" or not dest_phases:
        verdict = "incomplete"
    elif any(e.etype in hmap for e in lost):
        verdict = "lost"
    elif not firings:
        verdict = "missed"
    elif firings[-1].host != m.dst:
        verdict = "stale"
    else:
        verdict = "ok"
    out: dict[str, object] = {
        "verdict": verdict,
        "handlers": [{"event_type": e.etype, "handler": hmap[e.etype], "host": e.host,
                      "context": e.kind == "context"} for e in firings],
        "lost_phases": [{"event_type": e.etype, "reached": "no" if e.status == "never"
                         else "discarded", "mapped": e.etype in hmap} for e in lost],
        # the first host-writing event after the window, when it puts a wrong model right
        "corrected_by": ({"event_type": after[0].etype, "time": iso(after[0].gen),
                          "host": after[0].host}
                         if after and after[0].host == m.dst
                         and verdict in ("stale", "missed", "lost") else None),
        # domain.md: the last two host-writing firings less than one second apart
        "order_sensitive": len(firings) >= 2 and firings[-1].rcv - firings[-2].rcv < 1_000_000,
    }
    return {"outcome": outcome, **out}
