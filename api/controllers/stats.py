"""The public figures: summary, wards and zones, trends, the heatmap; and open cases nearby.

Every parameter is checked here and a bad one answers 400 naming it (an unknown city 404);
unknown parameters are refused, so a typo never silently answers for the defaults. The
figures are counted by records/stats.py and mean what domain/stats.py says. No answer
carries personal data: counts, shares and hours; H3 cells only with at least three cases;
nearby cases by tracking id, category, status and distance, never their point.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import QueryParameter

from api import queries
from api.auth import PUBLIC, roles
from api.controllers.stats_views import (
    HeatMap,
    Nearby,
    NearbyCase,
    Summary,
    Trend,
    TrendPoint,
    WardFigures,
    WardsAndZones,
    ZoneFigures,
)
from api.errors import FieldError
from api.openapi import answers
from domain.roles import Role
from domain.stats import (
    MAX_DAYS,
    RESOLUTIONS,
    Counts,
    DayRange,
    Interval,
    cell_feature,
    default_range,
    today_ist,
    trend,
)
from records import stats as figures
from records.geography import CityZones

NEIGHBOURS = roles(Role.CITIZEN_APP, Role.INTEGRATOR, Role.SUPERVISOR, Role.OFFICIAL, Role.AUDITOR)
COMMON = ("city", "from", "to", "category")
DEFAULT_RADIUS_M, MAX_RADIUS_M = 100, 1000
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # ASCII digits only
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100

City = Annotated[
    str | None,
    QueryParameter(required=False, max_length=40, description="City slug (default: ours)"),
]
From = Annotated[
    str | None,
    QueryParameter(name="from", required=False, description="First IST day filed, YYYY-MM-DD"),
]
To = Annotated[
    str | None,
    QueryParameter(name="to", required=False, description="Last IST day filed (inclusive)"),
]
Category = Annotated[
    str | None, QueryParameter(required=False, max_length=40, description="A category code")
]


def _day(name: str, value: str) -> date:
    """A calendar day written YYYY-MM-DD."""
    if not _DATE.fullmatch(value):
        raise FieldError(name, "must be a date written YYYY-MM-DD")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise FieldError(name, "not a real date (YYYY-MM-DD)") from None
    if not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
        raise FieldError(name, f"must fall between {EARLIEST_YEAR} and {LATEST_YEAR}")
    return day


def _span(params: dict[str, str], now: datetime) -> DayRange:
    """The range of days: from and to (inclusive), by default this IST month to today."""
    if "from" not in params and "to" not in params:
        return default_range(now)
    last = _day("to", params["to"]) if "to" in params else today_ist(now)
    first = _day("from", params["from"]) if "from" in params else last.replace(day=1)
    if last < first:
        raise FieldError("to", "is before from")
    span = DayRange(first, last)
    if span.days > MAX_DAYS:
        raise FieldError(
            "to" if "to" in params else "from", f"the range may span at most {MAX_DAYS} days"
        )
    return span


async def _cohort(
    request: Request, known: tuple[str, ...]
) -> tuple[dict[str, str], CityZones, DayRange, figures.Cohort, dict[str, Any]]:
    """The validated common parameters, the cohort they select, and the answer's header."""
    params = queries.single(request, known)
    now = datetime.now(UTC)
    span = _span(params, now)
    category = queries.category(params)
    zones = await queries.city(request, params)
    cohort = figures.Cohort(zones.city.slug, span, category)
    head = {"city": zones.city.slug, "from_": span.first.isoformat(), "to": span.last.isoformat()}
    return params, zones, span, cohort, {**head, "category": category}


@lru_cache(maxsize=1 << 16)
def _cell_json(cell: int) -> tuple[bytes, bytes]:
    """A cell's feature as JSON, cut where its count goes."""
    marker = -1  # no count is negative: it marks the place
    text = msgspec.json.encode(cell_feature(cell, marker))
    before, after = text.split(b'"count":-1', 1)
    return before + b'"count":', after


def _feature_json(cell: int, count: int) -> bytes:
    """One heatmap feature as JSON (the same bytes as encoding cell_feature)."""
    before, after = _cell_json(cell)
    return before + str(int(count)).encode() + after


def _as_of() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _ward_order(ward_id: str) -> tuple[int, str]:
    return (int(ward_id), "") if ward_id.isdigit() else (10**9, ward_id)


