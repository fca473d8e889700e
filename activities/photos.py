"""Proof photo bytes: what type the magic bytes say, and what the EXIF says (time, place).

Pure functions on bytes, no I/O: `sniff_type` names a file from its first bytes (so a PDF
or a video uploaded as a photo is refused by name), `inspect_photo` decode-checks an image
with Pillow (HEIC through pillow-heif when installed) and `read_exif` takes the time taken
and the GPS position from its EXIF. `activities/proofs.py` is the one caller; Pillow stays
out of `domain/`, which the workflow sandbox imports.
"""

from __future__ import annotations

import functools
import io
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from PIL import Image

INDIA = ZoneInfo("Asia/Kolkata")  # naive EXIF times are taken to be local time in India
ACCEPTED = "JPEG, PNG, WEBP or HEIC"
HEIC_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"})
_HEVC_BRANDS = HEIC_BRANDS - {b"mif1", b"msf1"}  # generic HEIF brands AVIF files carry too
_AVIF_BRANDS = frozenset({b"avif", b"avis"})
_VIDEO_BRANDS = frozenset({b"isom", b"iso2", b"mp41", b"mp42", b"qt  ", b"M4V ", b"3gp4", b"3gp5"})
_PILLOW_FORMAT = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}

# EXIF tags (Pillow numbers them as in the TIFF/EXIF specs).
_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825
_DATETIME, _DATETIME_ORIGINAL = 0x0132, 0x9003
_OFFSET_TIME, _OFFSET_TIME_ORIGINAL = 0x9010, 0x9011
_GPS_LAT_REF, _GPS_LAT, _GPS_LON_REF, _GPS_LON = 1, 2, 3, 4


@dataclass
class PhotoFacts:
    """What the bytes of a photo say about themselves: EXIF time and place, and warnings."""

    taken_at: datetime | None = None
    latitude: float | None = None
    longitude: float | None = None
    flags: list[str] = field(default_factory=list)


