"""The rich output at 80 and 160 columns: readable at 80 (an event in two
lines, not a card of eight; reasons wrapped at spaces), one line an event at
160; and stderr's per-file lines wrapped at spaces on a terminal."""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable
from typing import Any

import pytest
from rich.console import Console

from lmtrace.analyze import analyze
from lmtrace.load import load_events
from lmtrace.render.overview import View, short_reason
from lmtrace.render.terminal import print_events, print_report

from .conftest import SAMPLES

LOGS = [str(SAMPLES / "collector.log"), str(SAMPLES / "zenpython.log")]
LOST = SAMPLES / "scenarios" / "lost"


def _at(width: int, draw: Callable[[Console], Any]) -> list[str]:
    console = Console(file=io.StringIO(), no_color=True, width=width)
    draw(console)
    out: str = console.file.getvalue()  # type: ignore[attr-defined]
    lines = out.splitlines()
    assert max(len(x) for x in lines) <= width
    assert "…" not in out
    return lines


@pytest.mark.parametrize(("width", "per_event"), [(80, 3), (160, 1)])
def test_events_take_two_lines_at_80_and_one_at_160(width: int, per_event: int) -> None:
    stream = load_events(LOGS)
    lines = _at(width, lambda c: print_events(stream, c))
    body = lines[lines.index(next(x for x in lines if x.startswith("─"))) + 1 :]
    while body and not body[-1].strip():
        body.pop()
    # at 80: two lines and a blank one between events
    assert len(body) == per_event * len(stream.events) - (1 if per_event > 1 else 0)
    text = "\n".join(lines)
    for e in stream.events:
        assert e.request_id is None or e.request_id in text
        assert f"{os.path.basename(e.source.path)}:{e.source.line}" in text


@pytest.mark.parametrize("width", [80, 160])
def test_the_compact_report_reads_at_80_and_160(width: int) -> None:
    report = analyze([*LOGS, str(LOST / "collector.log"), str(LOST / "zenpython.log")])
    lines = _at(width, lambda c: print_report(report, c, View()))
    text = "\n".join(lines)
    flat = " ".join(text.split())
    assert "By verdict and reason" in text and "needing action" in text
    for m in report.migrations:
        if m.verdict.value != "ok":
            # values never broken; a reason wraps only between words
            assert m.display_name and re.search(rf"(^|\s){re.escape(m.display_name)}(\s|$)", text, re.M)
            assert f"{m.source_host} → {m.destination_host}" in text or (
                m.source_host in text and m.destination_host in text
            )
            assert short_reason(m) in flat
            words = set(text.split())
            assert all(w in words for w in short_reason(m).split())
    if width == 160:  # one line a row
        assert any("instance_update on _post.end wrote the source" in x for x in lines)


def test_stderr_lines_wrap_at_spaces_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil
    import sys

    from lmtrace.cli import options

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    line = (
        "/var/log/ceilometer/ceilometer-collector.log: collector log, 57 lines: 50 parsed, 7 skipped, 0 malformed; "
        "skipped: 5 dispatcher message without events, 2 other logger; 50 events; UTC offset +08:00 (inferred from 50 events)"
    )
    monkeypatch.setattr(sys, "stderr", Tty())
    monkeypatch.setattr(shutil, "get_terminal_size", lambda *a, **k: os.terminal_size((80, 24)))
    out = options.err_wrap(line)
    rows = out.splitlines()
    assert len(rows) > 1 and all(len(r) < 80 for r in rows)
    assert out.split() == line.split()  # no word cut
    assert all(r.startswith("    ") for r in rows[1:])
    # not a terminal: one line, for grep
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert options.err_wrap(line) == line + "\n"
