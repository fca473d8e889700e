"""Where a new filing goes: a new case, a re-complaint of an open case, or a linked case.

A filing is a re-complaint when an open case of the same category in the same city lies
within the city's radius (50 m by default). Filings are placed one at a time per city and
category (one write, reads and writes together, under a lock named for them), so a burst of
identical filings, however concurrent, opens exactly one case and attaches the rest.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from temporalio.converter import DataConverter, value_to_type

from domain.case import CaseState, Status
from domain.sla import TOP_LEVEL, IntakeRules
from records.db import Steps, write
from records.tables import CaseReport, CaseSite, Complaint

EARTH_RADIUS_M = 6_371_008.8


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def encode_seed(state: CaseState) -> dict[str, Any]:
    """A case's start input as JSON, exactly as Temporal would serialise it."""
    payload = DataConverter.default.payload_converter.to_payloads([state])[0]
    return json.loads(payload.data)


def decode_seed(seed: dict[str, Any] | str) -> CaseState:
    """The start input back from its JSON."""
    return value_to_type(CaseState, json.loads(seed) if isinstance(seed, str) else seed)


@dataclass(frozen=True)
class Placement:
    """What a filing became."""

    kind: str  # "original", "recomplaint" or "linked"
    tracking_id: str
    seed: CaseState  # the case's start input: a re-complaint may start the case if need be
    distance_m: float = 0.0
    repeat: bool = False  # the same filing was placed before (a retried request)


