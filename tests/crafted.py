"""Crafted "notices" that attack the verifier: each shape, built to any size, and its verdict.

Shared by tests/test_notice_attacks.py and bench/notices.py. Every shape targets one step a
naive parser does in super-linear or unbounded time: a lazy regex that rescans to the end,
`rfind` near-misses, digit runs fed to `int()`, whitespace runs, a deeply nested envelope,
a catalog that never closes, and a self-consistent forgery that passes every structural
check so the hashes and signatures of the whole file run too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from notices import pdfseal
from notices.model import canonical_json
from notices.signing import b64url
from notices.verify import Keyring, verify_pdf

KB = 1024
MB = 1024 * KB

_TRAILER = b"\ntrailer\n<< /Size 3 /Root 1 0 R /Info 2 0 R /ID [<00><00>] >>\nstartxref\n9\n%%EOF\n"
_OBJECT_HEAD = b"5 0 obj\n<< /Type /EmbeddedFile /Subtype /application#2Fjson /Length %d >>\n"


def _fill(unit: bytes, size: int) -> bytes:
    """`unit` repeated to a little under `size` bytes (room for the rest of the file)."""
    return unit * max(1, (size - 8 * KB) // len(unit))


def _fake_section(body: bytes = b"{}") -> bytes:
    """A signature section whose embedded file is `body`, and nothing after it."""
    head = pdfseal.MARKER + _OBJECT_HEAD % len(body) + b"stream\n"
    return head + body + b"\nendstream\nendobj\n"


def repeated_objects(size: int) -> bytes:
    """The issue's report: `\\n1 0 obj\\n<<` over and over, a trailer, a fake signature."""
    return b"%PDF-1.4" + _fill(b"\n1 0 obj\n<<", size) + _TRAILER + _fake_section()


def unclosed_catalog(size: int) -> bytes:
    """One catalog opening, then a body that never reaches `>>\\nendobj`."""
    return b"%PDF-1.4\n1 0 obj\n<<" + _fill(b">>\nendob ", size) + _TRAILER + _fake_section()


def huge_catalog(size: int) -> bytes:
    """A catalog that does close, after megabytes: it would be copied into the section."""
    catalog = b"\n1 0 obj\n<<" + _fill(b"/A 1 ", size) + b">>\nendobj\n"
    return b"%PDF-1.4" + catalog + _TRAILER + _fake_section()


def many_trailers(size: int) -> bytes:
    """`trailer` and `%%EOF` everywhere, then a fake signature section."""
    return b"%PDF-1.4\n" + _fill(b"trailer\n%%EOF\n", size) + _fake_section()


def many_trailers_unsigned(size: int) -> bytes:
    """`trailer` and `%%EOF` everywhere and no signature at all."""
    return b"%PDF-1.4\n" + _fill(b"trailer\n<< /Size 1 >>\n%%EOF\n", size)


def marker_near_misses(size: int) -> bytes:
    """The signature marker with its last byte wrong, over and over (worst case for rfind)."""
    near = pdfseal.MARKER[:-2] + b"!\n"
    return b"%PDF-1.4\n" + _fill(near, size) + b"%%EOF\n"


def many_markers(size: int) -> bytes:
    """The signature marker over and over, with nothing readable after any of them."""
    return b"%PDF-1.4\n" + _fill(pdfseal.MARKER, size)


def huge_numbers(size: int) -> bytes:
    """Digit runs where numbers go: through the page, and 3,000 digits as the trailer's /Size."""
    digits = _fill(b"9", size)
    trailer = b"\ntrailer\n<< /Size " + digits[:3000] + b" /Root 1 0 R /Info 2 0 R >>\n%%EOF\n"
    return b"%PDF-1.4\n%" + digits + trailer + _fake_section()


def whitespace_runs(size: int) -> bytes:
    """Whitespace after `/ID` and `startxref`, where the old patterns had `\\s*` and `\\s+`."""
    spaces = _fill(b" \n", size)
    page = b"%PDF-1.4\n1 0 obj\n<< >>\nendobj\n%" + spaces + b"\ntrailer\n<< /Size 3 /Root 1 0 R"
    page += b" /Info 2 0 R /ID" + spaces[:2000] + b"[<00>" + spaces[:1000] + b">>\nstartxref"
    return page + spaces[:1000] + b"\n%%EOF\n" + _fake_section()


