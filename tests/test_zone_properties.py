"""Property: the grid index finds the same ward as a brute-force scan of every ward polygon.

Points are drawn at random in each real ward file's bounding box, exactly on ward boundaries
and a few centimetres off them. Boundaries and sliver overlaps are judged like this:

* INSIDE: the index's ward covers the point (within TOL_DEG), and no other ward holds the
  point more than TOL_DEG deep;
* TIE: every candidate covers the point, the winner is a candidate, and every ward that holds
  the point more than TOL_DEG deep is among the candidates;
* NEAREST / OUTSIDE: no ward holds the point more than TOL_DEG deep; NEAREST names a ward at
  the least distance, within the 250 m radius, and OUTSIDE means none is that close.

The brute force repairs each ward with `geo.repair.repair`, as the index does, and measures
distance in the index's own metre frame. Hypothesis runs derandomized, so CI sees the same
points every time.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import shapely
from conftest import WARDS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo import Match, ZoneIndex, read_wards
from geo.repair import repair
from geo.zones import EARTH_RADIUS_M

TOL_DEG = 1e-9  # about 0.1 mm: float rounding between lon/lat and the index's metre frame
NEAREST_M = 250.0
SLACK_M = 2.0  # planar metres here vs haversine metres in the index, across a city
M_PER_DEG = EARTH_RADIUS_M * math.pi / 180.0

CITIES: dict[str, tuple[Path, dict]] = {
    "bengaluru198": (WARDS / "bengaluru_bbmp_198_wards_2012.geojson", {"ward_field": "WARD_NO"}),
    "pune58": (WARDS / "pune_pmc_58_electoral_wards_2022.geojson", {"ward_field": "wardnum"}),
    "kolkata141": (WARDS / "kolkata_kmc_141_wards.geojson", {"ward_field": "WARD"}),
    "bhopal86": (
        WARDS / "bhopal_86_wards.geojson",
        {"ward_field": "Ward_Number", "merge_duplicates": True},
    ),
    "ahmedabad48": (WARDS / "ahmedabad_amc_48_wards.geojson", {"ward_field": "Name"}),
}


@dataclass(frozen=True)
class Map:
    """A city's index and, beside it, the brute-force view of the same repaired polygons."""

    index: ZoneIndex
    ids: tuple[str, ...]
    geoms: np.ndarray  # repaired, lon/lat
    boundaries: np.ndarray
    planar: np.ndarray  # the same polygons in the index's local metre frame
    frame: tuple[float, float, float, float]  # lon0, lat0, metres per degree lon, lat

    def to_metres(self, lon: float, lat: float) -> shapely.Point:
        """A lon/lat point in the index's metre frame."""
        lon0, lat0, kx, ky = self.frame
        return shapely.Point((lon - lon0) * kx, (lat - lat0) * ky)


@functools.cache
def city_map(name: str) -> Map:
    """Read, index and repair one city's wards (once per run)."""
    path, kwargs = CITIES[name]
    wards = read_wards(path, **kwargs)
    index = ZoneIndex(wards, nearest_max_m=NEAREST_M)
    geoms = np.array([repair(w.geometry) for w in wards], dtype=object)
    minx, miny, maxx, maxy = index.bounds()
    lon0, lat0 = (minx + maxx) / 2, (miny + maxy) / 2
    kx, ky = M_PER_DEG * math.cos(math.radians(lat0)), M_PER_DEG
    origin, scale = np.array([lon0, lat0]), np.array([kx, ky])
    planar = shapely.transform(geoms, lambda c: (c - origin) * scale)
    shapely.prepare(geoms)
    return Map(
        index, tuple(w.ward_id for w in wards), geoms, shapely.boundary(geoms), planar,
        (lon0, lat0, kx, ky),
    )  # fmt: skip


def sample_point(m: Map, kind: str, u: float, v: float, w: float) -> tuple[float, float]:
    """(lon, lat) in the bounding box, on a ward boundary, or up to ~6 cm off one."""
    minx, miny, maxx, maxy = m.index.bounds()
    if kind == "bbox":
        return minx + (maxx - minx) * u, miny + (maxy - miny) * v
    ward = min(int(u * len(m.ids)), len(m.ids) - 1)
    on = shapely.line_interpolate_point(m.boundaries[ward], v, normalized=True)
    if kind == "boundary":
        return on.x, on.y
    angle = 2 * math.pi * w
    return on.x + 5e-7 * math.cos(angle), on.y + 5e-7 * math.sin(angle)


def check_against_brute_force(m: Map, lon: float, lat: float) -> None:
    """The property, for one point (see the module docstring)."""
    found = m.index.locate(lat, lon)
    point = shapely.Point(lon, lat)
    covering = np.flatnonzero(shapely.covers(m.geoms, point)).tolist()
    depth = shapely.distance(m.boundaries[covering], point).tolist() if covering else []
    deep = {m.ids[i] for i, d in zip(covering, depth, strict=True) if d > TOL_DEG}

    def near(ward_id: str) -> bool:
        return shapely.distance(m.geoms[m.ids.index(ward_id)], point) <= TOL_DEG

    where = f"{found} at lon={lon!r}, lat={lat!r}; wards holding it deep: {sorted(deep)}"
    if found.match is Match.INSIDE:
        assert near(found.ward_id) and deep <= {found.ward_id}, where
    elif found.match is Match.TIE:
        assert found.ward_id in found.candidates and len(found.candidates) >= 2, where
        assert all(near(c) for c in found.candidates), where
        assert deep <= set(found.candidates), where
    else:
        assert not deep, where
        distances = shapely.distance(m.planar, m.to_metres(lon, lat))
        closest = float(distances.min())
        if found.match is Match.NEAREST:
            assert distances[m.ids.index(found.ward_id)] <= closest + 1e-3, where
            assert closest <= NEAREST_M + SLACK_M, where
        else:
            assert found.match is Match.OUTSIDE and found.ward_id is None, where
            assert closest > NEAREST_M - SLACK_M, where


@pytest.mark.parametrize("city", list(CITIES))
@settings(
    max_examples=300,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    kind=st.sampled_from(["bbox", "boundary", "near-boundary"]),
    u=st.floats(0.0, 1.0),
    v=st.floats(0.0, 1.0),
    w=st.floats(0.0, 1.0),
)
def test_ward_lookup_agrees_with_checking_every_ward_polygon(
    city: str, kind: str, u: float, v: float, w: float
) -> None:
    m = city_map(city)
    check_against_brute_force(m, *sample_point(m, kind, u, v, w))


def test_bhopal_merged_ward_76_is_found_from_both_of_its_parts() -> None:
    m = city_map("bhopal86")
    [ward_76] = [i for i, wid in enumerate(m.ids) if wid == "76"]
    parts = shapely.get_parts(m.geoms[ward_76])
    assert len(parts) == 2
    for part in parts:
        p = part.buffer(-0.0005).representative_point()
        assert m.index.locate(p.y, p.x).ward_id == "76"
        check_against_brute_force(m, p.x, p.y)
