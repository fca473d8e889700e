"""Webhooks as an integrator sees them: register a URL, receive signed status changes of the
cases the key may see, watch retries and failures in the delivery log.

A real HTTP receiver on 127.0.0.1 takes the posts (so these tests turn on
`webhook_allow_private`); the give-up horizon of a day runs on the time-skipping server.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from helpers import auth, in_malleshwaram, pothole, wait_for_status
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment
from temporalio.worker import Worker

from activities.case import CaseActivities
from activities.webhooks import (
    DeliveryPolicy,
    WebhookActivities,
    WebhookDeliveryInput,
    WebhookFanout,
    verify_signature,
    workflow_id,
)
from api.app import create_app
from domain.case import CaseEvent, CaseState, Complaint, RecordInput, Status
from domain.ids import new_tracking_id
from domain.roles import Role
from records import webhooks as hooks
from records.apikeys import create_key, revoke_key, split_key
from records.geography import ZoneDirectory
from records.tables import Webhook, WebhookDelivery
from worker import WORKFLOWS, build_activities
from workflows.webhook import WebhookDeliveryWorkflow, retry_policy

# Fast retries for tests on the dev server; production's policy is asserted on its own.
FAST = DeliveryPolicy(initial_interval_s=0.2, backoff=2.0, maximum_interval_s=1.0)
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


@dataclasses.dataclass
class Received:
    """One request the receiver took."""

    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict[str, Any]:
        """The posted JSON."""
        return json.loads(self.body)


class Receiver:
    """A minimal HTTP/1.1 server that records posts and answers as each path is told to."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.plans: dict[str, Callable[[int], int]] = {}  # path -> (n-th try of a delivery) -> code
        self.server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> None:
        """Listen on a free port of 127.0.0.1."""
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop listening."""
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()

    def url(self, path: str) -> str:
        """The URL of a path on this receiver."""
        return f"http://127.0.0.1:{self.port}{path}"

    def at(self, path: str) -> list[Received]:
        """The requests posted to a path, in order of arrival."""
        return [r for r in self.requests if r.path == path]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Read one request, record it, answer as the path's plan says, close."""
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            _, path, _ = head[0].split(" ", 2)
            headers = {
                k.strip().lower(): v.strip() for k, v in (h.split(":", 1) for h in head[1:] if h)
            }
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            request = Received(path, headers, body)
            self.requests.append(request)
            tries = sum(
                1
                for r in self.at(path)
                if r.headers.get("x-civicops-delivery") == headers.get("x-civicops-delivery")
            )
            code = self.plans.get(path, lambda _: 200)(tries)
            writer.write(
                f"HTTP/1.1 {code} Test\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok".encode()
            )
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def eventually(check: Callable[[], Any], timeout: float = 30.0, what: str = "") -> Any:
    """Poll an async or plain check until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or check}")
        await asyncio.sleep(0.1)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    """A real HTTP receiver on a free port of 127.0.0.1."""
    server = Receiver()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def hooks_api(temporal_env, settings, database, api_keys) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    """The API and a worker that post webhooks to 127.0.0.1, retrying fast (FAST policy).

    Every webhook still enabled afterwards is disabled, so later tests' cases post nothing.
    """
    hook_settings = dataclasses.replace(settings, webhook_allow_private=True)
    queue = f"hooks-{uuid.uuid4().hex[:10]}"
    zones = ZoneDirectory(nearest_max_m=hook_settings.nearest_ward_max_m)
    case = CaseActivities(zones, WebhookFanout(hook_settings, policy=FAST))
    try:
        async with Worker(
            temporal_env.client,
            task_queue=queue,
            workflows=WORKFLOWS,
            activities=build_activities(hook_settings, case=case),
        ):
            app = create_app(hook_settings, temporal=temporal_env.client, task_queue=queue)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://civicops.test") as c:
                c.task_queue = queue  # type: ignore[attr-defined]
                c.case_activities = case  # type: ignore[attr-defined]
                yield c
    finally:
        await Webhook.update({Webhook.disabled_at: datetime.now(UTC)}).where(
            Webhook.disabled_at.is_null()
        )


@pytest.fixture(scope="module")
async def own_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server of this module's own.

    Waiting for a result there moves its clock (a day here, and the test server may jump on to
    a finished workflow's leftover timers), so the shared `skipping_env` of the lifecycle
    tests, which compare the API's wall clock with workflow time, is left alone.
    """
    from devstack.services import binary

    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=binary("temporal-test-server")
    )
    yield env
    await env.shutdown()


