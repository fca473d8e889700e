"""What the pages read besides the figures: the cities, a ward's recent cases, the roster.

Public reads select only public columns: a ward's recent cases carry their tracking id,
category, status and filing time, never a description, an address, a point or a reporter.
The roster (names and designations of officials) is read only for the officials' page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from records.tables import City, Complaint, Official

RECENT_LIMIT = 50


@dataclass(frozen=True)
class CityFacts:
    """A served city as the pages name it."""

    slug: str
    name: str
    corporation: str
    language: str
    attribution: str


@dataclass(frozen=True)
class RecentCase:
    """One of a ward's recent cases: nothing that identifies the citizen or the spot."""

    tracking_id: str
    category: str
    status: str
    filed_at: datetime


async def cities() -> list[CityFacts]:
    """Every imported city, by name."""
    rows = await City.select(
        City.slug, City.name, City.corporation, City.language, City.attribution
    ).order_by(City.name)
    return [CityFacts(**row) for row in rows]


async def recent_cases(city: str, ward_id: str, limit: int = RECENT_LIMIT) -> list[RecentCase]:
    """A ward's latest filings, newest first (public columns only)."""
    rows = (
        await Complaint.select(
            Complaint.tracking_id, Complaint.category, Complaint.status, Complaint.filed_at
        )
        .where((Complaint.city == city) & (Complaint.ward_id == ward_id))
        .order_by(Complaint.filed_at, ascending=False)
        .order_by(Complaint.tracking_id, ascending=False)
        .limit(limit)
    )
    return [RecentCase(**row) for row in rows]


async def roster(city: str) -> list[dict[str, Any]]:
    """The city's active officials, lowest level first: id, name, designation, level, zone
    and ward id (for choosing who receives a work order)."""
    return await (
        Official.select(
            Official.id,
            Official.name,
            Official.designation,
            Official.level,
            Official.zone.name.as_alias("zone"),
            Official.ward.ward_id.as_alias("ward_id"),
        )
        .where((Official.city.slug == city) & (Official.active == True))  # noqa: E712
        .order_by(Official.level)
        .order_by(Official.id)
    )
