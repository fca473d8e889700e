"""Reward scores: ledger events, their points, and the monthly tiers."""

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo


class ScoreEvent(StrEnum):
    """What moves an official's score (see README, "Reward scores")."""

    RESOLVED_ON_TIME = "resolved_on_time"
    RESOLVED_LATE = "resolved_late"
    ESCALATED_AWAY = "escalated_away"
    REOPENED = "reopened"
    CITIZEN_CONFIRMED = "citizen_confirmed"


@dataclass
class ScoreInput:
    """One ledger entry to write; (tracking_id, event, level, occurrence) makes it unique."""

    tracking_id: str
    event: str
    level: int
    occurrence: int
    official_id: int
    official_name: str
    city: str
    zone: str
    ward_id: str
    priority: int
    at: datetime  # workflow time of the event; the month it falls in (IST) is its period


IST = ZoneInfo("Asia/Kolkata")

# Points for resolving on time, by priority (P1 is the most urgent, so it earns the most).
ON_TIME_POINTS: dict[int, int] = {1: 40, 2: 30, 3: 20, 4: 10}

# Points for every other event; the same whatever the priority.
FLAT_POINTS: dict[ScoreEvent, int] = {
    ScoreEvent.RESOLVED_LATE: -10,
    ScoreEvent.ESCALATED_AWAY: -15,
    ScoreEvent.REOPENED: -20,
    ScoreEvent.CITIZEN_CONFIRMED: 10,
}

# Monthly tiers, highest first: the first whose floor the month's total reaches.
TIERS: tuple[tuple[str, int], ...] = (("Gold", 150), ("Silver", 75), ("Bronze", 30))
UNRANKED = "Unranked"  # a total from 0 up to the lowest floor
UNDER_REVIEW = "Under review"  # a total below 0


def points_for(event: str, priority: int) -> int:
    """The points one ledger event is worth; ValueError for an unknown event or priority."""
    try:
        kind = ScoreEvent(event)
    except ValueError:
        raise ValueError(f"unknown score event {event!r}") from None
    if kind is ScoreEvent.RESOLVED_ON_TIME:
        if priority not in ON_TIME_POINTS:
            raise ValueError(f"unknown priority {priority!r} (expected 1 to 4)")
        return ON_TIME_POINTS[priority]
    return FLAT_POINTS[kind]


def tier_for(total: int) -> str:
    """The tier a month's total earns: Gold, Silver, Bronze, Unranked or Under review."""
    if total < 0:
        return UNDER_REVIEW
    for name, floor in TIERS:
        if total >= floor:
            return name
    return UNRANKED


def period_of(at: datetime) -> str:
    """The "YYYY-MM" month an instant falls in, in IST (a naive time is taken as UTC)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(IST).strftime("%Y-%m")
