"""Which ward a complaint gets on real Indian ward maps: inside, on a border, past the edge."""

from __future__ import annotations

import math
import random
import re

import numpy as np
import pytest
import shapely
from zones_helpers import BLR_CORPS, FILES, JAIPUR_ZONES, M_PER_DEG, read_cities, repaired

from geo import Location, Match, WardShape, ZoneIndex, read_wards


@pytest.fixture(scope="module")
def wards() -> dict[str, list[WardShape]]:
    """Every map of FILES: a test here runs on each of them."""
    return read_cities(*FILES)


@pytest.fixture(scope="module")
def index(wards: dict[str, list[WardShape]]) -> dict[str, ZoneIndex]:
    return {key: ZoneIndex(ws) for key, ws in wards.items()}


def shared_vertices(a, b) -> list[tuple[float, float]]:
    """(lon, lat) vertices present in both geometries."""
    ca = {tuple(c) for c in shapely.get_coordinates(a).tolist()}
    return sorted(ca & {tuple(c) for c in shapely.get_coordinates(b).tolist()})


# --------------------------------------------------------------------------- assignment


def test_point_in_malleshwaram_is_assigned_to_its_ward(
    index: dict[str, ZoneIndex], wards: dict[str, list[WardShape]]
) -> None:
    malleshwaram_8th_cross = (13.0035, 77.5700)

    gba = index["blr369"].locate(*malleshwaram_8th_cross)
    gba_ward = next(w for w in wards["blr369"] if w.ward_id == gba.ward_id)
    assert gba.match is Match.INSIDE and gba.distance_m == 0.0
    assert (gba_ward.name, gba_ward.zone) == ("Malleshwaram", "West")

    # In the 2012 map the Malleshwaram core is "Kadu Malleshwar Ward" (65), zone West via the CSV.
    old = index["blr198"].locate(*malleshwaram_8th_cross)
    old_ward = next(w for w in wards["blr198"] if w.ward_id == old.ward_id)
    assert old == Location("65", Match.INSIDE, 0.0)
    assert (old_ward.name, old_ward.zone) == ("Kadu Malleshwar Ward", "West")


@pytest.mark.parametrize("city", list(FILES))
def test_every_wards_own_interior_point_is_assigned_to_that_ward(
    city: str, index: dict[str, ZoneIndex], wards: dict[str, list[WardShape]]
) -> None:
    wrong = []
    for ward in wards[city]:
        point = repaired(ward).representative_point()
        loc = index[city].locate(point.y, point.x)
        if loc.ward_id != ward.ward_id or loc.match not in (Match.INSIDE, Match.TIE):
            wrong.append((ward.ward_id, loc))
    assert not wrong
    assert len(index[city]) == len(wards[city])


def test_bbmp_198_ward_numbers_and_zones_come_out_clean(
    wards: dict[str, list[WardShape]], index: dict[str, ZoneIndex]
) -> None:
    ws = wards["blr198"]
    assert sorted(int(w.ward_id) for w in ws) == list(range(1, 199))  # 2.0 -> "2"
    assert {w.zone for w in ws} == {
        "Bommanahalli",
        "Dasarahalli",
        "East",
        "Mahadevapura",
        "Rajarajeswari Nagar",
        "South",
        "West",
        "Yelahanka",
    }
    assert next(w for w in ws if w.ward_id == "2").name == "Chowdeswari Ward"
    assert index["blr198"].ward_ids[:12] == tuple(str(i) for i in range(1, 13))
    minlon, minlat, maxlon, maxlat = index["blr198"].bounds()
    assert (round(minlon, 3), round(minlat, 3), round(maxlon, 3), round(maxlat, 3)) == (
        77.460,
        12.834,
        77.784,
        13.144,
    )


