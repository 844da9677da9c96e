"""How the benchmarks sum up repeated timings, so every bench's "p95" means the same."""

from __future__ import annotations

from collections.abc import Iterable


def p95(values: Iterable[float]) -> float:
    """The value 95% of the runs stayed at or under (the nearest rank below)."""
    ordered = sorted(values)
    return ordered[int(0.95 * len(ordered))]
