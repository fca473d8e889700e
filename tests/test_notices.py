"""Supervisors download signed notices; auditors verify them online; retries issue nothing twice."""

from __future__ import annotations

import hashlib
import io
import uuid

import httpx
import pypdfium2 as pdfium
import pytest
from helpers import (
    MALLESHWARAM,
    auth,
    in_malleshwaram,
    key_of,
    pothole,
    scan_qr,
    wait_for_status,
)
from temporalio.testing import ActivityEnvironment

from activities.notices import NoticeActivities, s3_key_for
from domain.case import Assignment, IssueNoticeInput
from domain.case import Complaint as CaseComplaint
from domain.ids import new_tracking_id
from notices.keys import KeyStore
from records.geography import ZoneDirectory
from records.notices import publish_keys
from records.tables import Notice
from storage import s3 as s3_storage


async def file_and_wait(api, api_keys, **extra) -> tuple[str, dict]:  # type: ignore[no-untyped-def]
    headers = auth(api_keys["citizen-app"])
    body = pothole(
        *in_malleshwaram(), description=f"Pothole {uuid.uuid4().hex[:6]} near the temple"
    )
    body.update(extra)
    resp = await api.post("/v1/complaints", json=body, headers=headers)
    assert resp.status_code == 202, resp.text
    tracking_id = resp.json()["tracking_id"]
    case = await wait_for_status(api, tracking_id, headers, "NOTICE_ISSUED")
    return tracking_id, case


def qr_of(pdf: bytes) -> str:
    codes = scan_qr(pdf)
    assert len(codes) == 1, f"exactly one QR code on the notice: {codes}"
    return codes[0]


async def test_assigned_pothole_gets_a_signed_kannada_notice_its_supervisor_can_download(
    api, api_keys, settings
):
    tracking_id, case = await file_and_wait(api, api_keys, address="15th Cross, Malleshwaram")
    supervisor = auth(await key_of(case["assignee"]["id"]))
    notice_id = f"{tracking_id}-ASG0"
    # Another ward's supervisor may not read it: a supervisor sees only its own cases.
    other = auth(api_keys["supervisor"])
    assert (await api.get(f"/v1/notices/{notice_id}", headers=other)).status_code == 403
    assert (
        await api.get(f"/v1/complaints/{tracking_id}/notices", headers=other)
    ).status_code == 403
    assert [n["notice_id"] for n in case["notices"]] == [notice_id]
    assert case["events"][-1]["kind"] == "notice_issued"
    assert case["events"][-1]["detail"]["notice"] == notice_id

    listed = await api.get(f"/v1/complaints/{tracking_id}/notices", headers=supervisor)
    assert listed.status_code == 200, listed.text
    [entry] = listed.json()
    assert (entry["notice_id"], entry["kind"], entry["level"]) == (notice_id, "assignment", 0)

    meta = (await api.get(f"/v1/notices/{notice_id}", headers=supervisor)).json()
    assert meta["s3_key"] == f"notices/{tracking_id}/{notice_id}.pdf"
    assert meta["payload"]["language"] == "kn"
    assert meta["payload"]["assignee_id"] == case["assignee"]["id"]
    assert meta["payload"]["ward_name"] == "Kadu Malleshwar Ward"
    # The presigned link works against the real S3 server, without an API key.
    async with httpx.AsyncClient() as plain:
        download = await plain.get(meta["download_url"])
    assert download.status_code == 200
    pdf = download.content
    streamed = await api.get(f"/v1/notices/{notice_id}.pdf", headers=supervisor)
    assert streamed.status_code == 200
    assert streamed.headers["content-type"] == "application/pdf"
    assert streamed.content == pdf
    assert hashlib.sha256(pdf).hexdigest() == meta["pdf_sha256"]

    text = pdfium.PdfDocument(pdf)[0].get_textpage().get_text_range()
    for expected in (tracking_id, notice_id, "Kadu Malleshwar", case["assignee"]["name"], "IST"):
        assert expected in text
    assert qr_of(pdf) == meta["qr_text"]
    assert meta["qr_text"].startswith(f"{settings.public_url}/v1/notices/verify?qr=CVN1.")

    row = await Notice.objects().get(Notice.notice_id == notice_id)
    assert (row.kind, row.level, row.key_id) == ("assignment", 0, meta["key_id"])


