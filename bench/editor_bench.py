"""Benchmark: the content editor with 2,000 service cards and 2,000 events.

A real hub (in-process, uvicorn on 127.0.0.1) with a published release of synthetic content
(kiosk_core.content.synthetic), an editor signed in through the real form. Timed over HTTP
(medians of ROUNDS requests, client-side on the loopback: the server's time plus well under a
millisecond): the card list, a search in it, the event list, a card's edit page and a save
of it; as the baseline in the same run, the staff start page (a page that reads next to
nothing). Then the draft, with one card's text changed, is reviewed on the page of what
will change and published from it: the time from the Publish click to a manifest a kiosk can
fetch naming the new release, and which files a kiosk would download for it (those not in
the release before: content.json alone is the target).

Targets (issue 17): lists, edit page and save at most 100 ms each (median); publish to
fetchable at most 5 s; after one card's text changed, content.json only.

Run: PYTHONPATH=. .venv/bin/python bench/editor_bench.py [--cards 2000] [--events 2000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.*

from hub.content.releases import latest
from kiosk_core.content.build import build_release
from kiosk_core.content.synthetic import write_source
from tests.hubtools import HubEnv, LiveServer, bearer
from tests.test_web_editor import edit_form
from tests.webtools import form_fields, sign_in

ROUNDS = 21
PASSWORD = "bench-Hasło-2026!"
CARD = "svc-1000"


def median_ms(call, rounds: int = ROUNDS) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        answer = call()
        times.append((time.perf_counter() - start) * 1000)
        assert answer.status_code in (200, 303), (answer.status_code, answer.text[:300])
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cards", type=int, default=2000)
    parser.add_argument("--events", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        write_source(work / "src", services=args.cards, events=args.events)
        build_release(work / "src", work / "release")
        env = HubEnv.create(work / "hub")
        env.user("anna", "editor", password=PASSWORD, display_name="Anna")
        env.publish_release(work / "release")
        try:
            with LiveServer(env.app) as live:
                run(env, live, args)
        finally:
            env.hub.close()


def run(env: HubEnv, live: LiveServer, args: argparse.Namespace) -> None:
    url = live.url
    anna = sign_in(url, "anna", PASSWORD)
    start = time.perf_counter()
    anna.get(f"{url}/admin/content", timeout=300)
    seeded = time.perf_counter() - start
    print(f"content: {args.cards} cards, {args.events} events")
    print(f"first use of the draft (taken in from the release): {seeded * 1000:.0f} ms")

    def get(path: str):
        return lambda: anna.get(f"{url}{path}", timeout=60)

    figures = {
        "baseline: staff start page": median_ms(get("/admin/")),
        "overview (what needs doing)": median_ms(get("/admin/content")),
        "card list (first page of 50)": median_ms(get("/admin/content/service")),
        "card list, searched": median_ms(get("/admin/content/service?q=zaswiadczenie+12")),
        "card list, missing in Czech": median_ms(get("/admin/content/service?missing=cs")),
        "event list": median_ms(get("/admin/content/event")),
        "a card's edit page": median_ms(get(f"/admin/content/service/{CARD}")),
    }
    texts = iter(range(10**6))

    def save():
        csrf, form = edit_form(anna, url, f"/admin/content/service/{CARD}")
        form |= {"csrf": csrf, "summary.pl": f"Zmieniony opis {next(texts)}"}
        started = time.perf_counter()
        answer = anna.post(
            f"{url}/admin/content/service/{CARD}", data=form, allow_redirects=False, timeout=60
        )
        save.times.append((time.perf_counter() - started) * 1000)
        return answer

    save.times = []  # type: ignore[attr-defined]
    for _ in range(ROUNDS):
        assert save().status_code == 303
    figures["save of a card"] = statistics.median(save.times)  # type: ignore[attr-defined]
    for name, ms in figures.items():
        print(f"{name:40s} {ms:8.1f} ms (median of {ROUNDS})")

    with env.hub.transaction(write=False) as conn:
        before = latest(conn)
    assert before is not None
    kiosk = bearer(env.kiosk_token("bench"))
    started = time.perf_counter()
    review = anna.get(f"{url}/admin/releases/changes", timeout=300)
    print(f"the page of what will change: {(time.perf_counter() - started) * 1000:.0f} ms")
    fields = form_fields(review.text, "/admin/releases/publish-draft") | {"note": "one card"}
    started = time.perf_counter()
    answer = anna.post(
        f"{url}/admin/releases/publish-draft", data=fields, allow_redirects=False, timeout=300
    )
    assert answer.status_code == 303, answer.text[:500]
    while True:
        manifest = anna.get(f"{url}/api/v1/manifest", headers=kiosk, timeout=60).json()
        if manifest["version"] > before.version:
            break
    publish_s = time.perf_counter() - started
    print(f"publish to a manifest kiosks can fetch: {publish_s:.2f} s")
    old = {f.sha256 for f in before.files}
    new = [f for f in manifest["files"] if f["sha256"] not in old]
    print(
        "files a kiosk downloads after one card's text changed: "
        + ", ".join(f"{f['path']} ({f['size']:,} bytes)" for f in new)
    )


if __name__ == "__main__":
    main()
