"""What a receiver gets and checks: signed status changes, no personal data, no forgeries."""

from __future__ import annotations

import asyncio
import time

from helpers import auth, wait_for_status
from webhook_helpers import FIRST_STEPS, deliveries, eventually, file, new_key, register, statuses
from webhook_helpers import hooks_api as hooks_api  # a fixture: pytest looks it up here
from webhook_helpers import receiver as receiver  # a fixture

from activities.webhooks import verify_signature
from domain.roles import Role
from records.apikeys import split_key

PAYLOAD_KEYS = {
    "id",
    "type",
    "tracking_id",
    "status",
    "previous_status",
    "revision",
    "escalation_level",
    "at",
    "case_url",
}


REPORTER = {"name": "Savitha Ramesh", "phone": "+91 98450 12345", "email": "savitha@example.in"}


async def test_integrator_receives_signed_status_changes_without_personal_data(hooks_api, receiver):
    api = hooks_api
    key = await new_key(Role.INTEGRATOR)
    hook = await register(api, key, receiver.url("/civicops"))
    assert hook["secret"].startswith("whsec_") and hook["active"] is True
    assert hook["key_id"] == split_key(key)[0]

    tracking_id = await file(api, key, reporter=REPORTER, address="15th Cross, Malleshwaram")
    await wait_for_status(api, tracking_id, auth(key), "NOTICE_ISSUED")
    await eventually(lambda: len(receiver.at("/civicops")) >= 4, what="four posts")
    await asyncio.sleep(0.5)  # nothing more arrives

    posts = receiver.at("/civicops")
    assert statuses(posts, tracking_id) == FIRST_STEPS
    assert len(posts) == 4  # status changes only, each once
    previous = None
    for post in sorted(posts, key=lambda r: r.json["revision"]):
        body = post.json
        assert set(body) == PAYLOAD_KEYS
        assert body["type"] == "case.status_changed" and body["previous_status"] == previous
        assert body["case_url"].endswith(f"/v1/complaints/{tracking_id}")
        assert body["id"] == f"{hook['id']}:{tracking_id}:{body['revision']}"
        assert post.headers["content-type"] == "application/json"
        assert post.headers["x-civicops-delivery"] == body["id"]
        assert post.headers["x-civicops-signature"].startswith("sha256=")
        assert verify_signature(
            hook["secret"],
            post.headers["x-civicops-timestamp"],
            post.body,
            post.headers["x-civicops-signature"],
        )
        assert not verify_signature(
            "whsec_wrong", post.headers["x-civicops-timestamp"], post.body,
            post.headers["x-civicops-signature"],
        )  # fmt: skip
        text = post.body.decode()
        for personal in [*REPORTER.values(), "15th Cross", "Pothole ", "latitude", "77.5"]:
            assert personal not in text
        previous = body["status"]

    log = await deliveries(api, key, hook["id"], "delivered")
    assert len(log) == 4
    assert {(d["state"], d["attempts"], d["last_status_code"]) for d in log} == {
        ("delivered", 1, 200)
    }
    assert await deliveries(api, key, hook["id"], "failed") == []
    listed = (await api.get("/v1/webhooks", headers=auth(key))).json()
    assert [w["id"] for w in listed] == [hook["id"]]
    assert "secret" not in listed[0] and listed[0]["deliveries"]["delivered"] == 4


def test_signature_check_refuses_tampered_stale_or_foreign_requests():
    from activities.webhooks import body_bytes, sign

    secret = "whsec_test"
    body = body_bytes({"id": "1:BLR-X:1", "status": "FILED"})
    now = int(time.time())
    header = sign(secret, now, body)
    assert verify_signature(secret, now, body, header)
    assert verify_signature(secret, str(now), body, header)
    assert not verify_signature(secret, now, body.replace(b"FILED", b"CLOSED"), header)
    assert not verify_signature("whsec_other", now, body, header)
    assert not verify_signature(secret, now + 1, body, header)
    old = now - 301
    assert not verify_signature(secret, old, body, sign(secret, old, body))
    assert not verify_signature(secret, "yesterday", body, header)
