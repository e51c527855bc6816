"""A bounded fuzz test: real sample lines, mutated, through the whole CLI.

Each example takes a run of consecutive lines from samples/collector.log and
samples/zenpython.log (or, every third seed, from a zenopenstack log and a
notification agent's publisher log of samples/zenopenstack/*: the 3.x/4.x
path) and damages them with a seeded random mutator (byte
flips, cuts, NULs and byte order marks, lone surrogates, huge numbers,
non-finite floats, nested brackets, lines dropped or doubled, pretty-printed
dicts split at odd places). `analyze --format json` and `events --format jsonl`
run in-process on the pair and must:

- exit 0 (or 2 with a one-line `Error:` for an input they refuse), never 1
  (no --strict or --fail-on is given) and never 3 (an internal error);
- print no traceback, and output that strict JSON parsing accepts;
- account for every line: parsed + skipped + malformed == total, and total
  is the file's own number of lines.

The suite runs `EXAMPLES` seeds; `pytest -m slow` runs `SLOW_EXAMPLES`.
A failing seed reproduces with `mutated_pair(seed)`.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from lmtrace.cli import cli

from .conftest import SAMPLES

EXAMPLES = 100
SLOW_EXAMPLES = 3000

_COLLECTOR = (SAMPLES / "collector.log").read_bytes().splitlines(keepends=True)
_ZENPYTHON = (SAMPLES / "zenpython.log").read_bytes().splitlines(keepends=True)
#: the 3.x/4.x path's samples: (zenopenstack.log, agent.log) lines of each
_ZOS = [
    tuple((d / name).read_bytes().splitlines(keepends=True) for name in ("zenopenstack.log", "agent.log"))
    for d in sorted((SAMPLES / "zenopenstack").iterdir()) if (d / "agent.log").exists()
]

_INSERTS = [
    b"\x00", b"\x00" * 40, b"\xef\xbb\xbf", b"\\ud800", b"\\udc80", b"u'\\ud800'", b"9" * 4301, b"1e999",
    b"-1e999", b"{" * 300, b"[" * 3000, b"(" * 50, b"}", b"]", b")", b"'", b'"', b"\\", b"\n", b"\n ",
    b"\r", b"\xff\xfe", b"\xed\xa0\x80", b"L", b"datetime.datetime(99999999999, 1, 1)",
    b"'traits': 5, ", b"'rcvtime': 1e999, ", b"'rcvtime': " + b"9" * 4301 + b", ",
    b"<Event: x, y, 9999-12-31 23:59:59.999999, ", b"<Trait: host_name 1 ", b"> <Trait: ",
    b"0001-01-01 00:00:00.000 ", b"9999-12-31 23:59:59,999 ", b"Queued event (total of 1) {",
    b"record_events called (events=[", b"])", b"\t", b" : ", b"\n : ",
    b"2019-05-01 13:58:23,133 DEBUG zen.OpenStack.zenopenstack: ", b" TRACE ceilometer.publisher.http [-] Message: [",
    b"status code 200. ", b'"message_id": ', b'"generated": "9999-12-31T23:59:59.999999", ', b"objmap ",
]  # fmt: skip


def _mutate(lines: list[bytes], rng: random.Random) -> bytes:
    lines = list(lines)
    for _ in range(rng.randint(1, 6)):
        op = rng.randrange(6)
        if not lines:
            break
        i = rng.randrange(len(lines))
        line = lines[i]
        at = rng.randint(0, len(line))
        if op == 0:  # insert something hostile somewhere, often at the line start
            lines[i] = line[:at] + rng.choice(_INSERTS) + line[at:] if rng.random() < 0.7 else rng.choice(_INSERTS) + line
        elif op == 1 and line:  # flip bytes
            b = bytearray(line)
            for _ in range(rng.randint(1, 4)):
                b[rng.randrange(len(b))] = rng.randrange(256)
            lines[i] = bytes(b)
        elif op == 2:  # cut the line (its newline too, sometimes)
            lines[i] = line[:at] + (b"\n" if rng.random() < 0.5 else b"")
        elif op == 3:  # drop or double a line
            if rng.random() < 0.5:
                del lines[i]
            else:
                lines.insert(i, line)
        elif op == 4:  # pretty-print: break the line after a comma or a colon
            j = line.find(rng.choice([b", ", b": "]), at)
            if j >= 0:
                lines[i] = line[: j + 1] + rng.choice([b"\n ", b"\n\t", b"\n"]) + line[j + 2 :]
        else:  # a digit run becomes huge, or a float becomes infinite
            j = line.find(rng.choice([b"14", b"0.", b"2017"]), at)
            if j >= 0:
                lines[i] = line[:j] + rng.choice([b"9" * 4301, b"1e999", b"99999999999"]) + line[j + 2 :]
    data = b"".join(lines)
    if rng.random() < 0.1:  # a cut at the end of the file
        data = data[: rng.randint(0, len(data))]
    return data


def is_zos(seed: int) -> bool:
    """Every third seed fuzzes the 3.x/4.x path's pair."""
    return seed % 3 == 2