async def test_auditor_verifies_a_notice_online_by_pdf_by_scanned_qr_and_by_link(api, api_keys):
    tracking_id, _ = await file_and_wait(api, api_keys)
    notice_id = f"{tracking_id}-ASG0"
    pdf = (await api.get(f"/v1/notices/{notice_id}.pdf", headers=auth(api_keys["auditor"]))).content
    scanned = qr_of(pdf)

    # No API key needed: anyone holding a notice may check it.
    by_pdf = await api.post(
        "/v1/notices/verify", files={"file": ("notice.pdf", pdf, "application/pdf")}
    )
    assert by_pdf.status_code == 200, by_pdf.text
    verdict = by_pdf.json()
    assert verdict["valid"] is True and verdict["reason"] is None
    assert verdict["message"].startswith("valid, signed by key k")
    assert f"for complaint {tracking_id}" in verdict["message"]
    assert verdict["checked"][-1] == "record"

    raw = await api.post(
        "/v1/notices/verify", content=pdf, headers={"Content-Type": "application/pdf"}
    )
    assert raw.json()["message"] == verdict["message"]

    by_qr = await api.post("/v1/notices/verify", json={"qr": scanned})
    assert by_qr.status_code == 200 and by_qr.json()["valid"] is True
    assert by_qr.json()["message"] == verdict["message"]  # the date comes from the record

    # The phone that scanned the QR opens its URL: the verify link answers the same.
    assert scanned.startswith(f"{api.app.state.settings.public_url}/v1/notices/verify?qr=")  # type: ignore[attr-defined]
    followed = await api.get("/v1/notices/verify", params={"qr": scanned.split("qr=", 1)[1]})
    assert followed.status_code == 200 and followed.json()["valid"] is True

    both = await api.post(
        "/v1/notices/verify",
        files={"file": ("notice.pdf", pdf, "application/pdf")},
        data={"qr": scanned},
    )
    assert both.json()["valid"] is True and both.json()["source"] == "pdf+qr"


async def test_tampered_or_replayed_notices_are_invalid_online_with_the_reason(api, api_keys):
    first, _ = await file_and_wait(api, api_keys)
    second, _ = await file_and_wait(api, api_keys)
    headers = auth(api_keys["auditor"])
    pdf1 = (await api.get(f"/v1/notices/{first}-ASG0.pdf", headers=headers)).content
    pdf2 = (await api.get(f"/v1/notices/{second}-ASG0.pdf", headers=headers)).content

    async def verdict(**kwargs) -> dict:  # type: ignore[no-untyped-def]
        resp = await api.post("/v1/notices/verify", **kwargs)
        assert resp.status_code == 200, resp.text
        return resp.json()

    changed = pdf1[:3000] + bytes([pdf1[3000] ^ 1]) + pdf1[3001:]
    result = await verdict(files={"file": ("n.pdf", changed, "application/pdf")})
    assert (result["valid"], result["reason"]) == (False, "content_altered")

    renamed = pdf1.replace(b'"ward_name":"Kadu', b'"ward_name":"Kadv')
    result = await verdict(files={"file": ("n.pdf", renamed, "application/pdf")})
    assert (result["valid"], result["reason"]) == (False, "content_altered")

    replay = await verdict(
        files={"file": ("n.pdf", pdf2, "application/pdf")}, data={"qr": qr_of(pdf1)}
    )
    assert (replay["valid"], replay["reason"]) == (False, "payload_mismatch")

    qr = qr_of(pdf1).split("qr=", 1)[1]
    parts = qr.split(".")
    forged_sig = ".".join(
        [*parts[:4], parts[4][:5] + ("A" if parts[4][5] != "A" else "B") + parts[4][6:]]
    )
    result = await verdict(json={"qr": forged_sig})
    assert (result["valid"], result["reason"]) == (False, "bad_signature")

    # A genuine signature over a notice number CivicOps never issued: signed with the real key
    # (as a stolen key would), but there is no record of it.
    settings = api.app.state.settings  # type: ignore[attr-defined]
    store = KeyStore.from_settings(settings)
    from helpers import notice_content

    from notices.sealing import seal_notice

    kid, key = store.signing_key()
    ghost = seal_notice(
        notice_content(kid, tracking_id=new_tracking_id("BLR")), key, settings.public_url
    )
    result = await verdict(files={"file": ("n.pdf", ghost.pdf, "application/pdf")})
    assert (result["valid"], result["reason"]) == (False, "notice_not_found")
    # ...and one that reuses a real notice number with other content.
    twin = seal_notice(notice_content(kid, tracking_id=first), key, settings.public_url)
    result = await verdict(files={"file": ("n.pdf", twin.pdf, "application/pdf")})
    assert (result["valid"], result["reason"]) == (False, "payload_mismatch")


