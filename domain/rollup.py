"""What one complaint adds to the rollups that keep the public figures ready, and how they are
read back: a histogram of hours to resolve, and a range of days cut into months and days.

Pure rules: records/rollup.py keeps the tables, records/stats.py reads them.

- **Figures rollup** (`complaint_rollup`): counts per IST day or month of filing, per category
  or all of them (ALL), for the whole city (ward ALL) or one ward (with its zone). Not every
  combination is kept: a ward's days are kept for all categories only, since per category
  and ward a day holds about one complaint, and such a rollup would be as large as the
  projection. Those few figures are counted from the projection itself (records/stats.py).
- **Heat rollup** (`complaint_heat`): cases and open cases per month of filing, category (or
  ALL), H3 resolution and cell. Days again come from the projection.
- **Hours to resolve** are kept as a histogram: buckets half an hour wide below 5 hours, then
  each 10% wider than the last. A percentile read from it lies within max(0.5 h, 10%) of
  the exact one (`percentile_of`), which is what the figures promise.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from domain.stats import (
    LEVELS,
    OPEN_NOW,
    RESOLUTIONS,
    RESOLVED_STATUSES,
    Counts,
    DayRange,
    today_ist,
)

ALL = ""  # the category, ward or zone key of a row that covers all of them
DAY, MONTH = "day", "month"

_FINE_STEP, _FINE_TOP, _GROWTH = 0.5, 5.0, 1.1
_TOP = 2 * 366 * 24.0  # past two years, hours fall in the last (open-ended) bucket
EDGES: tuple[float, ...] = (
    *(i * _FINE_STEP for i in range(int(_FINE_TOP / _FINE_STEP))),
    *(
        _FINE_TOP * _GROWTH**k
        for k in range(math.ceil(math.log(_TOP / _FINE_TOP) / math.log(_GROWTH)) + 1)
    ),
)  # the lower edge of each bucket of hours to resolve
HOURS = tuple(f"h{i:02d}" for i in range(len(EDGES)))  # the rollup's column per bucket
COUNTS = (
    "filed",
    "open",
    "resolved",
    "closed",
    "on_time",
    "recomplaints",
    *(f"level_{k}" for k in LEVELS),
    "p1",  # issue 14: cases now at priority P1
)
HEAT = ("filed", "open")

# The columns of a projection row that its contribution depends on.
ROW_COLUMNS = (
    "city",
    "category",
    "filed_at",
    "status",
    "ward_id",
    "zone",
    "resolved_at",
    "resolved_on_time",
    "recomplaints",
    "escalation_level",
    *(f"h3_r{r}" for r in RESOLUTIONS),
    "priority",
)

FigureKey = tuple[str, str, date, str, str, str]  # city, span, start, category, ward, zone
HeatKey = tuple[str, date, str, int, int]  # city, month, category, resolution, cell
Delta = dict[str, int]


def bucket(hours: float) -> int:
    """The histogram bucket of a time to resolve (negative times count as none)."""
    return max(bisect_right(EDGES, hours) - 1, 0)


def percentile_of(histogram: Sequence[int], share: float) -> float | None:
    """The `share` quantile, interpolated as PostgreSQL's percentile_cont between the two
    values of nearest rank, each value placed evenly inside its bucket (None: no values)."""
    total = sum(histogram)
    if not total:
        return None
    position = share * (total - 1)
    low = math.floor(position)
    below, above = _ranked(histogram, low), _ranked(histogram, min(low + 1, total - 1))
    return below + (above - below) * (position - low)


def _ranked(histogram: Sequence[int], rank: int) -> float:
    """The estimate of the value of 0-based `rank` in sorted order."""
    seen = 0
    for i, n in enumerate(histogram):
        if n and rank < seen + n:
            if i + 1 == len(EDGES):
                return EDGES[i]  # open-ended: its lower edge
            width = EDGES[i + 1] - EDGES[i]
            return EDGES[i] + width * (rank - seen + 0.5) / n
        seen += n
    raise ValueError("rank beyond the histogram")


def histogram(hours: Sequence[float]) -> list[int]:
    """The histogram of some times to resolve."""
    out = [0] * len(EDGES)
    for h in hours:
        out[bucket(h)] += 1
    return out


@dataclass(frozen=True)
class Split:
    """A range of days as the whole months it covers and the days left at either end."""

    months: tuple[date, ...]
    days: tuple[DayRange, ...]


def month_end(start: date) -> date:
    """The last day of the month that starts on `start`."""
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def split(span: DayRange) -> Split:
    """Cut a range into whole calendar months and at most two runs of loose days."""
    first_month = span.first if span.first.day == 1 else month_end(span.first) + timedelta(1)
    months: list[date] = []
    current = first_month
    while month_end(current) <= span.last:
        months.append(current)
        current = month_end(current) + timedelta(days=1)
    if not months:
        return Split((), (span,))
    days = []
    if span.first < months[0]:
        days.append(DayRange(span.first, months[0] - timedelta(days=1)))
    if current <= span.last:
        days.append(DayRange(current, span.last))
    return Split(tuple(months), tuple(days))


def _hours(row: Mapping[str, Any]) -> float:
    return (row["resolved_at"] - row["filed_at"]).total_seconds() / 3600


def counted(row: Mapping[str, Any]) -> Delta:
    """What a projection row counts in every figure it falls in (zeros left out)."""
    resolved = row["resolved_at"] is not None and row["status"] in RESOLVED_STATUSES
    level = row["escalation_level"] or 0
    out = {
        "filed": 1,
        "open": int(row["status"] in OPEN_NOW),
        "resolved": int(resolved),
        "closed": int(row["status"] == "CLOSED"),
        "on_time": int(resolved and bool(row["resolved_on_time"])),
        "recomplaints": int(row["recomplaints"] or 0),
        **{f"level_{k}": int(level == k) for k in LEVELS},
        "p1": int(row["priority"] == 1),
    }
    if resolved:
        out[HOURS[bucket(_hours(row))]] = 1
    return {k: v for k, v in out.items() if v}


def figure_keys(row: Mapping[str, Any]) -> Iterator[FigureKey]:
    """The figures rollup rows a complaint counts in."""
    city, category = row["city"], row["category"]
    day = today_ist(row["filed_at"])
    month = day.replace(day=1)
    for span, start in ((DAY, day), (MONTH, month)):
        yield (city, span, start, category, ALL, ALL)
        yield (city, span, start, ALL, ALL, ALL)
    if row["ward_id"] is not None:
        ward, zone = row["ward_id"], row["zone"] or ALL
        yield (city, DAY, day, ALL, ward, zone)
        yield (city, MONTH, month, category, ward, zone)
        yield (city, MONTH, month, ALL, ward, zone)


def heat_keys(row: Mapping[str, Any]) -> Iterator[HeatKey]:
    """The heat rollup rows a complaint counts in."""
    month = today_ist(row["filed_at"]).replace(day=1)
    for resolution in RESOLUTIONS:
        cell = row[f"h3_r{resolution}"]
        if cell is not None:
            for category in (row["category"], ALL):
                yield (row["city"], month, category, resolution, int(cell))


def add(target: Delta, values: Mapping[str, int], sign: int = 1) -> None:
    """Add (or, with sign -1, take away) `values` column by column."""
    for column, n in values.items():
        target[column] = target.get(column, 0) + sign * n


def tally(
    row: Mapping[str, Any], figures: dict[Any, Delta], heat: dict[Any, Delta], sign: int = 1
) -> None:
    """Add a projection row's contribution to both rollups' tallies (sign -1: take it away)."""
    values = counted(row)
    for key in figure_keys(row):
        add(figures[key], values, sign)
    spot = {"filed": 1, "open": values.get("open", 0)}
    for key in heat_keys(row):
        add(heat[key], spot, sign)


def changes(
    old: Mapping[str, Any] | None, new: Mapping[str, Any] | None
) -> tuple[dict[FigureKey, Delta], dict[HeatKey, Delta]]:
    """What replacing projection row `old` (None: there was none) by `new` (None: removed)
    changes in each rollup: per row, per column, a non-zero difference."""
    figures: dict[Any, Delta] = defaultdict(dict)
    heat: dict[Any, Delta] = defaultdict(dict)
    for row, sign in ((old, -1), (new, 1)):
        if row is not None:
            tally(row, figures, heat, sign)
    return _nonzero(figures), _nonzero(heat)


def _nonzero(deltas: dict[Any, Delta]) -> dict[Any, Delta]:
    kept = {k: {c: n for c, n in d.items() if n} for k, d in deltas.items()}
    return {k: d for k, d in kept.items() if d}


def as_aware(value: Any) -> datetime | None:
    """A timestamp read back from either engine (SQLite may give its stored text)."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def counts_of(sums: Mapping[str, int]) -> Counts:
    """The figures of summed rollup columns: counts, and hours from the histogram."""
    histogram_ = [sums.get(name, 0) for name in HOURS]
    return Counts(
        filed=sums.get("filed", 0),
        open=sums.get("open", 0),
        resolved=sums.get("resolved", 0),
        closed=sums.get("closed", 0),
        on_time=sums.get("on_time", 0),
        recomplaints=sums.get("recomplaints", 0),
        levels={k: sums.get(f"level_{k}", 0) for k in LEVELS},
        p1=sums.get("p1", 0),
        median_hours=percentile_of(histogram_, 0.5),
        p90_hours=percentile_of(histogram_, 0.9),
    )