async def new_key(role: Role) -> str:
    """A fresh API key of a role (a supervisor's is bound to a level-0 official)."""
    from records.tables import Official

    official = None
    if role == Role.SUPERVISOR:
        official = (await Official.objects().where(Official.level == 0).first()).id
    token, _ = await create_key(f"hooks-{role.value}-{uuid.uuid4().hex[:6]}", role, official)
    return token


async def register(api: httpx.AsyncClient, key: str, url: str) -> dict[str, Any]:
    """POST /v1/webhooks; the 201 body."""
    resp = await api.post(
        "/v1/webhooks", json={"url": url, "description": "test"}, headers=auth(key)
    )
    assert resp.status_code == 201, resp.text
    return resp.json()


async def file(api: httpx.AsyncClient, key: str, **extra: Any) -> str:
    """File a pothole at a fresh Malleshwaram point; its tracking id."""
    body = pothole(*in_malleshwaram(), description=f"Pothole {uuid.uuid4().hex[:8]}", **extra)
    resp = await api.post("/v1/complaints", json=body, headers=auth(key))
    assert resp.status_code == 202, resp.text
    return resp.json()["tracking_id"]


async def deliveries(
    api: httpx.AsyncClient, key: str, webhook_id: int, state: str | None = None
) -> list[dict[str, Any]]:
    """GET /v1/webhooks/{id}/deliveries."""
    params = {"state": state} if state else {}
    resp = await api.get(f"/v1/webhooks/{webhook_id}/deliveries", params=params, headers=auth(key))
    assert resp.status_code == 200, resp.text
    return resp.json()


def statuses(received: list[Received], tracking_id: str) -> list[str]:
    """The statuses posted for one case, by revision."""
    posts = sorted((r.json for r in received if r.json["tracking_id"] == tracking_id),
                   key=lambda p: p["revision"])  # fmt: skip
    return [p["status"] for p in posts]


FIRST_STEPS = ["FILED", "TRIAGED", "ASSIGNED", "NOTICE_ISSUED"]


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


async def test_citizen_app_does_not_receive_another_apps_cases(hooks_api, receiver):
    api = hooks_api
    mine, theirs, official = (
        await new_key(Role.CITIZEN_APP),
        await new_key(Role.CITIZEN_APP),
        await new_key(Role.OFFICIAL),
    )
    await register(api, mine, receiver.url("/mine"))
    await register(api, official, receiver.url("/official"))  # officials see every case

    their_case = await file(api, theirs)
    my_case = await file(api, mine)
    for tracking_id, key in ((their_case, theirs), (my_case, mine)):
        await wait_for_status(api, tracking_id, auth(key), "NOTICE_ISSUED")
    await eventually(
        lambda: (
            statuses(receiver.at("/official"), their_case) == FIRST_STEPS
            and statuses(receiver.at("/official"), my_case) == FIRST_STEPS
            and statuses(receiver.at("/mine"), my_case) == FIRST_STEPS
        ),
        what="every post of both cases",
    )
    await asyncio.sleep(0.5)  # nothing more arrives
    assert statuses(receiver.at("/mine"), their_case) == []


