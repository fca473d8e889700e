"""A citizen app files complaints and follows them; each one is a real Temporal workflow."""

from __future__ import annotations

import asyncio

from helpers import auth, in_malleshwaram, pothole, wait_for_status, wait_until

from records.tables import Complaint, ComplaintEvent, Official, Ward


async def test_pothole_in_malleshwaram_is_assigned_to_its_ward_supervisor(
    api, api_keys, temporal_env
):
    headers = auth(api_keys["citizen-app"])
    resp = await api.post(
        "/v1/complaints",
        json=pothole(*in_malleshwaram(), reporter={"name": "Asha", "phone": "+91 98450 12345"}),
        headers=headers,
    )
    assert resp.status_code == 202, resp.text
    accepted = resp.json()
    tracking_id = accepted["tracking_id"]
    assert tracking_id.startswith("BLR-")
    assert accepted["workflow_id"] == f"complaint-{tracking_id}"
    assert accepted["status_url"].endswith(f"/v1/complaints/{tracking_id}")
    assert resp.headers["location"] == accepted["status_url"]

    case = await wait_for_status(api, tracking_id, headers, "NOTICE_ISSUED")
    assert case["source"] == "live"
    ward = await Ward.objects().get(
        (Ward.ward_id == case["ward"]["id"]) & (Ward.city.slug == "bengaluru")
    )
    supervisor = await Official.objects().get((Official.ward == ward.id) & (Official.level == 0))
    assert case["ward"] == {"id": "65", "name": "Kadu Malleshwar Ward", "zone": "West"}
    assert case["assignee"]["id"] == supervisor.id
    assert case["assignee"]["name"] == supervisor.name
    assert case["priority"] == "P3"
    assert case["sla_due_at"] is not None
    assert [e["kind"] for e in case["events"]] == [
        "filed",
        "prioritized",
        "assigned",
        "notice_issued",
    ]

    # Officials find it in Temporal by its search attributes.
    query = (
        f"WorkflowId = 'complaint-{tracking_id}' AND Ward = '65' AND Zone = 'West' "
        "AND Category = 'pothole' AND CaseStatus = 'NOTICE_ISSUED'"
    )
    found = []
    for _ in range(50):
        found = [w async for w in temporal_env.client.list_workflows(query)]
        if found:
            break
        await asyncio.sleep(0.1)
    assert len(found) == 1
    attrs = {k.name: v for k, v in (found[0].typed_search_attributes or [])}
    assert attrs["Supervisor"] == f"{supervisor.name} #{supervisor.id}"

    # The database projection and event log follow the workflow.
    row = await Complaint.objects().get(Complaint.tracking_id == tracking_id)
    assert (row.status, row.ward_id, row.zone, row.assignee) == (
        "NOTICE_ISSUED",
        "65",
        "West",
        supervisor.id,
    )
    assert row.reporter is not None
    assert await ComplaintEvent.count().where(ComplaintEvent.tracking_id == tracking_id) == 4


async def test_contact_details_stay_out_of_workflow_history(api, api_keys, temporal_env):
    headers = auth(api_keys["citizen-app"])
    body = pothole(
        *in_malleshwaram(), reporter={"name": "Zarina Qureshi", "phone": "+91 99000 11122"}
    )
    resp = await api.post("/v1/complaints", json=body, headers=headers)
    tracking_id = resp.json()["tracking_id"]
    await wait_for_status(api, tracking_id, headers, "NOTICE_ISSUED")
    history = await temporal_env.client.get_workflow_handle(
        f"complaint-{tracking_id}"
    ).fetch_history()
    text = history.to_json()
    assert "Zarina" not in text and "99000" not in text


