"""The life of a case after its notice: SLA escalation, proof, the citizen's answer, scores.

Everything that waits on time runs on Temporal's time-skipping test server (`env.sleep`
fires the SLA and confirmation timers), with the real worker, PostgreSQL and rclone S3.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from helpers import auth, fresh_spot, key_of, photo, pothole, wait_for_status
from helpers import wait_until as until
from temporalio.worker import Replayer

from domain.case import CaseState
from records.tables import CaseReport, ScoreEntry
from worker import WORKFLOWS
from workflows import search_attributes as sa


async def file_case(stack, key: str, spot: tuple, **extra: Any) -> dict:  # type: ignore[no-untyped-def]
    """File a pothole at a spot; returns the 202 body."""
    body = pothole(spot[0], spot[1], description=f"Pothole {uuid.uuid4().hex[:8]}", **extra)
    resp = await stack.api.post("/v1/complaints", json=body, headers=auth(key))
    assert resp.status_code == 202, resp.text
    stack.cases.add(resp.json()["tracking_id"])
    return resp.json()


async def new_case(stack, api_keys, spot=None) -> tuple[str, dict, tuple]:  # type: ignore[no-untyped-def]
    """A fresh case in its own ward, waited until its Assignment notice is issued."""
    spot = spot or fresh_spot()
    citizen = api_keys["citizen-app"]
    tracking_id = (await file_case(stack, citizen, spot))["tracking_id"]
    case = await wait_for_status(stack.api, tracking_id, auth(citizen), "NOTICE_ISSUED")
    return tracking_id, case, spot


async def upload(
    api: httpx.AsyncClient,
    tracking_id: str,
    key: str,
    data: bytes,
    role: str = "after",
    content_type: str = "image/jpeg",
) -> str:
    """Ask for a presigned URL and PUT the photo to S3, as a supervisor's phone does."""
    resp = await api.post(
        f"/v1/complaints/{tracking_id}/proofs/upload-url",
        json={"files": [{"role": role, "content_type": content_type}]},
        headers=auth(key),
    )
    assert resp.status_code == 200, resp.text
    [slot] = resp.json()["slots"]
    async with httpx.AsyncClient() as s3:
        put = await s3.put(slot["url"], content=data, headers=slot["headers"])
    assert put.status_code == 200, put.text
    return slot["key"]


def site_photo(spot: tuple, case: dict | None = None) -> bytes:
    """A fresh photo taken on site a minute after the case's last step (EXIF in India time)."""
    at = datetime.fromisoformat(case["updated_at"]) if case else datetime.now(UTC)
    local = at + timedelta(hours=5, minutes=31)
    return photo(gps=(spot[0], spot[1]), taken=local.strftime("%Y:%m:%d %H:%M:%S"))


async def resolve(stack, tracking_id: str, case: dict, spot: tuple) -> tuple[dict, str]:  # type: ignore[no-untyped-def]
    """The assignee uploads an after photo and submits it; returns the answer and the key."""
    key = await key_of(case["assignee"]["id"])
    photo_key = await upload(stack.api, tracking_id, key, site_photo(spot, case))
    resp = await stack.api.post(
        f"/v1/complaints/{tracking_id}/proofs", json={"after_key": photo_key}, headers=auth(key)
    )
    assert resp.status_code == 200, resp.text
    return resp.json(), key


async def ledger(tracking_id: str) -> list[tuple[str, int, int, str]]:
    """(event, level, points, official) of a case's ledger entries, in order of writing."""
    rows = (
        await ScoreEntry.select(
            ScoreEntry.event, ScoreEntry.level, ScoreEntry.points, ScoreEntry.official_name
        )
        .where(ScoreEntry.tracking_id == tracking_id)
        .order_by(ScoreEntry.id)
    )
    return [(r["event"], r["level"], r["points"], r["official_name"]) for r in rows]


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


def notices_of(case: dict) -> list[str]:
    """The notice numbers of a case, in order of issue."""
    return [n["notice_id"] for n in case["notices"]]


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


