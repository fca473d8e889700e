"""Supervisors upload proof photos; verify_proof accepts real, fresh, on-site photos only."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import os
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError
from helpers import MALLESHWARAM, photo
from temporalio.testing import ActivityEnvironment

from activities.photos import sniff_type
from activities.proofs import ProofActivities
from devstack.services import free_port
from domain.ids import new_tracking_id
from domain.proof import ProofPhotoRef, ProofVerdict, VerifyProofInput, proof_prefix
from records.tables import Official, ProofPhoto
from storage import s3 as s3_storage
from storage.proofs import presign_upload

ASSIGNED_AT = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)  # 08:30 in India
ON_SITE = (13.0036, 77.5710)  # about 15 m from the complaint
ELSEWHERE = (12.9716, 77.5946)  # MG Road, about 4 km away
MINIMAL_HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"


@pytest.fixture
async def s3(settings, database) -> BaseClient:  # type: ignore[no-untyped-def]
    """A client for the test run's rclone S3 server (the bucket exists after bootstrap)."""
    return s3_storage.client(settings)


@pytest.fixture
def acts(s3, settings) -> ProofActivities:  # type: ignore[no-untyped-def]
    """The proof activities over the real S3 bucket."""
    return ProofActivities(s3, settings.s3_bucket)


@pytest.fixture
async def official_id(database) -> int:  # type: ignore[no-untyped-def]
    """A ward supervisor from the demo roster."""
    official = await Official.objects().where(Official.level == 0).first()
    return official.id


async def upload(
    s3: BaseClient, bucket: str, key: str, body: bytes, content_type: str = "image/jpeg"
) -> str:
    """Put an object as a client would, and return its key."""
    await asyncio.to_thread(
        s3.put_object, Bucket=bucket, Key=key, Body=body, ContentType=content_type
    )
    return key


async def verify(
    acts: ProofActivities, tracking_id: str, official_id: int, **keys: str
) -> ProofVerdict:
    """Run verify_proof as the worker would, for photos given by role: after=..., before=..."""
    data = VerifyProofInput(
        tracking_id=tracking_id,
        photos=[ProofPhotoRef(role=role, key=key) for role, key in keys.items()],
        latitude=MALLESHWARAM[0],
        longitude=MALLESHWARAM[1],
        assigned_at=ASSIGNED_AT,
        official_id=official_id,
    )
    return await ActivityEnvironment().run(acts.verify_proof, data)


async def recorded(sha256: str) -> list[dict[str, Any]]:
    """ProofPhoto rows with this hash."""
    return await ProofPhoto.select().where(ProofPhoto.sha256 == sha256)


async def test_jpeg_taken_on_site_after_assignment_is_accepted_without_warnings(
    acts, s3, settings, official_id
):
    case = new_tracking_id("BLR")
    body = photo(gps=ON_SITE, taken="2026:11:20 10:00:00")
    key = await upload(s3, settings.s3_bucket, f"{proof_prefix(case)}after-1.jpg", body)

    verdict = await verify(acts, case, official_id, after=key)

    assert verdict.accepted, verdict
    [checked] = verdict.photos
    assert checked.role == "after" and checked.key == key
    assert checked.sha256 == hashlib.sha256(body).hexdigest()
    assert checked.content_type == "image/jpeg" and checked.size_bytes == len(body)
    assert checked.taken_at == datetime(2026, 11, 20, 4, 30, tzinfo=UTC)  # 10:00 in India
    assert checked.gps_latitude == pytest.approx(ON_SITE[0], abs=1e-6)
    assert checked.gps_longitude == pytest.approx(ON_SITE[1], abs=1e-6)
    assert checked.distance_m is not None and 5 < checked.distance_m < 30
    assert checked.flags == []
    [row] = await recorded(checked.sha256)
    assert (row["tracking_id"], row["s3_key"], row["role"]) == (case, key, "after")
    assert row["official"] == official_id and row["content_type"] == "image/jpeg"


