"""The public figures: what each one means, the calendar periods they cover, and H3 cells.

Pure rules and types: records/stats.py reads the figures from their rollups (what a case
counts there is domain/rollup.py), api/controllers/stats.py validates the parameters, and
both read their meaning here. Days are India's calendar days (IST, UTC+05:30, no daylight
saving); a range of days is inclusive and spans at most MAX_DAYS.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from enum import StrEnum

import h3

from domain.states import OPEN, WAITING, Status

IST = timezone(timedelta(hours=5, minutes=30), "IST")
IST_NAME = "Asia/Kolkata"  # the same offset, by name, for SQL
MAX_DAYS = 366  # the longest range of days one request may cover
LEVELS = (1, 2, 3)  # escalation levels above the ward supervisor's
MIN_CELL_COUNT = 3  # a heatmap cell with fewer cases could locate one report
RESOLUTIONS = (7, 8, 9)  # H3 resolutions the heatmap serves (about 5, 0.7 and 0.1 km²)
NEARBY_LIMIT = 20

# "open": cases still waiting for work, intake included (not yet resolved, not ended).
OPEN_NOW: tuple[str, ...] = tuple(
    s.value for s in Status if s in OPEN or s in (Status.FILED, Status.TRIAGED, *WAITING)
)
# "resolved": proof was accepted and the case has not been reopened since.
RESOLVED_STATUSES: tuple[str, ...] = (Status.RESOLVED.value, Status.CLOSED.value)


class Interval(StrEnum):
    """The length of one point of a trend."""

    DAY = "day"
    WEEK = "week"  # Monday to Sunday, IST
    MONTH = "month"


@dataclass(frozen=True)
class DayRange:
    """An inclusive range of IST calendar days."""

    first: date
    last: date

    @property
    def days(self) -> int:
        """How many days the range covers."""
        return (self.last - self.first).days + 1

    def bounds(self) -> tuple[datetime, datetime]:
        """The range as a half-open interval of UTC instants [start, until)."""
        start = datetime.combine(self.first, time(), IST).astimezone(UTC)
        until = datetime.combine(self.last + timedelta(days=1), time(), IST).astimezone(UTC)
        return start, until


def today_ist(now: datetime) -> date:
    """The IST calendar day of an instant."""
    return now.astimezone(IST).date()


def default_range(now: datetime) -> DayRange:
    """From the first day of the current IST month to today."""
    today = today_ist(now)
    return DayRange(today.replace(day=1), today)


def period_start(day: date, interval: Interval) -> date:
    """The first day of the period (of `interval`) that holds `day`."""
    if interval is Interval.WEEK:
        return day - timedelta(days=day.weekday())
    if interval is Interval.MONTH:
        return day.replace(day=1)
    return day


def periods(span: DayRange, interval: Interval) -> list[date]:
    """The start of every period that overlaps the range, in order (the first may start
    before the range: a week or month is named by its own first day)."""
    out: list[date] = []
    current = period_start(span.first, interval)
    while current <= span.last:
        out.append(current)
        if interval is Interval.DAY:
            current += timedelta(days=1)
        elif interval is Interval.WEEK:
            current += timedelta(days=7)
        else:
            current = (current.replace(day=28) + timedelta(days=4)).replace(day=1)
    return out


def _ratio(part: int, whole: int, digits: int = 4) -> float | None:
    return round(part / whole, digits) if whole else None


def _hours(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


@dataclass
class Counts:
    """The figures of one cohort (a city, a ward or a zone), as counted in the projection."""

    filed: int = 0
    open: int = 0
    resolved: int = 0
    closed: int = 0
    on_time: int = 0  # resolved cases that met the SLA due when they were resolved
    recomplaints: int = 0
    levels: dict[int, int] = field(default_factory=lambda: dict.fromkeys(LEVELS, 0))
    p1: int = 0  # cases now at priority P1 (the most urgent)
    median_hours: float | None = None
    p90_hours: float | None = None

    def figures(self) -> dict[str, object]:
        """The public figures: counts, shares and hours (rounded for people)."""
        return {
            "filed": self.filed,
            "open": self.open,
            "resolved": self.resolved,
            "closed": self.closed,
            "on_time_share": _ratio(self.on_time, self.resolved),
            "median_hours_to_resolve": _hours(self.median_hours),
            "p90_hours_to_resolve": _hours(self.p90_hours),
            "recomplaint_rate": _ratio(self.recomplaints, self.filed),
            "escalations_by_level": {str(k): self.levels.get(k, 0) for k in LEVELS},
            "p1_share": _ratio(self.p1, self.filed),
        }


@dataclass
class DayCounts:
    """What one day (or period) of a trend counts."""

    filed: int = 0
    resolved: int = 0
    on_time: int = 0

    def add(self, other: DayCounts) -> None:
        """Fold another day's counts into this one."""
        self.filed += other.filed
        self.resolved += other.resolved
        self.on_time += other.on_time


def trend(
    span: DayRange, interval: Interval, days: dict[date, DayCounts]
) -> list[dict[str, object]]:
    """Every period of the range with its counts (zeros included), oldest first."""
    starts = periods(span, interval)
    totals = {start: DayCounts() for start in starts}
    for day, counts in days.items():
        start = period_start(day, interval)
        if start in totals:
            totals[start].add(counts)
    return [
        {
            "start": start.isoformat(),
            "filed": totals[start].filed,
            "resolved": totals[start].resolved,
            "on_time_share": _ratio(totals[start].on_time, totals[start].resolved),
        }
        for start in starts
    ]


# --- H3 cells ---------------------------------------------------------------------------------


def cells(latitude: float, longitude: float) -> tuple[int, int, int]:
    """The point's H3 cells at resolutions 7, 8 and 9, as integers (how the projection keeps
    them). Each is the cell that holds the point at its own resolution: H3 children do not
    tile their parent exactly, so a coarser cell is not derived from a finer one."""
    return (
        h3.str_to_int(h3.latlng_to_cell(latitude, longitude, 7)),
        h3.str_to_int(h3.latlng_to_cell(latitude, longitude, 8)),
        h3.str_to_int(h3.latlng_to_cell(latitude, longitude, 9)),
    )


def cell_feature(cell: int, count: int) -> dict[str, object]:
    """One heatmap cell as a GeoJSON Feature: its hexagon (lon/lat order, closed ring)."""
    name = h3.int_to_str(cell)
    ring = [[round(lon, 7), round(lat, 7)] for lat, lon in h3.cell_to_boundary(name)]
    ring.append(ring[0])
    return {
        "type": "Feature",
        "id": name,
        "properties": {"cell": name, "count": count},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }
