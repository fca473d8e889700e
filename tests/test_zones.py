"""Ward lookup on real Indian ward maps in ../shared/data/wards: which ward a complaint gets."""

from __future__ import annotations

import json
import math
import random
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry import shape

from geo import (
    DuplicateWardIds,
    Location,
    Match,
    WardFileError,
    WardShape,
    ZoneIndex,
    read_wards,
)

WARDS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "wards"

BLR_198 = WARDS / "bengaluru_bbmp_198_wards_2012.geojson"
BLR_198_ZONES = WARDS / "bengaluru_bbmp_198_ward_zone_lookup.csv"
BLR_243 = WARDS / "bengaluru_bbmp_243_wards_2022.geojson"
BLR_369 = WARDS / "bengaluru_gba_369_wards_2025.geojson"
BLR_CORPS = WARDS / "bengaluru_gba_5_corporations_2025.geojson"
MUMBAI_227 = WARDS / "mumbai_bmc_227_electoral_wards_2017.geojson"
MUMBAI_24 = WARDS / "mumbai_bmc_24_admin_wards.geojson"
PUNE_58 = WARDS / "pune_pmc_58_electoral_wards_2022.geojson"
PUNE_ADMIN_15 = WARDS / "pune_pmc_15_admin_wards_2017.geojson"
AHMEDABAD_48 = WARDS / "ahmedabad_amc_48_wards.geojson"
BHOPAL_86 = WARDS / "bhopal_86_wards.geojson"
JAIPUR_77 = WARDS / "jaipur_77_wards.geojson"
JAIPUR_ZONES = WARDS / "jaipur_10_zones.geojson"
KOLKATA_141 = WARDS / "kolkata_kmc_141_wards.geojson"

# name -> (file, read_wards keyword arguments)
FILES: dict[str, tuple[Path, dict]] = {
    "blr198": (
        BLR_198,
        {"ward_field": "WARD_NO", "name_field": "WARD_NAME", "zone_lookup": BLR_198_ZONES},
    ),
    "blr243": (BLR_243, {"ward_field": "KGISWardNo", "name_field": "KGISWardName"}),
    # `ward_id` repeats across the 5 corporations; the feature `id` is unique.
    "blr369": (
        BLR_369,
        {"ward_field": "id", "name_field": "ward_name", "zone_field": "Corporation"},
    ),
    "mumbai227": (MUMBAI_227, {"ward_field": "PRABHAG_NO", "zone_field": "WARD"}),
    "mumbai24": (MUMBAI_24, {"ward_field": "name"}),
    "pune58": (PUNE_58, {"ward_field": "wardnum", "name_field": "Name2"}),
    "pune_admin15": (PUNE_ADMIN_15, {"ward_field": "name"}),
    "ahmedabad48": (AHMEDABAD_48, {"ward_field": "Name"}),
    "jaipur77": (JAIPUR_77, {"ward_field": "WARD_NO", "zone_field": "ZONE_NAME"}),
    "kolkata141": (KOLKATA_141, {"ward_field": "WARD"}),
}

M_PER_DEG = 6_371_008.8 * math.pi / 180.0


@pytest.fixture(scope="module")
def wards() -> dict[str, list[WardShape]]:
    return {key: read_wards(path, **kw) for key, (path, kw) in FILES.items()}


@pytest.fixture(scope="module")
def index(wards: dict[str, list[WardShape]]) -> dict[str, ZoneIndex]:
    return {key: ZoneIndex(ws) for key, ws in wards.items()}


def repaired(ward: WardShape):
    """The ward's polygon after make_valid, z dropped (independent of geo.zones internals)."""
    geom = shapely.make_valid(shapely.force_2d(shape(ward.geometry)))
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts)


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


# --------------------------------------------------------------------------- reading files


