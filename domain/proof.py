"""Proof of completion: what a supervisor uploads, and what verify_proof found in it."""

from dataclasses import dataclass, field
from datetime import datetime

# Photo types a proof may be, by MIME type, with the file extension used in S3 keys.
ALLOWED_TYPES: dict[str, str] = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/heic": "heic",
}
MAX_PROOF_BYTES = 10 * 1024 * 1024  # per photo; enforced by verify_proof after upload
PROOF_ROLES = ("after", "before")


def proof_prefix(tracking_id: str) -> str:
    """The S3 prefix a case's proof photos must be under."""
    return f"proofs/{tracking_id}/"


@dataclass
class ProofPhotoRef:
    """One uploaded photo of a submission."""

    role: str  # "after" (required) or "before"
    key: str


@dataclass
class ProofSubmission:
    """What the assignee submits: the S3 keys of the photos, and an optional note."""

    after_key: str
    actor: str
    official_id: int | None  # the official the caller's API key is bound to
    before_key: str | None = None
    note: str | None = None


@dataclass
class VerifyProofInput:
    """What verify_proof checks the photos against."""

    tracking_id: str
    photos: list[ProofPhotoRef]
    latitude: float
    longitude: float
    assigned_at: datetime
    official_id: int
    max_distance_m: float = 200.0


@dataclass
class CheckedPhoto:
    """A photo verify_proof looked at: its hash, true type, and what its EXIF says."""

    role: str
    key: str
    sha256: str
    content_type: str
    size_bytes: int
    taken_at: datetime | None = None
    gps_latitude: float | None = None
    gps_longitude: float | None = None
    distance_m: float | None = None
    # Warnings that do not reject the proof but are shown to officials, e.g. "gps_far".
    flags: list[str] = field(default_factory=list)


@dataclass
class ProofVerdict:
    """Accepted, or rejected with a reason naming the field (after/before) at fault."""

    accepted: bool
    photos: list[CheckedPhoto] = field(default_factory=list)
    reason: str | None = None
    field: str | None = None
    code: str | None = None  # machine-readable: missing, too_large, wrong_type, reused, ...
