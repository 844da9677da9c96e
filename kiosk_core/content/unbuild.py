"""A release's content.json turned back into source-form items: how the hub's draft starts
from what is published.

Almost everything a source tree says is in content.json, so that building the items again
(`kiosk_core.content.items.write_tree`, then `kiosk_core.content.build`) gives the same
content.json byte for byte. What a release does not keep:

- media file names: a release names each file by its content (`media/<sha256>.png`), and so
  do the items (the draft's media are those files);
- fields written at their default values, and times written without a UTC offset: the items
  leave defaults out and carry every event's times with their offset (the same moments);
- comments, the grouping of items into files and the files' names;
- the virtual walk's photographs: a release carries each place cut into two textures and a
  preview. A place comes back with those (`textures`, `preview`) instead of `image`, which
  a source tree accepts as a place built before; it stays so until a new photograph is given.
"""

from __future__ import annotations

import json
from typing import Any

from kiosk_core.content.items import KINDS, SINGLETON_ID, WALK, Item, source_form
from kiosk_core.content.model import PanoramaNode, Settings, Walk


def unbuild(document: bytes) -> list[Item]:
    """The items of a release's content.json, in the order the release has them."""
    data: dict[str, Any] = json.loads(document)
    items = [Item("settings", SINGLETON_ID["settings"], source_form(Settings, data["settings"]))]
    for kind in KINDS:
        if kind.key in ("settings", "walk"):
            continue
        for index, raw in enumerate(data.get(kind.key) or []):
            item_id = str(raw[kind.id_field]) if kind.id_field else f"{kind.name}-{index + 1}"
            items.append(Item(kind.name, item_id, source_form(kind.model, raw)))
    walk = data.get("walk")
    if walk:
        own = source_form(Walk, {k: v for k, v in walk.items() if k != "nodes"})
        items.append(Item(WALK.name, SINGLETON_ID["walk"], own))
        for node in walk["nodes"]:
            items.append(Item("place", node["id"], source_form(PanoramaNode, node)))
    return items
