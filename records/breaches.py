"""Breach records: the case row, the citizens it affects, the notices owed them, its status.

Every write is idempotent, so the breach workflow's activities may run again after a crash:
the case row and each notice are inserted ON CONFLICT DO NOTHING, the filed report is set
once, and each step's audit entry carries a dedupe key (`<breach id>:<step>`), so a retried
write appends nothing twice.

**Who is affected.** Every citizen key that held live data when the breach was listed
(`as_of`, fixed in the workflow's input so a retried step lists the same citizens): made by
then, and not shredded by then. `city` limits it to citizens who filed or joined a case in
that city. Keys are read in pages of PAGE, so a city of millions never sits in memory.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from piccolo.query.functions.aggregate import Count

from domain import breach as rules
from domain.rollup import as_aware
from records.audit import AuditRecord
from records.audit import seal as seal_audit
from records.db import write
from records.tables import (
    AuditEntry,
    BreachCase,
    BreachNotice,
    CaseReport,
    CitizenKey,
    Complaint,
    Reporter,
)

PAGE = 1000


def dedupe_key(breach_id: str, step: str) -> str:
    """The audit entry's dedupe key of one step of one breach."""
    return f"{breach_id}:{step}"


def entry(
    breach_id: str, action: str, step: str, actor: str, detail: dict[str, Any]
) -> AuditRecord:
    """One step's audit entry, about the breach, appended once however often it is written."""
    return AuditRecord(
        action=action,
        subject=breach_id,
        actor=actor,
        detail=detail,
        dedupe_key=dedupe_key(breach_id, step),
    )


async def open_case(
    breach_id: str,
    summary: str,
    discovered_at: datetime,
    opened_by: str,
    audit: AuditRecord,
) -> None:
    """Insert the breach's row, its report due 72 hours after discovery (once)."""
    row = BreachCase(
        breach_id=breach_id,
        summary=summary,
        discovered_at=discovered_at,
        opened_by=opened_by,
        report_due_at=rules.report_due(discovered_at),
        status="open",
    )
    await write(
        [BreachCase.insert(row).on_conflict(target=BreachCase.breach_id, action="DO NOTHING")],
        audit=[audit],
    )


async def _keys_in_city(key_ids: list[int], city: str) -> set[int]:
    """Those of the keys with a reporter row that filed or joined a case in the city."""
    found: set[int] = set()
    filed = await Complaint.select(Complaint.reporter.citizen_key.as_alias("key_id")).where(
        Complaint.reporter.citizen_key.is_in(key_ids) & (Complaint.city == city)
    )
    found.update(r["key_id"] for r in filed)
    joined = await CaseReport.select(
        CaseReport.reporter.citizen_key.as_alias("key_id"), CaseReport.tracking_id
    ).where(CaseReport.reporter.citizen_key.is_in(key_ids))
    tracking = {r["tracking_id"] for r in joined if r["key_id"] not in found}
    if tracking:
        here = await Complaint.select(Complaint.tracking_id).where(
            Complaint.tracking_id.is_in(sorted(tracking)) & (Complaint.city == city)
        )
        here_ids = {r["tracking_id"] for r in here}
        found.update(r["key_id"] for r in joined if r["tracking_id"] in here_ids)
    return found


async def affected_pages(as_of: datetime, city: str | None) -> AsyncIterator[list[int]]:
    """The affected citizen key ids (module docstring), a page at a time, in order."""
    after = 0
    while True:
        rows = (
            await CitizenKey.select(
                CitizenKey.id, CitizenKey.wrapped, CitizenKey.created_at, CitizenKey.shredded_at
            )
            .where(CitizenKey.id > after)
            .order_by(CitizenKey.id)
            .limit(PAGE)
        )
        if not rows:
            return
        after = rows[-1]["id"]
        live = []
        for row in rows:
            made, shredded = as_aware(row["created_at"]), as_aware(row["shredded_at"])
            if made is not None and made > as_of:
                continue  # made after the listing
            if row["wrapped"] is not None or (shredded is not None and shredded > as_of):
                live.append(row["id"])
        if live and city is not None:
            inside = await _keys_in_city(live, city)
            live = [k for k in live if k in inside]
        if live:
            yield live


async def count_affected(as_of: datetime, city: str | None) -> int:
    """How many citizens the breach affects."""
    total = 0
    async for page in affected_pages(as_of, city):
        total += len(page)
    return total


