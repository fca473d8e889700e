"""Reward scores: an official's ledger and monthly totals, and the monthly leaderboard."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import PathParameter, QueryParameter

from api.auth import current_principal, roles
from api.errors import FieldError
from domain.ids import MAX_ROW_ID
from domain.roles import Role
from domain.scores import tier_for
from records import scores as score_records

PERIOD_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
MAX_LIMIT = 200

SCORE_READERS = roles(Role.SUPERVISOR, Role.AUDITOR, Role.OFFICIAL)
BOARD_READERS = roles(
    Role.CITIZEN_APP, Role.INTEGRATOR, Role.SUPERVISOR, Role.AUDITOR, Role.OFFICIAL
)

OfficialId = Annotated[
    int, PathParameter(description="Roster id of the official", ge=1, le=MAX_ROW_ID)
]
Period = Annotated[
    str | None,
    QueryParameter(
        name="period",
        description='A month in IST, "YYYY-MM" (score: default all-time; leaderboard: this month)',
    ),
]


class OfficialRef(msgspec.Struct):
    """Who the score belongs to: a roster official and where they serve."""

    id: int
    name: str
    designation: str
    level: int
    city: str | None
    zone: str | None
    ward_id: str | None
    ward_name: str | None
    active: bool


class MonthTotal(msgspec.Struct):
    """One month's total and the tier it earns."""

    period: str
    total: int
    tier: str


class LedgerEntryView(msgspec.Struct):
    """One ledger entry: what happened on which case, and the points it moved."""

    tracking_id: str
    event: str
    level: int
    occurrence: int
    priority: int
    points: int
    period: str
    at: datetime
    zone: str
    ward_id: str


class ScoreView(msgspec.Struct):
    """An official's score: one month's, or all-time with this month's tier."""

    official: OfficialRef
    period: str | None  # None: all-time
    total: int  # the month's total, or the all-time total
    tier: str  # the tier of tier_period
    tier_period: str  # the given month, or the current one (IST)
    current_total: int  # this month's total (IST)
    monthly: list[MonthTotal]  # newest first
    counts: dict[str, int]  # entries per event, within `period`
    entry_count: int
    entries: list[LedgerEntryView]  # newest first, at most 500


class LeaderRow(msgspec.Struct):
    """One official's place on the month's leaderboard."""

    rank: int
    official_id: int
    name: str
    designation: str | None
    level: int | None
    zone: str | None
    ward_id: str | None
    total: int
    tier: str
    cases_resolved: int
    penalties: int


class LeaderboardView(msgspec.Struct):
    """The month's ranking: total desc, then fewer penalties, then official id."""

    period: str
    city: str | None
    zone: str | None
    limit: int
    rows: list[LeaderRow]


def _check_period(value: str | None) -> str | None:
    """A valid "YYYY-MM" or None; 400 naming `period` otherwise."""
    if value is None:
        return None
    period = value.strip()
    if not PERIOD_RE.match(period):
        raise FieldError("period", f"{value!r} is not a month (expected YYYY-MM, e.g. 2026-11)")
    return period


def _entry(row: dict[str, Any]) -> LedgerEntryView:
    return LedgerEntryView(
        tracking_id=row["tracking_id"],
        event=row["event"],
        level=row["level"],
        occurrence=row["occurrence"],
        priority=row["priority"],
        points=row["points"],
        period=row["period"],
        at=row["at"],
        zone=row["zone"],
        ward_id=row["ward_id"],
    )


class ScoreController(Controller):
    """Read the reward ledger: supervisors see their own score, officials everyone's."""

    path = "/v1"
    tags = ["scores"]

    @get(
        "/supervisors/{official_id:int}/score",
        operation_id="getOfficialScore",
        opt=SCORE_READERS,
        summary="An official's reward score and ledger",
    )
    async def score(
        self, request: Request, official_id: OfficialId, period: Period = None
    ) -> ScoreView:
        """Monthly or all-time score; a supervisor key may read only its own official's."""
        principal = current_principal(request)
        if principal.role == Role.SUPERVISOR and principal.official_id != official_id:
            raise PermissionDeniedException("a supervisor key may read only its own score")
        month = _check_period(period)
        person = await score_records.official(official_id)
        if person is None:
            raise NotFoundException(f"official_id: no official with id {official_id}")
        data = await score_records.official_score(official_id, month)
        return ScoreView(
            official=OfficialRef(
                id=person["id"],
                name=person["name"],
                designation=person["designation"],
                level=person["level"],
                city=person["city"],
                zone=person["zone"],
                ward_id=person["ward_id"],
                ward_name=person["ward_name"],
                active=person["active"],
            ),
            period=month,
            total=data["total"],
            tier=data["tier"],
            tier_period=data["tier_period"],
            current_total=data["current_total"],
            monthly=[MonthTotal(p, t, tier_for(t)) for p, t in data["monthly"].items()],
            counts=data["counts"],
            entry_count=data["entry_count"],
            entries=[_entry(r) for r in data["entries"]],
        )

    @get(
        "/leaderboard",
        operation_id="getLeaderboard",
        opt=BOARD_READERS,
        summary="The month's reward leaderboard",
    )
    async def leaderboard(
        self,
        period: Period = None,
        zone: Annotated[str | None, QueryParameter(name="zone", max_length=120)] = None,
        city: Annotated[str | None, QueryParameter(name="city", max_length=40)] = None,
        limit: Annotated[
            int, QueryParameter(name="limit", description="1 to 200", ge=1, le=MAX_LIMIT)
        ] = 50,
    ) -> LeaderboardView:
        """Officials ranked by the month's points (default: this month, IST), optionally by zone."""
        month = _check_period(period) or score_records.current_period()
        rows = await score_records.leaderboard(city, zone, month, limit)
        return LeaderboardView(
            period=month,
            city=city,
            zone=zone,
            limit=limit,
            rows=[LeaderRow(**row) for row in rows],
        )
