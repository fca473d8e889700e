"""WebM voice notes, as browsers record them: just enough EBML to know one and see it whole.

A WebM file is EBML: an EBML header element (whose DocType says "webm") and then one Segment
element holding the audio. Every element is an id and a size, both variable-length integers.
Chrome's and Firefox's MediaRecorder write the Segment's size as "unknown" (they stream);
ffmpeg and most apps write it. When the size is known and the file holds fewer bytes, it was
cut short. Reading is bounded: the header and one element size, never the whole file.
"""

from __future__ import annotations

EBML_MAGIC = b"\x1a\x45\xdf\xa3"
_SEGMENT = b"\x18\x53\x80\x67"
_DOC_TYPE = b"\x42\x82"
_HEADER_LIMIT = 256  # an EBML header is a few dozen bytes; more is not a voice note


def _vint(data: bytes, at: int) -> tuple[int, int, bool] | None:
    """The EBML variable-length integer at `at`: (value, length in bytes, means unknown)."""
    if at >= len(data) or data[at] == 0:
        return None
    length = 9 - data[at].bit_length()
    if at + length > len(data):
        return None
    value = data[at] & (0xFF >> length)
    for byte in data[at + 1 : at + length]:
        value = (value << 8) | byte
    return value, length, value == (1 << (7 * length)) - 1


def _header(data: bytes) -> tuple[bytes, int] | None:
    """The EBML header's body and where the element after it starts, or None if it has none."""
    if not data.startswith(EBML_MAGIC):
        return None
    size = _vint(data, len(EBML_MAGIC))
    if size is None or size[2] or size[0] > _HEADER_LIMIT:
        return None
    start = len(EBML_MAGIC) + size[1]
    return data[start : start + size[0]], start + size[0]


def is_webm(data: bytes) -> bool:
    """True when the bytes are EBML whose DocType is "webm" (not any other Matroska file)."""
    header = _header(data)
    if header is None:
        return False
    body = header[0]
    at = body.find(_DOC_TYPE)
    size = _vint(body, at + len(_DOC_TYPE)) if at >= 0 else None
    if size is None:
        return False
    start = at + len(_DOC_TYPE) + size[1]
    return body[start : start + size[0]] == b"webm"


def webm_cut(data: bytes) -> str | None:
    """Why a WebM file is not whole (cut in its header, no Segment, fewer bytes than its
    Segment announces), or None when what can be told from its sizes is whole."""
    header = _header(data)
    if header is None:
        return "its header is incomplete"
    _, after = header
    if after > len(data):
        return "its header is incomplete"
    if data[after : after + len(_SEGMENT)] != _SEGMENT:
        return "it holds no audio segment"
    size = _vint(data, after + len(_SEGMENT))
    if size is None:
        return "its audio segment is incomplete"
    value, length, unknown = size
    end = after + len(_SEGMENT) + length + value
    if not unknown and end > len(data):
        return f"it holds {len(data):,} of the {end:,} bytes it announces"
    return None
