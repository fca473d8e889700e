"""Turn a live workflow state or a database projection row into the same ComplaintView."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from api.schemas import (
    AssigneeRef,
    ComplaintView,
    EventView,
    IntakeView,
    NoticeBrief,
    RiskView,
    TranscriptView,
    VoiceNoteView,
    WardRef,
)
from domain.case import CaseState, chosen_category, intake_record
from domain.categories import UNCATEGORISED
from domain.ids import workflow_id
from storage.uploads import media_name


def notice_pdf_url(public_url: str, notice_id: str) -> str:
    """Where a notice's PDF is downloaded."""
    return f"{public_url}/v1/notices/{notice_id}.pdf"


def risk_view(detail: dict[str, Any] | None) -> RiskView | None:
    """The risk of a `prioritized` event's detail (None: prioritised before issue 14)."""
    if not detail or "model" not in detail:
        return None
    reasons = [str(r) for r in detail.get("reasons") or []]
    return RiskView(str(detail["model"]), detail.get("breach_risk"), reasons)


def photo_url(public_url: str, public_key: str) -> str:
    """Where a photo's public copy (EXIF stripped) is served."""
    return f"{public_url}/v1/media/{media_name(public_key)}"


def intake_view(
    intake: dict[str, Any] | None,
    tracking_id: str,
    public_url: str,
    due_at: datetime | None = None,
) -> IntakeView | None:
    """The view of `domain.case.intake_record` (live state and projection alike)."""
    if not intake:
        return None
    photos, voice = [], None
    for a in intake.get("attachments") or []:
        if a.get("kind") == "photo" and a.get("public_key"):
            photos.append(photo_url(public_url, a["public_key"]))
        elif a.get("kind") == "voice":
            url = f"{public_url}/v1/complaints/{tracking_id}/voice-note"
            voice = VoiceNoteView(a.get("duration_s"), url)
    t = intake.get("transcript")
    captured = intake.get("captured_at")
    return IntakeView(
        category_source=intake.get("category_source"),
        category_confidence=intake.get("category_confidence"),
        suggested_category=intake.get("category_guess"),
        captured_at=datetime.fromisoformat(captured) if captured else None,
        photos=photos,
        voice_note=voice,
        transcript=TranscriptView(
            t["text"], t["source"], t["engine"], t.get("confidence"), t.get("language")
        )
        if t
        else None,
        due_at=due_at,
    )


def from_state(state: CaseState, public_url: str) -> ComplaintView:
    """The view of a running case, from its workflow query."""
    c, a = state.complaint, state.assignment
    return ComplaintView(
        tracking_id=c.tracking_id,
        workflow_id=workflow_id(c.tracking_id),
        source="live",
        status=state.status.value,
        city=c.city,
        category=chosen_category(c)[0],
        description=c.description,
        latitude=c.latitude,
        longitude=c.longitude,
        language=c.language,
        address=c.address,
        priority=f"P{state.priority}" if state.priority else None,
        ward=WardRef(a.ward_id, a.ward_name, a.zone) if a else None,
        assignee=AssigneeRef(a.official_id, a.official_name, a.designation, a.level) if a else None,
        escalation_level=state.escalation_level,
        location_match=a.match if a else None,
        filed_at=c.filed_at,
        updated_at=state.updated_at,
        sla_due_at=state.sla_due_at,
        closed_reason=state.closed_reason,
        events=[
            EventView(e.revision, e.kind, e.status.value, e.at, e.actor, dict(e.detail))
            for e in state.recent_events
        ],
        notices=[
            NoticeBrief(
                n.notice_id, n.kind, n.level, n.issued_at, notice_pdf_url(public_url, n.notice_id)
            )
            for n in state.notices
        ],
        sla_breaches=state.sla_breaches,
        recomplaints=state.recomplaints,
        linked_to=state.linked_to,
        resolved_at=state.resolved_at,
        confirm_due_at=state.confirm_due_at,
        closed_at=state.closed_at,
        risk=risk_view(state.risk.detail()) if state.risk else None,
        intake=intake_view(intake_record(c), c.tracking_id, public_url, state.intake_due_at),
    )


def from_record(
    row: dict[str, Any],
    events: list[dict[str, Any]],
    notices: list[dict[str, Any]],
    public_url: str,
) -> ComplaintView:
    """The view of a case from the database projection, its event log and notice records."""
    ward = (
        WardRef(row["ward_id"], row["ward_name"] or "", row["zone"] or "")
        if row["ward_id"]
        else None
    )
    assignee = None
    if row["assignee_name"]:
        level = row["escalation_level"] or 0
        assignee = AssigneeRef(
            row["assignee"], row["assignee_name"], row.get("assignee_designation"), level
        )
    return ComplaintView(
        tracking_id=row["tracking_id"],
        workflow_id=row["workflow_id"],
        source="record",
        status=row["status"],
        city=row["city"],
        category=None if row["category"] == UNCATEGORISED else row["category"],
        description=row["description"],
        latitude=row["latitude"],
        longitude=row["longitude"],
        language=row["language"],
        address=row["address"],
        priority=f"P{row['priority']}" if row["priority"] else None,
        ward=ward,
        assignee=assignee,
        escalation_level=row["escalation_level"] or 0,
        location_match=row["location_match"],
        filed_at=row["filed_at"],
        updated_at=row["updated_at"],
        sla_due_at=row["sla_due_at"],
        closed_reason=row["closed_reason"],
        events=[
            EventView(e["revision"], e["kind"], e["status"], e["at"], e["actor"], e["detail"] or {})
            for e in events
        ],
        notices=[
            NoticeBrief(
                n["notice_id"],
                n["kind"],
                n["level"],
                n["issued_at"],
                notice_pdf_url(public_url, n["notice_id"]),
            )
            for n in notices
        ],
        sla_breaches=row.get("sla_breaches") or 0,
        recomplaints=row.get("recomplaints") or 0,
        linked_to=row.get("linked_to"),
        resolved_at=row.get("resolved_at"),
        confirm_due_at=row.get("confirm_due_at"),
        closed_at=row.get("closed_at"),
        risk=risk_view(
            next((e["detail"] for e in reversed(events) if e["kind"] == "prioritized"), None)
        ),
        intake=intake_view(row.get("intake"), row["tracking_id"], public_url),
    )