def sniff_type(data: bytes) -> tuple[str | None, str]:
    """The photo MIME type the magic bytes say (None if not one we accept), and what it is."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", "a JPEG image"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", "a PNG image"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", "a WEBP image"
    if data[4:8] == b"ftyp":
        brands = _ftyp_brands(data)
        if brands & _HEVC_BRANDS or (brands & HEIC_BRANDS and not brands & _AVIF_BRANDS):
            return "image/heic", "a HEIC image"
        if brands & _AVIF_BRANDS:
            return None, "an AVIF image"
        if brands & _VIDEO_BRANDS:
            return None, "a video"
        return None, "an ISO media file"
    return None, _describe_other(data)


def _ftyp_brands(data: bytes) -> frozenset[bytes]:
    """The major and compatible brands of an ISO-BMFF `ftyp` box at the start of the file."""
    size = int.from_bytes(data[0:4], "big")
    end = min(len(data), size if 16 <= size <= 4096 else 16)
    brands = {data[8:12]}
    brands.update(data[i : i + 4] for i in range(16, end - 3, 4))
    return frozenset(brands)


def _describe_other(data: bytes) -> str:
    """A human name for a file that is not a photo we accept, or a generic one."""
    magic = (
        (b"%PDF-", "a PDF"),
        (b"GIF87a", "a GIF image"),
        (b"GIF89a", "a GIF image"),
        (b"II*\x00", "a TIFF or RAW image"),
        (b"MM\x00*", "a TIFF or RAW image"),
        (b"BM", "a BMP image"),
        (b"PK\x03\x04", "a ZIP archive or Office document"),
        (b"\x1f\x8b", "a gzip archive"),
        (b"\x00\x00\x01\x00", "an icon file"),
        (b"\x1aE\xdf\xa3", "a video"),
    )
    for prefix, name in magic:
        if data.startswith(prefix):
            return name
    if data[:4] == b"RIFF":
        return "a video or audio file" if data[8:12] in (b"AVI ", b"WAVE") else "a RIFF file"
    try:
        text = data[:4096].decode("utf-8").lstrip("\ufeff \t\r\n").lower()
    except UnicodeDecodeError:
        return "a file of unknown type"
    if text.startswith("<svg") or (text.startswith("<?xml") and "<svg" in text):
        return "an SVG drawing"
    if text.startswith(("<!doctype html", "<html")):
        return "an HTML page"
    if all(ch.isprintable() or ch in "\t\r\n" for ch in text):
        return "a text file"
    return "a file of unknown type"


@functools.cache
def _heif_opener() -> bool:
    """Register pillow-heif with Pillow if it is installed; True when HEIC can be decoded."""
    try:
        from pillow_heif import register_heif_opener  # type: ignore[import-not-found]
    except ImportError:
        return False
    register_heif_opener()
    return True


def inspect_photo(data: bytes, content_type: str) -> PhotoFacts:
    """Decode-check a photo and read its EXIF; raises ValueError if the image is corrupt.

    HEIC is decoded only when pillow-heif is installed; otherwise it gets the flag
    "not_decoded" (neither its pixels nor its EXIF were checked).
    """
    if content_type == "image/heic":
        if not _heif_opener():
            return PhotoFacts(flags=["not_decoded"])
        fmt = "HEIF"
    else:
        fmt = _PILLOW_FORMAT[content_type]
    try:
        with Image.open(io.BytesIO(data), formats=[fmt]) as im:
            im.verify()
        with Image.open(io.BytesIO(data), formats=[fmt]) as im:
            if fmt == "JPEG":  # decode at 1/8 scale: reads every byte, a fraction of the memory
                im.draft("RGB", (max(1, im.width // 8), max(1, im.height // 8)))
            im.load()
            exif = im.getexif()
    except MemoryError:
        raise
    except Exception as exc:  # Pillow signals a broken file with many exception types
        # Pillow names the in-memory file ("<_io.BytesIO object at 0x…>"): nothing to a citizen.
        said = re.sub(r"\s*<[^<>]* object at 0x[0-9a-f]+>", "", str(exc)).strip()
        raise ValueError(said or type(exc).__name__) from exc
    return read_exif(exif)


def read_exif(exif: Image.Exif) -> PhotoFacts:
    """Time taken (UTC) and GPS position from EXIF, with flags for what is missing."""
    if not exif:
        return PhotoFacts(flags=["no_exif"])
    facts = PhotoFacts()
    details = _ifd(exif, _EXIF_IFD)
    taken = _exif_time(details.get(_DATETIME_ORIGINAL), details.get(_OFFSET_TIME_ORIGINAL))
    if taken is None:
        taken = _exif_time(exif.get(_DATETIME), details.get(_OFFSET_TIME))
    facts.taken_at = taken
    gps = _ifd(exif, _GPS_IFD)
    lat = _degrees(gps.get(_GPS_LAT), gps.get(_GPS_LAT_REF), "S", 90.0)
    lon = _degrees(gps.get(_GPS_LON), gps.get(_GPS_LON_REF), "W", 180.0)
    if lat is not None and lon is not None and (lat, lon) != (0.0, 0.0):
        facts.latitude, facts.longitude = lat, lon
    if facts.latitude is None:
        facts.flags.append("no_gps")
    if facts.taken_at is None:
        facts.flags.append("no_time")
    return facts


def _ifd(exif: Image.Exif, tag: int) -> dict[int, Any]:
    """One sub-IFD of the EXIF (its details, its GPS) as a dict; empty when unreadable."""
    try:
        return dict(exif.get_ifd(tag))
    except Exception:  # a malformed sub-IFD is treated as absent
        return {}


def _text(value: Any) -> str | None:
    """An EXIF ASCII value as text without padding, or None."""
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str):
        return None
    return value.strip("\x00 ").strip() or None


def _exif_time(value: Any, offset: Any) -> datetime | None:
    """An EXIF "YYYY:MM:DD HH:MM:SS" in UTC; its offset if given, else India time."""
    text = _text(value)
    if text is None:
        return None
    try:
        naive = datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    tz: Any = INDIA
    offset_text = _text(offset)
    if offset_text and len(offset_text) >= 6 and offset_text[0] in "+-":
        try:
            hours, minutes = int(offset_text[1:3]), int(offset_text[4:6])
            delta = timedelta(hours=hours, minutes=minutes)
            tz = timezone(-delta if offset_text[0] == "-" else delta)
        except ValueError:
            tz = INDIA
    return naive.replace(tzinfo=tz).astimezone(UTC)


def _degrees(value: Any, ref: Any, negative: str, limit: float) -> float | None:
    """EXIF GPS (degrees, minutes, seconds) rationals to signed decimal degrees."""
    try:
        d, m, s = (float(part) for part in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    degrees = d + m / 60.0 + s / 3600.0
    if not math.isfinite(degrees) or degrees > limit:
        return None
    ref_text = (_text(ref) or "").upper()
    return -degrees if ref_text.startswith(negative) else degrees