async def test_flaky_receiver_gets_each_delivery_on_the_third_attempt(hooks_api, receiver):
    api = hooks_api
    receiver.plans["/flaky"] = lambda n: {1: 500, 2: 503}.get(n, 200)
    key = await new_key(Role.INTEGRATOR)
    hook = await register(api, key, receiver.url("/flaky"))
    tracking_id = await file(api, key)
    await wait_for_status(api, tracking_id, auth(key), "NOTICE_ISSUED")

    async def all_delivered() -> list[dict[str, Any]]:
        log = await deliveries(api, key, hook["id"], "delivered")
        return log if len(log) == 4 else []

    log = await eventually(all_delivered, what="four deliveries")
    for d in log:
        assert (d["attempts"], d["last_status_code"], d["last_error"]) == (3, 200, None)
        tries = [r for r in receiver.at("/flaky") if r.json["id"] == d["delivery_id"]]
        assert len(tries) == 3 and len({r.body for r in tries}) == 1  # the same body each time
    assert statuses([r for r in receiver.at("/flaky")], tracking_id) == [
        s for s in FIRST_STEPS for _ in range(3)
    ]


def test_deliveries_retry_from_10s_doubling_to_hourly_and_give_up_after_a_day():
    policy = WebhookDeliveryInput("1:BLR-X:1").policy
    assert policy == DeliveryPolicy()
    assert policy.give_up_after_s == 24 * 3600 and policy.attempt_timeout_s == 30
    retry = retry_policy(policy)
    assert retry.initial_interval == timedelta(seconds=10)
    assert retry.backoff_coefficient == 2.0
    assert retry.maximum_interval == timedelta(hours=1)
    assert retry.maximum_attempts == 0  # unlimited: the one-day horizon ends them


async def test_workers_post_with_the_production_policy(settings):
    record = next(a for a in build_activities(settings) if getattr(a, "__name__", "") == "record")
    fanout = record.__self__.webhooks
    assert isinstance(fanout, WebhookFanout) and fanout.policy == DeliveryPolicy()


async def test_receiver_that_never_answers_2xx_is_given_up_after_a_day_and_listed_as_failed(
    own_skipping_env, hooks_api, settings, receiver
):
    """The real 24 h horizon on the time-skipping server: backoff and timeout skip ahead."""
    api = hooks_api
    receiver.plans["/down"] = lambda n: 500
    key = await new_key(Role.INTEGRATOR)
    hook = await register(api, key, receiver.url("/down"))
    did = f"{hook['id']}:BLR-GIVEUP{uuid.uuid4().hex[:4].upper()}:1"
    await hooks.enqueue(
        [
            WebhookDelivery(
                delivery_id=did,
                webhook=hook["id"],
                tracking_id=did.split(":")[1],
                revision=1,
                status="FILED",
                payload={"id": did, "type": "case.status_changed", "status": "FILED"},
            )
        ]
    )
    hook_activities = WebhookActivities(dataclasses.replace(settings, webhook_allow_private=True))
    queue = f"hooks-skip-{uuid.uuid4().hex[:8]}"
    async with Worker(
        own_skipping_env.client,
        task_queue=queue,
        workflows=[WebhookDeliveryWorkflow],
        activities=[hook_activities.deliver_webhook, hook_activities.mark_webhook_failed],
    ):
        handle = await own_skipping_env.client.start_workflow(
            WebhookDeliveryWorkflow.run,
            WebhookDeliveryInput(did),  # production policy: 10 s doubling to 1 h, for 24 h
            id=workflow_id(did),
            task_queue=queue,
        )
        started = time.monotonic()
        assert await handle.result() == "failed"
        assert time.monotonic() - started < 60  # a simulated day, not a real one
        described = await handle.describe()
    simulated = described.close_time - described.start_time
    assert timedelta(hours=23) < simulated < timedelta(hours=25), simulated

    [failed] = await deliveries(api, key, hook["id"], "failed")
    assert failed["delivery_id"] == did and failed["given_up_at"] is not None
    assert failed["last_status_code"] == 500 and failed["last_error"].startswith("HTTP 500")
    # 10 s, 20 s, … 2560 s, then hourly: about 30 attempts in a day, each one a real post.
    assert 25 <= failed["attempts"] <= 35
    assert failed["attempts"] == len(receiver.at("/down"))
    assert await deliveries(api, key, hook["id"], "pending") == []


