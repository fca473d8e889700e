"""Wards, zones and the roster: importing a city and finding who owns a point."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

from faker import Faker

from domain.cities import CitySpec
from geo.geojson import WardShape
from geo.zones import Location, Match, ZoneIndex
from records.db import Steps, write
from records.tables import City, Official, Ward, Zone

log = logging.getLogger("civicops.geography")

SUPERVISOR = "Ward Supervisor (Junior Engineer)"
ZONAL_OFFICER = "Zonal Officer (Assistant Executive Engineer)"
ZONAL_COMMISSIONER = "Zonal Joint Commissioner"
CITY_COMMISSIONER = "City Commissioner"


@dataclass(frozen=True)
class ImportResult:
    """What `import_city` changed."""

    city: str
    wards: int
    zones: int
    officials_created: int
    version: int


def _seeded_faker(key: str) -> Faker:
    """A Faker whose made-up names depend only on `key` (stable across imports)."""
    fake = Faker("en_IN")
    fake.seed_instance(int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big"))
    return fake


async def import_city(
    spec: CitySpec, wards: Sequence[WardShape], *, roster: bool = True, attribution: str = ""
) -> ImportResult:
    """Upsert a city's zones and wards (and one supervisor per ward, one officer per zone).

    The new map replaces the old one: wards missing from it are removed and their roster
    officials deactivated. The map is checked to build a spatial index before anything is
    written, so a bad file cannot leave the city unable to place complaints.
    """
    ZoneIndex(wards)  # raises ValueError on an unusable map
    return await write(_import(spec, list(wards), roster, attribution))


def _import(
    spec: CitySpec, wards: list[WardShape], roster: bool, attribution: str
) -> Steps[ImportResult]:
    """The steps of `import_city`, in one write."""
    city = yield City.objects().get(City.slug == spec.slug)
    if city is None:
        city = City(
            slug=spec.slug,
            code=spec.code,
            name=spec.name,
            corporation=spec.corporation,
            language=spec.language,
            timezone=spec.timezone,
            wards_version=0,
            attribution=attribution,
        )
        yield city.save()
    else:
        city.code, city.name, city.corporation = spec.code, spec.name, spec.corporation
        city.language, city.timezone = spec.language, spec.timezone
        city.attribution = attribution or city.attribution
    zones: dict[str, Zone] = {}
    for name in sorted({w.zone for w in wards if w.zone}):
        key = f"{spec.slug}:{name}"
        zone = yield Zone.objects().get(Zone.key == key)
        if zone is None:
            zone = Zone(key=key, city=city.id, name=name)
            yield zone.save()
        zones[name] = zone
    ward_rows: dict[str, Ward] = {}
    for shape in wards:
        key = f"{spec.slug}:{shape.ward_id}"
        row = yield Ward.objects().get(Ward.key == key)
        zone_id = zones[shape.zone].id if shape.zone else None
        if row is None:
            row = Ward(key=key, city=city.id, ward_id=shape.ward_id)
        row.name, row.zone, row.geometry = shape.name, zone_id, shape.geometry
        yield row.save()
        ward_rows[shape.ward_id] = row
    yield from _remove_absent_wards(city, set(ward_rows))
    created = (yield from _ensure_roster(city, zones, ward_rows)) if roster else 0
    city.wards_version = (city.wards_version or 0) + 1
    yield city.save()
    return ImportResult(spec.slug, len(ward_rows), len(zones), created, city.wards_version)


def _remove_absent_wards(city: City, keep: set[str]) -> Steps[None]:
    """Delete the city's wards that the new map no longer has; their supervisors step down."""
    rows = yield Ward.select(Ward.id, Ward.ward_id).where(Ward.city == city.id)
    absent = [r["id"] for r in rows if r["ward_id"] not in keep]
    if absent:
        yield Official.update({Official.active: False, Official.ward: None}).where(
            Official.ward.is_in(absent)
        )
        yield Ward.delete().where(Ward.id.is_in(absent))


