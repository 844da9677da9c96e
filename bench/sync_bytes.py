"""Benchmark: what a kiosk downloads when staff change one large image of a published release.

A real hub (`kiosk-hub serve` in its own process on 127.0.0.1), content with IMAGES events each
with its own large image (stand-ins for panoramas: random-noise JPEGs of 1-2 MB, generated
deterministically with Pillow), published with the real `kiosk-hub publish`. The kiosk is
enrolled through a counting proxy (`tests.faultproxy.FaultProxy` with no faults), so every byte
the kiosk receives over HTTP (status lines, headers and bodies) is counted. The real agent
(`Agent.run_once`, every step of a cycle) syncs the release; then one image is replaced, the
content published again, and the agent syncs once more. The second sync must fetch that one
image, the new content.json and the manifest, with at most OVERHEAD_TARGET bytes besides.

Run: PYTHONPATH=. .venv/bin/python bench/sync_bytes.py [--images 50]
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import tempfile
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.hubtools

from kiosk.content.release import current_release_dir
from kiosk.sync.agent import Agent
from kiosk.sync.content import active_version
from kiosk_core.content.manifest import MANIFEST_FILE
from tests.conftest import write_tree
from tests.faultproxy import FaultProxy
from tests.hubtools import HubProcess, enroll_kiosk

OVERHEAD_TARGET = 64 * 1024
SIZE = (1920, 1200)
"""Pixels of each image: noise at JPEG quality 80 makes 1-2 MB."""


def noise_jpeg(seed: int) -> bytes:
    rng = random.Random(seed)
    width, height = SIZE
    image = Image.frombytes("RGB", SIZE, rng.randbytes(width * height * 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def content_with_images(root: Path, count: int) -> Path:
    src = write_tree(root)
    lines = []
    for i in range(count):
        (src / "media" / f"pano-{i:02d}.jpg").write_bytes(noise_jpeg(i))
        lines += [
            f"- id: pano-{i:02d}",
            f"  title: {{pl: Panorama {i}, en: Panorama {i}}}",
            "  all_day: true",
            f"  start: 2026-12-{1 + i % 28:02d}",
            f"  image: media/pano-{i:02d}.jpg",
        ]
    (src / "events" / "panoramas.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return src


def sync(agent: Agent, proxy: FaultProxy, version: int) -> int:
    """One agent cycle through the counting proxy; the bytes the kiosk received."""
    proxy.reset_counters()
    results = agent.run_once()
    failed = [str(r) for r in results if not r.ok]
    if failed or active_version(agent.data_dir) != version:
        raise SystemExit(f"release {version} not activated: {failed or results}")
    return proxy.bytes_sent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sync-bytes-") as tmp:
        root = Path(tmp)
        src = content_with_images(root / "src", args.images)
        sizes = [p.stat().st_size for p in (src / "media").glob("pano-*.jpg")]
        with HubProcess(root) as hub, FaultProxy(hub.url, lifetime=600) as proxy:
            first = hub.publish(src)
            data = root / "kiosk"
            enroll_kiosk(proxy.url, hub.add_kiosk("bytes"), data)
            agent = Agent(data)
            try:
                initial = sync(agent, proxy, first)
                changed = noise_jpeg(10_000)
                (src / "media" / "pano-07.jpg").write_bytes(changed)
                second = hub.publish(src)
                update = sync(agent, proxy, second)
                requests = [(e.method, e.path, e.status, e.sent) for e in proxy.log]
                idle = sync(agent, proxy, second)
            finally:
                agent.close()
            release = current_release_dir(data)
            content_size = (release / "content.json").stat().st_size
            manifest_size = (release / MANIFEST_FILE).stat().st_size
    payload = len(changed) + content_size + manifest_size
    overhead = update - payload
    print(
        f"{args.images} images of {min(sizes):,}-{max(sizes):,} bytes "
        f"({sum(sizes):,} in all); first sync received {initial:,} bytes"
    )
    print("after one image was changed and the content published again, one agent cycle:")
    for method, path, status, sent in requests:
        print(f"  {method} {path[:60]} -> {status}: {sent:,} bytes")
    print(
        f"received {update:,} bytes = changed image {len(changed):,} + content.json "
        f"{content_size:,} + manifest {manifest_size:,} + overhead {overhead:,} "
        f"(target < {OVERHEAD_TARGET:,}) {'OK' if 0 <= overhead < OVERHEAD_TARGET else 'FAILED'}"
    )
    print(f"a cycle with nothing new received {idle:,} bytes")


if __name__ == "__main__":
    main()
