"""Embed a notice's signature envelope in its PDF, and read it back.

The envelope (payload, digests, both signatures) goes into an incremental update appended
after the rendered PDF, as an attached file `civicops-signature.json` that PDF viewers list
under attachments. The signed content is every byte before the update, which begins with
the marker line ``%CivicOps-Notice-Signature``. Reading regenerates the update from the
envelope and demands byte equality, so no byte of the file can change unnoticed.
"""

from __future__ import annotations

import json
import re
from typing import Any

from notices.model import canonical_json

MARKER = b"%CivicOps-Notice-Signature\n"
ATTACHMENT = b"civicops-signature.json"
_EOF = b"%%EOF\n"


class NotAPdf(ValueError):
    """The bytes are not a complete PDF file."""


class Unsigned(ValueError):
    """A PDF without a CivicOps signature."""


class Damaged(ValueError):
    """The signature section exists but was changed or cut."""


def _trailer_value(trailer: bytes, pattern: bytes) -> bytes:
    match = re.search(pattern, trailer)
    if match is None:
        raise NotAPdf(f"trailer has no {pattern.decode()!r}")
    return match.group(1)


def seal_pdf(pdf: bytes, envelope: dict[str, Any]) -> bytes:
    """The PDF with the envelope appended as an incremental update."""
    if not pdf.startswith(b"%PDF-") or not pdf.endswith(_EOF):
        raise NotAPdf("not a complete PDF (no %PDF- header or %%EOF end)")
    tail = pdf[pdf.rfind(b"trailer") :]
    size = int(_trailer_value(tail, rb"/Size (\d+)"))
    root = int(_trailer_value(tail, rb"/Root (\d+) 0 R"))
    info = int(_trailer_value(tail, rb"/Info (\d+) 0 R"))
    doc_id = _trailer_value(tail, rb"/ID\s*(\[<[0-9a-fA-F]+>\s*<[0-9a-fA-F]+>\])")
    prev = int(_trailer_value(tail, rb"startxref\s+(\d+)"))
    catalog = re.search(rb"\n%d 0 obj\n<<(.*?)>>\nendobj\n" % root, pdf, re.DOTALL)
    if catalog is None or b"/Names" in catalog.group(1):
        raise NotAPdf("cannot find a catalog to attach the signature to")
    body = canonical_json(envelope)
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
            + catalog.group(1).rstrip()
            + b" /Names << /EmbeddedFiles << /Names [(%s) %d 0 R] >> >>\n>>" % (ATTACHMENT, fs),
        ),
    ]
    out = bytearray(pdf)
    out += MARKER
    offsets: dict[int, int] = {}
    for number, content in objects:
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + content + b"\nendobj\n"
    xref = len(out)
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
    return bytes(out)


_ENVELOPE = re.compile(
    rb"\d+ 0 obj\n<< /Type /EmbeddedFile /Subtype /application#2Fjson /Length (\d+) >>\nstream\n"
)


def read_sealed(data: bytes) -> tuple[bytes, dict[str, Any]]:
    """Split a sealed PDF into its signed bytes and its envelope.

    Raises NotAPdf, Unsigned, or Damaged (the signature section was changed).
    """
    if not data.startswith(b"%PDF-"):
        raise NotAPdf("not a PDF: the file does not start with %PDF-")
    at = data.rfind(MARKER)
    if at < 0:
        if b"%%EOF" not in data[-1024:]:
            raise NotAPdf("not a complete PDF: no %%EOF at its end")
        raise Unsigned("the PDF carries no CivicOps notice signature")
    signed = data[:at]
    match = _ENVELOPE.match(data, at + len(MARKER))
    if match is None:
        raise Damaged("the signature section is damaged")
    start = match.end()
    length = int(match.group(1))
    try:
        envelope = json.loads(data[start : start + length].decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise Damaged("the signature section is damaged (not readable JSON)") from None
    if not isinstance(envelope, dict):
        raise Damaged("the signature section is damaged (not an object)")
    try:
        expected = seal_pdf(signed, envelope)
    except (NotAPdf, ValueError):
        raise Damaged("the signed part of the file is not the PDF that was signed") from None
    if expected != data:
        raise Damaged("bytes of the file outside the signed content were changed")
    return signed, envelope