def _padded(size: int, body: bytes) -> bytes:
    """A fake page padded so that it and a section carrying `body` come to about `size`."""
    page = b"%PDF-1.4\n%" + _fill(b"x", max(1, size - len(body))) + _TRAILER.lstrip(b"\n")
    return page + _fake_section(body)


def deep_envelope(size: int) -> bytes:
    """A readable section whose JSON nests thousands deep (RecursionError in json.loads)."""
    depth = min(40_000, size // 6)
    return _padded(size, b'{"a":' * depth + b"1" + b"}" * depth)


def nested_envelope(size: int) -> bytes:
    """A readable section whose JSON nests 500 deep: readable, but not an envelope."""
    return _padded(size, b'{"a":' * 500 + b"1" + b"}" * 500)


def oversized_envelope(size: int) -> bytes:
    """A section at the end that carries an envelope just over the limit."""
    return _padded(size, b'{"a":"' + _fill(b"x", pdfseal.MAX_ENVELOPE) + b'"}')


def huge_length(size: int) -> bytes:
    """A section at the end whose envelope /Length is a run of 100,000 digits."""
    head = pdfseal.MARKER + b"5 0 obj\n<< /Type /EmbeddedFile /Subtype /application#2Fjson"
    head += b" /Length " + b"9" * 100_000 + b" >>\nstream\n{}\nendstream\nendobj\n"
    return b"%PDF-1.4\n%" + _fill(b"x", size - len(head)) + _TRAILER.lstrip(b"\n") + head


def padded_page(size: int) -> bytes:
    """A small valid PDF whose one page carries `size` bytes of padding in a stream."""
    padding = _fill(b"% padding\n", size)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(padding) + padding + b"\nendstream",
        b"<< /Title (padded) >>",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % at for at in offsets)
    out += b"trailer\n<< /Size 6 /Root 1 0 R /Info 5 0 R /ID [<0f><0f>] >>\n"
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def forgery(size: int, key_id: str = "k20261124-0badc0de") -> bytes:
    """A page of `size` bytes sealed by `seal_pdf` with correct digests and a forged signature.

    Every structural check passes, so verification hashes the whole file and checks both
    signatures: the most work a verifier can be made to do, and it must say BAD_SIGNATURE
    (or UNKNOWN_KEY for a keyring without `key_id`).
    """
    page = padded_page(size)
    payload: dict[str, Any] = {"v": 1, "notice_id": "BLR-7K3M9QX2AB-ASG0", "key_id": key_id}
    envelope = {
        "format": "civicops-notice-signature/1",
        "alg": "Ed25519",
        "notice_id": payload["notice_id"],
        "key_id": key_id,
        "payload": payload,
        "payload_sha256": b64url(hashlib.sha256(canonical_json(payload)).digest()),
        "content_sha256": b64url(hashlib.sha256(page).digest()),
        "signature": b64url(bytes(64)),
        "qr_signature": b64url(bytes(64)),
    }
    return pdfseal.seal_pdf(page, envelope)


SHAPES: dict[str, Callable[[int], bytes]] = {
    "repeated objects": repeated_objects,
    "unclosed catalog": unclosed_catalog,
    "huge catalog": huge_catalog,
    "many trailers": many_trailers,
    "many trailers, unsigned": many_trailers_unsigned,
    "marker near-misses": marker_near_misses,
    "many markers": many_markers,
    "huge numbers": huge_numbers,
    "whitespace runs": whitespace_runs,
    "deep envelope": deep_envelope,
    "nested envelope": nested_envelope,
    "oversized envelope": oversized_envelope,
    "huge declared length": huge_length,
    "self-consistent forgery": forgery,
}


def outcome(data: bytes, keyring: Keyring) -> str:
    """What a verifier answers: NotAPdf, Unsigned, or `invalid:<reason>` (never valid)."""
    try:
        verdict = verify_pdf(data, keyring)
    except (pdfseal.NotAPdf, pdfseal.Unsigned) as exc:
        return type(exc).__name__
    if verdict.valid or verdict.reason is None:
        return "VALID"
    return f"invalid:{verdict.reason.value}"
