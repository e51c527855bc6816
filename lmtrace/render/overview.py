"""The compact report: what an incident review reads first, at any volume.

A day of logs holds thousands of migrations; the full report (one section
per migration) runs to a hundred thousand lines. The compact report fits on
a couple of screens: the verdicts grouped by a short reason, the hosts and
instances most affected, and one row per migration needing action (every
verdict but `ok`), limited to `View.limit` rows. The full detail comes on
request (`--details`), or by itself when the report holds few migrations
(`AUTO_DETAILS`). Text, markdown and rich draw the same `Section`s; the
machine formats always hold everything.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timezone

from ..findings import MigrationReport, Outcome, Reached, Report, Verdict
from ..humantime import clock
from ..phases import operation_named
from .fields import phase_name

__all__ = [
    "AUTO_DETAILS",
    "DEFAULT_LIMIT",
    "GROUP_BY",
    "Section",
    "View",
    "action_rows",
    "group_section",
    "needs_action",
    "rest_line",
    "overview_sections",
    "short_reason",
]

#: the full detail is shown without --details when the report holds at most this many migrations
AUTO_DETAILS = 3
#: rows of the per-migration table (and of --group-by tables) unless --limit says otherwise
DEFAULT_LIMIT = 50
#: the most affected hosts and instances listed
TOP = 5
GROUP_BY = ("host", "instance", "verdict", "day")


@dataclass(frozen=True, slots=True, kw_only=True)
class View:
    """How much of a report a human format shows."""

    limit: int = DEFAULT_LIMIT  # 0: no limit
    details: bool | None = None  # None: automatic (AUTO_DETAILS)
    group_by: tuple[str, ...] = ()

    def full(self, report: Report) -> bool:
        """Whether every migration is shown in full."""
        if self.details is not None:
            return self.details
        return len(report.migrations) <= AUTO_DETAILS

    def cut(self, n: int) -> int:
        """How many of `n` rows are shown."""
        return n if self.limit <= 0 else min(n, self.limit)


@dataclass(frozen=True, slots=True, kw_only=True)
class Section:
    """A titled table: text, markdown and rich draw it each in their way.
    `styles[n]` names the verdict of row n (for colour), or ""."""

    title: str
    head: tuple[str, ...]
    rows: list[tuple[str, ...]]
    styles: list[str] = field(default_factory=list)
    #: what follows the table: `… and 4,350 more (--limit 0 shows all)`
    more: str = ""
    #: columns holding counts (right-aligned in text)
    numeric: tuple[int, ...] = ()


def _noun(ms: Iterable[MigrationReport]) -> str:
    """`migration` when every operation is a live migration, else `operation`
    (resizes, evacuations, unshelves move VMs too)."""
    return "migration" if all(m.operation == "live-migration" for m in ms) else "operation"


def _mixed(ms: Iterable[MigrationReport]) -> bool:
    return len({m.operation for m in ms}) > 1


def rest_line(ms: Sequence[MigrationReport], shown: int) -> str:
    """What a full report cut by --limit says after its last section."""
    return f"... and {_n(len(ms) - shown)} more {_noun(ms)}s (--limit 0 shows them all)"


def needs_action(m: MigrationReport) -> bool:
    return m.verdict is not Verdict.OK


def _n(count: int) -> str:
    return f"{count:,}"


def _last_write(m: MigrationReport) -> tuple[str, str, bool] | None:
    """(who, host, context) of the last host-writing firing: `instance_update
    on _post.end`, or the context event's type."""
    writers = [f for f in m.handlers if f.writes_host and f.host is not None]
    if not writers:
        return None
    f = writers[-1]
    phase = phase_name(f.event_type)
    who = f"{f.handler} on {phase}" if phase and not f.context else f"a later {f.event_type}"
    return who, f.host or "", f.context


def _host_role(m: MigrationReport, host: str) -> str:
    if host == m.source_host:
        return "the source"
    if host == m.destination_host:
        return "the destination"
    return "another host"


