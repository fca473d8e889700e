"""The citizen's rights with the token their filing returned: see and export, correct, withdraw
consent, lodge a grievance, erase by crypto-shredding; and an official acting in person."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from helpers import auth, in_malleshwaram, pothole, wait_for_status

from records import vault
from records.tables import AuditEntry, CitizenKey, PrivacyGrievance, Reporter


def _phone() -> str:
    return "+91 9" + "".join(random.choices("0123456789", k=9))


async def _file(api, api_keys, **reporter: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """File a pothole with contact details; (tracking id, citizen token)."""
    body = pothole(*in_malleshwaram(), reporter={"notice_version": "2026-12-v1", **reporter})
    resp = await api.post("/v1/complaints", json=body, headers=auth(api_keys["citizen-app"]))
    assert resp.status_code == 202, resp.text
    answer = resp.json()
    assert answer["citizen_token"], answer
    return answer["tracking_id"], answer["citizen_token"]


async def _actions(subject_part: str) -> list[str]:
    rows = await AuditEntry.select(AuditEntry.action).where(
        AuditEntry.subject.like(f"%{subject_part}%")
    )
    return [r["action"] for r in rows]


async def test_a_citizen_sees_exports_and_corrects_their_data_with_the_token(api, api_keys):
    phone = _phone()
    tracking_id, token = await _file(api, api_keys, name="Meena R", phone=phone)
    again = await api.post("/v1/privacy/access", json={"tracking_id": tracking_id, "token": token})
    assert again.status_code == 200, again.text
    [filing] = again.json()["filings"]
    assert (filing["name"], filing["phone"], filing["notice_version"]) == (
        "Meena R",
        phone,
        "2026-12-v1",
    )
    assert [c["tracking_id"] for c in again.json()["cases"]] == [tracking_id]
    new_phone = _phone()
    fixed = await api.post(
        "/v1/privacy/correct",
        json={"tracking_id": tracking_id, "token": token, "phone": new_phone},
    )
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["filings"][0]["phone"] == new_phone
    assert await vault.keys_of(new_phone, None) and not await vault.keys_of(phone, None)
    assert "personal_data.access" in await _actions(tracking_id)
    forged = await api.post(
        "/v1/privacy/access", json={"tracking_id": tracking_id, "token": "A" * 26}
    )
    assert forged.status_code == 403 and "token" in forged.text
    bad = await api.post("/v1/privacy/access", json={"tracking_id": "nope!", "token": token})
    assert bad.status_code == 400 and "tracking_id" in bad.text


async def test_erasure_shreds_the_key_and_the_case_stays_public(api, api_keys):
    phone = _phone()
    tracking_id, token = await _file(api, api_keys, name="Ravi S", phone=phone)
    citizen = auth(api_keys["citizen-app"])
    await wait_for_status(api, tracking_id, citizen, "NOTICE_ISSUED")
    [key_id] = await vault.keys_of(phone, None)
    erased = await api.post("/v1/privacy/erase", json={"tracking_id": tracking_id, "token": token})
    assert erased.status_code == 200 and erased.json()["erased"] is True
    row = await CitizenKey.select().where(CitizenKey.id == key_id).first()
    assert row["wrapped"] is None and row["phone_index"] is None and row["shredded_at"]
    reporter = await Reporter.select().where(Reporter.citizen_key == key_id).first()
    assert reporter["name_sealed"] is None and reporter["erased_at"] is not None
    assert await vault.keys_of(phone, None) == []
    shown = await api.get(
        f"/v1/complaints/{tracking_id}/contact",
        params={"purpose": "check after erasure"},
        headers=auth(api_keys["official"]),
    )
    [contact] = shown.json()["contacts"]
    assert contact["erased"] is True and contact["name"] is None and contact["phone"] is None
    assert (await api.get(f"/v1/complaints/{tracking_id}", headers=citizen)).status_code == 200
    assert "personal_data.erased" in await _actions(f"citizen-key:{key_id}")
    twice = await api.post("/v1/privacy/erase", json={"tracking_id": tracking_id, "token": token})
    assert twice.status_code == 200 and twice.json()["erased"] is False


async def test_withdrawing_consent_marks_the_data_for_erasure(api, api_keys):
    phone = _phone()
    tracking_id, token = await _file(api, api_keys, phone=phone)
    done = await api.post("/v1/privacy/withdraw", json={"tracking_id": tracking_id, "token": token})
    assert done.status_code == 200 and done.json()["withdrawn"] is True
    [key_id] = await vault.keys_of(phone, None)
    row = await Reporter.select().where(Reporter.citizen_key == key_id).first()
    assert row["consent_withdrawn_at"] is not None
    assert row["erase_due_at"] <= datetime.now(UTC)
    assert "personal_data.consent_withdrawn" in await _actions(f"citizen-key:{key_id}")


async def test_a_grievance_is_sealed_and_due_within_the_published_time(api, api_keys):
    tracking_id, token = await _file(api, api_keys, phone=_phone())
    notice = (await api.get("/v1/privacy/notice")).json()
    assert notice["grievance_response_days"] <= 90 and notice["current_version"] == "2026-12-v1"
    text = "An official phoned me at night about my complaint; why did he have my number?"
    lodged = await api.post(
        "/v1/privacy/grievances", json={"tracking_id": tracking_id, "token": token, "text": text}
    )
    assert lodged.status_code == 201, lodged.text
    reference = lodged.json()["reference"]
    row = await PrivacyGrievance.select().where(PrivacyGrievance.reference == reference).first()
    assert text not in str(row) and row["text_sealed"].startswith("v1.")
    days = notice["grievance_response_days"]
    assert row["due_at"] <= datetime.now(UTC) + timedelta(days=days, minutes=1)
    assert "privacy.grievance_lodged" in await _actions(reference)


async def test_an_official_acts_in_person_and_it_is_audited(api, api_keys):
    phone = _phone()
    tracking_id, _ = await _file(api, api_keys, name="Kala P", phone=phone)
    body = {"tracking_id": tracking_id, "action": "access",
            "verified_how": "Aadhaar card seen at the ward office"}  # fmt: skip
    for role in ("citizen-app", "supervisor", "auditor"):
        refused = await api.post("/v1/privacy/in-person", json=body, headers=auth(api_keys[role]))
        assert refused.status_code == 403, role
    seen = await api.post("/v1/privacy/in-person", json=body, headers=auth(api_keys["official"]))
    assert seen.status_code == 200 and seen.json()["filings"][0]["name"] == "Kala P"
    entries = await AuditEntry.select(AuditEntry.actor).where(
        (AuditEntry.subject == tracking_id) & (AuditEntry.action == "personal_data.access")
    )
    assert any("in person: Aadhaar card seen" in e["actor"] for e in entries)


async def test_one_tap_on_the_tracking_page_withdraws_consent(api):
    """A phone number written into a web filing is kept sealed; the filer's tap on /track
    withdraws consent, and the data is marked for tonight's erasure."""
    import re

    from citizen_helpers import device_secret, report_form, report_item

    spot = in_malleshwaram()
    item = report_item((*spot, "65"), description="Garbage heap here, call 98450 12121 please")
    body = {"device": device_secret(), "sent_at": datetime.now(UTC).isoformat(),
            "complaints": [item]}  # fmt: skip
    sent = await api.post("/report/send", json=body, headers=await report_form(api))
    [result] = sent.json()["results"]
    tracking_id, token = result["tracking_id"], result["token"]
    [case] = await _reporters_of(tracking_id)  # the page reads the recorded case
    page = await api.get(f"/track/{tracking_id}")
    assert 'action="/track/' in page.text and "/forget" in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    forged = await api.post(f"/track/{tracking_id}/forget", data={"csrf": csrf, "token": "B" * 26})
    assert forged.status_code == 403
    done = await api.post(f"/track/{tracking_id}/forget", data={"csrf": csrf, "token": token})
    assert done.status_code == 303, done.text
    row = (
        await Reporter.select(Reporter.consent_withdrawn_at, Reporter.description_sealed)
        .where(Reporter.id == case["reporter"])
        .first()
    )
    assert row and row["consent_withdrawn_at"] is not None and row["description_sealed"]


