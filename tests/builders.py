"""Build events and streams directly, for tests of the rules (no log text)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from lmtrace.clock import FileClock, OffsetSource
from lmtrace.events import Event, LineCounts, LogKind, Source, Status
from lmtrace.load import EventStream, InputSummary, sort_key

UTC = timezone.utc
T0 = datetime(2017, 1, 23, 6, 20, 0, tzinfo=UTC)
LM = "compute.instance.live_migration."
SRC, DST = "ndc27-3205", "ndc27-3222"
COLLECTOR, ZENPYTHON = "collector.log", "zenpython.log"


class Log:
    """Events of one migration as both logs saw them."""

    def __init__(self, request_id: str | None = "req-1", instance_id: str = "inst-1", name: str = "vm1") -> None:
        self.request_id = request_id
        self.instance_id = instance_id
        self.name = name
        self.events: list[Event] = []
        self.line = {COLLECTOR: 0, ZENPYTHON: 0}
        self.n = 0

    def _src(self, path: str) -> Source:
        self.line[path] += 1
        kind = LogKind.COLLECTOR if path == COLLECTOR else LogKind.ZENPYTHON
        return Source(kind, path, self.line[path])

    def phase(
        self,
        suffix: str,
        host: str | None,
        at: float,
        *,
        queued: bool | None = True,
        discarded: bool = False,
        collector: bool = True,
        event_type: str | None = None,
        request_id: str | None | bool = True,
        event_id: str | None | bool = True,
        delay: float = 0.2,
        dropped: bool = False,
        same_line: bool = False,
    ) -> Log:
        """Add one event `at` seconds after T0; `queued=None` means zenpython
        never saw it; `discarded` adds a queue-overflow line after queueing,
        `dropped` an `Event dropped by transform` one. `same_line` puts the
        collector sighting in the previous `record_events` line (same line
        number and log time, next place in the line)."""
        self.n += 1
        etype = event_type or LM + suffix
        eid = f"{self.request_id}-{self.instance_id}-ev-{self.n}" if event_id is True else event_id
        rid = self.request_id if request_id is True else request_id
        gen = T0 + timedelta(seconds=at)
        common = dict(
            event_type=etype,
            event_id=eid,
            request_id=rid,
            instance_id=self.instance_id,
            display_name=self.name,
            host_name=host,
        )
        if collector:
            prev = next((e for e in reversed(self.events) if e.source.kind is LogKind.COLLECTOR), None)
            if same_line and prev is not None:
                source, logged, index = prev.source, prev.logged_at, prev.index + 1
            else:
                source, logged, index = self._src(COLLECTOR), gen + timedelta(milliseconds=9), 0
            self.events.append(
                Event(
                    source=source,
                    status=Status.RECORDED,
                    generated=gen,
                    logged_at=logged,
                    index=index,
                    **common,  # type: ignore[arg-type]
                )
            )
        if queued:
            rcv = gen + timedelta(seconds=delay)
            self.events.append(
                Event(source=self._src(ZENPYTHON), status=Status.QUEUED, rcvtime=rcv, logged_at=rcv, **common)  # type: ignore[arg-type]
            )
            if discarded or dropped:
                self.events.append(
                    Event(
                        source=self._src(ZENPYTHON),
                        status=Status.DISCARDED if discarded else Status.DROPPED,
                        rcvtime=rcv,
                        logged_at=rcv + timedelta(seconds=1),
                        **common,  # type: ignore[arg-type]
                    )
                )
        return self

    def context(self, event_type: str, host: str, at: float, **kw: object) -> Log:
        return self.phase("", host, at, event_type=event_type, request_id=None, **kw)  # type: ignore[arg-type]

    def heartbeat(self, start: float, end: float, every: float = 60.0) -> Log:
        """Unrelated queued events that keep zenpython's log 'covering' time."""
        t = start
        while t <= end:
            self.events.append(
                Event(
                    source=self._src(ZENPYTHON),
                    status=Status.QUEUED,
                    event_type="compute.instance.exists",
                    event_id=f"hb-{t}",
                    rcvtime=T0 + timedelta(seconds=t),
                    logged_at=T0 + timedelta(seconds=t),
                    instance_id="other",
                    host_name="elsewhere",
                )
            )
            t += every
        return self


def stream(*logs: Log, zenpython: bool = True) -> EventStream:
    events = [e for log in logs for e in log.events]
    if not zenpython:
        events = [e for e in events if e.source.kind is LogKind.COLLECTOR]
    events.sort(key=sort_key)
    clock = FileClock(tz=UTC, source=OffsetSource.GIVEN)
    inputs = [
        InputSummary(
            path=COLLECTOR,
            kind=LogKind.COLLECTOR,
            lines=LineCounts(total=0, parsed=0, malformed=0),
            clock=clock,
            events=0,
            malformed=(),
        )
    ]
    if zenpython:
        inputs.append(
            InputSummary(
                path=ZENPYTHON,
                kind=LogKind.ZENPYTHON,
                lines=LineCounts(total=0, parsed=0, malformed=0),
                clock=clock,
                events=0,
                malformed=(),
            )
        )
    return EventStream(inputs=tuple(inputs), events=tuple(events))


def completed(log: Log, **kw: object) -> Log:
    """The six legacy phases of a successful migration SRC -> DST."""
    return (
        log.phase("pre.start", DST, 0, **kw)  # type: ignore[arg-type]
        .phase("pre.end", DST, 2, **kw)  # type: ignore[arg-type]
        .phase("_post.start", SRC, 30, **kw)  # type: ignore[arg-type]
        .phase("post.dest.start", DST, 31, **kw)  # type: ignore[arg-type]
        .phase("post.dest.end", DST, 31.2, **kw)  # type: ignore[arg-type]
        .phase("_post.end", SRC, 31.25, **kw)  # type: ignore[arg-type]
    )
