"""Helpers for the dashboard tests: filings at chosen spots of the served API, and reading
the figures a page shows."""

from __future__ import annotations

import asyncio
import math
import re
import time
import uuid
from typing import Any

import httpx
from helpers import auth

INTAKE = ("FILED", "TRIAGED")


def around(
    centre: tuple[float, float], n: int, radius_m: float = 55.0
) -> list[tuple[float, float]]:
    """n points on a circle round `centre`: with n <= 5 and 55 m, more than 50 m apart (so no
    filing becomes a re-complaint of another) and all within 110 m of each other."""
    lat, lon = centre
    per_lat = 111_320.0
    per_lon = per_lat * math.cos(math.radians(lat))
    return [
        (
            lat + radius_m * math.cos(2 * math.pi * i / 5) / per_lat,
            lon + radius_m * math.sin(2 * math.pi * i / 5) / per_lon,
        )
        for i in range(n)
    ]


def one_cell_spot(n: int = 3, resolution: int = 8) -> list[tuple[float, float]]:
    """n points round a fresh spot of a ward (helpers.fresh_spot) that all lie in one H3
    cell, so the heatmap counts them together."""
    import h3
    from helpers import fresh_spot

    for _ in range(50):
        lat, lon, _ward = fresh_spot()
        points = around((lat, lon), n)
        if len({h3.latlng_to_cell(a, b, resolution) for a, b in [(lat, lon), *points]}) == 1:
            return points
    raise AssertionError("no fresh spot with its neighbours in one cell")


async def file_cases(
    url: str, key: str, category: str, points: list[tuple[float, float]], timeout: float = 30.0
) -> list[dict[str, Any]]:
    """File one complaint per point through the served API; each case once past intake."""
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        ids = []
        for lat, lon in points:
            body = {
                "category": category,
                "description": "Test filing for the dashboard: same problem, next corner",
                "latitude": lat,
                "longitude": lon,
                "language": "kn",
            }
            headers = {**auth(key), "Idempotency-Key": uuid.uuid4().hex}
            answer = await client.post("/v1/complaints", json=body, headers=headers)
            assert answer.status_code in (200, 201, 202), answer.text
            assert answer.json().get("filing", "new") == "new", answer.text
            ids.append(answer.json()["tracking_id"])
        cases = []
        deadline = time.monotonic() + timeout
        for tracking_id in ids:
            while True:
                case = (await client.get(f"/v1/complaints/{tracking_id}", headers=auth(key))).json()
                if case.get("status") not in INTAKE:
                    cases.append(case)
                    break
                assert time.monotonic() < deadline, f"{tracking_id} stayed in intake: {case}"
                await asyncio.sleep(0.2)
        return cases


def number(text: str) -> float:
    """A figure as the page shows it ("1,23,456", "87.5%", "18.5 hours") as a number."""
    match = re.search(r"-?[\d,]+(?:\.\d+)?", text)
    assert match, f"no number in {text!r}"
    return float(match.group(0).replace(",", ""))
