#!/usr/bin/env python3
"""Synthetic Ceilometer collector and zenpython logs of Nova live migrations, with ground truth.

Writes, into ``--out``, a pair of logs in the formats of the real lines quoted in the public
write-up ("Processing Nova Live Migration Events in Zenoss", 2017-01-23) and ``manifest.json``,
which says for every migration what lmtrace should find::

    collector.log   2017-01-23 14:22:02.593 25667 INFO ceilometer_zenoss.dispatcher.zenoss [-] \
record_events called (events=[<Event: ID, TYPE, GENERATED, <Trait: NAME DTYPE VALUE> ...>])
    zenpython.log   2017-01-23 17:21:04,289 DEBUG zen.zenpython: Queued event (total of 6) {u'...': ...}

Usage::

    python benchmarks/generate.py --migrations 200 --concurrency 4 --noise-ratio 0.9 --out /tmp/lm
    python benchmarks/generate.py --size-mb 2048 --noise-ratio 0.99 --out /tmp/big

As a module: ``generate(Options(...), specs=None) -> dict`` (the manifest). ``specs`` (a list of
`MigrationSpec`) replaces the random schedule; ``samples/make_samples.py`` uses it.

Everything random comes from one ``random.Random(seed)``: the same options give the same bytes.
Standard library only; runs on Python >= 3.10.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

__all__ = ["MigrationSpec", "Options", "SCENARIOS", "generate", "main", "parse_offset"]

LM = "compute.instance.live_migration."
ABORT_START = "compute.instance.live.migration.abort.start"
ABORT_END = "compute.instance.live.migration.abort.end"
UPDATE = "compute.instance.update"

#: Scenario names; each one says how the migration goes and what reaches Zenoss.
SCENARIOS = (
    "ok",  # completed; a destination compute.instance.update follows _post.end within a minute
    "stale",  # completed; _post.end (source) is the last host-writing event: the write-up's bug
    "missed",  # completed; only unmapped phases reach Zenoss (no _post.*, no update context)
    "lost",  # completed; the collector logs _post.end, zenpython never queues it
    "discarded",  # completed; zenpython queues _post.end, then drops it: queue overflow
    "failed",  # pre.*, then _rollback.* (source) and rollback.dest.* (destination)
    "aborted",  # pre.*, abort (own request id, source), then rollback
    "incomplete",  # phases stop after pre.end
    "norequest",  # like stale, but no request_id trait anywhere
)
DEFAULT_WEIGHTS = {
    "ok": 2.0,
    "stale": 5.0,
    "missed": 0.5,
    "lost": 1.0,
    "discarded": 1.0,
    "failed": 1.0,
    "aborted": 0.5,
    "incomplete": 0.5,
    "norequest": 0.5,
}

# Handler maps for the ground truth (domain.md, "Handler maps"): only the entries that can touch a
# live migration matter here. compute.instance.update -> instance_update_status writes host_name
# in every released 2.x ZenPack; the write-up's fix (PR #401) moves instance_update from
# _post.end to post.dest.end.
HANDLER_MAPS: dict[str, dict[str, str]] = {
    "osi-2.x": {LM + "_post.end": "instance_update", UPDATE: "instance_update_status"},
    "osi-2.x-pr401": {LM + "post.dest.end": "instance_update", UPDATE: "instance_update_status"},
}
_DEST_SIDE = {"pre.start", "pre.end", "post.dest.start", "post.dest.end",
              "rollback.dest.start", "rollback.dest.end"}

# ---------------------------------------------------------------------------------------------
# Line formats
# ---------------------------------------------------------------------------------------------
# Collector: Event model repr, Ceilometer <= Kilo (ceilometer/event/storage/models.py):
#   "<Event: %s, %s, %s, %s>" % (message_id, event_type, generated, " ".join(traits)),
#   "<Trait: %s %d %s>" % (name, dtype, value); generated is str(datetime) (no ".ffffff" when
#   the microseconds are 0). Trait set and order as in the write-up's real lines.
#
# Collector, newer "dict form". What we found in the public sources:
#   * openstack/ceilometer commit 5521215dc (2015-04-15, "rebuild event model only for database
#     writes", Liberty): the collector's EventEndpoint stops rebuilding models.Event and hands the
#     dispatchers the payload as received, i.e. what ceilometer/publisher/utils.py
#     message_from_event() published: `msg = event.serialize(); msg['message_signature'] = ...`,
#     where Event.serialize() (ceilometer/event/storage/models.py) is
#     {'message_id': ..., 'event_type': ..., 'generated': serialize_dt(generated) (isoformat),
#      'traits': [trait.serialize() ...] -> (name, dtype, serialize_dt(value)) tuples,
#      'raw': self.raw}  (raw is {} unless store_raw is configured).
#   * zenoss/ceilometer_zenoss commit d756f09 (2016-05-24, "Treat event as a dict for Liberty"):
#     record_events switches from event.event_type / event.as_dict() to event['event_type'] /
#     event; it still logs LOG.info("record_events called (events=%s)" % events).
#   The payload crossed the bus as JSON, so in the Python 2 collector it is a list of dicts with
#   unicode strings, traits as lists, datetimes as ISO strings:
#     [{u'event_type': u'compute...', u'traits': [[u'state_description', 1, u'migrating'], ...],
#       u'message_signature': u'<sha256 hex>', u'raw': {}, u'generated': u'2017-01-23T06:22:02.584049',
#       u'message_id': u'<uuid>'}]
#   The key order is CPython 2.7's dict order for these six keys (string hash order, simulated);
#   readers must not rely on it. The signature here is a stand-in (sha256 of the id), not an HMAC.
#
# zenpython: PBDaemon's EventQueueManager (Products/ZenHub/PBDaemon.py, seen in
# zenoss/ZenPacks.zenoss.PythonCollector's bundled copy):
#   self.log.debug("Queued event (total of %d) %r", len(self.event_queue), event)
#   self.log.debug("Discarded event - queue overflow: %r", discarded)
# and in Zenoss 6.8+ "queued event (total of %d) %r" / log.warn("discarded event - queue overflow:
# %r"). The discarded event is the *oldest* one in the queue, logged right after the append that
# overflowed it. Key order of the dict as in the write-up's real zenpython lines.
_ZEN_KEYS = (
    "trait_display_name", "trait_request_id", "device_guid", "trait_user_id", "eventClassKey",
    "trait_tenant_id", "trait_memory_mb", "trait_service", "agent", "manager", "trait_host_name",
    "rcvtime", "device", "trait_state", "monitor", "trait_root_gb", "trait_launched_at",
    "severity", "trait_flavor_name", "trait_disk_gb", "trait_instance_id",
    "trait_state_description", "summary", "trait_vcpus", "trait_fixed_ips", "eventKey",
    "trait_ephemeral_gb", "trait_priority",
)
# Keys zenpython adds itself are plain str in the real repr; the rest came from JSON (unicode).
_ZEN_STR_KEYS = {"device_guid", "agent", "manager", "rcvtime", "device", "monitor", "severity",
                 "eventClassKey", "summary", "eventKey"}
_ZEN_DEVICE = "OpenStack"
_DISPATCHER_PY = "/usr/lib/python2.7/site-packages/ceilometer_zenoss/dispatcher/zenoss.py"
_COLLECTOR_PID = 25667
_QUEUE_MAX = 5000  # PBDaemon --maxqueuelen default
_FLUSH_US = 5_000_000  # PBDaemon --eventflushseconds default: the queue empties every 5 s


def parse_offset(text: str) -> int:
    """A fixed UTC offset such as ``+08:00``, ``-0530``, ``Z`` or ``UTC`` -> minutes."""
    text = text.strip()
    if text.upper() in ("Z", "UTC", "+00:00", "0"):
        return 0
    m = re.fullmatch(r"([+-])(\d{1,2}):?(\d{2})?", text)
    if not m:
        raise ValueError(f"not a UTC offset: {text!r} (use e.g. +08:00 or -05:30)")
    minutes = int(m.group(2)) * 60 + int(m.group(3) or 0)
    if minutes > 14 * 60:
        raise ValueError(f"UTC offset out of range: {text!r}")
    return -minutes if m.group(1) == "-" else minutes


def _offset_text(minutes: int) -> str:
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


@dataclass
class Options:
    """Everything that shapes the output; the same Options give the same bytes."""

    migrations: int = 20
    concurrency: int = 1
    seed: int = 1
    collector_tz: int = 8 * 60  # minutes east of UTC
    zenpython_tz: int = 8 * 60
    noise_ratio: float = 0.0
    pretty_ratio: float = 0.0
    batch: int = 1
    size_mb: float | None = None
    dict_form_ratio: float = 0.0
    lowercase_ratio: float = 0.0
    scenarios: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    out: str = "out"
    start: str = "2017-01-23T05:00:00"  # UTC, naive
    #: background events of other instances at most this far apart (zenpython coverage)
    background_max_gap: float = 240.0
    #: host pool: ndc27-3201 .. ndc27-32NN
    hosts: int = 24
    #: seconds the Zenoss host's clock is ahead (+) or behind (-) the OpenStack hosts': it
    #: shifts zenpython's rcvtime and its log timestamps alike (a skew of a few seconds
    #: makes events look queued before they were generated)
    zenpython_skew: float = 0.0


@dataclass
class MigrationSpec:
    """One planned migration, for hand-made samples (`generate(..., specs=[...])`)."""

    scenario: str
    #: seconds after Options.start of its first phase
    start: float
    #: "ocata": _post.end after post.dest.end; "pre-ocata": either order; None: random
    post_order: str | None = None
    #: stale: a destination compute.instance.update a few minutes later (reported as corrected_by)
    corrected: bool = False
    #: phase suffixes / event types whose zenpython dict is pretty-printed
    pretty: tuple[str, ...] = ()
    display_name: str | None = None
    source: str | None = None
    destination: str | None = None
    #: memory copy seconds (None: random 5-60)
    copy_seconds: float | None = None


# ---------------------------------------------------------------------------------------------
# Planning: instances, migrations, events (times in integer microseconds since the epoch, UTC)
# ---------------------------------------------------------------------------------------------


def _uuid(rng: random.Random) -> str:
    h = "%032x" % rng.getrandbits(128)
    # uuid4 shape: version nibble 4, variant 8-b
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:32]}"


class _Instance:
    __slots__ = ("iid", "name", "tenant", "user", "launched", "mac", "ip", "coll_tpl",
                 "dict_tpl", "zen_items", "zen_tpl", "zen_tpl_noreq")

    def __init__(self, rng: random.Random, name: str, base_us: int) -> None:
        self.iid = _uuid(rng)
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
            "device": "'%s'" % _ZEN_DEVICE,
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
            (k, ("'%s'" if k in _ZEN_STR_KEYS else "u'%s'") % k, const.get(k)) for k in _ZEN_KEYS
        )
        # one-line form as a %-template; slots in _ZEN_VAR_KEYS order
        def tpl(skip: str | None) -> str:
            return "{" + ", ".join(
                "%s: %s" % (kr, "%s" if c is None else c.replace("%", "%%"))
                for k, kr, c in self.zen_items if k != skip) + "}"

        self.zen_tpl = tpl(None)
        self.zen_tpl_noreq = tpl("trait_request_id")


_DEVICE_GUID = "1ee50718-3d16-4e4a-9378-d8e22c98eb50"


class _Ev:
    """One Ceilometer event, planned: what Nova sent, what each log does with it."""

    __slots__ = ("etype", "eid", "gen", "host", "req", "state", "sd", "inst", "kind", "mig",
                 "status", "arr", "clog", "rcv", "cline", "zline", "seq", "pretty")

    def __init__(self, etype: str, gen: int, host: str, req: str | None, inst: _Instance,
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


class _Migration:
    __slots__ = ("index", "scenario", "inst", "req", "abort_req", "src", "dst", "events",
                 "post_order")

    def __init__(self, index: int, scenario: str, inst: _Instance, req: str | None,
                 src: str, dst: str) -> None:
        self.index = index
        self.scenario = scenario
        self.inst = inst
        self.req = req
        self.abort_req: str | None = None
        self.src = src
        self.dst = dst
        self.events: list[_Ev] = []
        self.post_order = ""


def _ms(rng: random.Random, lo: float, hi: float) -> int:
    """A random delay in microseconds, lo..hi milliseconds."""
    return int(rng.uniform(lo, hi) * 1000)


def _plan_migration(rng: random.Random, index: int, spec: MigrationSpec, t0: int,
                    inst: _Instance, src: str, dst: str) -> _Migration:
    sc = spec.scenario
    req = None if sc == "norequest" else "req-" + _uuid(rng)
    m = _Migration(index, sc, inst, req, src, dst)
    ev = m.events

    def add(etype: str, t: int, host: str, kind: str = "phase", state: str = "active",
            sd: str = "migrating", r: str | None = req) -> _Ev:
        e = _Ev(etype, t, host, r, inst, kind, index, state, sd)
        ev.append(e)
        return e

    with_context = sc != "missed"
    if with_context:  # task_state=migrating saved on the source before pre_live_migration
        add(UPDATE, t0 - _ms(rng, 200, 1000), src, "context")
    add(LM + "pre.start", t0, dst)
    t = t0 + _ms(rng, 1000, 3000)
    add(LM + "pre.end", t, dst)
    copy = int((spec.copy_seconds if spec.copy_seconds is not None
                else rng.uniform(5, 60)) * 1_000_000)
    if sc == "incomplete":
        return m
    if sc in ("failed", "aborted"):
        t += copy // 2
        if sc == "aborted":
            m.abort_req = "req-" + _uuid(rng)
            add(ABORT_START, t, src, r=m.abort_req)
            t += _ms(rng, 50, 200)
            add(ABORT_END, t, src, r=m.abort_req)
            t += _ms(rng, 500, 3000)
        add(LM + "_rollback.start", t, src)
        t += _ms(rng, 20, 80)
        add(LM + "rollback.dest.start", t, dst)
        t += _ms(rng, 50, 300)
        add(LM + "rollback.dest.end", t, dst, sd="")
        t += _ms(rng, 10, 50)
        add(LM + "_rollback.end", t, src, sd="")
        add(UPDATE, t + _ms(rng, 5, 40), src, "context", sd="")
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
    t += _ms(rng, 20, 60)
    add(LM + "post.dest.start", t, dst)
    if with_context:  # instance.host = destination saved at the destination
        t += _ms(rng, 10, 40)
        add(UPDATE, t, dst, "context", sd="")
    t += _ms(rng, 5, 30)
    add(LM + "post.dest.end", t, dst, sd="")
    if sc != "missed":
        if order == "ocata":  # after post.dest.end returned: later than arrival jitter (15 ms)
            t_end = t + _ms(rng, 20, 60)
        else:
            t_end = t_post + _ms(rng, 30, 150)
        add(LM + "_post.end", t_end, src)
        t = max(t, t_end)
    if sc == "ok":
        add(UPDATE, t + _ms(rng, 5_000, 40_000), dst, "context", sd="")
    elif spec.corrected:
        add(UPDATE, t + _ms(rng, 120_000, 400_000), dst, "context", sd="")
    if sc == "lost":
        ev_post_end = [e for e in ev if e.etype == LM + "_post.end"][0]
        ev_post_end.status = "never"
    elif sc == "discarded":
        [e for e in ev if e.etype == LM + "_post.end"][0].status = "discarded"
    return m


# ---------------------------------------------------------------------------------------------
# Ground truth (domain.md "Verdict rules", for the generator's own well-covered logs)
# ---------------------------------------------------------------------------------------------


def _iso(us: int) -> str:
    """UTC ISO 8601 with microseconds and Z."""
    return "%s.%06dZ" % (time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(us // 1_000_000)),
                         us % 1_000_000)


def _expect(m: _Migration, hmap: dict[str, str]) -> dict[str, object]:
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
                   and e.etype[len(LM):] in _DEST_SIDE]
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
        "corrected_by": ({"event_type": after[0].etype, "time": _iso(after[0].gen),
                          "host": after[0].host}
                         if after and after[0].host == m.dst
                         and verdict in ("stale", "missed", "lost") else None),
        # domain.md: the last two host-writing firings less than one second apart
        "order_sensitive": len(firings) >= 2 and firings[-1].rcv - firings[-2].rcv < 1_000_000,
    }
    return {"outcome": outcome, **out}


# ---------------------------------------------------------------------------------------------
# Noise: other loggers of the same processes (never carrying a marker of an event line)
# ---------------------------------------------------------------------------------------------


def _collector_noise(rng: random.Random) -> list[str]:
    """Bodies after the timestamp (with the leading space), weighted by repetition."""
    pool: list[str] = []
    pid = _COLLECTOR_PID
    types = [UPDATE, "compute.instance.exists", "compute.instance.power_off.end",
             "compute.instance.power_on.end", LM + "pre.start", LM + "_post.end",
             LM + "post.dest.end", "port.update.end", "volume.attach.end",
             "compute.instance.create.end", "compute.instance.delete.end"]
    for t in types:  # the dispatcher's DEBUG line after each record_events: not an event
        pool += [f" {pid} DEBUG ceilometer_zenoss.dispatcher.zenoss [-] Publishing message to "
                 f"zenoss.openstack.{_ZEN_DEVICE}.event.{t} record_events {_DISPATCHER_PY}:467\n"] * 3
    for meter in ("cpu_util", "memory.usage", "disk.read.bytes.rate", "network.incoming.bytes",
                  "vcpus", "instance"):
        for _ in range(4):
            pool.append(f" {pid} DEBUG ceilometer_zenoss.dispatcher.zenoss [-] Publishing "
                        f"message to zenoss.openstack.{_ZEN_DEVICE}.meter.{meter}.{_uuid(rng)} "
                        f"record_metering_data {_DISPATCHER_PY}:427\n")
    for _ in range(6):
        pool.append(f" {pid} DEBUG oslo_messaging._drivers.amqpdriver [-] received message "
                    f"with unique_id: {'%032x' % rng.getrandbits(128)} __call__ "
                    "/usr/lib/python2.7/site-packages/oslo_messaging/_drivers/amqpdriver.py:195\n")
    pool += [
        f" {pid} INFO ceilometer_zenoss.dispatcher.zenoss [-] Sending heartbeat to "
        f"zenoss.openstack.heartbeat.{_ZEN_DEVICE}.ctl01.ceilometer-collector\n",
        f" {pid} INFO ceilometer_zenoss.dispatcher.zenoss [-] Opening new AMQP connection to "
        "amqp://zenoss@10.87.209.6:5672/zenoss (zenoss.openstack.ceilometer)\n",
        f" {pid} WARNING ceilometer_zenoss.dispatcher.zenoss [-] Couldn't publish message: "
        "error(104, 'Connection reset by peer'). Retry in 1s\n",
        f" {pid} ERROR oslo.messaging._drivers.impl_rabbit [-] AMQP server on 10.87.209.11:5672 "
        "is unreachable: [Errno 111] ECONNREFUSED. Trying again in 1 seconds.\n",
        f" {pid} INFO oslo.messaging._drivers.impl_rabbit [-] Reconnected to AMQP server on "
        "10.87.209.11:5672\n",
        f" {pid + 1} INFO ceilometer.dispatcher.database [-] Dropping event data with TTL 604800\n",
        f" {pid + 1} WARNING ceilometer.collector [-] UDP: Cannot decode data sent by "
        "10.87.209.23\n",
    ] * 2
    return pool


def _zenpython_noise(rng: random.Random) -> list[str]:
    pool: list[str] = []
    for n in range(1, 13):
        pool.append(f" DEBUG zen.zenpython: Sending {n} events, 0 perf events, 0 heartbeats\n")
    pool += [" DEBUG zen.zenpython: Sending 0 events, 12 perf events, 1 heartbeats\n"] * 4
    for task in ("EventsAMQP", "PerfAMQP", "Heartbeats", "NovaServices", "NeutronAgents"):
        pool.append(f" DEBUG zen.collector.scheduler: Task {_ZEN_DEVICE} 60 {task} "
                    "finished, result: None\n")
        pool.append(f" DEBUG zen.collector.scheduler: Task {_ZEN_DEVICE} 60 {task} "
                    "changing state from RUNNING to IDLE\n")
    pool += [
        " INFO zen.collector.scheduler: Tasks: 42 Successful_Runs: 18211 Failed_Runs: 0 "
        "Missed_Runs: 3\n",
        " DEBUG zen.MetricWriter: publishing metric OpenStack/eventsAMQP_queue 0.0\n",
        " INFO zen.zenpython: Connected to ZenHub\n",
        " DEBUG zen.zenpython: Loaded service EventService from zenhub\n",
        " WARNING zen.zenpython: No service named 'EventService': ZenHub may be disconnected\n",
        " INFO zen.zenpython: Attempting to connect to zenhub\n",
        " DEBUG zen.pbclientfactory: pinging perspective\n",
    ]
    return pool


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------


class _Clock:
    """Formats UTC microseconds as a local log timestamp, caching the per-second part."""

    def __init__(self, offset_min: int, sep: str) -> None:
        self.off = offset_min * 60
        self.sep = sep
        self.sec = -1
        self.head = ""

    def fmt(self, us: int) -> str:
        s = us // 1_000_000
        if s != self.sec:
            self.sec = s
            self.head = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(s + self.off)) + self.sep
        return "%s%03d" % (self.head, us // 1000 % 1000)


def _gen_text(us: int) -> str:
    """str(datetime) of a naive UTC time: no fraction when the microseconds are 0."""
    s = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(us // 1_000_000))
    return s if us % 1_000_000 == 0 else "%s.%06d" % (s, us % 1_000_000)


def _coll_event(e: _Ev, dict_form: bool) -> str:
    inst = e.inst
    if dict_form:
        reqt = ", [u'request_id', 1, u'%s']" % e.req if e.req else ""
        gen = _gen_text(e.gen).replace(" ", "T")
        sig = hashlib.sha256(e.eid.encode()).hexdigest()
        return inst.dict_tpl % (e.etype, e.sd, e.state, e.host, reqt, sig, gen, e.eid)
    reqt = " <Trait: request_id 1 %s>" % e.req if e.req else ""
    return inst.coll_tpl % (e.eid, e.etype, _gen_text(e.gen), e.sd, e.state, e.host, reqt)


def _zen_dict(e: _Ev, pretty: bool) -> str:
    if not pretty:
        args = ("u'openstack|%s'" % e.etype, "u'%s'" % e.host, repr(e.rcv / 1e6),
                "u'%s'" % e.state, "u'%s'" % e.sd, "u'OpenStackInfrastructure: %s'" % e.etype,
                "u'%s'" % e.eid)
        if e.req:
            return e.inst.zen_tpl % (("u'%s'" % e.req,) + args)
        return e.inst.zen_tpl_noreq % args
    var = {
        "trait_request_id": "u'%s'" % e.req if e.req else None,
        "eventClassKey": "u'openstack|%s'" % e.etype,
        "trait_host_name": "u'%s'" % e.host,
        "rcvtime": repr(e.rcv / 1e6),
        "trait_state": "u'%s'" % e.state,
        "trait_state_description": "u'%s'" % e.sd,
        "summary": "u'OpenStackInfrastructure: %s'" % e.etype,
        "eventKey": "u'%s'" % e.eid,
    }
    items = [(k, kr, c if c is not None else var[k]) for k, kr, c in e.inst.zen_items]
    items = [it for it in items if it[2] is not None]
    if not pretty:
        return "{" + ", ".join("%s: %s" % (kr, v) for _, kr, v in items) + "}"
    # pprint of Python 2: keys sorted, one per line, indent 1, no wrapping of strings
    items.sort(key=lambda it: it[0])
    return "{" + ",\n ".join("%s: %s" % (kr, v) for _, kr, v in items) + "}"


class _Writer:
    """Streams both files; tracks line numbers, queue length and counts."""

    def __init__(self, opts: Options, out: str, rng: random.Random) -> None:
        self.o = opts
        self.rng = rng
        os.makedirs(out, exist_ok=True)
        self.cpath = os.path.join(out, "collector.log")
        self.zpath = os.path.join(out, "zenpython.log")
        self.cf = open(self.cpath, "w", encoding="utf-8", newline="\n", buffering=1 << 24)  # noqa: SIM115 - closed in close()
        self.zf = open(self.zpath, "w", encoding="utf-8", newline="\n", buffering=1 << 24)  # noqa: SIM115
        self.cclock = _Clock(opts.collector_tz, ".")
        self.zclock = _Clock(opts.zenpython_tz, ",")
        self.cnoise = _collector_noise(rng)
        self.znoise = _zenpython_noise(rng)
        self.cline = 0
        self.zline = 0
        self.cbytes = 0
        self.c_event_lines = 0
        self.c_dict_lines = 0
        self.c_noise = 0
        self.c_events = 0
        self.z_event_lines = 0  # physical lines of queued/discarded records
        self.z_queued = 0
        self.z_discarded = 0
        self.z_pretty = 0
        self.z_lower = 0
        self.z_noise = 0
        self.queue = 0
        self.last_flush = 0

    # noise: evenly spread over [t0, t1) with jitter, merged by time with the event lines
    def _noise_times(self, n: int, t0: int, t1: int) -> list[int]:
        if n <= 0:
            return []
        span = max(t1 - t0, 1)
        rnd = self.rng.random
        step = span / n
        return [t0 + int((k + rnd()) * step) for k in range(n)]

    def _n_noise(self, event_lines: int) -> int:
        r = self.o.noise_ratio
        return round(event_lines * r / (1.0 - r)) if r > 0 else 0

    def write_epoch(self, events: list[_Ev], t0: int, t1: int) -> None:
        self._write_collector(events, t0, t1)
        # zenpython consumes what the dispatcher published, in that order (one AMQP queue):
        # rcvtime = generated + 50-500 ms, but never before the collector logged it nor before
        # the event published ahead of it
        rng = self.rng
        prev = 0
        skew = round(self.o.zenpython_skew * 1_000_000)
        for e in sorted(events, key=lambda e: (e.clog, e.cline, e.seq)):
            prev = max(e.gen + _ms(rng, 50, 500), e.clog + 2000, prev + 50)
            e.rcv = prev + skew  # as the Zenoss host's clock reads it
        self._write_zenpython(events, t0, t1)

    def _write_collector(self, events: list[_Ev], t0: int, t1: int) -> None:
        rng = self.rng
        o = self.o
        evs = sorted(events, key=lambda e: (e.arr, e.seq))
        batches: list[list[_Ev]] = []
        i = 0
        while i < len(evs):
            size = rng.randint(1, o.batch) if o.batch > 1 else 1
            b = [evs[i]]
            i += 1
            while len(b) < size and i < len(evs) and evs[i].arr - b[0].arr < 2_000_000:
                b.append(evs[i])
                i += 1
            batches.append(b)
        noise = self._noise_times(self._n_noise(len(batches)), t0, t1)
        pool = self.cnoise
        npool = len(pool)
        fmt = self.cclock.fmt
        rr = rng.random
        out: list[str] = []
        base = self.cline
        ni = 0
        nn = len(noise)
        head = " %d INFO ceilometer_zenoss.dispatcher.zenoss [-] record_events called (events=[" \
            % _COLLECTOR_PID
        dict_ratio = o.dict_form_ratio
        for b in batches:
            t = b[-1].arr
            while ni < nn and noise[ni] < t:
                out.append(fmt(noise[ni]) + pool[int(rr() * npool)])
                ni += 1
            dict_form = dict_ratio > 0 and rr() < dict_ratio
            self.c_dict_lines += dict_form
            line = base + len(out) + 1  # every collector entry is one line
            for e in b:
                e.clog = t
                e.cline = line
            out.append(fmt(t) + head + ", ".join(_coll_event(e, dict_form) for e in b) + "])\n")
            self.c_events += len(b)
        while ni < nn:
            out.append(fmt(noise[ni]) + pool[int(rr() * npool)])
            ni += 1
        self.c_event_lines += len(batches)
        self.c_noise += nn
        self.cline += len(out)
        data = "".join(out)
        self.cbytes += len(data) if data.isascii() else len(data.encode("utf-8"))
        self.cf.write(data)

    def _write_zenpython(self, events: list[_Ev], t0: int, t1: int) -> None:
        rng = self.rng
        o = self.o
        rr = rng.random
        zevs = sorted((e for e in events if e.status != "never"), key=lambda e: (e.rcv, e.seq))
        # records: (time, text, ev or None, physical lines)
        recs: list[tuple[int, str, _Ev | None, int]] = []
        fmt = self.zclock.fmt
        pending: list[tuple[int, _Ev]] = []  # (queued lines left before discard, ev)
        overflow = 0
        for e in zevs:
            if e.rcv - self.last_flush >= _FLUSH_US:
                self.queue = 0
                self.last_flush = e.rcv - e.rcv % _FLUSH_US
            self.queue += 1
            total = self.queue if not (overflow or e.status == "discarded") else _QUEUE_MAX
            lower = o.lowercase_ratio > 0 and rr() < o.lowercase_ratio
            pretty = e.pretty or (o.pretty_ratio > 0 and rr() < o.pretty_ratio)
            body = _zen_dict(e, pretty)
            word = "queued event" if lower else "Queued event"
            text = "%s DEBUG zen.zenpython: %s (total of %d) %s\n" % (fmt(e.rcv), word, total, body)
            nlines = body.count("\n") + 1
            recs.append((e.rcv, text, e, nlines))
            self.z_queued += 1
            self.z_pretty += pretty
            self.z_lower += lower
            if e.status == "discarded":
                pending.append((rng.randint(1, 3), e))
                overflow += 1
                continue
            still: list[tuple[int, _Ev]] = []
            for left, d in pending:
                if left <= 1:
                    recs.append((e.rcv, self._discard_line(d, e.rcv, lower), None,
                                 _zen_dict(d, False).count("\n") + 1))
                    self.z_discarded += 1
                    overflow -= 1
                else:
                    still.append((left - 1, d))
            pending = still
        for _, d in pending:  # nothing queued after it in this stretch: discard at its end
            t = recs[-1][0]
            recs.append((t, self._discard_line(d, t, False), None, 1))
            self.z_discarded += 1
        phys = sum(r[3] for r in recs)
        self.z_event_lines += phys
        noise = self._noise_times(self._n_noise(phys), t0, t1)
        pool = self.znoise
        npool = len(pool)
        out: list[str] = []
        line = self.zline
        ni = 0
        nn = len(noise)
        for t, text, e, nlines in recs:
            while ni < nn and noise[ni] < t:
                out.append(fmt(noise[ni]) + pool[int(rr() * npool)])
                ni += 1
                line += 1
            if e is not None:
                e.zline = line + 1
            out.append(text)
            line += nlines
        while ni < nn:
            out.append(fmt(noise[ni]) + pool[int(rr() * npool)])
            ni += 1
            line += 1
        self.z_noise += nn
        self.zline = line
        self.zf.write("".join(out))

    def _discard_line(self, d: _Ev, t: int, lower: bool) -> str:
        fmt = self.zclock.fmt
        if lower:  # Zenoss 6.8+: log.warn, lower case
            return "%s WARNING zen.zenpython: discarded event - queue overflow: %s\n" % (
                fmt(t), _zen_dict(d, False))
        return "%s DEBUG zen.zenpython: Discarded event - queue overflow: %s\n" % (
            fmt(t), _zen_dict(d, False))

    def close(self) -> None:
        self.cf.close()
        self.zf.close()


# ---------------------------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------------------------


def _start_us(opts: Options) -> int:
    dt = datetime.fromisoformat(opts.start.replace("Z", ""))
    return int(dt.replace(tzinfo=timezone.utc).timestamp()) * 1_000_000


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    names = [n for n in SCENARIOS if weights.get(n, 0) > 0]
    return rng.choices(names, [weights[n] for n in names])[0]


def _finish_events(rng: random.Random, evs: list[_Ev], seq0: int) -> int:
    seq = seq0
    for e in evs:
        e.eid = _uuid(rng)
        e.arr = e.gen + _ms(rng, 5, 20)  # collector logged-at: generated + 5-20 ms
        e.seq = seq
        seq += 1
    return seq


def _background(rng: random.Random, pool: list[_Instance], hosts: list[str], t0: int,
                t1: int, max_gap: float) -> list[_Ev]:
    """Events of other instances, at most max_gap seconds apart: zenpython keeps logging."""
    out: list[_Ev] = []
    t = t0 + int(rng.uniform(0.5, 5) * 1_000_000)
    types = [(UPDATE, "active", ""), ("compute.instance.exists", "active", ""),
             ("compute.instance.power_off.start", "active", "powering-off"),
             ("compute.instance.power_off.end", "stopped", ""),
             ("compute.instance.power_on.start", "stopped", "powering-on"),
             ("compute.instance.power_on.end", "active", "")]
    hi = max(max_gap, 2.0)
    while t < t1:
        inst = pool[rng.randrange(len(pool))]
        et, st, sd = types[rng.randrange(len(types))]
        host = hosts[int(inst.iid[:8], 16) % len(hosts)]
        out.append(_Ev(et, t, host, "req-" + _uuid(rng), inst, "background", -1, st, sd))
        t += int(rng.uniform(min(20.0, hi / 2), hi) * 1_000_000)
    return out


def generate(opts: Options, specs: list[MigrationSpec] | None = None) -> dict[str, object]:
    """Write collector.log, zenpython.log and manifest.json into opts.out; return the manifest."""
    if not 0 <= opts.noise_ratio < 1:
        raise ValueError("noise ratio must be in [0, 1)")
    rng = random.Random(opts.seed)
    base = _start_us(opts)
    hosts = ["ndc27-%d" % (3201 + i) for i in range(max(opts.hosts, 2))]
    writer = _Writer(opts, opts.out, rng)
    bg_pool = [_Instance(rng, "vm-%s" % "%06x" % rng.getrandbits(24), base) for _ in range(16)]
    migrations: list[_Migration] = []
    seq = 0
    t_epoch = base
    n_background = 0
    target_bytes = int(opts.size_mb * 1024 * 1024) if opts.size_mb else None
    index = 0
    epoch_specs: list[list[tuple[MigrationSpec, int]]]
    if specs is not None:
        epoch_specs = [[(s, base + int(s.start * 1_000_000)) for s in specs]]
    else:
        epoch_specs = []
    while True:
        if specs is None:
            if target_bytes is not None:
                if writer.cbytes >= target_bytes:
                    break
                # a migration adds about 8 collector event lines of ~2.1 KB, each with
                # R/(1-R) noise lines of ~190 bytes; background events add a few more
                r = opts.noise_ratio
                per = 9 * (2100 + r / (1 - r) * 190) / max(1, opts.batch * 0.6)
                todo = max(1, min(2000, int((target_bytes - writer.cbytes) / per / 2) + 1))
            else:
                todo = min(2000, opts.migrations - index)
                if todo <= 0:
                    break
            k = max(1, opts.concurrency)
            lane_t = [t_epoch + int(rng.uniform(1, 20) * 1_000_000) * j + 1_000_000
                      for j in range(k)]
            batch: list[tuple[MigrationSpec, int]] = []
            for j in range(todo):
                lane = j % k
                batch.append((MigrationSpec(_pick(rng, opts.scenarios), 0.0), lane_t[lane]))
                # next one on this lane: after this one (<= ~70 s) plus a pause
                lane_t[lane] += int(rng.uniform(75, 200) * 1_000_000)
            epoch_specs = [batch]
        elif not epoch_specs:
            break
        cur = epoch_specs.pop(0)
        mig_events: list[_Ev] = []
        epoch_migs: list[_Migration] = []
        for spec, t0 in cur:
            src = spec.source or hosts[rng.randrange(len(hosts))]
            dst = spec.destination or hosts[rng.randrange(len(hosts))]
            while dst == src:
                dst = hosts[rng.randrange(len(hosts))]
            name = spec.display_name or "pdcmtest%d" % (index + 1)
            inst = _Instance(rng, name, base)
            m = _plan_migration(rng, index, spec, t0, inst, src, dst)
            for e in m.events:
                sfx = e.etype.rsplit(".", 2)
                e.pretty = bool(spec.pretty) and (
                    e.etype in spec.pretty or e.etype[len(LM):] in spec.pretty
                    or ".".join(sfx[-2:]) in spec.pretty)
            index += 1
            epoch_migs.append(m)
            mig_events += m.events
        t_first = min(e.gen for e in mig_events) if mig_events else t_epoch
        t_last = max(e.gen for e in mig_events) if mig_events else t_epoch
        t_end = t_last + 90_000_000  # zenpython keeps covering a while after the last phase
        bg = _background(rng, bg_pool, hosts, min(t_epoch, t_first - 30_000_000), t_end,
                         opts.background_max_gap)
        if mig_events and not any(e.gen > t_last + 65_000_000 for e in bg):
            # a queued line more than a minute after the last phase: that phase is covered
            inst = bg_pool[rng.randrange(len(bg_pool))]
            bg.append(_Ev(UPDATE, t_last + int(rng.uniform(66, 88) * 1_000_000),
                          hosts[int(inst.iid[:8], 16) % len(hosts)], "req-" + _uuid(rng), inst,
                          "background", -1, "active", ""))
        n_background += len(bg)
        allev = mig_events + bg
        allev.sort(key=lambda e: e.gen)
        seq = _finish_events(rng, allev, seq)
        writer.write_epoch(allev, min(t_epoch, t_first - 30_000_000), t_end)
        migrations += epoch_migs
        t_epoch = t_end + 1_000_000
        if specs is not None and not epoch_specs:
            break
    writer.close()
    manifest = _manifest(opts, writer, migrations, n_background)
    with open(os.path.join(opts.out, "manifest.json"), "w", encoding="utf-8",
              newline="\n", buffering=1 << 22) as f:
        if len(migrations) <= 100:
            json.dump(manifest, f, indent=1)
        else:  # large: one migration per line (the C encoder; indent= is pure Python)
            head = dict(manifest)
            migs = head.pop("migrations")
            assert isinstance(migs, list)
            f.write(json.dumps(head)[:-1] + ', "migrations": [\n')
            f.write(",\n".join(json.dumps(m) for m in migs))
            f.write("\n]}")
        f.write("\n")
    return manifest


def _manifest(opts: Options, w: _Writer, migs: list[_Migration], n_bg: int) -> dict[str, object]:
    def ev_json(e: _Ev) -> dict[str, object]:
        return {
            "event_type": e.etype,
            "event_id": e.eid,
            "kind": e.kind,
            "host_name": e.host,
            "generated": _iso(e.gen),
            "collector_line": e.cline,
            "collector_logged_at": _iso(e.clog),
            "zenpython_line": e.zline if e.status != "never" else None,
            "rcvtime": repr(e.rcv / 1e6) if e.status != "never" else None,
            "status": e.status,
        }

    out_m = []
    for m in migs:
        out_m.append({
            "index": m.index,
            "scenario": m.scenario,
            "instance_id": m.inst.iid,
            "display_name": m.inst.name,
            "request_id": m.req,
            "abort_request_id": m.abort_req,
            "source_host": m.src,
            "destination_host": m.dst,
            "post_order": m.post_order or None,
            "expected": {name: _expect(m, hmap) for name, hmap in HANDLER_MAPS.items()},
            "events": [ev_json(e) for e in m.events],
        })
    opts_json = asdict(opts)
    opts_json["collector_tz"] = _offset_text(opts.collector_tz)
    opts_json["zenpython_tz"] = _offset_text(opts.zenpython_tz)
    opts_json.pop("out")
    n_events = sum(len(m.events) for m in migs) + n_bg
    return {
        "generator": "benchmarks/generate.py",
        "options": opts_json,
        "files": {
            "collector.log": {
                "bytes": os.path.getsize(w.cpath),
                "lines": w.cline,
                "event_lines": w.c_event_lines,
                "dict_form_lines": w.c_dict_lines,
                "noise_lines": w.c_noise,
                "events": w.c_events,
                "utc_offset": _offset_text(opts.collector_tz),
            },
            "zenpython.log": {
                "bytes": os.path.getsize(w.zpath),
                "lines": w.zline,
                "queued_lines": w.z_queued,
                "discarded_lines": w.z_discarded,
                "event_record_lines": w.z_event_lines,
                "pretty_records": w.z_pretty,
                "lowercase_records": w.z_lower,
                "noise_lines": w.z_noise,
                "utc_offset": _offset_text(opts.zenpython_tz),
            },
        },
        "counts": {
            "migrations": len(migs),
            "events": n_events,
            "background_events": n_bg,
            "scenarios": {s: sum(1 for m in migs if m.scenario == s) for s in SCENARIOS
                          if any(m.scenario == s for m in migs)},
        },
        "handler_maps": {k: dict(v) for k, v in HANDLER_MAPS.items()},
        "migrations": out_m,
    }


def _parse_weights(text: str) -> dict[str, float]:
    w = {n: 0.0 for n in SCENARIOS}
    for part in text.split(","):
        if not part.strip():
            continue
        name, _, val = part.partition("=")
        name = name.strip()
        if name not in w:
            raise argparse.ArgumentTypeError(
                f"unknown scenario {name!r}; known: {', '.join(SCENARIOS)}")
        try:
            w[name] = float(val) if val else 1.0
        except ValueError:
            raise argparse.ArgumentTypeError(f"bad weight for {name}: {val!r}") from None
    if not any(v > 0 for v in w.values()):
        raise argparse.ArgumentTypeError("give at least one scenario a weight above 0")
    return w


def _ratio(text: str) -> float:
    v = float(text)
    if not 0 <= v <= 1:
        raise argparse.ArgumentTypeError(f"{text} is not a ratio in [0, 1]")
    return v


def _offset_arg(text: str) -> int:
    try:
        return parse_offset(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="generate.py",
        description="Write a synthetic ceilometer collector.log + zenpython.log pair of Nova "
        "live migrations, with manifest.json holding the ground truth.",
        epilog="Scenarios: " + ", ".join(SCENARIOS) + ". Example: python benchmarks/generate.py "
        "--size-mb 1024 --noise-ratio 0.99 --concurrency 8 --out /tmp/big",
    )
    size = p.add_mutually_exclusive_group()
    size.add_argument("--migrations", type=int, default=20, help="number of migrations (20)")
    size.add_argument("--size-mb", type=float, help="instead: write until collector.log has "
                      "about this many MiB")
    p.add_argument("--concurrency", type=int, default=1,
                   help="migrations running at the same time (1)")
    p.add_argument("--seed", type=int, default=1, help="random seed (1): same seed, same bytes")
    p.add_argument("--collector-tz", type=_offset_arg, default=480, metavar="OFFSET",
                   help="collector host's UTC offset, e.g. +08:00 (default)")
    p.add_argument("--zenpython-tz", type=_offset_arg, default=480, metavar="OFFSET",
                   help="Zenoss host's UTC offset, e.g. +01:00 (+08:00)")
    p.add_argument("--noise-ratio", type=_ratio, default=0.0, metavar="R",
                   help="fraction of lines from other loggers, < 1 (0)")
    p.add_argument("--pretty-ratio", type=_ratio, default=0.0, metavar="P",
                   help="fraction of zenpython dicts pretty-printed over many lines (0)")
    p.add_argument("--batch", type=int, default=1, metavar="B",
                   help="at most B events per record_events line (1)")
    p.add_argument("--dict-form-ratio", type=_ratio, default=0.0, metavar="R",
                   help="fraction of record_events lines in the newer list-of-dicts form (0)")
    p.add_argument("--lowercase-ratio", type=_ratio, default=0.0, metavar="R",
                   help="fraction of zenpython lines in Zenoss 6.8+ lower case (0)")
    p.add_argument("--scenarios", type=_parse_weights, default=None, metavar="NAME=W,...",
                   help="scenario weights, e.g. ok=1,stale=5,lost=1 (unlisted: 0); default "
                   + ",".join(f"{k}={v:g}" for k, v in DEFAULT_WEIGHTS.items()))
    p.add_argument("--zenpython-skew", type=float, default=0.0, metavar="SECONDS",
                   help="the Zenoss host's clock ahead (+) or behind (-) the OpenStack hosts' (0)")
    p.add_argument("--start", default="2017-01-23T05:00:00",
                   help="UTC time of the first line (2017-01-23T05:00:00)")
    p.add_argument("--out", default="out", help="output directory (./out)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.noise_ratio >= 1:
        build_parser().error("--noise-ratio must be below 1")
    if args.batch < 1 or args.concurrency < 1:
        build_parser().error("--batch and --concurrency must be at least 1")
    opts = Options(
        migrations=args.migrations, concurrency=args.concurrency, seed=args.seed,
        collector_tz=args.collector_tz, zenpython_tz=args.zenpython_tz,
        noise_ratio=args.noise_ratio, pretty_ratio=args.pretty_ratio, batch=args.batch,
        size_mb=args.size_mb, dict_form_ratio=args.dict_form_ratio,
        lowercase_ratio=args.lowercase_ratio,
        scenarios=args.scenarios or dict(DEFAULT_WEIGHTS), out=args.out, start=args.start,
        zenpython_skew=args.zenpython_skew,
    )
    t = time.perf_counter()
    man = generate(opts)
    dt = time.perf_counter() - t
    files = man["files"]
    assert isinstance(files, dict)
    total = sum(f["bytes"] for f in files.values())
    print(f"wrote {opts.out}/collector.log ({files['collector.log']['bytes']:,} bytes, "
          f"{files['collector.log']['lines']:,} lines), zenpython.log "
          f"({files['zenpython.log']['bytes']:,} bytes, {files['zenpython.log']['lines']:,} "
          f"lines), manifest.json: {man['counts']['migrations']} migrations "  # type: ignore[index]
          f"in {dt:.2f} s, {total / dt / 1e6:.1f} MB/s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
