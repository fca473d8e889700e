"""Small helpers the tests share: waiting for a case to reach a status."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
CIVICOPS = [sys.executable, "-m", "cli.main"]  # the real `civicops` command


def run_civicops(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run the real `civicops` command (this run's database, unless `env` says otherwise)."""
    return subprocess.run(
        [*CIVICOPS, *args], cwd=REPO, env=env or os.environ.copy(),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


async def civicops(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`run_civicops` for async tests: the event loop keeps running while the command does.

    The in-process API, worker and audit sealer run on that loop; blocking it could leave
    the sealer holding the audit chain's lock, which the command then waits for.
    """
    return await asyncio.to_thread(run_civicops, *args, env=env)


# Points whose ward is known from the 198-ward BBMP map (checked against the polygons).
MALLESHWARAM = (13.0035, 77.5709)
_MALLESHWARAM_SPOTS: list[tuple[float, float]] = []


def in_malleshwaram() -> tuple[float, float]:
    """A point in ward 65 (Kadu Malleshwar, West zone) no earlier call of this run returned.

    Points lie 60 m apart, so a test's pothole is never taken for a re-complaint of another
    test's open case (the same category within 50 m attaches to it).
    """
    if not _MALLESHWARAM_SPOTS:
        from shapely.geometry import Point, shape

        from cli.bootstrap import DEMO_LOOKUP, DEMO_WARDS
        from geo.geojson import read_wards

        [ward] = [
            w
            for w in read_wards(
                DEMO_WARDS, ward_field="WARD_NO", name_field="WARD_NAME", zone_lookup=DEMO_LOOKUP
            )
            if w.ward_id == "65"
        ]
        inner = shape(ward.geometry).buffer(-0.0003)  # at least ~30 m inside the boundary
        west, south, east, north = inner.bounds
        step_lat, step_lon = 60 / 111_320, 60 / (111_320 * 0.974)
        lat = south
        while lat < north:
            lon = west
            while lon < east:
                far_from_fixed = (lat - MALLESHWARAM[0]) ** 2 + (lon - MALLESHWARAM[1]) ** 2 > (
                    100 / 111_320
                ) ** 2
                if far_from_fixed and inner.contains(Point(lon, lat)):
                    _MALLESHWARAM_SPOTS.append((round(lat, 6), round(lon, 6)))
                lon += step_lon
            lat += step_lat
        _MALLESHWARAM_SPOTS.reverse()
    return _MALLESHWARAM_SPOTS.pop()


async def wait_for_status(
    api: httpx.AsyncClient, tracking_id: str, headers: dict[str, str], status: str,
    timeout: float = 20.0,
) -> dict[str, Any]:  # fmt: skip
    """Poll GET /v1/complaints/{id} until the case reaches `status`."""
    deadline = time.monotonic() + timeout
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        resp = await api.get(f"/v1/complaints/{tracking_id}", headers=headers)
        if resp.status_code == 200:
            body = resp.json()
            if body["status"] == status:
                return body
        await asyncio.sleep(0.1)
    raise AssertionError(f"{tracking_id} did not reach {status}; last seen {body}")


async def wait_until(
    api: httpx.AsyncClient, tracking_id: str, key: str, check: Any, timeout: float = 30.0
) -> dict[str, Any]:
    """Poll GET /v1/complaints/{id} with an API key until check(case) holds."""
    deadline = time.monotonic() + timeout
    case: dict[str, Any] = {}
    while time.monotonic() < deadline:
        resp = await api.get(f"/v1/complaints/{tracking_id}", headers=auth(key))
        if resp.status_code == 200:
            case = resp.json()
            if check(case):
                return case
        await asyncio.sleep(0.1)
    raise AssertionError(f"{tracking_id} never satisfied the check; last seen {case}")


def pothole(lat: float, lon: float, **extra: Any) -> dict[str, Any]:
    """A complaint body for a pothole at a point."""
    return {
        "category": "pothole",
        "description": "Deep pothole near the bus stop, two-wheelers skid at night",
        "latitude": lat,
        "longitude": lon,
        "language": "kn",
        **extra,
    }


async def key_of(official_id: int) -> str:
    """A supervisor API key bound to one official."""
    from domain.roles import Role
    from records.apikeys import create_key

    token, _ = await create_key(f"test-official-{official_id}", Role.SUPERVISOR, official_id)
    return token


def auth(key: str) -> dict[str, str]:
    """Headers carrying an API key."""
    return {"Authorization": f"Bearer {key}"}


def notice_content(key_id: str, **overrides: Any) -> Any:
    """A notice for a pothole in Malleshwaram (ward 65, West zone); Assignment unless `kind`."""
    from datetime import UTC, datetime

    from notices.model import NoticeContent, NoticeKind, notice_id

    tracking_id = overrides.pop("tracking_id", "BLR-7K3M9QX2AB")
    kind = NoticeKind(overrides.pop("kind", NoticeKind.ASSIGNMENT))
    level = int(overrides.pop("level", 0))
    fields: dict[str, Any] = {
        "notice_id": notice_id(tracking_id, kind, level),
        "kind": kind,
        "level": level,
        "tracking_id": tracking_id,
        "city": "bengaluru",
        "city_name": "Bengaluru",
        "corporation": "Bruhat Bengaluru Mahanagara Palike",
        "language": "kn",
        "zone": "West",
        "ward_id": "65",
        "ward_name": "Kadu Malleshwar Ward",
        "category": "pothole",
        "category_name": "Pothole",
        "priority": "P3",
        "latitude": MALLESHWARAM[0],
        "longitude": MALLESHWARAM[1],
        "address": "15th Cross, Malleshwaram",
        "description": "Deep pothole near the bus stop; ಬಸ್ ನಿಲ್ದಾಣದ ಬಳಿ ಆಳವಾದ ಗುಂಡಿ",
        "assignee_id": 7,
        "assignee_name": "Lakshmi Narayana",
        "assignee_designation": "Ward Supervisor (Junior Engineer)",
        "sla_due_at": datetime(2026, 11, 27, 9, 0, tzinfo=UTC),
        "issued_at": datetime(2026, 11, 24, 9, 0, tzinfo=UTC),
        "issuer": "West Zone Office, Bruhat Bengaluru Mahanagara Palike",
        "key_id": key_id,
    }
    fields.update(overrides)
    return NoticeContent(**fields)


def scan_qr(pdf: bytes, dpi: int = 150) -> list[str]:
    """What a phone's QR scanner reads: the first page rendered at dpi, decoded by zxing-cpp.

    Only QR symbols are looked for, and each distinct text is given once (zxing may report
    the same symbol twice when it finds it at two scales).
    """
    import pypdfium2 as pdfium
    import zxingcpp

    image = pdfium.PdfDocument(pdf)[0].render(scale=dpi / 72).to_pil()
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return list(dict.fromkeys(code.text for code in found))


def photo(
    fmt: str = "JPEG",
    *,
    gps: tuple[float, float] | None = None,
    taken: str | None = None,
    offset: str | None = None,
    size: int = 32,
) -> bytes:
    """A unique photo (random pixels) with optional EXIF GPS and DateTimeOriginal."""
    import io
    import os

    from PIL import Image

    image = Image.frombytes("RGB", (size, size), os.urandom(size * size * 3))
    out = io.BytesIO()
    if gps is None and taken is None:
        image.save(out, fmt)
        return out.getvalue()
    exif = Image.Exif()
    exif[0x0110] = "CivicOps test camera"
    if gps is not None:
        exif[0x8825] = {
            1: "N" if gps[0] >= 0 else "S",
            2: _dms(abs(gps[0])),
            3: "E" if gps[1] >= 0 else "W",
            4: _dms(abs(gps[1])),
        }
    if taken is not None:
        exif[0x8769] = {0x9003: taken} | ({0x9011: offset} if offset else {})
    image.save(out, fmt, exif=exif.tobytes())
    return out.getvalue()


def _dms(value: float) -> tuple[float, float, float]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    return float(degrees), float(minutes), round((value - degrees - minutes / 60) * 3600, 4)


_SPOTS: list[tuple[float, float, str]] = []


def fresh_spot() -> tuple[float, float, str]:
    """A point inside a Bengaluru ward no other test of this run has used: (lat, lon, ward).

    Each lifecycle test gets its own ward, so its supervisor's ledger holds only its entries.
    """
    import random

    from shapely.geometry import shape

    from cli.bootstrap import DEMO_LOOKUP, DEMO_WARDS
    from geo.geojson import read_wards

    if not _SPOTS:
        wards = read_wards(
            DEMO_WARDS,
            ward_field="WARD_NO",
            name_field="WARD_NAME",
            zone_lookup=DEMO_LOOKUP,
        )
        for w in wards:
            point = shape(w.geometry).representative_point()
            _SPOTS.append((round(point.y, 6), round(point.x, 6), w.ward_id))
        random.shuffle(_SPOTS)
        _SPOTS[:] = [s for s in _SPOTS if s[2] != "65"]  # Malleshwaram: the other tests' ward
    return _SPOTS.pop()
