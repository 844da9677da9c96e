"""Draw the sample municipality's street map (content/media/map.png) for report locations.

Jodłów Śląski is fictional, so its map is too: a river, a market square, streets with
names. The image is deterministic; its edges' coordinates are in content/settings.yaml.
Run: .venv/bin/python scripts/make_sample_map.py
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

OUT = Path(__file__).resolve().parent.parent / "content" / "media" / "map.png"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
W, H = 1600, 1000


def font(size: int) -> ImageFont.ImageFont:
    return ImageFont.truetype(str(FONT), size) if FONT.exists() else ImageFont.load_default()


def main() -> None:
    img = Image.new("RGB", (W, H), (238, 234, 222))
    d = ImageDraw.Draw(img)
    d.rectangle([1120, 60, 1560, 420], fill=(200, 224, 190))  # forest
    d.rectangle([180, 620, 520, 900], fill=(200, 224, 190))  # spa park
    d.line([(0, 520), (400, 470), (800, 540), (1200, 500), (1600, 560)], fill=(140, 190, 230),
           width=34)  # the river Białka
    streets = {
        "ul. Kolejowa": [(60, 140), (1540, 180)],
        "ul. Polna": [(120, 330), (1500, 300)],
        "ul. Szkolna": [(300, 60), (340, 960)],
        "ul. Leśna": [(1040, 60), (1100, 960)],
        "ul. Ogrodowa": [(80, 760), (1540, 800)],
        "ul. Wodna": [(700, 40), (760, 960)],
        "ul. Przemysłowa": [(1240, 600), (1560, 940)],
    }
    for name, (a, b) in streets.items():
        d.line([a, b], fill=(255, 255, 255), width=22)
        d.line([a, b], fill=(190, 180, 160), width=2)
        mx, my = (a[0] + b[0]) // 2, (a[1] + b[1]) // 2
        d.text((mx + 16, my - 34), name, fill=(60, 60, 60), font=font(24))
    d.rectangle([560, 360, 880, 460], fill=(230, 205, 160), outline=(150, 120, 80), width=3)
    d.text((610, 390), "Rynek", fill=(80, 50, 20), font=font(34))
    d.text((200, 860), "Park Zdrojowy", fill=(40, 90, 40), font=font(28))
    d.text((1200, 90), "Las Jodłowy", fill=(40, 90, 40), font=font(28))
    d.text((880, 480), "Białka", fill=(40, 90, 140), font=font(26))
    d.text((20, H - 40), "Jodłów Śląski – plan miasta (przykładowy)", fill=(90, 90, 90),
           font=font(22))
    img.save(OUT, optimize=True)
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
