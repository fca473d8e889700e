"""The vendored Leaflet and uPlot run under the pages' Content-Security-Policy, from 127.0.0.1."""

from __future__ import annotations

import httpx
from browser_helpers import axe_violations, describe, screenshots
from browser_helpers import browser as browser  # fixture
from browser_helpers import page as page  # fixture

PROBE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>vendored libraries</title>
<link rel="stylesheet" href="/static/vendor/leaflet/leaflet.css">
<link rel="stylesheet" href="/static/vendor/uplot/uPlot.min.css">
<script src="/static/vendor/leaflet/leaflet.js" defer></script>
<script src="/static/vendor/uplot/uPlot.iife.min.js" defer></script>
</head><body><main><div id="map"></div><div id="chart"></div></main></body></html>
"""

DRAW = """() => {
    document.getElementById("map").style.height = "300px";  // the DOM, not an inline style
    const map = L.map("map", {zoomSnap: 0}).setView([12.97, 77.59], 13);
    const ward = L.geoJSON({type: "Feature", properties: {name: "ಮಲ್ಲೇಶ್ವರಂ"},
        geometry: {type: "Polygon", coordinates: [[[77.56, 12.99], [77.58, 12.99],
                                                   [77.58, 13.01], [77.56, 12.99]]]}},
        {style: {color: "#1f6f43", fillOpacity: 0.5}}).addTo(map);
    ward.bindTooltip("ಮಲ್ಲೇಶ್ವರಂ", {permanent: true});
    L.marker([12.97, 77.59]).addTo(map);
    L.control.layers({}, {"heat": L.layerGroup()}).addTo(map);
    new uPlot({width: 360, height: 200, series: [{}, {label: "filed", stroke: "#1f6f43"}]},
              [[1, 2, 3], [4, 1, 5]], document.getElementById("chart"));
}"""


async def test_leaflet_and_uplot_draw_under_the_page_policy(served_api, page, tmp_path):
    async with httpx.AsyncClient(base_url=served_api.url) as client:
        static = await client.get("/static/vendor/leaflet/leaflet.js")
    policy = static.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "unsafe" not in policy
    assert static.headers["cache-control"] == "max-age=86400, public"

    # A page as PAGES would serve it, with the policy the server gives /static answers.
    async def serve_probe(route):  # type: ignore[no-untyped-def]
        await route.fulfill(
            status=200,
            content_type="text/html; charset=utf-8",
            headers={"content-security-policy": policy},
            body=PROBE,
        )

    await page.route(f"{served_api.url}/probe", serve_probe)
    await page.goto(f"{served_api.url}/probe")
    await page.wait_for_function("typeof L !== 'undefined' && typeof uPlot !== 'undefined'")
    await page.evaluate(DRAW)
    await page.locator("#map path.leaflet-interactive").wait_for()
    await page.locator("#chart canvas").wait_for()
    marker = page.locator("img.leaflet-marker-icon")
    await marker.wait_for()
    assert await marker.evaluate("img => img.complete && img.naturalWidth > 0")
    assert "ಮಲ್ಲೇಶ್ವರಂ" in await page.locator(".leaflet-tooltip").inner_text()
    # The helpers the page tests use: axe-core from this host, screenshots at both sizes.
    violations = await axe_violations(page)
    assert violations == [], describe(violations)
    shots = await screenshots(page, "probe", folder=tmp_path)
    assert [p.name for p in shots] == ["probe-390x844.png", "probe-1280x800.png"]
    await page.wait_for_load_state("networkidle")
    assert page.off_host() == [], page.off_host()
    assert page.problems() == [], page.problems()  # a CSP refusal is a console error


def test_each_path_gets_its_policy():
    from api.headers import NOTHING, docs_policy, page_policy, policy_for

    for path in ("/", "/hotspots", "/wards/bengaluru/1", "/static/vendor/leaflet/leaflet.js"):
        assert policy_for(path) == page_policy(), path
    for path in ("/schema", "/schema/swagger", "/schema/openapi.json"):
        assert policy_for(path) == docs_policy(), path
    for path in ("/v1/categories", "/health", "/open311/v2/discovery.xml", "/no/such/page",
                 "/schemas", "/hotspotsx", "/staticx", "/wards"):  # fmt: skip
        assert policy_for(path) == NOTHING, path
    for policy in (page_policy(), docs_policy(), NOTHING):
        assert "frame-ancestors 'none'" in policy and "unsafe" not in policy
        assert policy.startswith("default-src 'none'")
    assert "form-action 'none'" in docs_policy() and "form-action 'self'" in page_policy()


def test_a_configured_tile_host_is_allowed_for_images_only():
    from api.headers import page_policy, tile_source

    assert tile_source(None) == "" and tile_source("") == ""
    assert tile_source("https://{s}.tile.example.org/{z}/{x}/{y}.png") == (
        " https://*.tile.example.org"
    )
    assert tile_source("http://tiles.city.gov.in:8080/{z}/{x}/{y}.png") == (
        " http://tiles.city.gov.in:8080"
    )
    assert tile_source("https://a.{s}.example.org/{z}/{x}/{y}.png") == " https:"
    assert tile_source("javascript:alert(1)") == ""
    policy = page_policy("https://{s}.tile.example.org/{z}/{x}/{y}.png")
    assert "img-src 'self' data: blob: https://*.tile.example.org;" in policy
    assert policy.count("tile.example.org") == 1  # not in script-src or connect-src
