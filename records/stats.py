"""The public figures, counted in SQL over the complaint projection (no rows leave the database
but the durations SQLite needs for its percentiles).

A cohort is the complaints of one city (and category) filed in a half-open UTC range. Every
figure is an aggregate with GROUP BY, served by index `complaint_stats` (city, filed_at),
which also carries the columns counted, so a cohort is read from the index alone. The SQL
is the same on both engines but for the IST day, the hours to resolve and the percentiles:
PostgreSQL computes the median and p90 with percentile_cont (without JIT compilation, which
cost more than it saved), SQLite fetches the cohort's hours to resolve (one float a resolved
case) and domain.stats interpolates the same percentiles in Python. Nothing is cached: the
projection is read directly, so a filing counts as soon as its first revision is recorded.
"""

from __future__ import annotations

import asyncio
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from domain.stats import (
    IST_NAME,
    LEVELS,
    MIN_CELL_COUNT,
    NEARBY_LIMIT,
    OPEN_NOW,
    RESOLUTIONS,
    RESOLVED_STATUSES,
    Counts,
    DayCounts,
)
from records.cases import distance_m
from records.tables import Complaint


def _in(values: tuple[str, ...]) -> str:
    """An SQL IN list of our own status names (constants, never user input)."""
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


OPEN_SQL = f"status IN {_in(OPEN_NOW)}"  # exactly the predicate of index complaint_open_place
RESOLVED_SQL = f"(resolved_at IS NOT NULL AND status IN {_in(RESOLVED_STATUSES)})"


@dataclass(frozen=True)
class Cohort:
    """The complaints counted: one city, filed in [start, until), of one category or all."""

    city: str
    start: datetime
    until: datetime
    category: str | None = None

    def where(self) -> tuple[str, list[Any]]:
        """The WHERE clause (Piccolo `{}` placeholders) and its values."""
        sql = "city = {} AND filed_at >= {} AND filed_at < {}"
        args: list[Any] = [self.city, self.start, self.until]
        if self.category is not None:
            sql += " AND category = {}"
            args.append(self.category)
        return sql, args


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
    aggregates took longer (tens of ms) than the whole index scan it would speed up."""
    if _sqlite():
        return await Complaint.raw(sql, *args)
    async with Complaint._meta.db.transaction():
        await Complaint.raw("SET LOCAL jit = off")
        await Complaint.raw("SET LOCAL work_mem = '32MB'")  # a ward's sort stays in memory
        return await Complaint.raw(sql, *args)


def _day_sql() -> str:
    if _sqlite():
        # Whole seconds first: SQLite rounds 23:59:59.9999 up to the next day. IST has no
        # daylight saving, so a fixed offset is its calendar.
        return "date(substr(filed_at, 1, 19), '+330 minutes')"
    return f"CAST((filed_at AT TIME ZONE '{IST_NAME}') AS DATE)"


def _counts_sql(group: str | None) -> str:
    """SELECT list of every count, grouped by the column `group` (or the whole cohort).
    PostgreSQL adds the median and p90 time to resolve (one sort of the resolved cases)."""
    parts = [
        "COUNT(*) AS filed",
        f"COUNT(*) FILTER (WHERE {OPEN_SQL}) AS open",
        f"COUNT(*) FILTER (WHERE {RESOLVED_SQL}) AS resolved",
        "COUNT(*) FILTER (WHERE status = 'CLOSED') AS closed",
        f"COUNT(*) FILTER (WHERE {RESOLVED_SQL} AND resolved_on_time) AS on_time",
        "SUM(recomplaints) AS recomplaints",
        *(f"COUNT(*) FILTER (WHERE escalation_level = {k}) AS level_{k}" for k in LEVELS),
    ]
    if not _sqlite():
        parts.append(
            "percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY resolved_at - filed_at) "
            f"FILTER (WHERE {RESOLVED_SQL}) AS hours"
        )
    if group is not None:
        parts.insert(0, f"{_key(group)} AS grp")
    return ", ".join(parts)


def _key(column: str) -> str:
    """A grouping column; on PostgreSQL compared bytewise (sorting by the locale's rules
    cost more than the counting, and the order is not used)."""
    return column if _sqlite() else f'{column} COLLATE "C"'


def _counts(row: dict[str, Any]) -> Counts:
    """A row of `_counts_sql` as Counts (SUM over no rows is NULL: zero)."""
    counts = Counts(
        filed=int(row["filed"] or 0),
        open=int(row["open"] or 0),
        resolved=int(row["resolved"] or 0),
        closed=int(row["closed"] or 0),
        on_time=int(row["on_time"] or 0),
        recomplaints=int(row["recomplaints"] or 0),
        levels={k: int(row[f"level_{k}"] or 0) for k in LEVELS},
    )
    if row.get("hours"):  # PostgreSQL: [median, p90] as intervals
        median, p90 = row["hours"]
        counts.median_hours = median.total_seconds() / 3600
        counts.p90_hours = p90.total_seconds() / 3600
    return counts


async def _grouped(cohort: Cohort, group: str | None) -> dict[Any, Counts]:
    """Counts per value of `group` (None: the one cohort, under the key None); on PostgreSQL
    with their hours to resolve."""
    where, args = cohort.where()
    sql = f"SELECT {_counts_sql(group)} FROM complaint WHERE {where}"
    if group is not None:
        sql += " GROUP BY 1"
    rows = await _read(sql, args)
    return {row["grp"] if group else None: _counts(row) for row in rows}


async def _durations(cohort: Cohort, groups: tuple[str, ...]) -> dict[str, dict[Any, list[float]]]:
    """SQLite's percentiles: the hours each resolved case of the cohort took, by the value of
    each grouping column (one query for them all; "" groups the whole cohort)."""
    where, args = cohort.where()
    columns = "".join(f"{g}, " for g in groups)
    hours = "(julianday(resolved_at) - julianday(filed_at)) * 24.0"
    sql = f"SELECT {columns}{hours} AS hours FROM complaint WHERE {where} AND {RESOLVED_SQL}"
    out: dict[str, dict[Any, list[float]]] = {g: defaultdict(list) for g in groups or ("",)}
    for row in await _read(sql, args):
        for g, values in out.items():
            values[row[g] if g else None].append(float(row["hours"]))
    return out


async def _figures(cohort: Cohort, groups: tuple[str, ...]) -> dict[str, dict[Any, Counts]]:
    """Counts by each grouping column ("" for none), with the hours to resolve."""
    found = await asyncio.gather(*(_grouped(cohort, g or None) for g in groups or ("",)))
    by_group = dict(zip(groups or ("",), found, strict=True))
    if _sqlite():
        durations = await _durations(cohort, groups)
        for g, counts in by_group.items():
            for key, one in counts.items():
                one.set_hours(durations[g].get(key, ()))
    return by_group


async def summary(cohort: Cohort) -> Counts:
    """The cohort's figures."""
    return (await _figures(cohort, ()))[""].get(None) or Counts()


