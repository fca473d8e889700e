"""A real HTTP receiver on 127.0.0.1, the API and worker that post to it, and integrator steps."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from helpers import auth, in_malleshwaram, pothole
from temporalio.worker import Worker

from activities.case import CaseActivities
from activities.webhooks import DeliveryPolicy, WebhookFanout
from api.app import create_app
from domain.roles import Role
from records.apikeys import create_key
from records.geography import ZoneDirectory
from records.tables import Webhook
from worker import WORKFLOWS, build_activities

# Fast retries for tests on the dev server; production's policy is asserted on its own.
FAST = DeliveryPolicy(initial_interval_s=0.2, backoff=2.0, maximum_interval_s=1.0)


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
