"""The open cases hotspots are found among, read from the complaint projection.

Only what clustering and the officials' list need: no description, no reporter, no address.
"""

from __future__ import annotations

from typing import Any

from domain.hotspots import OpenCase
from domain.states import OPEN
from records.tables import Complaint

OPEN_STATUSES = sorted(s.value for s in OPEN)


def _case(row: dict[str, Any]) -> OpenCase:
    """One projection row as an OpenCase."""
    return OpenCase(
        tracking_id=row["tracking_id"],
        category=row["category"],
        status=row["status"],
        latitude=float(row["latitude"]),
        longitude=float(row["longitude"]),
        ward_id=row["ward_id"],
        ward_name=row["ward_name"],
        zone=row["zone"],
        sla_due_at=row["sla_due_at"],
        assignee_id=row["assignee"],
        assignee_name=row["assignee_name"],
    )


async def open_cases(city: str, category: str | None = None) -> list[OpenCase]:
    """Every open case (ASSIGNED, NOTICE_ISSUED, ESCALATED, REOPENED) of a city, optionally
    of one category, in tracking-id order."""
    where = (Complaint.city == city) & Complaint.status.is_in(OPEN_STATUSES)
    if category is not None:
        where &= Complaint.category == category
    rows = await (
        Complaint.select(
            Complaint.tracking_id,
            Complaint.category,
            Complaint.status,
            Complaint.latitude,
            Complaint.longitude,
            Complaint.ward_id,
            Complaint.ward_name,
            Complaint.zone,
            Complaint.sla_due_at,
            Complaint.assignee,
            Complaint.assignee_name,
        )
        .where(where)
        .order_by(Complaint.tracking_id)
    )
    return [_case(row) for row in rows]
