"""The walk as a graph: places joined by hotspots. What `content check` verifies about it,
and which places to prepare next.

A visitor must be able to reach every place from the start by touching hotspots alone (the
strip and the map are shortcuts, not the only way), every hotspot must lead somewhere that
exists, and no place may be defined twice.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from kiosk_core.content import problems as codes
from kiosk_core.content.model import Walk

Path = tuple[str | int, ...]
"""Where in walk.yaml a problem is: ("nodes", 2, "hotspots", 0, "target")."""


Found = tuple[Path, str, str, dict[str, Any]]
"""Where, the English message, its code and parameters (kiosk_core.content.problems)."""


def problems(walk: Walk) -> list[Found]:
    """Everything wrong with the walk's graph, each with where it is in walk.yaml."""
    found: list[Found] = []
    first: dict[str, int] = {}
    for index, node in enumerate(walk.nodes):
        if node.id in first:
            found.append(
                (
                    ("nodes", index, "id"),
                    f"duplicate id {node.id!r}; first used by node {first[node.id]}",
                    codes.DUPLICATE_ID,
                    {"value": node.id, "first_file": "", "first_line": None},
                )
            )
        else:
            first[node.id] = index
    known = ", ".join(sorted(first))
    if walk.start is not None and walk.start not in first:
        found.append(
            (
                ("start",),
                f"unknown place {walk.start!r} (known: {known})",
                codes.UNKNOWN_REFERENCE,
                {"value": walk.start, "known": known},
            )
        )
    for index, node in enumerate(walk.nodes):
        for h, spot in enumerate(node.hotspots):
            where = ("nodes", index, "hotspots", h, "target")
            if spot.target is None:
                continue
            if spot.target not in first:
                found.append(
                    (
                        where,
                        f"unknown place {spot.target!r} (known: {known})",
                        codes.UNKNOWN_REFERENCE,
                        {"value": spot.target, "known": known},
                    )
                )
            elif spot.target == node.id:
                found.append((where, "leads to the place it is in", codes.SELF_LINK, {}))
    if walk.start_id in first:
        reached = reachable(walk, walk.start_id)
        for index, node in enumerate(walk.nodes):
            if node.id not in reached and first.get(node.id) == index:
                found.append(
                    (
                        ("nodes", index, "id"),
                        f"{node.id!r} cannot be reached from the start {walk.start_id!r}: "
                        "no chain of hotspots leads here",
                        codes.UNREACHABLE,
                        {"value": node.id, "start": walk.start_id},
                    )
                )
    return found


def reachable(walk: Walk, start: str) -> set[str]:
    """Every place a visitor can get to from `start` by touching hotspots."""
    links = {node.id: [s.target for s in node.hotspots if s.target] for node in walk.nodes}
    seen = {start}
    queue = deque([start])
    while queue:
        for target in links.get(queue.popleft(), ()):
            if target not in seen and target in links:
                seen.add(target)
                queue.append(target)
    return seen


def neighbours(walk: Walk, node_id: str) -> list[str]:
    """The places one touch away, in the order of their hotspots: the ones to preload."""
    node = walk.node(node_id)
    if node is None:
        return []
    ids = {n.id for n in walk.nodes}
    out: list[str] = []
    for spot in node.hotspots:
        if spot.target and spot.target in ids and spot.target not in out and spot.target != node_id:
            out.append(spot.target)
    return out
