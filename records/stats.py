"""The public figures, read from the rollups the record step keeps (records/rollup.py), with
the few parts they do not hold counted from the complaint projection itself.

A cohort is the complaints of one city (and category) filed on a range of IST days. The range
is cut into whole months and loose days (domain.rollup.split): a year is at most 11 months
and about 60 days of rollup rows, so no read grows with the number of complaints. Counted
from the projection, over the loose days only: a ward's figures for one category, and the
heatmap's cells (both as large as the projection itself at that grain). Those scans use
index `complaint_stats` (city, filed_at), which carries the columns counted.

Median and p90 hours come from the rollups' histogram (within max(0.5 h, 10%) of the exact
value, domain.rollup). Nothing is cached: the rollups move in the projection's transaction,
so a filing counts as soon as its first revision is recorded.
"""

from __future__ import annotations

import asyncio
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from domain.rollup import ALL, COUNTS, DAY, HOURS, MONTH, add, bucket, counts_of, split
from domain.stats import (
    LEVELS,
    MIN_CELL_COUNT,
    NEARBY_LIMIT,
    OPEN_NOW,
    RESOLUTIONS,
    RESOLVED_STATUSES,
    Counts,
    DayCounts,
    DayRange,
)
from records.cases import distance_m
from records.tables import Complaint

Sums = dict[str, int]  # a rollup row's columns (counts and buckets), summed


def _in(values: tuple[str, ...]) -> str:
    """An SQL IN list of our own status names (constants, never user input)."""
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


OPEN_SQL = f"status IN {_in(OPEN_NOW)}"  # exactly the predicate of index complaint_open_place
RESOLVED_SQL = f"(resolved_at IS NOT NULL AND status IN {_in(RESOLVED_STATUSES)})"
_SUMS = ", ".join(f'SUM("{c}") AS "{c}"' for c in COUNTS + HOURS)


@dataclass(frozen=True)
class Cohort:
    """The complaints counted: one city, filed on a range of IST days, one category or all."""

    city: str
    span: DayRange
    category: str | None = None

    def filed(self, days: DayRange) -> tuple[str, list[Any]]:
        """The projection's WHERE clause (Piccolo placeholders) for the cohort's complaints
        filed on `days`."""
        sql = "city = {} AND filed_at >= {} AND filed_at < {}"
        args: list[Any] = [self.city, *days.bounds()]
        if self.category is not None:
            sql += " AND category = {}"
            args.append(self.category)
        return sql, args

    def kept(self, *, months: bool = True, days: bool = True) -> tuple[str, list[Any]]:
        """The rollup's WHERE clause for the cohort's periods: its whole months, its loose
        days, or both ("FALSE" when it has none of them)."""
        cut = split(self.span)
        parts: list[str] = []
        args: list[Any] = []
        if months and cut.months:
            parts.append(
                f"(span = '{MONTH}' AND first_day IN ({', '.join(['{}'] * len(cut.months))}))"
            )
            args += cut.months
        for run in cut.days if days else ():
            parts.append(f"(span = '{DAY}' AND first_day >= {{}} AND first_day <= {{}})")
            args += [run.first, run.last]
        sql = "city = {} AND category = {} AND (" + (" OR ".join(parts) or "FALSE") + ")"
        return sql, [self.city, self.category or ALL, *args]


@dataclass(frozen=True)
class Near:
    """An open case near a point: no personal data, no exact position."""

    tracking_id: str
    category: str
    status: str
    distance_m: float
    filed_at: datetime


def _sqlite() -> bool:
    """Whether the tables live in SQLite (Piccolo's own name for the engine's dialect)."""
    return Complaint._meta.db.engine_type == "sqlite"


async def _read(sql: str, args: list[Any]) -> list[dict[str, Any]]:
    """Rows of one read-only query. On PostgreSQL without JIT compilation: compiling these
    aggregates took longer (tens of ms) than the whole scan it would speed up."""
    if _sqlite():
        return await Complaint.raw(sql, *args)
    async with Complaint._meta.db.transaction():
        await Complaint.raw("SET LOCAL jit = off")
        await Complaint.raw("SET LOCAL work_mem = '32MB'")  # a year's cells sort in memory
        return await Complaint.raw(sql, *args)


def _sums(row: dict[str, Any]) -> Sums:
    """A row of summed rollup columns (SUM over no rows is NULL: zero)."""
    return {c: int(row[c] or 0) for c in COUNTS + HOURS}


