#!/usr/bin/env python3
"""Draw the sample attract loop in content/media/attract/: two slides and a short video.

    python scripts/make_attract_media.py [CONTENT_DIR]

The slides are PNG (1920x1080) drawn with Pillow; the video (H.264 in MP4, 1280x720, 6 s,
no sound) is drawn frame by frame with Pillow and encoded by ffmpeg (`apt-get install ffmpeg`),
which is needed only here, never on a kiosk. Same output on every run.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
from pathlib import Path

from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_sample_media import GOLD, GREEN, NAVY, SKY, SNOW, WHITE, fir_tree, font  # noqa: E402

SLIDE = (1920, 1080)
VIDEO = (1280, 720)
FPS = 25
SECONDS = 6


def centred(draw: ImageDraw.ImageDraw, y: float, text: str, size: int, fill, width: int) -> None:
    face = font(size)
    box = draw.textbbox((0, 0), text, font=face)
    draw.text(((width - (box[2] - box[0])) / 2, y), text, font=face, fill=fill)


def welcome(path: Path) -> None:
    image = Image.new("RGB", SLIDE, GREEN)
    draw = ImageDraw.Draw(image)
    for i, x in enumerate(range(120, 1920, 260)):
        fir_tree(draw, x, 1080, 260 + 60 * (i % 3), (18, 60, 33))
    # "Touch the screen to start" is the kiosk's own, over every slide in each language in turn
    centred(draw, 250, "Jodłów Śląski", 120, GOLD, SLIDE[0])
    centred(draw, 450, "Witamy", 96, WHITE, SLIDE[0])
    centred(draw, 580, "Welcome · Willkommen · Vítejte · Ласкаво просимо", 52, SNOW, SLIDE[0])
    image.save(path, optimize=True)


def report(path: Path) -> None:
    image = Image.new("RGB", SLIDE, NAVY)
    draw = ImageDraw.Draw(image)
    draw.ellipse([810, 160, 1110, 460], outline=GOLD, width=18)
    draw.line([960, 220, 960, 340], fill=GOLD, width=22)
    draw.ellipse([946, 380, 974, 408], fill=GOLD)
    centred(draw, 540, "Zauważyłeś problem w mieście?", 84, WHITE, SLIDE[0])
    centred(draw, 660, "Zgłoś go tutaj — dziura, latarnia, śmieci", 56, SNOW, SLIDE[0])
    centred(draw, 740, "Report a problem here · Melden Sie ein Problem", 48, SKY, SLIDE[0])
    image.save(path, optimize=True)


def video_frame(n: int) -> Image.Image:
    """Snow falling on firs, the town's name sliding in."""
    t = n / FPS
    image = Image.new("RGB", VIDEO, (24, 52, 96))
    draw = ImageDraw.Draw(image)
    for i, x in enumerate(range(60, 1280, 170)):
        fir_tree(draw, x, 720, 180 + 40 * (i % 3), (31, 94, 52), (90, 60, 35))
    for k in range(60):
        x = (k * 211 + 37 * math.sin(t + k)) % 1280
        y = (k * 97 + t * (60 + k % 40)) % 720
        draw.ellipse([x - 4, y - 4, x + 4, y + 4], fill=SNOW)
    slide = min(1.0, t / 1.5)
    face = font(88)
    text = "Jodłów Śląski"
    box = draw.textbbox((0, 0), text, font=face)
    x = -box[2] + slide * ((1280 - box[2]) / 2 + box[2])
    draw.text((x, 200), text, font=face, fill=GOLD)
    return image


def video(path: Path) -> None:
    ffmpeg = shutil.which("ffmpeg")
    if not ffmpeg:
        print("ffmpeg not found: the sample video is not made (apt-get install ffmpeg)")
        return
    command = [
        ffmpeg, "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24",
        "-s", f"{VIDEO[0]}x{VIDEO[1]}", "-r", str(FPS), "-i", "-",
        "-c:v", "libx264", "-profile:v", "main", "-pix_fmt", "yuv420p", "-crf", "30",
        "-preset", "veryslow", "-tune", "animation", "-movflags", "+faststart",
        "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:v", "+bitexact", str(path),
    ]  # fmt: skip
    with subprocess.Popen(command, stdin=subprocess.PIPE) as proc:
        assert proc.stdin is not None
        for n in range(FPS * SECONDS):
            proc.stdin.write(video_frame(n).tobytes())
        proc.stdin.close()
    if proc.returncode:
        raise SystemExit(f"ffmpeg failed ({proc.returncode})")


def main(argv: list[str]) -> int:
    content = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent.parent / "content"
    out = content / "media" / "attract"
    out.mkdir(parents=True, exist_ok=True)
    welcome(out / "witamy.png")
    report(out / "zglos-problem.png")
    video(out / "zima.mp4")
    for path in sorted(out.iterdir()):
        print(f"{path.relative_to(content)}: {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
