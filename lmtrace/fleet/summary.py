"""The fleet summary: one line of facts per cloud, and across clouds.

Operations judged, verdicts per cloud and per operation kind, the clouds
whose handler maps need the change (with the change), and the worst
offenders: the instances Zenoss most often left on the wrong host, in which
cloud, since when. Built from the clouds' `Report`s alone (no dask).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ..findings import MigrationReport, Report, Verdict

__all__ = ["CloudReport", "CloudSummary", "Fleet", "FleetSummary", "Offender", "WRONG_HOST", "summarize"]

#: verdicts that leave Zenoss showing the VM on a host it is not on
WRONG_HOST = (Verdict.LOST, Verdict.MISSED, Verdict.STALE)


@dataclass(frozen=True, slots=True, kw_only=True)
class CloudReport:
    cloud: str
    report: Report


@dataclass(frozen=True, slots=True, kw_only=True)
class Fleet:
    """What a sweep gives: each cloud's report, in the order given, and
    what was skipped on the way."""

    clouds: tuple[CloudReport, ...]
    warnings: tuple[str, ...] = ()
    #: per cloud, one line on the files that are not logs lmtrace reads
    skipped: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class CloudSummary:
    cloud: str
    #: operations reported (after filters) and found in the logs
    operations: int
    in_logs: int
    verdicts: dict[str, int]
    wrong_host: int
    handler_map: str
    recommended_change: str | None
    inputs: int
    malformed: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Offender:
    """An instance Zenoss left on the wrong host, in one cloud."""

    cloud: str
    instance_id: str | None
    display_name: str | None
    #: operations of it with a wrong-host verdict, of all its operations
    wrong: int
    operations: int
    #: start of its first wrong-host operation, end of its last
    since: datetime
    last: datetime
    #: its latest wrong-host operation: verdict, the host Zenoss wrote, the right one
    verdict: Verdict
    shown_on: str | None
    right_host: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class FleetSummary:
    clouds: tuple[CloudSummary, ...]
    operations: int
    verdicts: dict[str, int]
    #: operation kind (`live-migration`, `resize`, …) -> verdict -> count, kinds as first met
    by_operation: dict[str, dict[str, int]]
    #: (cloud, the recommended change) for each cloud whose map needs it
    needs_change: tuple[tuple[str, str], ...]
    offenders: tuple[Offender, ...]


def _shown_on(m: MigrationReport) -> str | None:
    hosts = [f.host for f in m.handlers if f.writes_host and f.host is not None]
    return hosts[-1] if hosts else None


def summarize(fleet: Fleet, *, top: int = 10) -> FleetSummary:
    """The summary across clouds; `top` offenders at most, most wrong first."""
    clouds: list[CloudSummary] = []
    total = {v.value: 0 for v in Verdict}
    by_op: dict[str, dict[str, int]] = {}
    offenders: list[Offender] = []
    for c in fleet.clouds:
        r = c.report
        for k, n in r.summary.verdicts.items():
            total[k] = total.get(k, 0) + n
        for m in r.migrations:
            counts = by_op.setdefault(m.operation, {v.value: 0 for v in Verdict})
            counts[m.verdict.value] += 1
        clouds.append(
            CloudSummary(
                cloud=c.cloud,
                operations=r.summary.migrations,
                in_logs=r.summary.migrations_in_logs or r.summary.migrations,
                verdicts=dict(r.summary.verdicts),
                wrong_host=sum(r.summary.verdicts.get(v.value, 0) for v in WRONG_HOST),
                handler_map=r.handler_map.name,
                recommended_change=r.summary.recommended_change,
                inputs=len(r.inputs),
                malformed=sum(i.lines.malformed for i in r.inputs),
            )
        )
        offenders.extend(_offenders(c.cloud, r.migrations))
    offenders.sort(key=lambda o: (-o.wrong, o.since, o.cloud, o.instance_id or ""))
    return FleetSummary(
        clouds=tuple(clouds),
        operations=sum(c.operations for c in clouds),
        verdicts=total,
        by_operation=by_op,
        needs_change=tuple((c.cloud, c.recommended_change) for c in clouds if c.recommended_change),
        offenders=tuple(offenders[:top]),
    )


def _offenders(cloud: str, migrations: Sequence[MigrationReport]) -> list[Offender]:
    by_instance: dict[str | None, list[MigrationReport]] = defaultdict(list)
    for m in migrations:
        by_instance[m.instance_id].append(m)
    out = []
    for iid, ms in by_instance.items():
        wrong = sorted((m for m in ms if m.verdict in WRONG_HOST), key=lambda m: m.start)
        if not wrong:
            continue
        latest = wrong[-1]
        out.append(
            Offender(
                cloud=cloud,
                instance_id=iid,
                display_name=next((m.display_name for m in reversed(ms) if m.display_name), None),
                wrong=len(wrong),
                operations=len(ms),
                since=wrong[0].start,
                last=latest.end,
                verdict=latest.verdict,
                shown_on=_shown_on(latest),
                right_host=latest.expected_host or latest.destination_host,
            )
        )
    return out