async def test_photo_taken_far_away_before_assignment_is_accepted_with_warnings(
    acts, s3, settings, official_id
):
    case = new_tracking_id("BLR")
    body = photo(gps=ELSEWHERE, taken="2026:11:19 18:00:00")
    key = await upload(s3, settings.s3_bucket, f"{proof_prefix(case)}after-1.jpg", body)

    verdict = await verify(acts, case, official_id, after=key)

    assert verdict.accepted, verdict
    [checked] = verdict.photos
    assert checked.flags == ["gps_far", "taken_before_assignment"]
    assert checked.distance_m is not None and 3_500 < checked.distance_m < 5_000


async def test_exif_time_is_india_time_unless_the_photo_states_its_offset(
    acts, s3, settings, official_id
):
    case = new_tracking_id("BLR")
    prefix = proof_prefix(case)
    # 08:00 in India is 02:30 UTC, before the assignment at 03:00 UTC; 08:00 UTC is after it.
    india = photo(gps=ON_SITE, taken="2026:11:20 08:00:00")
    utc = photo(gps=ON_SITE, taken="2026:11:20 08:00:00", offset="+00:00")
    after = await upload(s3, settings.s3_bucket, f"{prefix}after-1.jpg", utc)
    before = await upload(s3, settings.s3_bucket, f"{prefix}before-1.jpg", india)

    verdict = await verify(acts, case, official_id, after=after, before=before)

    assert verdict.accepted, verdict
    by_role = {p.role: p for p in verdict.photos}
    assert by_role["after"].taken_at == datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    assert by_role["after"].flags == []
    assert by_role["before"].taken_at == datetime(2026, 11, 20, 2, 30, tzinfo=UTC)
    assert by_role["before"].flags == ["taken_before_assignment"]


async def test_png_and_webp_photos_are_accepted_and_a_photo_without_exif_is_flagged(
    acts, s3, settings, official_id
):
    case = new_tracking_id("BLR")
    prefix = proof_prefix(case)
    webp = photo("WEBP", gps=ON_SITE, taken="2026:11:20 10:00:00")
    png = photo("PNG")  # no EXIF at all
    after = await upload(s3, settings.s3_bucket, f"{prefix}after-1.webp", webp, "image/webp")
    before = await upload(s3, settings.s3_bucket, f"{prefix}before-1.png", png, "image/png")

    verdict = await verify(acts, case, official_id, after=after, before=before)

    assert verdict.accepted, verdict
    by_role = {p.role: p for p in verdict.photos}
    assert by_role["after"].content_type == "image/webp" and by_role["after"].flags == []
    assert by_role["before"].content_type == "image/png"
    assert by_role["before"].flags == ["no_exif"]
    assert by_role["before"].taken_at is None and by_role["before"].distance_m is None


async def test_photo_with_exif_but_no_location_is_flagged_no_gps(acts, s3, settings, official_id):
    case = new_tracking_id("BLR")
    body = photo(taken="2026:11:20 10:00:00")
    key = await upload(s3, settings.s3_bucket, f"{proof_prefix(case)}after-1.jpg", body)

    verdict = await verify(acts, case, official_id, after=key)

    assert verdict.accepted, verdict
    assert verdict.photos[0].flags == ["no_gps"]


async def test_a_heic_proof_photo_from_a_phone_is_decoded_and_its_exif_read(
    acts, s3, settings, official_id
):
    from pillow_heif import register_heif_opener

    register_heif_opener()
    case = new_tracking_id("BLR")
    body = photo("HEIF", taken="2026:11:20 10:00:00")
    key = await upload(
        s3, settings.s3_bucket, f"{proof_prefix(case)}after-1.heic", body, "image/heic"
    )

    verdict = await verify(acts, case, official_id, after=key)

    assert verdict.accepted, verdict
    assert verdict.photos[0].content_type == "image/heic"
    assert verdict.photos[0].flags == ["no_gps"]  # decoded: its time was read, it has no GPS


