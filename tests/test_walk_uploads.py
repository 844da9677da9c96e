"""Which places the GPU keeps, and uploading them ahead a band of rows at a time."""

from __future__ import annotations

from kiosk.walk.uploads import BYTES_PER_TEXEL, UploadPlan

HALVES = [(2048, 2048), (2048, 2048)]
PLACE = 2 * 2048 * 2048 * BYTES_PER_TEXEL


def drain(plan: UploadPlan, ready=lambda k: True, max_bytes=1 << 20) -> list:
    bands = []
    while (band := plan.next_band(ready, max_bytes)) is not None:
        bands.append(band)
        plan.done(band)
    return bands


def test_a_place_is_allocated_then_uploaded_in_bands() -> None:
    plan = UploadPlan(budget=10 * PLACE)
    plan.want([("rynek", HALVES)])
    bands = drain(plan)
    assert bands[0].allocate and bands[0].index == 0
    rows = (1 << 20) // (2048 * 3)
    assert (bands[1].y0, bands[1].y1) == (0, rows)
    assert plan.complete("rynek")
    # every row of both textures exactly once
    for index in (0, 1):
        covered = [(b.y0, b.y1) for b in bands if b.index == index and not b.allocate]
        assert covered[0][0] == 0 and covered[-1][1] == 2048
        assert all(a[1] == b[0] for a, b in zip(covered, covered[1:], strict=False))
    assert sum(b.allocate for b in bands) == 2


def test_the_most_important_place_goes_first_and_waits_for_its_pixels() -> None:
    plan = UploadPlan(budget=10 * PLACE)
    plan.want([("here", HALVES), ("next", HALVES)])
    assert plan.next_band(lambda k: k == "next", 1 << 20).key == "next"
    assert plan.next_band(lambda k: True, 1 << 20).key == "here"
    assert plan.next_band(lambda k: False, 1 << 20) is None


def test_the_budget_keeps_the_place_shown_and_drops_the_rest() -> None:
    plan = UploadPlan(budget=int(2.5 * PLACE))
    assert plan.want([("a", HALVES), ("b", HALVES), ("c", HALVES)]) == []
    assert plan.kept() == ["a", "b"]
    assert plan.reserved() == 2 * PLACE
    drain(plan)
    assert plan.complete("a") and plan.complete("b")
    # moving on: "a" is no longer wanted and is released; "b" stays uploaded
    assert plan.want([("c", HALVES), ("b", HALVES)]) == ["a"]
    assert plan.complete("b") and not plan.complete("c")
    huge = [(4096, 4096), (4096, 4096)]
    assert plan.want([("big", huge)]) == ["c", "b"]
    assert plan.kept() == ["big"]  # the place shown is kept whatever it costs
