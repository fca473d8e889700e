"""Request and response bodies, written by hand as msgspec Structs."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from domain.categories import CATEGORIES
from domain.ids import MAX_ROW_ID

CategoryCode = StrEnum("CategoryCode", {c.code: c.code for c in CATEGORIES})  # type: ignore[misc]

RowId = Annotated[int, Meta(ge=1, le=MAX_ROW_ID, description="A roster id")]

Latitude = Annotated[float, Meta(ge=-90.0, le=90.0, description="WGS84 latitude")]
Longitude = Annotated[float, Meta(ge=-180.0, le=180.0, description="WGS84 longitude")]


Purposes = Annotated[list[Annotated[str, Meta(max_length=40)]], Meta(max_length=10)]


class ReporterIn(msgspec.Struct, forbid_unknown_fields=True):
    """Optional contact details of the citizen: sealed at rest, never in workflow history.

    `notice_version` names the privacy notice the citizen was shown (GET /v1/privacy/notice),
    `purposes` the purposes they were told of (default: all the notice names), and `consent`
    whether they agreed; a city whose legal basis is consent requires both.
    """

    name: Annotated[str, Meta(max_length=120)] | None = None
    phone: Annotated[str, Meta(pattern=r"^\+?[0-9][0-9 \-]{6,18}$")] | None = None
    email: Annotated[str, Meta(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None = None
    notice_version: Annotated[str, Meta(min_length=1, max_length=40)] | None = None
    purposes: Purposes | None = None
    consent: bool | None = None


UploadKey = Annotated[str, Meta(min_length=1, max_length=300)]


class ComplaintCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A new complaint.

    `category` may be left out when the words say it (`description`, or a voice note's
    transcript): a sure classification is used, otherwise the case waits in NEEDS_TRIAGE.
    `description` may be left out when a voice note is attached. `language` is detected from
    the text when left out. `photos` and `voice_note` are keys from POST /v1/complaints/uploads.
    """

    category: CategoryCode | None = None
    description: Annotated[str, Meta(max_length=4000)] | None = None
    latitude: Latitude
    longitude: Longitude
    language: (
        Annotated[str, Meta(min_length=2, max_length=12, examples=["kn", "hi", "en"])] | None
    ) = None
    address: Annotated[str, Meta(max_length=300)] | None = None
    city: Annotated[str, Meta(max_length=40)] | None = None
    reporter: ReporterIn | None = None
    media_url: Annotated[str, Meta(max_length=2000, pattern=r"^https?://[^\s]+$")] | None = None
    attributes: (
        dict[Annotated[str, Meta(max_length=60)], Annotated[str, Meta(max_length=200)]] | None
    ) = None
    photos: Annotated[list[UploadKey], Meta(max_length=4)] | None = None
    voice_note: UploadKey | None = None


class ComplaintAccepted(msgspec.Struct):
    """The answer to a filed complaint: the case it opened or joined, and where to follow it.

    filing is "new"; "recomplaint" when an open case of the same category is within 50 m
    (the tracking id is that case's); "linked" when it reopens a recently closed case as a
    new case one level higher (linked_to names the closed case).
    """

    tracking_id: str
    workflow_id: str
    status: str
    status_url: str
    filing: str = "new"
    linked_to: str | None = None
    category: str | None = None  # None until known (a voice note is transcribed first)
    category_source: str | None = "citizen"  # or "classifier", "triage"; None: not chosen yet
    category_confidence: float | None = None
    # With contact details: the citizen's proof of control over their data (/v1/privacy/…),
    # to be shown to them once; a retried filing gets the same token.
    citizen_token: str | None = None


class WithdrawIn(msgspec.Struct, forbid_unknown_fields=True):
    """Why a case is withdrawn."""

    reason: Annotated[str, Meta(min_length=1, max_length=500)]


class WardRef(msgspec.Struct):
    """A ward and its zone."""

    id: str
    name: str
    zone: str


class AssigneeRef(msgspec.Struct):
    """The official who owns the case now."""

    id: int | None
    name: str
    designation: str | None
    level: int


class EventView(msgspec.Struct):
    """One step of the case."""

    revision: int
    kind: str
    status: str
    at: datetime
    actor: str
    detail: dict[str, Any]


class NoticeBrief(msgspec.Struct):
    """A signed notice of the case; fetch the PDF at pdf_url."""

    notice_id: str
    kind: str
    level: int
    issued_at: datetime
    pdf_url: str


class RiskView(msgspec.Struct):
    """How the priority was set: the breach-risk model and its reasons, or the rules."""

    model: str  # the model id, or "rules"
    breach_risk: float | None = None  # the probability of missing the SLA, at filing
    reasons: list[str] = []  # "backlog 41 open: +0.5", largest push first


class TranscriptView(msgspec.Struct):
    """A voice note's transcript: a machine's (with its confidence) or an operator's."""

    text: str
    source: str  # "machine" or "human"
    engine: str
    confidence: float | None = None
    language: str | None = None


class VoiceNoteView(msgspec.Struct):
    """A case's voice note: how long it is, and where staff may listen to it."""

    duration_s: float | None
    url: str  # staff only: GET /v1/complaints/{id}/voice-note


class IntakeView(msgspec.Struct):
    """How the complaint came in: who chose its category, its photos, voice note, capture."""

    category_source: str | None  # "citizen", "classifier", "triage"; None: no one chose yet
    category_confidence: float | None = None
    suggested_category: str | None = None  # the classifier's guess when it was not sure
    captured_at: datetime | None = None  # filed offline: when the device captured it
    photos: list[str] = []  # public copies, EXIF stripped
    voice_note: VoiceNoteView | None = None
    transcript: TranscriptView | None = None
    due_at: datetime | None = None  # waiting for a transcript or a category: when it is late


