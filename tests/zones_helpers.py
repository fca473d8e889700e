"""The real ward maps in ../shared/data/wards that the zone tests read, and how to read them."""

from __future__ import annotations

import math
from pathlib import Path

import shapely
from shapely.geometry import shape

from geo import WardShape, read_wards

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


def read_cities(*names: str) -> dict[str, list[WardShape]]:
    """The wards of each named map of FILES, read as read_wards reads them."""
    return {name: read_wards(FILES[name][0], **FILES[name][1]) for name in names}


def repaired(ward: WardShape):
    """The ward's polygon after make_valid, z dropped (independent of geo.zones internals)."""
    geom = shapely.make_valid(shapely.force_2d(shape(ward.geometry)))
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts)