def test_gba_369_ward_id_field_is_not_unique_across_corporations() -> None:
    with pytest.raises(WardFileError, match=r"duplicate ward id '\d+' in field 'ward_id'"):
        read_wards(BLR_369, ward_field="ward_id")


def test_bhopal_ward_split_over_two_features_is_refused_unless_merging_is_asked_for() -> None:
    with pytest.raises(DuplicateWardIds, match=r"duplicate ward id '76'.*features 38 and 39"):
        read_wards(BHOPAL_86, ward_field="Ward_Number")

    ws = read_wards(BHOPAL_86, ward_field="Ward_Number", zone_field="zone", merge_duplicates=True)
    assert (len(ws), ws.features, ws.skipped) == (85, 86, ())
    assert [(m.ward_id, m.features) for m in ws.merged] == [("76", (38, 39))]
    assert ws.report() == ["merged ward '76': features 38 and 39 merged into one MultiPolygon"]
    ward = next(w for w in ws if w.ward_id == "76")
    assert (ward.zone, ward.geometry["type"]) == ("17", "MultiPolygon")
    ZoneIndex(ws)  # one ward, no duplicate ids left


def test_merged_ward_keeps_its_first_parts_name_and_says_which_name_it_dropped(
    tmp_path: Path,
) -> None:
    collection = json.loads(BHOPAL_86.read_text())
    collection["features"][39]["properties"]["Name"] = "Chhola (north)"
    renamed = tmp_path / "bhopal_76_renamed.geojson"
    renamed.write_text(json.dumps(collection))
    ws = read_wards(renamed, ward_field="Ward_Number", name_field="Name", merge_duplicates=True)
    assert next(w for w in ws if w.ward_id == "76").name == "छोला"
    assert [str(m) for m in ws.merged] == [
        "ward '76': features 38 and 39 merged into one MultiPolygon; "
        "name 'Chhola (north)' of feature 39 dropped for 'छोला'"
    ]


def test_three_dimensional_coordinates_are_accepted(
    wards: dict[str, list[WardShape]], index: dict[str, ZoneIndex]
) -> None:
    first = wards["ahmedabad48"][0]
    assert len(first.geometry["coordinates"][0][0]) == 3  # as read
    p = repaired(first).representative_point()
    assert index["ahmedabad48"].locate(p.y, p.x).ward_id == first.ward_id == "48 RAMOL HATHIJAN"


def test_misspelt_ward_field_is_named_in_the_error() -> None:
    with pytest.raises(WardFileError, match=r"ward field 'WARD_NUMBER' is not in any feature"):
        read_wards(BLR_198, ward_field="WARD_NUMBER")
    with pytest.raises(WardFileError, match=r"zone field 'ZONE' is not in any feature"):
        read_wards(BLR_198, ward_field="WARD_NO", zone_field="ZONE")


def test_zone_lookup_with_wrong_column_is_named_in_the_error() -> None:
    with pytest.raises(WardFileError, match=r"no column 'Zone'"):
        read_wards(
            BLR_198, ward_field="WARD_NO", zone_lookup=BLR_198_ZONES, lookup_zone_column="Zone"
        )


def test_missing_or_broken_ward_files_are_reported(tmp_path: Path) -> None:
    with pytest.raises(WardFileError, match="not found"):
        read_wards(tmp_path / "nope.geojson", ward_field="WARD_NO")

    broken = tmp_path / "broken.geojson"
    broken.write_text(BLR_198.read_text()[:5000])
    with pytest.raises(WardFileError, match="not valid JSON"):
        read_wards(broken, ward_field="WARD_NO")

    feature = json.loads(PUNE_58.read_text())["features"][0]
    single = tmp_path / "feature.geojson"
    single.write_text(json.dumps(feature))
    with pytest.raises(WardFileError, match="not a GeoJSON FeatureCollection"):
        read_wards(single, ward_field="wardnum")

    office = {"type": "Point", "coordinates": [73.85, 18.52]}
    points = tmp_path / "points.geojson"
    points.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    feature,
                    {**feature, "properties": {"wardnum": 2}, "geometry": office},
                ],
            }
        )
    )
    # A ward office drawn as a point is not a ward: skipped and reported, the polygon kept.
    ws = read_wards(points, ward_field="wardnum")
    assert [w.ward_id for w in ws] == ["1"]
    assert [str(f) for f in ws.skipped] == [
        "feature 1 (ward '2'): geometry is a 'Point', not a Polygon or MultiPolygon"
    ]

    empty = tmp_path / "empty.geojson"
    empty.write_text(json.dumps({"type": "FeatureCollection", "features": []}))
    with pytest.raises(WardFileError, match="FeatureCollection has no features"):
        read_wards(empty, ward_field="wardnum")


