"""Driving a live case on the time-skipping stack: file it, upload proof, read its ledger."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from helpers import auth, fresh_spot, key_of, photo, pothole, wait_for_status

from records.tables import ScoreEntry


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


def notices_of(case: dict) -> list[str]:
    """The notice numbers of a case, in order of issue."""
    return [n["notice_id"] for n in case["notices"]]
