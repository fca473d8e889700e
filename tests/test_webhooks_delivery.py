"""Delivering status changes: whose cases a key receives, retries, giving up, never twice."""

from __future__ import annotations

import asyncio
import dataclasses
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from helpers import auth, in_malleshwaram, wait_for_status
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment
from temporalio.worker import Worker
from webhook_helpers import (
    FIRST_STEPS,
    deliveries,
    eventually,
    file,
    new_key,
    register,
    statuses,
)
from webhook_helpers import hooks_api as hooks_api  # a fixture: pytest looks it up here
from webhook_helpers import receiver as receiver  # a fixture

from activities.webhooks import (
    DeliveryPolicy,
    WebhookActivities,
    WebhookDeliveryInput,
    WebhookFanout,
    workflow_id,
)
from domain.case import CaseEvent, CaseState, Complaint, RecordInput, Status
from domain.ids import new_tracking_id
from domain.roles import Role
from records import webhooks as hooks
from records.apikeys import split_key
from records.tables import WebhookDelivery
from worker import build_activities
from workflows.webhook import WebhookDeliveryWorkflow, retry_policy


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
