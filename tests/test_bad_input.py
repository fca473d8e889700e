"""Bad requests get a clear 4xx naming the field; they never reach a 500 or start a workflow."""

from __future__ import annotations

import json

import pytest
from helpers import MALLESHWARAM, auth, pothole

LAT, LON = MALLESHWARAM


def _raw(body: dict) -> str:
    return json.dumps(body)


CASES = [
    # (name, raw body, content type, expected status, expected field)
    ("nan latitude", '{"category":"pothole","description":"x","latitude":NaN,"longitude":77.5}',
     "application/json", 400, "latitude"),
    ("infinite longitude", '{"category":"pothole","description":"x","latitude":13,'
     '"longitude":1e999}', "application/json", 400, "longitude"),
    ("latitude out of range", _raw(pothole(91.0, LON)), "application/json", 400, "latitude"),
    ("longitude out of range", _raw(pothole(LAT, -181.0)), "application/json", 400, "longitude"),
    ("latitude as words", _raw(pothole("north", LON)), "application/json", 400, "latitude"),
    ("unknown category", _raw(pothole(LAT, LON, category="potholes")), "application/json", 400,
     "category"),
    ("empty description", _raw(pothole(LAT, LON, description="")), "application/json", 400,
     "description"),
    ("blank description", _raw(pothole(LAT, LON, description="   \n ")), "application/json", 400,
     "description"),
    ("description over 4000", _raw(pothole(LAT, LON, description="a" * 4001)),
     "application/json", 400, "description"),
    ("missing longitude", '{"category":"pothole","description":"x","latitude":13.0}',
     "application/json", 400, "longitude"),
    ("malformed json", '{"category":"pothole",', "application/json", 400, "body"),
    ("json array", "[1, 2]", "application/json", 400, "body"),
    ("wrong content type", _raw(pothole(LAT, LON)), "text/plain", 400, "Content-Type"),
    ("form encoded", "category=pothole&latitude=13", "application/x-www-form-urlencoded", 400,
     None),
    ("unknown field", _raw(pothole(LAT, LON, colour="red")), "application/json", 400, "colour"),
    ("unsupported language", _raw(pothole(LAT, LON, language="xx")), "application/json", 400,
     "language"),
    ("bad reporter phone", _raw(pothole(LAT, LON, reporter={"phone": "call me"})),
     "application/json", 400, "reporter.phone"),
    ("unknown city", _raw(pothole(LAT, LON, city="atlantis")), "application/json", 400, "city"),
    ("point in the sea off Mumbai", _raw(pothole(19.0, 72.7)), "application/json", 422,
     "latitude"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("body", "content_type", "status", "field"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
async def test_bad_complaint_gets_a_clear_error_naming_the_field(
    api, api_keys, temporal_env, task_queue, body, content_type, status, field
):
    headers = {**auth(api_keys["citizen-app"]), "Content-Type": content_type}
    resp = await api.post("/v1/complaints", content=body.encode(), headers=headers)
    assert resp.status_code == status, resp.text
    error = resp.json()
    assert error["status_code"] == status
    assert error["detail"]
    if field is not None:
        assert error["field"] == field, error
    started = [w async for w in temporal_env.client.list_workflows(f"TaskQueue = '{task_queue}'")]
    assert started == [], "a rejected complaint must not start a workflow"


async def test_point_outside_the_city_says_so(api, api_keys):
    resp = await api.post(
        "/v1/complaints", json=pothole(12.2958, 76.6394), headers=auth(api_keys["citizen-app"])
    )
    assert resp.status_code == 422
    assert "outside every ward of Bengaluru" in resp.json()["detail"]


async def test_oversized_body_is_rejected_without_a_500(api, api_keys):
    body = _raw(pothole(LAT, LON, description="a" * 200_000))
    resp = await api.post(
        "/v1/complaints",
        content=body.encode(),
        headers={**auth(api_keys["citizen-app"]), "Content-Type": "application/json"},
    )
    assert resp.status_code == 413


async def test_point_just_outside_a_ward_edge_goes_to_the_nearest_ward(api, api_keys):
    from records.geography import ZoneDirectory

    zones = await ZoneDirectory(nearest_max_m=250).city("bengaluru")
    minlon, _, maxlon, maxlat = zones.index.bounds()
    lat = maxlat + 0.0005  # ~55 m north of the northernmost vertex
    candidates = [lon / 1000 for lon in range(int(minlon * 1000), int(maxlon * 1000))]
    near = next((lat, lon) for lon in candidates if zones.locate(lat, lon).match.value == "nearest")
    headers = auth(api_keys["citizen-app"])
    resp = await api.post("/v1/complaints", json=pothole(*near), headers=headers)
    assert resp.status_code == 202, resp.text
