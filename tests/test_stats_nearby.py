"""Before filing, an app asks what is already reported nearby: open cases only, nearest first,
at most 20, each with its tracking id, category, status and distance, and nothing personal."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from helpers import auth
from stats_helpers import PERSONAL, case_state, keys_of, record_all
from stats_helpers import stats_city as stats_city  # fixture

FILED = datetime(2026, 11, 20, 4, 30, tzinfo=UTC)


def _north(lat: float, lon: float, metres: float) -> tuple[float, float]:
    return lat + metres / 111_320, lon


def _east(lat: float, lon: float, metres: float) -> tuple[float, float]:
    return lat, lon + metres / (111_320 * math.cos(math.radians(lat)))


async def test_nearby_lists_open_cases_within_the_radius_nearest_first(api, api_keys, stats_city):
    ward = stats_city.wards[3]
    here = (ward.lat, ward.lon)
    placed = {
        "open_40m": ("NOTICE_ISSUED", "pothole", _north(*here, 40)),
        "open_10m": ("ASSIGNED", "pothole", _east(*here, 10)),
        "reopened_70m": ("REOPENED", "pothole", _east(*here, -70)),
        "intake_25m": ("FILED", "garbage_not_collected", _north(*here, -25)),
        "resolved_5m": ("RESOLVED", "pothole", _north(*here, 5)),
        "closed_8m": ("CLOSED", "pothole", _east(*here, 8)),
        "withdrawn_3m": ("WITHDRAWN", "pothole", _east(*here, -3)),
        "open_120m": ("ESCALATED", "pothole", _north(*here, 120)),
    }
    states = {
        name: case_state(
            stats_city,
            ward,
            status=status,
            category=category,
            at=point,
            filed_at=FILED,
            hours=2 if status in ("RESOLVED", "CLOSED") else None,
            description=f"secret words {name}",
        )
        for name, (status, category, point) in placed.items()
    }
    await record_all(list(states.values()))
    ids = {name: s.complaint.tracking_id for name, s in states.items()}
    key = auth(api_keys["citizen-app"])
    params = {"lat": str(here[0]), "lon": str(here[1])}
    resp = await api.get("/v1/complaints/nearby", params=params, headers=key)
    assert resp.status_code == 200, resp.text
    items = resp.json()["items"]
    # Resolved, closed and withdrawn cases are not listed; 120 m is beyond the default 100 m.
    assert [i["tracking_id"] for i in items] == [
        ids["open_10m"],
        ids["intake_25m"],
        ids["open_40m"],
        ids["reopened_70m"],
    ]
    for item, expected in zip(items, (10, 25, 40, 70), strict=True):
        assert abs(item["distance_m"] - expected) < 0.5, item
    assert items[0] == {
        "tracking_id": ids["open_10m"],
        "category": "pothole",
        "status": "ASSIGNED",
        "distance_m": items[0]["distance_m"],
        "filed_at": "2026-11-20T04:30:00Z",
    }
    assert not keys_of(resp.json()) & set(PERSONAL)
    assert "secret words" not in resp.text and str(here[0])[:7] not in resp.text

    wider = await api.get(
        "/v1/complaints/nearby", params={**params, "radius_m": "150"}, headers=key
    )
    assert [i["tracking_id"] for i in wider.json()["items"]][-1] == ids["open_120m"]
    potholes = await api.get(
        "/v1/complaints/nearby", params={**params, "category": "pothole"}, headers=key
    )
    assert ids["intake_25m"] not in {i["tracking_id"] for i in potholes.json()["items"]}
    tight = await api.get("/v1/complaints/nearby", params={**params, "radius_m": "9"}, headers=key)
    assert tight.json()["items"] == []


async def test_nearby_lists_at_most_twenty(api, api_keys, stats_city):
    ward = stats_city.wards[2]
    states = [
        case_state(
            stats_city,
            ward,
            status="ASSIGNED",
            category="streetlight_out",
            at=_north(ward.lat, ward.lon, 3 * i),
            filed_at=FILED + timedelta(minutes=i),
        )
        for i in range(1, 26)
    ]
    await record_all(states)
    resp = await api.get(
        "/v1/complaints/nearby",
        params={"lat": str(ward.lat), "lon": str(ward.lon), "radius_m": "1000"},
        headers=auth(api_keys["integrator"]),
    )
    items = resp.json()["items"]
    assert [i["tracking_id"] for i in items] == [s.complaint.tracking_id for s in states[:20]]
    distances = [i["distance_m"] for i in items]
    assert distances == sorted(distances)


async def test_no_stats_answer_carries_personal_data(api, stats_city):
    ward = stats_city.wards[0]
    states = [
        case_state(
            stats_city,
            ward,
            status=status,
            category="pothole",
            filed_at=FILED,
            hours=3 if status == "CLOSED" else None,
            description="Ravi's gate, call 9845098450",
        )
        for status in ("ASSIGNED", "ASSIGNED", "ASSIGNED", "CLOSED")
    ]
    await record_all(states)
    params = {"city": stats_city.slug, "from": "2026-11-01", "to": "2026-11-30"}
    for route in ("summary", "wards", "trends", "heatmap"):
        resp = await api.get(
            f"/v1/stats/{route}",
            params={**params, "status": "all"} if route == "heatmap" else params,
        )
        assert resp.status_code == 200, resp.text
        assert not keys_of(resp.json()) & set(PERSONAL), route
        for secret in ("Ravi", "9845098450", states[0].complaint.tracking_id, f"{ward.lat:.5f}"):
            assert secret not in resp.text, (route, secret)
    heat = (await api.get("/v1/stats/heatmap", params={**params, "status": "all"})).json()
    assert [f["properties"]["count"] for f in heat["features"]] == [4]
