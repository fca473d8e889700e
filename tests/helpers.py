"""Small helpers the tests share: waiting for a case to reach a status."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

# Points whose ward is known from the 198-ward BBMP map (checked against the polygons).
MALLESHWARAM = (13.0035, 77.5709)


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
