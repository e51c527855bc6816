"""`generate(opts, specs)`: plan, write both logs, return the manifest.
"""

from __future__ import annotations

import json
import os
import random
from dataclasses import asdict
from datetime import datetime, timezone

from .lines import Writer
from .ops import operation_of_type
from .plan import Ev, Instance, Migration, expect, iso, ms, new_uuid, plan_migration
from .spec import (
    HANDLER_MAPS,
    LM,
    OPERATION_ONLY_MAPS,
    SCENARIOS,
    UPDATE,
    MigrationSpec,
    Options,
    offset_text,
)

__all__ = ["generate"]


def _start_us(opts: Options) -> int:
    dt = datetime.fromisoformat(opts.start.replace("Z", ""))
    return int(dt.replace(tzinfo=timezone.utc).timestamp()) * 1_000_000


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    names = [n for n in SCENARIOS if weights.get(n, 0) > 0]
    return rng.choices(names, [weights[n] for n in names])[0]


def _finish_events(rng: random.Random, evs: list[Ev], seq0: int) -> int:
    seq = seq0
    for e in evs:
        e.eid = new_uuid(rng)
        e.arr = e.gen + ms(rng, 5, 20)  # collector logged-at: generated + 5-20 ms
        e.seq = seq
        seq += 1
    return seq


def _background(rng: random.Random, pool: list[Instance], hosts: list[str], t0: int,
                t1: int, max_gap: float) -> list[Ev]:
    """Events of other instances, at most max_gap seconds apart: zenpython keeps logging."""
    out: list[Ev] = []
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
        out.append(Ev(et, t, host, "req-" + new_uuid(rng), inst, "background", -1, st, sd))
        t += int(rng.uniform(min(20.0, hi / 2), hi) * 1_000_000)
    return out


def generate(opts: Options, specs: list[MigrationSpec] | None = None) -> dict[str, object]:
    """Write collector.log, zenpython.log and manifest.json into opts.out; return the manifest."""
    if not 0 <= opts.noise_ratio < 1:
        raise ValueError("noise ratio must be in [0, 1)")
    rng = random.Random(opts.seed)
    base = _start_us(opts)
    hosts = ["ndc27-%d" % (3201 + i) for i in range(max(opts.hosts, 2))]
    writer = Writer(opts, opts.out, rng)
    bg_pool = [Instance(rng, "vm-%s" % "%06x" % rng.getrandbits(24), base) for _ in range(16)]
    migrations: list[Migration] = []
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
        mig_events: list[Ev] = []
        epoch_migs: list[Migration] = []
        for spec, t0 in cur:
            src = spec.source or hosts[rng.randrange(len(hosts))]
            dst = spec.destination or hosts[rng.randrange(len(hosts))]
            while dst == src:
                dst = hosts[rng.randrange(len(hosts))]
            name = spec.display_name or "pdcmtest%d" % (index + 1)
            inst = Instance(rng, name, base)
            m = plan_migration(rng, index, spec, t0, inst, src, dst)
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
            bg.append(Ev(UPDATE, t_last + int(rng.uniform(66, 88) * 1_000_000),
                          hosts[int(inst.iid[:8], 16) % len(hosts)], "req-" + new_uuid(rng), inst,
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


def _listed(event_type: str, migs: list[Migration]) -> bool:
    if event_type == UPDATE:
        return True
    if event_type.startswith(LM):
        return any(m.operation == "live-migration" for m in migs)
    return any(m.operation == operation_of_type(event_type) for m in migs)


def _manifest(opts: Options, w: Writer, migs: list[Migration], n_bg: int) -> dict[str, object]:
    def ev_json(e: Ev) -> dict[str, object]:
        return {
            "event_type": e.etype,
            "event_id": e.eid,
            "kind": e.kind,
            "host_name": e.host,
            "generated": iso(e.gen),
            "collector_line": e.cline,
            "collector_logged_at": iso(e.clog),
            "zenpython_line": e.zline if e.status != "never" else None,
            "rcvtime": repr(e.rcv / 1e6) if e.status != "never" else None,
            "status": e.status,
        }

    others = any(m.operation != "live-migration" for m in migs)
    maps = {k: v for k, v in HANDLER_MAPS.items() if others or k not in OPERATION_ONLY_MAPS}
    out_m = []
    for m in migs:
        lm = m.operation == "live-migration"
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
            "expected": {name: expect(m, hmap) for name, hmap in maps.items()
                         if not lm or name not in OPERATION_ONLY_MAPS},
            "events": [ev_json(e) for e in m.events],
        })
        if not lm:
            out_m[-1]["operation"] = m.operation
            out_m[-1]["call_request_id"] = m.call_req
    opts_json = asdict(opts)
    opts_json["collector_tz"] = offset_text(opts.collector_tz)
    opts_json["zenpython_tz"] = offset_text(opts.zenpython_tz)
    opts_json.pop("out")
    n_events = sum(len(m.events) for m in migs) + n_bg
    return {
        # the generator that made the files (python -m lmtrace.synthetic)
        "generator": "lmtrace.synthetic",
        "options": opts_json,
        "files": {
            "collector.log": {
                "bytes": os.path.getsize(w.cpath),
                "lines": w.cline,
                "event_lines": w.c_event_lines,
                "dict_form_lines": w.c_dict_lines,
                "noise_lines": w.c_noise,
                "events": w.c_events,
                "utc_offset": offset_text(opts.collector_tz),
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
                "utc_offset": offset_text(opts.zenpython_tz),
            },
        },
        "counts": {
            "migrations": len(migs),
            "events": n_events,
            "background_events": n_bg,
            "scenarios": {s: sum(1 for m in migs if m.scenario == s) for s in SCENARIOS
                          if any(m.scenario == s for m in migs)},
        },
        # the entries that can touch the operations of this manifest
        "handler_maps": {k: {t: h for t, h in v.items() if _listed(t, migs)} for k, v in maps.items()},
        "migrations": out_m,
    }