def _box(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    """A lat/lon box around a point that holds every point within `radius_m`."""
    dlat = radius_m / 111_320.0
    dlon = radius_m / (111_320.0 * max(math.cos(math.radians(lat)), 0.01))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


def _candidates(state: CaseState, radius_m: float, where: Any) -> Any:
    """Sites of the same city and category in a box around the filing."""
    c = state.complaint
    lat_lo, lat_hi, lon_lo, lon_hi = _box(c.latitude, c.longitude, radius_m)
    return CaseSite.select(
        CaseSite.tracking_id, CaseSite.latitude, CaseSite.longitude, CaseSite.seed
    ).where(
        (CaseSite.city == c.city)
        & (CaseSite.category == c.category)
        & (CaseSite.latitude >= lat_lo)
        & (CaseSite.latitude <= lat_hi)
        & (CaseSite.longitude >= lon_lo)
        & (CaseSite.longitude <= lon_hi)
        & where
    )


def _nearest(
    state: CaseState, radius_m: float, rows: list[dict[str, Any]]
) -> tuple[dict[str, Any], float] | None:
    """The nearest row within `radius_m` of the filing, and its distance; None if none."""
    c = state.complaint
    best: tuple[dict[str, Any], float] | None = None
    for row in rows:
        d = distance_m(c.latitude, c.longitude, row["latitude"], row["longitude"])
        if d <= radius_m and (best is None or d < best[1]):
            best = (row, d)
    return best


async def place(
    state: CaseState, rules: IntakeRules, now: datetime, *, exclude: str | None = None
) -> Placement:
    """Decide and record where a filing goes; `state` is the new case it would start.

    A linked case (a re-complaint soon after closure) gets `linked_to` and a start level one
    above the closed case's, set on `state`. `exclude` skips a case found to have ended.
    """
    c = state.complaint
    # Reads and writes in one write, one placement at a time per city and category, so a
    # burst cannot miss its own first case.
    return await write(
        _decide(state, rules, now, exclude), lock=f"civicops:site:{c.city}:{c.category}"
    )


def _decide(
    state: CaseState, rules: IntakeRules, now: datetime, exclude: str | None
) -> Steps[Placement]:
    """Where the filing goes: the steps that find out and record it."""
    c = state.complaint
    seen = yield CaseReport.select(
        CaseReport.kind, CaseReport.tracking_id, CaseReport.distance_m
    ).where(CaseReport.filing_id == c.tracking_id)
    if seen:
        repeat = seen[0]
        site = yield CaseSite.select(CaseSite.seed).where(
            CaseSite.tracking_id == repeat["tracking_id"]
        )
        seed = decode_seed(site[0]["seed"]) if site else state
        return Placement(
            repeat["kind"], repeat["tracking_id"], seed, repeat["distance_m"], repeat=True
        )
    radius = rules.recomplaint_radius_m
    is_open = CaseSite.ended_at.is_null()
    if exclude:
        is_open = is_open & (CaseSite.tracking_id != exclude)
    found = _nearest(state, radius, (yield _candidates(state, radius, is_open)))
    if found is not None:
        row, d = found
        yield CaseReport.insert(_report(state, "recomplaint", row["tracking_id"], d))
        return Placement("recomplaint", row["tracking_id"], decode_seed(row["seed"]), d)
    since = now - timedelta(days=rules.reopen_window_days)
    closed = (CaseSite.end_status == "CLOSED") & (CaseSite.ended_at >= since)
    found = _nearest(state, radius, (yield _candidates(state, radius, closed)))
    kind = "original"
    if found is not None:
        row, _ = found
        previous = yield Complaint.select(Complaint.escalation_level).where(
            Complaint.tracking_id == row["tracking_id"]
        )
        level = previous[0]["escalation_level"] if previous else 0
        state.linked_to = row["tracking_id"]
        state.escalation_level = min(level + 1, TOP_LEVEL)
        kind = "linked"
    yield _site(state)
    yield CaseReport.insert(_report(state, kind, c.tracking_id, 0.0))
    return Placement(kind, c.tracking_id, state, 0.0)


def _site(state: CaseState) -> Any:
    """Insert a case's site, with its start input as the seed (idempotent)."""
    c = state.complaint
    seed = replace(state, status=Status.FILED, revision=0, updated_at=None, recent_events=[])
    return CaseSite.insert(
        CaseSite(
            tracking_id=c.tracking_id,
            city=c.city,
            category=c.category,
            latitude=c.latitude,
            longitude=c.longitude,
            seed=encode_seed(seed),
            linked_to=state.linked_to,
            start_level=state.escalation_level,
            opened_at=c.filed_at,
        )
    ).on_conflict(target=CaseSite.tracking_id, action="DO NOTHING")


def register_queries(state: CaseState) -> list[Any]:
    """The writes that make sure a started case has its site and original report (idempotent).

    The API places every filing before starting its case, except while the database is
    down: then the complaint is accepted anyway, and the case's first projection write
    registers it with these, so later re-complaints find it.
    """
    c = state.complaint
    return [
        _site(state),
        CaseReport.insert(_report(state, "original", c.tracking_id, 0.0)).on_conflict(
            target=CaseReport.filing_id, action="DO NOTHING"
        ),
    ]


def _report(state: CaseState, kind: str, tracking_id: str, distance: float) -> CaseReport:
    """The case-report row of one filing."""
    c = state.complaint
    return CaseReport(
        filing_id=c.tracking_id,
        tracking_id=tracking_id,
        kind=kind,
        reporter=c.reporter_id,
        filed_by=c.filed_by,
        source=c.source,
        description=c.description,
        latitude=c.latitude,
        longitude=c.longitude,
        distance_m=round(distance, 1),
        filed_at=c.filed_at,
    )


async def unplace(placement: Placement, filing_id: str) -> None:
    """Forget a placement whose case could not be started or reached (the request failed)."""
    await write(_unplace(placement, filing_id))


def _unplace(placement: Placement, filing_id: str) -> Steps[None]:
    """Delete the filing's report, and its case's site if no other report holds it."""
    yield CaseReport.delete().where(CaseReport.filing_id == filing_id)
    if placement.kind != "recomplaint":
        still_used = yield CaseReport.exists().where(
            CaseReport.tracking_id == placement.tracking_id
        )
        if not still_used:
            yield CaseSite.delete().where(CaseSite.tracking_id == placement.tracking_id)


async def mark_ended(tracking_id: str, status: str, at: datetime) -> None:
    """Record that a case has ended, when its workflow is found closed before its projection."""
    await write(
        [
            CaseSite.update({CaseSite.ended_at: at, CaseSite.end_status: status}).where(
                (CaseSite.tracking_id == tracking_id) & CaseSite.ended_at.is_null()
            )
        ]
    )


async def reports(tracking_id: str) -> list[dict[str, Any]]:
    """Every filing attached to a case, oldest first (no contact details)."""
    return (
        await CaseReport.select(
            CaseReport.filing_id,
            CaseReport.kind,
            CaseReport.source,
            CaseReport.distance_m,
            CaseReport.filed_at,
        )
        .where(CaseReport.tracking_id == tracking_id)
        .order_by(CaseReport.filed_at)
    )
