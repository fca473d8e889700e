"""`civicops zones import` on real, messy municipal ward files: skipped features, split wards."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import WARDS
from helpers import civicops, run_civicops

from geo.repair import repair
from records.geography import ZoneDirectory
from records.tables import City, Ward

BHOPAL = WARDS / "bhopal_86_wards.geojson"
CHANDIGARH = WARDS / "chandigarh_28_wards.geojson"
PUNE = WARDS / "pune_pmc_58_electoral_wards_2022.geojson"
BHOPAL_ARGS = ["--city", "bhopal", "--ward-field", "Ward_Number", "--name-field", "Name",
               "--zone-field", "zone"]  # fmt: skip


def point_deep_in_feature(path: Path, number: int) -> tuple[float, float]:
    """(lat, lon) of a point well inside one feature of a file (feature numbers from 0)."""
    feature = json.loads(path.read_text())["features"][number]
    point = repair(feature["geometry"]).buffer(-0.0005).representative_point()
    return point.y, point.x


async def ward_found_at(city: str, lat: float, lon: float) -> tuple[str | None, str]:
    """The ward the city's map in the database gives a point, and how it matched."""
    zones = await ZoneDirectory(nearest_max_m=250).city(city)
    found = zones.locate(lat, lon)
    return found.ward_id, found.match.value


async def test_bhopal_ward_split_in_two_imports_as_one_ward_with_merge_duplicates(database):
    result = await civicops("zones", "import", str(BHOPAL), *BHOPAL_ARGS, "--merge-duplicates")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "bhopal_86_wards.geojson: 86 features read, 1 ward merged, 0 features skipped "
        "(features are numbered from 0, in file order)",
        "  merged ward '76': features 38 and 39 merged into one MultiPolygon",
        "bhopal: 85 wards in 19 zones imported (version 1); 124 officials added to the roster",
    ]
    for part in (38, 39):
        assert await ward_found_at("bhopal", *point_deep_in_feature(BHOPAL, part)) == (
            "76",
            "inside",
        )
    city = await City.objects().get(City.slug == "bhopal")
    ward = await Ward.objects(Ward.zone).get((Ward.city == city.id) & (Ward.ward_id == "76"))
    geometry = json.loads(ward.geometry)
    assert (ward.name, ward.zone.name, geometry["type"]) == ("छोला", "17", "MultiPolygon")


async def test_chandigarh_ward_5_drawn_twice_imports_as_one_ward_with_merge_duplicates(database):
    args = ["--city", "chandigarh", "--ward-field", "Ward_name", "--merge-duplicates"]
    result = await civicops("zones", "import", str(CHANDIGARH), *args)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "chandigarh_28_wards.geojson: 28 features read, 1 ward merged, 0 features skipped "
        "(features are numbered from 0, in file order)",
        "  merged ward '5': features 18 and 22 merged into one MultiPolygon",
        "chandigarh: 27 wards in 0 zones imported (version 1); 28 officials added to the roster",
    ]
    for part in (18, 22):
        assert await ward_found_at("chandigarh", *point_deep_in_feature(CHANDIGARH, part)) == (
            "5",
            "inside",
        )


def test_a_ward_split_over_two_features_is_refused_without_merge_duplicates():
    result = run_civicops("zones", "import", str(BHOPAL), *BHOPAL_ARGS)
    assert result.returncode == 2
    assert "duplicate ward id '76' in field 'Ward_Number' (features 38 and 39)" in result.stderr
    assert "--merge-duplicates" in result.stderr
    assert "Traceback" not in result.stderr

    result = run_civicops(
        "zones", "import", str(CHANDIGARH), "--city", "chandigarh", "--ward-field", "Ward_name"
    )
    assert result.returncode == 2
    assert "duplicate ward id '5'" in result.stderr and "features 18 and 22" in result.stderr
    assert "--merge-duplicates" in result.stderr


def test_parts_of_a_ward_in_different_zones_are_refused_even_when_merging(tmp_path: Path):
    collection = json.loads(BHOPAL.read_text())
    collection["features"][39]["properties"]["zone"] = "16"
    wrong = tmp_path / "bhopal_76_in_two_zones.geojson"
    wrong.write_text(json.dumps(collection))
    result = run_civicops("zones", "import", str(wrong), *BHOPAL_ARGS, "--merge-duplicates")
    assert result.returncode == 2
    stderr = result.stderr
    assert "ward '76' is split over features 38 and 39 in different zones" in stderr
    assert "'17' in feature 38, '16' in feature 39" in stderr
    assert "Traceback" not in stderr


async def test_features_without_a_ward_id_or_geometry_are_listed_and_the_rest_imported(
    database, tmp_path: Path
):
    features = json.loads(PUNE.read_text())["features"][:6]
    del features[1]["properties"]["wardnum"]  # no id at all
    features[2]["properties"]["wardnum"] = "  "  # a blank id
    features[4]["geometry"] = None  # ward 5 has no boundary
    messy = tmp_path / "messy.geojson"
    messy.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    args = ["--city", "testpur", "--ward-field", "wardnum", "--code", "TST", "--name",
            "Testpur", "--corporation", "Testpur MC", "--language", "hi"]  # fmt: skip
    result = await civicops("zones", "import", str(messy), *args)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "messy.geojson: 6 features read, 0 wards merged, 3 features skipped "
        "(features are numbered from 0, in file order)",
        "  skipped feature 1: has no 'wardnum' property",
        "  skipped feature 2: 'wardnum' is blank",
        "  skipped feature 4 (ward '5'): geometry is null",
        "testpur: 3 wards in 0 zones imported (version 1); 4 officials added to the roster",
    ]
    city = await City.objects().get(City.slug == "testpur")
    imported = await Ward.select(Ward.ward_id).where(Ward.city == city.id).output(as_list=True)
    assert sorted(imported) == ["1", "4", "6"]
    assert await ward_found_at("testpur", *point_deep_in_feature(PUNE, 3)) == ("4", "inside")


def test_a_file_where_no_feature_can_be_a_ward_is_refused_and_says_why(tmp_path: Path):
    features = json.loads(PUNE.read_text())["features"][:2]
    features[0]["properties"]["wardnum"] = None
    features[1]["geometry"] = {"type": "Point", "coordinates": [73.85, 18.52]}
    hopeless = tmp_path / "hopeless.geojson"
    hopeless.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    result = run_civicops(
        "zones", "import", str(hopeless), "--city", "pune", "--ward-field", "wardnum"
    )
    assert result.returncode == 2
    stderr = result.stderr
    assert "none of the 2 features has both a ward id in 'wardnum' and a polygon" in stderr
    assert "feature 0: 'wardnum' is null" in stderr
    assert "feature 1 (ward '2'): geometry is a 'Point', not a Polygon or MultiPolygon" in stderr
    assert "Traceback" not in stderr
