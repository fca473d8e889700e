"""GET /v1/hotspots and POST /v1/hotspots/work-orders against the real API, worker and database.

Five open garbage complaints filed within 150 m of each other show as one hotspot, and one
work order hands all five to one supervisor, each through its workflow's reassign update:
the cases show the new assignee and the audit chain has each reassignment. Every case here
is filed in a ward no other test of the run files in, far enough inside it that no other
test's case is within the radius.
"""

from __future__ import annotations

import math
from typing import Any

from helpers import auth, fresh_spot
from search_helpers import eventually, file, settled

from domain.hotspots import METRES_PER_DEGREE, distance_m, hotspot_id
from records.tables import Official

GARBAGE = "garbage_not_collected"
UNKNOWN = "BLR-0000000000"


def pentagon_in_a_fresh_ward(radius_m: float = 60) -> tuple[str, tuple[float, float], list]:
    """Five points on a circle of radius_m (each pair 70–115 m apart, beyond the 50 m
    re-complaint rule), at least 150 m inside a ward no other test of this run files in."""
    from search_helpers import _wards
    from shapely.geometry import shape

    while True:
        _, _, ward_id = fresh_spot()
        inner = shape(_wards()[ward_id].geometry).buffer(-(radius_m + 160) / 111_320)
        if inner.is_empty:
            continue
        middle = inner.representative_point()
        lat, lon = round(middle.y, 6), round(middle.x, 6)
        points = []
        for k in range(5):
            angle = 2 * math.pi * k / 5
            north, east = radius_m * math.cos(angle), radius_m * math.sin(angle)
            points.append(
                (
                    round(lat + north / METRES_PER_DEGREE, 6),
                    round(lon + east / (METRES_PER_DEGREE * math.cos(math.radians(lat))), 6),
                )
            )
        return ward_id, (lat, lon), points


async def hotspots(api: Any, key: str, **params: str) -> Any:
    """GET /v1/hotspots with a key."""
    return await api.get("/v1/hotspots", params=params, headers=auth(key))


