"""The package's layout: an import graph without loops, one name per module,
no module too long, rich only in render/terminal.py, click only in the cli package.

The graph is read statically (ast over every module, relative imports
resolved, imports inside functions included), so a lazy import counts."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "lmtrace"
MAX_LINES = 450
RICH_ONLY = {"lmtrace.render.terminal"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imports(name: str, path: Path) -> set[str]:
    """Every module `name` imports, anywhere in the file, absolute names."""
    is_package = path.name == "__init__.py"
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out.add(mod)
            # `from . import x` / `from .pkg import mod` name modules too
            out.update(f"{mod}.{a.name}" for a in node.names if f"{mod}.{a.name}" in MODULES)
    return out


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _internal(targets: set[str]) -> set[str]:
    return {t for t in targets if t in MODULES and t != "lmtrace"}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import loop of `graph` (internal edges only), or None."""
    state: dict[str, int] = {}  # 1 on the path, 2 done
    path: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        path.append(n)
        for m in sorted(_internal(graph.get(n, set()))):
            if state.get(m) == 1:
                return path[path.index(m) :] + [m]
            if m not in state and (found := visit(m)) is not None:
                return found
        path.pop()
        state[n] = 2
        return None

    for n in sorted(graph):
        if n not in state and (found := visit(n)) is not None:
            return found
    return None


def test_the_graph_is_read():
    # the check below is only as good as the graph: it holds the known edges,
    # lazy ones (inside functions) and relative ones included
    assert "lmtrace.render.terminal" in GRAPH["lmtrace.render"]  # lazy, in a function
    assert "lmtrace.parse.pyrepr" in GRAPH["lmtrace.parse.collector"]  # lazy, relative
    assert "lmtrace.findings" in GRAPH["lmtrace.render.common"]  # `from ..findings`
    assert "rich" in GRAPH["lmtrace.render.terminal"]


def test_no_import_loop():
    assert _cycle(GRAPH) is None, " -> ".join(_cycle(GRAPH) or [])


def test_the_loop_check_finds_a_loop():
    graph = {k: set(v) for k, v in GRAPH.items()}
    graph["lmtrace.read"].add("lmtrace.cli")  # read -> cli -> ... -> read
    assert _cycle(graph) is not None


def test_no_two_modules_share_a_base_name():
    names = Counter(p.stem for p in MODULES.values() if p.stem not in ("__init__", "__main__"))
    assert [n for n, c in names.items() if c > 1] == []


#: the scripts beside the package (benchmarks, samples) are held to the same length
SCRIPTS = sorted((*PACKAGE.parent.glob("benchmarks/*.py"), *PACKAGE.parent.glob("samples/*.py")))


@pytest.mark.parametrize("path", [*MODULES.values(), *SCRIPTS], ids=str)
def test_no_module_is_too_long(path):
    lines = path.read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{path}: {lines} lines; split it along its jobs"


def _importers(top: str) -> set[str]:
    return {n for n, targets in GRAPH.items() if any(t == top or t.startswith(top + ".") for t in targets)}


def test_only_the_terminal_renderer_imports_rich():
    assert _importers("rich") == RICH_ONLY


def test_only_the_cli_imports_click():
    importers = _importers("click")
    assert importers, "the graph lost the CLI's click imports"
    assert {n for n in importers if n != "lmtrace.cli" and not n.startswith("lmtrace.cli.")} == set()
