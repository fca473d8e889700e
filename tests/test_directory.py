"""Re-importing a city's wards reaches running APIs and workers without a restart."""

from __future__ import annotations

import asyncio

import pytest
from conftest import WARDS

from domain.cities import spec_for
from geo.geojson import read_wards
from records.geography import ZoneDirectory, import_city


async def test_reimported_wards_are_picked_up_without_blocking_requests(database):
    wards = read_wards(WARDS / "jaipur_77_wards.geojson", ward_field="WARD_NO",
                       zone_field="ZONE_NAME")  # fmt: skip
    await import_city(spec_for("jaipur"), wards[:20])

    directory = ZoneDirectory(nearest_max_m=250, refresh_seconds=0.0)
    loaded = await directory.city("jaipur")
    assert len(loaded.index) == 20

    await import_city(spec_for("jaipur"), wards)
    stale = await directory.city("jaipur")  # answered at once from the cache...
    assert stale is loaded
    for _ in range(100):  # ...while one background task loads the new map
        fresh = await directory.city("jaipur")
        if fresh.version != loaded.version:
            break
        await asyncio.sleep(0.05)
    assert fresh.version == loaded.version + 1
    assert len(fresh.index) == len(wards)


async def test_a_new_map_replaces_the_old_one_and_its_supervisors_step_down(database):
    from records.tables import Official, Ward

    wards = read_wards(WARDS / "jaipur_77_wards.geojson", ward_field="WARD_NO",
                       zone_field="ZONE_NAME")  # fmt: skip
    await import_city(spec_for("jaipur"), wards)
    await import_city(spec_for("jaipur"), wards[:50])
    city_wards = await Ward.select(Ward.ward_id).where(Ward.city.slug == "jaipur")
    assert len(city_wards) == 50
    gone = wards[60].ward_id
    supervisor = await Official.objects().get(Official.key == f"jaipur:ward:{gone}:L0")
    assert supervisor.active is False and supervisor.ward is None

    await import_city(spec_for("jaipur"), wards)  # the ward comes back, and so does its officer
    supervisor = await Official.objects().get(Official.key == f"jaipur:ward:{gone}:L0")
    assert supervisor.active is True and supervisor.ward is not None


async def test_an_unusable_map_is_refused_before_anything_changes(database):
    from geo.geojson import WardShape
    from records.tables import City

    before = await City.objects().get(City.slug == "bengaluru")
    flat = WardShape("999", "Nowhere", "Nozone", {
        "type": "Polygon", "coordinates": [[[77.5, 13.0], [77.6, 13.0], [77.5, 13.0]]],
    })  # fmt: skip
    with pytest.raises(ValueError):
        await import_city(spec_for("bengaluru"), [flat])
    after = await City.objects().get(City.slug == "bengaluru")
    assert after.wards_version == before.wards_version