def short_reason(m: MigrationReport) -> str:
    """The reason in a few words, the same for every migration that went
    wrong the same way, so that they group: `instance_update on _post.end
    wrote the source`. The full sentence is in `reason`."""
    v = m.verdict
    last = _last_write(m)
    if v is Verdict.FAILED:
        what = "aborted" if m.outcome is Outcome.ABORTED else "rolled back"
        if last is not None and last[1] == m.destination_host:
            return f"{what}; {last[0]} wrote the destination"
        return what
    if v is Verdict.INCOMPLETE:
        if m.destination_host is None:
            return "no destination-side phase: destination unknown"
        return "no final phase in the logs"
    if v is Verdict.LOST:
        lost = [p for p in m.phases if p.handler and p.reached in (Reached.NO, Reached.DISCARDED)]
        if not lost:
            return "a mapped phase never reached Zenoss"
        p = lost[-1]
        how = "discarded by zenpython" if p.reached is Reached.DISCARDED else "never reached Zenoss"
        return f"{p.handler} on {p.phase} {how}"
    if v is Verdict.MISSED:
        return "no host-writing handler fired"
    if last is None:  # pragma: no cover - stale and ok have a writer
        return str(v)
    return f"{last[0]} wrote {_host_role(m, str(last[1]))}"


def _time(m: MigrationReport, dated: bool) -> str:
    return clock(m.start.astimezone(timezone.utc), dated=dated)[: 19 if dated else 8]


def _dated(ms: Sequence[MigrationReport]) -> bool:
    return len({m.start.astimezone(timezone.utc).date() for m in ms}) > 1


def action_rows(
    ms: Sequence[MigrationReport], arrow: str = "->", *, operation: bool = False
) -> list[tuple[str, ...]]:
    """One row per migration: time (UTC), [operation,] instance, source ->
    destination, verdict (`stale (would)` when no zenpython log covered it),
    short reason."""
    dated = _dated(ms)
    return [
        (
            _time(m, dated),
            *((operation_named(m.operation).noun,) if operation else ()),
            m.display_name or m.instance_id or "?",
            f"{m.source_host or '?'} {arrow} {m.destination_host or '?'}",
            m.verdict.value + (" (would)" if m.would else ""),
            short_reason(m),
        )
        for m in ms
    ]


ACTION_HEAD = ("time (UTC)", "instance", "source -> destination", "verdict", "reason")


def overview_sections(report: Report, view: View, arrow: str = "->") -> list[Section]:
    """The compact report's tables, after its summary: by verdict and
    reason, most affected hosts and instances, the --group-by tables, and
    the migrations needing action."""
    ms = report.migrations
    noun = _noun(ms)
    out = [_by_reason(ms, noun)]
    bad = [m for m in ms if needs_action(m)]
    if bad:
        out.extend(_most_affected(bad, noun))
    out.extend(group_section(ms, by, view) for by in view.group_by)
    shown = bad[: view.cut(len(bad))]
    rest = len(bad) - len(shown)
    title = (
        f"{_n(len(bad))} {noun}{'s' if len(bad) != 1 else ''} needing action"
        + (f" (the first {_n(len(shown))} by time)" if rest else "")
    )
    more = ""
    if rest:
        more = (
            f"... and {_n(rest)} more: --limit 0 lists them all, --verdict/--host/--instance narrow them, "
            "--details shows each in full, `lmtrace timeline --instance NAME` one hop by hop"
        )
    elif bad:
        more = "--details shows each in full; `lmtrace timeline --instance NAME` shows one hop by hop"
    head: tuple[str, ...] = (*ACTION_HEAD[:2], f"source {arrow} destination", *ACTION_HEAD[3:])
    mixed = _mixed(ms)
    if mixed:
        head = (head[0], "operation", *head[1:])
    out.append(
        Section(
            title=title if bad else f"No {noun} needs action",
            head=head,
            rows=action_rows(shown, arrow, operation=mixed),
            styles=[m.verdict.value for m in shown],
            more=more,
        )
    )
    return out


