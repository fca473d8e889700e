"""Public routes are limited per client address: over the limit, 429 with Retry-After.

Each test builds its own app with a small limit, and calls it from addresses of its choosing
(the ASGI client address, as a server sees the connection's peer).
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from helpers import auth

from api.app import create_app


@asynccontextmanager
async def _client(app, address: str) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://civicops.test") as c:
        yield c


def _app(settings, temporal_env, per_minute: int):  # type: ignore[no-untyped-def]
    limited = dataclasses.replace(settings, public_rate_limit_per_minute=per_minute)
    return create_app(limited, temporal=temporal_env.client)


async def test_a_client_over_the_public_limit_gets_429_with_retry_after(
    settings, temporal_env, database
):
    app = _app(settings, temporal_env, 5)
    async with _client(app, "203.0.113.7") as client:
        for _ in range(5):
            assert (await client.get("/v1/stats/summary")).status_code == 200
        over = await client.get("/v1/stats/summary")
        assert over.status_code == 429, over.text
        assert int(over.headers["Retry-After"]) >= 1
        assert "client address" in over.json()["detail"]
        # Every public /v1 route draws on the same allowance.
        assert (await client.get("/v1/categories")).status_code == 429
        assert (await client.get("/v1/stats/heatmap")).status_code == 429
        # A forwarded-for header is not believed: it is the same client.
        spoofed = await client.get("/v1/stats/summary", headers={"X-Forwarded-For": "198.51.100.9"})
        assert spoofed.status_code == 429
    async with _client(app, "203.0.113.8") as neighbour:  # another address has its own
        assert (await neighbour.get("/v1/stats/summary")).status_code == 200


async def test_keyed_routes_and_health_are_not_limited_per_address(
    settings, temporal_env, api_keys
):
    app = _app(settings, temporal_env, 2)
    async with _client(app, "203.0.113.20") as client:
        for _ in range(2):
            assert (await client.get("/v1/stats/trends")).status_code == 200
        assert (await client.get("/v1/stats/trends")).status_code == 429
        key = auth(api_keys["citizen-app"])  # limited per key instead (this key: no limit)
        near = {"lat": "12.97", "lon": "77.59"}
        for _ in range(4):
            assert (
                await client.get("/v1/complaints/nearby", params=near, headers=key)
            ).status_code == 200
            assert (await client.get("/health")).status_code != 429


async def test_a_limit_of_zero_turns_the_public_limit_off(settings, temporal_env, database):
    app = _app(settings, temporal_env, 0)
    async with _client(app, "203.0.113.30") as client:
        for _ in range(40):
            assert (await client.get("/v1/categories")).status_code == 200


async def test_each_app_has_its_own_allowance(settings, temporal_env, database):
    for _ in range(2):  # a fresh app (as each test's `api` is) starts with a full allowance
        app = _app(settings, temporal_env, 3)
        async with _client(app, "203.0.113.40") as client:
            codes = [(await client.get("/v1/stats/wards")).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
