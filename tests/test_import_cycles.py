"""No import cycle inside a package: its parts depend on each other in one direction, so each
can be read (and tested) without the one that uses it.

The graph is built from the source with ast, not by importing: every `import` and
`from ... import` of a module counts, at module level or inside a function (an import put
off until first use is a dependency all the same), and under `if TYPE_CHECKING:` too; importing
`a.b.c` runs `a/__init__.py` and `a/b/__init__.py` first, so it depends on them as well.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import pytest


def package_modules(package: str) -> dict[str, Path]:
    """Every module of `package` (found on sys.path, so PYTHONPATH chooses the tree read)
    by dotted name; a package's own name stands for its __init__.py."""
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.submodule_search_locations, f"{package} is no package"
    root = Path(next(iter(spec.submodule_search_locations)))
    modules = {}
    for path in sorted(root.rglob("*.py")):
        parts = [package, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def imported_by(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The modules of the same package that `name` imports anywhere in its source."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the module's own package upwards
                anchor = name.split(".")[: len(name.split(".")) - node.level + is_package]
                base = ".".join([*anchor, *([base] if base else [])])
            # `from a import b` imports the module a.b when there is one, else a name of a
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                for alias in node.names
            ]
        else:
            continue
        for target in targets:
            while target and target not in modules:  # `import a.b.c` of a name in a.b
                target = target.rpartition(".")[0]
            while target:  # importing a.b.c runs a/__init__ and a/b/__init__ first
                if target != name:
                    found.add(target)
                target = target.rpartition(".")[0]
    return found


def import_graph(package: str) -> dict[str, set[str]]:
    modules = package_modules(package)
    return {name: imported_by(name, path, modules) for name, path in modules.items()}


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle (as a path that returns to its start) in each group of modules that import
    each other (Tarjan's strongly connected components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in sorted(graph[module]):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == module:
                    break
            if len(group) > 1:
                groups.append(group)

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return [_cycle_in(group, graph) for group in groups]


def _cycle_in(group: set[str], graph: dict[str, set[str]]) -> list[str]:
    """The shortest way from the group's first module back to itself (breadth first)."""
    start = min(group)
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for module in frontier:
            for other in sorted(graph[module] & group):
                if other == start:
                    path = [module]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return [start, *reversed(path[:-1]), start]
                if other not in came_from:
                    came_from[other] = module
                    following.append(other)
        frontier = following
    raise AssertionError(f"no cycle in {sorted(group)}")


def test_a_cycle_is_found_and_named() -> None:
    graph = {"p.a": {"p.b"}, "p.b": {"p.c"}, "p.c": {"p.a", "p.d"}, "p.d": set()}
    assert import_cycles(graph) == [["p.a", "p.b", "p.c", "p.a"]]
    assert import_cycles({"p.a": {"p.b"}, "p.b": set()}) == []


def test_imports_inside_functions_and_through_a_package_count(tmp_path, monkeypatch) -> None:
    """A loop closed inside a function, and one through a package's __init__ (with relative
    imports), are loops all the same."""
    pkg = tmp_path / "looppkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from looppkg import b\n")
    (pkg / "b.py").write_text("def f():\n    from looppkg.a import g\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert import_cycles(import_graph("looppkg")) == [["looppkg.a", "looppkg.b", "looppkg.a"]]
    (pkg / "b.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("from ..c import x\n")
    (pkg / "sub" / "d.py").write_text("")
    (pkg / "c.py").write_text("from .sub.d import y\n")
    assert import_cycles(import_graph("looppkg")) == [["looppkg.c", "looppkg.sub", "looppkg.c"]]


@pytest.mark.parametrize("package", ["kiosk", "kiosk_core", "hub"])
def test_no_import_cycle(package: str) -> None:
    cycles = import_cycles(import_graph(package))
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)
