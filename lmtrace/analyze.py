"""`analyze`: the whole pipeline in one call, logs in, a `Report` out.

read → parse → load (UTC) → join the two logs → group into migrations →
judge each (lmtrace.verdict) → filter → summarize. No terminal, no output
format: renderers take the `Report`.
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo

from ._gc import gc_paused
from .correlate import Coverage, Occurrence, coverage_of, join_sightings
from .errors import UsageError
from .events import LogKind, Status
from .findings import (
    AppliedFilters,
    HandlerMapInfo,
    MigrationReport,
    Reached,
    Report,
    Summary,
    Verdict,
)
from .handlers import HandlerMap, builtin_map, load_handler_map, recommended_change
from .judgeall import judge_occurrences
from .load import EventStream, load_events
from .operations import change_evidence, operation_counts
from .parallel import KindSpec
from .phases import LIVE_MIGRATION
from .progress import OnProgress
from .zenpath import (
    choose_map,
    debug_off_warnings,
    detect_generation,
    pipeline_facts,
    released_by_instance,
    zenopenstack_coverage,
)

__all__ = ["Filters", "analyze", "analyze_stream", "parse_when", "resolve_handler_map"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Filters:
    """Which migrations to report. Times are aware UTC; a migration matches
    `since`/`until` when its span overlaps them."""

    since: datetime | None = None
    until: datetime | None = None
    instance: str | None = None  # id or display name
    request: str | None = None
    host: str | None = None  # source or destination
    verdicts: frozenset[Verdict] | None = None
    device: str | None = None

    def matches(self, m: MigrationReport) -> bool:
        if self.since is not None and m.end < self.since:
            return False
        if self.until is not None and m.start > self.until:
            return False
        if self.instance is not None and self.instance not in (m.instance_id, m.display_name):
            return False
        if self.request is not None and self.request != m.request_id and self.request not in m.attached_requests:
            return False
        if self.host is not None and self.host not in (m.source_host, m.destination_host):
            return False
        if self.verdicts is not None and m.verdict not in self.verdicts:
            return False
        if self.device is not None and m.device != self.device:
            return False
        return True

    def applied(self, *, since_text: str | None = None, until_text: str | None = None) -> AppliedFilters:
        """What the report records: these filters, with the user's words for
        relative times (`10m`)."""
        return AppliedFilters(
            since=self.since,
            until=self.until,
            instance=self.instance,
            request=self.request,
            host=self.host,
            device=self.device,
            verdicts=None if self.verdicts is None else tuple(v for v in Verdict if v in self.verdicts),
            since_text=since_text if self.since is not None else None,
            until_text=until_text if self.until is not None else None,
        )


_RELATIVE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_when(text: str, *, newest: datetime | None, option: str = "--since") -> datetime:
    """An absolute time (dateutil; no zone means UTC) or a relative one
    (`90m`, `2h`, `3d`) counted back from the newest event of the inputs:
    forensic logs are old, so "now" is the logs' own now. The parts an
    absolute time leaves out (`06:05`: the date) come from the newest
    event's UTC day too, never from this machine's clock. A zone is an
    offset (`+01:00`) or UTC/GMT/Z; any other zone name is an error, since
    its meaning would depend on this machine. Every bad value is a
    `UsageError` naming the option."""
    m = _RELATIVE.match(text)
    if m:
        if newest is None:
            raise UsageError(f"{option} {text}: relative time, but the inputs hold no event to count back from")
        try:
            return newest - timedelta(**{_UNITS[m[2]]: float(m[1])})
        except OverflowError:
            raise UsageError(
                f"{option} {text}: too far back: counted back from the newest event it lies before the year 1"
            ) from None
    dt = _parse_absolute(text, newest=newest, option=option)
    try:
        return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        raise UsageError(f"{option} {text}: out of range once converted to UTC") from None


_NOT_A_TIME = "not a time; write e.g. '2017-01-23 06:00', '2017-01-23T06:00+08:00' or 90m"
#: two midnights that differ in year, month and day: a date part the text leaves out differs between them
_PROBES = (datetime(2001, 2, 3), datetime(2002, 3, 4))


def _parse_absolute(text: str, *, newest: datetime | None, option: str) -> datetime:
    from dateutil import parser

    def zone(name: str | None, offset: int | None) -> tzinfo | None:
        if offset is not None:  # +01:00, -0800, UTC, GMT, Z
            if abs(offset) >= 24 * 3600:
                raise UsageError(f"{option} {text}: UTC offset out of range; it must lie between -23:59 and +23:59")
            return timezone(timedelta(seconds=offset))
        if name is not None:  # CET, EST, ...: ambiguous, and dateutil would guess from this machine
            raise UsageError(f"{option} {text}: unknown zone name {name}; write an offset instead (e.g. +01:00)")
        return None  # no zone: UTC

    def parse(default: datetime) -> datetime:
        try:
            dt: datetime = parser.parse(text, default=default, tzinfos=zone)
        except (ValueError, OverflowError):
            raise UsageError(f"{option} {text}: {_NOT_A_TIME}") from None
        return dt

    if newest is not None:
        day = newest.astimezone(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
        return parse(day)
    # no event to take the missing parts from: fine only if nothing is missing
    a, b = (parse(d) for d in _PROBES)
    if a != b:
        raise UsageError(
            f"{option} {text}: a time without a full date, but the inputs hold no event to take the date from"
        )
    return a


def resolve_handler_map(zenpack: str | None = None, path: str | None = None) -> HandlerMap | None:
    """A user's map (events.py or TOML) replaces the built-in one entirely;
    None when neither is given: `analyze` then picks the built-in map of the
    ZenPack generation the inputs show (lmtrace.zenpath)."""
    if path is not None:
        return load_handler_map(path)
    return builtin_map(zenpack) if zenpack else None


def analyze(
    paths: Sequence[str],
    *,
    handler_map: HandlerMap | None = None,
    kind: KindSpec = None,
    tz: Mapping[str, tzinfo] | None = None,
    filters: Filters | None = None,
    since: str | None = None,
    until: str | None = None,
    on_file: Callable[[str], None] | None = None,
    jobs: int | None = 1,
    on_progress: OnProgress | None = None,
) -> Report:
    """Read the logs and judge every live migration in them.

    `since`/`until` are user text (see `parse_when`), resolved against the
    newest event once the logs are read; `filters` holds the rest. `jobs`
    processes parse large inputs (None: every core; the report is the same
    for any number); `on_progress` is told how far reading has got.
    Only the fields the verdicts need are parsed (`Event.traits` stays
    empty): the analysis never reads the other traits.
    """
    stream = load_events(
        paths, kind=kind, tz=tz, on_file=on_file, full=False, jobs=jobs, on_progress=on_progress
    )
    return analyze_stream(
        stream, handler_map=handler_map, filters=filters, since=since, until=until
    )


def analyze_stream(
    stream: EventStream,
    *,
    handler_map: HandlerMap | None = None,
    filters: Filters | None = None,
    since: str | None = None,
    until: str | None = None,
) -> Report:
    """Judge the migrations of events already loaded (see `analyze`)."""
    with gc_paused():
        return _analyze_stream(stream, handler_map, filters, since, until)


def _analyze_stream(
    stream: EventStream,
    handler_map: HandlerMap | None,
    filters: Filters | None,
    since: str | None,
    until: str | None,
) -> Report:
    generation = detect_generation(stream.inputs, stream.events)
    hmap, why = choose_map(handler_map, generation)
    filters = filters or Filters()
    if since is not None or until is not None:
        times = [t for e in stream.events if (t := e.logged_at or e.time) is not None]
        newest = max(times, default=None)
        filters = Filters(
            since=parse_when(since, newest=newest) if since is not None else filters.since,
            until=parse_when(until, newest=newest, option="--until") if until is not None else filters.until,
            instance=filters.instance,
            request=filters.request,
            host=filters.host,
            verdicts=filters.verdicts,
            device=filters.device,
        )
    if filters.since is not None and filters.until is not None and filters.since > filters.until:
        raise UsageError(
            f"--since {since if since is not None else ''} lies after --until {until if until is not None else ''} "
            f"({filters.since:%Y-%m-%d %H:%M:%S} > {filters.until:%Y-%m-%d %H:%M:%S} UTC): no time is in that range"
        )

    zen_inputs = [i for i in stream.inputs if i.kind is LogKind.ZENPYTHON]
    coverage_by_file: dict[str, Coverage] = {}
    queued_times: dict[str, list[datetime]] = defaultdict(list)
    for e in stream.events:
        if e.source.kind is LogKind.ZENPYTHON and e.status is Status.QUEUED:
            t = e.logged_at or e.rcvtime
            if t is not None:
                queued_times[e.source.path].append(t)
    for i in zen_inputs:
        # another ZenPack's queued events prove debug logging was on too
        queued_times[i.path].extend(i.foreign_queued)
    for i in zen_inputs:
        coverage_by_file[i.path] = coverage_of(queued_times.get(i.path, ()))
    coverage = (
        coverage_of(t for ts in queued_times.values() for t in ts) if zen_inputs else None
    )
    zos = zenopenstack_coverage(stream.inputs, stream.events, coverage_by_file)
    released = released_by_instance(stream.events)

    occurrences = join_sightings(stream.events)
    groups, migrations = judge_occurrences(
        occurrences, coverage=coverage, hmap=hmap, zos=zos, released=released
    )
    shown = tuple(m for m in migrations if filters.matches(m))
    warnings = list(stream.warnings)
    warnings.extend(_time_filter_warnings(migrations, filters, since, until, stream))
    warnings.extend(_clock_disagreements(occurrences))
    if any(g.operation is LIVE_MIGRATION for g in groups) and not _acts_on_migrations(hmap):
        warnings.append(
            f"handler map {hmap.name} sends no live-migration event type to a host-writing handler: "
            "every completed migration is judged by context events alone (a map you give replaces "
            "the built-in one entirely)"
        )
    for i in zen_inputs:
        if not queued_times.get(i.path):
            warnings.append(
                f"{i.path}: no queued-event line: zenpython debug logging was off (`zenpython debug`), "
                "so this log covers nothing; verdicts say what Zenoss would do"
            )
    pipeline = pipeline_facts(stream.inputs, stream.events)
    warnings.extend(debug_off_warnings(pipeline))
    return Report(
        pipeline=pipeline,
        migrations=shown,
        inputs=stream.inputs,
        coverage=coverage_by_file,
        handler_map=HandlerMapInfo(
            name=hmap.name, source=hmap.source, shape=str(hmap.shape), generation=generation.name, why=why
        ),
        summary=_summary(shown, hmap, coverage_by_file, in_logs=len(migrations)),
        warnings=tuple(warnings),
        filters=filters.applied(
            since_text=since.strip() if since is not None and _RELATIVE.match(since) else None,
            until_text=until.strip() if until is not None and _RELATIVE.match(until) else None,
        ),
    )


def _time_filter_warnings(
    migrations: Sequence[MigrationReport],
    filters: Filters,
    since: str | None,
    until: str | None,
    stream: EventStream,
) -> list[str]:
    """A zoneless --since/--until is UTC, not the logs' local time: when it
    excluded migrations, say so, with how many, so that `--since 14:05`
    meant as local time does not silently match nothing."""
    if filters.since is None and filters.until is None:
        return []
    by_time = Filters(since=filters.since, until=filters.until)
    excluded = sum(1 for m in migrations if not by_time.matches(m))
    zoneless = [
        f"{opt} {text}" for opt, text in (("--since", since), ("--until", until))
        if text is not None and not _RELATIVE.match(text) and _zoneless(text)
    ]
    if not excluded or not zoneless:
        return []
    offsets = sorted({i.clock.label for i in stream.inputs if i.clock.label not in ("+00:00", "UTC")})
    local = f" (the logs' local times are {', '.join(offsets)})" if offsets else ""
    return [
        f"{' and '.join(zoneless)}: a time without a zone is UTC, not the logs' local time{local}; "
        f"the time filter excluded {excluded} of {len(migrations)} live migration(s). "
        "Add the offset (e.g. '14:05 +08:00') to mean local time"
    ]


def _zoneless(text: str) -> bool:
    """Whether an absolute time names no zone (then it is UTC)."""
    try:
        return _parse_absolute(text, newest=datetime(2000, 1, 1, tzinfo=timezone.utc), option="").tzinfo is None
    except UsageError:
        return False


# the collector logs an event a few ms after Ceilometer made it and zenpython
# queues it well under a second later: a median far beyond that is a clock
CLOCK_DISAGREEMENT = timedelta(minutes=10)


def _clock_disagreements(occurrences: Sequence[Occurrence]) -> list[str]:
    """A warning per zenpython log whose queue times, for the events both
    logs saw, lie far from the collector's log times: a wrong --tz (or an
    inferred offset thrown off), which moves coverage and firing times."""
    deltas: dict[tuple[str, str], list[float]] = defaultdict(list)
    for o in occurrences:
        c, q = o.collector, o.queued
        if c is not None and q is not None and c.logged_at is not None and q.logged_at is not None:
            deltas[(c.source.path, q.source.path)].append((q.logged_at - c.logged_at).total_seconds())
    out = []
    for (cpath, zpath), ds in sorted(deltas.items()):
        median = statistics.median(ds)
        if abs(median) >= CLOCK_DISAGREEMENT.total_seconds():
            hours = median / 3600
            out.append(
                f"{zpath}: its queue times lie {abs(hours):.1f} h {'after' if median > 0 else 'before'} "
                f"{cpath}'s log times for the same {len(ds)} event(s): a wrong --tz for one of them? "
                "coverage and firing times are off by as much"
            )
    return out


def _acts_on_migrations(hmap: HandlerMap) -> bool:
    return any(
        t in LM_TYPES and h is not None and hmap.writes_host(h) for t, h in hmap.handlers.items()
    )


LM_TYPES = frozenset(LIVE_MIGRATION.legacy_types()) | frozenset(
    f"instance.{s.versioned}" + (f".{e}" if e else "") for s in LIVE_MIGRATION.steps for e in s.edges
)


def _summary(
    migrations: Iterable[MigrationReport],
    hmap: HandlerMap,
    coverage: Mapping[str, Coverage],
    *,
    in_logs: int | None = None,
) -> Summary:
    ms = list(migrations)
    counts = {v.value: 0 for v in Verdict}
    for m in ms:
        counts[m.verdict.value] += 1
    lost_unmapped = sum(
        1 for m in ms for p in m.phases if p.reached in (Reached.NO, Reached.DISCARDED) and p.handler is None
    )
    gaps = sum(len(c.gaps) for c in coverage.values())
    # the mapping change, where the evidence supports it (lmtrace.operations)
    notes, change_ops = change_evidence(ms, hmap)
    return Summary(
        verdicts=counts,
        migrations=len(ms),
        lost_unmapped=lost_unmapped,
        coverage_gaps=gaps,
        recommended_change=recommended_change(hmap, change_ops) if change_ops else None,
        notes=tuple(notes),
        migrations_in_logs=len(ms) if in_logs is None else in_logs,
        operations=operation_counts(ms),
        change_operations=change_ops,
    )
