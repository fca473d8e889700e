"""Make the worked test vector of docs/notice-format.md from the code that signs notices.

Usage: .venv/bin/python scripts/notice_test_vector.py [--write | --check]

Prints the vector as Markdown; --write replaces it in docs/notice-format.md, --check exits
1 when the document differs from what the code makes now (tests/test_notice_format.py runs
the same check). The key is RFC 8032's first test key: public, for tests only; nothing
signed with it is genuine.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import textwrap
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from notices import pdfseal, signing  # noqa: E402
from notices.keys import PublicKeyInfo, fingerprint, key_id_for  # noqa: E402
from notices.model import NoticeContent, NoticeKind, canonical_json, payload_digest  # noqa: E402
from notices.sealing import build_envelope, verify_url  # noqa: E402
from notices.verify import Keyring, verify_pdf, verify_qr  # noqa: E402

DOC = REPO / "docs" / "notice-format.md"
BEGIN = "<!-- BEGIN test vector: made by scripts/notice_test_vector.py --write; do not edit -->"
END = "<!-- END test vector -->"
# RFC 8032, section 7.1, TEST 1: a published key, so nothing it signs can be genuine.
TEST_SEED = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
CREATED = datetime(2026, 11, 24, tzinfo=UTC)
PUBLIC_URL = "https://civicops.example"


@dataclass(frozen=True)
class Vector:
    """Every intermediate value of signing one notice with the test key."""

    public_raw: bytes
    key_id: str
    jwk: dict[str, object]
    canonical: bytes
    digest: bytes
    qr_message: bytes
    qr_signature: bytes
    compact: str
    qr_text: str
    page: bytes
    content_sha256: bytes
    doc_message: bytes
    signature: bytes
    envelope: bytes
    sealed: bytes


def vector_page() -> bytes:
    """A one-page PDF written by hand (ASCII, correct xref), standing in for a rendered notice."""
    text = b"BT /F1 18 Tf 72 770 Td (CivicOps notice-format test vector: not a notice) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Title (CivicOps test vector) /Producer (scripts/notice_test_vector.py) >>",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % at for at in offsets)
    doc_id = b"<0123456789abcdef0123456789abcdef>"
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R /ID [%s%s] >>\n" % (
        len(objects) + 1,
        doc_id,
        doc_id,
    )
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def vector_content(key_id: str) -> NoticeContent:
    """The notice the vector signs: an Assignment notice in English and Kannada."""
    return NoticeContent(
        notice_id="BLR-7K3M9QX2AB-ASG0",
        kind=NoticeKind.ASSIGNMENT,
        level=0,
        tracking_id="BLR-7K3M9QX2AB",
        city="bengaluru",
        city_name="Bengaluru",
        corporation="Bruhat Bengaluru Mahanagara Palike",
        language="kn",
        zone="West",
        ward_id="65",
        ward_name="Kadu Malleshwar Ward",
        category="pothole",
        category_name="Pothole",
        priority="P3",
        latitude=13.0035,
        longitude=77.5709,
        address="15th Cross, Malleshwaram",
        description="Deep pothole near the bus stop; ಬಸ್ ನಿಲ್ದಾಣದ ಬಳಿ ಆಳವಾದ ಗುಂಡಿ",
        assignee_id=7,
        assignee_name="Lakshmi Narayana",
        assignee_designation="Ward Supervisor (Junior Engineer)",
        sla_due_at=datetime(2026, 11, 27, 9, 0, tzinfo=UTC),
        issued_at=datetime(2026, 11, 24, 9, 0, tzinfo=UTC),
        issuer="West Zone Office, Bruhat Bengaluru Mahanagara Palike",
        key_id=key_id,
    )


def make_vector() -> Vector:
    """Sign the test notice with the test key, keeping every byte string on the way."""
    key = Ed25519PrivateKey.from_private_bytes(TEST_SEED)
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    key_id = key_id_for(raw, CREATED)
    info = PublicKeyInfo(key_id, key.public_key(), CREATED)
    content = vector_content(key_id)
    payload = content.payload()
    digest = payload_digest(payload)
    qr_message = signing.qr_message(content.notice_id, key_id, digest)
    seal = signing.QrSeal(content.notice_id, key_id, digest, signing.sign(key, qr_message))
    page = vector_page()
    content_sha = signing.sha256(page)
    doc_message = signing.doc_message(digest, content_sha)
    signature = signing.sign(key, doc_message)
    envelope = build_envelope(payload, digest, content_sha, signature, seal.signature)
    sealed = pdfseal.seal_pdf(page, envelope)
    vector = Vector(
        public_raw=raw,
        key_id=key_id,
        jwk=info.jwk(current=True),
        canonical=canonical_json(payload),
        digest=digest,
        qr_message=qr_message,
        qr_signature=seal.signature,
        compact=seal.compact(),
        qr_text=signing.qr_text(seal, verify_url(PUBLIC_URL)),
        page=page,
        content_sha256=content_sha,
        doc_message=doc_message,
        signature=signature,
        envelope=canonical_json(envelope),
        sealed=sealed,
    )
    ring = Keyring([info])
    assert verify_pdf(sealed, ring).valid and verify_qr(vector.qr_text, ring).valid
    return vector


def _block(name: str, text: str, lang: str = "") -> str:
    """A fenced code block labelled for the tests that read the document."""
    return f"<!-- vector:{name} -->\n```{lang}\n{text}\n```\n"


def _hex(data: bytes) -> str:
    """Hex in lines of 64 digits."""
    return "\n".join(textwrap.wrap(data.hex(), 64))


def markdown(v: Vector) -> str:
    """The vector as the Markdown between the BEGIN and END lines of the document."""
    b64 = signing.b64url
    sealed_b64 = "\n".join(textwrap.wrap(base64.b64encode(v.sealed).decode(), 76))
    parts = [
        BEGIN,
        "",
        "**Test key — RFC 8032 §7.1 TEST 1. It is public: never trust anything it signs.**",
        "",
        "| value | |",
        "|---|---|",
        f"| private key seed (hex) | `{TEST_SEED.hex()}` |",
        f"| public key (hex) | `{v.public_raw.hex()}` |",
        f"| fingerprint (SHA-256 of the public key, 8 hex) | `{fingerprint(v.public_raw)}` |",
        f"| key id (`k` + creation date + `-` + fingerprint) | `{v.key_id}` |",
        "",
        "Its JWK, as `/v1/keys` lists it:",
        "",
        _block("jwk", json.dumps(v.jwk, indent=2, ensure_ascii=False), "json"),
        f"Canonical payload JSON, {len(v.canonical)} bytes of UTF-8 (one line):",
        "",
        _block("payload", v.canonical.decode("utf-8"), "json"),
        f"`payload_sha256` = SHA-256 of those bytes: hex `{v.digest.hex()}`, "
        f"base64url `{b64(v.digest)}`.",
        "",
        f"QR signature message, {len(v.qr_message)} bytes (hex):",
        "",
        _block("qr-message", _hex(v.qr_message)),
        f"QR signature (base64url): `{b64(v.qr_signature)}`",
        "",
        "QR string, compact form, then as the QR code carries it:",
        "",
        _block("qr-compact", v.compact),
        _block("qr-text", v.qr_text),
        f"The page (stands in for a rendered notice), {len(v.page)} bytes of ASCII; each line "
        "ends with LF, and each xref entry with a space before its LF:",
        "",
        _block("page", v.page.decode("ascii").rstrip("\n")),
        f"`content_sha256` = SHA-256 of the page: hex `{v.content_sha256.hex()}`, "
        f"base64url `{b64(v.content_sha256)}`.",
        "",
        f"Document signature message, {len(v.doc_message)} bytes (hex):",
        "",
        _block("doc-message", _hex(v.doc_message)),
        f"Document signature (base64url): `{b64(v.signature)}`",
        "",
        f"The envelope, {len(v.envelope)} bytes of canonical JSON (the attachment's content):",
        "",
        _block("envelope", v.envelope.decode("utf-8"), "json"),
        f"The signature section appended to the page, {len(v.sealed) - len(v.page)} bytes "
        "(the envelope line is the one above):",
        "",
        _block("section", v.sealed[len(v.page) :].decode("utf-8").rstrip("\n")),
        f"The sealed file: {len(v.sealed)} bytes, SHA-256 `{signing.sha256(v.sealed).hex()}`. "
        "In base64:",
        "",
        "<details><summary>sealed test notice, base64</summary>",
        "",
        _block("sealed-base64", sealed_b64),
        "</details>",
        "",
        END,
    ]
    return "\n".join(parts)


def document_vector(text: str) -> str:
    """The vector part of the document's text (BEGIN to END), or '' when it has none."""
    start, end = text.find(BEGIN), text.find(END)
    return text[start : end + len(END)] if 0 <= start < end else ""


def main() -> int:
    """Print, write or check the vector."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help=f"update {DOC.relative_to(REPO)}")
    mode.add_argument("--check", action="store_true", help="exit 1 if the document is stale")
    args = parser.parse_args()
    fresh = markdown(make_vector())
    if not (args.write or args.check):
        print(fresh)
        return 0
    text = DOC.read_text(encoding="utf-8")
    current = document_vector(text)
    if not current:
        print(f"{DOC}: no {BEGIN!r} … {END!r} section", file=sys.stderr)
        return 1
    if args.check:
        print("up to date" if current == fresh else f"{DOC} is stale: run --write")
        return 0 if current == fresh else 1
    DOC.write_text(text.replace(current, fresh), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
