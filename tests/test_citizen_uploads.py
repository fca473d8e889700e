"""Citizens upload photos and a voice note, then file: the checks, the keys, the public copies."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import wave
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from helpers import MALLESHWARAM, auth, fresh_spot, photo, pothole, wait_until
from PIL import Image

pytest.importorskip("activities.audio", reason="activities/audio.py (voice checks) not landed yet")

from api.attachments import check_attachments
from api.errors import FieldError
from domain.case import Attachment
from records.apikeys import Principal, authenticate
from storage import s3 as s3_storage
from storage import uploads

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def wav(seconds: float = 1.0, rate: int = 8000) -> bytes:
    """A plain mono 16-bit WAV of quiet noise, made with the standard library."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(os.urandom(int(seconds * rate) * 2))
    return out.getvalue()


def gps_photo(size: int = 64, orientation: int | None = None) -> bytes:
    """A JPEG with EXIF GPS (Malleshwaram), a camera name and, if asked, an orientation."""
    data = photo(gps=MALLESHWARAM, taken="2026:11:20 09:15:00", size=size)
    if orientation is None:
        return data
    with Image.open(io.BytesIO(data)) as im:
        exif = im.getexif()
        exif[0x0112] = orientation
        out = io.BytesIO()
        im.crop((0, 0, size, size // 2)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


@pytest.fixture
async def app_client(temporal_env, settings, api_keys) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    """The API over ASGI with the real database, Temporal and S3; no worker (no case runs)."""
    from api.app import create_app

    app = create_app(settings, temporal=temporal_env.client)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://civicops.test") as client:
        client.app = app  # type: ignore[attr-defined]
        yield client


async def principal_of(token: str) -> Principal:
    """The principal an API key stands for."""
    principal = await authenticate(token)
    assert principal is not None
    return principal


async def slots(client: httpx.AsyncClient, key: str, files: list[dict[str, Any]]) -> httpx.Response:
    """Ask for presigned PUT slots."""
    return await client.post("/v1/complaints/uploads", json={"files": files}, headers=auth(key))


async def put(slot: dict[str, Any], data: bytes) -> httpx.Response:
    """PUT bytes to a presigned slot, as a phone does."""
    async with httpx.AsyncClient() as s3:
        return await s3.put(slot["url"], content=data, headers=slot["headers"])


async def send_form(
    client: httpx.AsyncClient, key: str, files: list[tuple[str, tuple[str, bytes, str]]]
) -> httpx.Response:
    """A multipart upload of the given (field, (filename, bytes, type)) parts."""
    return await client.post("/v1/complaints/uploads", files=files, headers=auth(key))


def refused(resp: httpx.Response, status: int, field: str) -> str:
    """Assert a refusal's status and field; its message."""
    assert resp.status_code == status, resp.text
    assert resp.json()["field"] == field, resp.text
    return str(resp.json()["detail"])


async def refusal(coro: Any, status: int, field: str) -> str:
    """Assert that checking attachments is refused with this status and field; its message."""
    with pytest.raises(FieldError) as caught:
        await coro
    assert (caught.value.status_code, caught.value.field) == (status, field), caught.value.detail
    return caught.value.message


async def test_presigned_photo_slots_take_exactly_the_announced_bytes_and_pass_filing(
    app_client, api_keys
):
    client, token = app_client, api_keys["citizen-app"]
    first, second = gps_photo(), photo("PNG")
    resp = await slots(
        client,
        token,
        [
            {"kind": "photo", "content_type": "image/jpeg", "size_bytes": len(first)},
            {"kind": "photo", "content_type": "image/png", "size_bytes": len(second)},
        ],
    )
    assert resp.status_code == 201, resp.text
    got = resp.json()["slots"]
    assert [s["method"] for s in got] == ["PUT", "PUT"]
    assert got[0]["headers"] == {"Content-Type": "image/jpeg", "Content-Length": str(len(first))}
    assert got[0]["max_bytes"] == 10 * 1024 * 1024 and got[0]["expires_at"]
    principal = await principal_of(token)
    assert all(uploads.is_own_upload(principal.key_id, s["key"]) for s in got)
    assert principal.key_id not in got[0]["key"]  # the key names no key id
    # The slot is signed with the length and the type: anything else is refused by S3.
    longer = {**got[0], "headers": {"Content-Type": "image/jpeg"}}  # its own, true length
    assert (await put(longer, first + b"more")).status_code == 403
    wrong_type = {**got[1], "headers": {**got[1]["headers"], "Content-Type": "image/jpeg"}}
    assert (await put(wrong_type, second)).status_code == 403
    assert (await put(got[0], first)).status_code == 200
    assert (await put(got[1], second)).status_code == 200
    checked = await check_attachments(client.app.state, principal, [s["key"] for s in got], None)
    assert [(a.kind, a.key, a.content_type, a.size_bytes, a.sha256) for a in checked] == [
        ("photo", got[0]["key"], "image/jpeg", len(first), hashlib.sha256(first).hexdigest()),
        ("photo", got[1]["key"], "image/png", len(second), hashlib.sha256(second).hexdigest()),
    ]
    assert checked[0].public_key == f"media/{checked[0].sha256}.jpg"
    assert checked[1].public_key == f"media/{checked[1].sha256}.png"
    # A retry of the same filing gives the same attachments (the same public copies).
    again = await check_attachments(client.app.state, principal, [s["key"] for s in got], None)
    assert again == checked


async def test_slot_requests_with_a_bad_kind_type_size_or_count_are_refused_naming_the_file(
    app_client, api_keys
):
    client, token = app_client, api_keys["citizen-app"]
    jpeg = {"kind": "photo", "content_type": "image/jpeg", "size_bytes": 1000}
    cases = [
        ([{**jpeg, "kind": "video"}], "files[0].kind"),
        ([jpeg, {**jpeg, "content_type": "application/pdf"}], "files[1].content_type"),
        ([{**jpeg, "content_type": "audio/mpeg"}], "files[0].content_type"),
        ([{**jpeg, "size_bytes": 10 * 1024 * 1024 + 1}], "files[0].size_bytes"),
        ([{**jpeg, "size_bytes": 0}], "files[0].size_bytes"),
        ([{**jpeg, "extra": 1}], "files[0].extra"),
        ([jpeg] * 5, "files[4]"),
        (
            [{"kind": "voice", "content_type": "image/jpeg", "size_bytes": 10}],
            "files[0].content_type",
        ),
    ]
    for files, field in cases:
        resp = await slots(client, token, files)
        refused(resp, 400, field)
    resp = await client.post(
        "/v1/complaints/uploads",
        content=b"x",
        headers={**auth(token), "Content-Type": "text/plain"},
    )
    refused(resp, 415, "Content-Type")
    # Who may file may upload; an auditor may not.
    resp = await slots(client, api_keys["auditor"], [jpeg])
    assert resp.status_code == 403, resp.text
    resp = await client.post("/v1/complaints/uploads", json={"files": [jpeg]})
    assert resp.status_code == 401, resp.text


async def test_multipart_photos_and_a_voice_note_are_checked_and_stored(app_client, api_keys):
    client, token = app_client, api_keys["integrator"]
    one, two, voice = gps_photo(), photo("WEBP"), wav(3.0)
    resp = await send_form(
        client,
        token,
        [
            ("photo", ("one.jpg", one, "image/jpeg")),
            ("photo", ("two.webp", two, "image/webp")),
            ("voice", ("note.wav", voice, "audio/wav")),
        ],
    )
    assert resp.status_code == 201, resp.text
    got = resp.json()["attachments"]
    assert [(a["kind"], a["content_type"], a["size_bytes"]) for a in got] == [
        ("photo", "image/jpeg", len(one)),
        ("photo", "image/webp", len(two)),
        ("voice", got[2]["content_type"], len(voice)),
    ]
    assert got[2]["content_type"].startswith("audio/")
    assert abs(got[2]["duration_s"] - 3.0) < 0.1
    assert "duration_s" not in got[0]
    principal = await principal_of(token)
    checked = await check_attachments(
        client.app.state, principal, [got[0]["key"], got[1]["key"]], got[2]["key"]
    )
    assert [(a.kind, a.sha256) for a in checked] == [(a["kind"], a["sha256"]) for a in got]
    assert checked[2].public_key is None and abs((checked[2].duration_s or 0) - 3.0) < 0.1


async def test_wrong_types_are_refused_naming_the_part(app_client, api_keys):
    client, token = app_client, api_keys["citizen-app"]
    resp = await send_form(
        client,
        token,
        [
            ("photo", ("a.jpg", photo(), "image/jpeg")),
            ("photo", ("report.jpg", PDF, "image/jpeg")),
        ],
    )
    assert "a PDF" in refused(resp, 415, "photo[1]")
    resp = await send_form(client, token, [("voice", ("note.ogg", photo(), "audio/ogg"))])
    refused(resp, 415, "voice")
    resp = await send_form(client, token, [("video", ("v.mp4", b"\x00" * 10, "video/mp4"))])
    refused(resp, 400, "video")
    five = [("photo", (f"{i}.jpg", photo(), "image/jpeg")) for i in range(5)]
    refused(await send_form(client, token, five), 400, "photo[4]")


async def test_oversize_files_are_refused_naming_the_part(app_client, api_keys, settings):
    client, token = app_client, api_keys["citizen-app"]
    big = photo() + b"\x00" * (10 * 1024 * 1024)
    resp = await send_form(
        client,
        token,
        [("photo", ("a.jpg", photo(), "image/jpeg")), ("photo", ("b.jpg", big, "image/jpeg"))],
    )
    assert "limit" in refused(resp, 413, "photo[1]")
    long_voice = wav(2.0) + b"\x00" * (5 * 1024 * 1024)
    resp = await send_form(client, token, [("voice", ("n.wav", long_voice, "audio/wav"))])
    refused(resp, 413, "voice")
    # Through a slot: an object over the limit under the app's own prefix is refused at filing.
    principal = await principal_of(token)
    key = uploads.upload_key(principal.key_id, uploads.new_upload_id(), 0, "jpg")
    s3 = s3_storage.client(settings)
    await asyncio.to_thread(uploads.put_bytes, s3, settings.s3_bucket, key, big, "image/jpeg")
    await refusal(check_attachments(client.app.state, principal, [key], None), 413, "photos[0]")


async def test_truncated_files_are_refused_naming_the_part(app_client, api_keys):
    client, token = app_client, api_keys["citizen-app"]
    cut = photo(size=256)
    cut = cut[: len(cut) // 2]
    resp = await send_form(client, token, [("photo", ("cut.jpg", cut, "image/jpeg"))])
    assert "cut short" in refused(resp, 422, "photo[0]")
    note = wav(2.0)
    resp = await send_form(client, token, [("voice", ("n.wav", note[:30], "audio/wav"))])
    refused(resp, 422, "voice")
    resp = await send_form(client, token, [("photo", ("empty.jpg", b"", "image/jpeg"))])
    refused(resp, 422, "photo[0]")


async def test_another_apps_upload_or_a_missing_one_is_refused_at_filing(app_client, api_keys):
    client = app_client
    resp = await send_form(client, api_keys["citizen-app"], [("photo", ("a.jpg", photo(), "x"))])
    assert resp.status_code == 201, resp.text
    [mine] = resp.json()["attachments"]
    other = await principal_of(api_keys["integrator"])
    message = await refusal(
        check_attachments(client.app.state, other, [mine["key"]], None), 422, "photos[0]"
    )
    assert "this API key" in message
    owner = await principal_of(api_keys["citizen-app"])
    absent = uploads.upload_key(owner.key_id, uploads.new_upload_id(), 0, "jpg")
    message = await refusal(
        check_attachments(client.app.state, owner, [mine["key"], absent], None), 422, "photos[1]"
    )
    assert "not uploaded" in message
    await refusal(
        check_attachments(client.app.state, owner, [mine["key"], mine["key"]], None),
        400,
        "photos[1]",
    )
    await refusal(
        check_attachments(client.app.state, owner, ["proofs/BLR-1/after.jpg"], None),
        422,
        "photos[0]",
    )
    # A photo named as the voice note is refused as not being audio.
    await refusal(check_attachments(client.app.state, owner, None, mine["key"]), 415, "voice_note")


async def test_public_copy_has_no_exif_and_is_served_with_cache_headers(app_client, api_keys):
    client, token = app_client, api_keys["citizen-app"]
    original = gps_photo(size=64, orientation=6)  # 64 x 32, to be turned a quarter
    with Image.open(io.BytesIO(original)) as im:
        assert im.getexif().get_ifd(0x8825)  # the upload does carry GPS
    resp = await send_form(client, token, [("photo", ("site.jpg", original, "image/jpeg"))])
    assert resp.status_code == 201, resp.text
    [uploaded] = resp.json()["attachments"]
    principal = await principal_of(token)
    [checked] = await check_attachments(client.app.state, principal, [uploaded["key"]], None)
    assert isinstance(checked, Attachment) and checked.public_key
    from api.attachments import public_photo_url

    url = public_photo_url(client.app.state.settings, checked)
    assert url.endswith(f"/v1/media/{checked.sha256}.jpg")
    served = await client.get(f"/v1/media/{checked.sha256}.jpg")
    assert served.status_code == 200, served.text
    assert served.headers["content-type"] == "image/jpeg"
    assert served.headers["cache-control"] == "public, max-age=86400, immutable"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.content != original
    with Image.open(io.BytesIO(served.content)) as im:
        assert im.format == "JPEG"
        assert not im.getexif()  # no EXIF at all: no GPS, no camera, no orientation
        assert not {"exif", "xmp", "icc_profile", "comment"} & set(im.info)
        assert im.size == (32, 64)  # the orientation was applied before it was dropped
    # Only public copies are served: never the original upload, never by another name.
    original_name = uploaded["key"].rsplit("/", 1)[-1]
    for name in (original_name, f"{checked.sha256}.heic", "..%2Fintake", "a" * 64 + ".jpg"):
        resp = await client.get(f"/v1/media/{name}")
        assert resp.status_code in (400, 404), (name, resp.status_code)
        assert resp.headers["content-type"].startswith("application/json")


async def test_filed_complaint_shows_its_photo_in_open311_media_url(api, api_keys):
    client, token = api, api_keys["citizen-app"]
    resp = await send_form(client, token, [("photo", ("site.jpg", gps_photo(), "image/jpeg"))])
    assert resp.status_code == 201, resp.text
    [uploaded] = resp.json()["attachments"]
    lat, lon, _ = fresh_spot()
    body = pothole(lat, lon, photos=[uploaded["key"]], media_url="https://app.example/p.jpg")
    filed = await client.post("/v1/complaints", json=body, headers=auth(token))
    assert filed.status_code == 202, filed.text
    tracking_id = filed.json()["tracking_id"]
    public = f"/v1/media/{uploaded['sha256']}.jpg"
    case = await wait_until(client, tracking_id, token, lambda c: c.get("intake"))
    assert [p.endswith(public) for p in case["intake"]["photos"]] == [True]
    for _ in range(100):  # the projection is written by the case's record step
        resp = await client.get(f"/open311/v2/requests/{tracking_id}.json")
        if resp.status_code == 200:
            break
        await asyncio.sleep(0.2)
    assert resp.status_code == 200, resp.text
    assert resp.json()[0]["media_url"].endswith(public)


async def test_png_public_copy_drops_text_chunks_and_keeps_transparency(app_client, api_keys):
    from PIL import PngImagePlugin

    client, token = app_client, api_keys["citizen-app"]
    image = Image.frombytes("RGBA", (16, 16), os.urandom(16 * 16 * 4))
    notes = PngImagePlugin.PngInfo()
    notes.add_text("Comment", "taken at 13.0035 N 77.5709 E by Lakshmi")
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (13.0, 0.0, 12.6), 3: "E", 4: (77.0, 34.0, 15.2)}
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=notes, exif=exif.tobytes())
    resp = await send_form(client, token, [("photo", ("p.png", out.getvalue(), "image/png"))])
    assert resp.status_code == 201, resp.text
    [uploaded] = resp.json()["attachments"]
    principal = await principal_of(token)
    [checked] = await check_attachments(client.app.state, principal, [uploaded["key"]], None)
    served = await client.get(f"/v1/media/{checked.sha256}.png")
    assert served.status_code == 200 and served.headers["content-type"] == "image/png"
    assert b"Lakshmi" not in served.content
    with Image.open(io.BytesIO(served.content)) as im:
        assert im.mode == "RGBA" and not im.getexif() and not im.info


def heic_photo() -> bytes:
    """A real HEIC (as iPhones take them) with the GPS photo's EXIF, made by pillow-heif."""
    from pillow_heif import register_heif_opener

    register_heif_opener()
    with Image.open(io.BytesIO(gps_photo())) as im:
        assert im.getexif().get_ifd(0x8825), "the source photo carries GPS"
        out = io.BytesIO()
        im.save(out, "HEIF", exif=im.info["exif"], quality=80)
    return out.getvalue()


async def test_a_heic_photo_is_shown_publicly_as_a_jpeg_without_its_gps(app_client, api_keys):
    client, token = app_client, api_keys["citizen-app"]
    heic = heic_photo()
    with Image.open(io.BytesIO(heic)) as im:
        assert im.getexif().get_ifd(0x8825)  # the phone's original has the spot in it
    resp = await send_form(client, token, [("photo", ("i.heic", heic, "image/heic"))])
    assert resp.status_code == 201, resp.text
    [uploaded] = resp.json()["attachments"]
    assert uploaded["content_type"] == "image/heic" and uploaded["key"].endswith(".heic")
    principal = await principal_of(token)
    [checked] = await check_attachments(client.app.state, principal, [uploaded["key"]], None)
    assert checked.public_key and checked.public_key.endswith(".jpg")
    served = await client.get(f"/v1/media/{checked.public_key.rsplit('/', 1)[-1]}")
    assert served.status_code == 200, served.text
    with Image.open(io.BytesIO(served.content)) as im:
        assert im.format == "JPEG" and im.size == (64, 64)
        assert not im.getexif() and "exif" not in im.info
    # A file that calls itself HEIC but is not one is refused as damaged, naming the part.
    fake = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + os.urandom(64)
    resp = await send_form(client, token, [("photo", ("i.heic", fake, "image/heic"))])
    detail = refused(resp, 422, "photo[0]")
    assert "damaged" in detail and "BytesIO" not in detail


async def test_malformed_or_oversized_forms_are_refused_before_they_are_read(app_client, api_keys):
    client, token = app_client, api_keys["citizen-app"]
    headers = {**auth(token), "Content-Type": "multipart/form-data; boundary=xyz"}
    resp = await client.post(
        "/v1/complaints/uploads", content=b"--xyz\r\nnot a part", headers=headers
    )
    refused(resp, 400, "body")
    resp = await client.post("/v1/complaints/uploads", content=b"", headers=headers)
    refused(resp, 400, "body")
    no_boundary = {**auth(token), "Content-Type": "multipart/form-data"}
    resp = await client.post("/v1/complaints/uploads", content=b"x", headers=no_boundary)
    refused(resp, 400, "Content-Type")
    declared = {**headers, "Content-Length": str(60 * 1024 * 1024)}
    resp = await client.post("/v1/complaints/uploads", content=b"x" * 10, headers=declared)
    assert resp.status_code == 413, resp.text
