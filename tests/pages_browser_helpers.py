"""Helpers for the people's pages in a real browser: contexts that may run the service
worker, staff made and signed in through the pages, cases resolved through the API."""

from __future__ import annotations

import asyncio
import re
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import httpx
from browser_helpers import PHONE, RecordedPage, _console, _failed
from helpers import CIVICOPS, REPO, auth, photo
from playwright.async_api import Browser


@asynccontextmanager
async def tab(browser: Browser, *, workers: bool = False) -> AsyncIterator[RecordedPage]:
    """A fresh phone-sized context and tab that records every request; `workers` lets the
    report page's service worker run (the shared `page` fixture blocks it)."""
    context = await browser.new_context(
        viewport={"width": PHONE[0], "height": PHONE[1]},
        locale="en-IN",
        timezone_id="Asia/Kolkata",
        service_workers="allow" if workers else "block",
    )
    page = await context.new_page()
    recorded = RecordedPage(page)
    context.on("request", lambda request: recorded.requests.append(request.url))
    context.on("requestfailed", lambda request: _failed(recorded, request))
    page.on("console", lambda message: _console(recorded, message))
    page.on("pageerror", lambda error: recorded.page_errors.append(f"uncaught: {error}"))
    try:
        yield recorded
    finally:
        await context.close()


async def until(page, check: str, seconds: float = 30) -> None:  # type: ignore[no-untyped-def]
    """Poll a JS function in the page until it returns true (wait_for_function would eval a
    string, which the pages' CSP forbids)."""
    for _ in range(int(seconds * 5)):
        if await page.evaluate(check):
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"never true: {check}")


def served_cli(served, *argv: str) -> str:  # type: ignore[no-untyped-def]
    """Run the real `civicops` command against the served stack's database."""
    done = subprocess.run(
        [*CIVICOPS, *argv], cwd=REPO, env=served.env, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


async def sign_in_as(
    page, served, official_id: int, password: str = "monsoon ward walk 2026"
) -> None:  # type: ignore[no-untyped-def]
    """Invite the official with the CLI, set a password on /invite, sign in on /signin."""
    out = await asyncio.to_thread(served_cli, served, "officials", "invite", str(official_id))
    link = re.search(r"/invite/\S+", out)
    assert link, out
    await page.goto(served.url + link.group(0))
    await page.fill("#password", password)
    await page.fill("#confirm", password)
    await page.click("button[type=submit]")
    await page.wait_for_url("**/signin?welcome=1")
    await page.fill("#official", str(official_id))
    await page.fill("#password", password)
    await page.click("button[type=submit]")
    await page.wait_for_url("**/me")


async def case_of(served, tracking_id: str, status: str | None = None) -> dict:  # type: ignore[no-untyped-def]
    """The case as an official key reads it, waiting up to 30 s for `status` if given."""
    async with httpx.AsyncClient(base_url=served.url, timeout=20) as client:
        for _ in range(150):
            resp = await client.get(
                f"/v1/complaints/{tracking_id}", headers=auth(served.keys["official"])
            )
            if resp.status_code == 200 and (status is None or resp.json()["status"] == status):
                return resp.json()
            await asyncio.sleep(0.2)
    raise AssertionError(f"{tracking_id} never reached {status}: {resp.text}")


def site_photo(case: dict) -> bytes:
    """A JPEG taken at the case's spot a minute after its last step (EXIF in India time)."""
    at = datetime.fromisoformat(case["updated_at"]) + timedelta(hours=5, minutes=31)
    return photo(gps=(case["latitude"], case["longitude"]),
                 taken=at.astimezone(UTC).strftime("%Y:%m:%d %H:%M:%S"))  # fmt: skip


async def resolve_by_api(served, case: dict) -> None:  # type: ignore[no-untyped-def]
    """The assignee resolves the case through the API with a real photo (a key made for it)."""
    official = case["assignee"]["id"]
    argv = ("apikeys", "create", "--role", "supervisor", "--name", "t", "--official", str(official))
    out = await asyncio.to_thread(served_cli, served, *argv)
    key = out.strip().splitlines()[-1]
    tracking_id = case["tracking_id"]
    async with httpx.AsyncClient(base_url=served.url, timeout=30) as client:
        slots = await client.post(
            f"/v1/complaints/{tracking_id}/proofs/upload-url",
            json={"files": [{"role": "after", "content_type": "image/jpeg"}]},
            headers=auth(key),
        )
        assert slots.status_code == 200, slots.text
        [slot] = slots.json()["slots"]
        put = await client.put(slot["url"], content=site_photo(case), headers=slot["headers"])
        assert put.status_code == 200, put.text
        done = await client.post(
            f"/v1/complaints/{tracking_id}/proofs", json={"after_key": slot["key"]},
            headers=auth(key),
        )  # fmt: skip
        assert done.status_code == 200, done.text


async def open_near(served, lat: float, lon: float, *, wait_for: int = 0) -> list[dict]:  # type: ignore[no-untyped-def]
    """The open cases within 20 m of a point, as the report page's nearby check sees them;
    with `wait_for`, polled (up to 15 s) until at least that many are recorded."""
    async with httpx.AsyncClient(base_url=served.url) as client:
        for _ in range(75):
            resp = await client.get(
                "/report/nearby", params={"lat": lat, "lon": lon, "radius_m": 20}
            )
            assert resp.status_code == 200, resp.text
            items = resp.json()["items"]
            if len(items) >= wait_for:
                return items
            await asyncio.sleep(0.2)
        return items
