"""The two ways events reach Zenoss, as data the other steps read.

- **2.x** (ZenPack 2.x, 2014–2018): Ceilometer's collector runs the Zenoss
  dispatcher (`record_events called`), AMQP, zenpython queues the event
  (`Queued event`, eventClassKey `openstack|…`), a zeneventd transform runs
  the handler. lmtrace infers the firing from the handler map.
- **3.x/4.x** (ZenPack 3.0 on, 2019–): Ceilometer's HTTP publisher posts
  the event to zenopenstack, which logs `Mapped <type> event to
  <ObjectMap {…}>` for every type its MAPPERS maps: the firing and the host
  it wrote, in the log itself (domain.md, "The 3.x/4.x path").

This module says (beside what each status means for the join, in
lmtrace.correlate: arrived, lost at Zenoss, not an event) which lines make
zenopenstack's coverage,
which generation the inputs show and so which built-in map is the default,
the host a released ObjectMap gave the model, and the publisher's facts
(posts, HTTP statuses, failures, lost events with their cause).
"""

from __future__ import annotations

import bisect
import os
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from .correlate import LOST_AT_ZENOSS, Coverage, coverage_of
from .events import Event, LogKind, Status
from .handlers import HandlerMap, builtin_map
from .load import InputSummary
from .read import STDIN, open_input

__all__ = [
    "COVERAGE_STATUSES",
    "Generation",
    "LostEvent",
    "PipelineFacts",
    "cause_of",
    "detect_generation",
    "pipeline_facts",
    "released_after",
    "choose_map",
    "debug_off_warnings",
    "released_by_instance",
    "zenopenstack_coverage",
    "zenopenstack_debug_times",
]

#: zenopenstack's statuses that are DEBUG lines of zen.OpenStack.zenopenstack:
#: its coverage (domain.md: stretches between them at most 10 minutes apart)
COVERAGE_STATUSES = frozenset({Status.MAPPED, Status.RELEASED, Status.PROPAGATED, Status.TICK})

#: a Released objectmap within this long after the last firing is its result
RELEASE_WINDOW = timedelta(minutes=10)


def cause_of(e: Event | None) -> str | None:
    """Why an event was lost, as its line says: a failed post's HTTP status
    and error, zenopenstack's exception, zenpython's queue overflow."""
    if e is None:
        return None
    err = e.trait("error")
    if e.status is Status.FAILED:
        return f"the HTTP publisher failed to post it: {err}" if err else "the HTTP publisher failed to post it"
    if e.status is Status.UNPROCESSED:
        return f"zenopenstack could not process it: {err}" if err else "zenopenstack could not process it"
    if e.status is Status.DISCARDED:
        return "queue overflow: discarded"
    if e.status is Status.DROPPED:
        return "dropped by a transform"
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Generation:
    """Which ZenPack generation the inputs show, and the built-in map that follows."""

    name: str  # "2.x", "3.x/4.x", "mixed" or "unknown"
    evidence: str  # what in the inputs says so
    default_map: str  # the built-in map for it


