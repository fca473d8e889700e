"""The ward index on broken real polygons: repaired, as a linear scan finds, thread-safe."""

from __future__ import annotations

import math
import random
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import shapely
from shapely.geometry import shape
from zones_helpers import M_PER_DEG, read_cities, repaired

from geo import Location, Match, WardShape, ZoneIndex


@pytest.fixture(scope="module")
def wards() -> dict[str, list[WardShape]]:
    """Only the maps these tests use: reading every map of FILES takes seconds."""
    return read_cities("blr243", "blr369", "ahmedabad48")


@pytest.fixture(scope="module")
def index(wards: dict[str, list[WardShape]]) -> dict[str, ZoneIndex]:
    return {key: ZoneIndex(ws) for key, ws in wards.items()}


# --------------------------------------------------------------------------- invalid polygons


def test_points_lost_by_broken_bbmp_243_polygons_still_get_their_ward(
    wards: dict[str, list[WardShape]], index: dict[str, ZoneIndex]
) -> None:
    raw = np.array([shapely.force_2d(shape(w.geometry)) for w in wards["blr243"]])
    invalid = np.flatnonzero(~shapely.is_valid(raw))
    assert len(invalid) == 6  # README: 6 invalid polygons
    shapely.prepare(raw)
    rng = np.random.default_rng(243)
    rescued: dict[str, int] = {}
    for i in invalid:
        ward = wards["blr243"][i]
        fixed = repaired(ward)
        bx0, by0, bx1, by1 = fixed.bounds
        lon = rng.uniform(bx0, bx1, 4000)
        lat = rng.uniform(by0, by1, 4000)
        in_fixed = shapely.contains_xy(fixed, lon, lat)
        in_any_raw = np.zeros(lon.size, dtype=bool)
        for g in raw:
            in_any_raw |= shapely.intersects_xy(g, lon, lat)
        for k in np.flatnonzero(in_fixed & ~in_any_raw)[:20]:
            assert index["blr243"].locate(lat[k], lon[k]) == Location(ward.ward_id, Match.INSIDE, 0)
            rescued[ward.ward_id] = rescued.get(ward.ward_id, 0) + 1
    # four wards store a separate part as a "hole outside the shell"
    assert set(rescued) == {"1", "34", "105", "206"}


def test_self_intersecting_gba_369_wards_are_repaired_and_located(
    wards: dict[str, list[WardShape]], index: dict[str, ZoneIndex]
) -> None:
    broken = [w for w in wards["blr369"] if not shape(w.geometry).is_valid]
    assert len(broken) == 29
    rng = random.Random(369)
    for ward in broken:
        lat, lon = index["blr369"].random_point_in(ward.ward_id, rng)
        assert repaired(ward).contains(shapely.Point(lon, lat))


# --------------------------------------------------------------------------- index vs brute force


@pytest.mark.parametrize("city", ["blr369", "ahmedabad48", "blr243"])
def test_index_agrees_with_a_linear_scan_over_all_wards(
    city: str, wards: dict[str, list[WardShape]], index: dict[str, ZoneIndex]
) -> None:
    idx = index[city]
    ids = [w.ward_id for w in wards[city]]
    geoms = np.array([repaired(w) for w in wards[city]])
    shapely.prepare(geoms)
    minlon, minlat, maxlon, maxlat = idx.bounds()
    rng = np.random.default_rng(2024)
    lon = rng.uniform(minlon - 0.01, maxlon + 0.01, 3000)
    lat = rng.uniform(minlat - 0.01, maxlat + 0.01, 3000)
    hits = np.stack([shapely.intersects_xy(g, lon, lat) for g in geoms], axis=1)

    # the nearest ward in metres, for points in no ward (local equirectangular frame)
    kx = M_PER_DEG * math.cos(math.radians((minlat + maxlat) / 2))
    local = shapely.transform(geoms, lambda c: c * [kx, M_PER_DEG])
    tree = shapely.STRtree(local)

    kinds: dict[Match, int] = {}
    for k in range(lon.size):
        loc = idx.locate(lat[k], lon[k])
        kinds[loc.match] = kinds.get(loc.match, 0) + 1
        inside = {ids[j] for j in np.flatnonzero(hits[k])}
        if len(inside) == 1:
            assert loc == Location(inside.pop(), Match.INSIDE, 0.0)
        elif inside:
            assert loc.match is Match.TIE and set(loc.candidates) == inside
            assert loc.ward_id in inside
        else:
            pt = shapely.Point(lon[k] * kx, lat[k] * M_PER_DEG)
            j = int(tree.query_nearest(pt)[0])
            dist = float(shapely.distance(local[j], pt))
            assert loc.distance_m == pytest.approx(dist, rel=5e-3, abs=0.5)
            if abs(dist - 250.0) > 2.0:
                expected = Match.NEAREST if dist < 250.0 else Match.OUTSIDE
                assert loc.match is expected
            if loc.match is Match.NEAREST:
                assert loc.ward_id is not None
                assert shapely.distance(local[ids.index(loc.ward_id)], pt) <= dist + 0.5
    assert kinds[Match.INSIDE] > 1000 and kinds[Match.OUTSIDE] > 100


# --------------------------------------------------------------------------- demo-data helper


def test_random_point_in_a_ward_is_inside_that_ward_and_reproducible(
    index: dict[str, ZoneIndex],
) -> None:
    idx = index["blr369"]
    rng = random.Random(5)
    chosen = rng.sample(idx.ward_ids, 60)
    points = [idx.random_point_in(w, random.Random(w)) for w in chosen]
    for ward_id, (lat, lon) in zip(chosen, points, strict=True):
        assert idx.locate(lat, lon) == Location(ward_id, Match.INSIDE, 0.0)
    assert points == [idx.random_point_in(w, random.Random(w)) for w in chosen]
    with pytest.raises(KeyError, match="no-such-ward"):
        idx.random_point_in("no-such-ward", rng)


def test_concurrent_lookups_give_the_same_answers_as_serial_ones(
    index: dict[str, ZoneIndex],
) -> None:
    idx = index["ahmedabad48"]
    minlon, minlat, maxlon, maxlat = idx.bounds()
    rng = random.Random(3)
    pts = [(rng.uniform(minlat, maxlat), rng.uniform(minlon, maxlon)) for _ in range(4000)]
    serial = [idx.locate(lat, lon) for lat, lon in pts]
    with ThreadPoolExecutor(max_workers=8) as pool:
        chunks = list(
            pool.map(lambda c: [idx.locate(*p) for p in c], [pts[i::8] for i in range(8)])
        )
    parallel = [None] * len(pts)
    for i, chunk in enumerate(chunks):
        parallel[i::8] = chunk
    assert parallel == serial
