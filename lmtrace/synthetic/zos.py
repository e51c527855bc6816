"""The 3.x/4.x path: a zenopenstack log and a notification agent log (agent.log), with ground truth.

No public zenopenstack log exists, so these logs are *constructed* from the format
strings of the ZenPack's zenopenstack.py / datamaps.py (4.0.1), Zenoss' ObjectMap repr
(prodbin DataMaps.py: `"<%s %s>" % (class, pformat(attrs))`) and Ceilometer's
publisher/http.py (Queens) with oslo.log's default format::

    zenopenstack.log  2019-05-01 14:22:11,452 DEBUG zen.OpenStack.zenopenstack: myopenstack: \
Mapped compute.instance.live_migration._post.end event to <ObjectMap {'_update': True,
                       'hostName': u'web-01', ...
                       'vmState': u'active'}>
    agent.log  2019-05-01 14:22:11.405 28 TRACE ceilometer.publisher.http [-] \
Message: [{"message_id": ..., "event_type": ..., "generated": ..., "traits": [...], "raw": {}}]
                            2019-05-01 14:22:11.437 28 DEBUG ceilometer.publisher.http [-] \
Message posting to https://...: status code 200. _do_post /usr/lib/.../http.py:168

`generate_zos(ZosOptions(...), specs)` plans migrations with lmtrace.synthetic.plan (the
same phases, hosts and timing as the 2.x generator), then writes what each daemon logs:

- zenopenstack logs a `Mapped` line for each event whose type `mappers` maps (the
  ZenPack's MAPPERS: the handler fired, writing the sender's host as `set_host_name`),
  consolidates updates per instance (`ConsolidatingObjectMapQueue`: released at the first
  60-s map-task tick at least 40 s after the first update, carrying the last host), and
  ticks `Draining … queue` every 60 s. `debug=False` writes only its ERROR lines (INFO is
  its default level).
- A planned event that never arrives (scenario `lost`) is a failed post: HTTP 502 from the
  proxy, logged by the publisher at ERROR with its body; a discarded one (`discarded`) makes
  zenopenstack's handler raise: `Unable to process event` with its dict and a traceback.
- The notification agent logs a DEBUG `Message posting … status code 200.` per event
  (one event per POST, Ceilometer's default), and the TRACE `Message:` body only inside the
  `trace` window (seconds after `start`; None: never): TRACE is off unless switched on.

The manifest gives every migration's expected verdict under `mappers`.
"""

from __future__ import annotations

import json
import os
import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from .ops import CI, OP_SCENARIOS, expect_operation
from .plan import Ev, Instance, Migration, iso, ms, new_uuid, plan_migration
from .spec import DEST_SIDE, HANDLER_MAPS, LM, UPDATE, MigrationSpec, offset_text

__all__ = ["MAPPERS_3X", "MAPPERS_FIXED", "ZosOptions", "generate_zos"]

#: the instance entries of the ZenPack's MAPPERS (3.0.0–4.0.1) that an operation meets
#: (lmtrace.handlers.builtin's osi-3.x): no None entries, nothing on unshelve
MAPPERS_3X = {
    LM + "_post.end": "instance_update", UPDATE: "instance_update_status",
    CI + "resize.end": "instance_update", CI + "finish_resize.end": "instance_update",
    CI + "resize.revert.end": "instance_update",
    CI + "rebuild.start": "instance_rebuilding", CI + "rebuild.end": "instance_rebuilt",
}  # fmt: skip
#: with the fix (samples/maps/fixed.toml): the host written only by the phase that carries
#: the right final host (post.dest.end, finish_resize.end, resize.revert.end, unshelve.end)
MAPPERS_FIXED = dict(HANDLER_MAPS["fixed"])

_ZOS = "zen.OpenStack.zenopenstack"
_MODNAME = "ZenPacks.zenoss.OpenStackInfrastructure.Instance"
_AGENT_PID = 28
_HTTP_PY = "/usr/lib/python2.7/site-packages/ceilometer/publisher/http.py"


@dataclass
class ZosOptions:
    out: str = "out"
    seed: int = 1
    start: str = "2019-05-01T06:00:00"  # UTC, naive
    tz: int = 8 * 60  # both logs' hosts, minutes east of UTC
    mappers: dict[str, str] = field(default_factory=lambda: dict(MAPPERS_3X))
    debug: bool = True  # zenopenstack at DEBUG (`zenopenstack debug`)
    #: seconds after start when ceilometer.publisher.http logs at TRACE (None: never)
    trace: tuple[float, float] | None = (0.0, 1e9)
    agent_log: bool = True
    device: str = "myopenstack"
    url: str = "https://10.0.0.50:8342/ceilometer/v1/events/myopenstack"
    hosts: tuple[str, ...] = tuple(f"compute-{i:02d}" for i in range(1, 9))


