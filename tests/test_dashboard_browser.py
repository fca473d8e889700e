"""The dashboard in a real browser (Debian's chromium), served by the real API process.

Each test opens a page of `served_api` and checks what a resident sees: every ward on the
map, the headline figures equal to /v1/stats/summary, Kannada on the switch (remembered),
the heat layer after filings, no request leaving 127.0.0.1, a 360 px phone, under 500 KB of
scripts and styles, and axe-core's verdict on each page.
"""

from __future__ import annotations

import httpx
import pytest
from browser_helpers import axe_violations, describe
from browser_helpers import browser as browser  # fixture
from browser_helpers import page as page  # fixture
from dashboard_helpers import file_cases, number, one_cell_spot

from domain import formats
from domain.words import UI

DRAWN = "#map[data-drawn]"


async def _summary(url: str, **params: str) -> dict:
    async with httpx.AsyncClient(base_url=url) as client:
        answer = await client.get("/v1/stats/summary", params=params)
        assert answer.status_code == 200, answer.text
        return answer.json()


async def _open(page, url: str, path: str = "/") -> None:  # type: ignore[no-untyped-def]
    await page.goto(url + path)
    await page.wait_for_selector(DRAWN, state="attached", timeout=20_000)


async def test_the_map_draws_every_ward_and_the_headline_is_the_summary(page, served_api):
    async with httpx.AsyncClient(base_url=served_api.url) as client:
        wards = len((await client.get("/v1/zones")).json()["features"])
    await _open(page, served_api.url)
    assert wards == 198
    assert await page.locator("#map path.ward").count() == wards
    assert await page.get_attribute("#map", "data-drawn") == str(wards)
    summary = await _summary(served_api.url)
    shown = {
        key: await page.text_content(f"[data-figure={key}]")
        for key in ("filed", "resolved", "open", "closed", "on_time_share")
    }
    for key in ("filed", "resolved", "open", "closed"):
        assert number(shown[key]) == summary[key], (key, shown[key], summary)
    assert shown["on_time_share"] == formats.percent(summary["on_time_share"])
    median = await page.text_content("[data-figure=median_hours_to_resolve]")
    assert median == formats.duration(summary["median_hours_to_resolve"], UI["en"])
    await page.wait_for_selector("#trend canvas", state="attached")
    assert page.off_host() == [] and page.problems() == []


async def test_the_kannada_switch_shows_kannada_and_is_remembered(page, served_api):
    await _open(page, served_api.url)
    assert await page.get_attribute("html", "lang") == "en"
    await page.click("nav.langs a[lang=kn]")
    await page.wait_for_selector(DRAWN, state="attached")
    assert await page.get_attribute("html", "lang") == "kn"
    kn = UI["kn"]
    assert await page.text_content("dt >> nth=0") == kn["filed"]
    assert kn["rankings"] in await page.text_content("#rank-h")
    await page.goto(served_api.url + "/")  # no ?lang: the cookie keeps Kannada
    assert await page.get_attribute("html", "lang") == "kn"
    assert await page.text_content("#map-h") is not None
    assert kn["map"] in await page.text_content("#map-h")
    assert page.off_host() == [] and page.problems() == []


async def test_the_heat_layer_appears_after_three_filings_in_one_cell(page, served_api):
    points = one_cell_spot(3)
    category = "mosquito_breeding"
    await _open(page, served_api.url)
    await page.select_option("#heat-category", category)
    await page.check("input[name=layer][value=heat]")
    await page.wait_for_selector("#legend-heat:not([hidden])", state="attached")
    before = await page.locator("#map path.heat-cell").count()
    cases = await file_cases(served_api.url, served_api.keys["citizen-app"], category, points)
    assert all(c["status"] in ("ASSIGNED", "NOTICE_ISSUED") for c in cases), cases
    await page.check("input[name=layer][value=wards]")
    await page.check("input[name=layer][value=heat]")  # asks the heatmap again
    cells = page.locator("#map path.heat-cell")
    for _ in range(100):  # polled from here: the page's CSP forbids wait_for_function's eval
        if await cells.count() > before:
            break
        await page.wait_for_timeout(100)
    assert await cells.count() > before, "no heat cell appeared after three filings"
    assert await page.is_hidden("#legend-wards")
    assert page.off_host() == [] and page.problems() == []


