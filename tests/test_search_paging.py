"""Paging through GET /v1/complaints: no case twice or skipped, and no cursor forged or borrowed."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from helpers import auth
from search_helpers import eventually, file, spots_in_a_fresh_ward, walk

from domain.ids import new_tracking_id
from domain.roles import Role
from records.apikeys import create_key
from records.tables import Complaint


async def seed_rows(filed_by: str, when: list[datetime]) -> list[Complaint]:
    """Withdrawn pothole cases written straight into the projection (no workflow), for
    pagination edge cases such as equal filing times."""
    rows = [
        Complaint(
            tracking_id=new_tracking_id("BLR"),
            workflow_id="complaint-seeded",
            city="bengaluru",
            category="pothole",
            description="seeded for the pager",
            latitude=13.0,
            longitude=77.5,
            language="en",
            source="test",
            status="WITHDRAWN",
            filed_at=at,
            updated_at=at,
            filed_by=filed_by,
        )
        for at in when
    ]
    await Complaint.insert(*rows)
    return rows


async def test_pages_have_no_duplicates_or_gaps_while_complaints_arrive(api, api_keys):
    token, key = await create_key("search pager", Role.INTEGRATOR)
    base = datetime.now(UTC) - timedelta(hours=2)
    tied = base + timedelta(minutes=5)  # four cases filed in the same microsecond
    when = [tied] * 4 + [base + timedelta(minutes=m) for m in (1, 2, 3, 7, 9)]
    rows = await seed_rows(key.key_id, when)
    expected = [
        r.tracking_id for r in sorted(rows, key=lambda r: (r.filed_at, r.tracking_id), reverse=True)
    ]
    try:
        _, spots = spots_in_a_fresh_ward(3)
        seen: list[str] = []
        resp = await api.get("/v1/complaints", params={"limit": "2"}, headers=auth(token))
        pages = 0
        while True:
            assert resp.status_code == 200, resp.text
            page = resp.json()
            assert len(page["items"]) <= 2 and "temporal_query" not in page
            seen += [i["tracking_id"] for i in page["items"]]
            if pages < len(spots):  # a new complaint arrives between pages
                await file(api, token, spots[pages], "pothole")
            pages += 1
            if not page["next_url"]:
                break
            target = urlsplit(page["next_url"])
            resp = await api.get(f"{target.path}?{target.query}", headers=auth(token))
        assert len(seen) == len(set(seen)), "a case appeared twice"
        assert [t for t in seen if t in expected] == expected, "a case was skipped or misordered"

        # Once the new filings are recorded, a fresh walk has them first, then the rest.
        async def everything() -> list[str]:
            items, _ = await walk(api, token, {"limit": "3"})
            return [i["tracking_id"] for i in items]

        async def all_recorded() -> list[str] | None:
            listed = await everything()
            return listed if len(listed) == len(expected) + len(spots) else None

        listed = await eventually(all_recorded)
        assert listed[len(spots) :] == expected and len(set(listed)) == len(listed)
    finally:
        await Complaint.delete().where(Complaint.filed_by == key.key_id)


def _forged(cursor: str, **change: Any) -> str:
    """A cursor with some of its fields changed, encoded the way the server encodes."""
    raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    raw.update(change)
    encoded = json.dumps(raw, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(encoded).decode().rstrip("=")


async def test_a_tampered_or_borrowed_cursor_is_400(api, api_keys):
    official = auth(api_keys["official"])
    await seed_rows("cursor-test", [datetime.now(UTC) - timedelta(days=1)] * 2)
    try:
        await _check_cursors(api, official)
    finally:
        await Complaint.delete().where(Complaint.filed_by == "cursor-test")


async def _check_cursors(api: httpx.AsyncClient, official: dict[str, str]) -> None:
    resp = await api.get("/v1/complaints?limit=1&category=pothole", headers=official)
    cursor = resp.json()["next_cursor"]
    assert cursor
    ok = await api.get(f"/v1/complaints?limit=1&category=pothole&cursor={cursor}", headers=official)
    assert ok.status_code == 200, ok.text
    for forged in (
        _forged(cursor, id="BLR-0000000000' OR 1=1"),
        _forged(cursor, at="2026-01-01"),
        _forged(cursor, at="2026-01-01T00:00:00+05:30"),
        _forged(cursor, extra=1),
        _forged(cursor, v=2),
        cursor[:-2],
        cursor + "==",
    ):
        resp = await api.get(
            "/v1/complaints", params={"category": "pothole", "cursor": forged}, headers=official
        )
        assert resp.status_code == 400 and resp.json()["field"] == "cursor", (forged, resp.text)
    # A cursor belongs to the search that issued it.
    borrowed = f"/v1/complaints?limit=1&category=fallen_tree&cursor={cursor}"
    resp = await api.get(borrowed, headers=official)
    assert resp.status_code == 400 and "different search" in resp.json()["detail"]
