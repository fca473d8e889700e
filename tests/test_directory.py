"""Re-importing a city's wards reaches running APIs and workers without a restart."""

from __future__ import annotations

import asyncio

from conftest import WARDS

from domain.cities import spec_for
from geo.geojson import read_wards
from records.geography import ZoneDirectory, import_city


async def test_reimported_wards_are_picked_up_without_blocking_requests(database):
    wards = read_wards(WARDS / "jaipur_77_wards.geojson", ward_field="WARD_NO",
                       zone_field="ZONE_NAME")  # fmt: skip
    unique = {w.ward_id: w for w in wards}
    first = list(unique.values())[:20]
    await import_city(spec_for("jaipur"), first)

    directory = ZoneDirectory(nearest_max_m=250, refresh_seconds=0.0)
    loaded = await directory.city("jaipur")
    assert len(loaded.index) == 20

    await import_city(spec_for("jaipur"), list(unique.values()))
    stale = await directory.city("jaipur")  # answered at once from the cache...
    assert stale is loaded
    for _ in range(100):  # ...while one background task loads the new map
        fresh = await directory.city("jaipur")
        if fresh.version != loaded.version:
            break
        await asyncio.sleep(0.05)
    assert fresh.version == loaded.version + 1
    assert len(fresh.index) == len(unique)
