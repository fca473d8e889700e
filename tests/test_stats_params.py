"""Bad parameters of the stats routes answer 400 naming the parameter, an unknown city 404;
the defaults are this IST month in our city; the routes are public, nearby needs a key, and
/v1/complaints/nearby is not taken for a tracking id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from helpers import auth

from domain.roles import Role

IST = timezone(timedelta(hours=5, minutes=30))
ROUTES = ("summary", "wards", "trends", "heatmap")
NEAR = {"lat": "12.97", "lon": "77.59"}


def _field(resp) -> str:  # type: ignore[no-untyped-def]
    assert resp.status_code in (400, 404), resp.text
    body = resp.json()
    assert body["field"] in body["detail"]
    return body["field"]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-13-01"}, "from"),  # no such month
        ({"from": "2026-02-30"}, "from"),
        ({"to": "01-12-2026"}, "to"),  # not YYYY-MM-DD
        ({"to": "2026-1-5"}, "to"),
        ({"from": "２０２６-０１-０１"}, "from"),  # digits, but not ASCII ones
        ({"from": "1999-12-31", "to": "2000-01-02"}, "from"),  # before 2000
        ({"from": "2026-03-02", "to": "2026-03-01"}, "to"),  # to before from
        ({"from": "2024-01-01", "to": "2025-01-01"}, "to"),  # 367 days (2024 is a leap year)
        ({"from": "2020-01-01"}, "from"),  # from then to today is over 366 days
        ({"category": "potholes"}, "category"),
        ({"city": "Bengaluru!"}, "city"),
        ({"city": ""}, "city"),  # empty: leave it out instead
        ({"statsu": "open"}, "statsu"),  # a typo is not silently ignored
    ],
)
async def test_a_bad_parameter_answers_400_naming_it(api, route, params, field):
    resp = await api.get(f"/v1/stats/{route}", params=params)
    assert resp.status_code == 400, resp.text
    assert _field(resp) == field


@pytest.mark.parametrize("route", ROUTES)
async def test_an_unknown_city_answers_404_naming_city(api, route):
    resp = await api.get(f"/v1/stats/{route}", params={"city": "atlantis"})
    assert resp.status_code == 404, resp.text
    assert _field(resp) == "city"


@pytest.mark.parametrize(
    ("route", "params", "field"),
    [
        ("trends", {"interval": "year"}, "interval"),
        ("trends", {"interval": "day", "from": "2026-01-01", "to": "x"}, "to"),
        ("heatmap", {"resolution": "6"}, "resolution"),
        ("heatmap", {"resolution": "10"}, "resolution"),
        ("heatmap", {"resolution": "eight"}, "resolution"),
        ("heatmap", {"status": "closed"}, "status"),
        ("summary", {"interval": "day"}, "interval"),  # a parameter of another route
    ],
)
async def test_route_parameters_are_checked_too(api, route, params, field):
    resp = await api.get(f"/v1/stats/{route}", params=params)
    assert resp.status_code == 400, resp.text
    assert _field(resp) == field


async def test_a_parameter_given_twice_is_refused(api):
    resp = await api.get("/v1/stats/summary?category=pothole&category=fallen_tree")
    assert _field(resp) == "category"


async def test_a_range_of_exactly_366_days_is_allowed(api):
    resp = await api.get("/v1/stats/summary", params={"from": "2025-01-01", "to": "2026-01-01"})
    assert resp.status_code == 200, resp.text
    one_day = await api.get("/v1/stats/trends", params={"from": "2026-05-05", "to": "2026-05-05"})
    assert [p["start"] for p in one_day.json()["points"]] == ["2026-05-05"]


async def test_without_parameters_the_figures_are_this_ist_month_in_our_city(api):
    today = datetime.now(UTC).astimezone(IST).date()
    for route in ROUTES:
        resp = await api.get(f"/v1/stats/{route}")
        assert resp.status_code == 200, resp.text
        body = resp.json()
        assert (body["from"], body["to"]) == (today.replace(day=1).isoformat(), today.isoformat())
        assert body["city"] == "bengaluru" and body["category"] is None
    only_to = (await api.get("/v1/stats/summary", params={"to": "2026-03-17"})).json()
    assert (only_to["from"], only_to["to"]) == ("2026-03-01", "2026-03-17")
    wards = (await api.get("/v1/stats/wards")).json()
    assert len(wards["wards"]) == 198 and len(wards["zones"]) == 8  # every ward, zeros included
    letters = (await api.get("/v1/stats/summary", params={"city": "BENGALURU"})).json()
    assert letters["city"] == "bengaluru"


async def test_stats_need_no_key_and_a_key_changes_nothing(api, api_keys):
    plain = await api.get("/v1/stats/summary", params={"from": "2026-01-01", "to": "2026-01-31"})
    keyed = await api.get(
        "/v1/stats/summary",
        params={"from": "2026-01-01", "to": "2026-01-31"},
        headers=auth(api_keys["official"]),
    )
    assert plain.status_code == keyed.status_code == 200
    assert {k: v for k, v in plain.json().items() if k != "as_of"} == {
        k: v for k, v in keyed.json().items() if k != "as_of"
    }


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lon": "77.59"}, "lat"),
        ({"lat": "12.97"}, "lon"),
        ({"lat": "91", "lon": "77.59"}, "lat"),
        ({"lat": "12.97", "lon": "-180.5"}, "lon"),
        ({"lat": "north", "lon": "77.59"}, "lat"),
        ({"lat": "nan", "lon": "77.59"}, "lat"),
        ({"lat": "1e1", "lon": "77.59"}, "lat"),
        ({**NEAR, "radius_m": "0"}, "radius_m"),
        ({**NEAR, "radius_m": "1001"}, "radius_m"),
        ({**NEAR, "radius_m": "1e3"}, "radius_m"),
        ({**NEAR, "radius_m": "50.5"}, "radius_m"),
        ({**NEAR, "category": "potholes"}, "category"),
        ({**NEAR, "near": "me"}, "near"),
    ],
)
async def test_nearby_checks_each_parameter(api, api_keys, params, field):
    resp = await api.get(
        "/v1/complaints/nearby", params=params, headers=auth(api_keys["citizen-app"])
    )
    assert resp.status_code == 400, resp.text
    assert _field(resp) == field


async def test_nearby_is_its_own_route_not_a_tracking_id(api, api_keys):
    key = auth(api_keys["citizen-app"])
    resp = await api.get("/v1/complaints/nearby", headers=key)
    assert resp.status_code == 400 and resp.json()["field"] == "lat", resp.text
    ok = await api.get("/v1/complaints/nearby", params=NEAR, headers=key)
    assert ok.status_code == 200 and "items" in ok.json(), ok.text
    # A tracking id still reaches the complaint route.
    missing = await api.get("/v1/complaints/BLR-0000000000", headers=auth(api_keys["admin"]))
    assert missing.status_code == 404, missing.text


async def test_nearby_needs_a_key_of_an_app_or_an_official(api, api_keys):
    assert (await api.get("/v1/complaints/nearby", params=NEAR)).status_code == 401
    for role in Role:
        resp = await api.get("/v1/complaints/nearby", params=NEAR, headers=auth(api_keys[role]))
        assert resp.status_code == 200, (role, resp.text)


async def test_the_routes_are_documented_with_their_parameters(api):
    doc = (await api.get("/schema/openapi.json")).json()
    for route, extra in (
        ("summary", []),
        ("wards", []),
        ("trends", ["interval"]),
        ("heatmap", ["status", "resolution"]),
    ):
        operation = doc["paths"][f"/v1/stats/{route}"]["get"]
        assert operation["summary"]
        names = [p["name"] for p in operation["parameters"]]
        assert names == ["city", "from", "to", "category", *extra]
        assert {"200", "400", "404", "429"} <= set(operation["responses"])
    nearby = doc["paths"]["/v1/complaints/nearby"]["get"]
    assert [p["name"] for p in nearby["parameters"]] == ["lat", "lon", "category", "radius_m"]
    assert nearby["summary"] == "Open complaints near a point"