async def summary(cohort: Cohort) -> Counts:
    """The cohort's figures."""
    where, args = cohort.kept()
    rows = await _read(f"SELECT {_SUMS} FROM complaint_rollup WHERE {where} AND ward_id = ''", args)
    return counts_of(_sums(rows[0]) if rows else {})


async def by_ward_and_zone(cohort: Cohort) -> tuple[dict[str, Counts], dict[str, Counts]]:
    """The cohort's figures per ward id and per zone name (cases not yet placed in a ward, and
    cases outside the city, count in neither)."""
    per_ward: dict[tuple[str, str], Sums] = defaultdict(dict)
    # A ward's days are kept for all categories only: for one category, count them.
    loose = cohort.category is not None
    where, args = cohort.kept(days=not loose)
    sql = (
        f"SELECT ward_id, zone, {_SUMS} FROM complaint_rollup WHERE {where} "
        "AND ward_id <> '' GROUP BY ward_id, zone"
    )
    jobs = [_read(sql, args)]
    if loose:
        jobs += [_counted_by_ward(cohort, run) for run in split(cohort.span).days]
    found = await asyncio.gather(*jobs)
    for row in found[0]:
        add(per_ward[(row["ward_id"], row["zone"])], _sums(row))
    for extra in found[1:]:
        for key, sums in extra.items():
            add(per_ward[key], sums)
    wards: dict[str, Sums] = defaultdict(dict)
    zones: dict[str, Sums] = defaultdict(dict)
    for (ward, zone), sums in per_ward.items():
        add(wards[ward], sums)
        if zone != ALL:
            add(zones[zone], sums)
    return {w: counts_of(s) for w, s in wards.items()}, {z: counts_of(s) for z, s in zones.items()}


def _counts_sql() -> str:
    """SELECT list of every count of the projection's rows, as the rollup names them."""
    parts = [
        "COUNT(*) AS filed",
        f"COUNT(*) FILTER (WHERE {OPEN_SQL}) AS open",
        f"COUNT(*) FILTER (WHERE {RESOLVED_SQL}) AS resolved",
        "COUNT(*) FILTER (WHERE status = 'CLOSED') AS closed",
        f"COUNT(*) FILTER (WHERE {RESOLVED_SQL} AND resolved_on_time) AS on_time",
        "SUM(recomplaints) AS recomplaints",
        *(f"COUNT(*) FILTER (WHERE escalation_level = {k}) AS level_{k}" for k in LEVELS),
        "COUNT(*) FILTER (WHERE priority = 1) AS p1",
    ]
    return ", ".join(parts)


def _hours_sql() -> str:
    """Every resolved case's hours to resolve, in one text or array column per group."""
    if _sqlite():
        hours = "(julianday(resolved_at) - julianday(filed_at)) * 24.0"
        return f"group_concat(CASE WHEN {RESOLVED_SQL} THEN {hours} END)"
    hours = "EXTRACT(EPOCH FROM resolved_at - filed_at) / 3600.0"
    return f"array_agg({hours}) FILTER (WHERE {RESOLVED_SQL})"


def _hours_of(value: Any) -> Iterable[float]:
    """The hours of `_hours_sql`: PostgreSQL's array, SQLite's comma-separated text."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (float(h) for h in value.split(","))
    return (float(h) for h in value)


async def _counted_by_ward(cohort: Cohort, days: DayRange) -> dict[tuple[str, str], Sums]:
    """Per (ward, zone), the rollup's sums counted from the projection in one scan: the
    cohort's complaints filed on `days`, with the buckets of their hours to resolve."""
    where, args = cohort.filed(days)
    sql = (
        f"SELECT ward_id, zone, {_counts_sql()}, {_hours_sql()} AS hours FROM complaint "
        f"WHERE {where} AND ward_id IS NOT NULL GROUP BY 1, 2"
    )
    out: dict[tuple[str, str], Sums] = {}
    for row in await _read(sql, args):
        sums = {c: int(row[c] or 0) for c in COUNTS}
        for hours in _hours_of(row["hours"]):
            column = HOURS[bucket(hours)]
            sums[column] = sums.get(column, 0) + 1
        out[(row["ward_id"], row["zone"] or ALL)] = sums
    return out


