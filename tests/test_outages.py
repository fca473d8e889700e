"""Accepted complaints survive outages: the database going away does not lose or double a case."""

from __future__ import annotations

import asyncio

import asyncpg
from conftest import PG_ADMIN_DSN, TEST_DB
from helpers import auth, in_malleshwaram, pothole, wait_for_status
from temporalio.client import WorkflowExecutionStatus

from domain.case import Status
from records.tables import Complaint, ComplaintEvent
from workflows.complaint import ComplaintWorkflow


async def _allow_connections(allowed: bool) -> None:
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await conn.execute(
            f'ALTER DATABASE "{TEST_DB}" WITH ALLOW_CONNECTIONS {str(allowed).lower()}'
        )
    finally:
        await conn.close()


async def test_complaint_accepted_while_the_database_is_down_is_assigned_once_it_is_back(
    api, api_keys, temporal_env
):
    headers = auth(api_keys["citizen-app"])
    # Warm the API's key and ward caches, as a running API has them.
    warm = await api.post("/v1/complaints", json=pothole(*in_malleshwaram()), headers=headers)
    assert warm.status_code == 202

    await _allow_connections(False)
    try:
        resp = await api.post("/v1/complaints", json=pothole(*in_malleshwaram()), headers=headers)
        assert resp.status_code == 202, resp.text  # intake does not need the database
        tracking_id = resp.json()["tracking_id"]
        # The projection write (a local activity) fails and is retried; the case waits at its
        # first step, running, and nothing is lost meanwhile.
        handle = temporal_env.client.get_workflow_handle(f"complaint-{tracking_id}")
        await asyncio.sleep(3)
        description = await handle.describe()
        assert description.status == WorkflowExecutionStatus.RUNNING
        filed = await handle.query(ComplaintWorkflow.status)
        assert filed.status == Status.FILED and filed.revision == 1
    finally:
        await _allow_connections(True)

    case = await wait_for_status(api, tracking_id, headers, "NOTICE_ISSUED", timeout=60)
    assert case["ward"]["id"] == "65"
    for _ in range(100):
        row = await Complaint.objects().get(Complaint.tracking_id == tracking_id)
        if row is not None and row.status == "NOTICE_ISSUED":
            break
        await asyncio.sleep(0.1)
    assert row is not None and row.status == "NOTICE_ISSUED"
    events = await ComplaintEvent.select(ComplaintEvent.kind).where(
        ComplaintEvent.tracking_id == tracking_id
    )
    assert sorted(e["kind"] for e in events) == [
        "assigned",
        "filed",
        "notice_issued",
        "prioritized",
    ]


async def test_while_the_database_is_down_writes_get_503_and_cached_keys_still_work(api, api_keys):
    headers = auth(api_keys["citizen-app"])
    warm = await api.post("/v1/complaints", json=pothole(*in_malleshwaram()), headers=headers)
    assert warm.status_code == 202
    await _allow_connections(False)
    try:
        with_contact = pothole(*in_malleshwaram(), reporter={"phone": "+91 90000 55555"})
        resp = await api.post("/v1/complaints", json=with_contact, headers=headers)
        assert resp.status_code == 503, resp.text
        assert resp.headers["retry-after"] == "5"
        keyed = await api.post(
            "/v1/complaints",
            json=pothole(*in_malleshwaram()),
            headers={**headers, "Idempotency-Key": "during-outage"},
        )
        assert keyed.status_code == 503
        # A key the API has not seen yet cannot be checked: 503, never 500 or 401.
        fresh = await api.post(
            "/v1/complaints", json=pothole(*in_malleshwaram()), headers=auth(api_keys["official"])
        )
        assert fresh.status_code in (202, 503)
    finally:
        await _allow_connections(True)
    again = await api.post(
        "/v1/complaints",
        json=pothole(*in_malleshwaram()),
        headers={**headers, "Idempotency-Key": "during-outage"},
    )
    assert again.status_code == 202


async def test_a_complaint_is_readable_from_the_record_when_no_worker_answers(
    api, api_keys, temporal_env, settings
):
    from datetime import UTC, datetime

    from domain.case import CaseEvent, CaseState, Status
    from domain.case import Complaint as CaseComplaint
    from domain.ids import new_tracking_id, workflow_id
    from records import projection
    from workflows.complaint import ComplaintWorkflow, initial_search_attributes

    # A running case on a task queue nobody polls (all workers down), already projected.
    now = datetime.now(UTC)
    state = CaseState(
        complaint=CaseComplaint(new_tracking_id("BLR"), "bengaluru", "pothole", "Pothole",
                                13.0035, 77.5709, "kn", now, "test"),
        revision=1, updated_at=now,
    )  # fmt: skip
    await projection.record(state, CaseEvent(1, "filed", Status.FILED, now, "test"))
    await temporal_env.client.start_workflow(
        ComplaintWorkflow.run,
        state,
        id=workflow_id(state.complaint.tracking_id),
        task_queue="nobody-polls-this",
        search_attributes=initial_search_attributes(state),
    )
    resp = await api.get(
        f"/v1/complaints/{state.complaint.tracking_id}", headers=auth(api_keys["auditor"])
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["source"] == "record" and resp.json()["status"] == "FILED"
