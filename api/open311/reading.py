"""The read side of Open311: service requests, tokens and updates from the projection.

Only public fields are selected: a request never carries the reporter, the API key that
filed it, the app's name or an event's actor, so citizen data cannot leak by a later edit of
the rendering.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar.datastructures import State

from api.open311.render import w3c
from api.views import photo_url
from domain.case import Status
from domain.categories import BY_CODE
from domain.privacy import PrivacyPolicy, coarse_point
from records.geography import UnknownCity
from records.tables import CaseReport, Complaint, ComplaintEvent

MAX_REQUESTS = 1000  # newest first; narrow the dates for more
MAX_UPDATES = 1000  # oldest first; ask again from the last updated_datetime for more

# GeoReport v2 knows two statuses. A RESOLVED case is still open: the citizen may reopen it.
OPEN311_CLOSED: frozenset[str] = frozenset({Status.CLOSED, Status.WITHDRAWN, Status.OUTSIDE_CITY})
OPEN311_OPEN: frozenset[str] = frozenset(s.value for s in Status) - OPEN311_CLOSED

# FixMyStreet's update statuses (its Open311 client lower-cases them and maps them to its
# own states): OPEN is "confirmed", FIXED is fixed; a CLOSED case here was always resolved
# with proof first, so it is FIXED too, while a withdrawn one is CLOSED (not fixed).
FMS_STATUS: dict[str, str] = {
    Status.FILED: "OPEN",
    Status.TRANSCRIBING: "OPEN",
    Status.NEEDS_TRIAGE: "OPEN",
    Status.TRIAGED: "INVESTIGATING",
    Status.ASSIGNED: "ACTION_SCHEDULED",
    Status.NOTICE_ISSUED: "ACTION_SCHEDULED",
    Status.ESCALATED: "ACTION_SCHEDULED",
    Status.REOPENED: "OPEN",
    Status.RESOLVED: "FIXED",
    Status.CLOSED: "FIXED",
    Status.WITHDRAWN: "CLOSED",
    Status.OUTSIDE_CITY: "NOT_COUNCILS_RESPONSIBILITY",
}

_REQUEST_COLUMNS = (
    Complaint.tracking_id,
    Complaint.status,
    Complaint.closed_reason,
    Complaint.category,
    Complaint.description,
    Complaint.city,
    Complaint.zone,
    Complaint.ward_id,
    Complaint.ward_name,
    Complaint.priority,
    Complaint.escalation_level,
    Complaint.recomplaints,
    Complaint.filed_at,
    Complaint.updated_at,
    Complaint.sla_due_at,
    Complaint.address,
    Complaint.latitude,
    Complaint.longitude,
    Complaint.media_url,
    Complaint.intake,  # read for its first public photo only (`_public_photo`), then dropped
    Complaint.assignee.designation.as_alias("designation"),
)


def service_name(code: str) -> str:
    """The category's name, or its code if the catalogue no longer has it."""
    category = BY_CODE.get(code)
    return category.name if category else code


def service_notice(code: str) -> str:
    """What happens to a request of this service, in one sentence."""
    category = BY_CODE.get(code)
    department = category.department if category else "the corporation"
    return (
        f"Handled by {department}: a ward official must fix it by expected_datetime, or it is "
        "escalated to the next officer up."
    )


async def corporation_of(app_state: State, slug: str, known: dict[str, str]) -> str:
    """The corporation that serves a city (cached per call in `known`)."""
    if slug not in known:
        try:
            known[slug] = (await app_state.zones.city(slug)).city.corporation
        except UnknownCity:
            known[slug] = slug
    return known[slug]


