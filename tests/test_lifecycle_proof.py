"""Proof of a fix on a live case: S3 uploads, the checks, the Closure certificate, bad actions."""

from __future__ import annotations

from datetime import datetime, timedelta

from helpers import auth, key_of
from helpers import wait_until as until
from lifecycle_helpers import ledger, new_case, notices_of, resolve, site_photo, upload


async def test_accepted_proof_resolves_the_case_with_a_closure_certificate(skipping, api_keys):
    stack = skipping
    tracking_id, case, spot = await new_case(stack, api_keys)
    answer, _ = await resolve(stack, tracking_id, case, spot)
    assert answer["accepted"] is True
    [after] = answer["photos"]
    assert after["content_type"] == "image/jpeg" and after["flags"] == []
    assert len(after["sha256"]) == 64
    resolved = answer["complaint"]
    assert resolved["status"] == "RESOLVED"
    assert notices_of(resolved)[-1] == f"{tracking_id}-CLS0"
    accepted = [e for e in resolved["events"] if e["kind"] == "proof_accepted"][-1]
    assert accepted["detail"]["after_sha256"] == after["sha256"]
    # The Closure certificate states the proof it certifies, and verifies as genuine.
    certificate = f"/v1/notices/{tracking_id}-CLS0"
    meta = (await stack.api.get(certificate, headers=auth(api_keys["auditor"]))).json()
    assert meta["payload"]["proof"] == [f"after:{after['sha256']}"]
    assert meta["payload"]["resolved_at"] is not None
    pdf = await stack.api.get(f"{certificate}.pdf", headers=auth(api_keys["auditor"]))
    verdict = await stack.api.post(
        "/v1/notices/verify", content=pdf.content, headers={"Content-Type": "application/pdf"}
    )
    assert verdict.json()["valid"] is True, verdict.text
    confirm_due = datetime.fromisoformat(resolved["confirm_due_at"])
    assert confirm_due - datetime.fromisoformat(resolved["resolved_at"]) == timedelta(hours=72)
    assert await ledger(tracking_id) == [
        ("resolved_on_time", 0, 20, case["assignee"]["name"]),
    ]


async def test_proof_from_another_supervisor_is_forbidden(skipping, api_keys):
    stack = skipping
    tracking_id, case, spot = await new_case(stack, api_keys)
    _, elsewhere, _ = await new_case(stack, api_keys)
    other = await key_of(elsewhere["assignee"]["id"])  # the supervisor of another ward
    resp = await stack.api.post(
        f"/v1/complaints/{tracking_id}/proofs/upload-url",
        json={"files": [{"role": "after", "content_type": "image/jpeg"}]},
        headers=auth(other),
    )
    assert resp.status_code == 403, resp.text
    own = await key_of(case["assignee"]["id"])
    photo_key = await upload(stack.api, tracking_id, own, site_photo(spot))
    resp = await stack.api.post(
        f"/v1/complaints/{tracking_id}/proofs", json={"after_key": photo_key}, headers=auth(other)
    )
    assert resp.status_code == 403, resp.text
    assert "assigned" in resp.json()["detail"]
    # A key outside the case's prefix is refused with the field named.
    resp = await stack.api.post(
        f"/v1/complaints/{tracking_id}/proofs",
        json={"after_key": "proofs/BLR-0000000000/after.jpg"},
        headers=auth(own),
    )
    assert resp.status_code == 422 and resp.json()["field"] == "after_key", resp.text
    case = await until(stack.api, tracking_id, api_keys["citizen-app"], lambda c: True)
    assert case["status"] == "NOTICE_ISSUED"


async def test_photo_reused_from_another_case_is_rejected_and_the_case_stays_open(
    skipping, api_keys
):
    stack = skipping
    first, case1, spot1 = await new_case(stack, api_keys)
    second, case2, _ = await new_case(stack, api_keys)
    shared = site_photo(spot1)
    key1 = await key_of(case1["assignee"]["id"])
    k1 = await upload(stack.api, first, key1, shared)
    ok = await stack.api.post(
        f"/v1/complaints/{first}/proofs", json={"after_key": k1}, headers=auth(key1)
    )
    assert ok.status_code == 200, ok.text
    key2 = await key_of(case2["assignee"]["id"])
    k2 = await upload(stack.api, second, key2, shared)
    resp = await stack.api.post(
        f"/v1/complaints/{second}/proofs", json={"after_key": k2}, headers=auth(key2)
    )
    assert resp.status_code == 422, resp.text
    body = resp.json()
    assert body["field"] == "after_key"
    assert "reused" in body["detail"] and first in body["detail"]
    case = await until(stack.api, second, api_keys["citizen-app"], lambda c: True)
    assert case["status"] == "NOTICE_ISSUED"
    assert [e["kind"] for e in case["events"]][-1] == "proof_rejected"


async def test_pdf_uploaded_as_a_photo_is_rejected(skipping, api_keys):
    stack = skipping
    tracking_id, case, _ = await new_case(stack, api_keys)
    key = await key_of(case["assignee"]["id"])
    fake = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    photo_key = await upload(stack.api, tracking_id, key, fake)
    resp = await stack.api.post(
        f"/v1/complaints/{tracking_id}/proofs", json={"after_key": photo_key}, headers=auth(key)
    )
    assert resp.status_code == 422, resp.text
    assert "wrong_type" in resp.json()["detail"] and "PDF" in resp.json()["detail"]


async def test_bad_case_actions_get_a_4xx_naming_the_field(skipping, api_keys):
    stack = skipping
    tracking_id, case, _ = await new_case(stack, api_keys)
    key = await key_of(case["assignee"]["id"])
    base = f"/v1/complaints/{tracking_id}"
    cases = [
        (f"{base}/proofs/upload-url", {"files": [{"role": "after", "content_type": "image/gif"}]},
         key, 400, "files[0].content_type"),
        (f"{base}/proofs/upload-url", {"files": []}, key, 400, "files"),
        (f"{base}/proofs/upload-url",
         {"files": [{"role": "after", "content_type": "image/png"}] * 2}, key, 400, "files"),
        (f"{base}/proofs", {"before_key": "x"}, key, 400, "after_key"),
        (f"{base}/proofs", {"after_key": "proofs/x.jpg", "colour": "red"}, key, 400, "colour"),
        (f"{base}/proofs", {"after_key": f"proofs/{tracking_id}/../../etc/passwd"}, key, 422,
         "after_key"),
        (f"{base}/reopen", {"reason": "   "}, api_keys["citizen-app"], 400, "reason"),
        (f"{base}/reassign", {"official_id": 0, "reason": "x"}, api_keys["official"], 400,
         "official_id"),
        ("/v1/complaints/not-an-id/confirm", {}, api_keys["citizen-app"], 400, "tracking_id"),
    ]  # fmt: skip
    for path, body, token, status, field in cases:
        resp = await stack.api.post(path, json=body, headers=auth(token))
        assert resp.status_code == status, (path, body, resp.text)
        assert resp.json()["field"] == field, (path, body, resp.text)
    # Confirming before anything was resolved is a conflict, not a crash.
    resp = await stack.api.post(f"{base}/confirm", json={}, headers=auth(api_keys["citizen-app"]))
    assert resp.status_code == 409, resp.text
    # A case nobody filed is 404.
    resp = await stack.api.post(
        "/v1/complaints/BLR-0000000000/confirm", json={}, headers=auth(api_keys["official"])
    )
    assert resp.status_code == 404, resp.text
