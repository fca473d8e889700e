"""A live case climbing the hierarchy: SLA breaches, reminders, re-complaints, reassignment."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from helpers import auth, fresh_spot, pothole
from helpers import wait_until as until
from lifecycle_helpers import file_case, ledger, new_case, notices_of, resolve

from records.tables import CaseReport
from workflows import search_attributes as sa


async def test_late_pothole_escalates_to_zonal_officer_then_zonal_commissioner(skipping, api_keys):
    stack = skipping
    citizen = api_keys["citizen-app"]
    tracking_id, case, _ = await new_case(stack, api_keys)
    supervisor = case["assignee"]
    assert case["priority"] == "P3" and supervisor["level"] == 0
    # The window runs from assignment on the workflow's clock (the time-skipping server's,
    # which earlier tests may have moved ahead of the API's wall clock).
    [assigned] = [e for e in case["events"] if e["kind"] == "assigned"]
    due = datetime.fromisoformat(case["sla_due_at"])
    assert due - datetime.fromisoformat(assigned["at"]) == timedelta(hours=72)
    handle = stack.env.client.get_workflow_handle(f"complaint-{tracking_id}")
    attrs = (await handle.describe()).typed_search_attributes
    assert attrs.get(sa.SLA_DUE_AT) == due

    await stack.env.sleep(timedelta(hours=72, minutes=1))
    case = await until(stack.api, tracking_id, citizen, lambda c: c["escalation_level"] == 1)
    assert case["status"] == "ESCALATED"
    assert case["assignee"]["level"] == 1
    assert case["assignee"]["designation"].startswith("Zonal Officer")
    assert case["sla_breaches"] == 1
    escalated = [e for e in case["events"] if e["kind"] == "escalated"][-1]
    assert escalated["detail"]["from_official"] == supervisor["name"]
    assert escalated["detail"]["reason"] == "sla_breach"
    # The zonal officer's window is half the supervisor's: 36 h.
    due1 = datetime.fromisoformat(case["sla_due_at"])
    assert timedelta(hours=35) < due1 - due < timedelta(hours=37)
    case = await until(
        stack.api, tracking_id, citizen, lambda c: f"{tracking_id}-ESC1" in notices_of(c)
    )

    await stack.env.sleep(timedelta(hours=36, minutes=1))
    case = await until(stack.api, tracking_id, citizen, lambda c: c["escalation_level"] == 2)
    assert case["assignee"]["designation"] == "Zonal Joint Commissioner"
    case = await until(
        stack.api, tracking_id, citizen, lambda c: f"{tracking_id}-ESC2" in notices_of(c)
    )
    assert notices_of(case) == [f"{tracking_id}-ASG0", f"{tracking_id}-ESC1", f"{tracking_id}-ESC2"]

    # Each escalation notice is signed for its new assignee and verifies as genuine.
    for notice_id, level in ((f"{tracking_id}-ESC1", 1), (f"{tracking_id}-ESC2", 2)):
        pdf = await stack.api.get(f"/v1/notices/{notice_id}.pdf", headers=auth(citizen))
        assert pdf.status_code == 200
        verdict = await stack.api.post(
            "/v1/notices/verify", content=pdf.content, headers={"Content-Type": "application/pdf"}
        )
        assert verdict.json()["valid"] is True, verdict.text
        meta = (await stack.api.get(f"/v1/notices/{notice_id}", headers=auth(citizen))).json()
        assert meta["kind"] == "escalation" and meta["level"] == level

    entries = await ledger(tracking_id)
    assert entries == [
        ("escalated_away", 0, -15, supervisor["name"]),
        ("escalated_away", 1, -15, escalated["detail"]["official"]),
    ]


async def test_case_at_city_commissioner_stays_there_and_reminders_repeat(skipping, api_keys):
    stack = skipping
    citizen = api_keys["citizen-app"]
    tracking_id, case, spot = await new_case(stack, api_keys)
    for hours, level in ((72, 1), (36, 2), (18, 3)):
        await stack.env.sleep(timedelta(hours=hours, minutes=1))
        case = await until(
            stack.api, tracking_id, citizen, lambda c, lv=level: c["escalation_level"] == lv
        )
    assert case["assignee"]["designation"] == "City Commissioner"
    for reminder in (f"{tracking_id}-SLA3", f"{tracking_id}-SLA3-1"):
        await stack.env.sleep(timedelta(hours=24, minutes=1))
        case = await until(
            stack.api, tracking_id, citizen, lambda c, n=reminder: n in notices_of(c)
        )
    assert case["escalation_level"] == 3 and case["status"] == "ESCALATED"
    assert case["sla_breaches"] == 5
    # The commissioner fixes it after letting two reminders pass: resolved late.
    await resolve(stack, tracking_id, case, spot)
    commissioner = case["assignee"]["name"]
    assert (await ledger(tracking_id))[-1] == ("resolved_late", 3, -10, commissioner)


async def test_third_recomplaint_within_50_m_escalates_the_open_case(skipping, api_keys):
    stack = skipping
    citizen = api_keys["citizen-app"]
    tracking_id, case, spot = await new_case(stack, api_keys)
    nearby = (spot[0] + 0.0002, spot[1])  # about 22 m north
    for n in (1, 2, 3):
        answer = await file_case(stack, api_keys["integrator"], nearby)
        assert answer["tracking_id"] == tracking_id and answer["filing"] == "recomplaint"
        if n < 3:
            await until(stack.api, tracking_id, citizen, lambda c, n=n: c["recomplaints"] == n)
            assert (await until(stack.api, tracking_id, citizen, lambda c: True))[
                "escalation_level"
            ] == 0
    case = await until(stack.api, tracking_id, citizen, lambda c: c["escalation_level"] == 1)
    assert case["recomplaints"] == 3
    escalated = [e for e in case["events"] if e["kind"] == "escalated"][-1]
    assert escalated["detail"]["reason"] == "recomplaints"
    reports = await CaseReport.select().where(CaseReport.tracking_id == tracking_id)
    assert sorted(r["kind"] for r in reports) == ["original"] + ["recomplaint"] * 3
    # A pothole 200 m away is a different problem: a new case.
    far = await file_case(stack, citizen, (spot[0] + 0.0018, spot[1]))
    assert far["tracking_id"] != tracking_id and far["filing"] == "new"


async def test_forty_identical_filings_in_the_same_second_open_one_case(skipping, api_keys):
    stack = skipping
    spot = fresh_spot()
    keys = [api_keys["citizen-app"], api_keys["integrator"]]
    body = pothole(spot[0], spot[1], description="Huge pothole outside the school gate")
    answers = await asyncio.gather(
        *(stack.api.post("/v1/complaints", json=body, headers=auth(keys[i % 2])) for i in range(40))
    )
    assert all(a.status_code == 202 for a in answers), [a.text for a in answers]
    tracking_ids = {a.json()["tracking_id"] for a in answers}
    stack.cases |= tracking_ids
    assert len(tracking_ids) == 1
    [tracking_id] = tracking_ids
    assert sorted(a.json()["filing"] for a in answers) == ["new"] + ["recomplaint"] * 39
    case = await until(
        stack.api, tracking_id, keys[0], lambda c: c["recomplaints"] == 39, timeout=60
    )
    assert case["escalation_level"] == 3  # every third re-complaint climbed one level


async def test_official_reassigns_a_case_and_the_new_assignee_gets_a_notice(skipping, api_keys):
    stack = skipping
    tracking_id, case, _ = await new_case(stack, api_keys)
    other_ward = await new_case(stack, api_keys)
    target = other_ward[1]["assignee"]
    official = auth(api_keys["official"])
    resp = await stack.api.post(
        f"/v1/complaints/{tracking_id}/reassign",
        json={"official_id": target["id"], "reason": "ward boundary: the road is theirs"},
        headers=official,
    )
    assert resp.status_code == 200, resp.text
    moved = resp.json()
    assert moved["assignee"]["id"] == target["id"]
    assert notices_of(moved) == [f"{tracking_id}-ASG0", f"{tracking_id}-ASG0-1"]
    event = [e for e in moved["events"] if e["kind"] == "reassigned"][-1]
    assert event["detail"]["from_official"] == case["assignee"]["name"]
    # Reassigning to the same official, or to nobody, names the field.
    for official_id in (target["id"], 99_999_999):
        resp = await stack.api.post(
            f"/v1/complaints/{tracking_id}/reassign",
            json={"official_id": official_id, "reason": "again"},
            headers=official,
        )
        assert resp.status_code == 422 and resp.json()["field"] == "official_id", resp.text
    # A citizen app may not reassign.
    resp = await stack.api.post(
        f"/v1/complaints/{tracking_id}/reassign",
        json={"official_id": target["id"], "reason": "x"},
        headers=auth(api_keys["citizen-app"]),
    )
    assert resp.status_code == 403
