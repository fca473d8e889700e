"""Verify a notice from its PDF or its QR string, with nothing but the public keys.

The CLI (offline) and the API (online) both call these functions; the API then also
compares what it verified with the notice's database record. Every step takes time linear
in its input (see notices/pdfseal.py), so a crafted file cannot stall a verifier.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from notices import pdfseal, signing
from notices.keys import PublicKeyInfo, fingerprint
from notices.model import format_ist, payload_digest
from notices.sealing import ENVELOPE_FIELDS, ENVELOPE_FORMAT


class Reason(StrEnum):
    """Why a notice is not valid."""

    UNKNOWN_KEY = "unknown_key"
    REVOKED_KEY = "revoked_key"
    BAD_SIGNATURE = "bad_signature"
    CONTENT_ALTERED = "content_altered"
    NOTICE_NOT_FOUND = "notice_not_found"
    PAYLOAD_MISMATCH = "payload_mismatch"


@dataclass
class Verdict:
    """The answer an auditor gets."""

    valid: bool
    message: str
    reason: Reason | None = None
    notice_id: str | None = None
    key_id: str | None = None
    tracking_id: str | None = None
    kind: str | None = None
    issued_at: datetime | None = None
    payload_sha256: str | None = None  # hex
    checked: list[str] = field(default_factory=list)  # what was verified, in order

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "valid": self.valid,
            "reason": self.reason.value if self.reason else None,
            "message": self.message,
            "notice_id": self.notice_id,
            "key_id": self.key_id,
            "tracking_id": self.tracking_id,
            "kind": self.kind,
            "issued_at": self.issued_at.isoformat() if self.issued_at else None,
            "payload_sha256": self.payload_sha256,
            "checked": self.checked,
        }


class Keyring:
    """Public keys by id; a key with no id (a bare PEM) matches by fingerprint."""

    def __init__(self, keys: Iterable[PublicKeyInfo]) -> None:
        self._by_id: dict[str, PublicKeyInfo] = {}
        self._by_fingerprint: dict[str, PublicKeyInfo] = {}
        for key in keys:
            if key.key_id:
                self._by_id[key.key_id] = key
            else:
                self._by_fingerprint[fingerprint(key.raw)] = key

    def get(self, key_id: str) -> PublicKeyInfo | None:
        """The key for this id, or None when unknown."""
        found = self._by_id.get(key_id)
        if found is None and "-" in key_id:
            found = self._by_fingerprint.get(key_id.rsplit("-", 1)[1])
        return found

    def __len__(self) -> int:
        return len(self._by_id) + len(self._by_fingerprint)


def tracking_id_of(notice_id: str) -> str:
    """The complaint a notice number belongs to (the part before the kind and level)."""
    return "-".join(notice_id.split("-")[:2])


def invalidate(verdict: Verdict, reason: Reason, message: str) -> Verdict:
    """Mark a verdict invalid for a reason."""
    verdict.valid = False
    verdict.reason = reason
    verdict.message = f"invalid: {message}"
    return verdict


def _key_problem(verdict: Verdict, keyring: Keyring, key_id: str) -> PublicKeyInfo | Verdict:
    key = keyring.get(key_id)
    if key is None:
        return invalidate(verdict, Reason.UNKNOWN_KEY, f"key {key_id} is not a published key")
    if key.revoked_at is not None:
        why = f" ({key.revoked_reason})" if key.revoked_reason else ""
        when = format_ist(key.revoked_at)
        return invalidate(verdict, Reason.REVOKED_KEY, f"key {key_id} was revoked on {when}{why}")
    verdict.checked.append("key")
    return key


def verify_qr(text: str, keyring: Keyring) -> Verdict:
    """Verify a scanned QR string offline. ValueError if it is not a CivicOps QR string."""
    seal = signing.parse_qr(text)
    verdict = Verdict(
        valid=False,
        message="",
        notice_id=seal.notice_id,
        key_id=seal.key_id,
        tracking_id=tracking_id_of(seal.notice_id),
        payload_sha256=seal.digest.hex(),
    )
    key = _key_problem(verdict, keyring, seal.key_id)
    if isinstance(key, Verdict):
        return key
    if not signing.verify(key.public_key, seal.signature, seal.message()):
        return invalidate(
            verdict, Reason.BAD_SIGNATURE, "the QR signature does not match its notice and key"
        )
    verdict.checked.append("qr_signature")
    verdict.valid = True
    verdict.message = (
        f"valid, signed by key {seal.key_id} for complaint {verdict.tracking_id} "
        f"(notice {seal.notice_id})"
    )
    return verdict


def verify_pdf(data: bytes, keyring: Keyring) -> Verdict:
    """Verify a notice PDF offline.

    Raises pdfseal.NotAPdf or pdfseal.Unsigned when there is nothing to verify; every
    change to a signed notice gives an invalid verdict with its reason.
    """
    verdict = Verdict(valid=False, message="")
    try:
        signed, envelope = pdfseal.read_sealed(data)
    except pdfseal.Damaged as exc:
        return invalidate(verdict, Reason.CONTENT_ALTERED, str(exc))
    try:
        fields = _envelope_fields(envelope)
    except (KeyError, TypeError, ValueError) as exc:
        return invalidate(
            verdict, Reason.CONTENT_ALTERED, f"the signature section is damaged: {exc}"
        )
    payload, digest, content_sha, signature, qr_signature = fields
    verdict.notice_id = str(envelope["notice_id"])
    verdict.key_id = str(envelope["key_id"])
    verdict.tracking_id = str(payload.get("tracking_id"))
    verdict.kind = str(payload.get("kind"))
    verdict.payload_sha256 = digest.hex()
    key = _key_problem(verdict, keyring, verdict.key_id)
    if isinstance(key, Verdict):
        return key
    if payload.get("notice_id") != verdict.notice_id or payload.get("key_id") != verdict.key_id:
        return invalidate(
            verdict, Reason.CONTENT_ALTERED, "the payload names another notice or key"
        )
    if payload_digest(payload) != digest:
        return invalidate(verdict, Reason.CONTENT_ALTERED, "the notice's payload was changed")
    verdict.checked.append("payload_digest")
    if signing.sha256(signed) != content_sha:
        return invalidate(verdict, Reason.CONTENT_ALTERED, "the page content was changed")
    verdict.checked.append("content_digest")
    if not signing.verify(key.public_key, signature, signing.doc_message(digest, content_sha)):
        return invalidate(verdict, Reason.BAD_SIGNATURE, "the document signature does not verify")
    verdict.checked.append("document_signature")
    qr_message = signing.qr_message(verdict.notice_id, verdict.key_id, digest)
    if not signing.verify(key.public_key, qr_signature, qr_message):
        return invalidate(verdict, Reason.BAD_SIGNATURE, "the QR signature does not verify")
    verdict.checked.append("qr_signature")
    issued = payload.get("issued_at")
    verdict.issued_at = datetime.fromisoformat(issued) if isinstance(issued, str) else None
    verdict.valid = True
    on = f" on {format_ist(verdict.issued_at)}" if verdict.issued_at else ""
    verdict.message = (
        f"valid, signed by key {verdict.key_id}{on} for complaint {verdict.tracking_id} "
        f"(notice {verdict.notice_id})"
    )
    return verdict


def _envelope_fields(
    envelope: dict[str, Any],
) -> tuple[dict[str, Any], bytes, bytes, bytes, bytes]:
    if set(envelope) != ENVELOPE_FIELDS:
        raise ValueError(f"unexpected fields {sorted(set(envelope) ^ ENVELOPE_FIELDS)}")
    if envelope["format"] != ENVELOPE_FORMAT:
        raise ValueError(f"unknown format {envelope['format']!r}")
    if envelope["alg"] != "Ed25519":
        raise ValueError(f"unknown algorithm {envelope['alg']!r}")
    payload = envelope["payload"]
    if not isinstance(payload, dict):
        raise TypeError("payload is not an object")
    for name in ("notice_id", "key_id"):
        if not isinstance(envelope.get(name), str):
            raise TypeError(f"{name} is missing")
        if not signing.is_id(envelope[name]):  # the grammar a QR string allows
            raise ValueError(f"{name} is malformed")
    return (
        payload,
        signing.unb64url(envelope["payload_sha256"], field="payload_sha256", length=32),
        signing.unb64url(envelope["content_sha256"], field="content_sha256", length=32),
        signing.unb64url(envelope["signature"], field="signature", length=64),
        signing.unb64url(envelope["qr_signature"], field="qr_signature", length=64),
    )


def match_qr(pdf: Verdict | None, qr: Verdict | None) -> Verdict:
    """One verdict for a PDF and/or a QR string: both must be valid and name the same notice."""
    if pdf is None or qr is None:
        verdict = pdf or qr
        if verdict is None:
            raise ValueError("nothing to verify")
        return verdict
    if not qr.valid:
        return qr
    if pdf.valid and (qr.notice_id != pdf.notice_id or qr.payload_sha256 != pdf.payload_sha256):
        return invalidate(
            pdf,
            Reason.PAYLOAD_MISMATCH,
            f"the QR code belongs to notice {qr.notice_id}, "
            f"not to this PDF (notice {pdf.notice_id})",
        )
    return pdf
