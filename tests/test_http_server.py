"""The API as served: slow clients are cut off with a 408, patient keep-alive clients are not,
and every answer carries the security headers an auditor looks for.

The real API process (uvicorn with CivicOps' protocol) runs with deadlines of 2 s for headers
and body pauses and 6 s for a whole request (the `served_api` fixture).
"""

from __future__ import annotations

import asyncio
import time
from urllib.parse import urlsplit

import httpx


async def _connect(url: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    parts = urlsplit(url)
    return await asyncio.open_connection(parts.hostname, parts.port)


async def _closed_after(reader: asyncio.StreamReader, limit: float) -> tuple[float, bytes]:
    """Seconds until the server closed the connection, and what it sent before."""
    start = time.monotonic()
    data = await asyncio.wait_for(reader.read(), timeout=limit)
    return time.monotonic() - start, data


async def test_a_client_that_connects_and_says_nothing_is_closed_with_408(served_api):
    reader, writer = await _connect(served_api.url)
    elapsed, data = await _closed_after(reader, 15)
    assert data.startswith(b"HTTP/1.1 408"), data
    assert elapsed < 10
    writer.close()


async def test_headers_dripped_a_byte_at_a_time_are_cut_off(served_api):
    reader, writer = await _connect(served_api.url)
    writer.write(b"GET /health HTTP/1.1\r\nHost: civicops\r\n")

    async def drip() -> None:
        for _ in range(40):
            writer.write(b"X")
            await writer.drain()
            await asyncio.sleep(0.25)

    dripping = asyncio.create_task(drip())
    try:
        elapsed, data = await _closed_after(reader, 15)
    finally:
        dripping.cancel()
    assert data.startswith(b"HTTP/1.1 408") and b"headers" in data, data
    assert elapsed < 8  # it would have dripped for 10 s
    writer.close()


async def test_a_body_that_stalls_or_crawls_is_cut_off(served_api):
    head = (
        b"POST /v1/notices/verify HTTP/1.1\r\nHost: civicops\r\n"
        b"Content-Type: application/pdf\r\nContent-Length: 100000\r\n\r\n"
    )
    # Stalls after a first chunk: the 2 s pause deadline.
    reader, writer = await _connect(served_api.url)
    writer.write(head + b"%PDF-1.4\n")
    elapsed, data = await _closed_after(reader, 15)
    assert data.startswith(b"HTTP/1.1 408") and b"stalled" in data, data
    assert elapsed < 8
    writer.close()
    # Crawls, never pausing 2 s: the 6 s whole-request deadline.
    reader, writer = await _connect(served_api.url)
    writer.write(head)

    async def crawl() -> None:
        for _ in range(100):
            writer.write(b"x" * 10)
            await writer.drain()
            await asyncio.sleep(0.5)

    crawling = asyncio.create_task(crawl())
    try:
        elapsed, data = await _closed_after(reader, 20)
    finally:
        crawling.cancel()
    assert b"408" in data.split(b"\r\n", 1)[0], data
    assert elapsed < 12  # it would have crawled for 50 s
    writer.close()


async def test_a_keep_alive_client_idle_between_requests_keeps_its_connection(served_api):
    async with httpx.AsyncClient(base_url=served_api.url) as client:
        first = await client.get("/health")
        await asyncio.sleep(3)  # longer than the header deadline, shorter than keep-alive
        second = await client.get("/v1/categories")
    assert first.status_code == 200 and second.status_code == 200
    # One connection served both: the idle pause did not count against the next request.
    assert first.extensions["network_stream"] is second.extensions["network_stream"]


async def test_every_answer_carries_security_headers_and_no_server_banner(served_api):
    async with httpx.AsyncClient(base_url=served_api.url) as client:
        answers = [
            await client.get("/health"),
            await client.get("/v1/categories"),
            await client.get("/v1/complaints"),  # 401
            await client.get("/no/such/page"),  # 404 outside every route
            await client.get("/open311/v2/discovery.xml"),
        ]
    for resp in answers:
        assert resp.headers["x-content-type-options"] == "nosniff", resp.url
        assert resp.headers["x-frame-options"] == "DENY"
        assert resp.headers["referrer-policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in resp.headers["content-security-policy"]
        assert "server" not in resp.headers
    assert answers[2].status_code == 401 and answers[2].headers["cache-control"] == "no-store"
