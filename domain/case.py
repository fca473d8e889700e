"""The state of one complaint case, as the workflow holds it and the API shows it.

The statuses and the moves between them are the state machine in domain/states.py.
"""
# No `from __future__ import annotations` here: Temporal's converter resolves these types on
# every workflow input it decodes, and real annotations make that twice as fast.

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from domain.categories import UNCATEGORISED
from domain.priority import RiskDecision
from domain.proof import CheckedPhoto
from domain.sla import SlaPolicy
from domain.states import OPEN, TERMINAL, Status  # the state machine; still importable here


@dataclass
class Attachment:
    """A photo or voice note a citizen uploaded with a filing, checked before it was accepted.

    The bytes stay in S3 under `key`; a photo's `public_key` is its copy with the EXIF GPS
    (and every other EXIF field) stripped, the only copy public pages and Open311 show.
    """

    kind: str  # "photo" or "voice"
    key: str
    sha256: str
    content_type: str
    size_bytes: int
    public_key: str | None = None  # photos only
    duration_s: float | None = None  # voice notes only


@dataclass
class Transcript:
    """What a voice note says: a machine's transcript with its confidence, or an operator's."""

    text: str
    language: str
    source: str  # "machine" or "human"
    engine: str  # e.g. "pocketsphinx-en-us", or the operator's name
    confidence: float | None = None  # machine transcripts only, 0..1


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
    media_url: str | None = None  # a photo the citizen's app hosts (Open311 media_url)
    attributes: dict[str, str] | None = None  # answers to the category's questions
    # Issue 15. category is "" until known: the classifier, a triager or the citizen sets it.
    category_source: str = "citizen"  # "citizen", "classifier" or "triage"
    category_confidence: float | None = None  # the classifier's, when it chose
    attachments: list[Attachment] = field(default_factory=list)
    captured_at: datetime | None = None  # an offline filing: when the device captured it
    transcript: Transcript | None = None
    category_guess: str | None = None  # the classifier's best answer when it was not sure


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
    assigned_at: datetime | None = None  # when this official got the case


@dataclass
class CaseEvent:
    """One step of the case's life, as recorded in the event log.

    `kind` holds an EventKind value (a plain str, so an event of a kind since retired still
    decodes). In runs under PATCH_RECORDED_EVENTS (workflows/patches.py) the `record`
    activity returns each event, so the case's Temporal history holds it exactly as written.
    """

    revision: int
    kind: str
    status: Status
    at: datetime
    actor: str
    # Any, not a union: Temporal's converter would make 11.1 an int and True a 1.
    detail: dict[str, Any] = field(default_factory=dict)


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
class AcceptedProof:
    """The sign-off: who resolved the case, when, and the hashes of the photos that prove it."""

    official_id: int
    official_name: str
    accepted_at: datetime
    photos: list[CheckedPhoto]
    note: str | None = None


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
    # The lifecycle (issue 4). Every field has a default so older inputs still decode.
    policy: SlaPolicy | None = None  # fixed at filing: a case keeps the rules it was filed under
    linked_to: str | None = None  # the closed case this one reopens at a higher level
    sla_breaches: int = 0
    breaches_while_held: int = 0  # deadlines the current assignee let pass (L3 reminders)
    previous_assignments: list[Assignment] = field(default_factory=list)
    recomplaints: int = 0
    recomplaints_since_escalation: int = 0
    filings: list[str] = field(default_factory=list)  # filing ids seen, so a repeat is ignored
    proof: AcceptedProof | None = None
    proof_rejections: int = 0
    resolved_at: datetime | None = None
    confirm_due_at: datetime | None = None
    reopened: int = 0
    closed_at: datetime | None = None
    score_counts: dict[str, int] = field(default_factory=dict)  # "event:level" -> entries
    risk: RiskDecision | None = None  # issue 14: how the priority was set, and why
    # Issue 15: a case filed without a category knows each category's base SLA hours, so the
    # policy is completed when its category is picked; intake_due_at is a waiting case's due.
    category_hours: dict[str, float] | None = None
    intake_due_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        """True while work is due: the SLA clock runs and proof is accepted."""
        return self.status in OPEN

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
class ReComplaint:
    """Another citizen's report of the same problem, attached to the open case."""

    filing_id: str
    filed_at: datetime
    latitude: float
    longitude: float
    distance_m: float
    source: str
    reporter_id: int | None = None
    filed_by: str | None = None


