"""Where the walk's place names go (plain Python): in two lines in the strip, beside their
dots on the map clear of each other, and which place a touch on the map means."""

from __future__ import annotations

from kiosk.walk import labels, places


def width(text: str) -> float:
    """A monospaced font: 10 px a character."""
    return 10.0 * len(text)


def test_a_name_wraps_into_two_lines_as_narrow_as_its_best_split() -> None:
    assert labels.two_line_width("Rynek", width) == 50
    assert labels.two_line_width("Most na Białce", width) == 70  # "Most na" / "Białce"
    assert labels.two_line_width("Skraj Lasu Jodłowego", width) == 100  # "Skraj Lasu" / …
    assert labels.two_line_width("Узлісся Ялицевого лісу", width) == 140
    # a greedy wrap at that width never needs a third line
    for name in ("Most na Białce", "Brücke über die Białka", "Узлісся Ялицевого лісу"):
        room, lines, line = labels.two_line_width(name, width), 1, ""
        for word in name.split():
            if line and width(f"{line} {word}") > room:
                lines, line = lines + 1, word
            else:
                line = f"{line} {word}".strip()
        assert lines <= 2, name


def overlaps(a, b) -> bool:
    return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])


def test_names_on_the_map_go_where_they_are_clear_of_each_other_and_inside() -> None:
    area = (0.0, 0.0, 600.0, 400.0)
    radius = 15.0
    # three places close together, one at the right edge: every name read whole
    dots = [(300.0, 200.0), (300.0, 170.0), (330.0, 230.0), (580.0, 300.0)]
    names = [(150.0, 26.0), (180.0, 26.0), (200.0, 26.0), (120.0, 26.0)]
    boxes = labels.name_boxes(dots, names, radius, 4.0, area)
    wholes = [
        labels.union(box, (x - radius, y - radius, x + radius, y + radius))
        for box, (x, y) in zip(boxes, dots, strict=True)
    ]
    for i, box in enumerate(boxes):
        assert box[0] >= 0 and box[2] <= 600 and box[1] >= 0 and box[3] <= 400, box
        assert box[2] - box[0] == names[i][0] and box[3] - box[1] == names[i][1]
        for j in range(i + 1, len(boxes)):
            assert not overlaps(wholes[i], wholes[j]), (i, j)
    assert boxes[0][0] > dots[0][0]  # the first place's name reads on from its dot
    assert boxes[3][2] < dots[3][0]  # at the right edge: to the left of the dot


def test_a_touch_on_the_map_means_the_place_under_it_or_the_nearest() -> None:
    boxes = [(100.0, 90.0, 260.0, 110.0), (100.0, 140.0, 240.0, 160.0)]
    dots = [(110.0, 100.0), (110.0, 150.0)]
    assert places.touched(boxes, dots, 200, 100, 30) == 0  # on the first name
    assert places.touched(boxes, dots, 105, 130, 30) == 1  # between the dots: nearer the second
    assert places.touched(boxes, dots, 400, 300, 30) is None  # far from both