async def ensure_ladder(slug: str) -> int:
    """Give an imported city the whole escalation ladder (for cities imported before it)."""
    return await write(_ensure_ladder(slug))


def _ensure_ladder(slug: str) -> Steps[int]:
    """The steps of `ensure_ladder`, in one write."""
    city = yield City.objects().get(City.slug == slug)
    if city is None:
        raise UnknownCity(slug)
    zones = {z.name: z for z in (yield Zone.objects().where(Zone.city == city.id))}
    wards = {w.ward_id: w for w in (yield Ward.objects().where(Ward.city == city.id))}
    return (yield from _ensure_roster(city, zones, wards))


def _ensure_roster(city: City, zones: dict[str, Zone], wards: dict[str, Ward]) -> Steps[int]:
    """The escalation ladder, created once and keyed stably: a supervisor per ward (L0), a
    zonal officer (L1) and a zonal commissioner (L2) per zone, a city commissioner (L3)."""
    key = f"{city.slug}:city:L3"
    wanted: list[Official] = [
        Official(
            key=key,
            city=city.id,
            name=_seeded_faker(key).name(),
            designation=CITY_COMMISSIONER,
            level=3,
        )
    ]
    for name, zone in zones.items():
        for level, designation in ((1, ZONAL_OFFICER), (2, ZONAL_COMMISSIONER)):
            key = f"{city.slug}:zone:{name}:L{level}"
            wanted.append(
                Official(
                    key=key,
                    city=city.id,
                    name=_seeded_faker(key).name(),
                    designation=designation,
                    level=level,
                    zone=zone.id,
                )
            )
    for ward_id, ward in wards.items():
        key = f"{city.slug}:ward:{ward_id}:L0"
        wanted.append(
            Official(
                key=key,
                city=city.id,
                name=_seeded_faker(key).name(),
                designation=SUPERVISOR,
                level=0,
                ward=ward.id,
                zone=ward.zone,
            )
        )
    rows = yield Official.select(Official.id, Official.key, Official.ward).where(
        Official.key.is_in([o.key for o in wanted])
    )
    existing = {row["key"]: row for row in rows}
    for official in wanted:
        row = existing.get(official.key)
        if row is not None and official.ward is not None and row["ward"] is None:
            # The ward is back on the map: its supervisor returns to it.
            yield Official.update(
                {Official.ward: official.ward, Official.zone: official.zone, Official.active: True}
            ).where(Official.id == row["id"])
    new = [o for o in wanted if o.key not in existing]
    if new:
        yield Official.insert(*new)
    return len(new)


@dataclass
class CityZones:
    """One city's spatial index plus what each ward id means in the database."""

    city: City
    version: int
    index: ZoneIndex
    shapes: tuple[WardShape, ...]
    wards: dict[str, tuple[int, str, str]]  # ward id -> (ward pk, ward name, zone name)

    def locate(self, lat: float, lon: float) -> Location:
        """Which ward contains (or is nearest to) a point."""
        return self.index.locate(lat, lon)


class UnknownCity(LookupError):
    """The city has not been imported."""


