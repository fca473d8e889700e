"""The citizen's rights under the DPDP Act (ss.11-13): see and export, correct, erase, withdraw
consent, and lodge a grievance; and the privacy notice every filing app shows.

A citizen proves control with the citizen token their filing returned (records/citizens.py),
or an official verifies them in person (`in_person`: who checked what, audited). Every act is
on the audit chain. Erasure crypto-shreds the citizen's data key (records/vault.py); the cases
and their public record stay. A city whose policy sets `erasure = false` (s.17(4)) answers 409.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.exceptions import HTTPException, PermissionDeniedException
from litestar.params import PathParameter, QueryParameter
from msgspec import Meta

from activities.retention import erase_everywhere
from api.auth import PUBLIC, current_principal, roles
from api.errors import FieldError
from api.openapi import answers
from domain import ids, pii
from domain.privacy import (
    CURRENT_NOTICE,
    MAX_GRIEVANCE_DAYS,
    NOTICES,
    PURPOSES,
    PrivacyPolicy,
)
from domain.roles import Role
from records import citizens, vault
from records.audit import AuditRecord, append
from records.db import write
from records.tables import CaseReport, Complaint, PrivacyGrievance, Reporter

Token = Annotated[str, Meta(min_length=10, max_length=64)]
TrackingIdIn = Annotated[str, Meta(min_length=4, max_length=20)]


class ProofIn(msgspec.Struct, forbid_unknown_fields=True):
    """Whose data: a filing's tracking id and its citizen token."""

    tracking_id: TrackingIdIn
    token: Token


