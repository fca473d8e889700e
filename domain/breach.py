"""Personal-data breach rules (DPDP Act 2023 s.8(6); DPDP Rules 2025, Rule 7).

A breach is reported to the Data Protection Board in detail within 72 hours of becoming aware
of it (Rule 7(2)(b)); every affected citizen is told without delay (Rule 7(1)), by SMS where
a phone number is kept, else by email, else not at all ("none": no contact left). Until the
report is filed the data-protection officer is reminded every 12 hours, and once the 72
hours pass the case is marked overdue, once. The breach workflow (workflows/breach.py), its
activities and the `civicops breach` commands read these rules here.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

IST = timezone(timedelta(hours=5, minutes=30), "IST")
REPORT_WINDOW = timedelta(hours=72)  # Rule 7(2)(b)
REMINDER_EVERY = timedelta(hours=12)
MAX_REPORT_CHARS = 100_000  # a report travels through workflow history; longer goes to a file
SMS, EMAIL, NONE = "sms", "email", "none"
CHANNELS = (SMS, EMAIL, NONE)
OWED = "owed"
_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud over a phone


def new_breach_id(now: datetime) -> str:
    """A fresh breach id such as BR-20261203-7KQ2 (the IST date it was opened)."""
    tail = "".join(secrets.choice(_ALPHABET) for _ in range(4))
    return f"BR-{now.astimezone(IST):%Y%m%d}-{tail}"


def workflow_id(breach_id: str) -> str:
    """The breach workflow's id: one per breach, ever."""
    return f"breach-{breach_id}"


def report_due(discovered_at: datetime) -> datetime:
    """When the report to the Board is due: 72 hours after the breach was discovered."""
    return discovered_at + REPORT_WINDOW


def channel(has_phone: bool, has_email: bool) -> str:
    """How a citizen is told: SMS where a phone is kept, else email, else "none"."""
    return SMS if has_phone else EMAIL if has_email else NONE


def report_problem(text: str) -> str | None:
    """What is wrong with a report's text, or None (the update's validator and its re-check)."""
    if not text or not text.strip():
        return "the report is empty"
    if len(text) > MAX_REPORT_CHARS:
        return f"the report is longer than {MAX_REPORT_CHARS} characters"
    return None


def notice_key(breach_id: str, key_id: int) -> str:
    """The event key of the notice a breach owes one citizen (one per breach and citizen)."""
    return f"{breach_id}:{key_id}"


def parse_breach_id(text: str) -> str | None:
    """The breach id in `text` (any case, spaces around it), or None if it is not one."""
    value = text.strip().upper()
    head, _, tail = value.rpartition("-")
    prefix, _, day = head.partition("-")
    if prefix != "BR" or len(day) != 8 or not day.isdigit():
        return None
    if len(tail) != 4 or any(c not in _ALPHABET for c in tail):
        return None
    return value


# The breach workflow's messages (workflows/breach.py).


@dataclass
class BreachProgress:
    """Where the breach is: set by the workflow, carried across continue-as-new."""

    opened_at: datetime | None = None  # also the instant the affected citizens are listed at
    affected: int | None = None
    notices: dict[str, int] = field(default_factory=dict)
    reminders: int = 0
    next_reminder_at: datetime | None = None
    overdue: bool = False
    opened: bool = False  # the breach is recorded and its notices owed
    filed_at: datetime | None = None
    filed_by: str | None = None


@dataclass
class BreachInput:
    """The breach as opened (`civicops breach open`), and its progress after continue-as-new."""

    breach_id: str
    summary: str
    discovered_at: datetime
    opened_by: str
    city: str | None = None
    progress: BreachProgress | None = None


@dataclass
class FileReport:
    """The `file_report` update: the report's text and who files it."""

    text: str
    filed_by: str


@dataclass
class BreachSummary:
    """What the workflow returns once the report is filed (and `file_report` answers)."""

    breach_id: str
    discovered_at: datetime
    report_due_at: datetime
    affected: int
    notices: dict[str, int]
    reminders: int
    overdue: bool
    filed_at: datetime | None
    filed_by: str | None