class ZoneDirectory:
    """Caches each city's ZoneIndex; reloads when an import bumps the city's wards_version."""

    def __init__(self, *, nearest_max_m: float, refresh_seconds: float = 5.0) -> None:
        """An empty directory; maps are loaded on first use."""
        self.nearest_max_m = nearest_max_m
        self.refresh_seconds = refresh_seconds
        self._cache: dict[str, tuple[float, CityZones]] = {}
        self._refreshing: dict[str, asyncio.Task[None]] = {}
        self._lock = asyncio.Lock()
        self._slugs: tuple[float, tuple[str, ...]] | None = None

    async def slugs(self) -> tuple[str, ...]:
        """The slugs of every city served, re-read at most every `refresh_seconds`."""
        if self._slugs is None or time.monotonic() - self._slugs[0] >= self.refresh_seconds:
            rows = await City.select(City.slug).order_by(City.slug)
            self._slugs = (time.monotonic(), tuple(r["slug"] for r in rows))
        return self._slugs[1]

    async def city_at(self, lat: float, lon: float) -> tuple[CityZones, Location] | None:
        """The city whose wards contain the point; else the one with the nearest ward within
        the fallback distance; None when no city's wards are that close."""
        best: tuple[tuple[int, float, str], CityZones, Location] | None = None
        for slug in await self.slugs():
            try:
                zones = await self.city(slug)
            except UnknownCity:
                continue  # removed since the slugs were read
            where = zones.locate(lat, lon)
            if where.match == Match.OUTSIDE:
                continue
            rank = (0 if where.match in (Match.INSIDE, Match.TIE) else 1, where.distance_m, slug)
            if best is None or rank < best[0]:
                best = (rank, zones, where)
        return None if best is None else (best[1], best[2])

    async def city(self, slug: str) -> CityZones:
        """The city's zones. A stale entry is served while one background task refreshes it,
        so no request waits on the database once a city is loaded."""
        cached = self._cache.get(slug)
        if cached is None:
            async with self._lock:
                cached = self._cache.get(slug)
                if cached is None:
                    await self._refresh(slug)
                    cached = self._cache[slug]
        elif time.monotonic() - cached[0] >= self.refresh_seconds:
            task = self._refreshing.get(slug)
            if task is None or task.done():
                self._refreshing[slug] = asyncio.create_task(self._refresh_quietly(slug))
        return cached[1]

    async def _refresh(self, slug: str) -> None:
        """Reload a city's map if its wards_version moved; UnknownCity if it is gone."""
        row = await City.objects().get(City.slug == slug)
        if row is None:
            self._cache.pop(slug, None)
            raise UnknownCity(slug)
        cached = self._cache.get(slug)
        zones = cached[1] if cached and cached[1].version == row.wards_version else None
        if zones is None:
            zones = await self._load(row)
        self._cache[slug] = (time.monotonic(), zones)

    async def _refresh_quietly(self, slug: str) -> None:
        """`_refresh` in the background: a failure leaves the stale map serving."""
        try:
            await self._refresh(slug)
        except Exception:  # the stale map keeps serving; the next request tries again
            log.warning("could not refresh the ward map of %s", slug, exc_info=True)

    async def _load(self, city: City) -> CityZones:
        """Build a city's spatial index from its ward rows (in a thread); UnknownCity while
        it has none."""
        rows = (
            await Ward.select(Ward.id, Ward.ward_id, Ward.name, Ward.geometry, Ward.zone.name)
            .where(Ward.city == city.id)
            .output(load_json=True)
        )
        if not rows:  # a city made before its wards are imported serves nothing yet
            raise UnknownCity(city.slug)
        shapes, meta = [], {}
        for r in rows:
            shapes.append(WardShape(r["ward_id"], r["name"], r["zone.name"], r["geometry"]))
            meta[r["ward_id"]] = (r["id"], r["name"], r["zone.name"] or "")
        index = await asyncio.to_thread(ZoneIndex, shapes, nearest_max_m=self.nearest_max_m)
        return CityZones(city, city.wards_version, index, tuple(shapes), meta)


async def responsible_official(ward_pk: int, level: int = 0) -> Official | None:
    """Who holds a case in this ward at a level of the ladder: the ward's supervisor (L0), its
    zone's officer (L1) or commissioner (L2), the city commissioner (L3). A level with nobody
    active on the roster passes the case up to the next one; None when nobody is left."""
    ward = await Ward.objects().get(Ward.id == ward_pk)
    if ward is None:
        return None
    for rung in range(max(level, 0), 4):
        if rung == 0:
            where = Official.ward == ward_pk
        elif rung in (1, 2):
            if ward.zone is None:
                continue
            where = Official.zone == ward.zone
        else:
            where = (Official.city == ward.city) & Official.zone.is_null()
        found = (
            await Official.objects()
            .where(where & (Official.level == rung) & (Official.active == True))  # noqa: E712
            .order_by(Official.id)
            .first()
        )
        if found is not None:
            return found
    return None