async def test_retried_post_with_idempotency_key_returns_the_same_complaint(
    api, api_keys, temporal_env
):
    headers = {**auth(api_keys["integrator"]), "Idempotency-Key": "vendor-req-0001"}
    body = pothole(*in_malleshwaram(), reporter={"phone": "+91 90000 00001"})
    responses = await asyncio.gather(
        *(api.post("/v1/complaints", json=body, headers=headers) for _ in range(6))
    )
    assert {r.status_code for r in responses} == {202}
    tracking_ids = {r.json()["tracking_id"] for r in responses}
    assert len(tracking_ids) == 1
    (tracking_id,) = tracking_ids
    await wait_for_status(api, tracking_id, auth(api_keys["integrator"]), "NOTICE_ISSUED")

    runs = [
        w
        async for w in temporal_env.client.list_workflows(f"WorkflowId = 'complaint-{tracking_id}'")
    ]
    assert len(runs) == 1
    assert await Complaint.count().where(Complaint.tracking_id == tracking_id) == 1

    # Later, after the case has ended, the same retry still answers with the same case.
    await api.post(
        f"/v1/complaints/{tracking_id}/withdraw",
        json={"reason": "duplicate of an older report"},
        headers=auth(api_keys["citizen-app"]),
    )
    again = await api.post("/v1/complaints", json=body, headers=headers)
    assert again.status_code == 202 and again.json()["tracking_id"] == tracking_id


async def test_idempotency_key_reused_for_a_different_complaint_is_refused(api, api_keys):
    headers = {**auth(api_keys["integrator"]), "Idempotency-Key": "vendor-req-0002"}
    first = await api.post("/v1/complaints", json=pothole(*in_malleshwaram()), headers=headers)
    assert first.status_code == 202
    other = pothole(*in_malleshwaram(), description="A different complaint altogether")
    second = await api.post("/v1/complaints", json=other, headers=headers)
    assert second.status_code == 422
    assert second.json()["field"] == "Idempotency-Key"


async def test_same_idempotency_key_from_two_integrators_is_two_filings(api, api_keys):
    body = pothole(*in_malleshwaram())
    a = await api.post(
        "/v1/complaints",
        json=body,
        headers={**auth(api_keys["integrator"]), "Idempotency-Key": "shared-key"},
    )
    b = await api.post(
        "/v1/complaints",
        json=body,
        headers={**auth(api_keys["citizen-app"]), "Idempotency-Key": "shared-key"},
    )
    assert a.status_code == b.status_code == 202
    # Not a replay of the first app's request: a second report of the same pothole, so it
    # joins the first case as a re-complaint.
    assert (a.json()["filing"], b.json()["filing"]) == ("new", "recomplaint")
    assert a.json()["tracking_id"] == b.json()["tracking_id"]
    await wait_until(
        api, a.json()["tracking_id"], api_keys["official"], lambda c: c["recomplaints"] == 1
    )


