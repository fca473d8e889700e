"""Activities of the complaint case: prioritise, assign a zone, record the projection."""

from __future__ import annotations

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.running import resilient
from activities.webhooks import WebhookFanout
from domain import ids
from domain.access import Refusal
from domain.case import (
    AssignInput,
    Assignment,
    CaseEvent,
    FindOfficialInput,
    PrioritizeInput,
    RecordInput,
)
from domain.categories import BY_CODE
from domain.priority import decide, urgent_words
from domain.states import Status
from geo.zones import Match
from records import points, projection
from records.geography import CityZones, UnknownCity, ZoneDirectory, responsible_official
from records.tables import Official


def rule_priority(category: str, description: str) -> int:
    """The rule: the category's default priority, one step more urgent for risk words."""
    return decide(category, urgent_words(description), None)


class CaseActivities:
    """Holds the clients the activities need, so a worker or a test can inject them."""

    def __init__(self, zones: ZoneDirectory, webhooks: WebhookFanout | None = None) -> None:
        self.zones = zones
        self.webhooks = webhooks  # None: status changes are not posted to webhooks

    @activity.defn(name="prioritize")
    @resilient
    async def prioritize(self, data: PrioritizeInput) -> int:
        """Priority P1–P4: the category's default, one step more urgent for risk words."""
        if data.category not in BY_CODE:
            raise ApplicationError(f"unknown category {data.category!r}", type=Refusal.BAD_INPUT)
        return rule_priority(data.category, data.description)

    async def _city(self, slug: str) -> CityZones:
        try:
            return await self.zones.city(slug)
        except UnknownCity:
            raise ApplicationError(
                f"city {slug!r} is not imported", type=Refusal.BAD_INPUT
            ) from None

    @activity.defn(name="assign_zone")
    @resilient
    async def assign_zone(self, data: AssignInput) -> Assignment | None:
        """Find the ward containing the point and its responsible official; None if outside."""
        city = await self._city(data.city)
        location = city.locate(data.latitude, data.longitude)
        if location.match == Match.OUTSIDE or location.ward_id is None:
            return None
        ward_pk, ward_name, zone = city.wards[location.ward_id]
        official = await responsible_official(ward_pk, data.level)
        if official is None:
            # Retryable on purpose: the case waits until somebody is on the roster.
            raise ApplicationError(f"no active official on the roster for ward {location.ward_id}")
        return _assignment(
            location.ward_id, ward_name, zone, official, location.match.value, location.distance_m
        )

    @activity.defn(name="find_official")
    @resilient
    async def find_official(self, data: FindOfficialInput) -> Assignment | None:
        """Who takes the case at a level of the ladder (or the named official); None if nobody."""
        city = await self._city(data.city)
        if data.ward_id not in city.wards:
            raise ApplicationError(
                f"ward {data.ward_id!r} is not on the map", type=Refusal.BAD_INPUT
            )
        ward_pk, ward_name, zone = city.wards[data.ward_id]
        if data.official_id is not None:
            if not ids.is_row_id(data.official_id):
                raise ApplicationError(
                    f"no official {data.official_id}: ids run from 1 to {ids.MAX_ROW_ID}",
                    "official_id",
                    type=Refusal.BAD_INPUT,
                    non_retryable=True,
                )
            official = await Official.objects().get(Official.id == data.official_id)
            if official is None or not official.active or official.city != city.city.id:
                raise ApplicationError(
                    f"no active official {data.official_id} in {city.city.name}",
                    "official_id",
                    type=Refusal.BAD_INPUT,
                    non_retryable=True,
                )
        else:
            official = await responsible_official(ward_pk, data.level)
            if official is None:
                return None
        return _assignment(data.ward_id, ward_name, zone, official, "inside", 0.0)

    @activity.defn(name="record")
    @resilient
    async def record(self, data: RecordInput) -> CaseEvent | None:
        """Write a state revision and its event to the database projection (idempotent);
        the event written when asked (`return_event`), so the case's history holds it. A closed
        case's citizens' points are settled (records.points), once however often retried."""
        await projection.record(data.state, data.event)
        if data.state.status == Status.CLOSED:  # final: what the citizens earned (idempotent)
            await points.settle(data.state.complaint.tracking_id)
        if self.webhooks is not None:  # status changes go to webhooks (enqueued idempotently)
            await self.webhooks.announce(data.state, data.event)
        return data.event if data.return_event else None


def _assignment(
    ward_id: str, ward_name: str, zone: str, official: Official, match: str, distance_m: float
) -> Assignment:
    return Assignment(
        ward_id=ward_id,
        ward_name=ward_name,
        zone=zone,
        official_id=official.id,
        official_name=official.name,
        designation=official.designation,
        level=official.level,
        match=match,
        distance_m=round(distance_m, 1),
    )
