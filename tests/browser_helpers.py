"""Playwright fixtures for the page tests: Debian's chromium, every request recorded, axe-core.

Import the fixtures into a test module (no conftest needed):

    from browser_helpers import browser as browser  # fixture
    from browser_helpers import page as page  # fixture

`page` is a fresh browser context and tab per test (Indian English, IST), wrapped so that it
still answers every Playwright `Page` call (`await page.goto(...)`) and also records:
`page.requests` (every URL asked for, by the page, its frames and workers),
`page.console_errors`, `page.page_errors` and `page.failed`. `page.off_host()` lists the
requests that went anywhere but 127.0.0.1; the browser cannot resolve any other host name
either, so a stray CDN link fails in the test instead of reaching the internet.

Chromium is `/usr/bin/chromium` (scripts/ensure-chromium.sh installs it; `make test` runs
that) or `$CIVICOPS_CHROMIUM`. Without it the fixture fails: these tests never skip.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Browser, ConsoleMessage, Page, Request, async_playwright

REPO = Path(__file__).resolve().parents[1]
SCREENSHOTS = REPO / "docs" / "screenshots"
CHROMIUM = Path(os.environ.get("CIVICOPS_CHROMIUM", "/usr/bin/chromium"))
PHONE = (390, 844)
DESKTOP = (1280, 800)
SIZES = (PHONE, DESKTOP)
AXE = "/static/vendor/axe-core/axe.min.js"
LOCAL_HOSTS = frozenset({"127.0.0.1"})
# Not network requests at all: inline data, in-page objects, the blank page.
NOT_A_HOST = frozenset({"data", "blob", "about"})


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    """Headless chromium for the whole run, unable to resolve any host but 127.0.0.1."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"no Chromium at {CHROMIUM}: run scripts/ensure-chromium.sh "
            "(or set CIVICOPS_CHROMIUM to a Chromium or Chrome binary)",
            pytrace=False,
        )
    args = [
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        "--use-fake-device-for-media-stream",  # a microphone that plays a tone, for voice notes
        "--use-fake-ui-for-media-stream",
    ]
    if os.geteuid() == 0:
        args.append("--no-sandbox")  # chromium refuses to run as root with its sandbox
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=args
        )
        try:
            yield launched
        finally:
            await launched.close()


def is_local(url: str) -> bool:
    """Whether a requested URL stays on this machine (127.0.0.1, or not a network URL)."""
    parts = urlsplit(url)
    return parts.scheme in NOT_A_HOST or parts.hostname in LOCAL_HOSTS


@dataclass
class RecordedPage:
    """A Playwright page and everything it did; Page attributes are passed through."""

    page: Page
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.page, name)

    def off_host(self) -> list[str]:
        """The requests that went to a host other than 127.0.0.1."""
        return [url for url in self.requests if not is_local(url)]

    def problems(self) -> list[str]:
        """Console errors, uncaught exceptions and failed requests, for an assertion message."""
        return [*self.console_errors, *self.page_errors, *self.failed]


def _console(recorded: RecordedPage, message: ConsoleMessage) -> None:
    if message.type == "error":
        where = message.location.get("url", "")
        recorded.console_errors.append(f"console: {message.text} ({where})")


def _failed(recorded: RecordedPage, request: Request) -> None:
    recorded.failed.append(f"failed: {request.method} {request.url} ({request.failure})")


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[RecordedPage]:
    """A fresh context and tab, phone-sized first, that records what it requests and logs."""
    context = await browser.new_context(
        viewport={"width": PHONE[0], "height": PHONE[1]},
        locale="en-IN",
        timezone_id="Asia/Kolkata",
        service_workers="block",
    )
    tab = await context.new_page()
    recorded = RecordedPage(tab)
    context.on("request", lambda request: recorded.requests.append(request.url))
    context.on("requestfailed", lambda request: _failed(recorded, request))
    tab.on("websocket", lambda socket: recorded.requests.append(socket.url))
    tab.on("console", lambda message: _console(recorded, message))
    tab.on("pageerror", lambda error: recorded.page_errors.append(f"uncaught: {error}"))
    try:
        yield recorded
    finally:
        await context.close()


async def screenshots(
    page: RecordedPage | Page,
    name: str,
    *,
    folder: Path = SCREENSHOTS,
    full_page: bool = False,
    settle_ms: int = 400,
) -> list[Path]:
    """Screenshot the current page at 390×844 and 1280×800 as `<folder>/<name>-<w>x<h>.png`.

    The viewport is put back afterwards; `settle_ms` lets the page lay itself out again
    (Leaflet and uPlot redraw on resize).
    """
    target = page.page if isinstance(page, RecordedPage) else page
    before = target.viewport_size
    folder.mkdir(parents=True, exist_ok=True)
    taken = []
    try:
        for width, height in SIZES:
            await target.set_viewport_size({"width": width, "height": height})
            await target.wait_for_timeout(settle_ms)
            path = folder / f"{name}-{width}x{height}.png"
            await target.screenshot(path=str(path), full_page=full_page)
            taken.append(path)
    finally:
        if before:
            await target.set_viewport_size(before)
    return taken


async def axe_violations(
    page: RecordedPage | Page,
    *,
    impacts: tuple[str, ...] = ("serious", "critical"),
    selector: str | None = None,
) -> list[dict[str, Any]]:
    """Run axe-core (the vendored copy, from this host) in the page; return the violations of
    the given impacts, each with its rule id, impact, help text and the offending elements."""
    target = page.page if isinstance(page, RecordedPage) else page
    if not await target.evaluate("typeof window.axe !== 'undefined'"):
        await target.add_script_tag(url=AXE)
    found = await target.evaluate(
        """async (selector) => {
            const result = await axe.run(selector ? document.querySelector(selector) : document);
            return result.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map((n) => ({target: n.target.join(" "), html: n.html,
                                            summary: n.failureSummary})),
            }));
        }""",
        selector,
    )
    return [violation for violation in found if violation["impact"] in impacts]


def describe(violations: list[dict[str, Any]]) -> str:
    """axe violations as readable lines, for an assertion message."""
    lines = []
    for violation in violations:
        lines.append(f"{violation['impact']}: {violation['id']}: {violation['help']}")
        lines += [f"    {node['target']}: {node['summary']}" for node in violation["nodes"][:5]]
    return "\n".join(lines)