async def test_accepted_proof_resolves_the_case_with_a_closure_certificate(skipping, api_keys):
    stack = skipping
    tracking_id, case, spot = await new_case(stack, api_keys)
    answer, _ = await resolve(stack, tracking_id, case, spot)
    assert answer["accepted"] is True
    [after] = answer["photos"]
    assert after["content_type"] == "image/jpeg" and after["flags"] == []
    assert len(after["sha256"]) == 64
    resolved = answer["complaint"]
    assert resolved["status"] == "RESOLVED"
    assert notices_of(resolved)[-1] == f"{tracking_id}-CLS0"
    accepted = [e for e in resolved["events"] if e["kind"] == "proof_accepted"][-1]
    assert accepted["detail"]["after_sha256"] == after["sha256"]
    # The Closure certificate states the proof it certifies, and verifies as genuine.
    certificate = f"/v1/notices/{tracking_id}-CLS0"
    meta = (await stack.api.get(certificate, headers=auth(api_keys["auditor"]))).json()
    assert meta["payload"]["proof"] == [f"after:{after['sha256']}"]
    assert meta["payload"]["resolved_at"] is not None
    pdf = await stack.api.get(f"{certificate}.pdf", headers=auth(api_keys["auditor"]))
    verdict = await stack.api.post(
        "/v1/notices/verify", content=pdf.content, headers={"Content-Type": "application/pdf"}
    )
    assert verdict.json()["valid"] is True, verdict.text
    confirm_due = datetime.fromisoformat(resolved["confirm_due_at"])
    assert confirm_due - datetime.fromisoformat(resolved["resolved_at"]) == timedelta(hours=72)
    assert await ledger(tracking_id) == [
        ("resolved_on_time", 0, 20, case["assignee"]["name"]),
    ]


async def test_proof_from_another_supervisor_is_forbidden(skipping, api_keys):
    stack = skipping
    tracking_id, case, spot = await new_case(stack, api_keys)
    _, elsewhere, _ = await new_case(stack, api_keys)
    other = await key_of(elsewhere["assignee"]["id"])  # the supervisor of another ward
    resp = await stack.api.post(
        f"/v1/complaints/{tracking_id}/proofs/upload-url",
        json={"files": [{"role": "after", "content_type": "image/jpeg"}]},
        headers=auth(other),
    )
    assert resp.status_code == 403, resp.text
    own = await key_of(case["assignee"]["id"])
    photo_key = await upload(stack.api, tracking_id, own, site_photo(spot))
    resp = await stack.api.post(
        f"/v1/complaints/{tracking_id}/proofs", json={"after_key": photo_key}, headers=auth(other)
    )
    assert resp.status_code == 403, resp.text
    assert "assigned" in resp.json()["detail"]
    # A key outside the case's prefix is refused with the field named.
    resp = await stack.api.post(
        f"/v1/complaints/{tracking_id}/proofs",
        json={"after_key": "proofs/BLR-0000000000/after.jpg"},
        headers=auth(own),
    )
    assert resp.status_code == 422 and resp.json()["field"] == "after_key", resp.text
    case = await until(stack.api, tracking_id, api_keys["citizen-app"], lambda c: True)
    assert case["status"] == "NOTICE_ISSUED"


async def test_photo_reused_from_another_case_is_rejected_and_the_case_stays_open(
    skipping, api_keys
):
    stack = skipping
    first, case1, spot1 = await new_case(stack, api_keys)
    second, case2, _ = await new_case(stack, api_keys)
    shared = site_photo(spot1)
    key1 = await key_of(case1["assignee"]["id"])
    k1 = await upload(stack.api, first, key1, shared)
    ok = await stack.api.post(
        f"/v1/complaints/{first}/proofs", json={"after_key": k1}, headers=auth(key1)
    )
    assert ok.status_code == 200, ok.text
    key2 = await key_of(case2["assignee"]["id"])
    k2 = await upload(stack.api, second, key2, shared)
    resp = await stack.api.post(
        f"/v1/complaints/{second}/proofs", json={"after_key": k2}, headers=auth(key2)
    )
    assert resp.status_code == 422, resp.text
    body = resp.json()
    assert body["field"] == "after_key"
    assert "reused" in body["detail"] and first in body["detail"]
    case = await until(stack.api, second, api_keys["citizen-app"], lambda c: True)
    assert case["status"] == "NOTICE_ISSUED"
    assert [e["kind"] for e in case["events"]][-1] == "proof_rejected"