async def test_fake_heic_is_rejected_as_corrupt(acts, s3, settings, official_id):
    case = new_tracking_id("BLR")
    body = MINIMAL_HEIC + os.urandom(64)
    key = await upload(
        s3, settings.s3_bucket, f"{proof_prefix(case)}after-1.heic", body, "image/heic"
    )

    verdict = await verify(acts, case, official_id, after=key)

    assert not verdict.accepted
    assert "cannot be read" in (verdict.reason or ""), verdict.reason
    assert "BytesIO" not in (verdict.reason or "")


def test_file_types_are_told_by_their_bytes_not_their_names():
    assert sniff_type(photo("JPEG"))[0] == "image/jpeg"
    assert sniff_type(photo("PNG"))[0] == "image/png"
    assert sniff_type(photo("WEBP"))[0] == "image/webp"
    assert sniff_type(MINIMAL_HEIC)[0] == "image/heic"
    assert sniff_type(b"\x00\x00\x00\x1cftypmif1\x00\x00\x00\x00mif1heic")[0] == "image/heic"
    assert sniff_type(b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf") == (
        None,
        "an AVIF image",
    )
    assert sniff_type(b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2") == (None, "a video")
    assert sniff_type(b"%PDF-1.7\n") == (None, "a PDF")
    assert sniff_type(b"GIF89a\x01\x00") == (None, "a GIF image")
    assert sniff_type(b"<svg xmlns='http://www.w3.org/2000/svg'/>") == (None, "an SVG drawing")
    assert sniff_type(b"job done, trust me\n") == (None, "a text file")
    assert sniff_type(b"\x00\x80\x81\xfe\x12") == (None, "a file of unknown type")


@pytest.mark.parametrize(
    ("body", "found"),
    [
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n", "a PDF, not a photo"),
        (b"Work completed on 20 Nov.\n", "a text file, not a photo"),
    ],
)
async def test_document_uploaded_as_jpeg_is_rejected_as_not_a_photo(
    acts, s3, settings, official_id, body, found
):
    case = new_tracking_id("BLR")
    key = await upload(s3, settings.s3_bucket, f"{proof_prefix(case)}after-1.jpg", body)

    verdict = await verify(acts, case, official_id, after=key)

    assert not verdict.accepted
    assert (verdict.code, verdict.field) == ("wrong_type", "after")
    assert found in (verdict.reason or "")
    assert await ProofPhoto.count().where(ProofPhoto.tracking_id == case) == 0


async def test_truncated_jpeg_is_rejected_as_corrupt(acts, s3, settings, official_id):
    case = new_tracking_id("BLR")
    body = photo(gps=ON_SITE, taken="2026:11:20 10:00:00")
    key = await upload(
        s3, settings.s3_bucket, f"{proof_prefix(case)}after-1.jpg", body[: len(body) // 2]
    )

    verdict = await verify(acts, case, official_id, after=key)

    assert not verdict.accepted
    assert (verdict.code, verdict.field) == ("corrupt", "after")
    assert "cannot be read" in (verdict.reason or "")


async def test_oversized_photo_is_rejected_and_deleted(s3, settings, official_id):
    acts = ProofActivities(s3, settings.s3_bucket, max_bytes=1000)
    case = new_tracking_id("BLR")
    body = photo(size=48)
    assert len(body) > 1000
    key = await upload(s3, settings.s3_bucket, f"{proof_prefix(case)}after-1.jpg", body)

    verdict = await verify(acts, case, official_id, after=key)

    assert not verdict.accepted
    assert (verdict.code, verdict.field) == ("too_large", "after")
    assert "1,000 bytes" in (verdict.reason or "")
    with pytest.raises(ClientError) as gone:
        await asyncio.to_thread(s3.head_object, Bucket=settings.s3_bucket, Key=key)
    assert gone.value.response["Error"]["Code"] in ("404", "NoSuchKey")


async def test_empty_upload_is_rejected(acts, s3, settings, official_id):
    case = new_tracking_id("BLR")
    key = await upload(s3, settings.s3_bucket, f"{proof_prefix(case)}after-1.jpg", b"")

    verdict = await verify(acts, case, official_id, after=key)

    assert (verdict.accepted, verdict.code, verdict.field) == (False, "empty", "after")


async def test_missing_before_photo_is_rejected_naming_the_before_field(
    acts, s3, settings, official_id
):
    case = new_tracking_id("BLR")
    prefix = proof_prefix(case)
    after = await upload(s3, settings.s3_bucket, f"{prefix}after-1.jpg", photo())

    verdict = await verify(acts, case, official_id, after=after, before=f"{prefix}before-1.jpg")

    assert not verdict.accepted
    assert (verdict.code, verdict.field) == ("missing", "before")
    assert "before photo" in (verdict.reason or "")
    assert await ProofPhoto.count().where(ProofPhoto.tracking_id == case) == 0


@pytest.mark.parametrize(
    "where",
    ["another case's folder", "a path that climbs out of the folder", "the bucket root"],
)
async def test_photo_outside_the_case_folder_is_rejected(acts, s3, settings, official_id, where):
    case, other = new_tracking_id("BLR"), new_tracking_id("BLR")
    key = {
        "another case's folder": f"{proof_prefix(other)}after-1.jpg",
        "a path that climbs out of the folder": f"{proof_prefix(case)}../{other}/after-1.jpg",
        "the bucket root": f"after-{other}.jpg",
    }[where]
    if ".." not in key:
        await upload(s3, settings.s3_bucket, key, photo())

    verdict = await verify(acts, case, official_id, after=key)

    assert not verdict.accepted
    assert (verdict.code, verdict.field) == ("outside_prefix", "after")
    assert proof_prefix(case) in (verdict.reason or "")


async def test_photo_reused_from_another_case_is_rejected(acts, s3, settings, official_id):
    first, second = new_tracking_id("BLR"), new_tracking_id("BLR")
    body = photo(gps=ON_SITE, taken="2026:11:20 10:00:00")
    key1 = await upload(s3, settings.s3_bucket, f"{proof_prefix(first)}after-1.jpg", body)
    key2 = await upload(s3, settings.s3_bucket, f"{proof_prefix(second)}after-1.jpg", body)
    assert (await verify(acts, first, official_id, after=key1)).accepted

    verdict = await verify(acts, second, official_id, after=key2)

    assert not verdict.accepted
    assert (verdict.code, verdict.field) == ("reused", "after")
    assert first in (verdict.reason or "")
    [row] = await recorded(hashlib.sha256(body).hexdigest())
    assert row["tracking_id"] == first


async def test_same_photo_resubmitted_under_a_new_key_of_the_same_case_is_rejected(
    acts, s3, settings, official_id
):
    case = new_tracking_id("BLR")
    body = photo()
    key1 = await upload(s3, settings.s3_bucket, f"{proof_prefix(case)}after-1.jpg", body)
    key2 = await upload(s3, settings.s3_bucket, f"{proof_prefix(case)}after-2.jpg", body)
    assert (await verify(acts, case, official_id, after=key1)).accepted

    verdict = await verify(acts, case, official_id, after=key2)

    assert (verdict.accepted, verdict.code) == (False, "reused")
    assert "already submitted for this case" in (verdict.reason or "")


async def test_retried_verification_is_accepted_again_and_records_each_photo_once(
    acts, s3, settings, official_id
):
    case = new_tracking_id("BLR")
    prefix = proof_prefix(case)
    after = await upload(s3, settings.s3_bucket, f"{prefix}after-1.jpg", photo(gps=ON_SITE))
    before = await upload(s3, settings.s3_bucket, f"{prefix}before-1.jpg", photo(gps=ON_SITE))

    first = await verify(acts, case, official_id, after=after, before=before)
    retry = await verify(acts, case, official_id, after=after, before=before)

    assert first.accepted and retry.accepted, (first, retry)
    assert retry == first
    for checked in first.photos:
        assert len(await recorded(checked.sha256)) == 1
    assert await ProofPhoto.count().where(ProofPhoto.tracking_id == case) == 2


async def test_same_photo_as_before_and_after_is_rejected(acts, s3, settings, official_id):
    case = new_tracking_id("BLR")
    prefix = proof_prefix(case)
    body = photo(gps=ON_SITE)
    after = await upload(s3, settings.s3_bucket, f"{prefix}after-1.jpg", body)
    before = await upload(s3, settings.s3_bucket, f"{prefix}before-1.jpg", body)

    verdict = await verify(acts, case, official_id, after=after, before=before)

    assert not verdict.accepted
    assert (verdict.code, verdict.field) == ("same_photo", "before")
    assert await ProofPhoto.count().where(ProofPhoto.tracking_id == case) == 0


async def test_two_cases_racing_with_one_photo_only_one_is_accepted(
    acts, s3, settings, official_id
):
    cases = [new_tracking_id("BLR") for _ in range(2)]
    body = photo(gps=ON_SITE)
    keys = [
        await upload(s3, settings.s3_bucket, f"{proof_prefix(case)}after-1.jpg", body)
        for case in cases
    ]

    verdicts = await asyncio.gather(
        *(verify(acts, case, official_id, after=key) for case, key in zip(cases, keys, strict=True))
    )

    assert sorted(v.accepted for v in verdicts) == [False, True]
    [rejected] = [v for v in verdicts if not v.accepted]
    assert rejected.code == "reused"
    [row] = await recorded(hashlib.sha256(body).hexdigest())
    winner = cases[[v.accepted for v in verdicts].index(True)]
    assert row["tracking_id"] == winner and winner in (rejected.reason or "")


async def test_s3_outage_raises_for_a_retry_instead_of_rejecting_the_proof(settings, official_id):
    down = dataclasses.replace(settings, s3_endpoint_url=f"http://127.0.0.1:{free_port()}")
    acts = ProofActivities(s3_storage.client(down), settings.s3_bucket)
    case = new_tracking_id("BLR")

    with pytest.raises(Exception) as raised:
        await verify(acts, case, official_id, after=f"{proof_prefix(case)}after-1.jpg")

    assert "connect" in str(raised.value).lower()


async def test_presigned_upload_accepts_the_signed_content_type_and_verifies(
    acts, s3, settings, official_id
):
    case = new_tracking_id("BLR")
    public = s3_storage.client(settings, public=True)
    slot = presign_upload(public, settings.s3_bucket, case, "after", "image/jpeg")
    assert slot.key.startswith(f"{proof_prefix(case)}after-") and slot.key.endswith(".jpg")
    assert (slot.method, slot.headers) == ("PUT", {"Content-Type": "image/jpeg"})
    assert slot.expires_at > datetime.now(UTC)
    body = photo(gps=ON_SITE, taken="2026:11:20 10:00:00")

    async with httpx.AsyncClient() as http:
        resp = await http.request(slot.method, slot.url, content=body, headers=slot.headers)

    assert resp.status_code == 200, resp.text
    verdict = await verify(acts, case, official_id, after=slot.key)
    assert verdict.accepted and verdict.photos[0].flags == [], verdict


@pytest.mark.parametrize("content_type", ["application/pdf", None])
async def test_presigned_upload_refuses_another_content_type(s3, settings, content_type):
    case = new_tracking_id("BLR")
    public = s3_storage.client(settings, public=True)
    slot = presign_upload(public, settings.s3_bucket, case, "after", "image/jpeg")
    headers = {"Content-Type": content_type} if content_type else {}

    async with httpx.AsyncClient() as http:
        resp = await http.put(slot.url, content=b"%PDF-1.7\n", headers=headers)

    assert resp.status_code == 403, resp.text
    with pytest.raises(ClientError):
        await asyncio.to_thread(s3.head_object, Bucket=settings.s3_bucket, Key=slot.key)


@pytest.mark.parametrize(
    ("role", "content_type", "field"),
    [("during", "image/jpeg", "role"), ("after", "image/gif", "content_type")],
)
async def test_upload_slot_for_an_unknown_role_or_type_names_the_field(
    settings, role, content_type, field
):
    public = s3_storage.client(settings, public=True)
    with pytest.raises(ValueError, match=f"^{field} must be one of"):
        presign_upload(public, settings.s3_bucket, "BLR-0000000000", role, content_type)
