"""The pages as HTML (over ASGI, no browser): figures in the HTML itself, the language and its
cookie, 400 and 404 pages naming the parameter, a ward's cases without personal data, the
supervisors' scores only where the city says so, and the officials-only roster."""

from __future__ import annotations

import dataclasses
import re
import uuid
from datetime import UTC, datetime
from html import unescape

import httpx
from helpers import auth, in_malleshwaram, pothole, wait_for_status

from domain import formats
from domain.words import UI


def _figure(html: str, key: str) -> str:
    match = re.search(rf'data-figure="{key}">([^<]*)<', html)
    assert match, key
    return unescape(match.group(1))


async def test_the_dashboard_carries_its_headline_figures_in_the_html(api):
    page = await api.get("/")
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert '<html lang="en">' in page.text
    summary = (await api.get("/v1/stats/summary")).json()
    assert _figure(page.text, "filed") == formats.grouped(summary["filed"])
    assert _figure(page.text, "resolved") == formats.grouped(summary["resolved"])
    assert _figure(page.text, "on_time_share") == formats.percent(summary["on_time_share"])
    assert _figure(page.text, "p1_share") == formats.percent(summary["p1_share"])
    assert 'id="page-data"' in page.text and "<script>" not in page.text  # no inline script


async def test_the_language_comes_from_the_switch_then_the_cookie_then_the_browser(api):
    chosen = await api.get("/", params={"lang": "kn"})
    assert '<html lang="kn">' in chosen.text
    assert UI["kn"]["filed"] in chosen.text
    assert "civicops_lang=kn" in chosen.headers["set-cookie"]
    assert "HttpOnly" in chosen.headers["set-cookie"]
    kept = await api.get("/")  # the client sends the cookie back
    assert '<html lang="kn">' in kept.text and "set-cookie" not in kept.headers
    api.cookies.clear()
    asked = await api.get("/", headers={"Accept-Language": "kn-IN,kn;q=0.9,en;q=0.5"})
    assert '<html lang="kn">' in asked.text
    unknown = await api.get("/", params={"lang": "xx"})
    assert '<html lang="en">' in unknown.text


async def test_bad_parameters_get_a_page_naming_them(api):
    for params, field, status in [
        ({"period": "forever"}, "period", 400),
        ({"category": "unicorns"}, "category", 400),
        ({"city": "atlantis"}, "city", 404),
    ]:
        page = await api.get("/", params=params)
        assert page.status_code == status, (params, page.text)
        assert f"<code>{field}</code>" in page.text
    for path, field in [("/wards/bengaluru/9999", "ward"), ("/wards/atlantis/1", "city")]:
        page = await api.get(path)
        assert page.status_code == 404 and f"<code>{field}</code>" in page.text


async def test_a_ward_page_lists_its_cases_without_what_identifies_a_citizen(api, api_keys):
    key = api_keys["citizen-app"]
    lat, lon = in_malleshwaram()
    secret = f"my neighbour {uuid.uuid4().hex[:8]} lives at number 12"
    body = pothole(lat, lon, description=secret, reporter={"name": "Asha Rao"})
    filed = await api.post("/v1/complaints", json=body, headers=auth(key))
    assert filed.status_code in (200, 201, 202), filed.text
    tracking_id = filed.json()["tracking_id"]
    await wait_for_status(api, tracking_id, auth(key), "NOTICE_ISSUED", timeout=30)
    page = await api.get("/wards/bengaluru/65")
    assert page.status_code == 200
    assert tracking_id in page.text and "Kadu Malleshwar" in page.text
    assert secret not in page.text and "Asha Rao" not in page.text
    assert f"{lat}" not in page.text and f"{lon}" not in page.text
    row = re.search(rf"<tr><th scope=\"row\"><code>{tracking_id}</code>.*?</tr>", page.text)
    assert row and "Pothole" in row.group(0)


async def test_supervisors_are_named_only_where_the_city_allows_it(
    api, settings, temporal_env, task_queue
):
    from api.app import create_app
    from domain.scores import ScoreInput
    from records import scores
    from records.tables import Official

    official = await Official.objects().where(Official.level == 0).first()
    entry = ScoreInput(
        tracking_id=f"BLR-{uuid.uuid4().hex[:10].upper()}",
        event="resolved_on_time",
        level=0,
        occurrence=1,
        official_id=official.id,
        official_name=official.name,
        city="bengaluru",
        zone="West",
        ward_id="65",
        priority=2,
        at=datetime.now(UTC),
    )
    await scores.record(entry)
    default = await api.get("/")
    assert 'id="sup-h"' not in default.text and official.name not in default.text
    public = dataclasses.replace(settings, public_supervisor_scores=frozenset({"bengaluru"}))
    app = create_app(public, temporal=temporal_env.client, task_queue=task_queue)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://civicops.test") as client:
        named = await client.get("/")
    assert 'id="sup-h"' in named.text and official.name in named.text


async def test_the_roster_for_work_orders_needs_an_officials_key(api, api_keys):
    assert (await api.get("/hotspots/officials")).status_code == 401
    refused = await api.get("/hotspots/officials", headers=auth(api_keys["citizen-app"]))
    assert refused.status_code == 403
    roster = await api.get("/hotspots/officials", headers=auth(api_keys["official"]))
    assert roster.status_code == 200
    assert roster.headers["cache-control"] == "no-store"
    officials = roster.json()["officials"]
    assert {o["level"] for o in officials} >= {0, 1, 2, 3}
    assert set(officials[0]) == {"id", "name", "designation", "level", "zone", "ward_id"}
    unknown = await api.get(
        "/hotspots/officials", params={"city": "atlantis"}, headers=auth(api_keys["official"])
    )
    assert unknown.status_code == 404


async def test_the_ward_map_and_pages_travel_gzipped_but_keys_do_not(api, api_keys):
    gzip = {"Accept-Encoding": "gzip"}
    for path in ("/", "/v1/zones", "/v1/stats/wards", "/static/vendor/leaflet/leaflet.js"):
        answer = await api.get(path, headers=gzip)
        assert answer.status_code == 200, path
        assert answer.headers.get("content-encoding") == "gzip", path
    zones = await api.get("/v1/zones", headers=gzip)
    assert zones.json()["type"] == "FeatureCollection"  # httpx unzips: the same document
    # An answer holding a secret is never compressed next to text the caller chose (BREACH).
    me = await api.get("/v1/apikeys", headers={**gzip, **auth(api_keys["admin"])})
    assert me.status_code == 200
    assert "content-encoding" not in me.headers
