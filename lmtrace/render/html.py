"""`--format html`: the report as one self-contained file, for a browser.

Nothing is fetched: the CSS and the small script that sorts the table are
inline, the lanes are inline SVG, and no element names a URL (a test checks
that no `src`/`href` points anywhere). The page holds the summary (verdict
counts, the verdicts grouped by reason, the hosts most affected, the
--group-by tables), every operation in one sortable table, and for each
operation needing action (the first `View.limit`) its timeline drawn as
lanes, hop by hop: the Nova hosts that generated each event, the
collector, zenpython, and the model (the handler the map runs), with the
delay of every hop.
"""

from __future__ import annotations

import html
from datetime import timezone
from typing import TextIO

from ..findings import Report
from ..hops import Hop, HopName, Timeline
from ..humantime import clock
from .common import headline, input_facts, verdict_counts
from .overview import Section, View, group_section, needs_action, overview_sections, short_reason
from .pathfields import handler_map_why, pipeline_lines

__all__ = ["write_report_html"]

_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}h3{font-size:1em}
table{border-collapse:collapse;margin:.5em 0}
th,td{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}
th{background:#f3f3f3}
table.sortable th{cursor:pointer}
td.n{text-align:right}
.v-ok{color:#176b2c}.v-stale,.v-lost{color:#b00020}.v-missed{color:#a66b00}
.v-failed{color:#8a1c8a}.v-incomplete{color:#777}
.counts span{display:inline-block;margin-right:1.2em}
.counts b{font-size:1.3em}
.lanes-wrap{overflow-x:auto}svg{border:1px solid #ddd;background:#fcfcfc}
svg text{font:11px system-ui,sans-serif}
.lane{stroke:#ddd}.hop{stroke:#555;stroke-width:1.2}.missing{stroke:#b00020;stroke-dasharray:4 3}
pre{background:#f6f6f6;padding:.6em;overflow-x:auto}
"""

# sorts a table by the clicked column (numbers as numbers, the rest as text);
# a second click reverses the order
_JS = """
function lmSort(th){
  var table=th.closest('table'),body=table.tBodies[0],col=th.cellIndex;
  var asc=th.getAttribute('data-order')!=='asc';
  Array.prototype.forEach.call(table.tHead.rows[0].cells,function(c){c.removeAttribute('data-order')});
  th.setAttribute('data-order',asc?'asc':'desc');
  var rows=Array.prototype.slice.call(body.rows);
  function key(r){var t=r.cells[col].getAttribute('data-key')||r.cells[col].textContent;
    var n=parseFloat(t.replace(/,/g,''));return isNaN(n)||!/^[\\d,.\\s-]+$/.test(t)?t.toLowerCase():n}
  rows.sort(function(a,b){var x=key(a),y=key(b);if(x===y)return 0;
    var r=(typeof x===typeof y)?(x<y?-1:1):(typeof x==='number'?-1:1);return asc?r:-r});
  rows.forEach(function(r){body.appendChild(r)});
}
document.addEventListener('click',function(e){var th=e.target.closest('table.sortable th');if(th)lmSort(th)});
"""


def _e(s: object) -> str:
    return html.escape(str(s), quote=True)


def _table(s: Section, *, sortable: bool = False, table_id: str = "") -> list[str]:
    attrs = (f' id="{_e(table_id)}"' if table_id else "") + (' class="sortable"' if sortable else "")
    out = [f"<h2>{_e(s.title)}</h2>"]
    if s.rows:
        out.append(f"<table{attrs}><thead><tr>" + "".join(f"<th>{_e(h)}</th>" for h in s.head) + "</tr></thead><tbody>")
        for n, r in enumerate(s.rows):
            style = s.styles[n] if n < len(s.styles) else ""
            cells = []
            for i, c in enumerate(r):
                cls = ' class="n"' if i in s.numeric else ""
                if s.head[i].startswith("verdict") and style:
                    cls = f' class="v-{_e(style)}"'
                cells.append(f"<td{cls}>{_e(c)}</td>")
            out.append(f'<tr data-verdict="{_e(style)}">' + "".join(cells) + "</tr>")
        out.append("</tbody></table>")
    if s.more:
        out.append(f"<p>{_e(s.more)}</p>")
    return out


def _operations(report: Report) -> list[str]:
    """Every operation, one row each, sortable by any column."""
    head = ("time (UTC)", "operation", "instance", "source", "destination", "verdict", "reason", "request")
    out = [
        f"<h2>All {len(report.migrations):,} operations</h2>",
        '<table id="operations" class="sortable"><thead><tr>' + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr></thead><tbody>",
    ]
    order = {v: n for n, (v, _) in enumerate(verdict_counts(report))}
    for m in report.migrations:
        start = m.start.astimezone(timezone.utc)
        v = m.verdict.value
        out.append(
            f'<tr data-verdict="{_e(v)}">'
            f'<td data-key="{_e(start.isoformat())}">{_e(clock(start, dated=True))}</td>'
            f"<td>{_e(m.operation)}</td><td>{_e(m.display_name or m.instance_id or '?')}</td>"
            f"<td>{_e(m.source_host or '?')}</td><td>{_e(m.destination_host or '?')}</td>"
            f'<td class="v-{_e(v)}" data-key="{order.get(v, 9)} {_e(v)}">{_e(v)}{" (would)" if m.would else ""}</td>'
            f"<td>{_e(short_reason(m))}</td><td>{_e(m.request_id or '')}</td></tr>"
        )
    out.append("</tbody></table>")
    return out


_LEFT, _COL, _ROW, _TOP = 180, 120, 36, 52


def _lanes(t: Timeline) -> list[str]:
    """One timeline as an SVG: a lane per Nova host that generated an event,
    then collector, zenpython and model; a column per event, in time order,
    its hops drawn down the lanes with the delay of each; a hop that should
    have happened and did not is named in red under its column."""
    hosts = list(dict.fromkeys(e.host_name or "?" for e in t.entries if not e.context))
    lanes = [f"nova {h}" for h in hosts] + ["collector", "zenpython / zenopenstack", "model (handler)"]
    entries = [e for e in t.entries if not e.context]
    row = {HopName.COLLECTOR: len(hosts), HopName.ZENPYTHON: len(hosts) + 1, HopName.DISCARDED: len(hosts) + 1,
           HopName.HANDLER: len(hosts) + 2}  # fmt: skip

    def y(n: int) -> float:
        return _TOP + n * _ROW

    width = _LEFT + _COL * max(len(entries), 1) + 20
    height = y(len(lanes)) + 14
    out = [
        f'<svg class="lanes" width="{width}" height="{height:.0f}" viewBox="0 0 {width} {height:.0f}" '
        f'role="img" aria-label="timeline of {_e(t.label)}">'
    ]
    for n, name in enumerate(lanes):
        out.append(f'<line class="lane" x1="{_LEFT - 10}" y1="{y(n):.0f}" x2="{width - 10}" y2="{y(n):.0f}"/>')
        out.append(f'<text class="lane-name" x="4" y="{y(n) + 4:.0f}">{_e(name)}</text>')
    for k, e in enumerate(entries):
        cx = _LEFT + _COL * k
        color = "#b00020" if e.side == "source" else "#176b2c"
        out.append(f'<text class="phase" x="{cx}" y="14" fill="{color}">{_e(e.phase)}</text>')
        out.append(f'<text class="phase-time" x="{cx}" y="28">{_e(clock(e.time))}</text>')
        out.append(f'<text class="phase-host" x="{cx}" y="41">{_e(e.host_name or "?")}</text>')
        points: list[tuple[float, float, Hop]] = []
        for h in e.hops:
            if h.at is None:
                continue
            lane = hosts.index(e.host_name or "?") if h.name is HopName.GENERATED else row[h.name]
            points.append((cx + 8 * len(points), y(lane), h))
        for (x1, y1, _), (x2, y2, h) in zip(points, points[1:]):
            out.append(f'<line class="hop" x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" y2="{y2:.0f}"/>')
            if h.delay is not None:
                out.append(
                    f'<text class="delay" x="{x2 + 6:.0f}" y="{(y1 + y2) / 2 + 4:.0f}">{_e(_ms(h.delay.total_seconds()))}</text>'
                )
        for px, py, h in points:
            fill = "#b00020" if h.name is HopName.DISCARDED else "#1f5fa8"
            tip = f"{e.phase} {h.name.value} {clock(h.at, dated=True) if h.at else ''} UTC"
            out.append(
                f'<circle class="hop-point" data-phase="{_e(e.phase)}" data-hop="{_e(h.name.value)}" '
                f'cx="{px:.0f}" cy="{py:.0f}" r="4" fill="{fill}"><title>{_e(tip)}</title></circle>'
            )
        missing = [h for h in e.hops if h.missing and not h.unknown and not h.not_applicable]
        if missing:
            names = ", ".join(h.name.value for h in missing)
            out.append(
                f'<text class="missing-hop" x="{cx}" y="{height - 4:.0f}" fill="#b00020">no {_e(names)}</text>'
            )
    out.append("</svg>")
    return out


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:+.0f} ms" if abs(seconds) < 10 else f"{seconds:+.1f} s"


def write_report_html(report: Report, out: TextIO, view: View | None = None) -> None:
    """The whole page; `view` limits how many timelines are drawn."""
    from ..timelines import build_timeline

    view = view or View()
    title = f"lmtrace analyze: {headline(report)}"
    p = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        "<h2>Inputs</h2><ul>",
    ]
    p += [f"<li><code>{_e(i.path)}</code>: {'<br>'.join(_e(x) for x in input_facts(i, report.coverage.get(i.path)))}</li>" for i in report.inputs]
    h = report.handler_map
    p += ["</ul>", f"<p>Handler map: <code>{_e(h.name)}</code> (source: {_e(h.source)}; shape: {_e(h.shape)})</p>"]
    p += [f"<p>{_e(x)}</p>" for x in [handler_map_why(h) or ""] if x]
    if report.pipeline is not None:  # the 3.x/4.x path: posts and lost events
        p += ["<h2>Pipeline (HTTP publisher → zenopenstack)</h2><ul>", *(f"<li>{_e(x)}</li>" for x in pipeline_lines(report.pipeline)), "</ul>"]
    p.append('<h2>Summary</h2><p class="counts" id="verdict-counts">')
    p += [f'<span class="v-{_e(v)}" data-verdict="{_e(v)}"><b>{c:,}</b> {_e(v)}</span>' for v, c in verdict_counts(report)]
    p.append("</p>")
    p += [f"<p>note: {_e(n)}</p>" for n in report.summary.notes]
    if report.migrations:
        sections = overview_sections(report, View(limit=view.limit, group_by=view.group_by), "→")
        for s in sections[:-1]:  # the table of operations needing action: every operation below instead
            p += _table(s, sortable=True)
        if not sections[:-1] and view.group_by:
            for by in view.group_by:
                p += _table(group_section(report.migrations, by, view), sortable=True)
        p += _operations(report)
    bad = [m for m in report.migrations if needs_action(m)]
    drawn = bad[: view.cut(len(bad))]
    if drawn:
        p.append(f"<h2>Timelines of the {len(drawn):,} operations needing action"
                 + (f" (the first {len(drawn):,} of {len(bad):,}; --limit 0 draws them all)" if len(drawn) < len(bad) else "")
                 + "</h2>")  # fmt: skip
    for m in drawn:
        t = build_timeline(m, report)
        p.append(f'<section class="timeline" id="timeline-{_e(m.label)}">')
        p.append(f"<h3>{_e(t.title)}: <span class=\"v-{_e(m.verdict.value)}\">{_e(m.verdict.value)}</span></h3>")
        p.append(f"<p>{_e(m.reason)}</p>")
        if m.recommendation:
            p.append(f"<p>fix: {_e(m.recommendation)}</p>")
        p += ['<div class="lanes-wrap">', *_lanes(t), "</div>"]
        p.append("</section>")
    change = report.summary.recommended_change
    if change:
        from .common import change_where

        p += ["<h2>Recommended mapping change</h2>", f"<p>{_e(change_where(report))}</p>", f"<pre>{_e(change)}</pre>"]
    p.append("<h2>Warnings</h2>")
    p += [f"<p>{_e(w)}</p>" for w in report.warnings] or ["<p>none</p>"]
    p += [f"<script>{_JS}</script>", "</body></html>"]
    out.write("\n".join(p) + "\n")
