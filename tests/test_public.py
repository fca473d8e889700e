"""What anyone can read without a key: health, the category catalogue, the ward map, OpenAPI."""

from __future__ import annotations

import dataclasses

import httpx

from api.app import create_app

INDIA_CATEGORIES = {
    "pothole", "waterlogging", "drain_overflow", "garbage_not_collected", "waste_not_segregated",
    "streetlight_out", "stray_animals", "fallen_tree", "water_supply", "illegal_dumping",
    "public_toilet", "mosquito_breeding",
}  # fmt: skip


async def test_categories_list_the_india_catalogue(api):
    resp = await api.get("/v1/categories")
    assert resp.status_code == 200
    codes = {c["code"] for c in resp.json()}
    assert INDIA_CATEGORIES <= codes
    pothole = next(c for c in resp.json() if c["code"] == "pothole")
    assert pothole["sla_hours"] == 72 and pothole["default_priority"] == "P3"


async def test_zones_are_geojson_of_198_wards_in_8_zones(api):
    resp = await api.get("/v1/zones")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("application/geo+json")
    collection = resp.json()
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == 198
    zones = {f["properties"]["zone"] for f in collection["features"]}
    assert zones == {
        "Bommanahalli", "Dasarahalli", "East", "Mahadevapura", "Rajarajeswari Nagar", "South",
        "West",
        "Yelahanka",
    }  # fmt: skip
    assert "DataMeet" in collection["attribution"]
    unknown = await api.get("/v1/zones", params={"city": "atlantis"})
    assert unknown.status_code == 404 and unknown.json()["field"] == "city"


async def test_health_is_ok_when_every_service_answers(api):
    resp = await api.get("/health")
    assert resp.status_code == 200
    assert resp.json() == {
        "status": "ok",
        "checks": {"database": "ok", "temporal": "ok", "object_storage": "ok"},
    }


async def test_health_names_object_storage_when_it_is_down(temporal_env, settings, database):
    from devstack.services import free_port

    broken = dataclasses.replace(settings, s3_endpoint_url=f"http://127.0.0.1:{free_port()}")
    app = create_app(broken, temporal=temporal_env.client)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        resp = await client.get("/health")
    assert resp.status_code == 503
    checks = resp.json()["checks"]
    assert checks["object_storage"].startswith("failed")
    assert checks["database"] == "ok" and checks["temporal"] == "ok"


async def test_openapi_schema_documents_every_route(api):
    resp = await api.get("/schema/openapi.json")
    assert resp.status_code == 200
    spec = resp.json()
    operation_ids = {op["operationId"] for path in spec["paths"].values() for op in path.values()}
    assert {"fileComplaint", "getComplaint", "withdrawComplaint", "listCategories",
            "listZones", "health"} <= operation_ids  # fmt: skip
    body = spec["paths"]["/v1/complaints"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"]