async def by_day(cohort: Cohort) -> dict[date, DayCounts]:
    """Filed, resolved and on-time counts per IST day of filing."""
    sql = (
        "SELECT first_day, filed, resolved, on_time FROM complaint_rollup "
        f"WHERE city = {{}} AND category = {{}} AND span = '{DAY}' AND first_day >= {{}} "
        "AND first_day <= {} AND ward_id = ''"
    )
    args = [cohort.city, cohort.category or ALL, cohort.span.first, cohort.span.last]
    out: dict[date, DayCounts] = {}
    for row in await _read(sql, args):
        day = date.fromisoformat(str(row["first_day"])[:10])
        out[day] = DayCounts(int(row["filed"]), int(row["resolved"]), int(row["on_time"]))
    return out


async def heat(cohort: Cohort, resolution: int, *, open_only: bool) -> list[tuple[int, int]]:
    """(H3 cell, cases) at a resolution, for cells with at least MIN_CELL_COUNT cases: whole
    months from the heat rollup, loose days counted from the projection."""
    if resolution not in RESOLUTIONS:
        raise ValueError(f"resolution must be one of {RESOLUTIONS}")
    cut = split(cohort.span)
    jobs = [_counted_cells(cohort, run, resolution, open_only) for run in cut.days]
    if cut.months:
        marks = ", ".join(["{}"] * len(cut.months))
        sql = (
            f"SELECT cell, SUM({'open' if open_only else 'filed'}) AS cases FROM complaint_heat "
            f"WHERE city = {{}} AND category = {{}} AND resolution = {int(resolution)} "
            f"AND first_day IN ({marks}) GROUP BY cell"
        )
        jobs.append(_read(sql, [cohort.city, cohort.category or ALL, *cut.months]))
    cells: dict[int, int] = defaultdict(int)
    for rows in await asyncio.gather(*jobs):
        for row in rows:
            cells[int(row["cell"])] += int(row["cases"] or 0)
    return sorted((c, n) for c, n in cells.items() if n >= MIN_CELL_COUNT)


async def _counted_cells(
    cohort: Cohort, days: DayRange, resolution: int, open_only: bool
) -> list[dict[str, Any]]:
    """Cases per cell at a resolution, counted from the projection over `days`."""
    column = f"h3_r{int(resolution)}"
    where, args = cohort.filed(days)
    if open_only:
        where += f" AND {OPEN_SQL}"
    sql = (
        f"SELECT {column} AS cell, COUNT(*) AS cases FROM complaint "
        f"WHERE {where} AND {column} IS NOT NULL GROUP BY {column}"
    )
    return await _read(sql, args)


def _box(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    """A lat/lon box that holds every point within `radius_m` of (lat, lon)."""
    dlat = radius_m / 111_320.0 * 1.01
    dlon = radius_m / (111_320.0 * max(math.cos(math.radians(lat)), 0.01)) * 1.01
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


def nearby_query(
    lat: float, lon: float, radius_m: float, category: str | None = None
) -> tuple[str, list[Any]]:
    """The SQL (Piccolo placeholders) of the open cases in a box around the point. It repeats
    the predicate of the partial index complaint_open_place, which serves it; SQLite is told
    so (without ANALYZE statistics it would rather walk the status index)."""
    lat_lo, lat_hi, lon_lo, lon_hi = _box(lat, lon, radius_m)
    hint = " INDEXED BY complaint_open_place" if _sqlite() else ""
    sql = (
        "SELECT tracking_id, category, status, latitude, longitude, filed_at "
        f"FROM complaint{hint} WHERE {OPEN_SQL} AND latitude >= {{}} AND latitude <= {{}} "
        "AND longitude >= {} AND longitude <= {}"
    )
    args: list[Any] = [lat_lo, lat_hi, lon_lo, lon_hi]
    if category is not None:
        sql += " AND category = {}"
        args.append(category)
    return sql, args


async def nearby(
    lat: float, lon: float, radius_m: float, category: str | None = None
) -> list[Near]:
    """Open cases within `radius_m` of a point, nearest first, at most NEARBY_LIMIT."""
    found = []
    for row in await _read(*nearby_query(lat, lon, radius_m, category)):
        d = distance_m(lat, lon, row["latitude"], row["longitude"])
        if d <= radius_m:
            found.append(
                Near(row["tracking_id"], row["category"], row["status"], d, _utc(row["filed_at"]))
            )
    found.sort(key=lambda n: (n.distance_m, n.tracking_id))
    return found[:NEARBY_LIMIT]


def _utc(value: Any) -> datetime:
    """A filed_at from raw SQL: PostgreSQL gives a datetime, SQLite its stored text."""
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))