@dataclass
class CitizenFeedback:
    """The citizen's answer after resolution: confirm the fix, or reopen the case."""

    action: str  # "confirm" or "reopen"
    actor: str
    reason: str | None = None
    key_id: str | None = None  # set when only the app that filed the case may answer


@dataclass
class ReassignRequest:
    """An official moves the case to another official."""

    official_id: int
    actor: str
    reason: str


@dataclass
class PriorityRequest:
    """An official overrules the case's priority, saying why (issue 14)."""

    priority: int  # 1-4
    actor: str
    reason: str


@dataclass
class CategoryRequest:
    """A supervisor or officer picks the category of a case waiting in NEEDS_TRIAGE."""

    category: str
    actor: str
    official_id: int | None  # the key's official; None for an official key bound to nobody
    role: str  # the key's role (domain/roles.py)
    reason: str | None = None


@dataclass
class TranscriptRequest:
    """An operator sends the transcript of a voice note waiting in TRANSCRIBING."""

    text: str
    actor: str
    language: str | None = None  # when the operator heard another language than was tagged


@dataclass
class ClassifyInput:
    """The text the classifier reads, and the language it was filed in."""

    tracking_id: str
    text: str
    language: str | None = None


@dataclass
class ClassifyOutcome:
    """The classifier's answer: its best category, how sure it is, whether that is enough."""

    category: str
    confidence: float
    confident: bool
    language: str
    alternatives: list[str] = field(default_factory=list)  # "category:confidence"


@dataclass
class FindOfficialInput:
    """Who should hold a case at a level of the ladder, or one named official."""

    tracking_id: str
    city: str
    ward_id: str
    level: int
    official_id: int | None = None


@dataclass
class ProofOutcome:
    """The answer to a proof submission: accepted (the case is RESOLVED) or why not."""

    accepted: bool
    state: CaseState
    reason: str | None = None
    field_name: str | None = None  # the request field at fault: "after" or "before"
    code: str | None = None
    photos: list[CheckedPhoto] = field(default_factory=list)


@dataclass
class PrioritizeInput:
    """What the prioritizer looks at."""

    tracking_id: str
    category: str
    description: str
    # Issue 14, what the breach-risk model needs (older histories' inputs have none of them).
    city: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    source: str | None = None
    filed_at: datetime | None = None


@dataclass
class AssignInput:
    """Where to look for the responsible ward and official."""

    tracking_id: str
    city: str
    latitude: float
    longitude: float
    level: int = 0  # a case linked to a closed one starts higher on the ladder


@dataclass
class RecordInput:
    """A state revision and the event that produced it, written to the projection."""

    state: CaseState
    event: CaseEvent
    # Return the event once written, so the activity's result in history holds it (cases
    # recording since PATCH_RECORDED_EVENTS; older ones return nothing).
    return_event: bool = False


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
    seq: int = 0  # the n-th notice of this kind at this level (L3 reminders, reassignments)
    resolved_at: datetime | None = None  # Closure certificates: when proof was accepted
    proof: list[str] | None = None  # Closure certificates: "after:<sha256>", ...


def chosen_category(c: Complaint) -> tuple[str | None, str | None]:
    """The category and who chose it, as users see them: no category while the case waits
    for its words or its triager, and no chooser until someone (or the classifier) tried."""
    if c.category != UNCATEGORISED:
        return c.category, c.category_source
    return None, (c.category_source if c.category_confidence is not None else None)


def intake_record(c: Complaint) -> dict[str, Any] | None:
    """How the complaint came in, as the projection keeps it (None: typed, with a category)."""
    if c.category_source == "citizen" and not c.attachments and c.captured_at is None:
        return None
    t = c.transcript
    return {
        "category_source": chosen_category(c)[1],
        "category_confidence": c.category_confidence,
        "category_guess": c.category_guess,
        "captured_at": c.captured_at.isoformat() if c.captured_at else None,
        "attachments": [asdict(a) for a in c.attachments],
        "transcript": asdict(t) if t else None,
    }
