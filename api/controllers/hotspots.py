"""Hotspots for officials: clusters of open cases of one category, and one work order for them.

`GET /v1/hotspots` clusters a city's open cases (domain/hotspots.py) from the projection;
`POST /v1/hotspots/work-orders` hands the cases of a hotspot to one official, each through
its own workflow's `reassign` update, exactly as `POST /v1/complaints/{id}/reassign` does,
so each move is checked by the case, recorded in its history and audited by its record step.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Annotated, Literal

import msgspec
from litestar import Controller, Request, get, post
from litestar.exceptions import HTTPException
from litestar.params import JSONBody, QueryParameter
from msgspec import Meta

from api import queries
from api.auth import current_principal, roles
from api.controllers.complaints import check_tracking_id
from api.controllers.lifecycle import reassign_case
from api.errors import FieldError
from api.openapi import answers
from api.schemas import RowId
from api.updates import live_state
from domain import hotspots, ids, text
from domain.hotspots import Hotspot
from domain.roles import Role
from records import hotspots as hotspot_records
from records.audit import AuditRecord, append
from records.db import UNAVAILABLE
from records.tables import Official
from workflows.complaint import ComplaintWorkflow

log = logging.getLogger("civicops.api")

READERS = roles(Role.OFFICIAL, Role.AUDITOR)
ORDERERS = roles(Role.OFFICIAL)
PARAMETERS = ("city", "category", "radius_m", "min_cases")
MAX_HOTSPOTS = 200  # the biggest first; `total` says how many there were
MAX_WORK_ORDER = 50
PARALLEL_MOVES = 5  # cases reassigned at once (each renders and signs a notice)

TrackingIdText = Annotated[
    str,
    Meta(
        max_length=20,
        pattern=ids.TRACKING_ID_PATH_PATTERN,
        description=f"Tracking id, e.g. {ids.TRACKING_ID_EXAMPLE}",
    ),
]


class AssigneeBrief(msgspec.Struct):
    """The official a case is assigned to now."""

    id: int
    name: str


class HotspotCase(msgspec.Struct):
    """One member case: no description, no reporter, no exact point."""

    tracking_id: str
    status: str
    ward_id: str | None
    ward_name: str | None
    zone: str | None
    sla_due_at: datetime | None
    assignee: AssigneeBrief | None


class Centroid(msgspec.Struct):
    """The mean point of a hotspot's cases."""

    lat: float
    lon: float


class HotspotView(msgspec.Struct):
    """A cluster of open cases of one category, the most overdue first."""

    id: str
    category: str
    centroid: Centroid
    cases: list[HotspotCase]
    wards: list[str]
    oldest_sla_due_at: datetime | None


class HotspotList(msgspec.Struct):
    """The hotspots of a city, biggest first (at most 200; `total` counts them all)."""

    city: str
    category: str | None
    radius_m: int
    min_cases: int
    hotspots: list[HotspotView]
    total: int
    as_of: datetime


class WorkOrderIn(msgspec.Struct, forbid_unknown_fields=True):
    """The cases of a hotspot and the official to hand them all to."""

    tracking_ids: Annotated[list[TrackingIdText], Meta(min_length=1, max_length=MAX_WORK_ORDER)]
    official_id: RowId
    note: Annotated[str, Meta(max_length=500)] | None = None


class OfficialBrief(msgspec.Struct):
    """The official who now holds the cases."""

    id: int
    name: str
    designation: str


class WorkOrderResult(msgspec.Struct):
    """What happened to one case: its status code and, when refused, why."""

    tracking_id: str
    outcome: Literal["reassigned", "unchanged", "refused"]
    status_code: int
    detail: str | None


class WorkOrderView(msgspec.Struct):
    """The work order's official and one result per case, in the order given."""

    official: OfficialBrief
    results: list[WorkOrderResult]


def _view(spot: Hotspot) -> HotspotView:
    """The answer's form of one hotspot."""
    return HotspotView(
        id=spot.id,
        category=spot.category,
        centroid=Centroid(spot.centroid_lat, spot.centroid_lon),
        cases=[
            HotspotCase(
                tracking_id=c.tracking_id,
                status=c.status,
                ward_id=c.ward_id,
                ward_name=c.ward_name,
                zone=c.zone,
                sla_due_at=c.sla_due_at,
                assignee=(
                    AssigneeBrief(c.assignee_id, c.assignee_name or "")
                    if c.assignee_id is not None
                    else None
                ),
            )
            for c in spot.cases
        ],
        wards=list(spot.wards),
        oldest_sla_due_at=spot.oldest_sla_due_at,
    )


def _tracking_ids(given: list[str]) -> list[str]:
    """The canonical ids, in order; 400 naming the item that is malformed or repeated."""
    seen: dict[str, int] = {}
    for index, raw in enumerate(given):
        value = check_tracking_id(raw, f"tracking_ids[{index}]")
        if value in seen:
            raise FieldError(f"tracking_ids[{index}]", f"repeats tracking_ids[{seen[value]}]")
        seen[value] = index
    return list(seen)


async def _official(official_id: int) -> OfficialBrief:
    """The active official of the work order; 422 naming official_id when there is none."""
    row = (
        await Official.select(Official.id, Official.name, Official.designation, Official.active)
        .where(Official.id == official_id)
        .first()
    )
    if row is None or not row["active"]:
        raise FieldError("official_id", f"no active official {official_id}", status_code=422)
    return OfficialBrief(row["id"], row["name"], row["designation"])


