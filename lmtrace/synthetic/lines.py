"""The lines: collector and zenpython line formats, noise from other loggers of the same processes
(never carrying a marker of an event line), and the writer of both logs.
"""

from __future__ import annotations

import hashlib
import os
import random
import time

from .plan import Ev, ms, new_uuid
from .spec import LM, UPDATE, ZEN_DEVICE, Options

__all__ = ["Writer"]

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



_DISPATCHER_PY = "/usr/lib/python2.7/site-packages/ceilometer_zenoss/dispatcher/zenoss.py"


_COLLECTOR_PID = 25667


_QUEUE_MAX = 5000  # PBDaemon --maxqueuelen default


_FLUSH_US = 5_000_000  # PBDaemon --eventflushseconds default: the queue empties every 5 s


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
                 f"zenoss.openstack.{ZEN_DEVICE}.event.{t} record_events {_DISPATCHER_PY}:467\n"] * 3
    for meter in ("cpu_util", "memory.usage", "disk.read.bytes.rate", "network.incoming.bytes",
                  "vcpus", "instance"):
        for _ in range(4):
            pool.append(f" {pid} DEBUG ceilometer_zenoss.dispatcher.zenoss [-] Publishing "
                        f"message to zenoss.openstack.{ZEN_DEVICE}.meter.{meter}.{new_uuid(rng)} "
                        f"record_metering_data {_DISPATCHER_PY}:427\n")
    for _ in range(6):
        pool.append(f" {pid} DEBUG oslo_messaging._drivers.amqpdriver [-] received message "
                    f"with unique_id: {'%032x' % rng.getrandbits(128)} __call__ "
                    "/usr/lib/python2.7/site-packages/oslo_messaging/_drivers/amqpdriver.py:195\n")
    pool += [
        f" {pid} INFO ceilometer_zenoss.dispatcher.zenoss [-] Sending heartbeat to "
        f"zenoss.openstack.heartbeat.{ZEN_DEVICE}.ctl01.ceilometer-collector\n",
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
        pool.append(f" DEBUG zen.collector.scheduler: Task {ZEN_DEVICE} 60 {task} "
                    "finished, result: None\n")
        pool.append(f" DEBUG zen.collector.scheduler: Task {ZEN_DEVICE} 60 {task} "
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


def _coll_event(e: Ev, dict_form: bool) -> str:
    inst = e.inst
    if dict_form:
        reqt = ", [u'request_id', 1, u'%s']" % e.req if e.req else ""
        gen = _gen_text(e.gen).replace(" ", "T")
        sig = hashlib.sha256(e.eid.encode()).hexdigest()
        return inst.dict_tpl % (e.etype, e.sd, e.state, e.host, reqt, sig, gen, e.eid)
    reqt = " <Trait: request_id 1 %s>" % e.req if e.req else ""
    return inst.coll_tpl % (e.eid, e.etype, _gen_text(e.gen), e.sd, e.state, e.host, reqt)


def _zen_dict(e: Ev, pretty: bool) -> str:
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


class Writer:
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

    def write_epoch(self, events: list[Ev], t0: int, t1: int) -> None:
        self._write_collector(events, t0, t1)
        # zenpython consumes what the dispatcher published, in that order (one AMQP queue):
        # rcvtime = generated + 50-500 ms, but never before the collector logged it nor before
        # the event published ahead of it
        rng = self.rng
        prev = 0
        skew = round(self.o.zenpython_skew * 1_000_000)
        for e in sorted(events, key=lambda e: (e.clog, e.cline, e.seq)):
            prev = max(e.gen + ms(rng, 50, 500), e.clog + 2000, prev + 50)
            e.rcv = prev + skew  # as the Zenoss host's clock reads it
        self._write_zenpython(events, t0, t1)

    def _write_collector(self, events: list[Ev], t0: int, t1: int) -> None:
        rng = self.rng
        o = self.o
        evs = sorted(events, key=lambda e: (e.arr, e.seq))
        batches: list[list[Ev]] = []
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

    def _write_zenpython(self, events: list[Ev], t0: int, t1: int) -> None:
        rng = self.rng
        o = self.o
        rr = rng.random
        zevs = sorted((e for e in events if e.status != "never"), key=lambda e: (e.rcv, e.seq))
        # records: (time, text, ev or None, physical lines)
        recs: list[tuple[int, str, Ev | None, int]] = []
        fmt = self.zclock.fmt
        pending: list[tuple[int, Ev]] = []  # (queued lines left before discard, ev)
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
            still: list[tuple[int, Ev]] = []
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
        for t, text, ev, nlines in recs:
            while ni < nn and noise[ni] < t:
                out.append(fmt(noise[ni]) + pool[int(rr() * npool)])
                ni += 1
                line += 1
            if ev is not None:
                ev.zline = line + 1
            out.append(text)
            line += nlines
        while ni < nn:
            out.append(fmt(noise[ni]) + pool[int(rr() * npool)])
            ni += 1
            line += 1
        self.z_noise += nn
        self.zline = line
        self.zf.write("".join(out))

    def _discard_line(self, d: Ev, t: int, lower: bool) -> str:
        fmt = self.zclock.fmt
        if lower:  # Zenoss 6.8+: log.warn, lower case
            return "%s WARNING zen.zenpython: discarded event - queue overflow: %s\n" % (
                fmt(t), _zen_dict(d, False))
        return "%s DEBUG zen.zenpython: Discarded event - queue overflow: %s\n" % (
            fmt(t), _zen_dict(d, False))

    def close(self) -> None:
        self.cf.close()
        self.zf.close()
