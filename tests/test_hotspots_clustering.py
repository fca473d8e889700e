"""The hotspot clustering (domain/hotspots.py): it agrees with brute force and scales linearly."""

from __future__ import annotations

import math
import random
import time
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.hotspots import (
    METRES_PER_DEGREE,
    OpenCase,
    clusters,
    distance_m,
    find_hotspots,
    hotspot_id,
)

BENGALURU = (12.9716, 77.5946)


def brute_force(points: list[tuple[float, float]], radius_m: float, min_cases: int) -> list:
    """Single linkage the slow way: compare every pair, then flood-fill the components."""
    n = len(points)
    near = [
        [j for j in range(n) if j != i and distance_m(*points[i], *points[j]) <= radius_m]
        for i in range(n)
    ]
    seen: set[int] = set()
    groups = []
    for start in range(n):
        if start in seen:
            continue
        stack, group = [start], []
        seen.add(start)
        while stack:
            i = stack.pop()
            group.append(i)
            for j in near[i]:
                if j not in seen:
                    seen.add(j)
                    stack.append(j)
        if len(group) >= min_cases:
            groups.append(sorted(group))
    return sorted(groups)


def offset(lat: float, lon: float, north_m: float, east_m: float) -> tuple[float, float]:
    """A point north_m and east_m from (lat, lon)."""
    dlat = north_m / METRES_PER_DEGREE
    dlon = east_m / (METRES_PER_DEGREE * math.cos(math.radians(lat)))
    return lat + dlat, lon + dlon


def garbage(tracking_id: str, point: tuple[float, float], **extra: object) -> OpenCase:
    """An open garbage case at a point."""
    fields: dict = {
        "tracking_id": tracking_id,
        "category": "garbage_not_collected",
        "status": "NOTICE_ISSUED",
        "latitude": point[0],
        "longitude": point[1],
        **extra,
    }
    return OpenCase(**fields)


# Points in a few km² of an Indian city, some piled close together so clusters form.
city_points = st.lists(
    st.tuples(
        st.floats(min_value=-1500, max_value=1500), st.floats(min_value=-1500, max_value=1500)
    ),
    max_size=120,
)


@settings(max_examples=200, deadline=None)
@given(
    offsets=city_points,
    radius=st.integers(min_value=25, max_value=1000),
    min_cases=st.integers(min_value=2, max_value=6),
    base=st.sampled_from([(8.52, 76.94), BENGALURU, (19.07, 72.88), (28.61, 77.21), (34.08, 74.8)]),
)
def test_the_grid_finds_the_same_clusters_as_comparing_every_pair(offsets, radius, min_cases, base):
    points = [offset(*base, n, e) for n, e in offsets]
    assert sorted(clusters(points, radius, min_cases)) == brute_force(points, radius, min_cases)


@settings(max_examples=100, deadline=None)
@given(
    offsets=city_points,
    radius=st.integers(min_value=25, max_value=400),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_clusters_do_not_depend_on_the_order_of_the_cases(offsets, radius, seed):
    cases = [garbage(f"BLR-{i:010d}", offset(*BENGALURU, n, e)) for i, (n, e) in enumerate(offsets)]
    shuffled = list(cases)
    random.Random(seed).shuffle(shuffled)
    first = find_hotspots(cases, radius, 2)
    assert first == find_hotspots(shuffled, radius, 2)


def test_five_garbage_complaints_within_150_m_are_one_hotspot():
    now = datetime(2026, 12, 1, tzinfo=UTC)
    # A pentagon of 60 m radius: every pair 70–115 m apart (beyond the 50 m re-complaint rule).
    spots = [
        offset(*BENGALURU, 60 * math.cos(2 * math.pi * k / 5), 60 * math.sin(2 * math.pi * k / 5))
        for k in range(5)
    ]
    members = [
        garbage(
            f"BLR-00000000{k}A",
            p,
            ward_id=str(60 + k % 2),
            sla_due_at=now + timedelta(hours=k),
            assignee_id=k,
        )
        for k, p in enumerate(spots)
    ]
    far = garbage("BLR-00000000ZZ", offset(*BENGALURU, 900, 0))
    pothole = OpenCase("BLR-00000000PP", "pothole", "ASSIGNED", *offset(*BENGALURU, 10, 10))
    [spot] = find_hotspots([*members, far, pothole], 150, 3)
    assert spot.category == "garbage_not_collected"
    assert {c.tracking_id for c in spot.cases} == {m.tracking_id for m in members}
    assert spot.wards == ("60", "61")
    assert spot.oldest_sla_due_at == now
    assert [c.sla_due_at for c in spot.cases] == sorted(m.sla_due_at for m in members)
    assert distance_m(spot.centroid_lat, spot.centroid_lon, *BENGALURU) < 1
    assert spot.id == hotspot_id("garbage_not_collected", [m.tracking_id for m in members])
    # With a radius shorter than the pentagon's sides, there is no hotspot.
    assert find_hotspots(members, 60, 3) == []
    # Five are fewer than six.
    assert find_hotspots(members, 150, 6) == []


def test_a_hotspot_id_is_stable_and_changes_with_its_members():
    ids = ["BLR-000000000B", "BLR-000000000A", "BLR-000000000C"]
    assert hotspot_id("pothole", ids) == hotspot_id("pothole", sorted(ids))
    assert hotspot_id("pothole", ids).startswith("pothole-")
    assert hotspot_id("pothole", ids) != hotspot_id("pothole", ids[:2])
    assert hotspot_id("pothole", ids) != hotspot_id("garbage_not_collected", ids)


def test_hotspots_are_ranked_biggest_first_then_most_overdue():
    now = datetime(2026, 12, 1, tzinfo=UTC)

    def group(prefix: str, count: int, north_m: float, due: datetime | None) -> list[OpenCase]:
        return [
            garbage(f"BLR-{prefix}{k:08d}", offset(*BENGALURU, north_m, 70 * k), sla_due_at=due)
            for k in range(count)
        ]

    cases = (
        group("AA", 3, 0, now)
        + group("BB", 4, 2000, None)
        + group("CC", 3, 4000, now - timedelta(days=1))
    )
    spots = find_hotspots(cases, 100, 3)
    assert [len(s.cases) for s in spots] == [4, 3, 3]
    assert spots[0].oldest_sla_due_at is None
    assert spots[1].cases[0].tracking_id.startswith("BLR-CC")  # a day more overdue


def test_nothing_and_bad_radius():
    assert clusters([], 150, 2) == []
    assert find_hotspots([], 150, 2) == []
    with pytest.raises(ValueError):
        clusters([BENGALURU], 0, 2)


def test_clustering_grows_linearly_with_the_number_of_cases():
    """Ten times the cases at the same density takes about ten times as long, not a hundred
    (the bound leaves room for a busy machine and for caches that a bigger city outgrows)."""
    rng = random.Random(13)

    def city(n: int) -> list[tuple[float, float]]:
        side = 80.0 * math.sqrt(n)  # one case per 80 m square on average
        return [offset(*BENGALURU, rng.uniform(0, side), rng.uniform(0, side)) for _ in range(n)]

    def timed(points: list[tuple[float, float]]) -> float:
        best = math.inf
        for _ in range(3):
            start = time.perf_counter()
            clusters(points, 150, 3)
            best = min(best, time.perf_counter() - start)
        return best

    small, large = city(2_000), city(20_000)
    assert timed(large) < 40 * timed(small)