def _by_reason(ms: Sequence[MigrationReport], noun: str) -> Section:
    counts: Counter[tuple[Verdict, str]] = Counter((m.verdict, short_reason(m)) for m in ms)
    order = {v: n for n, v in enumerate(Verdict)}
    rows = sorted(counts.items(), key=lambda kv: (order[kv[0][0]], -kv[1], kv[0][1]))
    return Section(
        title="By verdict and reason",
        head=(f"{noun}s", "verdict", "reason"),
        rows=[(_n(c), v.value, why) for (v, why), c in rows],
        styles=[v.value for (v, _), _ in rows],
        numeric=(0,),
    )


def _most_affected(bad: Sequence[MigrationReport], noun: str) -> list[Section]:
    src = Counter(m.source_host for m in bad if m.source_host)
    dst = Counter(m.destination_host for m in bad if m.destination_host)
    hosts = Counter({h: src[h] + dst[h] for h in set(src) | set(dst)})
    top = sorted(hosts.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP]
    out = [
        Section(
            title=f"Hosts most affected (of {_n(len(hosts))})",
            head=("host", f"{noun}s needing action", "as source", "as destination"),
            rows=[(h, _n(c), _n(src[h]), _n(dst[h])) for h, c in top],
            numeric=(1, 2, 3),
        )
    ]
    names: dict[str, str] = {}
    inst: Counter[str] = Counter()
    for m in bad:
        key = m.instance_id or m.display_name or "?"
        inst[key] += 1
        names.setdefault(key, m.display_name or "?")
    # an instance is "most affected" when it went wrong more than once
    top_i = sorted(((k, c) for k, c in inst.items() if c > 1), key=lambda kv: (-kv[1], kv[0]))[:TOP]
    out.append(
        Section(
            title=f"Instances most affected (of {_n(len(inst))})",
            head=("instance", "id", f"{noun}s needing action"),
            rows=[(names[k], k, _n(c)) for k, c in top_i],
            numeric=(2,),
            more="" if top_i else "none needs action more than once",
        )
    )
    return out


def _keys(m: MigrationReport, by: str) -> list[str]:
    if by == "host":
        return list(dict.fromkeys(h for h in (m.source_host, m.destination_host) if h)) or ["?"]
    if by == "instance":
        return [m.display_name or m.instance_id or "?"]
    if by == "day":
        return [f"{m.start.astimezone(timezone.utc):%Y-%m-%d}"]
    return [m.verdict.value]


def group_section(ms: Sequence[MigrationReport], by: str, view: View) -> Section:
    """`--group-by host|instance|verdict|day`: migrations per group and per
    verdict, the groups with most migrations needing action first (days in
    order). A migration counts under both of its hosts."""
    per: dict[str, Counter[str]] = {}
    for m in ms:
        for k in _keys(m, by):
            per.setdefault(k, Counter())[m.verdict.value] += 1
    verdicts = [v.value for v in Verdict]

    def bad(c: Counter[str]) -> int:
        return sum(n for v, n in c.items() if v != Verdict.OK.value)

    if by in ("day", "verdict"):
        order = {v: n for n, v in enumerate(verdicts)}
        keys = sorted(per, key=lambda k: (order.get(k, 0), k))
    else:
        keys = sorted(per, key=lambda k: (-bad(per[k]), -sum(per[k].values()), k))
    shown = keys[: view.cut(len(keys))]
    rows = [(k, _n(sum(per[k].values())), _n(bad(per[k])), *(_n(per[k][v]) for v in verdicts)) for k in shown]
    more = ""
    if len(shown) < len(keys):
        more = f"... and {_n(len(keys) - len(shown))} more {by}s (--limit 0 lists them all)"
    note = " (a migration counts under both its hosts)" if by == "host" else ""
    return Section(
        title=f"By {by}{note}",
        head=(by, f"{_noun(ms)}s", "needing action", *verdicts),
        rows=rows,
        more=more,
        numeric=tuple(range(1, 3 + len(verdicts))),
    )
