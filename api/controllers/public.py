"""Routes anyone may call: health, the category catalogue, and the city's ward map."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Parameter, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE
from temporalio.client import Client

from api.auth import PUBLIC
from api.errors import FieldError
from api.openapi import answers
from api.schemas import CategoryView
from domain import languages
from domain.categories import CATEGORIES
from domain.category_names import CATEGORY_NAMES
from language import classify as classifier
from language import detect
from records.geography import CityZones, UnknownCity, ZoneDirectory
from records.tables import City

log = logging.getLogger("civicops.api")


@get(
    "/health", operation_id="health", opt=PUBLIC, tags=["public"], summary="API and service health"
)
async def health(request: Request) -> Response[dict[str, Any]]:
    """200 when the database, Temporal and object storage all answer; 503 naming what failed."""
    checks = await asyncio.gather(
        _check("database", City.raw("SELECT 1")),
        _check("temporal", _temporal_ok(request.app.state.temporal)),
        _check("object_storage", asyncio.to_thread(_s3_ok, request)),
    )
    results = dict(checks)
    ok = all(v == "ok" for v in results.values())
    return Response(
        {"status": "ok" if ok else "degraded", "checks": results},
        status_code=HTTP_200_OK if ok else HTTP_503_SERVICE_UNAVAILABLE,
    )


class WardProperties(msgspec.Struct):
    """What the map says of a ward."""

    city: str
    ward_id: str
    ward_name: str
    zone: str | None


class WardFeature(msgspec.Struct):
    """One ward: a GeoJSON Feature whose geometry is a Polygon or MultiPolygon."""

    type: str
    id: str
    properties: WardProperties
    geometry: dict[str, Any]


class WardMap(msgspec.Struct):
    """The city's wards (GeoJSON FeatureCollection), with the boundaries' credit line."""

    type: str
    attribution: str
    features: list[WardFeature]


class CatalogueController(Controller):
    """Categories and the ward map: public, no API key needed."""

    path = "/v1"
    tags = ["public"]

    @get("/categories", operation_id="listCategories", opt=PUBLIC, summary="Category catalogue")
    async def categories(
        self,
        lang: Annotated[
            str, Parameter(max_length=12, description="BCP 47 tag: names and keywords in it")
        ] = "en",
    ) -> list[CategoryView]:
        """The complaint categories, named in a language with the words citizens use for them,
        with their department, default priority and SLA hours."""
        language = languages.normalise(lang)
        if language is None or language not in CATEGORY_NAMES:
            raise FieldError("lang", f"unsupported; use one of {', '.join(sorted(CATEGORY_NAMES))}")
        names = CATEGORY_NAMES[language]
        spoken = classifier.keywords(language) if language in detect.SUPPORTED else {}
        return [
            CategoryView(
                code=c.code,
                name=names.get(c.code, c.name),
                group=c.group,
                department=c.department,
                default_priority=c.default_priority.name,
                sla_hours=c.sla_hours,
                keywords=list(
                    dict.fromkeys(
                        [*spoken.get(c.code, ()), *(c.keywords if language == "en" else ())]
                    )
                ),
                language=language,
                name_en=c.name,
            )
            for c in CATEGORIES
        ]

    @get(
        "/zones",
        operation_id="listZones",
        opt=PUBLIC,
        media_type="application/geo+json",
        responses={
            200: ResponseSpec(
                data_container=WardMap,
                media_type="application/geo+json",
                description="The wards as a GeoJSON FeatureCollection",
            ),
            **answers(404),
        },
        summary="Ward and zone map (GeoJSON)",
    )
    async def zones(
        self,
        request: Request,
        city: Annotated[str | None, QueryParameter(name="city", max_length=40)] = None,
    ) -> Response[bytes]:
        """The city's wards as a GeoJSON FeatureCollection, each with its ward id, name and zone."""
        slug = (city or request.app.state.settings.city).strip().lower()
        directory: ZoneDirectory = request.app.state.zones
        try:
            zones = await directory.city(slug)
        except UnknownCity:
            raise FieldError("city", f"CivicOps does not serve {slug!r}", status_code=404) from None
        cache: dict[tuple[str, int], bytes] = request.app.state.geojson_cache
        body = cache.get((slug, zones.version))
        if body is None:
            body = await asyncio.to_thread(_ward_geojson, zones)
            cache.clear()
            cache[(slug, zones.version)] = body
        return Response(body, media_type="application/geo+json")


def _ward_geojson(zones: CityZones) -> bytes:
    features = [
        {
            "type": "Feature",
            "id": shape.ward_id,
            "properties": {
                "city": zones.city.slug,
                "ward_id": shape.ward_id,
                "ward_name": shape.name,
                "zone": shape.zone,
            },
            "geometry": shape.geometry,
        }
        for shape in zones.shapes
    ]
    collection = {
        "type": "FeatureCollection",
        "attribution": zones.city.attribution,
        "features": features,
    }
    return json.dumps(collection, separators=(",", ":")).encode()


async def _check(name: str, awaitable: Any) -> tuple[str, str]:
    try:
        await asyncio.wait_for(awaitable, timeout=5)
        return name, "ok"
    except Exception as exc:  # a health check reports every failure, whatever it is
        log.warning("health check %s failed: %s", name, exc)
        return name, f"failed: {type(exc).__name__}"


async def _temporal_ok(client: Client) -> None:
    if not await client.service_client.check_health():
        raise RuntimeError("temporal reports not serving")


def _s3_ok(request: Request) -> None:
    settings = request.app.state.settings
    request.app.state.s3.head_bucket(Bucket=settings.s3_bucket)