def _status_notes(row: dict[str, Any]) -> str:
    """Where the case is, in a sentence, from its status and the reason it ended."""
    status, reason = row["status"], (row["closed_reason"] or "").strip()
    officer = f"the {row['designation']}" if row.get("designation") else "the ward official"
    notes = {
        Status.FILED: "Received; being prioritised.",
        Status.TRANSCRIBING: "Received; the voice note is being transcribed.",
        Status.NEEDS_TRIAGE: "Received; the ward is choosing the kind of problem.",
        Status.TRIAGED: f"Prioritised P{row['priority']}; finding the ward official."
        if row["priority"]
        else "Prioritised; finding the ward official.",
        Status.ASSIGNED: f"Assigned to {officer}.",
        Status.NOTICE_ISSUED: f"Assignment notice issued to {officer}.",
        Status.ESCALATED: f"Escalated to {officer} (level {row['escalation_level']}).",
        Status.REOPENED: f"Reopened: the citizen said it was not fixed; now with {officer}.",
        Status.RESOLVED: "Fixed, with photo proof; closes when the citizen confirms it.",
        Status.CLOSED: f"Fixed and closed: {reason.removeprefix('closed: ')}."
        if reason
        else "Fixed and closed.",
        Status.WITHDRAWN: f"Withdrawn: {reason}" if reason else "Withdrawn.",
        Status.OUTSIDE_CITY: f"Not in any ward: {reason}." if reason else "Not in any ward.",
    }
    note = notes.get(status, status)
    if row["recomplaints"]:
        note += f" Reported by {row['recomplaints'] + 1} citizens."
    return note


def _agency(row: dict[str, Any], corporation: str) -> str:
    """The corporation, department, zone and ward responsible."""
    category = BY_CODE.get(row["category"])
    parts = [corporation]
    if category:
        parts.append(category.department)
    if row["zone"]:
        parts.append(f"{row['zone']} zone")
    if row["ward_id"]:
        parts.append(f"ward {row['ward_id']} ({row['ward_name']})" if row["ward_name"] else "")
    return ", ".join(p for p in parts if p)


def _address(row: dict[str, Any]) -> str | None:
    """The address the citizen gave, else the ward and zone."""
    if row["address"]:
        return row["address"]
    if row["ward_name"]:
        zone = f", {row['zone']} zone" if row["zone"] else ""
        return f"{row['ward_name']}{zone}"
    return None


def _public_photo(intake: Any) -> str | None:
    """The public copy (EXIF removed) of a case's first photo attachment, if it has one."""
    if not isinstance(intake, dict):
        return None
    for attachment in intake.get("attachments") or []:
        if isinstance(attachment, dict) and attachment.get("kind") == "photo":
            if key := attachment.get("public_key"):
                return str(key)
    return None


def request_fields(
    row: dict[str, Any], corporation: str, public_url: str, privacy: PrivacyPolicy
) -> dict[str, Any]:
    """One service request with GeoReport v2's fields, in the spec's order.

    Its media_url is the first attached photo's public copy, else the app's own media_url;
    a sensitive category's point is coarsened to about 100 m (the city's privacy policy).
    """
    photo = row.get("public_photo")
    lat, lon = coarse_point(row["category"], row["latitude"], row["longitude"], privacy)
    return {
        "service_request_id": row["tracking_id"],
        "status": "closed" if row["status"] in OPEN311_CLOSED else "open",
        "status_notes": _status_notes(row),
        "service_name": service_name(row["category"]),
        "service_code": row["category"],
        "description": row["description"],
        "agency_responsible": _agency(row, corporation),
        "service_notice": service_notice(row["category"]),
        "requested_datetime": w3c(row["filed_at"]),
        "updated_datetime": w3c(row["updated_at"]),
        "expected_datetime": w3c(row["sla_due_at"]),
        "address": _address(row),
        "address_id": None,
        "zipcode": None,
        "lat": lat,
        "long": lon,
        "media_url": photo_url(public_url, photo) if photo else row["media_url"],
    }


async def find_requests(
    *,
    ids: list[str] | None = None,
    codes: list[str] | None = None,
    statuses: set[str] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    city: str | None = None,
) -> list[dict[str, Any]]:
    """Projection rows matching the filters, newest first (at most MAX_REQUESTS)."""
    query = Complaint.select(*_REQUEST_COLUMNS).output(load_json=True)
    if ids is not None:
        if not ids:
            return []
        query = query.where(Complaint.tracking_id.is_in(ids))
    else:
        if codes:
            query = query.where(Complaint.category.is_in(codes))
        if statuses:
            query = query.where(Complaint.status.is_in(sorted(statuses)))
        if start is not None:
            query = query.where(Complaint.filed_at >= start)
        if end is not None:
            query = query.where(Complaint.filed_at <= end)
        if city is not None:
            query = query.where(Complaint.city == city)
    rows = await query.order_by(Complaint.filed_at, ascending=False).limit(MAX_REQUESTS)
    for row in rows:  # the intake record holds more than is public: keep only the photo
        row["public_photo"] = _public_photo(row.pop("intake", None))
    return rows


