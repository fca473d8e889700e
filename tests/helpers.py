"""Small helpers the tests share: waiting for a case to reach a status."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

# Points whose ward is known from the 198-ward BBMP map (checked against the polygons).
MALLESHWARAM = (13.0035, 77.5709)


async def wait_for_status(
    api: httpx.AsyncClient, tracking_id: str, headers: dict[str, str], status: str,
    timeout: float = 20.0,
) -> dict[str, Any]:  # fmt: skip
    """Poll GET /v1/complaints/{id} until the case reaches `status`."""
    deadline = time.monotonic() + timeout
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        resp = await api.get(f"/v1/complaints/{tracking_id}", headers=headers)
        if resp.status_code == 200:
            body = resp.json()
            if body["status"] == status:
                return body
        await asyncio.sleep(0.1)
    raise AssertionError(f"{tracking_id} did not reach {status}; last seen {body}")


def pothole(lat: float, lon: float, **extra: Any) -> dict[str, Any]:
    """A complaint body for a pothole at a point."""
    return {
        "category": "pothole",
        "description": "Deep pothole near the bus stop, two-wheelers skid at night",
        "latitude": lat,
        "longitude": lon,
        "language": "kn",
        **extra,
    }


def auth(key: str) -> dict[str, str]:
    """Headers carrying an API key."""
    return {"Authorization": f"Bearer {key}"}