def _local(us: int, tz: int, sep: str) -> str:
    t = us + tz * 60_000_000
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t // 1_000_000)) + f"{sep}{t // 1000 % 1000:03d}"


def _gen_iso(us: int) -> str:
    s = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(us // 1_000_000))
    return s if us % 1_000_000 == 0 else f"{s}.{us % 1_000_000:06d}"


def _u(s: str) -> str:
    return f"u'{s}'"


def _objectmap(e: Ev) -> dict[str, str]:
    """The instance ObjectMap's attributes as Python 2 reprs (4.x: `_update`)."""
    i = e.inst
    return {
        "_update": "True",
        "hostName": _u(i.name),
        "id": f"'server-{i.iid}'",
        "modname": f"'{_MODNAME}'",
        "powerState": "'running'",
        "privateIps": f"[{_u(i.ip)}]",
        "relname": "'components'",
        "resourceId": _u(i.iid),
        "serverId": _u(i.iid),
        "serverStatus": "'active'",
        "set_flavor_name": _u("m1.tiny"),
        "set_host_name": _u(e.host),
        "set_tenant_id": _u(i.tenant),
        "title": _u(i.name),
        "vmState": _u(e.state),
    }


def _pformat(attrs: dict[str, str]) -> str:
    """Python 2.7 pformat of a dict longer than 80 characters: sorted keys, one per line,
    continuation lines indented by one space."""
    items = [f"'{k}': {attrs[k]}" for k in sorted(attrs)]
    return "<ObjectMap {" + ",\n ".join(items) + "}>"


def _body(e: Ev) -> str:
    i = e.inst
    traits = [
        ["tenant_id", 1, i.tenant], ["user_id", 1, i.user], ["instance_id", 1, i.iid],
        ["resource_id", 1, i.iid], ["host", 1, e.host], ["service", 1, "compute"],
        ["memory_mb", 2, 512], ["disk_gb", 2, 1], ["instance_type", 1, "m1.tiny"],
        ["state", 1, e.state], ["display_name", 1, i.name],
    ]  # fmt: skip
    if e.req is not None:
        traits.append(["request_id", 1, e.req])
    return json.dumps({"message_id": e.eid, "event_type": e.etype, "generated": _gen_iso(e.gen),
                       "traits": traits, "raw": {}})


def _event_dict(e: Ev, device: str) -> str:
    """zenopenstack's event dict (Python 2 repr) as `Unable to process event` prints it."""
    i = e.inst
    parts = [
        f"u'trait_instance_id': {_u(i.iid)}", f"'openstack_event_type': {_u(e.etype)}",
        "'severity': 2", f"'eventClassKey': {_u('openstack-' + e.etype)}",
        f"u'trait_host': {_u(e.host)}", f"'summary': {_u('OpenStackInfrastructure: ' + e.etype)}",
        f"'eventKey': {_u(e.eid)}", f"'device': '{device}'", f"u'trait_state': {_u(e.state)}",
    ]  # fmt: skip
    if e.req is not None:
        parts.insert(1, f"u'trait_request_id': {_u(e.req)}")
    return "{" + ", ".join(parts) + "}"


_TRACEBACK = (
    "Traceback (most recent call last):",
    '  File "/opt/zenoss/ZenPacks/ZenPacks.zenoss.OpenStackInfrastructure-4.0.1-py2.7.egg/'
    'ZenPacks/zenoss/OpenStackInfrastructure/zenopenstack.py", line 707, in render_POST',
    "    objmap = map_event(evt)",
    '  File "/opt/zenoss/ZenPacks/ZenPacks.zenoss.OpenStackInfrastructure-4.0.1-py2.7.egg/'
    'ZenPacks/zenoss/OpenStackInfrastructure/events.py", line 972, in map_event',
    "    return MAPPERS[event_type](evt)",
    "KeyError: 'trait_display_name'",
)


def generate_zos(opts: ZosOptions, specs: list[MigrationSpec]) -> dict[str, object]:
    """Write zenopenstack.log (and agent.log) into opts.out; return the manifest."""
    rng = random.Random(opts.seed)
    base = int(datetime.fromisoformat(opts.start).replace(tzinfo=timezone.utc).timestamp()) * 1_000_000
    migrations: list[Migration] = []
    for index, spec in enumerate(specs):
        src = spec.source or opts.hosts[0]
        dst = spec.destination or opts.hosts[1]
        inst = Instance(rng, spec.display_name or f"web-{index + 1:02d}", base)
        migrations.append(plan_migration(rng, index, spec, base + int(spec.start * 1_000_000), inst, src, dst))
    events = sorted((e for m in migrations for e in m.events), key=lambda e: e.gen)
    for e in events:
        e.eid = new_uuid(rng)
    zos: list[tuple[int, int, str]] = []  # (UTC us, order, text)
    agent: list[tuple[int, int, str]] = []
    arrived: dict[str, list[tuple[int, Ev]]] = {}  # instance -> mapped (arrival, event)
    t_end = (events[-1].gen if events else base) + 150_000_000
    for k, e in enumerate(events):
        a = e.gen + ms(rng, 5, 20)  # the publisher has it
        in_trace = opts.trace is not None and opts.trace[0] * 1e6 <= e.gen - base < opts.trace[1] * 1e6
        if in_trace:
            agent.append((a, k, f"{_local(a, opts.tz, '.')} {_AGENT_PID} TRACE ceilometer.publisher.http [-] "
                          f"Message: [{_body(e)}]"))
        z = a + ms(rng, 5, 25)  # zenopenstack got the POST
        if e.status == "never":  # the proxy answered 502: zenopenstack never saw it
            e.zline = None
            stamp = f"{_local(z, opts.tz, '.')} {_AGENT_PID} ERROR ceilometer.publisher.http"
            err = f"502 Server Error: Bad Gateway for url: {opts.url}"
            agent.append((z, k, f"{stamp} [-] Status Code: 502. Failed to dispatch message: [{_body(e)}]: "
                          f"HTTPError: {err}"))
            for tb in ("Traceback (most recent call last):",
                       f'  File "{_HTTP_PY}", line 166, in _do_post', "    res.raise_for_status()",
                       f"HTTPError: {err}", ""):
                agent.append((z, k, f"{stamp} {tb}"))
            continue
        if e.status == "discarded":  # the handler raised
            zos.append((z, k, f"{_local(z, opts.tz, ',')} ERROR {_ZOS}: {opts.device}: Unable to process "
                        f"event: {_event_dict(e, opts.device)}\n" + "\n".join(_TRACEBACK)))
        elif e.etype in opts.mappers and opts.debug:
            zos.append((z, k, f"{_local(z, opts.tz, ',')} DEBUG {_ZOS}: {opts.device}: Mapped {e.etype} "
                        f"event to {_pformat(_objectmap(e))}"))
        if e.etype in opts.mappers and e.status != "discarded":
            arrived.setdefault(e.inst.iid, []).append((z, e))
            e.rcv, e.zline = z, k  # the order zenopenstack applied them in
        p = z + ms(rng, 2, 10)
        agent.append((p, k, f"{_local(p, opts.tz, '.')} {_AGENT_PID} DEBUG ceilometer.publisher.http [-] "
                      f"Message posting to {opts.url}: status code 200. _do_post {_HTTP_PY}:168"))
    # the daemon's tasks: every 60 s; the map task releases consolidated updates
    phase = int(rng.uniform(0, 60) * 1_000_000)
    tick = base - 120_000_000 + phase
    released: dict[str, int] = {}
    while tick < t_end:
        if opts.debug:
            zos.append((tick - 4_000_000, -1, f"{_local(tick - 4_000_000, opts.tz, ',')} DEBUG {_ZOS}: Draining event queue"))
            zos.append((tick - 2_000_000, -1, f"{_local(tick - 2_000_000, opts.tz, ',')} DEBUG {_ZOS}: Draining metric queue"))
        for iid, maps in arrived.items():
            start = released.get(iid, 0)
            window = [(t, e) for t, e in maps[start:] if t <= tick]
            if window and window[0][0] + 40_000_000 <= tick:
                released[iid] = start + len(window)
                if opts.debug:  # the overlay keeps the last host written
                    zos.append((tick, 0, f"{_local(tick, opts.tz, ',')} DEBUG {_ZOS}: Released objectmap: "
                                f"{_pformat(_objectmap(window[-1][1]))}"))
        if opts.debug:
            zos.append((tick + 2000, 1, f"{_local(tick + 2000, opts.tz, ',')} DEBUG {_ZOS}: Draining datamap queue"))
        if opts.agent_log:
            agent.append((tick + 500_000, -1, f"{_local(tick + 500_000, opts.tz, '.')} {_AGENT_PID} INFO "
                          "ceilometer.notification [-] Notification listeners are running"))
        tick += 60_000_000
    os.makedirs(opts.out, exist_ok=True)
    files = {"zenopenstack.log": zos}
    if opts.agent_log:
        files["agent.log"] = agent
    for name, recs in files.items():
        recs.sort(key=lambda r: (r[0], r[1]))
        with open(os.path.join(opts.out, name), "w", encoding="utf-8", newline="\n") as f:
            f.write("".join(text + "\n" for _, _, text in recs))
    manifest: dict[str, object] = {
        "generator": "lmtrace.synthetic.zos (constructed: no public zenopenstack log exists)",
        "options": {"seed": opts.seed, "start": opts.start, "tz": offset_text(opts.tz), "debug": opts.debug,
                    "trace": list(opts.trace) if opts.trace else None, "mappers": opts.mappers},
        "migrations": [_expect(m, opts, base) for m in migrations],
    }
    with open(os.path.join(opts.out, "manifest.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    return manifest


def _expect(m: Migration, opts: ZosOptions, base: int) -> dict[str, object]:
    """The verdict lmtrace should give under `opts.mappers` (domain.md, the 3.x/4.x path).
    The other operations' ground truth is the 2.x generator's (lmtrace.synthetic.ops), valid
    for a log at DEBUG with TRACE bodies throughout: every phase seen, from both sides."""
    if m.scenario in OP_SCENARIOS:
        assert opts.debug and opts.trace is not None and opts.agent_log, "operations need DEBUG and TRACE"
        got = expect_operation(m.scenario, m.src, m.dst, m.events, opts.mappers)
        return {
            "visible": True, "scenario": m.scenario, "instance_id": m.inst.iid,
            "display_name": m.inst.name, "request_id": m.req, "source_host": m.src,
            "destination_host": m.dst, "outcome": got["outcome"], "verdict": got["verdict"],
            "expected_host": got["expected_host"], "would": False,
        }  # fmt: skip
    phases = [e for e in m.events if e.kind == "phase"]
    suffix = {e.etype[len(LM):] for e in phases if e.etype.startswith(LM)}
    if any("abort" in e.etype for e in phases):
        outcome = "aborted"
    elif suffix & {"_rollback.start", "_rollback.end", "rollback.dest.start", "rollback.dest.end"}:
        outcome = "failed"
    elif suffix & {"post.dest.end", "_post.end"}:
        outcome = "completed"
    else:
        outcome = "incomplete"
    first, last = min(e.gen for e in phases), max(e.gen for e in phases)
    seen = opts.trace is not None and opts.agent_log

    def traced(e: Ev) -> bool:
        return seen and opts.trace is not None and opts.trace[0] * 1e6 <= e.gen - base < opts.trace[1] * 1e6

    # a firing shows as a Mapped line (DEBUG on), else as a publisher body (what Zenoss would do)
    fired = [e for e in m.events if e.status == "queued" and e.etype in opts.mappers
             and (opts.debug or traced(e)) and (e.kind == "phase" or first <= e.gen <= last + 60_000_000)]
    dest_seen = any(e.etype[len(LM):] in DEST_SIDE and (traced(e) or e in fired) for e in phases)
    # lost: a failed post (its body is in the agent's ERROR line) or zenopenstack's error
    lost = [e for e in phases if e.etype in opts.mappers
            and (e.status == "discarded" or (e.status == "never" and opts.agent_log))]
    if outcome in ("failed", "aborted"):
        verdict = "failed"
    elif outcome == "incomplete":
        verdict = "incomplete"
    elif not dest_seen and not (opts.debug and fired and fired[-1].kind == "phase"
                                and fired[-1].etype[len(LM):] not in DEST_SIDE):
        verdict = "incomplete"  # the stale-with-destination-unknown clause needs a Mapped line
    elif lost:
        verdict = "lost"
    elif not fired:
        verdict = "missed"
    elif fired[-1].host != m.dst:
        verdict = "stale"
    else:
        verdict = "ok"
    # a migration that no line shows (no body, no Mapped line, nothing lost) is not in the report
    # (context events alone form no migration)
    visible = bool(lost) or any(e in fired or traced(e) for e in phases)
    return {
        "visible": visible,
        "scenario": m.scenario, "instance_id": m.inst.iid, "display_name": m.inst.name,
        "request_id": m.req, "source_host": m.src, "destination_host": m.dst if dest_seen else None,
        "outcome": outcome, "verdict": verdict, "would": not opts.debug,
        "events": [{"event_type": e.etype, "event_id": e.eid, "host": e.host, "generated": iso(e.gen),
                    "fate": {"queued": "arrived", "never": "post failed (HTTP 502)",
                             "discarded": "unprocessed"}[e.status]} for e in m.events],
    }  # fmt: skip