def test_features_that_cannot_be_wards_are_skipped_with_their_number_and_why(
    tmp_path: Path,
) -> None:
    good = json.loads(PUNE_58.read_text())["features"][:2]
    square = [[[73.8, 18.5], [73.81, 18.5], [73.81, 18.51], [73.8, 18.51], [73.8, 18.5]]]
    line = {"type": "LineString", "coordinates": [[73.8, 18.5], [73.9, 18.6]]}

    def feature(ward: object, geometry: object) -> dict:
        return {"type": "Feature", "properties": {"wardnum": ward}, "geometry": geometry}

    features = [
        good[0],
        feature(float("nan"), {"type": "Polygon", "coordinates": square}),
        feature(7, {"type": "Polygon", "coordinates": []}),
        feature(8, {"type": "Polygon", "coordinates": [[[73.8, 18.5], [73.9, 18.5]] * 2]}),
        feature(9, {"type": "GeometryCollection", "geometries": [line]}),
        feature(10, {"type": "Polygon", "coordinates": "not coordinates"}),
        feature(11, "Polygon"),
        feature(None, None),
        "a stray string",
        good[1],
    ]
    messy = tmp_path / "messy.geojson"
    messy.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    ws = read_wards(messy, ward_field="wardnum")
    assert [w.ward_id for w in ws] == ["1", "2"]
    assert [str(f) for f in ws.skipped] == [
        "feature 1: 'wardnum' is not a usable ward id (nan)",
        "feature 2 (ward '7'): geometry is an empty Polygon",
        "feature 3 (ward '8'): Polygon encloses no area, even after repair",
        "feature 4 (ward '9'): geometry is a GeometryCollection with no polygon in it",
        "feature 5 (ward '10'): malformed Polygon geometry "
        "(could not convert string to float: 'n')",
        "feature 6 (ward '11'): geometry is not a GeoJSON object ('Polygon')",
        "feature 7: 'wardnum' is null; geometry is null",
        "feature 8: is a str, not a JSON object",
    ]
    assert ws.report()[0] == "skipped feature 1: 'wardnum' is not a usable ward id (nan)"


def test_feature_zone_wins_over_lookup_csv(tmp_path: Path) -> None:
    collection = json.loads(BLR_198.read_text())
    collection["features"] = collection["features"][:3]
    collection["features"][0]["properties"]["ZONE"] = "  Custom Zone "
    small = tmp_path / "three.geojson"
    small.write_text(json.dumps(collection))
    ws = read_wards(small, ward_field="WARD_NO", zone_field="ZONE", zone_lookup=BLR_198_ZONES)
    assert [(w.ward_id, w.zone) for w in ws] == [
        ("2", "Custom Zone"),
        ("3", "Yelahanka"),
        ("4", "Yelahanka"),
    ]


def test_index_rejects_duplicate_or_missing_wards(wards: dict[str, list[WardShape]]) -> None:
    ws = wards["pune58"]
    with pytest.raises(ValueError, match="duplicate ward ids"):
        ZoneIndex([*ws, ws[0]])
    with pytest.raises(ValueError, match="at least one ward"):
        ZoneIndex([])