async def _reporters_of(tracking_id: str) -> list[dict]:
    from records.tables import Complaint

    for _ in range(50):
        rows = await Complaint.select(Complaint.reporter).where(
            Complaint.tracking_id == tracking_id
        )
        if rows:
            return rows
        import asyncio

        await asyncio.sleep(0.1)
    return []


async def test_erasure_deletes_the_photo_original_and_keeps_the_public_copy(
    api, api_keys, settings
):
    import asyncio

    from botocore.exceptions import ClientError
    from helpers import photo

    from storage import s3 as s3_storage

    spot = in_malleshwaram()
    key = api_keys["citizen-app"]
    picture = photo(gps=spot, taken="2026:12:03 10:00:00", size=64)
    uploaded = await api.post("/v1/complaints/uploads", headers=auth(key),
                              files=[("photo", ("p.jpg", picture, "image/jpeg"))])  # fmt: skip
    assert uploaded.status_code == 201, uploaded.text
    [attachment] = uploaded.json()["attachments"]
    body = pothole(*spot, photos=[attachment["key"]],
                   reporter={"phone": _phone(), "notice_version": "2026-12-v1"})  # fmt: skip
    filed = await api.post("/v1/complaints", json=body, headers=auth(key))
    tracking_id, token = filed.json()["tracking_id"], filed.json()["citizen_token"]
    case = await wait_for_status(api, tracking_id, auth(key), "NOTICE_ISSUED")
    [public] = case["intake"]["photos"]
    s3 = s3_storage.client(settings)
    head = await asyncio.to_thread(s3.head_object, Bucket=settings.s3_bucket, Key=attachment["key"])
    assert head["ContentLength"] > 0
    erased = await api.post("/v1/privacy/erase", json={"tracking_id": tracking_id, "token": token})
    assert erased.json()["erased"] is True
    try:
        await asyncio.to_thread(s3.head_object, Bucket=settings.s3_bucket, Key=attachment["key"])
        raise AssertionError("the original with its EXIF is still in S3")
    except ClientError as exc:
        assert exc.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound")
    shown = await api.get(public.replace(settings.public_url, ""))
    assert shown.status_code == 200  # the public copy (no EXIF) stays with the public record


