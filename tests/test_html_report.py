"""`--format html`: one self-contained file (nothing fetched), rendered by a
real headless browser (Chromium from the distribution's packages) and
checked for what it shows: the summary counts, the operations table and its
sorting, and the lanes of a problem operation.

The browser test is skipped, with the reason, when no chromium is installed
(.ci/run installs it with apt-get when it can)."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from lmtrace.cli import cli

from .conftest import ROOT

LOST = "samples/scenarios/lost"
ARGS = ("analyze", "samples/collector.log", "samples/zenpython.log", f"{LOST}/collector.log", f"{LOST}/zenpython.log")


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import os

    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        r = CliRunner().invoke(cli, [*ARGS, "--format", "html", "-q"])
    finally:
        os.chdir(cwd)
    assert r.exit_code == 0, r.output
    p = tmp_path_factory.mktemp("html") / "report.html"
    p.write_text(r.stdout, encoding="utf-8")
    return p


def test_the_page_fetches_nothing(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    # no resource reference of any kind: no src/href at all, no CSS url() or @import
    assert not re.search(r"""\b(?:src|href)\s*=""", text, re.I)
    assert not re.search(r"url\s*\(|@import", text, re.I)
    assert "http://" not in text and "https://" not in text
    assert not re.search(r"""=\s*["']//""", text)


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def _dump_dom(browser: str, page: Path, profile: Path) -> str:
    r = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout


class _Dom(HTMLParser):
    """The parts of the dumped DOM the test reads."""

    def __init__(self) -> None:
        super().__init__()
        self.counts: dict[str, str] = {}
        self.rows: list[str] = []  # data-verdict of each #operations row, in DOM order
        self.points: list[tuple[str, str, str]] = []  # (svg label, phase, hop)
        self.missing: list[tuple[str, str]] = []
        self._in_ops = False
        self._count: str | None = None
        self._svg = ""
        self._missing_text = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table":
            self._in_ops = a.get("id") == "operations"
        elif tag == "tr" and self._in_ops and "data-verdict" in a:
            self.rows.append(a["data-verdict"] or "")
        elif tag == "span" and a.get("data-verdict"):
            self._count = a["data-verdict"]
        elif tag == "svg":
            self._svg = a.get("aria-label") or ""
        elif tag == "circle" and self._svg:
            self.points.append((self._svg, a.get("data-phase") or "", a.get("data-hop") or ""))
        elif tag == "text" and (a.get("class") or "") == "missing-hop":
            self._missing_text = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._in_ops = False
        elif tag == "svg":
            self._svg = ""

    def handle_data(self, data: str) -> None:
        if self._count is not None and data.strip():
            self.counts[self._count] = data.strip()
            self._count = None
        if self._missing_text:
            self.missing.append((self._svg, data))
            self._missing_text = False


def test_the_page_in_a_real_browser(page: Path, tmp_path: Path) -> None:
    browser = _chromium()
    if browser is None:
        pytest.skip("no chromium installed (apt-get install chromium): the HTML report was not rendered")
    # click the verdict column's head, as a user would, once the page has loaded
    clicked = tmp_path / "clicked.html"
    clicked.write_text(
        page.read_text(encoding="utf-8").replace(
            "</body></html>",
            "<script>Array.prototype.find.call(document.querySelectorAll('#operations th'),"
            "function(th){return th.textContent==='verdict'}).click()</script></body></html>",
        ),
        encoding="utf-8",
    )
    dom = _Dom()
    dom.feed(_dump_dom(browser, clicked, tmp_path / "profile"))
    # the summary counts
    assert dom.counts == {"failed": "0", "incomplete": "0", "lost": "1", "missed": "0", "stale": "4", "ok": "1"}
    # every operation, sorted by verdict (rule order) after the click
    assert dom.rows == ["lost", "stale", "stale", "stale", "stale", "ok"]
    # the lost migration's lanes: each phase drawn, the queue hop named missing
    lost_svg = [label for label, _, _ in dom.points if "req-c85e1c43" in label]
    assert lost_svg, dom.points[:5]
    phases = {p for label, p, _ in dom.points if label == lost_svg[0]}
    assert {"post.dest.end", "_post.end"} <= phases
    hops = {h for label, _, h in dom.points if label == lost_svg[0]}
    assert {"generated", "collector"} <= hops
    assert any(label == lost_svg[0] and "zenpython" in text for label, text in dom.missing)
    # a stale one went through zenpython to the model
    stale = [(p, h) for label, p, h in dom.points if "req-33698d18" in label]
    assert ("_post.end", "handler") in stale and ("post.dest.end", "zenpython") in stale