async def test_no_request_of_any_page_leaves_this_machine(page, served_api):
    await _open(page, served_api.url)
    await page.check("input[name=layer][value=heat]")
    await page.wait_for_selector("#legend-heat:not([hidden])", state="attached")
    ward = await page.get_attribute("table.wards a >> nth=0", "href")
    await _open(page, served_api.url, ward)
    await page.goto(served_api.url + "/hotspots")
    await page.wait_for_load_state("networkidle")
    assert page.requests, "nothing was recorded"
    assert page.off_host() == [], page.off_host()
    assert page.problems() == []


async def test_the_dashboard_fits_a_360_px_phone_and_its_code_is_under_500_kb(page, served_api):
    sizes: dict[str, int] = {}

    async def weigh(response):  # type: ignore[no-untyped-def]
        if response.request.resource_type in ("script", "stylesheet"):
            sizes[response.url] = len(await response.body())

    page.on("response", weigh)
    await page.set_viewport_size({"width": 360, "height": 740})
    for lang in ("en", "kn"):
        await _open(page, served_api.url, f"/?lang={lang}")
        await page.wait_for_selector("#trend canvas", state="attached")
        overflow = await page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= 360, f"{lang}: the page is {overflow} px wide at 360 px"
    assert any(url.endswith("leaflet.js") for url in sizes), sizes
    assert sum(sizes.values()) < 500 * 1024, sizes


async def test_format_js_reads_numbers_as_domain_formats_does(page, served_api):
    await page.goto(served_api.url + "/hotspots")
    values = [0, 7, 999, 1000, 12345, 123456, 1234567, 12345678, 1234567890, -1234567]
    decimals = [0.04, 1.005, 81.25, 7.249999999999999, 12345.65, 99.95, 1234567.25]
    shares = [None, 0.0, 0.5, 0.8125, 0.0725, 0.99999, 1.0]
    hours = [None, 0.5, 18.25, 47.9, 48.0, 100.0, 2400.0]
    got = await page.evaluate(
        """async ([values, decimals, shares, hours, words]) => {
            const f = await import('/static/app/format.js');
            return [values.map(f.grouped), decimals.map((x) => f.decimal(x)),
                    shares.map(f.percent), hours.map((h) => f.duration(h, words)),
                    f.istTime('2026-12-02T08:35:00Z', ['Jan','Feb','Mar','Apr','May','Jun','Jul',
                                                     'Aug','Sep','Oct','Nov','Dec'])];
        }""",
        [values, decimals, shares, hours, dict(UI["en"])],
    )
    from datetime import UTC, datetime

    assert got == [
        [formats.grouped(v) for v in values],
        [formats.decimal(x) for x in decimals],
        [formats.percent(s) for s in shares],
        [formats.duration(h, UI["en"]) for h in hours],
        formats.ist_time(datetime(2026, 12, 2, 8, 35, tzinfo=UTC), "en"),
    ]
    assert formats.grouped(12345678) == "1,23,45,678"


@pytest.mark.parametrize("path", ["/", "/?lang=kn", "/wards/bengaluru/65", "/hotspots"])
async def test_axe_finds_nothing_serious_or_critical(page, served_api, path):
    await page.goto(served_api.url + path)
    if path != "/hotspots":
        await page.wait_for_selector(DRAWN, state="attached", timeout=20_000)
    await page.wait_for_load_state("networkidle")
    violations = await axe_violations(page)
    assert not violations, describe(violations)
