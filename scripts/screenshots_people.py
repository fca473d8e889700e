"""Screenshots of the people's pages at 390×844 and 1280×800 into docs/screenshots/.

    civicops up                      # in another terminal, on its embedded default
    python scripts/screenshots_people.py [--url http://127.0.0.1:8000]

A citizen files a pothole from /report (and one more while offline, to show the queue);
the case's supervisor and its zonal officer are invited with `civicops officials invite`
(the same settings as the running stack: run it from the checkout `civicops up` runs in),
set passwords and sign in; the supervisor resolves the case with a photo through the page;
the citizen then sees Confirm on /track, confirms, sees the points on /report, chooses a
pseudonym and finds it on the ward's neighbourhood board. Every page is taken in English, a
few in Kannada.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import re
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
SIZES = ((390, 844), (1280, 800))
SPOT = (12.9766, 77.5993)
PASSWORD = "monsoon ward walk 2026"


def cli(*argv: str) -> str:
    """The real `civicops` command, with this checkout's settings."""
    done = subprocess.run([sys.executable, "-m", "cli.main", *argv], cwd=REPO,
                          capture_output=True, text=True, check=True)  # fmt: skip
    return done.stdout


def _dms(value: float) -> tuple[float, float, float]:
    """Degrees, minutes and seconds, as EXIF writes a coordinate."""
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    return (float(degrees), float(minutes), round(((value - degrees) * 60 - minutes) * 60, 4))


def jpeg(case: dict) -> bytes:
    """A photo at the case's spot, a minute after its last step (EXIF in India time)."""
    from PIL import Image

    at = datetime.fromisoformat(case["updated_at"]) + timedelta(hours=5, minutes=31)
    image = Image.new("RGB", (640, 480), (90, 110, 90))
    exif = Image.Exif()
    exif[0x0110] = "CivicOps screenshots"
    exif[0x8769] = {0x9003: at.strftime("%Y:%m:%d %H:%M:%S")}
    exif[0x8825] = {1: "N", 2: _dms(case["latitude"]), 3: "E", 4: _dms(case["longitude"])}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


async def until(page, check: str, seconds: float = 30) -> None:  # type: ignore[no-untyped-def]
    """Poll a JS check in the page (the pages' CSP forbids wait_for_function's eval)."""
    for _ in range(int(seconds * 5)):
        if await page.evaluate(check):
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"never true: {check}")


