"""The hub's layout as tests/test_import_cycles.py relies on it."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_the_hub_imports_nothing_by_a_name_in_a_string() -> None:
    """tests/test_import_cycles.py reads the hub's imports from its source: an import by a
    name in a string (importlib) would hide a dependency from it, as it once hid two loops."""
    for path in (REPO / "hub").rglob("*.py"):
        assert "importlib" not in path.read_text(encoding="utf-8"), f"{path}: imports by name"
