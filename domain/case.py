"""The state of one complaint case, as the workflow holds it and the API shows it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Status(StrEnum):
    """Where a case is in its lifecycle (see DESIGN.md's state machine)."""

    FILED = "FILED"
    TRIAGED = "TRIAGED"
    ASSIGNED = "ASSIGNED"
    NOTICE_ISSUED = "NOTICE_ISSUED"
    OUTSIDE_CITY = "OUTSIDE_CITY"
    WITHDRAWN = "WITHDRAWN"


TERMINAL: frozenset[Status] = frozenset({Status.OUTSIDE_CITY, Status.WITHDRAWN})


@dataclass
class Complaint:
    """What the citizen reported. Contact details stay in the database (reporter_id only)."""

    tracking_id: str
    city: str
    category: str
    description: str
    latitude: float
    longitude: float
    language: str
    filed_at: datetime
    source: str
    reporter_id: int | None = None
    address: str | None = None
    filed_by: str | None = None  # id of the API key that filed it


@dataclass
class Assignment:
    """The ward that contains the complaint and the official who now owns it."""

    ward_id: str
    ward_name: str
    zone: str
    official_id: int
    official_name: str
    designation: str
    level: int
    match: str
    distance_m: float = 0.0


@dataclass
class CaseEvent:
    """One step of the case's life, as recorded in the event log."""

    revision: int
    kind: str
    status: Status
    at: datetime
    actor: str
    detail: dict[str, str | int | float | None] = field(default_factory=dict)


@dataclass
class NoticeRef:
    """A signed notice of this case; the PDF itself is in S3 under s3_key."""

    notice_id: str
    kind: str
    level: int
    key_id: str
    s3_key: str
    pdf_sha256: str
    issued_at: datetime


@dataclass
class CaseState:
    """Everything the workflow knows; also its input, so continue-as-new carries it whole."""

    complaint: Complaint
    status: Status = Status.FILED
    priority: int | None = None
    assignment: Assignment | None = None
    escalation_level: int = 0
    sla_due_at: datetime | None = None
    closed_reason: str | None = None
    revision: int = 0
    updated_at: datetime | None = None
    notices: list[NoticeRef] = field(default_factory=list)
    # The most recent events only; the full log is in the database and in Temporal history.
    recent_events: list[CaseEvent] = field(default_factory=list)

    @property
    def is_terminal(self) -> bool:
        """True once the case can change no more."""
        return self.status in TERMINAL


@dataclass
class WithdrawRequest:
    """Ask to withdraw a case (duplicate, filed in error, not a civic issue)."""

    reason: str
    actor: str
    key_id: str | None = None  # set when only the key that filed the case may withdraw it


@dataclass
class PrioritizeInput:
    """What the prioritizer looks at."""

    tracking_id: str
    category: str
    description: str


@dataclass
class AssignInput:
    """Where to look for the responsible ward and official."""

    tracking_id: str
    city: str
    latitude: float
    longitude: float


@dataclass
class RecordInput:
    """A state revision and the event that produced it, written to the projection."""

    state: CaseState
    event: CaseEvent


@dataclass
class IssueNoticeInput:
    """Everything a notice prints that the workflow knows; the city's names come from the DB.

    issued_at is fixed by the workflow, so a retried activity renders the same bytes.
    """

    kind: str
    level: int
    issued_at: datetime
    complaint: Complaint
    priority: int
    assignment: Assignment
    sla_due_at: datetime | None
