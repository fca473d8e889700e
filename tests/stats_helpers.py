"""What the stats tests share: a city of their own, cases written through the projection's own
write, and every figure computed again the slow way, in Python, from the Complaint rows.

Each test that writes cases gets a fresh small city (four square wards in two zones, far
from Bengaluru), so no other test's cases fall in its figures and its open cases never join
another test's hotspots or nearby searches; the city and its cases are deleted afterwards.
"""

from __future__ import annotations

import random
import statistics
import uuid
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import h3
import pytest

from domain.case import Assignment, CaseEvent, CaseState, Complaint, Status
from domain.ids import new_tracking_id

IST = ZoneInfo("Asia/Kolkata")
OPEN_WORDS = {"FILED", "TRIAGED", "ASSIGNED", "NOTICE_ISSUED", "ESCALATED", "REOPENED"}
CATEGORIES = ("pothole", "garbage_not_collected", "streetlight_out")
SIDE = 0.012  # a ward is a square about 1.3 km across


@dataclass(frozen=True)
class TestWard:
    """A ward of the test city and the point its cases are filed at."""

    ward_id: str
    name: str
    zone: str
    lat: float
    lon: float


@dataclass
class TestCity:
    """The city a test writes its cases in."""

    slug: str
    code: str
    wards: list[TestWard]
    official_id: int
    lat0: float
    lon0: float