async def test_revoked_key_makes_its_notices_invalid_and_jwks_says_so(api, api_keys):
    tracking_id, _ = await file_and_wait(api, api_keys)
    settings = api.app.state.settings  # type: ignore[attr-defined]
    keys = (await api.get("/v1/keys")).json()["keys"]
    active = [k for k in keys if k["status"] == "active"]
    assert len(active) == 1 and active[0]["kty"] == "OKP" and active[0]["crv"] == "Ed25519"
    assert all("d" not in k for k in keys)
    pdf = (
        await api.get(f"/v1/notices/{tracking_id}-ASG0.pdf", headers=auth(api_keys["auditor"]))
    ).content
    store = KeyStore.from_settings(settings)
    kid = store.signing_key()[0]
    replacement = store.revoke(kid, "key file leaked in a test")
    try:
        await publish_keys(store)
        api.app.state.keyring._expires = 0  # type: ignore[attr-defined]  # skip the 5 s cache
        result = (
            await api.post("/v1/notices/verify", files={"file": ("n.pdf", pdf, "application/pdf")})
        ).json()
        assert (result["valid"], result["reason"]) == (False, "revoked_key")
        statuses = {k["kid"]: k["status"] for k in (await api.get("/v1/keys")).json()["keys"]}
        assert statuses[kid] == "revoked" and statuses[replacement] == "active"
        # New notices are signed with the replacement key.
        later, _ = await file_and_wait(api, api_keys)
        meta = (
            await api.get(f"/v1/notices/{later}-ASG0", headers=auth(api_keys["auditor"]))
        ).json()
        assert meta["key_id"] == replacement
    finally:
        api.app.state.keyring._expires = 0  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("kwargs", "status", "field"),
    [
        ({"files": {"file": ("n.pdf", b"%PDF-1.4 truncated", "application/pdf")}}, 400, "file"),
        ({"files": {"file": ("n.txt", b"hello world", "text/plain")}}, 400, "file"),
        ({"json": {"qr": "CVN1.BLR-7K3M9QX2AB-ASG0.k1.%%%%.AAAA"}}, 400, "qr"),
        ({"json": {"qr": 42}}, 400, "qr"),
        ({"json": {"qr": "x", "extra": 1}}, 400, "extra"),
        ({"content": b"qr=abc", "headers": {"Content-Type": "text/plain"}}, 415, "Content-Type"),
        ({"content": b"", "headers": {"Content-Type": "application/pdf"}}, 400, "file"),
        ({"content": b"{not json", "headers": {"Content-Type": "application/json"}}, 400, "body"),
        ({"files": {"other": ("n.pdf", b"%PDF-", "application/pdf")}}, 400, "file"),
    ],
)
async def test_verify_refuses_bad_input_with_a_4xx_naming_the_field(api, kwargs, status, field):
    resp = await api.post("/v1/notices/verify", **kwargs)
    assert resp.status_code == status, resp.text
    assert resp.json()["field"] == field


async def test_unsigned_and_oversized_pdfs_are_refused(api):
    buf = io.BytesIO()
    from reportlab.pdfgen import canvas

    page = canvas.Canvas(buf)
    page.drawString(72, 720, "Not a notice")
    page.save()
    resp = await api.post(
        "/v1/notices/verify", files={"file": ("n.pdf", buf.getvalue(), "application/pdf")}
    )
    assert resp.status_code == 422 and resp.json()["field"] == "file"
    assert "no CivicOps notice signature" in resp.json()["detail"]

    big = b"%PDF-1.7\n" + b"0" * (10 * 1024 * 1024 + 1)
    resp = await api.post(
        "/v1/notices/verify", content=big, headers={"Content-Type": "application/pdf"}
    )
    assert resp.status_code == 413 and resp.json()["field"] == "file"


