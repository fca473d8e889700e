"""The citizen's answer to a resolved live case: confirm, reopen or silence, and the scores."""

from __future__ import annotations

from datetime import timedelta

from helpers import auth, spot_nearby, wait_for_status
from helpers import wait_until as until
from lifecycle_helpers import file_case, ledger, new_case, notices_of, resolve


async def test_citizen_reopens_a_resolved_case_and_it_escalates_with_a_penalty(skipping, api_keys):
    stack = skipping
    citizen = api_keys["citizen-app"]
    tracking_id, case, spot = await new_case(stack, api_keys)
    await resolve(stack, tracking_id, case, spot)
    resp = await stack.api.post(
        f"/v1/complaints/{tracking_id}/reopen",
        json={"reason": "The pothole is back after one day of rain"},
        headers=auth(citizen),
    )
    assert resp.status_code == 200, resp.text
    reopened = resp.json()
    assert reopened["status"] == "REOPENED" and reopened["escalation_level"] == 1
    assert reopened["assignee"]["level"] == 1
    assert notices_of(reopened)[-1] == f"{tracking_id}-ESC1"
    supervisor = case["assignee"]["name"]
    assert await ledger(tracking_id) == [
        ("resolved_on_time", 0, 20, supervisor),
        ("reopened", 0, -20, supervisor),
    ]
    # Reopening needs a reason, and cannot happen twice.
    resp = await stack.api.post(
        f"/v1/complaints/{tracking_id}/confirm", json={}, headers=auth(citizen)
    )
    assert resp.status_code == 409


async def test_silence_closes_a_resolved_case_after_72_hours(skipping, api_keys):
    stack = skipping
    citizen = api_keys["citizen-app"]
    tracking_id, case, spot = await new_case(stack, api_keys)
    await resolve(stack, tracking_id, case, spot)
    await stack.env.sleep(timedelta(hours=71))
    assert (await until(stack.api, tracking_id, citizen, lambda c: True))["status"] == "RESOLVED"
    await stack.env.sleep(timedelta(hours=1, minutes=1))
    case = await until(stack.api, tracking_id, citizen, lambda c: c["status"] == "CLOSED")
    assert "did not answer within 72 h" in case["closed_reason"]
    assert case["closed_at"] is not None


async def test_ledger_totals_are_exact_across_a_case_life(skipping, api_keys):
    stack = skipping
    citizen = api_keys["citizen-app"]
    # One case resolved on time and confirmed: +20 +10 for the ward supervisor.
    tracking_id, case, spot = await new_case(stack, api_keys)
    score_url = f"/v1/supervisors/{case['assignee']['id']}/score"
    official = auth(api_keys["official"])
    # Other tests in this session may have scored the same supervisor this month.
    earlier = (await stack.api.get(score_url, headers=official)).json()["total"]
    await resolve(stack, tracking_id, case, spot)
    resp = await stack.api.post(
        f"/v1/complaints/{tracking_id}/confirm", json={"note": "fixed"}, headers=auth(citizen)
    )
    assert resp.status_code == 200 and resp.json()["status"] == "CLOSED", resp.text
    # A second case in the same ward, late: escalated away -15; the zonal officer resolves it
    # on time at L1 (+20).
    nearby = spot_nearby(spot)  # 100 m away in the same ward: a different problem
    second = (await file_case(stack, citizen, nearby))["tracking_id"]
    case2 = await wait_for_status(stack.api, second, auth(citizen), "NOTICE_ISSUED")
    await stack.env.sleep(timedelta(hours=72, minutes=1))
    case2 = await until(stack.api, second, citizen, lambda c: c["escalation_level"] == 1)
    await resolve(stack, second, case2, nearby)
    supervisor, officer = case["assignee"], case2["assignee"]
    assert await ledger(tracking_id) == [
        ("resolved_on_time", 0, 20, supervisor["name"]),
        ("citizen_confirmed", 0, 10, supervisor["name"]),
    ]
    assert await ledger(second) == [
        ("escalated_away", 0, -15, supervisor["name"]),
        ("resolved_on_time", 1, 20, officer["name"]),
    ]
    score = await stack.api.get(score_url, headers=official)
    assert score.status_code == 200, score.text
    assert score.json()["total"] - earlier == 20 + 10 - 15


async def test_recomplaint_soon_after_closure_opens_a_linked_case_one_level_higher(
    skipping, api_keys
):
    stack = skipping
    citizen = api_keys["citizen-app"]
    tracking_id, case, spot = await new_case(stack, api_keys)
    await resolve(stack, tracking_id, case, spot)
    resp = await stack.api.post(
        f"/v1/complaints/{tracking_id}/confirm", json={}, headers=auth(citizen)
    )
    assert resp.json()["status"] == "CLOSED"
    again = await file_case(stack, citizen, (spot[0] + 0.0001, spot[1]))
    assert again["filing"] == "linked" and again["linked_to"] == tracking_id
    linked = await wait_for_status(stack.api, again["tracking_id"], auth(citizen), "NOTICE_ISSUED")
    assert linked["linked_to"] == tracking_id
    assert linked["escalation_level"] == 1 and linked["assignee"]["level"] == 1
    assert notices_of(linked) == [f"{again['tracking_id']}-ASG1"]