async def test_five_garbage_complaints_make_one_hotspot_and_one_work_order_moves_them(
    api, api_keys
):
    official, auditor = api_keys["official"], api_keys["auditor"]
    ward_id, middle, spots = pentagon_in_a_fresh_ward()
    tracking_ids = [await file(api, api_keys["citizen-app"], spot, GARBAGE) for spot in spots]
    cases = await settled(api, official, tracking_ids)
    holder = cases[0]["assignee"]["id"]
    assert {c["assignee"]["id"] for c in cases} == {holder}

    async def my_hotspot(key: str, **params: str) -> dict[str, Any] | None:
        resp = await hotspots(api, key, category=GARBAGE, **params)
        assert resp.status_code == 200, resp.text
        for spot in resp.json()["hotspots"]:
            if tracking_ids[0] in {c["tracking_id"] for c in spot["cases"]}:
                return spot
        return None

    spot = await eventually(lambda: my_hotspot(official))
    assert sorted(c["tracking_id"] for c in spot["cases"]) == sorted(tracking_ids)
    assert spot["id"] == hotspot_id(GARBAGE, tracking_ids)
    assert spot["category"] == GARBAGE and spot["wards"] == [ward_id]
    assert distance_m(spot["centroid"]["lat"], spot["centroid"]["lon"], *middle) < 5
    dues = sorted(c["sla_due_at"] for c in cases)
    assert spot["oldest_sla_due_at"].replace("Z", "+00:00")[:19] == dues[0][:19]
    for member in spot["cases"]:
        assert set(member) == {
            "tracking_id", "status", "ward_id", "ward_name", "zone", "sla_due_at", "assignee"
        }  # fmt: skip
        assert member["status"] == "NOTICE_ISSUED" and member["assignee"]["id"] == holder
    # The auditor reads the same; a radius too short for the pentagon's sides finds nothing.
    assert (await eventually(lambda: my_hotspot(auditor)))["id"] == spot["id"]
    assert await my_hotspot(official, radius_m="60") is None
    assert await my_hotspot(official, min_cases="6") is None
    body = (await hotspots(api, official, category=GARBAGE)).json()
    assert (body["city"], body["radius_m"], body["min_cases"]) == ("bengaluru", 150, 3)

    target = await (
        Official.select(Official.id, Official.name, Official.designation)
        .where((Official.level == 0) & (Official.id != holder) & (Official.active == True))  # noqa: E712
        .first()
    )
    order = {"tracking_ids": [*tracking_ids, UNKNOWN], "official_id": target["id"]}
    for role in ("auditor", "supervisor", "citizen-app", "integrator"):
        resp = await api.post("/v1/hotspots/work-orders", json=order, headers=auth(api_keys[role]))
        assert resp.status_code == 403, (role, resp.text)
    resp = await api.post(
        "/v1/hotspots/work-orders",
        json={**order, "note": "one crew clears the whole stretch"},
        headers=auth(official),
    )
    assert resp.status_code == 200, resp.text
    answer = resp.json()
    assert answer["official"] == {
        "id": target["id"], "name": target["name"], "designation": target["designation"]
    }  # fmt: skip
    results = {r["tracking_id"]: r for r in answer["results"]}
    assert [r["tracking_id"] for r in answer["results"]] == order["tracking_ids"]
    for tracking_id in tracking_ids:
        assert results[tracking_id] == {
            "tracking_id": tracking_id, "outcome": "reassigned", "status_code": 200, "detail": None
        }  # fmt: skip
    assert results[UNKNOWN]["outcome"] == "refused"
    assert results[UNKNOWN]["status_code"] == 404 and UNKNOWN in results[UNKNOWN]["detail"]

    # Each case follows its new assignee, with the reassignment in its events and the audit.
    for tracking_id in tracking_ids:
        case = (await api.get(f"/v1/complaints/{tracking_id}", headers=auth(official))).json()
        assert case["assignee"]["id"] == target["id"], case
        [moved] = [e for e in case["events"] if e["kind"] == "reassigned"]
        assert moved["detail"]["reason"] == "one crew clears the whole stretch"

        async def audited(tid: str = tracking_id) -> list[dict[str, Any]]:
            resp = await api.get(
                "/v1/audit/entries", params={"subject": tid, "limit": "100"}, headers=auth(auditor)
            )
            assert resp.status_code == 200, resp.text
            return [e for e in resp.json() if e["action"] == "case.reassigned"]

        [entry] = await eventually(audited)
        assert entry["detail"]["assignee"] == target["id"]
        assert entry["detail"]["official"] == target["name"]
        assert entry["actor"] == "test-official"

    # The same order again changes nothing: every case already has that official.
    again = await api.post(
        "/v1/hotspots/work-orders",
        json={"tracking_ids": tracking_ids, "official_id": target["id"]},
        headers=auth(official),
    )
    assert again.status_code == 200, again.text
    assert [r["outcome"] for r in again.json()["results"]] == ["unchanged"] * 5
    # The hotspot keeps its id and lists the new assignee once the projection has it.
    moved_spot = await eventually(lambda: _with_assignee(my_hotspot(official), target["id"]))
    assert moved_spot["id"] == spot["id"]


async def _with_assignee(pending: Any, official_id: int) -> dict[str, Any] | None:
    """The hotspot once every member shows the official as assignee, else None."""
    spot = await pending
    if spot and all((c["assignee"] or {}).get("id") == official_id for c in spot["cases"]):
        return spot
    return None


async def test_who_may_list_hotspots(api, api_keys):
    for role in ("official", "admin", "auditor"):
        assert (await hotspots(api, api_keys[role])).status_code == 200, role
    for role in ("supervisor", "citizen-app", "integrator"):
        assert (await hotspots(api, api_keys[role])).status_code == 403, role
    assert (await api.get("/v1/hotspots")).status_code == 401


