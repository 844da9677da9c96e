"""The hub's layout: no module of `hub/` imports itself back, through any chain of imports.

The graph is read from the source with `ast`, so a cycle is found even where Python would not
trip over it at start-up: an import inside a function counts like one at the top (it closes
the same loop, only later, at the first call), and importing `hub.a.b` runs `hub/a/__init__`
first, so it is an edge to `hub.a` too. The hub imports nothing by a name in a string
(`importlib`), so every dependency is an import statement this test sees.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def import_cycle(root: Path, package: str) -> list[str] | None:
    """One chain of imports among `package`'s modules that comes back to where it started
    (e.g. [a, b, a]), or None."""
    modules = {}
    for path in (root / package).rglob("*.py"):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        named: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                named.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: from . import x, from ..a import b
                    here = module.split(".")[: len(module.split(".")) - node.level]
                    if path.name == "__init__.py":
                        here = module.split(".")[: len(module.split(".")) - node.level + 1]
                    base = ".".join([*here, base] if base else here)
                named.add(base)
                named.update(f"{base}.{alias.name}" for alias in node.names)
        edges = set()
        for name in named:
            parts = name.split(".")
            edges.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
        graph[module] = {m for m in edges if m in modules and m != module}

    done: set[str] = set()
    trail: list[str] = []

    def visit(module: str) -> list[str] | None:
        if module in trail:
            return [*trail[trail.index(module) :], module]
        if module in done:
            return None
        trail.append(module)
        for other in sorted(graph[module]):
            if found := visit(other):
                return found
        trail.pop()
        done.add(module)
        return None

    for module in sorted(graph):
        if found := visit(module):
            return found
    return None


def test_no_import_cycle_inside_the_hub() -> None:
    cycle = import_cycle(REPO, "hub")
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])
    for path in (REPO / "hub").rglob("*.py"):
        assert "importlib" not in path.read_text(encoding="utf-8"), f"{path}: imports by name"


def test_the_cycle_finder_sees_function_level_imports_and_packages(tmp_path: Path) -> None:
    """It can fail: a loop closed inside a function, and one through a package's
    __init__ (with a relative import), are named."""
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from pkg import b\n")
    (pkg / "b.py").write_text("def f():\n    from pkg.a import g\n")
    assert import_cycle(tmp_path, "pkg") == ["pkg.a", "pkg.b", "pkg.a"]
    (pkg / "b.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("from ..c import x\n")
    (pkg / "sub" / "d.py").write_text("")
    (pkg / "c.py").write_text("from .sub.d import y\n")
    assert import_cycle(tmp_path, "pkg") == ["pkg.c", "pkg.sub", "pkg.c"]
