"""Citizens' contact details: officials see them masked (+91 98XXX XX345); revealing them needs
a stated purpose, and every reveal is appended to the audit log before the details are returned
(DPDP Rule 6; domain/privacy.py VISIBILITY). Details are opened from their seal
(records/vault.py); an erased citizen's are gone."""

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
from domain import pii
from domain.roles import Role
from records import vault
from records.audit import AuditRecord, append
from records.tables import CaseReport, Complaint

Purpose = Annotated[
    str | None,
    QueryParameter(
        description="Why the details are needed (kept in the audit log), e.g. 'site visit'; "
        "without it the details come masked",
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
    masked: bool  # True: masks only; state a purpose to reveal
    erased: bool = False  # the citizen's data was erased (crypto-shredded)
    notice_version: str | None = None
    legal_basis: str | None = None
    original_description: str | None = None  # revealed only, when masking changed it
    original_address: str | None = None


class ContactsView(msgspec.Struct):
    """The people who reported a case, and the audit entry this read made."""

    tracking_id: str
    contacts: list[ContactView]
    audited_as: str | None  # "personal_data.read" when revealed; None for masks


class ContactController(Controller):
    """Read who reported a case (officials only, always audited)."""

    path = "/v1/complaints"
    tags = ["personal data"]

    @get(
        "/{tracking_id:str}/contact",
        operation_id="getComplaintContacts",
        opt=roles(Role.OFFICIAL),
        summary="Reporters' contact details: masked, or revealed for a purpose (audited)",
    )
    async def contacts(
        self, request: Request, tracking_id: TrackingId, purpose: Purpose = None
    ) -> ContactsView:
        """Contact details of everyone who filed this case: masked, or revealed for a stated
        purpose (the reveal is audited first)."""
        tracking_id = check_tracking_id(tracking_id)
        reveal = purpose is not None
        if reveal and not purpose.strip():
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
        people = await vault.open_reporters(f[3] for f in filings if f[3] is not None)
        if reveal:
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
            _view(filing_id, kind, filed_at, people.get(rid) if rid else None, reveal)
            for filing_id, kind, filed_at, rid in filings
        ]
        return ContactsView(tracking_id, contacts, "personal_data.read" if reveal else None)


def _view(
    filing_id: str, kind: str, filed_at: datetime, person: dict | None, reveal: bool
) -> ContactView:
    """One filing's details: in the clear when revealed, else masked (nothing if erased)."""
    if person is None:
        return ContactView(filing_id, kind, filed_at, None, None, None, masked=not reveal)
    name, phone, email = person["name"], person["phone"], person["email"]
    common = {
        "masked": not reveal,
        "erased": person["erased_at"] is not None,
        "notice_version": person["notice_version"],
        "legal_basis": person["legal_basis"],
    }
    if reveal:
        return ContactView(filing_id, kind, filed_at, name, phone, email,
                           original_description=person["description"],
                           original_address=person["address"], **common)  # fmt: skip
    return ContactView(
        filing_id,
        kind,
        filed_at,
        pii.mask_name(name) if name else None,
        pii.mask_phone(phone) if phone else None,
        pii.mask_email(email) if email else None,
        **common,
    )
