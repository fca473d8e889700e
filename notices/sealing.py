"""Make a signed notice: render, sign, embed. One pure function the activity and bench share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from notices import pdfseal, render, signing
from notices.model import NoticeContent, payload_digest

ENVELOPE_FORMAT = "civicops-notice-signature/1"
ENVELOPE_FIELDS = frozenset(
    {
        "format",
        "alg",
        "notice_id",
        "key_id",
        "payload",
        "payload_sha256",
        "content_sha256",
        "signature",
        "qr_signature",
    }
)


@dataclass(frozen=True)
class SealedNotice:
    """A signed notice PDF and everything its database record keeps."""

    pdf: bytes
    notice_id: str
    key_id: str
    payload: dict[str, Any]
    payload_sha256: bytes
    content_sha256: bytes
    pdf_sha256: bytes
    signature: bytes  # document signature: payload digest + page content
    qr_signature: bytes  # QR signature: notice id + key id + payload digest
    qr_text: str


def verify_url(public_url: str) -> str:
    """Where the QR code points: the public verify endpoint."""
    return f"{public_url.rstrip('/')}/v1/notices/verify"


def build_envelope(
    payload: dict[str, Any],
    digest: bytes,
    content_sha: bytes,
    signature: bytes,
    qr_signature: bytes,
) -> dict[str, Any]:
    """The signature envelope embedded in the PDF (docs/notice-format.md lists its fields)."""
    return {
        "format": ENVELOPE_FORMAT,
        "alg": "Ed25519",
        "notice_id": payload["notice_id"],
        "key_id": payload["key_id"],
        "payload": payload,
        "payload_sha256": signing.b64url(digest),
        "content_sha256": signing.b64url(content_sha),
        "signature": signing.b64url(signature),
        "qr_signature": signing.b64url(qr_signature),
    }


def seal_notice(
    content: NoticeContent, private_key: Ed25519PrivateKey, public_url: str
) -> SealedNotice:
    """Render the notice, sign it twice and embed the envelope; deterministic for its inputs."""
    for name, value in (("notice id", content.notice_id), ("key id", content.key_id)):
        if not signing.is_id(value):  # a QR string could not carry it
            raise ValueError(f"{name} {value!r} is not 1–64 of A–Z, a–z, 0–9 and '-'")
    payload = content.payload()
    digest = payload_digest(payload)
    qr_seal = signing.QrSeal(
        content.notice_id,
        content.key_id,
        digest,
        signing.sign(private_key, signing.qr_message(content.notice_id, content.key_id, digest)),
    )
    url = verify_url(public_url)
    qr_text = signing.qr_text(qr_seal, url)
    page = render.render_notice(content, render.Seal(content.key_id, digest.hex(), qr_text, url))
    content_sha = signing.sha256(page)
    signature = signing.sign(private_key, signing.doc_message(digest, content_sha))
    envelope = build_envelope(payload, digest, content_sha, signature, qr_seal.signature)
    pdf = pdfseal.seal_pdf(page, envelope)
    return SealedNotice(
        pdf=pdf,
        notice_id=content.notice_id,
        key_id=content.key_id,
        payload=payload,
        payload_sha256=digest,
        content_sha256=content_sha,
        pdf_sha256=signing.sha256(pdf),
        signature=signature,
        qr_signature=qr_seal.signature,
        qr_text=qr_text,
    )
