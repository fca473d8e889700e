"""Whole case lives replayed deterministically; RECORD_*_HISTORY saves them for test_replay.py."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from helpers import auth, key_of
from helpers import wait_until as until
from lifecycle_helpers import file_case, new_case, notices_of, resolve, upload
from temporalio.worker import Replayer
from test_replay import patches_of, recorded_events

from domain.case import CaseState
from domain.states import EventKind
from records import projection
from worker import WORKFLOWS
from workflows.patches import PATCH_RECORDED_EVENTS


async def test_a_whole_case_life_replays_deterministically(skipping, api_keys):
    stack = skipping
    citizen = api_keys["citizen-app"]
    tracking_id, case, spot = await new_case(stack, api_keys)
    await stack.env.sleep(timedelta(hours=72, minutes=1))
    case = await until(stack.api, tracking_id, citizen, lambda c: c["escalation_level"] == 1)
    key = await key_of(case["assignee"]["id"])
    wrong = await upload(stack.api, tracking_id, key, b"not a photo at all")
    resp = await stack.api.post(
        f"/v1/complaints/{tracking_id}/proofs",
        json={"after_key": wrong},
        headers=auth(key),
    )
    assert resp.status_code == 422
    await resolve(stack, tracking_id, case, spot)
    await stack.api.post(f"/v1/complaints/{tracking_id}/confirm", json={}, headers=auth(citizen))
    handle = stack.env.client.get_workflow_handle(f"complaint-{tracking_id}", result_type=CaseState)
    result = await handle.result()
    assert result.status == "CLOSED" and result.proof is not None
    kinds = [e.kind for e in result.recent_events]
    assert kinds.index("escalated") < kinds.index("proof_rejected") < kinds.index("closed")
    history = await handle.fetch_history()
    await Replayer(workflows=WORKFLOWS).replay_workflow(history)
    if name := os.environ.get("RECORD_LIFECYCLE_HISTORY"):
        path = Path(__file__).parent / "histories" / f"{name}.json"
        path.write_text(history.to_json())


async def test_a_reopened_and_silently_closed_case_replays_deterministically(skipping, api_keys):
    stack = skipping
    citizen = api_keys["citizen-app"]
    tracking_id, case, spot = await new_case(stack, api_keys)
    for _ in range(3):
        await file_case(stack, api_keys["integrator"], (spot[0] + 0.0001, spot[1]))
    case = await until(stack.api, tracking_id, citizen, lambda c: c["escalation_level"] == 1)
    await resolve(stack, tracking_id, case, spot)
    resp = await stack.api.post(
        f"/v1/complaints/{tracking_id}/reopen",
        json={"reason": "still broken"},
        headers=auth(citizen),
    )
    assert resp.status_code == 200 and resp.json()["escalation_level"] == 2, resp.text
    await resolve(stack, tracking_id, resp.json(), spot)
    await stack.env.sleep(timedelta(hours=72, minutes=1))
    handle = stack.env.client.get_workflow_handle(f"complaint-{tracking_id}", result_type=CaseState)
    result = await handle.result()
    assert result.status == "CLOSED" and result.reopened == 1 and result.recomplaints == 3
    history = await handle.fetch_history()
    await Replayer(workflows=WORKFLOWS).replay_workflow(history)
    if name := os.environ.get("RECORD_REOPENED_HISTORY"):
        (Path(__file__).parent / "histories" / f"{name}.json").write_text(history.to_json())


async def test_a_long_case_life_keeps_every_event_exactly_in_its_history(skipping, api_keys):
    """Reassigned, escalated to the top by breach and re-complaint, proof rejected, reminded
    at the top, resolved, reopened, resolved again and confirmed: every step's CaseEvent is
    in Temporal history as the `record` activity's result, equal to the row it wrote."""
    stack = skipping
    citizen = api_keys["citizen-app"]
    tracking_id, case, spot = await new_case(stack, api_keys)
    target = (await new_case(stack, api_keys))[1]["assignee"]
    resp = await stack.api.post(
        f"/v1/complaints/{tracking_id}/reassign",
        json={"official_id": target["id"], "reason": "ward boundary: the road is theirs"},
        headers=auth(api_keys["official"]),
    )
    assert resp.status_code == 200, resp.text
    await stack.env.sleep(timedelta(hours=72, minutes=1))
    case = await until(stack.api, tracking_id, citizen, lambda c: c["escalation_level"] == 1)
    key = await key_of(case["assignee"]["id"])
    wrong = await upload(stack.api, tracking_id, key, b"not a photo at all")
    resp = await stack.api.post(
        f"/v1/complaints/{tracking_id}/proofs", json={"after_key": wrong}, headers=auth(key)
    )
    assert resp.status_code == 422, resp.text
    await file_case(stack, api_keys["integrator"], (spot[0] + 0.0001, spot[1]))
    case = await until(stack.api, tracking_id, citizen, lambda c: c["escalation_level"] == 2)
    await stack.env.sleep(timedelta(hours=18, minutes=1))
    case = await until(stack.api, tracking_id, citizen, lambda c: c["escalation_level"] == 3)
    await stack.env.sleep(timedelta(hours=24, minutes=1))
    case = await until(stack.api, tracking_id, citizen, lambda c: c["sla_breaches"] == 3)
    case = await until(
        stack.api, tracking_id, citizen, lambda c: f"{tracking_id}-SLA3" in notices_of(c)
    )
    await resolve(stack, tracking_id, case, spot)
    resp = await stack.api.post(
        f"/v1/complaints/{tracking_id}/reopen",
        json={"reason": "still broken"},
        headers=auth(citizen),
    )
    assert resp.status_code == 200, resp.text
    await resolve(stack, tracking_id, resp.json(), spot)
    resp = await stack.api.post(
        f"/v1/complaints/{tracking_id}/confirm", json={}, headers=auth(citizen)
    )
    assert resp.status_code == 200, resp.text
    handle = stack.env.client.get_workflow_handle(f"complaint-{tracking_id}", result_type=CaseState)
    result = await handle.result()
    assert result.status == "CLOSED" and result.reopened == 1

    history = await handle.fetch_history()
    await Replayer(workflows=WORKFLOWS).replay_workflow(history)
    assert PATCH_RECORDED_EVENTS in patches_of(history)
    events = recorded_events(history)
    rows = await projection.events(tracking_id)
    assert [e.revision for e in events if e] == list(range(1, result.revision + 1))
    assert [(e.revision, e.kind, e.status, e.at, e.actor, e.detail) for e in events if e] == [
        (r["revision"], r["kind"], r["status"], r["at"], r["actor"], r["detail"]) for r in rows
    ]
    kinds = {e.kind for e in events if e}
    assert kinds >= {
        EventKind.FILED, EventKind.PRIORITIZED, EventKind.ASSIGNED, EventKind.NOTICE_ISSUED,
        EventKind.REASSIGNED, EventKind.ESCALATED, EventKind.PROOF_REJECTED,
        EventKind.RECOMPLAINT, EventKind.SLA_BREACHED, EventKind.PROOF_ACCEPTED,
        EventKind.CLOSED,
    }  # fmt: skip
    if name := os.environ.get("RECORD_RECORDED_EVENTS_HISTORY"):
        (Path(__file__).parent / "histories" / f"{name}.json").write_text(history.to_json())
