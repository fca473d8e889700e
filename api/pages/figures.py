"""The figures a page shows, read as /v1/stats reads them, and the ward and zone rankings.

The pages call records/stats.py directly (the same functions as the stats API), so the
numbers in the HTML are the numbers of /v1/stats/summary, /wards and /trends for the same
city, days and category. Rankings order by the share resolved on time; a ward or zone is
ranked only once it has MIN_RESOLVED resolved cases in the period, so one lucky case does
not put a ward on top.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from domain.stats import Counts, DayRange, Interval, trend
from records import stats
from records.geography import CityZones

MIN_RESOLVED = 5
PODIUM = 5  # how many best and worst wards the dashboard names


@dataclass
class Figures:
    """A city's figures for a period and category: the whole city, each ward, each zone."""

    summary: dict[str, Any]
    wards: list[dict[str, Any]]
    zones: list[dict[str, Any]]
    trend: list[dict[str, Any]] = field(default_factory=list)

    def ward(self, ward_id: str) -> dict[str, Any] | None:
        """One ward's row."""
        return next((w for w in self.wards if w["ward_id"] == ward_id), None)


def _key(row: dict[str, Any]) -> tuple[float, int, str]:
    return (-(row["on_time_share"] or 0.0), -row["resolved"], str(row.get("name", "")))


def rank(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows with MIN_RESOLVED or more resolved cases, best first, each with its `rank`
    (rows that tie on share and resolved count share a rank)."""
    ranked = sorted((r for r in rows if r["resolved"] >= MIN_RESOLVED), key=_key)
    out, previous, place = [], None, 0
    for position, row in enumerate(ranked, start=1):
        tie = (row["on_time_share"], row["resolved"])
        if tie != previous:
            place, previous = position, tie
        out.append({**row, "rank": place})
    return out


def podium(ranked: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The best PODIUM wards and, worst first, the PODIUM below them (never the same ward)."""
    best = ranked[:PODIUM]
    rest = ranked[len(best) :]
    return best, list(reversed(rest[-PODIUM:]))


async def city_figures(
    zones: CityZones, span: DayRange, category: str | None, interval: Interval | None = None
) -> Figures:
    """Every figure of the city for the days and category (and the trend, given an interval)."""
    cohort = stats.Cohort(zones.city.slug, span, category)
    jobs: list[Any] = [stats.summary(cohort), stats.by_ward_and_zone(cohort)]
    if interval is not None:
        jobs.append(stats.by_day(cohort))
    results = await asyncio.gather(*jobs)
    summary: Counts = results[0]
    by_ward, by_zone = results[1]
    wards = []
    for shape in sorted(zones.shapes, key=lambda s: _ward_order(s.ward_id)):
        counts = by_ward.get(shape.ward_id) or Counts()
        wards.append(
            {"ward_id": shape.ward_id, "name": shape.name, "zone": shape.zone, **counts.figures()}
        )
    zone_names = sorted({s.zone for s in zones.shapes if s.zone} | set(by_zone))
    zone_rows = [
        {"name": name, "zone": name, **(by_zone.get(name) or Counts()).figures()}
        for name in zone_names
    ]
    points = trend(span, interval, results[2]) if interval is not None else []
    return Figures(summary.figures(), wards, zone_rows, points)


def _ward_order(ward_id: str) -> tuple[int, str]:
    """Numeric ward ids in number order, then the rest by name."""
    return (int(ward_id), "") if ward_id.isdigit() else (1 << 30, ward_id)
