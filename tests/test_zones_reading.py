"""Reading real ward files: what is refused, merged or skipped, and the message saying why."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from zones_helpers import BHOPAL_86, BLR_198, BLR_198_ZONES, BLR_369, PUNE_58, read_cities, repaired

from geo import DuplicateWardIds, WardFileError, WardShape, ZoneIndex, read_wards


@pytest.fixture(scope="module")
def wards() -> dict[str, list[WardShape]]:
    """Only the maps these tests use: reading every map of FILES takes seconds."""
    return read_cities("ahmedabad48", "pune58")


@pytest.fixture(scope="module")
def index(wards: dict[str, list[WardShape]]) -> dict[str, ZoneIndex]:
    return {key: ZoneIndex(ws) for key, ws in wards.items()}


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