def detect_generation(inputs: Sequence[InputSummary], events: Iterable[Event]) -> Generation:
    """zenopenstack or HTTP-publisher inputs mean 3.x/4.x; zenpython queued
    events mean 2.x (its `openstack|` keys); a collector log alone (the
    Zenoss dispatcher: `record_events`) means 2.x. Both at once is an
    upgrade window: the newer map, since the newer path is the one still
    running."""
    kinds = Counter(i.kind for i in inputs if i.lines.parsed or i.events)
    new = [k.value for k in (LogKind.ZENOPENSTACK, LogKind.PUBLISHER) if kinds.get(k)]
    old = [k.value for k in (LogKind.ZENPYTHON, LogKind.COLLECTOR) if kinds.get(k)]
    # zenpython's own events: 2.x keys are 'openstack|TYPE', 3.x's 'openstack-TYPE'
    zen = [i.path for i in inputs if i.kind is LogKind.ZENPYTHON and i.events]
    dashed = [p for p in zen if _dash_keys(p)]
    if dashed and len(dashed) == len(zen):
        # 3.0's AMQP datasource for pre-Pike clouds: the dispatcher's collector log goes with it
        new.append("zenpython queued events with openstack-TYPE keys (3.0's AMQP datasource)")
        old = []
    if new and old:
        return Generation(
            name="mixed",
            evidence=f"{' and '.join(new)} lines (3.x/4.x) beside {' and '.join(old)} lines (2.x): an upgrade window",
            default_map="osi-3.x",
        )
    if new:
        what = " and ".join(n if " " in n else f"{n} lines" for n in new)
        return Generation(name="3.x/4.x", evidence=what, default_map="osi-3.x")
    if kinds.get(LogKind.ZENPYTHON):
        return Generation(name="2.x", evidence="zenpython queued events (eventClassKey openstack|TYPE)", default_map="osi-2.x")
    if kinds.get(LogKind.COLLECTOR):
        return Generation(name="2.x", evidence="the Zenoss dispatcher's record_events lines", default_map="osi-2.x")
    return Generation(name="unknown", evidence="no event in the inputs", default_map="osi-2.x")


_DASH_KEY = re.compile(rb"""['"]eventClassKey['"]\s*:\s*u?['"]openstack-""")
_PIPE_KEY = re.compile(rb"""['"]eventClassKey['"]\s*:\s*u?['"]openstack\|""")


def _dash_keys(path: str) -> bool:
    """Whether a zenpython log's first MiB shows 3.x keys (`openstack-TYPE`)
    and no 2.x ones (`openstack|TYPE`). Only a regular file is read again:
    stdin or a pipe, read once already, is not (no: 2.x)."""
    if path == STDIN or not os.path.isfile(path):
        return False
    try:
        with open_input(path) as f:
            head = f.read(1 << 20)
    except (OSError, EOFError, ValueError):
        return False
    return bool(_DASH_KEY.search(head)) and not _PIPE_KEY.search(head)


def released_after(released: Sequence[Event], t: datetime) -> Event | None:
    """The first Released objectmap of an instance at or after `t` (its
    last firing) and within RELEASE_WINDOW: the consolidated map that
    carries that firing (zenopenstack releases an update 40–100 s after the
    first Mapped line of its window). `released` is in time order."""
    times = [e.logged_at for e in released if e.logged_at is not None]
    i = bisect.bisect_left(times, t)
    if i < len(released):
        e = released[i]
        if e.logged_at is not None and e.logged_at - t <= RELEASE_WINDOW:
            return e
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class LostEvent:
    """An event that never reached the Zenoss model, and why."""

    event_type: str
    event_id: str | None
    instance_id: str | None
    time: datetime | None
    path: str
    line: int
    cause: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PipelineFacts:
    """What the 3.x/4.x path's logs say beside the events: the publisher's
    posts and their HTTP statuses, and every event lost on the way."""

    posts: int
    statuses: dict[str, int]  # HTTP status (or "error") -> posts
    failures: int  # failed posts (status >= 400, or a sink error)
    lost_events: tuple[LostEvent, ...]
    debug_off: tuple[str, ...]  # zenopenstack logs without a DEBUG line


