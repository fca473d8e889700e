"""Keys that should not work do not: missing, wrong, revoked, expired, over their rate limit,
or reaching for another supervisor's case. Each gets a 4xx that says why, never a 500."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta

import httpx
from helpers import auth, in_malleshwaram, key_of, pothole, wait_for_status

from domain.roles import Role
from records.apikeys import create_key


async def test_missing_wrong_and_malformed_keys_are_401_with_a_reason(api, api_keys):
    body = pothole(*in_malleshwaram())
    missing = await api.post("/v1/complaints", json=body)
    assert missing.status_code == 401 and "API key" in missing.json()["detail"]
    assert missing.headers["www-authenticate"] == "Bearer"
    good = api_keys["integrator"]
    for bad in (good[:-1] + ("A" if good[-1] != "A" else "B"), "cvk_x_y", "Bearer", "' OR 1=1 --"):
        resp = await api.post("/v1/complaints", json=body, headers=auth(bad))
        assert resp.status_code == 401, bad


async def test_a_key_revoked_by_an_admin_stops_working_at_once(api, api_keys):
    token, row = await create_key("revoked vendor", Role.INTEGRATOR)
    headers = auth(token)
    assert (await api.get("/v1/apikeys/me", headers=headers)).status_code == 200  # now cached
    revoke = await api.post(
        f"/v1/apikeys/{row.key_id}/revoke",
        json={"reason": "leaked in a public repo"},
        headers=auth(api_keys["admin"]),
    )
    assert revoke.status_code == 200, revoke.text
    resp = await api.post("/v1/complaints", json=pothole(*in_malleshwaram()), headers=headers)
    assert resp.status_code == 401 and "revoked" in resp.json()["detail"]


async def test_a_key_revoked_from_the_cli_stops_within_the_cache_time(api):
    from api.auth import CACHE_SECONDS
    from records.apikeys import revoke_key

    token, row = await create_key("revoked elsewhere", Role.INTEGRATOR)
    assert (await api.get("/v1/apikeys/me", headers=auth(token))).status_code == 200
    await revoke_key(row.key_id, reason="operator")  # as `civicops apikeys revoke` does
    await asyncio.sleep(CACHE_SECONDS + 0.2)
    assert (await api.get("/v1/apikeys/me", headers=auth(token))).status_code == 401


async def test_an_expired_key_is_refused_even_while_cached(api):
    token, _ = await create_key(
        "short-lived", Role.INTEGRATOR, expires_at=datetime.now(UTC) + timedelta(seconds=1.5)
    )
    me = await api.get("/v1/apikeys/me", headers=auth(token))
    assert me.status_code == 200 and me.json()["state"] == "active"
    await asyncio.sleep(1.6)
    assert (await api.get("/v1/apikeys/me", headers=auth(token))).status_code == 401


async def test_keys_cannot_be_made_already_expired_or_for_a_missing_official(api, api_keys):
    admin = auth(api_keys["admin"])
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    resp = await api.post(
        "/v1/apikeys", json={"name": "x", "role": "integrator", "expires_at": past}, headers=admin
    )
    assert resp.status_code == 422 and resp.json()["field"] == "expires_at"
    resp = await api.post(
        "/v1/apikeys",
        json={"name": "x", "role": "supervisor", "official_id": 99999999},
        headers=admin,
    )
    assert resp.status_code == 422 and resp.json()["field"] == "official_id"
    resp = await api.post("/v1/apikeys", json={"name": "x", "role": "overlord"}, headers=admin)
    assert resp.status_code == 400 and resp.json()["field"] == "role"
    resp = await api.post(
        "/v1/apikeys", json={"name": "x", "role": "admin", "scopes": ["*"]}, headers=admin
    )
    assert resp.status_code == 400 and resp.json()["field"] == "scopes"
    listed = (await api.get("/v1/apikeys", headers=admin)).json()
    assert all("secret" not in str(k).lower() for k in listed)


async def test_a_key_over_its_rate_limit_gets_429_with_retry_after(api, api_keys):
    token, _ = await create_key("chatty app", Role.CITIZEN_APP, rate_per_minute=3)
    headers = auth(token)
    for _ in range(3):
        assert (await api.get("/v1/apikeys/me", headers=headers)).status_code == 200
    # Public routes need no key and do not count against it.
    assert (await api.get("/v1/categories", headers=headers)).status_code == 200
    limited = await api.get("/v1/apikeys/me", headers=headers)
    assert limited.status_code == 429
    retry_after = int(limited.headers["retry-after"])
    assert 1 <= retry_after <= 20  # one request's worth of a 3-a-minute budget
    assert "rate limit" in limited.json()["detail"]
    # Other keys are not affected.
    assert (
        await api.get("/v1/apikeys/me", headers=auth(api_keys["citizen-app"]))
    ).status_code == 200


async def test_the_default_rate_limit_applies_to_keys_without_their_own(api, settings):
    from api.app import create_app

    token, _ = await create_key("default-limited", Role.AUDITOR)
    app = create_app(
        dataclasses.replace(settings, rate_limit_per_minute=2),
        temporal=api.app.state.temporal,  # type: ignore[attr-defined]
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://civicops.test"
    ) as client:
        codes = [
            (await client.get("/v1/apikeys/me", headers=auth(token))).status_code for _ in range(3)
        ]
        unlimited, _ = await create_key("app server", Role.CITIZEN_APP, rate_per_minute=0)
        for _ in range(5):  # a key's own rate of 0 means no limit
            assert (await client.get("/v1/apikeys/me", headers=auth(unlimited))).status_code == 200
    assert codes == [200, 200, 429]


async def test_a_supervisor_cannot_see_or_act_on_another_supervisors_case(api, api_keys):
    citizen = auth(api_keys["citizen-app"])
    filed = await api.post("/v1/complaints", json=pothole(*in_malleshwaram()), headers=citizen)
    tracking_id = filed.json()["tracking_id"]
    case = await wait_for_status(api, tracking_id, citizen, "NOTICE_ISSUED")
    mine = auth(await key_of(case["assignee"]["id"]))
    other = auth(api_keys["supervisor"])  # bound to another ward's supervisor
    assert (
        case["assignee"]["id"]
        != (await api.get("/v1/apikeys/me", headers=other)).json()["official_id"]
    )

    assert (await api.get(f"/v1/complaints/{tracking_id}", headers=mine)).status_code == 200
    for path in (
        f"/v1/complaints/{tracking_id}",
        f"/v1/complaints/{tracking_id}/notices",
        f"/v1/notices/{tracking_id}-ASG0",
        f"/v1/notices/{tracking_id}-ASG0.pdf",
    ):
        resp = await api.get(path, headers=other)
        assert resp.status_code == 403, (path, resp.text)
        assert "not assigned to your official" in resp.json()["detail"]
    upload = await api.post(
        f"/v1/complaints/{tracking_id}/proofs/upload-url",
        json={"files": [{"role": "after", "content_type": "image/jpeg"}]},
        headers=other,
    )
    assert upload.status_code == 403
    proof = await api.post(
        f"/v1/complaints/{tracking_id}/proofs",
        json={"after_key": f"proofs/{tracking_id}/after.jpg"},
        headers=other,
    )
    assert proof.status_code == 403


async def test_every_post_route_refuses_an_oversized_body_with_413(api, api_keys):
    """64 KB is the cap for every body except notice verification (a PDF, up to 10 MB) and
    the routes that say they take more (a batch of queued complaints, up to 1 MB)."""
    import re

    from api.bodies import MAX_JSON_BYTES

    checked = []
    for route in api.app.routes:  # type: ignore[attr-defined]
        for handler in getattr(route, "route_handlers", []):
            if "POST" not in handler.http_methods or route.path == "/v1/notices/verify":
                continue
            big = "x" * (handler.opt.get("max_json_bytes", MAX_JSON_BYTES) + 36 * 1024)
            if route.path.startswith("/open311") and not route.path.endswith((".json", ".xml")):
                continue  # Open311's unknown-path catch-alls answer 404 without reading
            path = re.sub(r"\{tracking_id:str\}", "BLR-0000000000", route.path)
            path = re.sub(r"\{\w+:\w+\}", "000000000000", path)
            if route.path.startswith("/open311"):
                resp = await api.post(path, data={"api_key": api_keys["admin"], "description": big})
            else:
                resp = await api.post(
                    path,
                    content=('{"description": "' + big + '"}').encode(),
                    headers={**auth(api_keys["admin"]), "Content-Type": "application/json"},
                )
            assert resp.status_code == 413, (path, resp.status_code, resp.text[:200])
            checked.append(path)
    assert "/v1/complaints" in checked and "/open311/v2/requests.json" in checked