async def test_officials_list_read_for_a_purpose_and_answer_grievances_once(api, api_keys):
    tracking_id, token = await _file(api, api_keys, phone=_phone())
    text = "Please tell me who read my number, and why it was needed at all."
    lodged = await api.post(
        "/v1/privacy/grievances", json={"tracking_id": tracking_id, "token": token, "text": text}
    )
    reference = lodged.json()["reference"]
    official = auth(api_keys["official"])
    assert (
        await api.get("/v1/privacy/grievances", headers=auth(api_keys["auditor"]))
    ).status_code == 403
    listed = (await api.get("/v1/privacy/grievances", headers=official)).json()["grievances"]
    mine = next(g for g in listed if g["reference"] == reference)
    assert mine["status"] == "open" and mine["overdue"] is False and "text" not in mine
    bare = (await api.get(f"/v1/privacy/grievances/{reference}", headers=official)).json()
    assert "text" not in bare
    read = await api.get(
        f"/v1/privacy/grievances/{reference}", params={"purpose": "to answer it"}, headers=official
    )
    assert read.json()["text"] == text
    answer = {"answer": "Only the ward engineer read it, to find the spot; call 98450 11111."}
    done = await api.post(
        f"/v1/privacy/grievances/{reference}/answer", json=answer, headers=official
    )
    assert done.status_code == 200 and done.json()["late"] is False
    again = await api.post(
        f"/v1/privacy/grievances/{reference}/answer", json=answer, headers=official
    )
    assert again.status_code == 409
    row = await PrivacyGrievance.select().where(PrivacyGrievance.reference == reference).first()
    assert "98450 11111" not in row["answer"] and row["status"] == "answered"
    missing = await api.get("/v1/privacy/grievances/PG-NOPE", headers=official)
    assert missing.status_code == 404 and "reference" in missing.text
    bad = await api.get("/v1/privacy/grievances", params={"status": "x"}, headers=official)
    assert bad.status_code == 400 and "status" in bad.text


async def test_messages_may_go_only_to_filers_who_gave_a_number_and_did_not_withdraw(api, api_keys):
    phone = _phone()
    tracking_id, token = await _file(api, api_keys, phone=phone, purposes=["case_updates"])
    [key_id] = await vault.keys_of(phone, None)
    reporter = (await Reporter.select(Reporter.id).where(Reporter.citizen_key == key_id))[0]["id"]
    assert await vault.may_message(reporter) is True
    assert await vault.may_message(reporter, "site_visit") is False  # not a purpose told of
    await api.post("/v1/privacy/withdraw", json={"tracking_id": tracking_id, "token": token})
    assert await vault.may_message(reporter) is False
    assert await vault.may_message(None) is False


async def test_someone_who_files_with_another_citizens_number_reaches_only_their_own_filing(
    api, api_keys
):
    phone = _phone()
    victim, victims_token = await _file(api, api_keys, name="Lakshmi N", phone=phone,
                                        email="lakshmi.n@example.in")  # fmt: skip
    stranger, strangers_token = await _file(api, api_keys, name="Anyone", phone=phone)
    seen = await api.post(
        "/v1/privacy/access", json={"tracking_id": stranger, "token": strangers_token}
    )
    assert seen.status_code == 200
    assert "Lakshmi" not in seen.text and "lakshmi.n@example.in" not in seen.text
    assert [c["tracking_id"] for c in seen.json()["cases"]] == [stranger]
    erased = await api.post(
        "/v1/privacy/erase", json={"tracking_id": stranger, "token": strangers_token}
    )
    assert erased.json()["erased"] is True
    still = await api.post(
        "/v1/privacy/access", json={"tracking_id": victim, "token": victims_token}
    )
    assert still.json()["filings"][0]["name"] == "Lakshmi N"  # the victim's data is untouched


async def test_a_city_that_keeps_its_records_says_so_on_the_tracking_page(api, api_keys):
    from domain.sla import PolicyBook

    tracking_id, _ = await _file(api, api_keys, phone=_phone())
    await wait_for_status(api, tracking_id, auth(api_keys["citizen-app"]), "NOTICE_ISSUED")
    erasing = await api.get(f"/track/{tracking_id}?done=forget")
    assert (
        "erased tonight" in erasing.text and "Withdraw consent and erase my details" in erasing.text
    )
    before = api.app.state.policy
    api.app.state.policy = PolicyBook({"cities": {"bengaluru": {"privacy": {"erasure": False}}}})
    try:
        kept = await api.get(f"/track/{tracking_id}?done=forget")
        assert "stay encrypted in the city" in kept.text
        assert "erase my details" not in kept.text and "s.17(4)" in kept.text
        refused = await api.post("/v1/privacy/erase", json={"tracking_id": tracking_id,
                                                             "token": "X" * 26})  # fmt: skip
        assert refused.status_code == 409 and "17(4)" in refused.text
    finally:
        api.app.state.policy = before
