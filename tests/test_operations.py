"""Every operation that moves a VM (domain.md, "Other operations (the same rules,
generalised)"): one table row per new rule (`OPERATION_TABLE`), then grouping,
the recommended change and the map with every fix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from lmtrace.analyze import analyze_stream
from lmtrace.findings import MigrationReport, Outcome, Report, Verdict
from lmtrace.handlers import (
    HandlerMap,
    builtin_map,
    fixed_handlers,
    load_handler_map,
    recommended_change,
)
from lmtrace.render import write_report

from .builders import DST, SRC, Log, stream

CI = "compute.instance."
API = "ndc27-ctl01"
SAMPLES = Path(__file__).resolve().parent.parent / "samples"
FIXED = SAMPLES / "maps" / "fixed.toml"


def fixed_map() -> HandlerMap:
    return load_handler_map(str(FIXED))


def run(*logs: Log, hmap: HandlerMap | None = None) -> Report:
    return analyze_stream(stream(*logs), handler_map=hmap or builtin_map("osi-2.x"))


def only(report: Report) -> MigrationReport:
    assert len(report.migrations) == 1, [(m.operation, m.label) for m in report.migrations]
    return report.migrations[0]


def ev(log: Log, name: str, host: str | None, at: float, **kw: object) -> Log:
    return log.phase("", host, at, event_type=CI + name, **kw)  # type: ignore[arg-type]


def covered(log: Log, end: float = 400) -> Log:
    return log.heartbeat(-120, end)


def resize(log: Log, *, last: str = "finish_resize.end") -> Log:
    """A resize SRC -> DST; `last` says which of resize.end (the source) and
    finish_resize.end (the destination) arrives last, 0.2 s after the other."""
    ev(log, "resize.prep.start", DST, 0)
    ev(log, "resize.prep.end", DST, 1)
    ev(log, "resize.start", SRC, 2)
    if last == "finish_resize.end":
        ev(log, "resize.end", SRC, 20)
        ev(log, "finish_resize.start", DST, 20.05)
        ev(log, "finish_resize.end", DST, 20.2)
    else:
        ev(log, "finish_resize.start", DST, 20)
        ev(log, "finish_resize.end", DST, 20.2)
        ev(log, "resize.end", SRC, 20.4)
    return log


def confirm_or_revert(log: Log, step: str, at: float) -> Log:
    ev(log, f"resize.{step}.start", SRC, at, request_id="req-later")
    return ev(log, f"resize.{step}.end", SRC, at + 1, request_id="req-later")


def evacuate(log: Log, *, api_event: bool = True, before: str | None = SRC) -> Log:
    if before is not None:
        log.context(CI + "update", before, -60)
    if api_event:
        ev(log, "evacuate", API, 0)
    ev(log, "rebuild.start", DST, 2)
    return ev(log, "rebuild.end", DST, 20)


def unshelve(log: Log) -> Log:
    ev(log, "shelve_offload.start", SRC, 0, request_id="req-shelve")
    ev(log, "shelve_offload.end", SRC, 2, request_id="req-shelve")
    ev(log, "unshelve.start", DST, 200)
    return ev(log, "unshelve.end", DST, 210)


# (name, log, map, operation, outcome, verdict, source, destination, expected_host, order-sensitive)
Row = tuple[str, Callable[[], Log], Callable[[], HandlerMap], str, Outcome, Verdict, str | None, str | None, str | None, bool]
OPERATION_TABLE: list[Row] = [
    # resize: resize.end (the source) applied last -> stale, and the two writes < 1 s apart
    ("resize, resize.end last, released map", lambda: resize(Log(), last="resize.end"),
     lambda: builtin_map("osi-2.x"), "resize", Outcome.COMPLETED, Verdict.STALE, SRC, DST, DST, True),
    ("resize, resize.end last, 3.x map", lambda: resize(Log(), last="resize.end"),
     lambda: builtin_map("osi-3.x"), "resize", Outcome.COMPLETED, Verdict.STALE, SRC, DST, DST, True),
    ("resize, resize.end last, every fix", lambda: resize(Log(), last="resize.end"),
     fixed_map, "resize", Outcome.COMPLETED, Verdict.OK, SRC, DST, DST, False),
    # finish_resize.end last: right, but only by the order of arrival
    ("resize, finish_resize.end last, released map", lambda: resize(Log()),
     lambda: builtin_map("osi-2.x"), "resize", Outcome.COMPLETED, Verdict.OK, SRC, DST, DST, True),
    # a confirm, hours later, belongs to the resize and changes nothing
    ("resize confirmed 3 h later", lambda: confirm_or_revert(resize(Log()), "confirm", 3 * 3600),
     lambda: builtin_map("osi-2.x"), "resize", Outcome.COMPLETED, Verdict.OK, SRC, DST, DST, True),
    # reverted: back on the source, the right final host; not failed
    ("resize reverted, released map", lambda: confirm_or_revert(resize(Log()), "revert", 120),
     lambda: builtin_map("osi-2.x"), "resize", Outcome.REVERTED, Verdict.OK, SRC, DST, SRC, False),
    ("resize reverted, every fix", lambda: confirm_or_revert(resize(Log()), "revert", 120),
     fixed_map, "resize", Outcome.REVERTED, Verdict.OK, SRC, DST, SRC, False),
    # no finish_resize.end: incomplete
    ("resize without finish_resize", lambda: ev(ev(Log(), "resize.prep.start", DST, 0), "resize.start", SRC, 2),
     lambda: builtin_map("osi-2.x"), "resize", Outcome.INCOMPLETE, Verdict.INCOMPLETE, SRC, DST, DST, False),
    # evacuate: rebuild.* on the new host is mapped; the API node is neither side
    ("evacuation", lambda: evacuate(Log()),
     lambda: builtin_map("osi-2.x"), "evacuate", Outcome.COMPLETED, Verdict.OK, SRC, DST, DST, False),
    ("evacuation, 3.x map", lambda: evacuate(Log()),
     lambda: builtin_map("osi-3.x"), "evacuate", Outcome.COMPLETED, Verdict.OK, SRC, DST, DST, False),
    # no evacuate event, but a rebuild on another host than before: an evacuation too
    ("rebuild on another host", lambda: evacuate(Log(), api_event=False),
     lambda: builtin_map("osi-2.x"), "evacuate", Outcome.COMPLETED, Verdict.OK, SRC, DST, DST, False),
    # no earlier event shows the old host: the source is unknown
    ("evacuation, previous host unseen", lambda: evacuate(Log(), before=None),
     lambda: builtin_map("osi-2.x"), "evacuate", Outcome.COMPLETED, Verdict.OK, None, DST, DST, False),
    # unshelve: mapped by no release -> missed; the fix maps unshelve.end
    ("unshelve, released map", lambda: unshelve(Log()),
     lambda: builtin_map("osi-2.x"), "unshelve", Outcome.COMPLETED, Verdict.MISSED, SRC, DST, DST, False),
    ("unshelve, pr401 map", lambda: unshelve(Log()),
     lambda: builtin_map("osi-2.x-pr401"), "unshelve", Outcome.COMPLETED, Verdict.MISSED, SRC, DST, DST, False),
    ("unshelve, 3.x map", lambda: unshelve(Log()),
     lambda: builtin_map("osi-3.x"), "unshelve", Outcome.COMPLETED, Verdict.MISSED, SRC, DST, DST, False),
    ("unshelve, every fix", lambda: unshelve(Log()),
     fixed_map, "unshelve", Outcome.COMPLETED, Verdict.OK, SRC, DST, DST, False),
]


@pytest.mark.parametrize("row", OPERATION_TABLE, ids=[r[0] for r in OPERATION_TABLE])
def test_operation_table(row: Row) -> None:
    _, build, hmap, operation, outcome, verdict, source, dest, expected, order = row
    m = only(run(covered(build(), end=4 * 3600), hmap=hmap()))
    assert (m.operation, m.outcome, m.verdict) == (operation, outcome, verdict), m.reason
    assert (m.source_host, m.destination_host, m.expected_host) == (source, dest, expected)
    assert m.order_sensitive is order
    assert ("order-sensitive" in m.reason) is order  # the two last writes are from different hosts


def test_stale_resize_says_why_and_what_to_change() -> None:
    m = only(run(covered(resize(Log(), last="resize.end"))))
    assert m.reason.startswith(f"instance_update on resize.end wrote {SRC} (the source) last")
    assert "order-sensitive: instance_update on finish_resize.end wrote" in m.reason
    assert m.recommendation.startswith("map resize.end to no handler in the ZenPack's events.py")


def test_evacuation_reports_the_api_node_as_neither_side() -> None:
    m = only(run(covered(evacuate(Log()))))
    (api,) = [p for p in m.phases if p.phase == "evacuate"]
    assert (api.side.value, api.host_name) == ("neither", API)
    assert API not in (m.source_host, m.destination_host)
    text = _render(run(covered(evacuate(Log()))), "text")
    assert f"{API} sent evacuate (nova-api): neither source nor destination" in text
    (row,) = [x for x in text.splitlines() if x.split()[1:2] == ["evacuate"]]
    assert row.split()[2:4] == ["neither", API]


def test_a_rebuild_in_place_is_no_operation() -> None:
    log = Log()
    log.context(CI + "update", DST, -60)
    ev(log, "rebuild.start", DST, 0)
    ev(log, "rebuild.end", DST, 20)
    report = run(covered(log))
    assert report.migrations == ()


def test_shelve_offload_joins_the_next_unshelve_and_alone_is_no_operation() -> None:
    m = only(run(covered(unshelve(Log()))))
    assert [p.phase for p in m.phases][:2] == ["shelve_offload.start", "shelve_offload.end"]
    assert m.attached_requests == ("req-shelve",)
    alone = Log()
    ev(alone, "shelve_offload.start", SRC, 0)
    ev(alone, "shelve_offload.end", SRC, 2)
    assert run(covered(alone)).migrations == ()


def test_a_live_migration_and_a_resize_of_one_instance_stay_two() -> None:
    from .builders import completed

    log = completed(Log("req-lm"))
    r = Log("req-rz", "inst-1")  # the same instance, resized back a minute later
    ev(r, "resize.prep.start", SRC, 100)
    ev(r, "resize.start", DST, 101)
    ev(r, "resize.end", DST, 110)
    ev(r, "finish_resize.end", SRC, 110.2)
    report = run(covered(log), r)
    assert [m.operation for m in report.migrations] == ["live-migration", "resize"]
    assert report.summary.operations == {"live-migration": 1, "resize": 1, "evacuate": 0, "unshelve": 0}


def test_header_and_summary_name_the_operations() -> None:
    report = run(covered(resize(Log("req-r", "i-r"))), unshelve(Log("req-u", "i-u")))
    text = _render(report, "text")
    assert text.startswith("lmtrace analyze: 2 operations: 1 resize, 1 unshelve\n")
    assert "\n  operations: 1 resize, 1 unshelve\n" in text
    assert "\nRESIZE req-r " in text and "\nUNSHELVE req-u " in text
    md = _render(report, "markdown")
    assert "\n## Resize `req-r`" in md and "- operations: 1 resize, 1 unshelve" in md


def _render(report: Report, fmt: str) -> str:
    import io

    out = io.StringIO()
    write_report(report, fmt, out)
    return out.getvalue()


# ---------------------------------------------------------------------------
# the recommended change and the map with every fix


def test_one_snippet_for_every_operation_the_logs_show_wrong() -> None:
    from .builders import completed

    report = run(
        covered(completed(Log("req-lm", "i-lm"))),
        resize(Log("req-r", "i-r"), last="resize.end"),
        unshelve(Log("req-u", "i-u")),
        evacuate(Log("req-e", "i-e")),
    )
    assert report.summary.change_operations == ("live-migration", "resize", "unshelve")
    change = report.summary.recommended_change
    assert change is not None
    for line in (
        "    # live-migration\n",
        "    'openstack|compute.instance.live_migration.post.dest.end': (instance_id, instance_update),\n",
        "    'openstack|compute.instance.live_migration._post.end': (instance_id, None),\n",
        "    # resize\n",
        "    'openstack|compute.instance.resize.end': (instance_id, None),\n",
        "    'openstack|compute.instance.finish_resize.end': (instance_id, instance_update),\n",
        "    'openstack|compute.instance.resize.revert.end': (instance_id, instance_update),\n",
        "    # unshelve\n",
        "    'openstack|compute.instance.unshelve.end': (instance_id, instance_update),\n",
    ):
        assert line in change
    assert "rebuild" not in change  # the evacuation was right


def test_recommended_change_in_the_3x_shape() -> None:
    change = recommended_change(builtin_map("osi-3.x"), ("resize", "unshelve"))
    assert change == (
        "    # resize\n"
        "    # remove: 'compute.instance.resize.end': instance_update,\n"
        "    'compute.instance.finish_resize.end': instance_update,\n"
        "    'compute.instance.resize.revert.end': instance_update,\n"
        "    # unshelve\n"
        "    'compute.instance.unshelve.end': instance_update,\n"
    )


def test_the_fixed_map_is_the_recommended_change_applied() -> None:
    fixed = fixed_map()
    want = fixed_handlers(builtin_map("osi-2.x"), ("live-migration", "resize", "unshelve"))
    assert dict(fixed.handlers) == {k: v for k, v in want.items() if k.startswith(CI)}
    # applied, it leaves nothing to change
    assert recommended_change(fixed, ("live-migration", "resize", "unshelve")) is None


def test_an_events_py_with_resize_entries_is_read_statically(tmp_path: Path) -> None:
    # the 2.x shape, as the ZenPack's 2.4.2 events.py spells the resize entries
    p = tmp_path / "events.py"
    p.write_text(
        "def instance_update(device, dmd, evt):\n"
        "    return _apply_instance_traits(evt, {})\n"
        "def _apply_instance_traits(evt, objmap):\n"
        "    traitmap = {'host_name': ['set_host_name']}\n"
        "    try:\n        pass\n    except Exception, e:\n        pass\n"
        "MAPPERS = {\n"
        "    'openstack|compute.instance.resize.start': (instance_id, None),\n"
        "    'openstack|compute.instance.resize.end': (instance_id, instance_update),\n"
        "    'openstack|compute.instance.finish_resize.end': (instance_id, instance_update),\n"
        "    'openstack|compute.instance.resize.revert.end': (instance_id, instance_update),\n"
        "}\n",
        encoding="utf-8",
    )
    hmap = load_handler_map(str(p))
    m = only(run(covered(resize(Log(), last="resize.end")), hmap=hmap))
    assert m.verdict is Verdict.STALE and m.order_sensitive
    change = run(covered(resize(Log(), last="resize.end")), hmap=hmap).summary.recommended_change
    assert change is not None and "'openstack|compute.instance.resize.end': (instance_id, None)," in change
