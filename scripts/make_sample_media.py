#!/usr/bin/env python3
"""Draw the images of the sample content in content/media/.

The sample municipality Jodłów Śląski is fictional, so are its coat of arms and posters:
simple shapes and a short title, drawn the same way on every run (no timestamps, no
randomness), so the files can be committed and regenerated without spurious diffs.

    python scripts/make_sample_media.py [CONTENT_DIR]

Writes media/logo.png (256x256) and media/events/*.png (800x450) under CONTENT_DIR
(default: the `content` folder next to this script's folder).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
POSTER_SIZE = (800, 450)

# Colours of the (fictional) coat of arms and the posters.
GREEN = (31, 94, 52)
DARK_GREEN = (18, 60, 33)
GOLD = (232, 184, 44)
SILVER = (236, 238, 240)
RED = (196, 30, 45)
BROWN = (110, 72, 40)
WHITE = (255, 255, 255)
NAVY = (22, 36, 71)
SKY = (120, 172, 222)
SNOW = (245, 248, 252)


def font(size: int, bold: bool = True) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans where installed (it has every Polish letter), else Pillow's own font."""
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    path = FONT_DIR / name
    if path.is_file():
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)


def fir_tree(draw: ImageDraw.ImageDraw, cx: float, base: float, height: float,
             fill: tuple[int, int, int], trunk: tuple[int, int, int] | None = None) -> None:
    """A stylised fir: three stacked triangles on a short trunk."""
    tiers = 3
    tier_h = height * 0.38
    width = height * 0.62
    trunk_h = height * 0.12
    if trunk is not None:
        tw = width * 0.12
        draw.rectangle([cx - tw / 2, base - trunk_h, cx + tw / 2, base], fill=trunk)
    bottom = base - trunk_h
    for i in range(tiers):
        w = width * (1 - i * 0.24)
        b = bottom - i * tier_h * 0.62
        draw.polygon([(cx - w / 2, b), (cx + w / 2, b), (cx, b - tier_h)], fill=fill)


def make_logo(path: Path) -> None:
    """A heater shield: green field, silver fir tree, gold border and three gold stars."""
    size = 256
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)

    def shield(inset: float) -> list[tuple[float, float]]:
        left, right, top = 28 + inset, size - 28 - inset, 16 + inset
        straight = 128
        points = [(left, top), (right, top), (right, straight)]
        # the lower edge: two arcs meeting at the point of the shield
        tip = (size / 2, size - 12 - inset * 1.4)
        steps = 24
        for k in range(1, steps + 1):
            t = k / steps
            x = right + (tip[0] - right) * t
            y = straight + (tip[1] - straight) * math.sin(t * math.pi / 2)
            points.append((x, y))
        for k in range(1, steps):
            t = 1 - k / steps
            x = left + (tip[0] - left) * t
            y = straight + (tip[1] - straight) * math.sin(t * math.pi / 2)
            points.append((x, y))
        return points

    draw.polygon(shield(0), fill=GOLD)
    draw.polygon(shield(9), fill=GREEN)
    fir_tree(draw, size / 2, 206, 150, SILVER, trunk=BROWN)
    star_font = font(22)
    for x, y in ((70, 50), (186, 50), (128, 30)):
        draw.text((x, y), "★", font=star_font, fill=GOLD, anchor="mm")
    img.save(path, optimize=True)


def poster(path: Path, background: tuple[int, int, int], title: str, subtitle: str,
           scene: Callable[[ImageDraw.ImageDraw], None],
           text_fill: tuple[int, int, int] = WHITE) -> None:
    img = Image.new("RGB", POSTER_SIZE, background)
    draw = ImageDraw.Draw(img)
    scene(draw)
    band_top = 300
    draw.rectangle([0, band_top, POSTER_SIZE[0], POSTER_SIZE[1]], fill=NAVY)
    draw.text((40, band_top + 22), title, font=font(40), fill=text_fill)
    draw.text((40, band_top + 86), subtitle, font=font(24, bold=False), fill=GOLD)
    img.save(path, optimize=True)


def christmas_fair(draw: ImageDraw.ImageDraw) -> None:
    # market stalls with striped roofs in front of a row of firs, stars above
    for i, x in enumerate(range(30, 800, 110)):
        fir_tree(draw, x + 40, 300, 140 + (i % 3) * 25, DARK_GREEN)
    for i, x in enumerate(range(60, 760, 180)):
        draw.rectangle([x, 200, x + 140, 300], fill=BROWN)
        for s in range(7):
            colour = RED if (s + i) % 2 == 0 else WHITE
            draw.polygon([(x - 10 + s * 22, 200), (x + 12 + s * 22, 200),
                          (x + 12 + s * 22 - 6, 170), (x - 10 + s * 22 + 6, 170)], fill=colour)
        draw.rectangle([x + 20, 230, x + 120, 250], fill=GOLD)
    for x, y in ((90, 40), (240, 70), (400, 30), (560, 80), (700, 45)):
        draw.text((x, y), "★", font=font(30), fill=GOLD, anchor="mm")


