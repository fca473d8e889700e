"""Embed a notice's signature envelope in its PDF, and read it back.

The envelope (payload, digests, both signatures) goes into an incremental update appended
after the rendered PDF, as an attached file `civicops-signature.json` that PDF viewers list
under attachments. The signed content is every byte before the update, which begins with
the marker line ``%CivicOps-Notice-Signature``. Reading regenerates the update from the
envelope and demands byte equality, so no byte of the file can change unnoticed.

Reading is public (the verify endpoint takes 10 MB from anyone), so every step is linear in
the input and most are bounded: no regular expressions over the file, searches confined to
windows (the page's trailer, the signature section at the end), numbers of at most ten
digits, an envelope of at most `MAX_ENVELOPE` bytes nested at most `MAX_DEPTH` deep.
docs/notice-format.md describes the layout for verifiers written elsewhere.
"""

from __future__ import annotations

import json
from typing import Any

from notices.model import canonical_json

MARKER = b"%CivicOps-Notice-Signature\n"
ATTACHMENT = b"civicops-signature.json"
MAX_ENVELOPE = 256 * 1024  # a genuine envelope is 1–40 KB (a description is ≤ 4,000 chars)
MAX_SECTION = MAX_ENVELOPE + 8192  # the rest of the section is about 700 bytes
MAX_DEPTH = 8  # a genuine envelope nests 3 deep: envelope → payload → proof list
_EOF = b"%%EOF\n"
_TRAILER_WINDOW = 4096  # reportlab's trailer and startxref: about 250 bytes before the end
_MAX_DIGITS = 10  # object numbers and offsets; the xref table has 10-digit offsets
_WHITESPACE = b" \t\n\r\f\v"  # what `\s` matched in the patterns this replaced
_HEX = frozenset(b"0123456789abcdefABCDEF")
_EF_HEAD = b" 0 obj\n<< /Type /EmbeddedFile /Subtype /application#2Fjson /Length "
_EF_TAIL = b" >>\nstream\n"
_CATALOG_END = b">>\nendobj\n"


class NotAPdf(ValueError):
    """The bytes are not a complete PDF file."""


class Unsigned(ValueError):
    """A PDF without a CivicOps signature."""


class Damaged(ValueError):
    """The signature section exists but was changed or cut."""


def _number(data: bytes, at: int) -> tuple[int, int] | None:
    """The decimal number of 1..10 digits at `at` and the position after it, or None."""
    end = at
    limit = min(len(data), at + _MAX_DIGITS + 1)
    while end < limit and 48 <= data[end] <= 57:
        end += 1
    if end == at or end - at > _MAX_DIGITS:
        return None
    return int(data[at:end]), end


def _skip(data: bytes, at: int, chars: bytes | frozenset[int]) -> int:
    """The first position at or after `at` whose byte is not in `chars`."""
    while at < len(data) and data[at] in chars:
        at += 1
    return at


def _trailer_number(tail: bytes, key: bytes, after: bytes = b"") -> int:
    """The number after the first `key` in the trailer, followed by `after`."""
    at = tail.find(key)
    found = _number(tail, at + len(key)) if at >= 0 else None
    if found is None or not tail.startswith(after, found[1]):
        raise NotAPdf(f"trailer has no {(key + b'<n>' + after).decode()!r}")
    return found[0]


def _trailer_id(tail: bytes) -> bytes:
    """The `[<hex><hex>]` after the first `/ID` in the trailer, verbatim."""
    missing = NotAPdf("trailer has no '/ID [<hex><hex>]'")
    at = tail.find(b"/ID")
    if at < 0:
        raise missing
    start = _skip(tail, at + 3, _WHITESPACE)
    if not tail.startswith(b"[", start):
        raise missing
    pos = start + 1
    for second in (False, True):
        if second:
            pos = _skip(tail, pos, _WHITESPACE)
        if not tail.startswith(b"<", pos):
            raise missing
        end = _skip(tail, pos + 1, _HEX)
        if end == pos + 1 or not tail.startswith(b">", end):
            raise missing
        pos = end + 1
    if not tail.startswith(b"]", pos):
        raise missing
    return tail[start : pos + 1]


def _startxref(tail: bytes) -> int:
    """The offset after the first `startxref` and at least one whitespace byte."""
    at = tail.find(b"startxref")
    pos = _skip(tail, at + 9, _WHITESPACE) if at >= 0 else -1
    found = _number(tail, pos) if pos > at + 9 else None
    if found is None:
        raise NotAPdf("trailer has no 'startxref <n>'")
    return found[0]


def _catalog(pdf: bytes, root: int) -> bytes:
    """The dictionary body of the first `\\n<root> 0 obj\\n<<…>>\\nendobj\\n` in the file.

    The same answer as the lazy DOTALL pattern it replaces, for every catalog short enough to
    seal: that pattern matches at the first opening that has any closing after it, and a
    closing after a later opening is also after the first, so the match is the first opening
    and the first closing after it. Only `MAX_SECTION` bytes after the opening are searched;
    a longer catalog could not be sealed anyway.
    """
    opening = b"\n%d 0 obj\n<<" % root
    start = pdf.find(opening)
    body = start + len(opening)
    limit = body + MAX_SECTION + len(_CATALOG_END)
    end = pdf.find(_CATALOG_END, body, limit) if start >= 0 else -1
    if end < 0:
        raise NotAPdf("cannot find a catalog to attach the signature to")
    return pdf[body:end]