class CorrectIn(ProofIn, forbid_unknown_fields=True):
    """New contact details (a field left out is kept)."""

    name: Annotated[str, Meta(max_length=120)] | None = None
    phone: Annotated[str, Meta(pattern=r"^\+?[0-9][0-9 \-]{6,18}$")] | None = None
    email: Annotated[str, Meta(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None = None


class GrievanceIn(ProofIn, forbid_unknown_fields=True):
    """A grievance about how the citizen's data was handled."""

    text: Annotated[str, Meta(min_length=5, max_length=4000)]


class AnswerIn(msgspec.Struct, forbid_unknown_fields=True):
    """An official's answer to a grievance."""

    answer: Annotated[str, Meta(min_length=5, max_length=4000)]


Reference = Annotated[str, PathParameter(max_length=24, description="e.g. PG-1A2B3C4D5E")]
Purpose = Annotated[
    str | None,
    QueryParameter(min_length=5, max_length=200, description="why the text is read (audited)"),
]


class InPersonIn(msgspec.Struct, forbid_unknown_fields=True):
    """An official's in-person check of a citizen, standing in for the token."""

    tracking_id: TrackingIdIn
    action: Annotated[str, Meta(pattern="^(access|erase|withdraw)$")]
    verified_how: Annotated[str, Meta(min_length=5, max_length=300)]


async def _filing_reporter(holder: citizens.Holder) -> int | None:
    """The reporter row of the token holder's filing."""
    if holder.filing == citizens.CONTACT:  # an API filing: its own filing id
        row = (
            await CaseReport.select(CaseReport.reporter)
            .where(CaseReport.filing_id == holder.client_id)
            .first()
        )
        if row and row["reporter"]:
            return row["reporter"]
    if holder.filing in ("new", citizens.CONTACT):
        case = (
            await Complaint.select(Complaint.reporter)
            .where(Complaint.tracking_id == holder.tracking_id)
            .first()
        )
        return case["reporter"] if case else None
    return None


async def _citizen(tracking_id: str, token: str) -> tuple[int | None, str]:
    """The citizen key the token proves control of, and the actor to audit; 403 if none."""
    wanted = tracking_id.strip().upper()
    if not ids.is_tracking_id(wanted):
        raise FieldError("tracking_id", "is not a tracking id")
    holder = await citizens.holder(wanted, token)
    if holder is None:
        raise PermissionDeniedException("token: not a citizen token of this complaint")
    return await key_of(holder), f"citizen-token:{holder.device_sha256[:16]}"


async def key_of(holder: citizens.Holder) -> int | None:
    """The citizen key of the token holder's filing (None: it gave no personal data)."""
    reporter = await _filing_reporter(holder)
    if reporter is None:
        return None
    row = await Reporter.select(Reporter.citizen_key).where(Reporter.id == reporter).first()
    return row["citizen_key"] if row else None


async def held(key_id: int | None) -> dict[str, Any]:
    """Everything CivicOps holds about a citizen, opened, as they may export it."""
    if key_id is None:
        return {"filings": [], "cases": [], "grievances": []}
    rows = await Reporter.select(Reporter.id).where(Reporter.citizen_key == key_id)
    opened = await vault.open_reporters(r["id"] for r in rows)
    reporters = [r["id"] for r in rows]
    cases = await Complaint.select(
        Complaint.tracking_id, Complaint.status, Complaint.filed_at
    ).where(Complaint.reporter.is_in(reporters or [-1]))
    grievances = await PrivacyGrievance.select(
        PrivacyGrievance.reference, PrivacyGrievance.status, PrivacyGrievance.due_at
    ).where(PrivacyGrievance.citizen_key == key_id)
    filings = [
        {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in p.items() if k != "id"}
        for p in opened.values()
    ]
    return {
        "filings": filings,
        "cases": [{**c, "filed_at": c["filed_at"].isoformat()} for c in cases],
        "grievances": [{**g, "due_at": g["due_at"].isoformat()} for g in grievances],
    }


async def _policy_of(request: Request, tracking_id: str) -> PrivacyPolicy:
    """The privacy policy of the case's city (the configured city for an unknown case)."""
    case = (
        await Complaint.select(Complaint.city)
        .where(Complaint.tracking_id == tracking_id.strip().upper())
        .first()
    )
    city = case["city"] if case else request.app.state.settings.city
    return request.app.state.policy.privacy(city)


async def _may_erase(request: Request, tracking_id: str) -> None:
    """409 when the case's city keeps records under s.17(4) (its policy: erasure = false)."""
    policy = await _policy_of(request, tracking_id)
    if not policy.erasure:
        raise HTTPException(
            "erasure: this city keeps its records under s.17(4) of the DPDP Act; "
            "contact its data-protection officer", status_code=409,
        )  # fmt: skip


async def _erase(request: Request, key_id: int | None, reason: str, actor: str) -> list[int]:
    """Crypto-shred a citizen and delete their originals from S3 (activities/retention.py)."""
    state = request.app.state
    return await erase_everywhere([key_id] if key_id else [], reason=reason, actor=actor,
                                  s3=state.s3, bucket=state.settings.s3_bucket)  # fmt: skip


async def withdraw_consent(key_id: int | None, actor: str) -> int:
    """Stop messages and mark the citizen's data for erasure by the next retention run."""
    if key_id is None:
        return 0
    now = datetime.now(UTC)
    [rows] = await write(
        [
            Reporter.update({Reporter.consent_withdrawn_at: now, Reporter.erase_due_at: now})
            .where((Reporter.citizen_key == key_id) & Reporter.consent_withdrawn_at.is_null())
            .returning(Reporter.id)
        ]
    )
    await append(AuditRecord("personal_data.consent_withdrawn", vault.label(key_id), actor))
    return len(rows)


class PrivacyController(Controller):
    """The privacy notice, and the citizen's rights over their data."""

    path = "/v1/privacy"
    tags = ["personal data"]

    @get("/notice", operation_id="getPrivacyNotice", opt=dict(PUBLIC), summary="Privacy notice")
    async def notice(self, request: Request) -> dict[str, Any]:
        """The notice filing apps show: versions, purposes, basis, retention, grievance time."""
        policy = request.app.state.policy.privacy(request.app.state.settings.city)
        return {
            "current_version": CURRENT_NOTICE,
            "versions": {v: list(p) for v, p in NOTICES.items()},
            "purposes": PURPOSES,
            "legal_basis": policy.legal_basis,
            "erasure": policy.erasure,
            "retention_days_after_closure": policy.retention_days,
            "grievance_response_days": policy.grievance_days,
            "grievance_response_days_at_most": MAX_GRIEVANCE_DAYS,
        }

    @post("/access", operation_id="accessMyData", opt=dict(PUBLIC), status_code=200,
          summary="See and export what CivicOps holds about you",
          responses=answers(403))  # fmt: skip
    async def access(self, data: ProofIn) -> dict[str, Any]:
        """What CivicOps holds about the token's holder, as JSON (the read is audited)."""
        key_id, actor = await _citizen(data.tracking_id, data.token)
        await append(AuditRecord("personal_data.access", data.tracking_id.upper(), actor))
        return await held(key_id)

    @post("/correct", operation_id="correctMyData", opt=dict(PUBLIC), status_code=200,
          summary="Correct your contact details", responses=answers(403, 404))  # fmt: skip
    async def correct(self, data: CorrectIn) -> dict[str, Any]:
        """Reseal the holder's contact details with the corrections (audited)."""
        key_id, actor = await _citizen(data.tracking_id, data.token)
        key = await vault.data_key(key_id) if key_id is not None else None
        if key is None:
            raise FieldError(
                "token", "no contact details are held for this filing", status_code=404
            )
        changes = {f: getattr(data, f) for f in ("name", "phone", "email") if getattr(data, f)}
        if not changes:
            raise FieldError("name", "give name, phone or email to correct")
        await vault.reseal(key_id, key, changes)
        await append(AuditRecord("personal_data.corrected", vault.label(key_id), actor,
                                 {"fields": sorted(changes)}))  # fmt: skip
        return await held(key_id)

    @post("/erase", operation_id="eraseMyData", opt=dict(PUBLIC), status_code=200,
          summary="Erase your personal data (crypto-shredding)",
          responses=answers(403, 409))  # fmt: skip
    async def erase(self, request: Request, data: ProofIn) -> dict[str, Any]:
        """Destroy the holder's data key: their details are unreadable everywhere at once."""
        await _may_erase(request, data.tracking_id)
        key_id, actor = await _citizen(data.tracking_id, data.token)
        done = await _erase(request, key_id, "citizen asked", actor)
        return {"erased": bool(done), "cases_kept": True}

    @post("/withdraw", operation_id="withdrawConsent", opt=dict(PUBLIC), status_code=200,
          summary="Withdraw consent: no more messages, data erased",
          responses=answers(403))  # fmt: skip
    async def withdraw(self, data: ProofIn) -> dict[str, Any]:
        """Withdraw consent as easily as it was given: messages stop, data marked for erasure."""
        key_id, actor = await _citizen(data.tracking_id, data.token)
        return {"withdrawn": await withdraw_consent(key_id, actor) > 0 or key_id is None}

    @post("/grievances", operation_id="lodgeGrievance", opt=dict(PUBLIC), status_code=201,
          summary="Lodge a grievance about your data", responses=answers(403))  # fmt: skip
    async def grievance(self, request: Request, data: GrievanceIn) -> dict[str, Any]:
        """Record a grievance, sealed, due within the city's published response time."""
        key_id, actor = await _citizen(data.tracking_id, data.token)
        if key_id is None:
            key_id, _ = await vault.citizen_key(None, None)
        key = await vault.data_key(key_id)
        assert key is not None
        policy = await _policy_of(request, data.tracking_id)
        now = datetime.now(UTC)
        reference = "PG-" + secrets.token_hex(5).upper()
        row = PrivacyGrievance(
            reference=reference, citizen_key=key_id, tracking_id=data.tracking_id.upper(),
            text_sealed=vault.seal_text(key, key_id, "grievance", data.text),
            lodged_via="citizen_token", lodged_at=now,
            due_at=now + timedelta(days=policy.grievance_days),
        )  # fmt: skip
        audit = AuditRecord("privacy.grievance_lodged", reference, actor,
                            {"due_at": row.due_at.isoformat()})  # fmt: skip
        await write([PrivacyGrievance.insert(row)])
        await append(audit)
        return {"reference": reference, "due_at": row.due_at.isoformat(), "status": "open"}

    @post("/in-person", operation_id="actInPerson", opt=roles(Role.OFFICIAL), status_code=200,
          summary="Act for a citizen verified in person (officials, audited)",
          responses=answers(404, 409))  # fmt: skip
    async def in_person(self, request: Request, data: InPersonIn) -> dict[str, Any]:
        """An official acts for a citizen they verified in person; what they checked is kept."""
        principal = current_principal(request)
        wanted = data.tracking_id.strip().upper()
        case = (
            await Complaint.select(Complaint.reporter)
            .where(Complaint.tracking_id == wanted)
            .first()
        )
        if case is None:
            raise FieldError("tracking_id", f"no complaint {wanted}", status_code=404)
        key_id = None
        if case["reporter"]:
            row = (
                await Reporter.select(Reporter.citizen_key)
                .where(Reporter.id == case["reporter"])
                .first()
            )
            key_id = row["citizen_key"] if row else None
        actor = f"{principal.actor} (in person: {data.verified_how.strip()})"
        if data.action == "erase":
            await _may_erase(request, wanted)
            done = await _erase(request, key_id, "in person", actor)
            return {"erased": bool(done)}
        if data.action == "withdraw":
            return {"withdrawn": await withdraw_consent(key_id, actor) > 0}
        await append(AuditRecord("personal_data.access", wanted, actor))
        return await held(key_id)


GRIEVANCE_COLUMNS = (
    PrivacyGrievance.reference,
    PrivacyGrievance.tracking_id,
    PrivacyGrievance.lodged_via,
    PrivacyGrievance.lodged_at,
    PrivacyGrievance.due_at,
    PrivacyGrievance.status,
    PrivacyGrievance.answered_at,
    PrivacyGrievance.answer,
)


def _grievance_view(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    """A grievance as officials list it: dates in ISO, overdue when open past its due date."""
    shown = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()}
    shown["overdue"] = row["status"] == "open" and row["due_at"] < now
    return shown


class GrievanceController(Controller):
    """Privacy grievances as the officials who answer them see them (due dates first)."""

    path = "/v1/privacy/grievances"
    tags = ["personal data"]

    @get("/", operation_id="listGrievances", opt=roles(Role.OFFICIAL),
         summary="Privacy grievances, soonest due first")  # fmt: skip
    async def list_open(self, status: str = "open") -> dict[str, Any]:
        """Grievances by status (open, answered or all), soonest due first; no text."""
        if status not in ("open", "answered", "all"):
            raise FieldError("status", "must be open, answered or all")
        query = PrivacyGrievance.select(*GRIEVANCE_COLUMNS).order_by(PrivacyGrievance.due_at)
        if status != "all":
            query = query.where(PrivacyGrievance.status == status)
        now = datetime.now(UTC)
        return {"grievances": [_grievance_view(r, now) for r in await query.limit(500)]}

    @get("/{reference:str}", operation_id="readGrievance", opt=roles(Role.OFFICIAL),
         summary="One grievance; its text for a stated purpose (audited)",
         responses=answers(404))  # fmt: skip
    async def read(
        self, request: Request, reference: Reference, purpose: Purpose = None
    ) -> dict[str, Any]:
        """One grievance; with a purpose, its text opened (the read is audited first)."""
        row = (
            await PrivacyGrievance.select(
                *GRIEVANCE_COLUMNS, PrivacyGrievance.citizen_key, PrivacyGrievance.text_sealed
            )
            .where(PrivacyGrievance.reference == reference)
            .first()
        )
        if row is None:
            raise FieldError("reference", f"no grievance {reference}", status_code=404)
        shown = _grievance_view({k: row[k] for k in row if k not in ("citizen_key", "text_sealed")},
                                datetime.now(UTC))  # fmt: skip
        if purpose is not None and purpose.strip():
            actor = current_principal(request).actor
            await append(AuditRecord("personal_data.read", reference, actor,
                                     {"purpose": purpose.strip()}))  # fmt: skip
            key = await vault.data_key(row["citizen_key"]) if row["citizen_key"] else None
            shown["text"] = (vault.open_text(key, row["citizen_key"], "grievance",
                                             row["text_sealed"]) if key else None)  # fmt: skip
        return shown

    @post("/{reference:str}/answer", operation_id="answerGrievance", opt=roles(Role.OFFICIAL),
          status_code=200, summary="Answer a grievance", responses=answers(404, 409))  # fmt: skip
    async def answer(
        self, request: Request, reference: Reference, data: AnswerIn
    ) -> dict[str, Any]:
        """Record the answer (personal data in it masked); a grievance is answered once."""
        now = datetime.now(UTC)
        [rows] = await write([
            PrivacyGrievance.update({PrivacyGrievance.status: "answered",
                                     PrivacyGrievance.answered_at: now,
                                     PrivacyGrievance.answer: pii.mask(data.answer)})
            .where((PrivacyGrievance.reference == reference)
                   & (PrivacyGrievance.status == "open"))
            .returning(PrivacyGrievance.due_at)
        ])  # fmt: skip
        if not rows:
            exists = await PrivacyGrievance.exists().where(PrivacyGrievance.reference == reference)
            if not exists:
                raise FieldError("reference", f"no grievance {reference}", status_code=404)
            raise HTTPException(f"reference: {reference} is already answered", status_code=409)
        late = rows[0]["due_at"] < now
        await append(AuditRecord("privacy.grievance_answered", reference,
                                 current_principal(request).actor, {"late": late}))  # fmt: skip
        return {"reference": reference, "status": "answered", "late": late}