def mutated_pair(seed: int) -> tuple[bytes, bytes]:
    """(collector, zenpython), or for `is_zos` seeds (zenopenstack, publisher)."""
    rng = random.Random(seed)
    out = []
    for source in rng.choice(_ZOS) if is_zos(seed) else (_COLLECTOR, _ZENPYTHON):
        n = rng.randint(1, min(12, len(source) - 1))
        start = rng.randrange(len(source) - n)
        out.append(_mutate(source[start : start + n], rng))
    return out[0], out[1]


def _strict_json(text: str) -> Any:
    def refuse(name: str) -> None:
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


def _lines_in(data: bytes) -> int:
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def check_seed(seed: int, tmp_path: Path) -> None:
    collector, zenpython = mutated_pair(seed)
    c, z = tmp_path / "c.log", tmp_path / "z.log"
    c.write_bytes(collector)
    z.write_bytes(zenpython)
    total = {str(c): _lines_in(collector), str(z): _lines_in(zenpython)}
    kinds = (["--kind", "c.log=zenopenstack", "--kind", "z.log=publisher"] if is_zos(seed)
             else ["--kind", "c.log=collector", "--kind", "z.log=zenpython"]) if seed % 2 else []
    runner = CliRunner()
    for command, fmt in (("analyze", "json"), ("events", "jsonl")):
        r = runner.invoke(cli, [command, str(c), str(z), "--format", fmt, "-q", *kinds])
        where = f"seed {seed}, {command}: exit {r.exit_code}\n{r.stderr}"
        assert r.exit_code in (0, 2), where
        assert r.exception is None or isinstance(r.exception, SystemExit), where + repr(r.exception)
        assert "Traceback" not in r.stderr, where
        if r.exit_code == 2:  # refused: one line that says why
            assert r.stdout == "" and r.stderr.startswith("Error: ") and r.stderr.count("\n") == 1, where
            continue
        if fmt == "json":
            doc = _strict_json(r.stdout)
            for i in doc["inputs"]:
                n = i["lines"]
                assert n["parsed"] + n["skipped"] + n["malformed"] == n["total"] == total[i["path"]], where
        else:
            for line in r.stdout.splitlines():
                _strict_json(line)


@pytest.mark.parametrize("seed", range(EXAMPLES))
def test_mutated_logs(seed: int, tmp_path: Path) -> None:
    check_seed(seed, tmp_path)


@pytest.mark.slow
def test_mutated_logs_long_run(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """`SLOW_EXAMPLES` seeds; runs only when selected: pytest -m slow."""
    if "slow" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("long run: select it with -m slow")
    for seed in range(EXAMPLES, EXAMPLES + SLOW_EXAMPLES):
        check_seed(seed, tmp_path)