def test_ward_attribute_zone_matches_the_zone_polygon_containing_it(
    wards: dict[str, list[WardShape]], index: dict[str, ZoneIndex]
) -> None:
    jaipur_zones = ZoneIndex(read_wards(JAIPUR_ZONES, ward_field="Zone_Name"))
    for ward in wards["jaipur77"]:
        p = repaired(ward).representative_point()
        assert jaipur_zones.locate(p.y, p.x).ward_id == ward.zone, ward.ward_id

    corporations = ZoneIndex(read_wards(BLR_CORPS, ward_field="namecol"))
    for ward in wards["blr369"]:
        p = repaired(ward).representative_point()
        assert corporations.locate(p.y, p.x).ward_id == f"Bengaluru {ward.zone} City Corporation"


def test_mumbai_electoral_wards_fall_in_their_admin_ward_except_three_known_ones(
    wards: dict[str, list[WardShape]], index: dict[str, ZoneIndex]
) -> None:
    def admin(name: str) -> str:  # "F - South" -> "F/S"
        m = re.fullmatch(r"(\w) - (\w)\w*", name)
        return f"{m[1]}/{m[2]}" if m else name

    disagree = []
    for ward in wards["mumbai227"]:
        p = repaired(ward).representative_point()
        found = index["mumbai24"].locate(p.y, p.x).ward_id
        if found != admin(ward.zone or ""):
            disagree.append((ward.zone, found))
    assert sorted(disagree) == [("G - South", "G/N"), ("M - East", "N"), ("S", "T")]


# --------------------------------------------------------------------------- ties & overlaps


def test_point_in_sliver_overlap_is_a_tie_won_by_the_ward_it_is_deepest_in(
    wards: dict[str, list[WardShape]], index: dict[str, ZoneIndex]
) -> None:
    for city in ("ahmedabad48", "pune_admin15"):
        geoms = {w.ward_id: repaired(w) for w in wards[city]}
        ids = sorted(geoms)
        overlaps = [
            (geoms[a].intersection(geoms[b]), a, b)
            for i, a in enumerate(ids)
            for b in ids[i + 1 :]
            if geoms[a].overlaps(geoms[b])
        ]
        assert len(overlaps) >= 20, city  # README: Ahmedabad 58 pairs, Pune admin 29
        sliver, a, b = max(overlaps, key=lambda t: t[0].area)
        p = sliver.representative_point()
        loc = index[city].locate(p.y, p.x)
        assert loc.match is Match.TIE and loc.distance_m == 0.0
        assert set(loc.candidates) == {a, b}
        depth = {w: geoms[w].boundary.distance(p) for w in (a, b)}
        assert loc.ward_id == max(depth, key=depth.__getitem__)

        shuffled = list(wards[city])
        for seed in range(3):
            random.Random(seed).shuffle(shuffled)
            assert ZoneIndex(shuffled).locate(p.y, p.x) == loc
            assert ZoneIndex(list(reversed(shuffled))).locate(p.y, p.x) == loc


def test_point_exactly_on_a_shared_border_goes_to_the_lower_ward_number(
    wards: dict[str, list[WardShape]], index: dict[str, ZoneIndex]
) -> None:
    geoms = {w.ward_id: repaired(w) for w in wards["blr198"]}
    ties = []
    for lon, lat in shared_vertices(geoms["9"], geoms["10"]):
        loc = index["blr198"].locate(lat, lon)
        if loc.match is Match.TIE and set(loc.candidates) == {"9", "10"}:
            ties.append(loc)
    assert len(ties) >= 10
    # natural order: "9" < "10" although "10" < "9" as text
    assert {t.ward_id for t in ties} == {"9"}
    assert {t.candidates for t in ties} == {("9", "10")}


def test_results_do_not_depend_on_the_order_wards_are_given_in(
    wards: dict[str, list[WardShape]], index: dict[str, ZoneIndex]
) -> None:
    shuffled = list(wards["ahmedabad48"])
    random.Random(7).shuffle(shuffled)
    other = ZoneIndex(shuffled)
    assert other.ward_ids == index["ahmedabad48"].ward_ids
    minlon, minlat, maxlon, maxlat = other.bounds()
    rng = random.Random(11)
    for _ in range(2000):
        lat, lon = rng.uniform(minlat, maxlat), rng.uniform(minlon, maxlon)
        assert other.locate(lat, lon) == index["ahmedabad48"].locate(lat, lon)