async def case_of_token(token: str) -> str | None:
    """The case a filing went to: its own for a new case, the open one for a re-complaint."""
    report = (
        await CaseReport.select(CaseReport.tracking_id).where(CaseReport.filing_id == token).first()
    )
    if report is not None:
        return report["tracking_id"]
    case = (
        await Complaint.select(Complaint.tracking_id).where(Complaint.tracking_id == token).first()
    )
    return case["tracking_id"] if case is not None else None


def _update_text(kind: str, detail: dict[str, Any]) -> str | None:
    """What a step did, for the public: no names of people, no key ids, no filing ids."""
    officer = f"the {detail['designation']}" if detail.get("designation") else "another officer"
    reason = str(detail.get("reason") or "").strip()
    if kind == "filed":
        return "Received."
    if kind == "prioritized":
        return f"Prioritised {detail.get('priority') or ''}.".replace(" .", ".")
    if kind == "assigned":
        ward = f" of ward {detail['ward']}" if detail.get("ward") else ""
        return f"Assigned to {officer}{ward}."
    if kind == "outside_city":
        return "The location is outside every ward of the city."
    if kind == "notice_issued":
        what = {
            "assignment": "An assignment notice",
            "escalation": "An escalation notice",
            "sla_breach": "A deadline reminder",
            "closure": "A closure certificate",
        }.get(str(detail.get("notice_kind")), "A notice")
        return f"{what} was signed and issued."
    if kind == "sla_breached":
        return "The deadline passed without a fix."
    if kind == "recomplaint":
        return "Another citizen reported the same problem."
    if kind == "escalated":
        if reason.startswith("reopened"):
            return f"Reopened: the citizen said it was not fixed. Escalated to {officer}."
        why = {
            "sla_breach": "after a missed deadline",
            "recomplaints": "after repeated reports",
            "recomplaint_after_breach": "after a report past the deadline",
        }.get(reason, "")
        return f"Escalated to {officer} {why}.".replace(" .", ".")
    if kind == "reassigned":
        return f"Reassigned to {officer}."
    if kind == "proof_rejected":
        return "Proof of the fix was not accepted; the work is still due."
    if kind == "proof_accepted":
        return "Fixed: photo proof accepted."
    if kind == "closed":
        return f"Closed: {reason.removeprefix('closed: ')}." if reason else "Closed."
    if kind == "withdrawn":
        return f"Withdrawn: {reason}" if reason else "Withdrawn."
    return None  # internal steps (e.g. a notice that failed to render) are not published


async def find_updates(
    start: datetime, end: datetime, city_code: str | None = None
) -> list[dict[str, Any]]:
    """FixMyStreet request updates in a window, oldest first (at most MAX_UPDATES).

    A city's updates are those of its tracking ids, which begin with its code (BLR-...).
    """
    where = (ComplaintEvent.at >= start) & (ComplaintEvent.at <= end)
    if city_code is not None:
        where &= ComplaintEvent.tracking_id.like(f"{city_code.upper()}-%")
    rows = (
        await ComplaintEvent.select(
            ComplaintEvent.tracking_id,
            ComplaintEvent.revision,
            ComplaintEvent.kind,
            ComplaintEvent.status,
            ComplaintEvent.at,
            ComplaintEvent.detail,
        )
        .where(where)
        .order_by(ComplaintEvent.at)
        .order_by(ComplaintEvent.tracking_id)
        .order_by(ComplaintEvent.revision)
        .limit(MAX_UPDATES)
        .output(load_json=True)
    )
    updates = []
    for row in rows:
        text = _update_text(row["kind"], row["detail"] or {})
        if text is None:
            continue
        updates.append(
            {
                "update_id": f"{row['tracking_id']}-{row['revision']}",
                "service_request_id": row["tracking_id"],
                "status": FMS_STATUS.get(row["status"], "OPEN"),
                "external_status_code": row["status"],
                "updated_datetime": w3c(row["at"]),
                "description": text,
                "media_url": None,
            }
        )
    return updates
