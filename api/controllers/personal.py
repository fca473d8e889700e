"""Citizens' contact details: officials may read them for a stated purpose, and every read is
appended to the audit log before the details are returned."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Controller, Request, get
from litestar.exceptions import NotFoundException
from litestar.params import QueryParameter

from api.auth import current_principal, roles
from api.controllers.complaints import TrackingId, check_tracking_id
from api.errors import FieldError
from domain.roles import Role
from records.audit import AuditRecord, append
from records.tables import CaseReport, Complaint, Reporter

Purpose = Annotated[
    str,
    QueryParameter(
        description="Why the details are needed (kept in the audit log), e.g. 'site visit'",
        min_length=5,
        max_length=200,
    ),
]


class ContactView(msgspec.Struct):
    """One filing's contact details."""

    filing_id: str
    kind: str  # original, recomplaint or linked
    filed_at: datetime
    name: str | None
    phone: str | None
    email: str | None


class ContactsView(msgspec.Struct):
    """The people who reported a case, and the audit entry this read made."""

    tracking_id: str
    contacts: list[ContactView]
    audited_as: str


class ContactController(Controller):
    """Read who reported a case (officials only, always audited)."""

    path = "/v1/complaints"
    tags = ["personal data"]

    @get(
        "/{tracking_id:str}/contact",
        operation_id="getComplaintContacts",
        opt=roles(Role.OFFICIAL),
        summary="Reporters' contact details (audited)",
    )
    async def contacts(
        self, request: Request, tracking_id: TrackingId, purpose: Purpose
    ) -> ContactsView:
        """Contact details of everyone who filed this case; the read is audited first."""
        tracking_id = check_tracking_id(tracking_id)
        if not purpose.strip():
            raise FieldError("purpose", "must say why the details are needed")
        case = await Complaint.select(Complaint.reporter, Complaint.filed_at).where(
            Complaint.tracking_id == tracking_id
        )
        if not case:
            raise NotFoundException(f"no complaint {tracking_id}")
        filings: list[tuple[str, str, datetime, int | None]] = [
            (tracking_id, "original", case[0]["filed_at"], case[0]["reporter"])
        ]
        reports = await (
            CaseReport.select(
                CaseReport.filing_id, CaseReport.kind, CaseReport.filed_at, CaseReport.reporter
            )
            .where((CaseReport.tracking_id == tracking_id) & (CaseReport.filing_id != tracking_id))
            .order_by(CaseReport.filed_at)
        )
        filings += [(r["filing_id"], r["kind"], r["filed_at"], r["reporter"]) for r in reports]
        ids = [f[3] for f in filings if f[3] is not None]
        people = {
            r["id"]: r
            for r in await Reporter.select(
                Reporter.id, Reporter.name, Reporter.phone, Reporter.email
            ).where(Reporter.id.is_in(ids or [-1]))
        }
        principal = current_principal(request)
        await append(
            AuditRecord(
                action="personal_data.read",
                subject=tracking_id,
                actor=principal.actor,
                detail={"purpose": purpose.strip(), "reporters": sorted(people)},
            )
        )
        contacts = [
            ContactView(
                filing_id,
                kind,
                filed_at,
                people[rid]["name"] if rid in people else None,
                people[rid]["phone"] if rid in people else None,
                people[rid]["email"] if rid in people else None,
            )
            for filing_id, kind, filed_at, rid in filings
        ]
        return ContactsView(tracking_id, contacts, "personal_data.read")
