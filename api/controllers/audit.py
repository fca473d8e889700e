"""The audit log: its published head, its entries for auditors, and a full verification."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, get
from litestar.params import QueryParameter

from api.auth import PUBLIC, roles
from domain.ids import MAX_ROW_ID
from domain.roles import Role
from records import audit as audit_log

AUDITORS = roles(Role.AUDITOR)


class AuditHead(msgspec.Struct):
    """The newest link of the chain: keep a copy elsewhere to make rewriting evident."""

    seq: int
    entry_hash: str
    at: datetime | None
    algorithm: str = "sha256 over canonical JSON including prev_hash"


class AuditEntryView(msgspec.Struct):
    """One link of the chain, with everything needed to recompute its hash."""

    seq: int
    at: datetime
    actor: str
    action: str
    subject: str
    detail: dict[str, Any]
    dedupe_key: str | None
    prev_hash: str
    entry_hash: str


class AuditVerdict(msgspec.Struct):
    """The result of checking every link."""

    ok: bool
    entries: int
    head_seq: int
    head_hash: str
    broken_seq: int | None
    reason: str | None


class AuditController(Controller):
    """Read the tamper-evident audit log."""

    path = "/v1/audit"
    tags = ["audit"]

    @get("/head", operation_id="getAuditHead", opt=PUBLIC, summary="Current audit head")
    async def head(self) -> AuditHead:
        """The current head (sequence number and hash); public, so copies can be kept."""
        await audit_log.seal()  # what is committed is published
        h = await audit_log.head()
        return AuditHead(h["seq"], h["entry_hash"], h["at"])

    @get("/entries", operation_id="listAuditEntries", opt=AUDITORS, summary="Audit entries")
    async def entries(
        self,
        after: Annotated[
            int, QueryParameter(ge=0, le=MAX_ROW_ID, description="Entries after this seq")
        ] = 0,
        limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100,
        subject: Annotated[str | None, QueryParameter(max_length=200)] = None,
    ) -> list[AuditEntryView]:
        """Entries oldest first, for auditors to copy and recompute (auditor, admin)."""
        await audit_log.seal()
        rows = await audit_log.entries(after, limit, subject)
        return [
            AuditEntryView(
                r["seq"],
                r["at"],
                r["actor"],
                r["action"],
                r["subject"],
                r["detail"] if isinstance(r["detail"], dict) else {},
                r["dedupe_key"],
                r["prev_hash"],
                r["entry_hash"],
            )
            for r in rows
        ]

    @get("/verify", operation_id="verifyAudit", opt=AUDITORS, summary="Verify the chain")
    async def verify(self) -> AuditVerdict:
        """Recompute every link and name the first broken one (auditor, admin)."""
        await audit_log.seal()
        v = await audit_log.verify()
        return AuditVerdict(v.ok, v.entries, v.head_seq, v.head_hash, v.broken_seq, v.reason)