def _square(lat: float, lon: float) -> dict[str, Any]:
    ring = [[lon, lat], [lon + SIDE, lat], [lon + SIDE, lat + SIDE], [lon, lat + SIDE], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


async def make_city(
    slug: str | None = None, lat0: float | None = None, lon0: float | None = None
) -> TestCity:
    """Import a city of four square wards (zones North: 1, 2; South: 3, 4), 5 km apart, at
    (lat0, lon0) or somewhere in central India; its cases are assigned to an official of the
    roster (a fresh database's, or the first of the session's)."""
    from domain.cities import CitySpec
    from geo.geojson import WardShape
    from records.geography import import_city
    from records.tables import City, Official

    rnd = random.Random()
    slug = slug or f"stats-{uuid.uuid4().hex[:8]}"
    code = "Q" + "".join(rnd.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(2))
    while await City.exists().where(City.code == code):
        code = "Q" + "".join(rnd.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(2))
    lat0 = 18 + rnd.random() * 4 if lat0 is None else lat0
    lon0 = 76 + rnd.random() * 6 if lon0 is None else lon0
    wards, shapes = [], []
    for i, zone in enumerate(("North", "North", "South", "South")):
        lat, lon = lat0 + (i // 2) * 0.045, lon0 + (i % 2) * 0.045
        shapes.append(WardShape(str(i + 1), f"Ward {i + 1}", zone, _square(lat, lon)))
        wards.append(TestWard(str(i + 1), f"Ward {i + 1}", zone, lat + SIDE / 2, lon + SIDE / 2))
    spec = CitySpec(slug, code, f"Test {slug}", "Test Corporation", "en")
    roster = not await Official.exists()
    await import_city(spec, shapes, roster=roster)
    official = await Official.select(Official.id).order_by(Official.id).first()
    return TestCity(slug, code, wards, official["id"], lat0, lon0)


async def drop_city(slug: str) -> None:
    """Delete a test city's cases and their rollups, wards, zones and the city itself."""
    from records.db import write
    from records.tables import City, ComplaintHeat, ComplaintRollup, Ward, Zone
    from records.tables import Complaint as Row

    city = await City.select(City.id).where(City.slug == slug).first()
    await write(
        [
            Row.delete().where(Row.city == slug),
            ComplaintRollup.delete().where(ComplaintRollup.city == slug),
            ComplaintHeat.delete().where(ComplaintHeat.city == slug),
            Ward.delete().where(Ward.city == city["id"]),
            Zone.delete().where(Zone.city == city["id"]),
            City.delete().where(City.id == city["id"]),
        ]
    )


@pytest.fixture
async def stats_city(database) -> AsyncIterator[TestCity]:  # type: ignore[no-untyped-def]
    """A fresh test city (make_city), deleted with its cases afterwards."""
    city = await make_city()
    yield city
    await drop_city(city.slug)


def case_state(
    city: TestCity,
    ward: TestWard | None,
    *,
    status: str,
    category: str,
    filed_at: datetime,
    hours: float | None = None,
    due_hours: float = 72.0,
    level: int = 0,
    recomplaints: int = 0,
    late_by_breach: bool = False,
    at: tuple[float, float] | None = None,
    priority: int = 3,
    description: str = "Overflowing drain by the school gate",
) -> CaseState:
    """A case as the workflow would hold it (its projection row comes from this state)."""
    lat, lon = at or ((ward.lat, ward.lon) if ward else (city.lat0 - 0.5, city.lon0 - 0.5))
    complaint = Complaint(
        tracking_id=new_tracking_id("BLR"),
        city=city.slug,
        category=category,
        description=description,
        latitude=lat,
        longitude=lon,
        language="en",
        filed_at=filed_at,
        source="stats-test",
    )
    assignment = (
        Assignment(
            ward.ward_id,
            ward.name,
            ward.zone,
            city.official_id,
            "Test Official",
            "Ward Supervisor",
            level,
            "inside",
        )
        if ward and status not in ("FILED", "TRIAGED", "OUTSIDE_CITY")
        else None
    )
    resolved_at = filed_at + timedelta(hours=hours) if hours is not None else None
    return CaseState(
        complaint=complaint,
        status=Status(status),
        priority=priority,
        assignment=assignment,
        escalation_level=level,
        sla_due_at=filed_at + timedelta(hours=due_hours),
        revision=3,
        updated_at=resolved_at or filed_at,
        recomplaints=recomplaints,
        resolved_at=resolved_at,
        breaches_while_held=1 if late_by_breach else 0,
        closed_at=resolved_at if status == "CLOSED" else None,
    )


async def record_all(states: list[CaseState]) -> None:
    """Write each case through the projection's own write (records.projection.record)."""
    from records import projection

    for s in states:
        event = CaseEvent(
            s.revision, "assigned", s.status, s.updated_at or s.complaint.filed_at, "stats-test"
        )
        await projection.record(s, event)


def ist_start(day: date) -> datetime:
    """The instant an IST day begins, in UTC."""
    return datetime.combine(day, time(), IST).astimezone(UTC)


def varied_cases(city: TestCity, first: date, last: date, seed: int) -> list[CaseState]:
    """About 90 cases over [first, last] in wards 1-3 (none in ward 4), of every status and
    three categories, with resolutions on time and late, escalations, re-complaints, cases
    at the very edges of the range and a few just outside it. Ward 3 holds two open cases."""
    rnd = random.Random(seed)
    days = (last - first).days + 1
    start, until = ist_start(first), ist_start(last + timedelta(days=1))
    plan = [
        "FILED",
        "TRIAGED",
        "ASSIGNED",
        "NOTICE_ISSUED",
        "ESCALATED",
        "REOPENED",
        "RESOLVED",
        "RESOLVED",
        "CLOSED",
        "CLOSED",
        "CLOSED",
        "WITHDRAWN",
        "OUTSIDE_CITY",
    ]
    out = []
    for i in range(84):
        status = plan[i % len(plan)]
        ward = None if status == "OUTSIDE_CITY" else city.wards[i % 2]
        filed = start + timedelta(seconds=rnd.uniform(0, days * 86400 - 1))
        resolved = status in ("RESOLVED", "CLOSED") or (status == "WITHDRAWN" and i % 2 == 0)
        out.append(
            case_state(
                city,
                ward,
                status=status,
                category=CATEGORIES[i % 3],
                filed_at=filed,
                hours=rnd.uniform(1, 150) if resolved else None,
                level=rnd.choice([1, 2, 3]) if status == "ESCALATED" else rnd.choice([0, 0, 1]),
                recomplaints=rnd.choice([0, 0, 0, 1, 2]),
                late_by_breach=False,
                priority=rnd.choice([1, 2, 3, 3, 4]),
            )
        )
    edges = [start, until - timedelta(microseconds=1), start - timedelta(microseconds=1), until]
    for moment in edges:  # the first two count, the last two fall outside the range
        out.append(
            case_state(
                city, city.wards[0], status="CLOSED", category="pothole", filed_at=moment, hours=10
            )
        )
    for _ in range(2):
        out.append(
            case_state(
                city,
                city.wards[2],
                status="ASSIGNED",
                category="pothole",
                filed_at=start + timedelta(hours=30),
            )
        )
    return out


# --- the slow way ------------------------------------------------------------------------------


async def cohort_rows(
    slug: str, first: date, last: date, category: str | None = None
) -> list[dict[str, Any]]:
    """Every projection row of the city filed in the IST days [first, last]."""
    from records.tables import Complaint as Row

    rows = await Row.select().where(Row.city == slug)
    lo, hi = ist_start(first), ist_start(last + timedelta(days=1))
    return [
        r
        for r in rows
        if lo <= r["filed_at"] < hi and (category is None or r["category"] == category)
    ]


def _resolved(r: dict[str, Any]) -> bool:
    return r["resolved_at"] is not None and r["status"] in ("RESOLVED", "CLOSED")


def slow_figures(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The summary's figures, counted one row at a time."""
    resolved = [r for r in rows if _resolved(r)]
    on_time = [
        r for r in resolved if r["sla_due_at"] is None or r["resolved_at"] <= r["sla_due_at"]
    ]
    hours = sorted((r["resolved_at"] - r["filed_at"]).total_seconds() / 3600 for r in resolved)
    median = statistics.median(hours) if hours else None
    if len(hours) >= 2:
        p90 = statistics.quantiles(hours, n=10, method="inclusive")[8]
    else:
        p90 = hours[0] if hours else None
    levels = Counter(r["escalation_level"] for r in rows)
    return {
        "filed": len(rows),
        "open": sum(r["status"] in OPEN_WORDS for r in rows),
        "resolved": len(resolved),
        "closed": sum(r["status"] == "CLOSED" for r in rows),
        "on_time_share": round(len(on_time) / len(resolved), 4) if resolved else None,
        "median_hours_to_resolve": median,
        "p90_hours_to_resolve": p90,
        "recomplaint_rate": round(sum(r["recomplaints"] for r in rows) / len(rows), 4)
        if rows
        else None,
        "escalations_by_level": {str(k): levels.get(k, 0) for k in (1, 2, 3)},
        "p1_share": round(sum(r["priority"] == 1 for r in rows) / len(rows), 4) if rows else None,
    }


def assert_same_figures(answer: dict[str, Any], slow: dict[str, Any], where: str = "") -> None:
    """Counts and shares exactly; hours as the histogram promises (domain.rollup): within
    max(0.5 h, 10%) of the exact value, plus their rounding (0.01 h)."""
    for name, expected in slow.items():
        got = answer[name]
        if name.endswith("_hours_to_resolve") and expected is not None and got is not None:
            bound = max(0.5, 0.1 * expected) + 0.006
            assert abs(got - expected) <= bound, (where, name, got, expected)
        else:
            assert got == expected, (where, name, got, expected)


def by(rows: list[dict[str, Any]], column: str) -> dict[Any, list[dict[str, Any]]]:
    """Rows grouped by one column's value."""
    groups: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        groups[r[column]].append(r)
    return groups


def ist_day(moment: datetime) -> date:
    """The IST calendar day of an instant."""
    return moment.astimezone(IST).date()


def slow_trend(rows: list[dict[str, Any]], first: date, last: date, interval: str) -> list[dict]:
    """Every day, week (from Monday) or month touching the range, counted row by row."""

    def start_of(day: date) -> date:
        if interval == "week":
            return day - timedelta(days=day.weekday())
        return day.replace(day=1) if interval == "month" else day

    starts: list[date] = []
    day = first
    while day <= last:
        if start_of(day) not in starts:
            starts.append(start_of(day))
        day += timedelta(days=1)
    points = []
    for s in starts:
        mine = [r for r in rows if start_of(ist_day(r["filed_at"])) == s]
        resolved = [r for r in mine if _resolved(r)]
        on_time = [r for r in resolved if r["resolved_at"] <= r["sla_due_at"]]
        share = round(len(on_time) / len(resolved), 4) if resolved else None
        points.append(
            {
                "start": s.isoformat(),
                "filed": len(mine),
                "resolved": len(resolved),
                "on_time_share": share,
            }
        )
    return points


def slow_heat(rows: list[dict[str, Any]], resolution: int, open_only: bool) -> dict[str, int]:
    """H3 cell -> cases, computed from each row's point; cells with under 3 left out."""
    counts = Counter(
        h3.latlng_to_cell(r["latitude"], r["longitude"], resolution)
        for r in rows
        if not open_only or r["status"] in OPEN_WORDS
    )
    return {cell: n for cell, n in counts.items() if n >= 3}


PERSONAL = ("description", "reporter", "phone", "email", "address", "latitude", "longitude")


def keys_of(value: Any) -> set[str]:
    """Every object key anywhere in a JSON value."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_of(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_of(v)}
    return set()


# --- every figure at once, both ways (the SQLite test compares the engines) -----------------


async def every_figure(city: TestCity, first: date, last: date) -> dict[str, Any]:
    """Every figure records/stats.py gives for the city's cases filed in [first, last]."""
    from domain.stats import DayRange, Interval, trend
    from records import stats

    span = DayRange(first, last)
    cohort = stats.Cohort(city.slug, span)
    wards, zones = await stats.by_ward_and_zone(cohort)
    days = await stats.by_day(cohort)
    heat = {}
    for resolution in (7, 8, 9):
        for open_only in (True, False):
            cells = await stats.heat(cohort, resolution, open_only=open_only)
            heat[f"{resolution}:{open_only}"] = {h3.int_to_str(c): n for c, n in cells}
    w = city.wards[2]  # its two open cases (ward 1's tie at one point)
    near = await stats.nearby(w.lat, w.lon, 1000)
    return {
        "summary": (await stats.summary(cohort)).figures(),
        "wards": {k: v.figures() for k, v in sorted(wards.items())},
        "zones": {k: v.figures() for k, v in sorted(zones.items())},
        "days": trend(span, Interval.DAY, days),
        "weeks": trend(span, Interval.WEEK, days),
        "months": trend(span, Interval.MONTH, days),
        "heat": heat,
        "near": sorted([n.category, n.status, round(n.distance_m, 3)] for n in near),
    }


async def every_figure_slowly(city: TestCity, first: date, last: date) -> dict[str, Any]:
    """The same figures, counted row by row from the Complaint rows."""
    from records.cases import distance_m
    from records.tables import Complaint as Row

    rows = await cohort_rows(city.slug, first, last)
    wards, zones = by(rows, "ward_id"), by(rows, "zone")
    w = city.wards[2]  # its two open cases (ward 1's tie at one point)
    open_rows = await Row.select().where(Row.status.is_in(sorted(OPEN_WORDS)))
    near = [
        [
            r["category"],
            r["status"],
            round(distance_m(w.lat, w.lon, r["latitude"], r["longitude"]), 3),
        ]
        for r in open_rows
        if distance_m(w.lat, w.lon, r["latitude"], r["longitude"]) <= 1000
    ]
    return {
        "summary": slow_figures(rows),
        "wards": {k: slow_figures(wards[k]) for k in sorted(k for k in wards if k is not None)},
        "zones": {k: slow_figures(zones[k]) for k in sorted(k for k in zones if k is not None)},
        "days": slow_trend(rows, first, last, "day"),
        "weeks": slow_trend(rows, first, last, "week"),
        "months": slow_trend(rows, first, last, "month"),
        "heat": {
            f"{res}:{open_only}": slow_heat(rows, res, open_only)
            for res in (7, 8, 9)
            for open_only in (True, False)
        },
        "near": sorted(near)[:20],
    }


def assert_same_everywhere(got: dict[str, Any], expected: dict[str, Any], where: str) -> None:
    """Two every_figure answers agree (hours to within their rounding)."""
    assert_same_figures(got["summary"], expected["summary"], f"{where} summary")
    for part in ("wards", "zones"):
        assert set(got[part]) == set(expected[part]), (where, part)
        for key, figures in expected[part].items():
            assert_same_figures(got[part][key], figures, f"{where} {part} {key}")
    for part in ("days", "weeks", "months", "heat", "near"):
        assert got[part] == expected[part], (where, part)
