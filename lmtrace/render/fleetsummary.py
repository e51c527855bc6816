"""`lmtrace sweep`'s fleet summary as json, markdown or csv, and each cloud's
report in every format beside it.

json: one object, `clouds` (each cloud's `analyze --format json` object with
`cloud`, its name, first) and `summary`; the summary's field names are
spelled here (they are the fleet's own, documented in the README's
"fleet" section). markdown: the summary's tables, then each cloud's report.
csv: one row per cloud (`CLOUD_COLUMNS`).
"""

from __future__ import annotations

import csv
import json
from typing import Any, TextIO

from ..findings import Verdict
from ..fleet.summary import CloudSummary, Fleet, FleetSummary, Offender
from .fields import iso, report_record

__all__ = ["CLOUD_COLUMNS", "REPORT_FILES", "fleet_record", "write_fleet"]

CLOUD_COLUMNS = (
    "cloud", "operations", "operations_in_logs", *(v.value for v in Verdict), "wrong_host",
    "handler_map", "needs_change", "inputs", "malformed_lines",
)  # fmt: skip

#: each cloud's report: format -> file name suffix
REPORT_FILES = {"text": ".txt", "markdown": ".md", "json": ".json", "jsonl": ".jsonl", "csv": ".csv"}


def _cloud_record(c: CloudSummary) -> dict[str, Any]:
    return {
        "cloud": c.cloud,
        "operations": c.operations,
        "operations_in_logs": c.in_logs,
        "verdicts": c.verdicts,
        "wrong_host": c.wrong_host,
        "handler_map": c.handler_map,
        "needs_change": c.recommended_change is not None,
        "inputs": c.inputs,
        "malformed_lines": c.malformed,
    }


def _offender_record(o: Offender) -> dict[str, Any]:
    return {
        "cloud": o.cloud,
        "instance_id": o.instance_id,
        "display_name": o.display_name,
        "wrong_host": o.wrong,
        "operations": o.operations,
        "since": iso(o.since),
        "last": iso(o.last),
        "verdict": o.verdict.value,
        "shown_on": o.shown_on,
        "right_host": o.right_host,
    }


def summary_record(s: FleetSummary) -> dict[str, Any]:
    return {
        "clouds": len(s.clouds),
        "operations": s.operations,
        "verdicts": s.verdicts,
        "by_operation": s.by_operation,
        "per_cloud": [_cloud_record(c) for c in s.clouds],
        "needs_change": [{"cloud": c, "recommended_change": change} for c, change in s.needs_change],
        "worst_offenders": [_offender_record(o) for o in s.offenders],
    }


def fleet_record(fleet: Fleet, summary: FleetSummary) -> dict[str, Any]:
    return {
        "clouds": [{"cloud": c.cloud, **report_record(c.report)} for c in fleet.clouds],
        "summary": summary_record(summary),
    }


def write_fleet(fleet: Fleet, summary: FleetSummary, fmt: str, out: TextIO) -> None:
    """The fleet as `json`, `markdown` or `csv` (see the module's docstring)."""
    if fmt == "json":
        # one write: json.dump would hand the stream millions of small pieces
        out.write(json.dumps(fleet_record(fleet, summary), ensure_ascii=False, indent=2) + "\n")
    elif fmt == "csv":
        w = csv.writer(out, lineterminator="\n")
        w.writerow(CLOUD_COLUMNS)
        for c in summary.clouds:
            rec = _cloud_record(c)
            rec.update(rec.pop("verdicts"))
            w.writerow(["true" if v is True else "false" if v is False else v for v in map(rec.get, CLOUD_COLUMNS)])
    elif fmt == "markdown":
        _write_markdown(fleet, summary, out)
    else:  # pragma: no cover - click restricts the choices
        raise ValueError(fmt)


def _write_markdown(fleet: Fleet, s: FleetSummary, out: TextIO) -> None:
    from .markdown import md_code, md_table, md_text, write_report_markdown

    verdicts = [v.value for v in Verdict]
    lines = [
        f"# Fleet: {len(s.clouds)} cloud{'s' if len(s.clouds) != 1 else ''}, {s.operations} operations",
        "",
        "## Verdicts per cloud",
        "",
        *md_table(
            ["cloud", "operations", *verdicts, "wrong host", "handler map", "map needs the change"],
            [
                [md_code(c.cloud), str(c.operations), *(str(c.verdicts.get(v, 0)) for v in verdicts),
                 str(c.wrong_host), md_code(c.handler_map), "yes" if c.recommended_change else "no"]
                for c in s.clouds
            ]
            + [["**all**", str(s.operations), *(str(s.verdicts.get(v, 0)) for v in verdicts),
                str(sum(c.wrong_host for c in s.clouds)), "", str(len(s.needs_change))]],
        ),
        "",
        "## Verdicts per operation",
        "",
        *md_table(
            ["operation", *verdicts],
            [[md_code(op), *(str(n.get(v, 0)) for v in verdicts)] for op, n in s.by_operation.items()],
        ),
        "",
        "## Clouds whose handler map needs the change",
        "",
    ]  # fmt: skip
    if s.needs_change:
        for cloud, change in s.needs_change:
            lines += [f"- {md_code(cloud)}:", "", "  ```", *("  " + x for x in change.splitlines()), "  ```"]
    else:
        lines.append("None.")
    lines += ["", "## Worst offenders", ""]
    if s.offenders:
        lines += md_table(
            ["cloud", "instance", "name", "wrong host", "since", "last", "verdict", "shown on", "right host"],
            [
                [md_code(o.cloud), md_code(o.instance_id or "-"), md_text(o.display_name or "-"),
                 f"{o.wrong} of {o.operations}", iso(o.since) or "", iso(o.last) or "", o.verdict.value,
                 md_code(o.shown_on or "-"), md_code(o.right_host or "-")]
                for o in s.offenders
            ],
        )  # fmt: skip
    else:
        lines.append("None: Zenoss shows every instance on its right host.")
    out.write("\n".join(lines) + "\n")
    for c in fleet.clouds:
        out.write(f"\n---\n\n# Cloud {md_text(c.cloud)}\n\n")
        write_report_markdown(c.report, out)
