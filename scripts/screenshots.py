"""Screenshots of every page at 390×844 and 1280×800 into docs/screenshots/, from a running stack.

    civicops up                      # in another terminal (or any running CivicOps)
    python scripts/screenshots.py [--url http://127.0.0.1:8000] [--keys var/demo-keys.json]
                                  [--synthetic 4000] [--out docs/screenshots]

`--synthetic N` first writes N made-up projection rows (source "synthetic:screenshots": 150
days of filings at random points inside the real wards, resolved on time or late, some
escalated) straight into the stack's database, so the pages have figures to show. It needs
the stack's own settings (DATABASE_URL or CIVICOPS_VAR_DIR) and is for a throwaway stack
only: the rows have no workflow behind them. Five real garbage complaints are always filed
through the API at one spot (with the demo citizen-app key), so the hotspots page has a
cluster whose work order really reassigns. Chromium is /usr/bin/chromium (or
$CIVICOPS_CHROMIUM), unable to resolve any host but 127.0.0.1, as in the tests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
SIZES = ((390, 844), (1280, 800))
SPOT = (12.9716, 77.5946)  # near Vidhana Soudha, Bengaluru
SOURCE = "synthetic:screenshots"


async def synthetic(n: int, city: str = "bengaluru", seed: int = 13) -> int:
    """Write n made-up projection rows for `city` into the configured database."""
    from shapely.geometry import Point, shape

    from domain.categories import CATEGORIES
    from domain.ids import new_tracking_id, workflow_id
    from domain.stats import cells
    from records.db import database_pool
    from records.geography import ZoneDirectory
    from records.rollup import rebuild
    from records.tables import City, Complaint

    rng = random.Random(seed)
    now = datetime.now(UTC)
    async with database_pool():
        code = (await City.select(City.code).where(City.slug == city).first())["code"]
        zones = await ZoneDirectory(nearest_max_m=250).city(city)
        wards = [(s, shape(s.geometry)) for s in zones.shapes]
        quality = {s.ward_id: rng.uniform(0.35, 0.99) for s, _ in wards}
        rows = []
        for _ in range(n):
            ward, polygon = rng.choice(wards)
            west, south, east, north = polygon.bounds
            while True:
                lon, lat = rng.uniform(west, east), rng.uniform(south, north)
                if polygon.contains(Point(lon, lat)):
                    break
            category = rng.choice(CATEGORIES)
            rows.append(_row(rng, now, code, city, ward, lat, lon, category, quality))
        for row in rows:
            row["h3_r7"], row["h3_r8"], row["h3_r9"] = cells(row["latitude"], row["longitude"])
            row["tracking_id"] = new_tracking_id(code)
            row["workflow_id"] = workflow_id(row["tracking_id"])
        for start in range(0, len(rows), 500):
            await Complaint.insert(*(Complaint(**r) for r in rows[start : start + 500]))
        await rebuild(city)  # the rows went in around the record step: count them once
    return len(rows)


def _row(
    rng: random.Random,
    now: datetime,
    code: str,
    city: str,
    ward: Any,
    lat: float,
    lon: float,
    category: Any,
    quality: dict[str, float],
) -> dict[str, Any]:
    """One made-up case: filed in the last 150 days, resolved (on time or late) or still open."""
    filed = now - timedelta(days=rng.triangular(0, 150, 5), minutes=rng.uniform(0, 1440))
    sla = timedelta(hours=category.sla_hours)
    good = quality[ward.ward_id]
    took = sla * (rng.uniform(0.2, 1.0) if rng.random() < good else rng.uniform(1.05, 4.0))
    row: dict[str, Any] = {
        "city": city,
        "category": category.code,
        "description": "synthetic case for the screenshots",
        "latitude": lat,
        "longitude": lon,
        "language": "kn",
        "source": SOURCE,
        "priority": int(category.default_priority),
        "ward_id": ward.ward_id,
        "ward_name": ward.name,
        "zone": ward.zone,
        "filed_at": filed,
        "sla_due_at": filed + sla,
        "updated_at": now,
        "revision": 4,
        "recomplaints": 1 if rng.random() < 0.08 else 0,
    }
    if filed + took < now and rng.random() < 0.88:
        resolved = filed + took
        row.update(resolved_at=resolved, resolved_on_time=took <= sla, status="RESOLVED")
        if resolved + timedelta(hours=72) < now:
            row.update(status="CLOSED", closed_at=resolved + timedelta(hours=72))
        if took > sla:
            row["escalation_level"] = min(3, int(took / sla))
    else:
        late = now - filed > sla
        row["status"] = "ESCALATED" if late else rng.choice(("ASSIGNED", "NOTICE_ISSUED"))
        row["escalation_level"] = min(3, int((now - filed) / sla)) if late else 0
    return row


def pentagon(centre: tuple[float, float], radius_m: float = 55.0) -> list[tuple[float, float]]:
    """Five points on a circle round `centre`: about 65 m apart (more than the 50 m within
    which a filing becomes a re-complaint), all within 105 m of each other."""
    lat, lon = centre
    per_lat = 111_320.0
    per_lon = per_lat * math.cos(math.radians(lat))
    return [
        (
            lat + radius_m * math.cos(2 * math.pi * i / 5) / per_lat,
            lon + radius_m * math.sin(2 * math.pi * i / 5) / per_lon,
        )
        for i in range(5)
    ]


async def file_cluster(url: str, key: str) -> list[str]:
    """File five real garbage complaints round SPOT; their tracking ids."""
    ids = []
    auth = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        for i, (lat, lon) in enumerate(pentagon(SPOT)):
            body = {
                "category": "garbage_not_collected",
                "description": f"Garbage pile on the corner, not collected for days ({i + 1})",
                "latitude": lat,
                "longitude": lon,
                "language": "kn",
            }
            answer = await client.post(
                "/v1/complaints",
                json=body,
                headers={
                    "Authorization": f"Bearer {key}",
                    "Idempotency-Key": f"shot-{time.time()}-{i}",
                },
            )
            answer.raise_for_status()
            ids.append(answer.json()["tracking_id"])
        deadline = time.monotonic() + 60
        for tracking_id in ids:
            while time.monotonic() < deadline:
                case = (await client.get(f"/v1/complaints/{tracking_id}", headers=auth)).json()
                if case.get("status") not in ("FILED", "TRIAGED"):
                    break
                await asyncio.sleep(0.5)
    return ids


def shrink(path: Path) -> None:
    """Store a screenshot with 256 colours (a third of the bytes; text stays sharp)."""
    from PIL import Image

    with Image.open(path) as image:
        quantized = image.convert("RGB").quantize(
            colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        )
    quantized.save(path, optimize=True)


async def shoot(url: str, keys: dict[str, str], out: Path) -> list[Path]:
    """Open each page in chromium and screenshot it at both sizes (viewport and full page)."""
    from playwright.async_api import async_playwright

    chromium = os.environ.get("CIVICOPS_CHROMIUM", "/usr/bin/chromium")
    args = ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
    if os.geteuid() == 0:
        args.append("--no-sandbox")
    taken: list[Path] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=args)
        context = await browser.new_context(locale="en-IN", timezone_id="Asia/Kolkata")
        page = await context.new_page()

        async def capture(name: str, full: bool = True, anchor: str | None = None) -> None:
            for width, height in SIZES:
                await page.set_viewport_size({"width": width, "height": height})
                await page.wait_for_timeout(700)
                if anchor:
                    await page.evaluate(f"document.querySelector({anchor!r}).scrollIntoView()")
                    await page.wait_for_timeout(200)
                path = out / f"{name}-{width}x{height}.png"
                await page.screenshot(path=str(path), full_page=full)
                shrink(path)
                taken.append(path)

        async def dashboard(query: str) -> None:
            await page.goto(f"{url}/{query}")
            await page.wait_for_selector("#map[data-drawn]", state="attached")
            await page.wait_for_selector("#trend canvas")

        await dashboard("?lang=en&period=90d")
        await capture("dashboard")
        await page.check("input[name=layer][value=heat]")
        await page.wait_for_selector("#map path.heat-cell", state="attached", timeout=15000)
        await capture("dashboard-heat", full=False, anchor="#map-h")
        await dashboard("?lang=kn&period=90d")
        await capture("dashboard-kn")
        ward = await page.get_attribute("#best-wards a", "href") or "/wards/bengaluru/1"
        await page.goto(f"{url}{ward}?lang=en&period=90d")
        await page.wait_for_selector("#map[data-drawn]", state="attached")
        await capture("ward")
        await page.goto(f"{url}/hotspots?lang=en")
        await page.fill("#api-key", keys["official"])
        await page.click("#key-form button[type=submit]")
        await page.wait_for_selector("#key-status:has-text('in use')")
        await page.select_option("#hotspot-form select[name=category]", "garbage_not_collected")
        await page.click("#hotspot-form button[type=submit]")
        await page.wait_for_selector("article.hotspot")
        card = page.locator("article.hotspot").first
        holders = set(await card.locator("td.assignee").all_text_contents())
        options = await card.locator("select option").evaluate_all(
            "os => os.map(o => [o.value, o.textContent])"
        )
        other = next(v for v, label in options if label.split(" · ")[0] not in holders)
        await card.locator("select").select_option(other)
        await card.locator("button[type=submit]").click()
        await card.locator(".order-result li").first.wait_for()
        await capture("hotspots")
        await browser.close()
    return taken


def main() -> None:
    """Parse the arguments, prepare the data, take the screenshots."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--keys", type=Path, default=REPO / "var" / "demo-keys.json")
    parser.add_argument("--synthetic", type=int, default=0, metavar="N")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    options = parser.parse_args()
    keys = json.loads(options.keys.read_text())
    options.out.mkdir(parents=True, exist_ok=True)
    if options.synthetic:
        print(f"wrote {asyncio.run(synthetic(options.synthetic))} synthetic cases")
    print(f"filed {len(asyncio.run(file_cluster(options.url, keys['citizen-app'])))} complaints")
    for path in asyncio.run(shoot(options.url, keys, options.out)):
        print(path.relative_to(REPO) if path.is_relative_to(REPO) else path)


if __name__ == "__main__":
    main()
