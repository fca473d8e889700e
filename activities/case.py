"""Activities of the complaint case: prioritise, assign a zone, record the projection."""

from __future__ import annotations

import re

from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.case import AssignInput, Assignment, PrioritizeInput, RecordInput
from domain.categories import BY_CODE, Priority
from geo.zones import Match
from records import projection
from records.geography import UnknownCity, ZoneDirectory, responsible_official

# Words that make a report more urgent whatever its category: risk to life or to many people.
_URGENT = re.compile(
    r"\b(accident|injur\w*|electrocut\w*|live wire|child\w*|school|hospital|ambulance|"
    r"collaps\w*|dengue|malaria|sewage in (?:house|home)|open manhole)\b",
    re.IGNORECASE,
)


class CaseActivities:
    """Holds the clients the activities need, so a worker or a test can inject them."""

    def __init__(self, zones: ZoneDirectory) -> None:
        self.zones = zones

    @activity.defn(name="prioritize")
    async def prioritize(self, data: PrioritizeInput) -> int:
        """Priority P1–P4: the category's default, one step more urgent for risk words."""
        category = BY_CODE.get(data.category)
        if category is None:
            raise ApplicationError(f"unknown category {data.category!r}", type="BadInput")
        priority = int(category.default_priority)
        if _URGENT.search(data.description):
            priority = max(int(Priority.P1), priority - 1)
        return priority

    @activity.defn(name="assign_zone")
    async def assign_zone(self, data: AssignInput) -> Assignment | None:
        """Find the ward containing the point and its responsible official; None if outside."""
        try:
            city = await self.zones.city(data.city)
        except UnknownCity:
            raise ApplicationError(f"city {data.city!r} is not imported", type="BadInput") from None
        location = city.locate(data.latitude, data.longitude)
        if location.match == Match.OUTSIDE or location.ward_id is None:
            return None
        ward_pk, ward_name, zone = city.wards[location.ward_id]
        official = await responsible_official(ward_pk)
        if official is None:
            # Retryable on purpose: the case waits (and alerts) until the roster is filled.
            raise ApplicationError(f"no active official on the roster for ward {location.ward_id}")
        return Assignment(
            ward_id=location.ward_id,
            ward_name=ward_name,
            zone=zone,
            official_id=official.id,
            official_name=official.name,
            designation=official.designation,
            level=official.level,
            match=location.match.value,
            distance_m=round(location.distance_m, 1),
        )

    @activity.defn(name="record")
    async def record(self, data: RecordInput) -> None:
        """Write a state revision and its event to the database projection (idempotent)."""
        await projection.record(data.state, data.event)
