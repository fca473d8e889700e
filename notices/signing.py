"""What is signed, and how: Ed25519 over domain-separated messages, and the QR seal string.

A notice carries two Ed25519 signatures by the same key:

- the **QR signature** covers the notice id, the key id and the SHA-256 of the canonical
  payload. The QR code carries all four, so anyone with the public key can check a scan
  offline: ``CVN1.<notice id>.<key id>.<payload digest>.<signature>`` (base64url).
- the **document signature** covers the payload digest and the SHA-256 of the rendered
  PDF (the page as drawn, QR included), so no byte of the page can change unnoticed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import string
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

QR_PREFIX = "CVN1"
_QR_DOMAIN = b"civicops-notice-qr-v1"
_DOC_DOMAIN = b"civicops-notice-doc-v1"
MAX_ID = 64
_ID_CHARS = frozenset(string.ascii_letters + string.digits + "-")
_B64URL_CHARS = frozenset(string.ascii_letters + string.digits + "-_")


def is_id(text: str) -> bool:
    """True for a notice or key id as a QR string carries it: 1–64 of A–Z, a–z, 0–9, '-'."""
    return 0 < len(text) <= MAX_ID and frozenset(text) <= _ID_CHARS


def b64url_length(size: int) -> int:
    """How many characters the unpadded base64url of `size` bytes has."""
    return (4 * size + 2) // 3


def b64url(data: bytes) -> str:
    """Unpadded base64url."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str, *, field: str, length: int | None = None) -> bytes:
    """Decode unpadded base64url; ValueError naming the field if it is not, or wrong size."""
    if length is not None and len(text) > b64url_length(length):  # before any work on it
        raise ValueError(f"{field} must be {length} bytes, not {len(text) * 3 // 4}")
    if not text or not frozenset(text) <= _B64URL_CHARS:
        raise ValueError(f"{field} is not base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise ValueError(f"{field} is not base64url") from None
    if length is not None and len(data) != length:
        raise ValueError(f"{field} must be {length} bytes, not {len(data)}")
    if b64url(data) != text:  # a changed padding bit would otherwise decode the same
        raise ValueError(f"{field} is not canonical base64url")
    return data


def qr_message(notice_id: str, key_id: str, digest: bytes) -> bytes:
    """The bytes the QR signature covers."""
    return b"|".join((_QR_DOMAIN, notice_id.encode(), key_id.encode(), digest))


def doc_message(digest: bytes, content_sha256: bytes) -> bytes:
    """The bytes the document signature covers: the payload digest and the page's hash."""
    return b"|".join((_DOC_DOMAIN, digest, content_sha256))


def sha256(data: bytes) -> bytes:
    """SHA-256 digest."""
    return hashlib.sha256(data).digest()


def sign(key: Ed25519PrivateKey, message: bytes) -> bytes:
    """An Ed25519 signature (deterministic: the same message gives the same signature)."""
    return key.sign(message)


def verify(public_key: Ed25519PublicKey, signature: bytes, message: bytes) -> bool:
    """True when the signature is valid for the message."""
    try:
        public_key.verify(signature, message)
    except InvalidSignature:
        return False
    return True


@dataclass(frozen=True)
class QrSeal:
    """The parsed compact string a notice's QR code carries."""

    notice_id: str
    key_id: str
    digest: bytes
    signature: bytes

    def compact(self) -> str:
        """``CVN1.<notice id>.<key id>.<digest>.<signature>``."""
        return ".".join(
            (QR_PREFIX, self.notice_id, self.key_id, b64url(self.digest), b64url(self.signature))
        )

    def message(self) -> bytes:
        """What the QR signature covers."""
        return qr_message(self.notice_id, self.key_id, self.digest)


def qr_text(seal: QrSeal, verify_url: str) -> str:
    """What the QR code encodes: the verify URL with the compact string as its `qr` query."""
    return f"{verify_url}?qr={seal.compact()}"


MAX_QR_TEXT = 2048


def parse_qr(text: str) -> QrSeal:
    """Parse a scanned QR: the compact string alone or the URL that carries it.

    Raises ValueError with a message naming what is wrong.
    """
    text = text.strip()
    if len(text) > MAX_QR_TEXT:
        raise ValueError(f"qr is longer than {MAX_QR_TEXT} characters")
    if "://" in text:
        values = parse_qs(urlsplit(text).query).get("qr")
        if not values:
            raise ValueError("qr URL has no qr= parameter")
        text = values[0].strip()
    parts = text.split(".")
    if len(parts) != 5 or parts[0] != QR_PREFIX:
        raise ValueError(f"qr must look like {QR_PREFIX}.<notice id>.<key id>.<digest>.<signature>")
    _, notice, key_id, digest, signature = parts
    if not is_id(notice):
        raise ValueError("qr notice id is malformed")
    if not is_id(key_id):
        raise ValueError("qr key id is malformed")
    return QrSeal(
        notice_id=notice,
        key_id=key_id,
        digest=unb64url(digest, field="qr digest", length=32),
        signature=unb64url(signature, field="qr signature", length=64),
    )
