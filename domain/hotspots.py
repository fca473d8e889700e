"""Hotspots: open cases of one category that lie within a radius of each other.

Pure and without I/O. A hotspot is a single-linkage cluster: two cases belong together when
they are at most `radius_m` apart, and so, transitively, are their neighbours; a cluster of
at least `min_cases` members is a hotspot (DBSCAN with a core size of one, then a size
floor, so the answer does not depend on the order of the input).

Expected linear time: every point is put in a grid cell of about `radius_m` square
(equirectangular metres), and compared only with the points of its own and the eight
neighbouring cells; pairs within the radius are joined with union-find. Open cases of one
category are at least the re-complaint radius (50 m) apart, since a closer filing joins
the case it repeats, so a cell holds a bounded number of them.

Distances are equirectangular at the pair's mean latitude, which for the few kilometres of a
city differs from the great circle by far less than a GPS fix; longitudes do not wrap at
±180° (no Indian city needs it).
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

EARTH_RADIUS_M = 6_371_008.8
METRES_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180.0
MAX_ABS_LATITUDE = 85.0  # beyond this a degree of longitude is too short to grid by
DEFAULT_RADIUS_M = 150
MIN_RADIUS_M, MAX_RADIUS_M = 25, 1000
DEFAULT_MIN_CASES = 3
MIN_MIN_CASES, MAX_MIN_CASES = 2, 50
ID_HASH_CHARS = 12
# A cell, then the neighbours after it in (row, column) order: each pair of cells once.
_FORWARD = ((0, 0), (0, 1), (1, -1), (1, 0), (1, 1))


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Equirectangular distance in metres between two points (at their mean latitude)."""
    mean = math.radians((lat1 + lat2) / 2.0)
    dy = (lat2 - lat1) * METRES_PER_DEGREE
    dx = (lon2 - lon1) * METRES_PER_DEGREE * math.cos(mean)
    return math.hypot(dx, dy)


class _UnionFind:
    """Disjoint sets over 0..n-1 with path halving and union by size."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.size = [1] * n

    def find(self, i: int) -> int:
        """The representative of i's set."""
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        """Join the sets of a and b."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]


def clusters(
    points: Sequence[tuple[float, float]], radius_m: float, min_cases: int
) -> list[list[int]]:
    """Indices of `points` (lat, lon) grouped into single-linkage clusters of at least
    `min_cases` members, each list ascending, the lists ordered by their first index."""
    if radius_m <= 0:
        raise ValueError("radius_m must be positive")
    n = len(points)
    if n == 0:
        return []
    # Cells are radius_m tall; their width in degrees is what radius_m spans at the highest
    # latitude present, so a pair within the radius is never more than one cell apart.
    widest = min(max(abs(lat) for lat, _ in points), MAX_ABS_LATITUDE)
    cell_lat = radius_m / METRES_PER_DEGREE
    cell_lon = radius_m / (METRES_PER_DEGREE * math.cos(math.radians(widest)))
    grid: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, (lat, lon) in enumerate(points):
        grid[(math.floor(lat / cell_lat), math.floor(lon / cell_lon))].append(i)
    sets = _UnionFind(n)
    find = sets.find
    # Cell by cell: each pair of neighbouring cells is looked at once (a cell with itself and
    # with the four neighbours after it in (row, column) order); no sort, so linear.
    for (row, col), here in grid.items():
        for d_row, d_col in _FORWARD:
            there = here if d_row == d_col == 0 else grid.get((row + d_row, col + d_col))
            if not there:
                continue
            for a, i in enumerate(here):
                lat, lon = points[i]
                for j in there[a + 1 :] if there is here else there:
                    if find(i) == find(j):
                        continue  # already joined: no distance needed
                    if distance_m(lat, lon, points[j][0], points[j][1]) <= radius_m:
                        sets.union(i, j)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(n):
        groups[sets.find(i)].append(i)
    found = [members for members in groups.values() if len(members) >= min_cases]
    found.sort(key=lambda members: members[0])
    return found


@dataclass(frozen=True)
class OpenCase:
    """What clustering and the hotspot list need of one open case (no personal data)."""

    tracking_id: str
    category: str
    status: str
    latitude: float
    longitude: float
    ward_id: str | None = None
    ward_name: str | None = None
    zone: str | None = None
    sla_due_at: datetime | None = None
    assignee_id: int | None = None
    assignee_name: str | None = None


@dataclass(frozen=True)
class Hotspot:
    """A cluster of open cases of one category."""

    id: str
    category: str
    centroid_lat: float
    centroid_lon: float
    cases: tuple[OpenCase, ...]  # oldest SLA due first (cases without a deadline last)
    wards: tuple[str, ...]  # ward ids, sorted
    oldest_sla_due_at: datetime | None


def hotspot_id(category: str, tracking_ids: Sequence[str]) -> str:
    """A stable id: the category and a short hash of the sorted member tracking ids, so the
    same cases give the same id on every call (and a changed membership a new one)."""
    digest = hashlib.sha256("\n".join([category, *sorted(tracking_ids)]).encode()).hexdigest()
    return f"{category}-{digest[:ID_HASH_CHARS]}"


def _due_order(case: OpenCase) -> tuple[int, float, str]:
    """Sort key: oldest SLA due first, cases without a deadline last, then tracking id."""
    if case.sla_due_at is None:
        return (1, 0.0, case.tracking_id)
    return (0, case.sla_due_at.timestamp(), case.tracking_id)


def _hotspot(category: str, members: list[OpenCase]) -> Hotspot:
    """The hotspot of one cluster: its id, centroid, wards and oldest deadline."""
    lat = sum(c.latitude for c in members) / len(members)
    lon = sum(c.longitude for c in members) / len(members)
    dues = [c.sla_due_at for c in members if c.sla_due_at is not None]
    return Hotspot(
        id=hotspot_id(category, [c.tracking_id for c in members]),
        category=category,
        centroid_lat=round(lat, 6),
        centroid_lon=round(lon, 6),
        cases=tuple(sorted(members, key=_due_order)),
        wards=tuple(sorted({c.ward_id for c in members if c.ward_id})),
        oldest_sla_due_at=min(dues) if dues else None,
    )


def _rank(spot: Hotspot) -> tuple[int, int, float, str]:
    """Sort key: most cases first, then the oldest deadline, then the id."""
    due = spot.oldest_sla_due_at
    return (-len(spot.cases), due is None, due.timestamp() if due else 0.0, spot.id)


def find_hotspots(cases: Sequence[OpenCase], radius_m: float, min_cases: int) -> list[Hotspot]:
    """Hotspots of each category among `cases`: biggest first, then the most overdue."""
    by_category: dict[str, list[OpenCase]] = defaultdict(list)
    for case in cases:
        by_category[case.category].append(case)
    spots: list[Hotspot] = []
    for category, members in by_category.items():
        points = [(c.latitude, c.longitude) for c in members]
        for group in clusters(points, radius_m, min_cases):
            spots.append(_hotspot(category, [members[i] for i in group]))
    spots.sort(key=_rank)
    return spots