def signature_section(pdf: bytes, envelope: dict[str, Any]) -> bytes:
    """The incremental update `seal_pdf` appends to this page for this envelope."""
    if not pdf.startswith(b"%PDF-") or not pdf.endswith(_EOF):
        raise NotAPdf("not a complete PDF (no %PDF- header or %%EOF end)")
    at = pdf.rfind(b"trailer", max(0, len(pdf) - _TRAILER_WINDOW))
    if at < 0:
        raise NotAPdf(f"no trailer in the last {_TRAILER_WINDOW} bytes")
    tail = pdf[at:]
    size = _trailer_number(tail, b"/Size ")
    root = _trailer_number(tail, b"/Root ", b" 0 R")
    info = _trailer_number(tail, b"/Info ", b" 0 R")
    doc_id = _trailer_id(tail)
    prev = _startxref(tail)
    catalog = _catalog(pdf, root)
    if len(catalog) > MAX_SECTION or b"/Names" in catalog or MARKER in catalog:
        raise NotAPdf("cannot find a catalog to attach the signature to")
    body = canonical_json(envelope)
    if len(body) > MAX_ENVELOPE:
        raise ValueError(f"the envelope is {len(body)} bytes; at most {MAX_ENVELOPE}")
    ef, fs = size, size + 1
    objects = [
        (
            ef,
            b"<< /Type /EmbeddedFile /Subtype /application#2Fjson /Length %d >>\nstream\n"
            % len(body)
            + body
            + b"\nendstream",
        ),
        (
            fs,
            b"<< /Type /Filespec /F (%s) /UF (%s) /AFRelationship /Data "
            b"/Desc (CivicOps notice signature) /EF << /F %d 0 R >> >>"
            % (ATTACHMENT, ATTACHMENT, ef),
        ),
        (
            root,
            b"<<"
            + catalog.rstrip()
            + b" /Names << /EmbeddedFiles << /Names [(%s) %d 0 R] >> >>\n>>" % (ATTACHMENT, fs),
        ),
    ]
    out = bytearray(MARKER)
    offsets: dict[int, int] = {}
    for number, content in objects:
        offsets[number] = len(pdf) + len(out)
        out += b"%d 0 obj\n" % number + content + b"\nendobj\n"
    xref = len(pdf) + len(out)
    out += b"xref\n0 1\n0000000000 65535 f \n"
    out += b"%d 1\n%010d 00000 n \n" % (root, offsets[root])
    out += b"%d 2\n%010d 00000 n \n%010d 00000 n \n" % (ef, offsets[ef], offsets[fs])
    out += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /ID %s /Prev %d >>\n" % (
        size + 2,
        root,
        info,
        doc_id,
        prev,
    )
    out += b"startxref\n%d\n" % xref + _EOF
    if len(out) > MAX_SECTION:  # read_sealed looks for the marker this close to the end
        raise NotAPdf(f"the signature section would be {len(out)} bytes; at most {MAX_SECTION}")
    return bytes(out)


def seal_pdf(pdf: bytes, envelope: dict[str, Any]) -> bytes:
    """The PDF with the envelope appended as an incremental update."""
    return pdf + signature_section(pdf, envelope)


def _depth(value: Any) -> int:
    """How deeply decoded JSON nests (an object or array is one level), without recursion."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        if level > MAX_DEPTH:
            break
        stack.extend((child, level + 1) for child in children)
    return deepest


def _envelope_json(data: bytes, at: int) -> dict[str, Any]:
    """The envelope JSON of the signature section that starts at `at`; Damaged if unreadable."""
    pos = at + len(MARKER)
    found = _number(data, pos)
    if found is None or not data.startswith(_EF_HEAD, found[1]):
        raise Damaged("the signature section is damaged")
    found = _number(data, found[1] + len(_EF_HEAD))
    if found is None or not data.startswith(_EF_TAIL, found[1]):
        raise Damaged("the signature section is damaged")
    length, start = found[0], found[1] + len(_EF_TAIL)
    if length > MAX_ENVELOPE or start + length > len(data):
        raise Damaged("the signature section is damaged (its length is wrong)")
    try:
        envelope = json.loads(data[start : start + length].decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Damaged("the signature section is damaged (not readable JSON)") from None
    if not isinstance(envelope, dict):
        raise Damaged("the signature section is damaged (not an object)")
    if _depth(envelope) > MAX_DEPTH:
        raise Damaged("the signature section is damaged (nested too deeply)")
    return envelope


def read_sealed(data: bytes) -> tuple[bytes, dict[str, Any]]:
    """Split a sealed PDF into its signed bytes and its envelope.

    Raises NotAPdf, Unsigned, or Damaged (the signature section was changed).
    """
    if not data.startswith(b"%PDF-"):
        raise NotAPdf("not a PDF: the file does not start with %PDF-")
    at = data.rfind(MARKER, max(0, len(data) - MAX_SECTION))  # seal_pdf keeps it this short
    if at < 0:
        if b"%%EOF" not in data[-1024:]:
            raise NotAPdf("not a complete PDF: no %%EOF at its end")
        raise Unsigned("the PDF carries no CivicOps notice signature")
    envelope = _envelope_json(data, at)
    signed = data[:at]
    try:
        expected = signature_section(signed, envelope)
    except (ValueError, RecursionError):  # NotAPdf is a ValueError
        raise Damaged("the signed part of the file is not the PDF that was signed") from None
    if len(expected) != len(data) - at or not data.startswith(expected, at):
        raise Damaged("bytes of the file outside the signed content were changed")
    return signed, envelope
