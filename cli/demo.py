"""`civicops demo`: realistic complaints for the demo city, filed through the public API.

The command is registered with every `civicops` start, so the heavy libraries (faker, rich,
httpx, the geometry) are imported only when complaints are made or filed.
"""

from __future__ import annotations

import asyncio
import json
import random
from typing import TYPE_CHECKING

import click

from cli import common
from domain.categories import CATEGORIES

if TYPE_CHECKING:
    import httpx

    from geo.zones import ZoneIndex

_TEMPLATES: dict[str, tuple[str, ...]] = {
    "pothole": (
        "Big pothole near {place} on {street}, two-wheelers are skidding.",
        "Deep crater in the middle of {street} opposite {place}; an auto got stuck yesterday.",
    ),
    "waterlogging": (
        "Knee-deep water on {street} after last night's rain, near {place}.",
        "Underpass near {place} flooded, vehicles cannot pass.",
    ),
    "drain_overflow": (
        "Drain overflowing onto {street} near {place}, sewage smell everywhere.",
        "Manhole on {street} is overflowing for three days.",
    ),
    "garbage_not_collected": (
        "Garbage not collected on {street} for {days} days, the pile is near {place}.",
        "Door-to-door collection van has not come to {street} since {weekday}.",
    ),
    "waste_not_segregated": (
        "Pourakarmika mixes wet and dry waste on {street}; segregation is not followed.",
        "Bulk generator near {place} dumps unsegregated waste every morning.",
    ),
    "streetlight_out": (
        "Streetlight pole near {place} on {street} has been off for a week, very dark at night.",
        "{count} streetlights not working on {street}; unsafe for women walking home.",
    ),
    "stray_animals": (
        "Pack of stray dogs near {place} chasing children going to school.",
        "Cattle sitting in the middle of {street} blocking traffic.",
    ),
    "fallen_tree": (
        "Tree branch fell on {street} near {place}, road half blocked.",
        "Uprooted tree leaning on power lines near {place}.",
    ),
    "water_supply": (
        "No water supply on {street} since {weekday}.",
        "Pipe burst near {place}, drinking water wasting on {street}.",
    ),
    "illegal_dumping": (
        "Construction debris dumped overnight at the corner of {street}.",
        "Garbage black spot growing next to {place}.",
    ),
    "public_toilet": (
        "Public toilet near {place} is locked during the day.",
        "Public toilet on {street} has no water and is very dirty.",
    ),
    "mosquito_breeding": (
        "Stagnant water in the vacant plot near {place}, mosquitoes breeding, dengue cases nearby.",
        "Open tyres and containers collecting water on {street}; please do fogging.",
    ),
}

_PLACES = (
    "the bus stop", "the temple", "the government school", "the metro station", "the park",
    "the Darshini", "the petrol bunk", "the ration shop", "the hospital gate", "the bakery",
)  # fmt: skip


def generate(index: ZoneIndex, count: int, *, seed: int = 2026) -> list[dict]:
    """Complaints at random points inside random wards, with Indian street names and contacts."""
    from faker import Faker

    rng = random.Random(seed)
    fake = Faker("en_IN")
    fake.seed_instance(seed)
    ward_ids = list(index.ward_ids)
    out: list[dict] = []
    for _ in range(count):
        category = rng.choice(CATEGORIES)
        lat, lon = index.random_point_in(rng.choice(ward_ids), rng)
        text = rng.choice(_TEMPLATES[category.code]).format(
            place=rng.choice(_PLACES),
            street=fake.street_name(),
            days=rng.randint(2, 9),
            weekday=fake.day_of_week(),
            count=rng.randint(2, 12),
        )
        body: dict = {
            "category": category.code,
            "description": text,
            "latitude": round(lat, 6),
            "longitude": round(lon, 6),
            "language": rng.choice(["en", "kn", "en", "hi", "ta"]),
            "address": f"{fake.building_number()}, {fake.street_name()}, Bengaluru",
        }
        if rng.random() < 0.7:
            body["reporter"] = {
                "name": fake.name(),
                "phone": f"+91 9{rng.randint(100000000, 999999999)}",
            }
        out.append(body)
    return out


async def index_from_api(client: httpx.AsyncClient, city: str | None) -> ZoneIndex:
    """Build the city's zone index from the API's own GeoJSON (works against any deployment)."""
    from geo.geojson import WardShape
    from geo.zones import ZoneIndex

    resp = await client.get("/v1/zones", params={"city": city} if city else None)
    resp.raise_for_status()
    shapes = [
        WardShape(
            str(f["properties"]["ward_id"]),
            f["properties"].get("ward_name") or "",
            f["properties"].get("zone"),
            f["geometry"],
        )
        for f in resp.json()["features"]
    ]
    return ZoneIndex(shapes)


async def file_many(
    base_url: str, api_key: str, count: int, *, city: str | None, concurrency: int = 8
) -> tuple[int, list[str]]:
    """File `count` complaints with a progress bar; returns (accepted, errors)."""
    import httpx
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    headers = {"Authorization": f"Bearer {api_key}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=30) as client:
        index = await index_from_api(client, city)
        complaints = generate(index, count)
        accepted, errors = 0, []
        semaphore = asyncio.Semaphore(concurrency)
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
        ) as progress:
            task = progress.add_task("Filing complaints", total=count)

            async def one(complaint: dict) -> None:
                """File one complaint, counting the answer."""
                nonlocal accepted
                async with semaphore:
                    body = dict(complaint, city=city) if city else complaint
                    resp = await client.post("/v1/complaints", json=body)
                    if resp.status_code == 202:
                        accepted += 1
                    else:
                        errors.append(f"{resp.status_code}: {resp.text[:200]}")
                    progress.advance(task)

            await asyncio.gather(*(one(c) for c in complaints))
    return accepted, errors


@click.command()
@click.option(
    "--complaints",
    "count",
    type=click.IntRange(1, 100_000),
    default=50,
    show_default=True,
    help="How many complaints to file.",
)
@click.option("--api-url", help="API base URL (default: CIVICOPS_PUBLIC_URL).")
@click.option(
    "--api-key",
    envvar="CIVICOPS_API_KEY",
    help="Key to file with (or CIVICOPS_API_KEY; default: the demo citizen-app key).",
)
@click.option("--city", help="City slug (default: the API's city).")
@click.option("--concurrency", type=click.IntRange(1, 256), default=8, show_default=True)
def demo(
    count: int, api_url: str | None, api_key: str | None, city: str | None, concurrency: int
) -> None:
    """File N realistic complaints (made with faker) in the demo city through the API."""
    settings = common.settings()
    if api_key is None:
        keys_file = settings.var_dir / "demo-keys.json"
        if not keys_file.exists():
            raise click.UsageError(f"{keys_file} not found: run `make up` first or pass --api-key")
        api_key = json.loads(keys_file.read_text())["citizen-app"]
    accepted, errors = asyncio.run(
        file_many(api_url or settings.public_url, api_key, count, city=city,
                  concurrency=concurrency)
    )  # fmt: skip
    click.echo(f"{accepted} of {count} complaints accepted")
    for error in errors[:10]:
        click.echo(f"  rejected: {error}", err=True)
    if errors:
        raise SystemExit(1)
