"""What the search tests share: cases filed in wards of their own, and every page of a search.

All run against the real Temporal dev server, a real worker and PostgreSQL. Every test files
its cases in a ward no other test of the run files in, and every comparison is restricted to
the cases the test itself filed.
"""

from __future__ import annotations

import asyncio
import functools
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx
from helpers import auth, fresh_spot, pothole, wait_for_status

Case = dict[str, Any]


@functools.cache
def _wards() -> dict[str, Any]:
    """The demo map's wards by ward id."""
    from cli.bootstrap import DEMO_LOOKUP, DEMO_WARDS
    from geo.geojson import read_wards

    wards = read_wards(
        DEMO_WARDS, ward_field="WARD_NO", name_field="WARD_NAME", zone_lookup=DEMO_LOOKUP
    )
    return {w.ward_id: w for w in wards}


def spots_in_a_fresh_ward(count: int) -> tuple[str, list[tuple[float, float]]]:
    """`count` points 80 m apart inside a ward no other test of this run files in."""
    from shapely.geometry import Point, shape

    step = 80 / 111_320
    while True:
        _, _, ward_id = fresh_spot()
        inner = shape(_wards()[ward_id].geometry).buffer(-0.0004)
        if inner.is_empty:
            continue
        west, south, east, north = inner.bounds
        points = []
        lat = south + step / 2
        while lat < north and len(points) < count:
            lon = west + step / 2
            while lon < east and len(points) < count:
                if inner.contains(Point(lon, lat)):
                    points.append((round(lat, 6), round(lon, 6)))
                lon += step / 0.974
            lat += step
        if len(points) == count:
            return ward_id, points


async def file(api: httpx.AsyncClient, key: str, spot: tuple[float, float], category: str) -> str:
    """File a complaint of a category at a spot; its tracking id."""
    body = pothole(*spot, category=category, description=f"{category} {uuid.uuid4().hex[:8]}")
    resp = await api.post("/v1/complaints", json=body, headers=auth(key))
    assert resp.status_code == 202, resp.text
    assert resp.json()["filing"] == "new", resp.json()
    return resp.json()["tracking_id"]


async def settled(api: httpx.AsyncClient, key: str, tracking_ids: list[str]) -> list[Case]:
    """Wait until each case has its Assignment notice; their live states."""
    return list(
        await asyncio.gather(
            *(wait_for_status(api, t, auth(key), "NOTICE_ISSUED", 30) for t in tracking_ids)
        )
    )


async def walk(
    api: httpx.AsyncClient, key: str, params: dict[str, str]
) -> tuple[list[Case], dict[str, Any]]:
    """Every page of a search, following next_url; the items and the first page."""
    resp = await api.get("/v1/complaints", params=params, headers=auth(key))
    assert resp.status_code == 200, (params, resp.text)
    first = page = resp.json()
    items = list(page["items"])
    while page["next_url"]:
        assert page["next_cursor"] in page["next_url"]
        target = urlsplit(page["next_url"])
        resp = await api.get(f"{target.path}?{target.query}", headers=auth(key))
        assert resp.status_code == 200, resp.text
        page = resp.json()
        items += page["items"]
    return items, first


async def eventually(check: Callable[[], Any], timeout: float = 30.0) -> Any:
    """Await check() until it returns something truthy (the projection is written by an
    activity, a moment after the workflow moves); fail after timeout."""
    deadline = time.monotonic() + timeout
    while not (result := await check()):
        assert time.monotonic() < deadline, "the condition never held"
        await asyncio.sleep(0.2)
    return result
