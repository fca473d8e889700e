"""Registering webhooks: who may see and delete them, which URLs are refused, revoked keys."""

from __future__ import annotations

import pytest
from helpers import auth, wait_for_status
from webhook_helpers import FIRST_STEPS, deliveries, eventually, file, new_key, register, statuses
from webhook_helpers import hooks_api as hooks_api  # a fixture: pytest looks it up here
from webhook_helpers import receiver as receiver  # a fixture

from domain.roles import Role
from records import webhooks as hooks
from records.apikeys import revoke_key, split_key


async def test_revoked_keys_and_deleted_webhooks_receive_nothing(hooks_api, receiver):
    api = hooks_api
    revoked, deleter, control = [await new_key(Role.OFFICIAL) for _ in range(3)]
    await register(api, revoked, receiver.url("/revoked"))
    deleted = await register(api, deleter, receiver.url("/deleted"))
    await register(api, control, receiver.url("/control"))
    assert await revoke_key(split_key(revoked)[0], reason="test")
    resp = await api.delete(f"/v1/webhooks/{deleted['id']}", headers=auth(deleter))
    assert resp.status_code == 204

    citizen = await new_key(Role.CITIZEN_APP)
    tracking_id = await file(api, citizen)
    await wait_for_status(api, tracking_id, auth(citizen), "NOTICE_ISSUED")
    await eventually(lambda: statuses(receiver.at("/control"), tracking_id) == FIRST_STEPS)
    assert receiver.at("/revoked") == [] and receiver.at("/deleted") == []
    assert await deliveries(api, deleter, deleted["id"]) == []


async def test_webhooks_are_private_to_the_key_that_registered_them(api, api_keys, receiver):
    owner, other = await new_key(Role.INTEGRATOR), await new_key(Role.INTEGRATOR)
    resp = await api.post(
        "/v1/webhooks", json={"url": "https://93.184.215.14/hook"}, headers=auth(owner)
    )
    assert resp.status_code == 201, resp.text
    hook = resp.json()
    path = f"/v1/webhooks/{hook['id']}"
    try:
        assert hook["id"] not in [
            w["id"] for w in (await api.get("/v1/webhooks", headers=auth(other))).json()
        ]
        for method, url in (("GET", path), ("DELETE", path), ("GET", f"{path}/deliveries")):
            assert (await api.request(method, url, headers=auth(other))).status_code == 404
        for missing in ("999999999", "abc", "١٢"):
            resp = await api.get(f"/v1/webhooks/{missing}", headers=auth(owner))
            assert resp.status_code == 404 and "webhook_id" in resp.json()["detail"]
        admin = api_keys["admin"]
        assert hook["id"] in [
            w["id"] for w in (await api.get("/v1/webhooks", headers=auth(admin))).json()
        ]
        assert (await api.delete(path, headers=auth(admin))).status_code == 204
        view = (await api.get(path, headers=auth(owner))).json()
        assert view["active"] is False and view["disabled_at"] is not None
        assert (await api.get(f"{path}/deliveries", headers=auth(owner))).json() == []
        resp = await api.get(f"{path}/deliveries?state=lost", headers=auth(owner))
        assert resp.status_code == 400 and resp.json()["field"] == "state"
    finally:
        await hooks.disable(hook["id"], hook["key_id"], "tests", "test finished")


@pytest.mark.parametrize(
    ("url", "field", "words"),
    [
        ("ftp://example.org/hook", "url", "http"),
        ("javascript:alert(1)", "url", "http"),
        ("https://user:secret@example.org/hook", "url", "credentials"),
        ("http://127.0.0.1:9000/hook", "url", "private"),
        ("http://localhost/hook", "url", "private"),
        ("http://10.0.0.7/hook", "url", "private"),
        ("http://169.254.169.254/latest/meta-data", "url", "private"),
        ("http://[::1]/hook", "url", "private"),
        ("http://[::ffff:192.168.1.1]/hook", "url", "private"),
        ("https:///nohost", "url", "host"),
        ("https://example.org/" + "a" * 2000, "url", "2000"),
        ("", "url", ""),
    ],
)
async def test_bad_webhook_urls_are_refused_naming_url(api, api_keys, url, field, words):
    resp = await api.post("/v1/webhooks", json={"url": url}, headers=auth(api_keys["integrator"]))
    assert resp.status_code in (400, 422), resp.text
    assert resp.json()["field"] == field and words in resp.json()["detail"], resp.text


async def test_unknown_or_missing_fields_are_refused_by_name(api, api_keys):
    key = auth(api_keys["integrator"])
    resp = await api.post(
        "/v1/webhooks", json={"url": "https://a.example", "secret": "x"}, headers=key
    )
    assert resp.status_code == 400 and resp.json()["field"] == "secret", resp.text
    resp = await api.post("/v1/webhooks", json={"description": "no url"}, headers=key)
    assert resp.status_code == 400 and resp.json()["field"] == "url", resp.text