async def record_affected(breach_id: str, affected: int, audit: AuditRecord) -> None:
    """Keep the number of affected citizens on the breach's row, with its audit entry."""
    await write(
        [
            BreachCase.update({BreachCase.affected: affected}).where(
                BreachCase.breach_id == breach_id
            )
        ],
        audit=[audit],
    )


async def _channels(key_ids: list[int]) -> dict[int, str]:
    """How each citizen is told: by SMS if any reporter row keeps a phone, else email."""
    phones = await Reporter.select(Reporter.citizen_key).where(
        Reporter.citizen_key.is_in(key_ids) & Reporter.phone_sealed.is_not_null()
    )
    emails = await Reporter.select(Reporter.citizen_key).where(
        Reporter.citizen_key.is_in(key_ids) & Reporter.email_sealed.is_not_null()
    )
    with_phone = {r["citizen_key"] for r in phones}
    with_email = {r["citizen_key"] for r in emails}
    return {k: rules.channel(k in with_phone, k in with_email) for k in key_ids}


async def record_notices(breach_id: str, as_of: datetime, city: str | None) -> None:
    """One owed notice per affected citizen (a notice already recorded is kept as it is)."""
    async for page in affected_pages(as_of, city):
        channels = await _channels(page)
        rows = [
            BreachNotice(
                event_key=rules.notice_key(breach_id, key_id),
                breach_id=breach_id,
                citizen_key=key_id,
                channel=channels[key_id],
                status=rules.OWED,
            )
            for key_id in page
        ]
        await write(
            [
                BreachNotice.insert(*rows).on_conflict(
                    target=BreachNotice.event_key, action="DO NOTHING"
                )
            ]
        )


async def notices_by_channel(breach_id: str) -> dict[str, int]:
    """How many notices the breach owes (or has sent) on each channel."""
    rows = (
        await BreachNotice.select(BreachNotice.channel, Count(BreachNotice.id, alias="n"))
        .where(BreachNotice.breach_id == breach_id)
        .group_by(BreachNotice.channel)
    )
    counts = dict.fromkeys(rules.CHANNELS, 0)
    counts.update({r["channel"]: r["n"] for r in rows})
    return counts


async def note(audit: AuditRecord) -> None:
    """Append a step's audit entry that changes no row (a reminder, the overdue mark)."""
    await write([], audit=[audit])


def digest(text: str) -> str:
    """The SHA-256 of a report's text, which its audit entry carries instead of the text."""
    return hashlib.sha256(text.encode()).hexdigest()


async def file_report(breach_id: str, text: str, filed_at: datetime, audit: AuditRecord) -> None:
    """Store the report on the breach's row and mark it reported (the first filing stays)."""
    await write(
        [
            BreachCase.update(
                {
                    BreachCase.report: text,
                    BreachCase.report_filed_at: filed_at,
                    BreachCase.status: "reported",
                }
            ).where((BreachCase.breach_id == breach_id) & BreachCase.report_filed_at.is_null())
        ],
        audit=[audit],
    )


@dataclass(frozen=True)
class BreachStatus:
    """What `civicops breach status` prints."""

    breach_id: str
    status: str
    summary: str
    discovered_at: str
    report_due_at: str
    overdue: bool
    affected: int
    notices: dict[str, int]
    reminders_sent: int
    filed: bool
    report_filed_at: str | None


async def status(breach_id: str, now: datetime | None = None) -> BreachStatus | None:
    """The breach as the records hold it, or None if there is no such breach."""
    row = await BreachCase.select().where(BreachCase.breach_id == breach_id).first()
    if row is None:
        return None
    await seal_audit()  # chain reminders still pending, so every one is counted
    reminders = await AuditEntry.count().where(
        (AuditEntry.subject == breach_id) & (AuditEntry.action == "breach.reminder")
    )
    discovered, due = as_aware(row["discovered_at"]), as_aware(row["report_due_at"])
    filed = as_aware(row["report_filed_at"])
    assert discovered is not None and due is not None
    at = now or datetime.now(UTC)
    return BreachStatus(
        breach_id=breach_id,
        status=row["status"],
        summary=row["summary"],
        discovered_at=discovered.astimezone(rules.IST).isoformat(),
        report_due_at=due.astimezone(rules.IST).isoformat(),
        overdue=(filed or at) > due,  # filed late, or not filed and past due
        affected=row["affected"],
        notices=await notices_by_channel(breach_id),
        reminders_sent=reminders,
        filed=filed is not None,
        report_filed_at=filed.astimezone(rules.IST).isoformat() if filed else None,
    )
