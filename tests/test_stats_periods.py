"""The calendar and the arithmetic behind the figures (domain/stats.py), without a database."""

from __future__ import annotations

import random
import statistics
from datetime import UTC, date, datetime

import h3

from domain.rollup import histogram, percentile_of, split
from domain.stats import (
    DayCounts,
    DayRange,
    Interval,
    cell_feature,
    cells,
    default_range,
    periods,
    trend,
)


def test_a_range_of_ist_days_begins_and_ends_at_ist_midnight():
    start, until = DayRange(date(2026, 3, 1), date(2026, 3, 31)).bounds()
    assert start == datetime(2026, 2, 28, 18, 30, tzinfo=UTC)
    assert until == datetime(2026, 3, 31, 18, 30, tzinfo=UTC)
    # 20:00 UTC on the last day of November is already 1 December in India.
    assert default_range(datetime(2026, 11, 30, 20, 0, tzinfo=UTC)) == DayRange(
        date(2026, 12, 1), date(2026, 12, 1)
    )


def test_weeks_start_on_monday_and_months_on_the_first_across_a_year_end():
    span = DayRange(date(2025, 12, 24), date(2026, 3, 2))
    weeks = periods(span, Interval.WEEK)
    assert weeks[0] == date(2025, 12, 22) and all(w.weekday() == 0 for w in weeks)
    assert weeks[-1] == date(2026, 3, 2) and len(weeks) == 11
    assert periods(span, Interval.MONTH) == [
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
        date(2026, 3, 1),
    ]
    assert len(periods(DayRange(date(2024, 2, 1), date(2024, 2, 29)), Interval.DAY)) == 29


def test_a_trend_folds_days_into_their_periods_and_keeps_empty_ones():
    span = DayRange(date(2026, 1, 30), date(2026, 2, 2))
    days = {date(2026, 1, 30): DayCounts(3, 2, 1), date(2026, 2, 2): DayCounts(1, 1, 1)}
    assert trend(span, Interval.MONTH, days) == [
        {"start": "2026-01-01", "filed": 3, "resolved": 2, "on_time_share": 0.5},
        {"start": "2026-02-01", "filed": 1, "resolved": 1, "on_time_share": 1.0},
    ]
    daily = trend(span, Interval.DAY, days)
    assert [p["filed"] for p in daily] == [3, 0, 0, 1] and daily[1]["on_time_share"] is None


def test_median_and_p90_from_the_histogram_stay_within_ten_percent_or_half_an_hour():
    rnd = random.Random(5)
    for n in (1, 2, 3, 10, 101, 2000):
        for draw in (lambda: rnd.uniform(0, 6), lambda: rnd.lognormvariate(3.5, 1.3)):
            values = sorted(draw() for _ in range(n))
            counts = histogram(values)
            exact = {0.5: statistics.median(values), 0.9: values[0]}
            if n >= 2:
                exact[0.9] = statistics.quantiles(values, n=10, method="inclusive")[8]
            for share, value in exact.items():
                got = percentile_of(counts, share)
                assert got is not None
                assert abs(got - value) <= max(0.5, 0.1 * value) + 1e-9, (n, share, got, value)
    assert percentile_of(histogram([]), 0.5) is None


def test_a_year_splits_into_its_whole_months_and_the_days_at_either_end():
    cut = split(DayRange(date(2025, 12, 2), date(2026, 12, 2)))
    assert cut.months == tuple(date(2026, m, 1) for m in range(1, 12))
    assert cut.days == (
        DayRange(date(2025, 12, 2), date(2025, 12, 31)),
        DayRange(date(2026, 12, 1), date(2026, 12, 2)),
    )
    assert split(DayRange(date(2024, 2, 1), date(2024, 2, 29))).months == (date(2024, 2, 1),)
    assert split(DayRange(date(2026, 3, 5), date(2026, 3, 9))).days == (
        DayRange(date(2026, 3, 5), date(2026, 3, 9)),
    )


def test_each_resolution_has_the_cell_that_holds_the_point():
    lat, lon = 12.9716, 77.5946
    assert cells(lat, lon) == tuple(
        h3.str_to_int(h3.latlng_to_cell(lat, lon, r)) for r in (7, 8, 9)
    )
    feature = cell_feature(cells(lat, lon)[1], 4)
    ring = feature["geometry"]["coordinates"][0]
    assert feature["id"] == h3.latlng_to_cell(lat, lon, 8)
    assert feature["properties"] == {"cell": feature["id"], "count": 4}
    assert len(ring) == 7 and ring[0] == ring[-1]
    assert all(77 < x < 78 and 12 < y < 13 for x, y in ring)  # longitude first