async def test_unknown_or_malformed_notice_numbers_are_404_or_400(api, api_keys):
    headers = auth(api_keys["auditor"])
    assert (await api.get("/v1/notices/BLR-7K3M9QX2AB-ASG0", headers=headers)).status_code == 404
    assert (
        await api.get("/v1/notices/BLR-7K3M9QX2AB-ASG0.pdf", headers=headers)
    ).status_code == 404
    bad = await api.get("/v1/notices/not-a-notice", headers=headers)
    assert bad.status_code == 400 and bad.json()["field"] == "notice_id"
    assert (await api.get("/v1/notices/BLR-7K3M9QX2AB-ASG0")).status_code == 401


def _issue_input(tracking_id: str) -> IssueNoticeInput:
    from datetime import UTC, datetime, timedelta

    filed = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)
    complaint = CaseComplaint(
        tracking_id=tracking_id,
        city="bengaluru",
        category="garbage_not_collected",
        description="ಕಸ ಮೂರು ದಿನಗಳಿಂದ ಸಂಗ್ರಹಿಸಿಲ್ಲ — garbage not collected for three days",
        latitude=MALLESHWARAM[0],
        longitude=MALLESHWARAM[1],
        language="kn",
        filed_at=filed,
        source="test",
    )
    assignment = Assignment(
        "65", "Kadu Malleshwar Ward", "West", 1, "Test Supervisor",
        "Ward Supervisor (Junior Engineer)", 0, "inside",
    )  # fmt: skip
    return IssueNoticeInput(
        kind="assignment",
        level=0,
        issued_at=filed + timedelta(seconds=2),
        complaint=complaint,
        priority=3,
        assignment=assignment,
        sla_due_at=filed + timedelta(hours=24),
    )


def notice_activities(settings, folder):  # type: ignore[no-untyped-def]
    """The notice activity wired to a key store of its own, this run's S3 server and database.

    Its own keys: these tests rotate them, which must not leave the session's workers signing
    with a key that was never published.
    """
    store = KeyStore(folder)
    store.ensure()
    s3 = s3_storage.client(settings)
    activities = NoticeActivities(
        ZoneDirectory(nearest_max_m=250), store, s3, settings.s3_bucket, settings.public_url
    )
    return store, s3, activities


async def test_a_retried_issue_notice_returns_the_same_notice_and_stores_nothing_new(
    settings, database, tmp_path
):
    store, s3, activities = notice_activities(settings, tmp_path / "keys")
    env = ActivityEnvironment()
    data = _issue_input(new_tracking_id("BLR"))
    first = await env.run(activities.issue_notice, data)
    again = await env.run(activities.issue_notice, data)
    assert again == first
    assert await Notice.count().where(Notice.notice_id == first.notice_id) == 1
    key = s3_key_for(data.complaint.tracking_id, first.notice_id)
    assert first.s3_key == key
    listing = s3.list_objects_v2(
        Bucket=settings.s3_bucket, Prefix=f"notices/{data.complaint.tracking_id}/"
    )
    assert [o["Key"] for o in listing["Contents"]] == [key]
    stored = s3.get_object(Bucket=settings.s3_bucket, Key=key)["Body"].read()

    # The worker died after the record was written but the object was lost: the retry
    # re-renders the same bytes (rendering is deterministic) and puts them back.
    s3.delete_object(Bucket=settings.s3_bucket, Key=key)
    await publish_keys(store)
    store.rotate()  # even after a rotation the notice keeps its original key
    restored = await env.run(activities.issue_notice, data)
    assert restored == first
    assert s3.get_object(Bucket=settings.s3_bucket, Key=key)["Body"].read() == stored


async def test_a_late_attempt_signed_with_a_newer_key_cannot_replace_the_recorded_notice(
    settings, database, tmp_path
):
    store, s3, activities = notice_activities(settings, tmp_path / "keys")
    env = ActivityEnvironment()
    data = _issue_input(new_tracking_id("BLR"))
    first = await env.run(activities.issue_notice, data)
    # A slower attempt of the same activity, started after a key rotation, overwrote the
    # object after the first attempt recorded it.
    store.rotate()
    content = await activities._content(data, first.notice_id)
    assert content.key_id != first.key_id
    await activities._put(first.s3_key, activities._seal(content))
    # Any later run of the activity notices and puts the recorded notice back.
    again = await env.run(activities.issue_notice, data)
    assert again == first
    body = s3.get_object(Bucket=settings.s3_bucket, Key=first.s3_key)["Body"].read()
    assert hashlib.sha256(body).hexdigest() == first.pdf_sha256
