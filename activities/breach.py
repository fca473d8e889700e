"""Breach activities: open the case, list the affected, owe them notices, remind, file the report.

Each is idempotent (records/breaches.py): a retried activity inserts no second row and, since
each step's audit entry has a dedupe key, appends no second entry. The reminder only writes
to the audit chain and the log for now; the message to the data-protection officer goes
through the outbox of the channels issue later.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from temporalio import activity

from activities.running import resilient
from domain import breach as rules
from records import breaches

log = logging.getLogger("civicops.breach")

ACTOR = "breach workflow"


@dataclass
class OpenBreachInput:
    """The breach as the operator opened it."""

    breach_id: str
    summary: str
    discovered_at: datetime
    opened_by: str
    city: str | None = None


@dataclass
class AffectedInput:
    """Whom to list (or owe notices): citizens with live data at `as_of`, maybe of one city."""

    breach_id: str
    as_of: datetime
    city: str | None = None


@dataclass
class NoticesRecorded:
    """The notices the breach owes, by channel."""

    by_channel: dict[str, int] = field(default_factory=dict)


@dataclass
class ReminderInput:
    """The n-th reminder to the data-protection officer."""

    breach_id: str
    number: int
    due_at: datetime
    at: datetime
    overdue: bool = False


@dataclass
class OverdueInput:
    """The 72 hours passed without a report."""

    breach_id: str
    due_at: datetime
    at: datetime


@dataclass
class FileReportInput:
    """The report to the Data Protection Board, as filed."""

    breach_id: str
    text: str
    filed_by: str
    filed_at: datetime


class BreachActivities:
    """The breach workflow's side effects (records/breaches.py holds the queries)."""

    @activity.defn(name="open_breach")
    @resilient
    async def open_breach(self, data: OpenBreachInput) -> None:
        """Record the breach's row, its report due 72 hours after discovery."""
        due = rules.report_due(data.discovered_at)
        audit = breaches.entry(
            data.breach_id,
            "breach.opened",
            "opened",
            data.opened_by,
            {
                "summary_sha256": breaches.digest(data.summary),
                "discovered_at": data.discovered_at.isoformat(),
                "report_due_at": due.isoformat(),
                "city": data.city,
            },
        )
        await breaches.open_case(
            data.breach_id, data.summary, data.discovered_at, data.opened_by, audit
        )
        log.warning("breach %s opened; report due %s", data.breach_id, due.isoformat())

    @activity.defn(name="list_affected")
    @resilient
    async def list_affected(self, data: AffectedInput) -> int:
        """Count the citizens with live data (of the city, if one is named); how many."""
        affected = await breaches.count_affected(data.as_of, data.city)
        audit = breaches.entry(
            data.breach_id,
            "breach.affected_listed",
            "affected_listed",
            ACTOR,
            {"affected": affected, "as_of": data.as_of.isoformat(), "city": data.city},
        )
        await breaches.record_affected(data.breach_id, affected, audit)
        return affected

    @activity.defn(name="record_breach_notices")
    @resilient
    async def record_notices(self, data: AffectedInput) -> NoticesRecorded:
        """Owe each affected citizen one notice, by SMS, email or none; the counts."""
        await breaches.record_notices(data.breach_id, data.as_of, data.city)
        counts = await breaches.notices_by_channel(data.breach_id)
        await breaches.note(
            breaches.entry(
                data.breach_id,
                "breach.notices_recorded",
                "notices_recorded",
                ACTOR,
                {"by_channel": counts, "total": sum(counts.values())},
            )
        )
        return NoticesRecorded(counts)

    @activity.defn(name="remind_breach_officer")
    @resilient
    async def remind(self, data: ReminderInput) -> None:
        """Remind the data-protection officer that the report is owed (audit entry and log)."""
        await breaches.note(
            breaches.entry(
                data.breach_id,
                "breach.reminder",
                f"reminder:{data.number}",
                ACTOR,
                {
                    "number": data.number,
                    "report_due_at": data.due_at.isoformat(),
                    "overdue": data.overdue,
                    "at": data.at.isoformat(),
                },
            )
        )
        log.warning(
            "breach %s: report to the Data Protection Board %s %s (reminder %d)",
            data.breach_id,
            "was due" if data.overdue else "is due",
            data.due_at.astimezone(rules.IST).isoformat(),
            data.number,
        )

    @activity.defn(name="mark_breach_overdue")
    @resilient
    async def mark_overdue(self, data: OverdueInput) -> None:
        """Record, once, that the 72 hours passed without a report."""
        await breaches.note(
            breaches.entry(
                data.breach_id,
                "breach.report_overdue",
                "overdue",
                ACTOR,
                {"report_due_at": data.due_at.isoformat(), "at": data.at.isoformat()},
            )
        )
        log.error("breach %s: the report to the Board is overdue", data.breach_id)

    @activity.defn(name="file_breach_report")
    @resilient
    async def file_report(self, data: FileReportInput) -> None:
        """Store the report on the breach (status reported); its audit entry has its digest."""
        audit = breaches.entry(
            data.breach_id,
            "breach.report_filed",
            "report_filed",
            data.filed_by,
            {
                "report_sha256": breaches.digest(data.text),
                "chars": len(data.text),
                "filed_at": data.filed_at.isoformat(),
            },
        )
        await breaches.file_report(data.breach_id, data.text, data.filed_at, audit)

    def all(self) -> list:
        """Every activity of the breach workflow, for the worker."""
        return [
            self.open_breach,
            self.list_affected,
            self.record_notices,
            self.remind,
            self.mark_overdue,
            self.file_report,
        ]