async def test_bad_parameters_name_the_parameter(api, api_keys):
    official = api_keys["official"]
    for params, field, status in [
        ({"radius_m": "24"}, "radius_m", 400),
        ({"radius_m": "1001"}, "radius_m", 400),
        ({"radius_m": "1e2"}, "radius_m", 400),
        ({"radius_m": "١٥٠"}, "radius_m", 400),
        ({"min_cases": "1"}, "min_cases", 400),
        ({"min_cases": "51"}, "min_cases", 400),
        ({"category": "litter"}, "category", 400),
        ({"category": ""}, "category", 400),
        ({"city": "atlantis"}, "city", 404),
        ({"city": "Bad City!"}, "city", 400),
        ({"radius": "150"}, "radius", 400),
    ]:
        resp = await hotspots(api, official, **params)
        assert resp.status_code == status, (params, resp.text)
        assert resp.json()["field"] == field, (params, resp.text)
    twice = await api.get("/v1/hotspots?min_cases=3&min_cases=4", headers=auth(official))
    assert twice.status_code == 400 and twice.json()["field"] == "min_cases"
    ok = await hotspots(api, official, category="POTHOLE", radius_m="25", min_cases="50")
    assert ok.status_code == 200 and ok.json()["category"] == "pothole"


async def test_a_bad_work_order_names_the_field(api, api_keys):
    official = api_keys["official"]
    valid = ["BLR-0000000001", "BLR-0000000002"]
    for body, field, status in [
        ({}, "tracking_ids", 400),
        ({"official_id": 1}, "tracking_ids", 400),
        ({"tracking_ids": valid}, "official_id", 400),
        ({"tracking_ids": [], "official_id": 1}, "tracking_ids", 400),
        ({"tracking_ids": [f"BLR-{i:010d}" for i in range(51)], "official_id": 1},
         "tracking_ids", 400),
        ({"tracking_ids": "BLR-0000000001", "official_id": 1}, "tracking_ids", 400),
        ({"tracking_ids": ["BLR-0000000001", "nope"], "official_id": 1}, "tracking_ids[1]", 400),
        ({"tracking_ids": [*valid, "blr-0000000001"], "official_id": 1}, "tracking_ids[2]", 400),
        ({"tracking_ids": valid, "official_id": "1"}, "official_id", 400),
        ({"tracking_ids": valid, "official_id": 1.0}, "official_id", 400),
        ({"tracking_ids": valid, "official_id": 0}, "official_id", 400),
        ({"tracking_ids": valid, "official_id": 2**31}, "official_id", 400),
        ({"tracking_ids": valid, "official_id": 99_999_999}, "official_id", 422),
        ({"tracking_ids": valid, "official_id": 1, "note": "x" * 501}, "note", 400),
        ({"tracking_ids": valid, "official_id": 1, "note": "a\x00b"}, "note", 400),
        ({"tracking_ids": valid, "official_id": 1, "crew": 3}, "crew", 400),
    ]:  # fmt: skip
        resp = await api.post("/v1/hotspots/work-orders", json=body, headers=auth(official))
        assert resp.status_code == status, (body, resp.text)
        assert resp.json()["field"] == field, (body, resp.text)


async def test_one_refused_case_does_not_stop_the_others(api, api_keys):
    official, citizen = api_keys["official"], api_keys["citizen-app"]
    _, _, spots = pentagon_in_a_fresh_ward()
    kept, withdrawn = [await file(api, citizen, spot, GARBAGE) for spot in spots[:2]]
    cases = await settled(api, official, [kept, withdrawn])
    resp = await api.post(
        f"/v1/complaints/{withdrawn}/withdraw",
        json={"reason": "filed twice by mistake"},
        headers=auth(citizen),
    )
    assert resp.status_code == 200, resp.text
    target = await (
        Official.select(Official.id)
        .where((Official.level == 0) & (Official.id != cases[0]["assignee"]["id"]))
        .first()
    )
    resp = await api.post(
        "/v1/hotspots/work-orders",
        json={"tracking_ids": [withdrawn, kept.lower()], "official_id": target["id"]},
        headers=auth(official),
    )
    assert resp.status_code == 200, resp.text
    first, second = resp.json()["results"]
    assert first["tracking_id"] == withdrawn and first["outcome"] == "refused"
    assert first["status_code"] == 404 and withdrawn in first["detail"], first
    assert second == {"tracking_id": kept, "outcome": "reassigned", "status_code": 200,
                      "detail": None}  # fmt: skip
