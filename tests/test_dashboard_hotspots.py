"""The officials' hotspots page in a real browser: the key stays in the tab, one work order
reassigns every case of a cluster, and axe-core finds nothing serious once results show."""

from __future__ import annotations

import httpx
from browser_helpers import axe_violations, describe
from browser_helpers import browser as browser  # fixture
from browser_helpers import page as page  # fixture
from dashboard_helpers import file_cases, one_cell_spot
from helpers import auth


async def test_one_work_order_reassigns_every_case_of_a_hotspot(page, served_api):
    key = served_api.keys["official"]
    cases = await file_cases(
        served_api.url, served_api.keys["citizen-app"], "garbage_not_collected", one_cell_spot(3)
    )
    ids = sorted(c["tracking_id"] for c in cases)
    await page.goto(served_api.url + "/hotspots")
    await page.fill("#api-key", key)
    await page.click("#key-form button[type=submit]")
    await page.wait_for_selector("#key-status:has-text('in use')")
    assert await page.input_value("#api-key") == ""  # the field is cleared, the tab keeps it
    assert await page.evaluate("sessionStorage.getItem('civicops.apiKey')") == key
    await page.select_option("#hotspot-form select[name=category]", "garbage_not_collected")
    await page.click("#hotspot-form button[type=submit]")
    card = page.locator("article.hotspot", has=page.locator(f"tr[data-tracking-id='{ids[0]}']"))
    await card.wait_for()
    shown = sorted(await card.locator("tr[data-tracking-id]").evaluate_all(
        "rows => rows.map((r) => r.dataset.trackingId)"
    ))  # fmt: skip
    assert set(ids) <= set(shown), (ids, shown)
    # Someone other than the cases' supervisor: the first official of the list not holding them.
    holders = {c["assignee"]["id"] for c in cases if c.get("assignee")}
    options = await card.locator("select option").evaluate_all("os => os.map((o) => o.value)")
    chosen = next(int(v) for v in options if int(v) not in holders)
    await card.locator("select").select_option(str(chosen))
    await card.locator("button[type=submit]").click()
    await card.locator(".order-result li").first.wait_for()
    outcomes = await card.locator(".order-result li").evaluate_all(
        "items => items.map((i) => i.dataset.outcome)"
    )
    assert outcomes and set(outcomes) == {"reassigned"}, outcomes
    async with httpx.AsyncClient(base_url=served_api.url) as client:
        for tracking_id in ids:
            case = (await client.get(f"/v1/complaints/{tracking_id}", headers=auth(key))).json()
            assert case["assignee"]["id"] == chosen, case
    violations = await axe_violations(page)
    assert not violations, describe(violations)
    assert all(key not in url for url in page.requests), "the key went into a URL"
    assert page.off_host() == [] and page.problems() == []


async def test_a_refused_key_is_said_and_forgotten(page, served_api):
    await page.goto(served_api.url + "/hotspots")
    await page.fill("#api-key", served_api.keys["citizen-app"])
    await page.click("#key-form button[type=submit]")
    await page.wait_for_selector("#key-status:has-text('403')")
    assert await page.evaluate("sessionStorage.getItem('civicops.apiKey')") is None