class StatsController(Controller):
    """Public figures of a city's complaints: no API key, no personal data."""

    path = "/v1/stats"
    tags = ["public"]

    @get(
        "/summary",
        operation_id="statsSummary",
        opt=PUBLIC,
        responses=answers(400, 404, 429),
        summary="A city's complaint figures",
    )
    async def summary(
        self,
        request: Request,
        city: City = None,
        from_: From = None,
        to: To = None,
        category: Category = None,
    ) -> Summary:
        """Filed, open, resolved and closed; on-time share; median and p90 hours to resolve;
        re-complaint rate and escalations by level, of the complaints filed in the range."""
        _, _, _, cohort, head = await _cohort(request, COMMON)
        counts = await figures.summary(cohort)
        return Summary(**head, **counts.figures(), as_of=_as_of())

    @get(
        "/wards",
        operation_id="statsWards",
        opt=PUBLIC,
        responses=answers(400, 404, 429),
        summary="The same figures per ward and per zone",
    )
    async def wards(
        self,
        request: Request,
        city: City = None,
        from_: From = None,
        to: To = None,
        category: Category = None,
    ) -> WardsAndZones:
        """Every ward of the city and every zone, each with the summary's figures."""
        _, zones, _, cohort, head = await _cohort(request, COMMON)
        by_ward, by_zone = await figures.by_ward_and_zone(cohort)
        empty = Counts()
        ward_rows = [
            WardFigures(
                ward_id=ward_id,
                ward_name=name,
                zone=zone or None,
                **by_ward.get(ward_id, empty).figures(),
            )
            for ward_id, (_, name, zone) in sorted(
                zones.wards.items(), key=lambda item: _ward_order(item[0])
            )
        ]
        zone_names = sorted({zone for _, _, zone in zones.wards.values() if zone})
        zone_rows = [
            ZoneFigures(zone=zone, **by_zone.get(zone, empty).figures()) for zone in zone_names
        ]
        return WardsAndZones(**head, wards=ward_rows, zones=zone_rows, as_of=_as_of())

    @get(
        "/trends",
        operation_id="statsTrends",
        opt=PUBLIC,
        responses=answers(400, 404, 429),
        summary="Complaints filed and resolved over time",
    )
    async def trends(
        self,
        request: Request,
        city: City = None,
        from_: From = None,
        to: To = None,
        category: Category = None,
        interval: Annotated[
            str | None,
            QueryParameter(required=False, description="day, week (from Monday) or month"),
        ] = None,
    ) -> Trend:
        """Each day, week or month of the range: the complaints filed in it, how many of
        them are resolved now, and the on-time share of those."""
        params, _, span, cohort, head = await _cohort(request, (*COMMON, "interval"))
        step = Interval(queries.choice(params, "interval", tuple(i.value for i in Interval), "day"))
        days = await figures.by_day(cohort)
        points = [TrendPoint(**p) for p in trend(span, step, days)]  # type: ignore[arg-type]
        return Trend(**head, interval=step.value, points=points, as_of=_as_of())

    @get(
        "/heatmap",
        operation_id="statsHeatmap",
        opt=PUBLIC,
        media_type="application/geo+json",
        responses={
            200: ResponseSpec(
                data_container=HeatMap,
                media_type="application/geo+json",
                description="H3 cells with three or more cases, as a GeoJSON FeatureCollection",
            ),
            **answers(400, 404, 429),
        },
        summary="Complaint heatmap (H3 cells, GeoJSON)",
    )
    async def heatmap(
        self,
        request: Request,
        city: City = None,
        from_: From = None,
        to: To = None,
        category: Category = None,
        status: Annotated[
            str | None, QueryParameter(required=False, description="open (default) or all")
        ] = None,
        resolution: Annotated[
            str | None,
            QueryParameter(required=False, description="H3 resolution, 7 to 9 (default 8)"),
        ] = None,
    ) -> Response[bytes]:
        """The complaints filed in the range, counted per H3 cell; a cell with fewer than
        three is left out, so no single report can be located."""
        params, _, _, cohort, head = await _cohort(request, (*COMMON, "status", "resolution"))
        which = queries.choice(params, "status", ("open", "all"), "open")
        level = params.get("resolution", "8")
        if level not in {str(r) for r in RESOLUTIONS}:
            raise FieldError("resolution", "must be 7, 8 or 9")
        cells = await figures.heat(cohort, int(level), open_only=which == "open")
        collection = {
            "type": "FeatureCollection",
            "resolution": int(level),
            "city": head["city"],
            "from": head["from_"],
            "to": head["to"],
            "category": head["category"],
            "status": which,
            "as_of": _as_of(),
            "features": [],
        }
        # The collection's head, then each feature from its cell's cached JSON (a year of
        # resolution-9 cells is 2 MB: building and encoding it anew took most of the answer).
        head_json = msgspec.json.encode(collection)[: -len(b"[]}")]
        features = b",".join(_feature_json(cell, count) for cell, count in cells)
        return Response(head_json + b"[" + features + b"]}", media_type="application/geo+json")


class NearbyController(Controller):
    """Is it already reported? Open cases near a point, for apps before they file."""

    path = "/v1/complaints"
    tags = ["complaints"]

    @get(
        "/nearby",
        operation_id="complaintsNearby",
        opt=NEIGHBOURS,
        responses=answers(400),
        summary="Open complaints near a point",
    )
    async def nearby(
        self,
        request: Request,
        lat: Annotated[
            str | None, QueryParameter(required=False, description="Latitude, -90 to 90")
        ] = None,
        lon: Annotated[
            str | None, QueryParameter(required=False, description="Longitude, -180 to 180")
        ] = None,
        category: Category = None,
        radius_m: Annotated[
            str | None,
            QueryParameter(required=False, description="Metres, 1 to 1000 (default 100)"),
        ] = None,
    ) -> Nearby:
        """Open cases within the radius, nearest first, at most 20: each with its tracking id,
        category, status and distance, so an app can offer to follow one instead of filing."""
        return await nearby_cases(request)


async def nearby_cases(request: Request) -> Nearby:
    """Open cases near the request's `lat`, `lon` (and `category`, `radius_m`): the API route
    and the report page share it; 400 naming a bad parameter."""
    params = queries.single(request, ("lat", "lon", "category", "radius_m"))
    latitude = queries.number(params, "lat", -90, 90)
    longitude = queries.number(params, "lon", -180, 180)
    radius = queries.whole_number(params, "radius_m", DEFAULT_RADIUS_M, 1, MAX_RADIUS_M)
    found = await figures.nearby(latitude, longitude, radius, queries.category(params))
    return Nearby(
        [
            NearbyCase(
                n.tracking_id,
                n.category,
                n.status,
                math.floor(n.distance_m * 10) / 10,
                n.filed_at,
            )
            for n in found
        ]
    )