# --------------------------------------------------------------------------- outside the city


def _westernmost_vertex(idx: ZoneIndex, ws: list[WardShape]) -> tuple[float, float, str]:
    best = min(
        ((lon, lat, w.ward_id) for w in ws for lon, lat in shapely.get_coordinates(repaired(w))),
        key=lambda t: (t[0], t[1]),
    )
    assert best[0] == idx.bounds()[0]
    return best[1], best[0], best[2]


def _west_of(lat: float, lon: float, metres: float) -> tuple[float, float]:
    return lat, lon - metres / (M_PER_DEG * math.cos(math.radians(lat)))


def test_complaint_100m_outside_the_city_edge_goes_to_the_nearest_ward(
    wards: dict[str, list[WardShape]], index: dict[str, ZoneIndex]
) -> None:
    lat, lon, edge_ward = _westernmost_vertex(index["blr198"], wards["blr198"])
    loc = index["blr198"].locate(*_west_of(lat, lon, 100.0))
    assert loc.match is Match.NEAREST and loc.ward_id == edge_ward
    assert loc.distance_m == pytest.approx(100.0, abs=0.5)

    far = index["blr198"].locate(*_west_of(lat, lon, 400.0))
    assert far.match is Match.OUTSIDE and far.ward_id is None
    assert far.distance_m == pytest.approx(400.0, abs=1.0)


def test_nearest_ward_radius_is_configurable(wards: dict[str, list[WardShape]]) -> None:
    strict = ZoneIndex(wards["pune58"], nearest_max_m=0.0)
    generous = ZoneIndex(wards["pune58"], nearest_max_m=1000.0)
    lat, lon, edge_ward = _westernmost_vertex(strict, wards["pune58"])
    point = _west_of(lat, lon, 600.0)
    assert strict.locate(*point).match is Match.OUTSIDE
    assert generous.locate(*point).ward_id == edge_ward
    with pytest.raises(ValueError, match="nearest_max_m"):
        ZoneIndex(wards["pune58"], nearest_max_m=float("nan"))


def test_mumbai_complaint_is_outside_the_bengaluru_wards(
    wards: dict[str, list[WardShape]], index: dict[str, ZoneIndex]
) -> None:
    csmt_station = (18.9398, 72.8355)
    loc = index["blr198"].locate(*csmt_station)
    assert loc.match is Match.OUTSIDE and loc.ward_id is None and loc.candidates == ()
    # great-circle distance to the closest BBMP ward vertex (~819 km), computed by brute force
    lonlat = np.concatenate([shapely.get_coordinates(repaired(w)) for w in wards["blr198"]])
    lat1, lat2 = math.radians(csmt_station[0]), np.radians(lonlat[:, 1])
    dlon = np.radians(lonlat[:, 0] - csmt_station[1])
    hav = np.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * np.cos(lat2) * np.sin(dlon / 2) ** 2
    by_air = float((2 * 6_371_008.8 * np.arcsin(np.sqrt(hav))).min())
    assert 800_000 < by_air < 840_000
    assert loc.distance_m == pytest.approx(by_air, rel=1e-3)
    assert index["mumbai227"].locate(*csmt_station).match is Match.INSIDE


@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        (math.nan, 77.59),
        (12.97, math.nan),
        (math.inf, 77.59),
        (12.97, -math.inf),
        (90.0001, 77.59),
        (-91.0, 77.59),
        (12.97, 180.5),
        (12.97, -181.0),
    ],
)
def test_impossible_coordinates_are_rejected(
    lat: float, lon: float, index: dict[str, ZoneIndex]
) -> None:
    with pytest.raises(ValueError, match=r"(lat|lon) must be"):
        index["pune58"].locate(lat, lon)


def test_extreme_but_valid_coordinates_are_outside(index: dict[str, ZoneIndex]) -> None:
    for lat, lon in [(90.0, 180.0), (-90.0, -180.0), (0.0, 0.0)]:
        assert index["pune58"].locate(lat, lon).match is Match.OUTSIDE