async def test_gone_receiver_disables_its_webhook(hooks_api, receiver):
    api = hooks_api
    receiver.plans["/gone"] = lambda n: 410
    key = await new_key(Role.INTEGRATOR)
    hook = await register(api, key, receiver.url("/gone"))
    tracking_id = await file(api, key)
    await wait_for_status(api, tracking_id, auth(key), "NOTICE_ISSUED")

    async def webhook_view() -> dict[str, Any] | None:
        view = (await api.get(f"/v1/webhooks/{hook['id']}", headers=auth(key))).json()
        return view if not view["active"] else None

    view = await eventually(webhook_view, what="the webhook disabled")
    assert view["disabled_at"] is not None

    async def settled() -> list[dict[str, Any]]:
        log = await deliveries(api, key, hook["id"])
        return log if log and all(d["state"] != "pending" for d in log) else []

    # Status changes enqueued before the workers' webhook cache (5 s) notices are given up.
    failed = sorted(await eventually(settled, what="settled"), key=lambda d: d["revision"])
    assert {d["state"] for d in failed} == {"failed"}
    assert failed[0]["last_status_code"] == 410 and failed[0]["attempts"] == 1
    assert all(d["given_up_at"] is not None for d in failed)
    # 410 is not retried; status changes enqueued after it are not posted at all.
    posted = [r.json["id"] for r in receiver.at("/gone")]
    assert len(posted) == len(set(posted)) >= 1
    for d in failed:
        if d["delivery_id"] not in posted:
            assert d["attempts"] == 0 and d["last_error"] == "not sent: webhook disabled"


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


async def test_a_repeated_record_activity_never_doubles_a_delivery(
    hooks_api, receiver, temporal_env
):
    api = hooks_api
    key = await new_key(Role.INTEGRATOR)
    hook = await register(api, key, receiver.url("/once"))
    lat, lon = in_malleshwaram()
    now = datetime.now(UTC)
    tracking_id = new_tracking_id("BLR")
    filed = CaseEvent(1, "filed", Status.FILED, now, "api")
    state = CaseState(
        complaint=Complaint(
            tracking_id=tracking_id,
            city="bengaluru",
            category="streetlight_out",
            description="Street light out",
            latitude=lat,
            longitude=lon,
            language="en",
            filed_at=now,
            source="api",
            filed_by=split_key(key)[0],
        ),
        revision=1,
        recent_events=[filed],
    )
    env = ActivityEnvironment(client=temporal_env.client)
    env.info = dataclasses.replace(env.info, task_queue=api.task_queue)
    record = api.case_activities.record
    await env.run(record, RecordInput(state, filed))
    await asyncio.gather(*(env.run(record, RecordInput(state, filed)) for _ in range(3)))
    did = f"{hook['id']}:{tracking_id}:1"
    await eventually(lambda: receiver.at("/once"), what="the post")
    await env.run(record, RecordInput(state, filed))  # after delivery, too: nothing new
    # A step that keeps the status (a note, a re-complaint) is not a status change.
    note = CaseEvent(2, "recomplaint", Status.FILED, now, "api")
    later = dataclasses.replace(state, revision=2, recent_events=[filed, note])
    await env.run(record, RecordInput(later, note))
    await asyncio.sleep(1)

    assert [r.json["id"] for r in receiver.at("/once")] == [did]
    rows = await WebhookDelivery.select().where(WebhookDelivery.tracking_id == tracking_id)
    assert [(r["delivery_id"], r["attempts"], r["state"]) for r in rows] == [(did, 1, "delivered")]
    handle = temporal_env.client.get_workflow_handle(workflow_id(did))
    assert await handle.result() == "delivered"


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