def pipeline_facts(inputs: Sequence[InputSummary], events: Iterable[Event]) -> PipelineFacts | None:
    """None when no input is of the 3.x/4.x path. A failed post's ERROR line
    holds its body: one post, however many events it carried."""
    if not any(i.kind in (LogKind.ZENOPENSTACK, LogKind.PUBLISHER) for i in inputs):
        return None
    statuses: Counter[str] = Counter()
    failures = 0
    failed_lines: dict[tuple[str, int], str] = {}
    lost: list[LostEvent] = []
    debug_lines: Counter[str] = Counter()
    for e in events:
        s = e.status
        if e.source.kind is LogKind.ZENOPENSTACK and s in COVERAGE_STATUSES:
            debug_lines[e.source.path] += 1
        if s is Status.POST:
            code = e.trait("status_code")
            statuses[str(code) if code is not None else "error"] += 1
            if not isinstance(code, int) or code >= 400:
                failures += 1
        elif s is Status.FAILED:
            err = e.trait("error")
            code = str(err).split(":", 1)[0].removeprefix("HTTP ") if err else "error"
            failed_lines[(e.source.path, e.source.line)] = code
        if s in (Status.FAILED, Status.UNPROCESSED) or (
            s in LOST_AT_ZENOSS and e.source.kind is LogKind.ZENOPENSTACK
        ):
            lost.append(
                LostEvent(
                    event_type=e.event_type,
                    event_id=e.event_id,
                    instance_id=e.instance_id,
                    time=e.generated or e.logged_at,
                    path=e.source.path,
                    line=e.source.line,
                    cause=cause_of(e) or "lost",
                )
            )
    for code in failed_lines.values():
        statuses[code] += 1
        failures += 1
    return PipelineFacts(
        posts=sum(statuses.values()),
        statuses=dict(sorted(statuses.items())),
        failures=failures,
        lost_events=tuple(lost),
        debug_off=tuple(
            i.path for i in inputs if i.kind is LogKind.ZENOPENSTACK and not debug_lines[i.path] and i.lines.total
        ),
    )


def zenopenstack_debug_times(events: Iterable[Event]) -> dict[str, list[datetime]]:
    """Per zenopenstack log, the UTC times of its DEBUG lines of
    zen.OpenStack.zenopenstack: what its coverage is made of."""
    out: dict[str, list[datetime]] = {}
    for e in events:
        if e.source.kind is LogKind.ZENOPENSTACK and e.status in COVERAGE_STATUSES and e.logged_at is not None:
            out.setdefault(e.source.path, []).append(e.logged_at)
    return out


def released_by_instance(events: Iterable[Event]) -> dict[str, list[Event]]:
    """Released objectmaps per instance, in time order."""
    out: dict[str, list[Event]] = {}
    for e in events:
        if e.status is Status.RELEASED and e.instance_id is not None and e.logged_at is not None:
            out.setdefault(e.instance_id, []).append(e)
    for v in out.values():
        v.sort(key=lambda e: e.logged_at)  # type: ignore[arg-type,return-value]
    return out


def choose_map(given: HandlerMap | None, generation: Generation) -> tuple[HandlerMap, str]:
    """The map the verdicts use, and why: the user's, else the built-in map
    of the generation the inputs show."""
    if given is not None:
        return given, "given (--zenpack or --handler-map): it wins over the inputs"
    if generation.name == "mixed":
        why = f"the newer path's map, the one still running after the upgrade: {generation.evidence}"
    else:
        why = f"the default for ZenPack {generation.name}, seen from {generation.evidence}"
    return builtin_map(generation.default_map), why


def zenopenstack_coverage(
    inputs: Sequence[InputSummary], events: Iterable[Event], per_file: dict[str, Coverage]
) -> Coverage | None:
    """Each zenopenstack log's coverage (into `per_file`) and all of them
    merged; None when no zenopenstack log was given."""
    logs = [i for i in inputs if i.kind is LogKind.ZENOPENSTACK]
    if not logs:
        return None
    times = zenopenstack_debug_times(events)
    for i in logs:
        per_file[i.path] = coverage_of(times.get(i.path, ()))
    return coverage_of(t for ts in times.values() for t in ts)


def debug_off_warnings(pipeline: PipelineFacts | None) -> list[str]:
    return [
        f"{path}: no DEBUG line of zen.OpenStack.zenopenstack: debug logging was off (it logs at INFO "
        "by default; `zenopenstack debug` switches it on), so this log covers nothing; verdicts say "
        "what Zenoss would do"
        for path in (pipeline.debug_off if pipeline is not None else ())
    ]
