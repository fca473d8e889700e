"""Accepted complaints survive outages: the database going away does not lose or double a case."""

from __future__ import annotations

import asyncio

import asyncpg
from conftest import PG_ADMIN_DSN, TEST_DB
from helpers import MALLESHWARAM, auth, pothole, wait_for_status

from records.tables import Complaint, ComplaintEvent


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
    warm = await api.post("/v1/complaints", json=pothole(*MALLESHWARAM), headers=headers)
    assert warm.status_code == 202

    await _allow_connections(False)
    try:
        resp = await api.post("/v1/complaints", json=pothole(*MALLESHWARAM), headers=headers)
        assert resp.status_code == 202, resp.text  # intake does not need the database
        tracking_id = resp.json()["tracking_id"]
        # The projection activity fails and Temporal retries it; nothing is lost meanwhile.
        handle = temporal_env.client.get_workflow_handle(f"complaint-{tracking_id}")
        attempts = 0
        for _ in range(100):
            pending = (await handle.describe()).raw_description.pending_activities
            attempts = max((p.attempt for p in pending), default=0)
            if attempts >= 2:
                break
            await asyncio.sleep(0.1)
        assert attempts >= 2, "the database outage should make the activity retry"
    finally:
        await _allow_connections(True)

    case = await wait_for_status(api, tracking_id, headers, "ASSIGNED", timeout=60)
    assert case["ward"]["id"] == "65"
    for _ in range(100):
        row = await Complaint.objects().get(Complaint.tracking_id == tracking_id)
        if row is not None and row.status == "ASSIGNED":
            break
        await asyncio.sleep(0.1)
    assert row is not None and row.status == "ASSIGNED"
    events = await ComplaintEvent.select(ComplaintEvent.kind).where(
        ComplaintEvent.tracking_id == tracking_id
    )
    assert sorted(e["kind"] for e in events) == ["assigned", "filed", "prioritized"]
