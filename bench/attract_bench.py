"""The attract loop's cost while a 1080p video plays: libVLC into a Kivy texture.

Plays a 1920x1080 clip through `kiosk.appliance.video.VlcPlayer` into a full-window `VideoSurface`
(a real Kivy window under Xvfb, software OpenGL) and reports:

- frames VLC delivered per second, and frames uploaded to the texture per second;
- Python time per frame in VLC's callbacks (on VLC's threads) and in the upload (main thread);
- the process's CPU use (all threads: decoding, conversion to RGBA, upload, drawing), beside
  the same window drawing a still image, so the video's own share shows.

The clip is H.264 made by ffmpeg when it is installed (what a kiosk really decodes), else raw
YUV4MPEG2 (no decoding cost: shows the copy and upload path alone).

Run: .venv/bin/python bench/attract_bench.py [--seconds 10] [--raw]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

W, H, FPS = 1920, 1080, 30


def make_h264(path: Path, seconds: int) -> Path:
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi",
         "-i", f"testsrc2=size={W}x{H}:rate={FPS}", "-t", str(seconds),
         "-c:v", "libx264", "-profile:v", "high", "-pix_fmt", "yuv420p", "-b:v", "8M", str(path)],
        check=True,
    )  # fmt: skip
    return path


def make_y4m(path: Path, frames: int = 30) -> Path:
    """A moving gradient: each frame differs, so nothing is skipped as a repeat."""
    chroma = bytes([128]) * (W * H // 2)
    row = bytes(range(256)) * (W // 256 + 1)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{W} H{H} F{FPS}:1 Ip A1:1 C420jpeg\n".encode())
        for n in range(frames):
            shift = (n * 8) % 256
            luma = (row[shift : shift + W]) * H
            out.write(b"FRAME\n" + luma + chroma)
    return path


def cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--raw", action="store_true", help="raw .y4m even if ffmpeg is here")
    args = parser.parse_args()

    from tests.kivy_driver import virtual_display

    with virtual_display():
        return run(args)


def run(args) -> int:
    from kivy.base import EventLoop, runTouchApp
    from kivy.core.window import Window
    from kivy.uix.image import Image

    from kiosk.appliance.video import VlcPlayer, vlc_status
    from kiosk.ui.widgets.video import VideoSurface

    status = vlc_status()
    if not status.available:
        print(f"no video: {status.detail}")
        return 1
    tmp = Path(tempfile.mkdtemp(prefix="attract-bench-"))
    use_h264 = shutil.which("ffmpeg") and not args.raw
    clip = (
        make_h264(tmp / "clip.mp4", int(args.seconds) + 2)
        if use_h264
        else make_y4m(tmp / "clip.y4m")
    )
    kind = "H.264 High, 8 Mbit/s" if use_h264 else "raw YUV4MPEG2 (no decoding)"

    Window.size = (W, H)
    still = Image(source=str(REPO / "content" / "media" / "attract" / "witamy.png"))
    runTouchApp(still, embedded=True)

    def pump(seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            EventLoop.idle()

    pump(1.0)
    wall, cpu = time.monotonic(), cpu_seconds()
    pump(args.seconds / 2)
    idle_cpu = (cpu_seconds() - cpu) / (time.monotonic() - wall)

    Window.remove_widget(still)
    surface = VideoSurface(size=(W, H))
    Window.add_widget(surface)
    player = VlcPlayer()
    surface.player = player
    surface.start()
    player.play(clip, repeat=True)
    pump(1.5)  # past the start
    frames0, uploaded0 = player.stats.frames, surface.uploaded
    callback0, upload0 = player.stats.callback_seconds, surface.upload_seconds
    wall, cpu = time.monotonic(), cpu_seconds()
    pump(args.seconds)
    elapsed = time.monotonic() - wall
    video_cpu = (cpu_seconds() - cpu) / elapsed
    frames = player.stats.frames - frames0
    uploaded = surface.uploaded - uploaded0
    callback = player.stats.callback_seconds - callback0
    upload = surface.upload_seconds - upload0
    player.close()
    shutil.rmtree(tmp, ignore_errors=True)

    cores = os.cpu_count() or 1
    print(f"attract loop, {W}x{H} at {FPS} fps ({kind}), {status.detail}, {elapsed:.1f} s:")
    print(f"  frames from VLC        {frames / elapsed:6.1f} /s")
    print(f"  frames uploaded        {uploaded / elapsed:6.1f} /s")
    per_frame = 1e6 * callback / max(1, frames)
    per_upload = 1e3 * upload / max(1, uploaded)
    print(f"  Python per frame in VLC's callbacks (VLC's threads)  {per_frame:7.1f} µs")
    print(f"  texture upload per frame (blit_buffer, main thread)  {per_upload:7.2f} ms")
    print(f"  CPU, video playing     {100 * video_cpu:6.0f} % of one core ({cores} cores here)")
    print(f"  CPU, still image       {100 * idle_cpu:6.0f} % of one core (software OpenGL in Xvfb)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