async def by_ward_and_zone(cohort: Cohort) -> tuple[dict[str, Counts], dict[str, Counts]]:
    """The cohort's figures per ward id and per zone name (cases not yet placed in a ward, and
    cases outside the city, count in neither)."""
    found = await _figures(cohort, ("ward_id", "zone"))
    wards, zones = found["ward_id"], found["zone"]
    wards.pop(None, None)
    zones.pop(None, None)
    return wards, zones


async def by_day(cohort: Cohort) -> dict[date, DayCounts]:
    """Filed, resolved and on-time counts per IST day of filing."""
    where, args = cohort.where()
    sql = (
        f"SELECT {_day_sql()} AS day, COUNT(*) AS filed, "
        f"COUNT(*) FILTER (WHERE {RESOLVED_SQL}) AS resolved, "
        f"COUNT(*) FILTER (WHERE {RESOLVED_SQL} AND resolved_on_time) AS on_time "
        f"FROM complaint WHERE {where} GROUP BY 1"
    )
    out: dict[date, DayCounts] = {}
    for row in await _read(sql, args):
        day = date.fromisoformat(str(row["day"])[:10])
        out[day] = DayCounts(int(row["filed"]), int(row["resolved"] or 0), int(row["on_time"] or 0))
    return out


async def heat(cohort: Cohort, resolution: int, *, open_only: bool) -> list[tuple[int, int]]:
    """(H3 cell, cases) at a resolution, for cells with at least MIN_CELL_COUNT cases."""
    if resolution not in RESOLUTIONS:
        raise ValueError(f"resolution must be one of {RESOLUTIONS}")
    column = f"h3_r{resolution}"
    where, args = cohort.where()
    if open_only:
        where += f" AND {OPEN_SQL}"
    sql = (
        f"SELECT {column} AS cell, COUNT(*) AS cases FROM complaint "
        f"WHERE {where} AND {column} IS NOT NULL "
        f"GROUP BY {column} HAVING COUNT(*) >= {MIN_CELL_COUNT} ORDER BY {column}"
    )
    return [(int(r["cell"]), int(r["cases"])) for r in await _read(sql, args)]


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