async def shoot(url: str, keys: dict[str, str], out: Path) -> list[Path]:
    """Walk the pages as each person would, screenshotting each."""
    from playwright.async_api import async_playwright

    chromium = os.environ.get("CIVICOPS_CHROMIUM", "/usr/bin/chromium")
    args = ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
    if os.geteuid() == 0:
        args.append("--no-sandbox")
    taken: list[Path] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=args)

        async def person():  # type: ignore[no-untyped-def]
            context = await browser.new_context(locale="en-IN", timezone_id="Asia/Kolkata")
            return context, await context.new_page()

        async def capture(page, name: str) -> None:  # type: ignore[no-untyped-def]
            for width, height in SIZES:
                await page.set_viewport_size({"width": width, "height": height})
                await page.wait_for_timeout(600)
                path = out / f"{name}-{width}x{height}.png"
                await page.screenshot(path=str(path), full_page=True)
                taken.append(path)

        citizen_context, citizen = await person()
        await citizen.goto(f"{url}/report?lang=en")
        await capture(citizen, "report")
        await citizen.fill("#lat", f"{SPOT[0]:.6f}")
        await citizen.fill("#lon", f"{SPOT[1]:.6f}")
        await citizen.fill("#description", "Big pothole in front of the bus stop, water in it")
        await citizen.click("#file")
        await citizen.wait_for_selector("#mine a", timeout=30000)
        tracking_id = await citizen.text_content("#mine a")
        await capture(citizen, "report-filed")
        await citizen_context.set_offline(True)
        await citizen.fill("#lat", f"{SPOT[0] + 0.001:.6f}")
        await citizen.fill("#lon", f"{SPOT[1]:.6f}")
        await citizen.fill("#description", "Streetlight not working since three days")
        await citizen.click("#file")
        await citizen.wait_for_selector("#queue:not([hidden])")
        await capture(citizen, "report-offline")
        await citizen_context.set_offline(False)
        await citizen.goto(f"{url}/report?lang=kn")
        await capture(citizen, "report-kn")
        await citizen.goto(f"{url}/report?lang=en")
        async with httpx.AsyncClient(base_url=url, timeout=20) as client:
            for _ in range(100):
                official_key = {"X-API-Key": keys["official"]}
                answer = await client.get(f"/v1/complaints/{tracking_id}", headers=official_key)
                case = answer.json()
                if case.get("status") == "NOTICE_ISSUED":
                    break
                await asyncio.sleep(0.3)
        await citizen.goto(f"{url}/track/{tracking_id}")
        await capture(citizen, "track")

        async def staff(official_id: int):  # type: ignore[no-untyped-def]
            link = re.search(r"/invite/\S+", cli("officials", "invite", str(official_id)))
            context, page = await person()
            await page.goto(url + link.group(0))  # type: ignore[union-attr]
            await page.fill("#password", PASSWORD)
            await page.fill("#confirm", PASSWORD)
            await page.click("button[type=submit]")
            await page.fill("#official", str(official_id))
            await page.fill("#password", PASSWORD)
            await page.click("button[type=submit]")
            await page.wait_for_url("**/me")
            return context, page

        _, supervisor = await staff(case["assignee"]["id"])
        await supervisor.goto(f"{url}/work/inbox")
        await capture(supervisor, "work-inbox")
        await supervisor.goto(f"{url}/work/cases/{tracking_id}")
        await capture(supervisor, "work-case")
        photo = out.parent / "after-photo.jpg"
        photo.write_bytes(jpeg(case))
        await supervisor.set_input_files("#proof-after", str(photo))
        await supervisor.click("#proof-form button[type=submit]")
        await supervisor.wait_for_selector("#case-status[data-status=RESOLVED]", timeout=30000)
        photo.unlink()
        await capture(supervisor, "work-case-resolved")
        await supervisor.goto(f"{url}/work/score")
        await capture(supervisor, "work-score")
        await supervisor.goto(f"{url}/work/overdue")
        await capture(supervisor, "forbidden")
        async with httpx.AsyncClient(base_url=url) as client:
            roster = await client.get("/hotspots/officials", headers=official_key)
        officials = roster.json()["officials"]
        officer = next(o for o in officials if o.get("level") == 1)
        _, official = await staff(officer["id"])
        for path, name in (("/work/overdue", "work-overdue"), ("/work/search?q=" + tracking_id,
                           "work-search"), (f"/work/cases/{tracking_id}/timeline",
                           "work-timeline"), ("/work/hotspots", "work-hotspots")):  # fmt: skip
            await official.goto(url + path)
            await capture(official, name)
        await citizen.goto(f"{url}/track/{tracking_id}")
        await capture(citizen, "track-resolved")
        await until(citizen, "() => document.getElementById('token-confirm').value !== ''")
        await citizen.click("#confirm")  # the token filled in from the phone: points follow
        await citizen.wait_for_selector("#track-done")
        await citizen.goto(f"{url}/report?lang=en")
        await until(
            citizen, "() => document.getElementById('points-total').textContent.includes('13')"
        )
        await citizen.fill("#pseudonym", "Asha K")
        await citizen.click("#pseudonym-save")
        await until(
            citizen,
            "() => document.getElementById('pseudonym-state').textContent.includes('Saved')",
        )
        await citizen.locator("#points-h").scroll_into_view_if_needed()
        await capture(citizen, "report-points")
        ward = case["ward"]["id"]
        await citizen.goto(f"{url}/board/bengaluru/{ward}?lang=en")
        await capture(citizen, "board")
        await citizen.goto(f"{url}/board/bengaluru?lang=kn")
        await capture(citizen, "board-kn")
        await citizen.goto(f"{url}/privacy?lang=en")
        await capture(citizen, "privacy")
        await citizen.goto(f"{url}/privacy?lang=kn")
        await capture(citizen, "privacy-kn")
        await citizen.goto(f"{url}/verify?lang=en")
        await capture(citizen, "verify-tool")
        await browser.close()
    return taken


def main() -> None:
    """Parse the arguments and take the screenshots."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--keys", type=Path, default=REPO / "var" / "demo-keys.json")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    options = parser.parse_args()
    options.out.mkdir(parents=True, exist_ok=True)
    keys = json.loads(options.keys.read_text())
    for path in asyncio.run(shoot(options.url, keys, options.out)):
        print(path.relative_to(REPO) if path.is_relative_to(REPO) else path)


if __name__ == "__main__":
    main()