def ski_race(draw: ImageDraw.ImageDraw) -> None:
    draw.polygon([(0, 230), (180, 70), (330, 210), (470, 50), (800, 260), (800, 300), (0, 300)],
                 fill=SNOW)
    draw.polygon([(180, 70), (215, 102), (150, 97)], fill=WHITE)
    for x in range(20, 800, 95):
        fir_tree(draw, x, 300, 80, DARK_GREEN)
    # two parallel classic-style tracks sweeping across the slope
    for offset in (0, 14):
        track = [(0, 285), (260, 250), (520, 262), (800, 228)]
        draw.line([(x, y - offset) for x, y in track], fill=SKY, width=4)
    # a stylised skier
    cx, cy = 420, 190
    draw.ellipse([cx - 9, cy - 38, cx + 9, cy - 20], fill=RED)
    draw.line([(cx, cy - 20), (cx - 6, cy + 12)], fill=RED, width=7)
    draw.line([(cx - 6, cy + 12), (cx - 26, cy + 40)], fill=NAVY, width=6)
    draw.line([(cx - 6, cy + 12), (cx + 18, cy + 40)], fill=NAVY, width=6)
    draw.line([(cx - 3, cy - 12), (cx + 30, cy + 28)], fill=NAVY, width=3)
    draw.line([(cx - 3, cy - 12), (cx - 36, cy + 26)], fill=NAVY, width=3)
    draw.line([(cx - 60, cy + 44), (cx + 10, cy + 44)], fill=GOLD, width=4)
    draw.line([(cx - 10, cy + 46), (cx + 60, cy + 46)], fill=GOLD, width=4)


def heart_scene(draw: ImageDraw.ImageDraw) -> None:
    # a big red heart made of two circles and a triangle, with rays around it
    cx, cy, r = 400, 140, 62
    for k in range(16):
        a = k * math.pi / 8
        draw.line([(cx + math.cos(a) * 120, cy + math.sin(a) * 110),
                   (cx + math.cos(a) * 150, cy + math.sin(a) * 138)], fill=GOLD, width=6)
    draw.ellipse([cx - 2 * r + 8, cy - r - 20, cx + 8, cy + r - 20], fill=RED)
    draw.ellipse([cx - 8, cy - r - 20, cx + 2 * r - 8, cy + r - 20], fill=RED)
    draw.polygon([(cx - 2 * r + 12, cy - 2), (cx + 2 * r - 12, cy - 2), (cx, cy + 112)], fill=RED)


def easter_fair(draw: ImageDraw.ImageDraw) -> None:
    draw.rectangle([0, 230, 800, 300], fill=(120, 180, 90))
    eggs = ((130, 200, RED, GOLD), (260, 215, SKY, WHITE), (400, 195, GOLD, GREEN),
            (540, 215, (150, 90, 170), GOLD), (670, 200, GREEN, WHITE))
    for x, y, body, stripe in eggs:
        draw.ellipse([x - 42, y - 60, x + 42, y + 50], fill=body)
        draw.rectangle([x - 40, y - 12, x + 40, y - 2], fill=stripe)
        for dx in (-22, 0, 22):
            draw.ellipse([x + dx - 5, y + 14, x + dx + 5, y + 24], fill=stripe)
    for x in range(40, 800, 70):
        draw.line([(x, 300), (x + 6, 262)], fill=DARK_GREEN, width=3)
        draw.ellipse([x + 1, 252, x + 13, 264], fill=WHITE)


POSTERS: dict[str, tuple[tuple[int, int, int], str, str, Callable[[ImageDraw.ImageDraw], None]]] = {
    "jarmark-bozonarodzeniowy.png": (
        (36, 52, 96), "Jarmark Bożonarodzeniowy", "Rynek · 11–13 grudnia 2026", christmas_fair),
    "bieg-narciarski.png": (
        SKY, "Bieg o Puchar Burmistrza", "Polana Jodłowa · 20 lutego 2027", ski_race),
    "final-wosp.png": (
        (250, 236, 214), "Gramy razem!", "Jodłowskie Centrum Kultury · 31 stycznia 2027",
        heart_scene),
    "jarmark-wielkanocny.png": (
        (205, 232, 246), "Jarmark Wielkanocny", "Rynek · 20–21 marca 2027", easter_fair),
}


def main(argv: list[str]) -> int:
    root = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent.parent / "content"
    events = root / "media" / "events"
    events.mkdir(parents=True, exist_ok=True)
    written = [root / "media" / "logo.png"]
    make_logo(written[0])
    for name, (background, title, subtitle, scene) in POSTERS.items():
        written.append(events / name)
        poster(written[-1], background, title, subtitle, scene)
    for path in written:
        print(f"{path.relative_to(root)}  {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
