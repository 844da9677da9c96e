"""POST /reports/batch against docs/protocol.md: each report of a batch is stored once per
(kiosk, uuid) and answered on its own (stored, replay with the original id, or rejected with
the reason a single POST /reports would get), all in one transaction; an oversize batch or a
caller that is not a kiosk is refused whole and nothing is stored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from hub.db import deliveries, reports
from hub.reports.intake import BATCH_MAX
from hub.settings import Smtp
from kiosk_core.content.build import build_release
from tests.conftest import write_tree
from tests.hubtools import HubEnv, bearer, make_client, report_body

API = "/api/v1"


@pytest.fixture
def env(tmp_path: Path) -> HubEnv:
    # With SMTP settings a new report is routed (an e-mail queued) in the same transaction;
    # the delivery worker is off, so nothing is ever sent.
    env = HubEnv.create(
        tmp_path / "hub", smtp=Smtp(host="127.0.0.1", port=9), deliveries_interval=0
    )
    out = tmp_path / "release"
    build_release(write_tree(tmp_path / "src"), out)  # report categories lampa and idea
    env.publish_release(out)
    yield env
    env.hub.close()


@pytest.fixture
def client(env: HubEnv):
    with make_client(env.app) as client:
        yield client


def post_batch(client, token: str, items: list) -> object:
    """As the kiosk sends it (requests' JSON: every character beyond ASCII escaped)."""
    return client.post(
        f"{API}/reports/batch",
        content=json.dumps({"reports": items}),
        headers=bearer(token) | {"Content-Type": "application/json"},
    )


def stored(env: HubEnv, kiosk_id: str | None = None) -> dict[str, tuple[int, str]]:
    """uuid -> (id, description) of the reports the hub holds (of one kiosk)."""
    query = select(reports.c.uuid, reports.c.id, reports.c.description)
    if kiosk_id:
        query = query.where(reports.c.kiosk_id == kiosk_id)
    with env.hub.transaction(write=False) as conn:
        return {row.uuid: (row.id, row.description) for row in conn.execute(query)}


def queued_mails(env: HubEnv) -> list[int]:
    with env.hub.transaction(write=False) as conn:
        return list(conn.scalars(select(deliveries.c.report_id).order_by(deliveries.c.report_id)))


def test_each_report_of_a_mixed_batch_gets_its_own_answer(env: HubEnv, client) -> None:
    kiosk = env.kiosk_token("rynek")
    earlier = report_body(description="Wysłane wcześniej, pojedynczo")
    single = client.post(
        f"{API}/reports", json=earlier, headers=bearer(kiosk) | {"Idempotency-Key": earlier["uuid"]}
    )
    assert single.status_code == 201
    assert single.headers["Kiosk-Report-Batch"] == str(BATCH_MAX)
    original_id = single.json()["service_request_id"]
    mails_before = queued_mails(env)
    assert mails_before == [int(original_id)]

    new = report_body(description="Nowe zgłoszenie")
    changed = earlier | {"description": "Ten sam uuid, inna treść"}
    out_of_range = report_body(lat=91)
    unknown = report_body(service_code="ufo")
    idea = report_body(service_code="idea", description="Ławki w parku")
    no_uuid = {k: v for k, v in report_body().items() if k != "uuid"}
    items = [
        new,
        dict(reversed(earlier.items())) | {"uuid": earlier["uuid"].upper()},  # a replay
        changed,
        out_of_range,
        unknown,
        "not a report",
        no_uuid,
        idea,
        new,  # the same report twice in one batch
    ]
    answer = post_batch(client, kiosk, items)
    assert answer.status_code == 200, answer.text
    assert answer.headers["Kiosk-Report-Batch"] == str(BATCH_MAX)
    results = answer.json()["results"]
    assert [r["outcome"] for r in results] == [
        "stored",
        "replay",
        "rejected",
        "stored",  # kept, the point off the globe dropped (test_hub_intake.py)
        "stored",  # kept, unsorted
        "rejected",
        "rejected",
        "stored",
        "replay",
    ]
    assert [r["uuid"] for r in results] == [
        new["uuid"],
        earlier["uuid"],
        earlier["uuid"],
        out_of_range["uuid"],
        unknown["uuid"],
        None,
        None,
        idea["uuid"],
        new["uuid"],
    ]
    assert results[1]["service_request_id"] == original_id
    assert results[8]["service_request_id"] == results[0]["service_request_id"]
    assert [results[i].get("status") for i in (2, 5, 6)] == [409, 422, 422]
    assert "different body" in results[2]["detail"]
    assert "uuid" in results[6]["detail"]

    # Stored: the new reports, each once, next to the earlier one, unchanged.
    held = stored(env, "rynek")
    kept = (new, idea, out_of_range, unknown)
    assert set(held) == {earlier["uuid"]} | {body["uuid"] for body in kept}
    assert held[earlier["uuid"]] == (int(original_id), "Wysłane wcześniej, pojedynczo")
    assert str(held[new["uuid"]][0]) == results[0]["service_request_id"]
    # Routed like a single report: an e-mail queued for each new one in a known category,
    # none for the replays nor for the unsorted one (staff choose its category first).
    new_ids = sorted(held[body["uuid"]][0] for body in (new, idea, out_of_range))
    assert queued_mails(env) == sorted(mails_before + new_ids)

    # The whole batch again, as after a lost answer: the same answers, nothing new stored.
    again = post_batch(client, kiosk, items).json()["results"]
    assert again == [r | {"outcome": "replay"} if r["outcome"] == "stored" else r for r in results]
    assert stored(env, "rynek") == held
    assert queued_mails(env) == sorted(mails_before + new_ids)


def test_a_batch_is_idempotent_per_kiosk(env: HubEnv, client) -> None:
    body = report_body()
    first = post_batch(client, env.kiosk_token("rynek"), [body]).json()["results"]
    other = post_batch(client, env.kiosk_token("dworzec"), [body]).json()["results"]
    assert [first[0]["outcome"], other[0]["outcome"]] == ["stored", "stored"]
    assert first[0]["service_request_id"] != other[0]["service_request_id"]
    assert set(stored(env, "rynek")) == set(stored(env, "dworzec")) == {body["uuid"]}


def test_an_oversize_or_empty_batch_is_refused_whole(env: HubEnv, client) -> None:
    kiosk = env.kiosk_token("rynek")
    too_many = post_batch(client, kiosk, [report_body() for _ in range(BATCH_MAX + 1)])
    assert too_many.status_code == 422
    assert f"at most {BATCH_MAX}" in too_many.json()["detail"]
    # Under the item limit but over the body limit (1 MiB): 4,000 characters each, every one
    # written as a 12-byte JSON escape.
    huge = [report_body(description="😀" * 4000) for _ in range(30)]
    assert len(json.dumps({"reports": huge})) > env.hub.settings.json_limit
    too_big = post_batch(client, kiosk, huge)
    assert too_big.status_code == 413
    assert "1 MiB" in too_big.json()["detail"]
    empty = post_batch(client, kiosk, [])
    assert empty.status_code == 422 and "empty" in empty.json()["detail"]
    not_a_list = client.post(f"{API}/reports/batch", json={"reports": {}}, headers=bearer(kiosk))
    assert not_a_list.status_code == 422
    malformed = client.post(
        f"{API}/reports/batch",
        content=b'{"reports": [',
        headers=bearer(kiosk) | {"Content-Type": "application/json"},
    )
    assert malformed.status_code == 400
    assert stored(env) == {}
    # The largest batch that fits is taken: 15 of the largest possible reports.
    assert all(
        r["outcome"] == "stored" for r in post_batch(client, kiosk, huge[:15]).json()["results"]
    )
    assert len(stored(env)) == 15


def test_only_a_kiosk_may_send_a_batch(env: HubEnv, client) -> None:
    items = [report_body()]
    assert client.post(f"{API}/reports/batch", json={"reports": items}).status_code == 401
    assert post_batch(client, "not-a-token", items).status_code == 401
    for role in ("editor", "admin", "open311"):
        assert post_batch(client, env.token(role), items).status_code == 403
    assert stored(env) == {}