class ComplaintView(msgspec.Struct):
    """A complaint as an integrator or citizen app sees it."""

    tracking_id: str
    workflow_id: str
    source: str  # "live" (workflow query) or "record" (database projection)
    status: str
    city: str
    category: str | None  # None while the case waits for its words or its triager
    description: str
    latitude: float
    longitude: float
    language: str
    address: str | None
    priority: str | None
    ward: WardRef | None
    assignee: AssigneeRef | None
    escalation_level: int
    location_match: str | None
    filed_at: datetime
    updated_at: datetime | None
    sla_due_at: datetime | None
    closed_reason: str | None
    events: list[EventView]
    notices: list[NoticeBrief] = []
    sla_breaches: int = 0
    recomplaints: int = 0
    linked_to: str | None = None  # the closed case this one reopened, one level higher
    resolved_at: datetime | None = None
    confirm_due_at: datetime | None = None  # the citizen may confirm or reopen until then
    closed_at: datetime | None = None
    risk: RiskView | None = None  # issue 14; None for cases prioritised before it
    intake: IntakeView | None = None  # issue 15; None for a typed filing with a category


class CategoryView(msgspec.Struct):
    """A category of the catalogue."""

    code: str
    name: str
    group: str
    department: str
    default_priority: str
    sla_hours: int
    keywords: list[str]  # in `language` (English ones too for "en")
    language: str = "en"
    name_en: str = ""


class NoticeRefView(msgspec.Struct):
    """A notice of a case, as listed with it."""

    notice_id: str
    kind: str
    level: int
    key_id: str
    issued_at: datetime
    pdf_sha256: str
    url: str  # metadata and download link
    pdf_url: str  # the PDF itself


class NoticeView(msgspec.Struct):
    """A signed notice's record, with a short-lived download link to its PDF."""

    notice_id: str
    tracking_id: str
    kind: str
    level: int
    key_id: str
    assignee_id: int | None
    issued_at: datetime
    payload_sha256: str
    content_sha256: str
    pdf_sha256: str
    signature: str
    qr_text: str
    s3_key: str
    size_bytes: int
    pdf_url: str
    download_url: str
    download_expires_at: datetime
    payload: dict[str, Any]


class VerifyQrIn(msgspec.Struct, forbid_unknown_fields=True):
    """A scanned QR string (or the URL it holds) to verify."""

    qr: str


class VerdictView(msgspec.Struct):
    """Whether a notice is genuine and unaltered, and if not, why."""

    valid: bool
    message: str
    reason: str | None
    notice_id: str | None
    key_id: str | None
    tracking_id: str | None
    kind: str | None
    issued_at: str | None
    payload_sha256: str | None
    checked: list[str]
    source: str  # "pdf", "qr" or "pdf+qr"


ProofRole = Literal["after", "before"]
PhotoType = Literal["image/jpeg", "image/png", "image/webp", "image/heic"]


class UploadFileIn(msgspec.Struct, forbid_unknown_fields=True):
    """One photo to upload: "after" (required for proof) or "before", and its type."""

    role: ProofRole
    content_type: PhotoType


class UploadUrlIn(msgspec.Struct, forbid_unknown_fields=True):
    """The photos the assignee is about to upload."""

    files: Annotated[list[UploadFileIn], Meta(min_length=1, max_length=2)]


class UploadSlotView(msgspec.Struct):
    """A presigned S3 PUT: send the photo's bytes to url with these headers before expiry."""

    role: str
    key: str
    url: str
    method: str
    headers: dict[str, str]
    expires_at: datetime


class UploadUrlsView(msgspec.Struct):
    """Where to upload proof photos, the limits, and where to submit the keys afterwards."""

    tracking_id: str
    slots: list[UploadSlotView]
    max_bytes: int
    allowed_types: list[str]
    submit_url: str


class ProofIn(msgspec.Struct, forbid_unknown_fields=True):
    """Proof of completion: the S3 keys of the uploaded photos."""

    after_key: Annotated[str, Meta(min_length=1, max_length=300)]
    before_key: Annotated[str, Meta(min_length=1, max_length=300)] | None = None
    note: Annotated[str, Meta(max_length=1000)] | None = None


class PhotoView(msgspec.Struct):
    """A verified proof photo: its hash, true type and what its EXIF says."""

    role: str
    key: str
    sha256: str
    content_type: str
    size_bytes: int
    taken_at: datetime | None
    gps_latitude: float | None
    gps_longitude: float | None
    distance_m: float | None
    flags: list[str]


class ProofAcceptedView(msgspec.Struct):
    """Proof accepted: the case is RESOLVED and a Closure certificate is issued."""

    accepted: bool
    photos: list[PhotoView]
    complaint: ComplaintView


class ConfirmIn(msgspec.Struct, forbid_unknown_fields=True):
    """The citizen confirms the problem is fixed."""

    note: Annotated[str, Meta(max_length=500)] | None = None


class ReopenIn(msgspec.Struct, forbid_unknown_fields=True):
    """The citizen says the problem is not fixed."""

    reason: Annotated[str, Meta(min_length=1, max_length=500)]


class PriorityIn(msgspec.Struct, forbid_unknown_fields=True):
    """An official overrules the case's priority, saying why."""

    priority: Annotated[str, Meta(pattern="^P[1-4]$")]
    reason: Annotated[str, Meta(min_length=1, max_length=500)]


class ReassignIn(msgspec.Struct, forbid_unknown_fields=True):
    """An official moves the case to another official on the roster."""

    official_id: RowId
    reason: Annotated[str, Meta(min_length=1, max_length=500)]
