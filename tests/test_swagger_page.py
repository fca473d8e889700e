"""The API docs at /schema/swagger render in a real browser from this host's own copies."""

from __future__ import annotations

import httpx
from browser_helpers import browser as browser  # fixture
from browser_helpers import page as page  # fixture
from playwright.async_api import TimeoutError as PlaywrightTimeout

METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def _operations(spec: dict) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in METHODS
    }


async def test_swagger_lists_every_operation_with_nothing_from_another_host(served_api, page):
    async with httpx.AsyncClient(base_url=served_api.url) as client:
        spec = (await client.get("/schema/openapi.json")).json()
    expected = _operations(spec)
    assert ("POST", "/v1/complaints") in expected

    answer = await page.goto(f"{served_api.url}/schema/swagger")
    assert answer is not None and answer.status == 200
    try:
        await page.locator(".opblock").first.wait_for(timeout=30_000)
    except PlaywrightTimeout:
        raise AssertionError(f"no operations shown: {page.off_host()} {page.problems()}") from None
    blocks = page.locator(".opblock-summary")
    shown = set()
    for i in range(await blocks.count()):
        block = blocks.nth(i)
        method = (await block.locator(".opblock-summary-method").inner_text()).strip()
        path = await block.locator(".opblock-summary-path").get_attribute("data-path")
        shown.add((method, path))
    assert shown == expected, sorted(shown ^ expected)
    assert await page.locator(".information-container .title").inner_text() != ""

    assert page.off_host() == [], page.off_host()
    assert page.problems() == [], page.problems()
    assert any(url.endswith("/static/vendor/swagger-ui-dist/swagger-ui-bundle.js")
               for url in page.requests)  # fmt: skip


async def test_the_docs_page_runs_under_a_self_only_policy(served_api, page):
    async with httpx.AsyncClient(base_url=served_api.url) as client:
        docs = await client.get("/schema/swagger")
        root = await client.get("/schema")
    for answer in (docs, root):
        policy = answer.headers["content-security-policy"]
        assert "script-src 'self';" in policy and "style-src 'self';" in policy
        assert "unsafe" not in policy and "frame-ancestors 'none'" in policy
        assert "<script>" not in answer.text and "<style" not in answer.text  # nothing inline
        assert "https://" not in answer.text and "http://" not in answer.text

    # The root of /schema is the same Swagger page, and "Try it out" reaches the API.
    await page.goto(f"{served_api.url}/schema")
    await page.locator(".opblock-get:has([data-path='/v1/categories']) .opblock-summary").click()
    await page.get_by_role("button", name="Try it out").first.click()
    await page.get_by_role("button", name="Execute").first.click()
    status_cell = page.locator(".live-responses-table tbody .response-col_status").first
    await status_cell.wait_for()
    status = await status_cell.inner_text()
    assert status.strip() == "200"
    assert page.off_host() == [], page.off_host()
    assert page.problems() == [], page.problems()