async def test_pdf_uploaded_as_a_photo_is_rejected(skipping, api_keys):
    stack = skipping
    tracking_id, case, _ = await new_case(stack, api_keys)
    key = await key_of(case["assignee"]["id"])
    fake = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    photo_key = await upload(stack.api, tracking_id, key, fake)
    resp = await stack.api.post(
        f"/v1/complaints/{tracking_id}/proofs", json={"after_key": photo_key}, headers=auth(key)
    )
    assert resp.status_code == 422, resp.text
    assert "wrong_type" in resp.json()["detail"] and "PDF" in resp.json()["detail"]


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
    await resolve(stack, tracking_id, case, spot)
    resp = await stack.api.post(
        f"/v1/complaints/{tracking_id}/confirm", json={"note": "fixed"}, headers=auth(citizen)
    )
    assert resp.status_code == 200 and resp.json()["status"] == "CLOSED", resp.text
    # A second case in the same ward, late: escalated away -15; the zonal officer resolves it
    # on time at L1 (+20).
    nearby = (spot[0] + 0.0009, spot[1])  # 100 m away: a different problem
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
    score = await stack.api.get(
        f"/v1/supervisors/{supervisor['id']}/score", headers=auth(api_keys["official"])
    )
    assert score.status_code == 200, score.text
    assert score.json()["total"] == 20 + 10 - 15


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


async def test_bad_case_actions_get_a_4xx_naming_the_field(skipping, api_keys):
    stack = skipping
    tracking_id, case, _ = await new_case(stack, api_keys)
    key = await key_of(case["assignee"]["id"])
    base = f"/v1/complaints/{tracking_id}"
    cases = [
        (f"{base}/proofs/upload-url", {"files": [{"role": "after", "content_type": "image/gif"}]},
         key, 400, "files[0].content_type"),
        (f"{base}/proofs/upload-url", {"files": []}, key, 400, "files"),
        (f"{base}/proofs/upload-url",
         {"files": [{"role": "after", "content_type": "image/png"}] * 2}, key, 400, "files"),
        (f"{base}/proofs", {"before_key": "x"}, key, 400, "after_key"),
        (f"{base}/proofs", {"after_key": "proofs/x.jpg", "colour": "red"}, key, 400, "colour"),
        (f"{base}/proofs", {"after_key": f"proofs/{tracking_id}/../../etc/passwd"}, key, 422,
         "after_key"),
        (f"{base}/reopen", {"reason": "   "}, api_keys["citizen-app"], 400, "reason"),
        (f"{base}/reassign", {"official_id": 0, "reason": "x"}, api_keys["official"], 400,
         "official_id"),
        ("/v1/complaints/not-an-id/confirm", {}, api_keys["citizen-app"], 400, "tracking_id"),
    ]  # fmt: skip
    for path, body, token, status, field in cases:
        resp = await stack.api.post(path, json=body, headers=auth(token))
        assert resp.status_code == status, (path, body, resp.text)
        assert resp.json()["field"] == field, (path, body, resp.text)
    # Confirming before anything was resolved is a conflict, not a crash.
    resp = await stack.api.post(f"{base}/confirm", json={}, headers=auth(api_keys["citizen-app"]))
    assert resp.status_code == 409, resp.text
    # A case nobody filed is 404.
    resp = await stack.api.post(
        "/v1/complaints/BLR-0000000000/confirm", json={}, headers=auth(api_keys["official"])
    )
    assert resp.status_code == 404, resp.text


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
