"""What the citizens' page tests share: a phone's secret, the report page's form token, and
ledger rows written by hand."""

from __future__ import annotations

import random
import secrets
import string
import uuid
from datetime import UTC, datetime

from records.tables import CitizenPoints


def device_secret() -> str:
    """A new phone's secret, as the report page makes one (24 random bytes, base64url)."""
    return secrets.token_urlsafe(24)


async def report_form(api) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The header that carries the report page's double-submit form token (its cookie set)."""
    resp = await api.get("/report/token")
    assert resp.status_code == 200, resp.text
    return {"X-CivicOps-Form": resp.json()["token"]}


def report_item(spot: tuple, **extra: object) -> dict[str, object]:
    """One complaint as the report page queues it: client id, capture time, spot, words."""
    return {
        "client_id": uuid.uuid4().hex,
        "captured_at": datetime.now(UTC).isoformat(),
        "latitude": spot[0],
        "longitude": spot[1],
        "category": "pothole",
        "description": f"Deep pothole near the bus stop {uuid.uuid4().hex[:6]}",
        **extra,
    }


async def grant_points(device: str, reason: str, city: str, ward: str, earned: int = 10) -> None:
    """One citizens' ledger row written by hand (device: the SHA-256 of its secret)."""
    await CitizenPoints.insert(
        CitizenPoints(
            event_key=f"test:{uuid.uuid4().hex}",
            device_sha256=device,
            points=earned,
            reason=reason,
            tracking_id="BLR-TEST",
            city=city,
            ward=ward,
            at=datetime.now(UTC),
        )
    )


def name_tag(length: int = 6) -> str:
    """Letters no other test uses, for a pseudonym (a hex tag could hold a phone's digits)."""
    return "".join(random.choices(string.ascii_lowercase, k=length))


async def insert_case(
    city: str,
    reporter_id: int,
    *,
    joined: bool = False,
    status: str = "NOTICE_ISSUED",
    filed_at: datetime | None = None,
    updated_at: datetime | None = None,
    closed_at: datetime | None = None,
) -> str:
    """A complaint row written by hand in `city`, filed by the reporter (or, `joined`, a
    re-complaint of theirs to it); its tracking id."""
    from domain.ids import new_tracking_id
    from records.tables import CaseReport, Complaint

    now = datetime.now(UTC)
    tracking_id = new_tracking_id("BLR")
    await Complaint.insert(
        Complaint(
            tracking_id=tracking_id,
            workflow_id=f"complaint-{tracking_id}",
            city=city,
            category="pothole",
            description="x",
            latitude=13.0,
            longitude=77.5,
            language="en",
            source="tests",
            status=status,
            reporter=None if joined else reporter_id,
            filed_at=filed_at or now,
            updated_at=updated_at or now,
            closed_at=closed_at,
        )
    )
    if joined:
        await CaseReport.insert(
            CaseReport(
                filing_id=f"f-{uuid.uuid4().hex[:12]}",
                tracking_id=tracking_id,
                kind="recomplaint",
                reporter=reporter_id,
                source="tests",
                description="again",
                latitude=13.0,
                longitude=77.5,
                filed_at=now,
            )
        )
    return tracking_id