async def test_withdrawn_complaint_is_served_from_the_database_projection(api, api_keys):
    headers = auth(api_keys["citizen-app"])
    resp = await api.post("/v1/complaints", json=pothole(*in_malleshwaram()), headers=headers)
    tracking_id = resp.json()["tracking_id"]
    await wait_for_status(api, tracking_id, headers, "NOTICE_ISSUED")

    withdrawn = await api.post(
        f"/v1/complaints/{tracking_id}/withdraw",
        json={"reason": "filed twice by mistake"},
        headers=headers,
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["status"] == "WITHDRAWN"

    case = await wait_for_status(api, tracking_id, headers, "WITHDRAWN")
    for _ in range(50):
        case = (await api.get(f"/v1/complaints/{tracking_id}", headers=headers)).json()
        if case["source"] == "record":
            break
        await asyncio.sleep(0.1)
    assert case["source"] == "record"
    assert case["closed_reason"] == "filed twice by mistake"
    assert case["ward"]["id"] == "65"
    assert case["assignee"]["designation"] == "Ward Supervisor (Junior Engineer)"
    kinds = [e["kind"] for e in case["events"]]
    assert kinds == ["filed", "prioritized", "assigned", "notice_issued", "withdrawn"]
    assert [n["notice_id"] for n in case["notices"]] == [f"{tracking_id}-ASG0"]


async def test_withdrawing_a_closed_case_again_is_a_conflict(api, api_keys):
    headers = auth(api_keys["citizen-app"])
    tracking_id = (
        await api.post("/v1/complaints", json=pothole(*in_malleshwaram()), headers=headers)
    ).json()["tracking_id"]
    await wait_for_status(api, tracking_id, headers, "NOTICE_ISSUED")
    path = f"/v1/complaints/{tracking_id}/withdraw"
    assert (await api.post(path, json={"reason": "dup"}, headers=headers)).status_code == 200
    again = await api.post(path, json={"reason": "dup"}, headers=headers)
    assert again.status_code in (404, 409)
    empty = await api.post(path, json={"reason": ""}, headers=headers)
    assert empty.status_code == 400 and empty.json()["field"] == "reason"


async def test_unknown_tracking_id_is_404_and_malformed_one_is_400(api, api_keys):
    headers = auth(api_keys["auditor"])
    assert (await api.get("/v1/complaints/BLR-0000000000", headers=headers)).status_code == 404
    bad = await api.get("/v1/complaints/not-an-id", headers=headers)
    assert bad.status_code == 400 and bad.json()["field"] == "tracking_id"


async def test_urgent_words_raise_priority(api, api_keys):
    headers = auth(api_keys["citizen-app"])
    body = pothole(
        *in_malleshwaram(), description="Open pothole outside the school gate, a child fell today"
    )
    tracking_id = (await api.post("/v1/complaints", json=body, headers=headers)).json()[
        "tracking_id"
    ]
    case = await wait_for_status(api, tracking_id, headers, "NOTICE_ISSUED")
    assert case["priority"] == "P2"


async def test_concurrent_retries_store_the_citizens_contact_once(api, api_keys):
    from records import vault
    from records.tables import IdempotencyRecord, Reporter

    headers = {**auth(api_keys["integrator"]), "Idempotency-Key": "vendor-req-contact"}
    phone = "+91 90000 77777"
    body = pothole(*in_malleshwaram(), reporter={"phone": phone})
    responses = await asyncio.gather(
        *(api.post("/v1/complaints", json=body, headers=headers) for _ in range(6))
    )
    assert {r.status_code for r in responses} == {202}
    [key_id] = await vault.keys_of(phone, None)  # found by the phone's blind index
    rows = await Reporter.select(Reporter.id).where(Reporter.citizen_key == key_id)
    assert len(rows) == 1
    record = await IdempotencyRecord.objects().get(
        IdempotencyRecord.key.like("%:vendor-req-contact")
    )
    assert record.reporter == rows[0]["id"]
    opened = await vault.open_reporters([rows[0]["id"]])
    assert opened[rows[0]["id"]]["phone"] == phone


async def test_a_citizen_app_cannot_withdraw_a_complaint_another_app_filed(api, api_keys):
    filed = await api.post(
        "/v1/complaints", json=pothole(*in_malleshwaram()), headers=auth(api_keys["integrator"])
    )
    tracking_id = filed.json()["tracking_id"]
    await wait_for_status(api, tracking_id, auth(api_keys["integrator"]), "NOTICE_ISSUED")
    path = f"/v1/complaints/{tracking_id}/withdraw"
    other = await api.post(path, json={"reason": "not mine"}, headers=auth(api_keys["citizen-app"]))
    assert other.status_code == 403
    blank = await api.post(path, json={"reason": "   "}, headers=auth(api_keys["official"]))
    assert blank.status_code == 400 and blank.json()["field"] == "reason"
    official = await api.post(
        path, json={"reason": "duplicate"}, headers=auth(api_keys["official"])
    )
    assert official.status_code == 200


async def test_a_city_whose_wards_are_not_imported_yet_does_not_stop_filings(api, api_keys):
    import random
    import string

    from records.tables import City

    slug = "empty-" + "".join(random.choices(string.ascii_lowercase, k=6))
    code = "".join(random.choices(string.ascii_uppercase, k=3))
    await City.insert(City(slug=slug, code=code, name="Newtown", corporation="NMC", language="en"))
    try:
        body = pothole(*in_malleshwaram())
        resp = await api.post("/v1/complaints", json=body, headers=auth(api_keys["citizen-app"]))
        assert resp.status_code == 202, resp.text
    finally:
        await City.delete().where(City.slug == slug)
