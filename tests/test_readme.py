"""The README's real output is what lmtrace prints today.

Every ```console block of README.md that runs `$ lmtrace ... ceilometer-collector.log`
is re-run on the write-up's real collector log (../shared/realdata, copied under the
name the README uses) and must print exactly the block: stderr first, then stdout.
When a change alters the output, regenerate the block by running its command.
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from lmtrace.cli import cli

from .conftest import BLOG_COLLECTOR, ROOT

_BLOCK = re.compile(r"```console\n\$ (lmtrace [^\n]*)\n(.*?)```", re.S)
BLOCKS = _BLOCK.findall((ROOT / "README.md").read_text(encoding="utf-8"))


def test_the_readme_shows_real_runs_of_every_command() -> None:
    shown = {shlex.split(cmd)[1] for cmd, _ in BLOCKS}
    assert {"analyze", "events", "timeline"} <= shown


@pytest.mark.parametrize(("command", "expected"), BLOCKS, ids=[c for c, _ in BLOCKS])
def test_readme_output_is_current(
    command: str, expected: str, realdata: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(realdata / BLOG_COLLECTOR, tmp_path / "ceilometer-collector.log")
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(cli, shlex.split(command)[1:])
    assert r.exit_code == 0, r.output
    assert r.stderr + r.stdout == expected, f"README.md: re-run `{command}` and paste its output"
