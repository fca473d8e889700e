"""The answers of the stats routes (api/controllers/stats.py): figures, never personal data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec


class Figures(msgspec.Struct, kw_only=True):
    """The figures of a cohort: complaints filed in the range (see the README's definitions)."""

    filed: int
    open: int
    resolved: int
    closed: int
    on_time_share: float | None
    median_hours_to_resolve: float | None
    p90_hours_to_resolve: float | None
    recomplaint_rate: float | None
    escalations_by_level: dict[str, int]
    p1_share: float | None  # cases now at P1, the most urgent, of those filed (issue 14)


class Summary(Figures, kw_only=True):
    """A city's figures over a range of days."""

    city: str
    from_: str = msgspec.field(name="from")
    to: str
    category: str | None
    as_of: str


class WardFigures(Figures, kw_only=True):
    """One ward's figures."""

    ward_id: str
    ward_name: str
    zone: str | None


class ZoneFigures(Figures, kw_only=True):
    """One zone's figures."""

    zone: str


class WardsAndZones(msgspec.Struct, kw_only=True):
    """Every ward and zone of the city, zeros included."""

    city: str
    from_: str = msgspec.field(name="from")
    to: str
    category: str | None
    wards: list[WardFigures]
    zones: list[ZoneFigures]
    as_of: str


class TrendPoint(msgspec.Struct):
    """One period: cases filed in it, how many of them are resolved, and on time."""

    start: str
    filed: int
    resolved: int
    on_time_share: float | None


class Trend(msgspec.Struct, kw_only=True):
    """Every period of the range, oldest first, zeros included."""

    city: str
    from_: str = msgspec.field(name="from")
    to: str
    category: str | None
    interval: str
    points: list[TrendPoint]
    as_of: str


class CellProperties(msgspec.Struct):
    """An H3 cell's id and how many cases it holds (three or more)."""

    cell: str
    count: int


class CellFeature(msgspec.Struct):
    """One H3 cell: a GeoJSON Feature whose geometry is its hexagon."""

    type: str
    id: str
    properties: CellProperties
    geometry: dict[str, Any]


class HeatMap(msgspec.Struct):
    """H3 cells with their counts (GeoJSON FeatureCollection); cells under 3 are left out."""

    type: str
    resolution: int
    city: str
    from_: str = msgspec.field(name="from")
    to: str
    category: str | None
    status: str
    as_of: str
    features: list[CellFeature]


class NearbyCase(msgspec.Struct):
    """An open case near the point: no description, reporter or exact position."""

    tracking_id: str
    category: str
    status: str
    distance_m: float
    filed_at: datetime


class Nearby(msgspec.Struct):
    """Open cases within the radius, nearest first, at most 20."""

    items: list[NearbyCase]