async def _move(
    request: Request, tracking_id: str, official_id: int, reason: str
) -> WorkOrderResult:
    """Reassign one case; its result, never an exception (one case never stops the others)."""
    client = request.app.state.temporal
    actor = current_principal(request).name
    try:
        state = await live_state(client, tracking_id, ComplaintWorkflow.status)
        if state is not None and state.assignment is not None:
            if state.assignment.official_id == official_id:
                return WorkOrderResult(tracking_id, "unchanged", 200, None)
        await reassign_case(client, tracking_id, official_id, actor, reason)
        return WorkOrderResult(tracking_id, "reassigned", 200, None)
    except HTTPException as exc:
        if isinstance(exc, FieldError) and exc.field == "official_id":
            # Another request may have handed it to this official a moment ago.
            again = await _held_by(request, tracking_id, official_id)
            if again:
                return WorkOrderResult(tracking_id, "unchanged", 200, None)
        return WorkOrderResult(tracking_id, "refused", exc.status_code, exc.detail)
    except Exception:  # reported per case; the work order goes on with the others
        log.exception("work order: reassigning %s failed", tracking_id)
        return WorkOrderResult(tracking_id, "refused", 500, "internal error; it has been logged")


async def _held_by(request: Request, tracking_id: str, official_id: int) -> bool:
    """True when the case's live state shows it held by the official (False if unknown)."""
    try:
        state = await live_state(request.app.state.temporal, tracking_id, ComplaintWorkflow.status)
    except HTTPException:
        return False
    return bool(state and state.assignment and state.assignment.official_id == official_id)


class HotspotController(Controller):
    """Clusters of open cases of one category, and work orders that hand them to one official."""

    path = "/v1/hotspots"
    tags = ["hotspots"]

    @get(
        "/",
        operation_id="listHotspots",
        opt=READERS,
        responses=answers(404),
        summary="Clusters of open cases of one category",
    )
    async def list_hotspots(
        self,
        request: Request,
        city: Annotated[
            str | None, QueryParameter(description="City slug; the server's city by default")
        ] = None,
        category: Annotated[
            str | None, QueryParameter(description="A category code; every category if absent")
        ] = None,
        radius_m: Annotated[
            str | None,
            QueryParameter(description="Cases this close (metres) belong together: 25–1000"),
        ] = None,
        min_cases: Annotated[
            str | None, QueryParameter(description="Fewest cases a hotspot has: 2–50")
        ] = None,
    ) -> HotspotList:
        """Open cases (ASSIGNED, NOTICE_ISSUED, ESCALATED, REOPENED) of one category within
        radius_m of each other (single linkage), at least min_cases of them: biggest first,
        then the one whose oldest deadline is earliest."""
        params = queries.single(request, PARAMETERS)
        radius = queries.whole_number(
            params,
            "radius_m",
            hotspots.DEFAULT_RADIUS_M,
            hotspots.MIN_RADIUS_M,
            hotspots.MAX_RADIUS_M,
        )
        least = queries.whole_number(
            params,
            "min_cases",
            hotspots.DEFAULT_MIN_CASES,
            hotspots.MIN_MIN_CASES,
            hotspots.MAX_MIN_CASES,
        )
        code = queries.category(params)
        slug = (await queries.city(request, params)).city.slug
        cases = await hotspot_records.open_cases(slug, code)
        found = await asyncio.to_thread(hotspots.find_hotspots, cases, radius, least)
        return HotspotList(
            city=slug,
            category=code,
            radius_m=radius,
            min_cases=least,
            hotspots=[_view(s) for s in found[:MAX_HOTSPOTS]],
            total=len(found),
            as_of=datetime.now(UTC),
        )

    @post(
        "/work-orders",
        operation_id="hotspotWorkOrder",
        opt=ORDERERS,
        status_code=200,
        summary="Hand every case of a hotspot to one official",
    )
    async def work_order(self, request: Request, data: JSONBody[WorkOrderIn]) -> WorkOrderView:
        """Reassign each case to the official through its workflow, as the reassign route
        does (each audited); one result per case: reassigned, unchanged (already held by that
        official) or refused (with the status code and detail the reassign route would give)."""
        tracking_ids = _tracking_ids(data.tracking_ids)
        note = text.clean(data.note, "note")
        official = await _official(data.official_id)
        reason = note or f"work order: {len(tracking_ids)} cases of one hotspot"
        gate = asyncio.Semaphore(PARALLEL_MOVES)

        async def one(tracking_id: str) -> WorkOrderResult:
            """Move one case, a few at a time."""
            async with gate:
                return await _move(request, tracking_id, official.id, reason)

        results = list(await asyncio.gather(*(one(t) for t in tracking_ids)))
        await _audit(request, official, reason, results)
        return WorkOrderView(official, results)


async def _audit(
    request: Request, official: OfficialBrief, reason: str, results: list[WorkOrderResult]
) -> None:
    """One audit entry for the order as a whole (each move has its own, from its case).

    The moves have happened by now, so a database outage here is logged, not answered with a
    503 that would hide their results (a retry of the order finds them "unchanged").
    """
    record = AuditRecord(
        action="hotspot.work_order",
        subject=f"official:{official.id}",
        actor=current_principal(request).actor,
        detail={"reason": reason, "results": {r.tracking_id: r.outcome for r in results}},
    )
    try:
        await append(record)
    except UNAVAILABLE as exc:
        log.warning("work order audit entry not written (%r); each move is audited", exc)
