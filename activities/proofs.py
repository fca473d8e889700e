"""The verify_proof activity: check proof photos' type, size, EXIF and reuse, then record them."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import io
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from botocore.client import BaseClient
from botocore.exceptions import ClientError
from PIL import Image
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.running import resilient
from domain.proof import (
    MAX_PROOF_BYTES,
    PROOF_ROLES,
    CheckedPhoto,
    ProofPhotoRef,
    ProofVerdict,
    VerifyProofInput,
    proof_prefix,
)
from geo.zones import haversine_m
from records.db import write_transaction
from records.tables import ProofPhoto

INDIA = ZoneInfo("Asia/Kolkata")  # naive EXIF times are taken to be local time in India
ACCEPTED = "JPEG, PNG, WEBP or HEIC"
HEIC_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"})
_HEVC_BRANDS = HEIC_BRANDS - {b"mif1", b"msf1"}  # generic HEIF brands AVIF files carry too
_AVIF_BRANDS = frozenset({b"avif", b"avis"})
_VIDEO_BRANDS = frozenset({b"isom", b"iso2", b"mp41", b"mp42", b"qt  ", b"M4V ", b"3gp4", b"3gp5"})
_PILLOW_FORMAT = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
_NOT_FOUND = ("404", "NoSuchKey", "NotFound")

# EXIF tags (Pillow numbers them as in the TIFF/EXIF specs).
_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825
_DATETIME, _DATETIME_ORIGINAL = 0x0132, 0x9003
_OFFSET_TIME, _OFFSET_TIME_ORIGINAL = 0x9010, 0x9011
_GPS_LAT_REF, _GPS_LAT, _GPS_LON_REF, _GPS_LON = 1, 2, 3, 4


class _Rejected(Exception):
    """Carries a rejection out of the checks; verify_proof turns it into a verdict."""

    def __init__(self, code: str, role: str | None, reason: str) -> None:
        super().__init__(reason)
        self.code, self.role, self.reason = code, role, reason

    def verdict(self) -> ProofVerdict:
        """The verdict the caller sees."""
        return ProofVerdict(accepted=False, reason=self.reason, field=self.role, code=self.code)


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
        raise ValueError(str(exc) or type(exc).__name__) from exc
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
    try:
        return dict(exif.get_ifd(tag))
    except Exception:  # a malformed sub-IFD is treated as absent
        return {}


def _text(value: Any) -> str | None:
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


def _as_utc(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _is_not_found(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") in _NOT_FOUND


class ProofActivities:
    """Holds the S3 client and bucket the proof checks read photos from."""

    def __init__(self, s3: BaseClient, bucket: str, max_bytes: int = MAX_PROOF_BYTES) -> None:
        self.s3 = s3
        self.bucket = bucket
        self.max_bytes = max_bytes

    @activity.defn(name="verify_proof")
    @resilient
    async def verify_proof(self, data: VerifyProofInput) -> ProofVerdict:
        """Check every proof photo and record their hashes; a retry gives the same verdict.

        A rejection is returned (accepted=False, with code, reason and field); S3 and database
        outages raise, so Temporal retries them.
        """
        roles = [photo.role for photo in data.photos]
        unknown = [role for role in roles if role not in PROOF_ROLES]
        if unknown or len(set(roles)) != len(roles):
            raise ApplicationError(
                f"proof photo roles must be distinct and among {PROOF_ROLES}, got {roles}",
                type="BadInput",
                non_retryable=True,
            )
        try:
            if "after" not in roles:
                raise _Rejected("missing", "after", "The after photo is required.")
            checked = [await self._check(data, photo) for photo in data.photos]
            _check_distinct(checked)
            await self._check_unused(data.tracking_id, checked)
            await self._record(data, checked)
        except _Rejected as rejected:
            activity.logger.info(
                "proof for %s rejected (%s, %s): %s",
                data.tracking_id,
                rejected.code,
                rejected.role,
                rejected.reason,
            )
            return rejected.verdict()
        return ProofVerdict(accepted=True, photos=checked)

    async def _check(self, data: VerifyProofInput, photo: ProofPhotoRef) -> CheckedPhoto:
        """One photo's checks, in order: place, presence, size, type, integrity, EXIF."""
        role, key = photo.role, photo.key
        prefix = proof_prefix(data.tracking_id)
        name = key[len(prefix) :]
        if not key.startswith(prefix) or not name or "/" in name or "\\" in name:
            raise _Rejected(
                "outside_prefix",
                role,
                f"The {role} photo must be uploaded for case {data.tracking_id} "
                f"(under {prefix}), not at {key!r}.",
            )
        missing = f"The {role} photo was not uploaded (nothing at {key})."
        head = await self._head(key)
        if head is None:
            raise _Rejected("missing", role, missing)
        await self._check_size(role, key, int(head.get("ContentLength", 0)))
        body = await self._read(key)
        if body is None:
            raise _Rejected("missing", role, missing)
        await self._check_size(role, key, len(body))  # the object may have changed since HEAD
        content_type, found = sniff_type(body)
        if content_type is None:
            raise _Rejected(
                "wrong_type", role, f"The {role} photo is {found}, not a photo ({ACCEPTED})."
            )
        sha256 = await asyncio.to_thread(lambda: hashlib.sha256(body).hexdigest())
        try:
            facts = await asyncio.to_thread(inspect_photo, body, content_type)
        except ValueError as exc:
            raise _Rejected(
                "corrupt",
                role,
                f"The {role} photo looks like {found} but cannot be read; it may be damaged or "
                f"cut short ({exc}).",
            ) from None
        flags = list(facts.flags)
        distance = None
        if facts.latitude is not None and facts.longitude is not None:
            distance = round(
                haversine_m(data.latitude, data.longitude, facts.latitude, facts.longitude), 1
            )
            if distance > data.max_distance_m:
                flags.append("gps_far")
        if facts.taken_at is not None and facts.taken_at < _as_utc(data.assigned_at):
            flags.append("taken_before_assignment")
        return CheckedPhoto(
            role=role,
            key=key,
            sha256=sha256,
            content_type=content_type,
            size_bytes=len(body),
            taken_at=facts.taken_at,
            gps_latitude=facts.latitude,
            gps_longitude=facts.longitude,
            distance_m=distance,
            flags=flags,
        )

    async def _check_size(self, role: str, key: str, size: int) -> None:
        """Reject an empty photo; delete and reject one over the limit."""
        if size == 0:
            raise _Rejected("empty", role, f"The {role} photo is an empty file.")
        if size > self.max_bytes:
            await asyncio.to_thread(self.s3.delete_object, Bucket=self.bucket, Key=key)
            raise _Rejected(
                "too_large",
                role,
                f"The {role} photo is larger than the limit of {self.max_bytes:,} bytes; "
                "it was deleted, upload a smaller one.",
            )

    async def _head(self, key: str) -> dict[str, Any] | None:
        """The object's metadata, or None if there is no such object."""
        try:
            return await asyncio.to_thread(self.s3.head_object, Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if _is_not_found(exc):
                return None
            raise

    async def _read(self, key: str) -> bytes | None:
        """At most max_bytes + 1 bytes of the object, or None if it is gone."""

        def read() -> bytes | None:
            try:
                response = self.s3.get_object(Bucket=self.bucket, Key=key)
            except ClientError as exc:
                if _is_not_found(exc):
                    return None
                raise
            body = response["Body"]
            try:
                return body.read(self.max_bytes + 1)
            finally:
                body.close()

        return await asyncio.to_thread(read)

    async def _check_unused(self, tracking_id: str, photos: list[CheckedPhoto]) -> None:
        """Reject a photo whose hash already proved a case, unless it is this very upload."""
        owners = await self._owners([photo.sha256 for photo in photos])
        for photo in photos:
            _check_owner(tracking_id, photo, owners.get(photo.sha256))

    async def _owners(self, hashes: list[str]) -> dict[str, dict[str, Any]]:
        rows = await ProofPhoto.select(
            ProofPhoto.sha256, ProofPhoto.tracking_id, ProofPhoto.s3_key
        ).where(ProofPhoto.sha256.is_in(hashes))
        return {row["sha256"]: row for row in rows}

    async def _record(self, data: VerifyProofInput, photos: list[CheckedPhoto]) -> None:
        """Claim every photo's hash for this case, or none if another case claimed one first."""
        rows = [
            ProofPhoto(
                sha256=photo.sha256,
                tracking_id=data.tracking_id,
                s3_key=photo.key,
                role=photo.role,
                content_type=photo.content_type,
                size_bytes=photo.size_bytes,
                official=data.official_id,
                taken_at=photo.taken_at,
                gps_latitude=photo.gps_latitude,
                gps_longitude=photo.gps_longitude,
                distance_m=photo.distance_m,
                flags=photo.flags,
            )
            for photo in photos
        ]
        async with write_transaction():
            await ProofPhoto.insert(*rows).on_conflict(
                target=ProofPhoto.sha256, action="DO NOTHING"
            )
            owners = await self._owners([photo.sha256 for photo in photos])
            for photo in photos:  # raising rolls back this attempt's rows
                _check_owner(data.tracking_id, photo, owners.get(photo.sha256))


def _check_distinct(photos: list[CheckedPhoto]) -> None:
    """Reject a before photo that is the after photo again."""
    seen: dict[str, str] = {}
    for photo in photos:
        if photo.sha256 in seen:
            raise _Rejected(
                "same_photo",
                photo.role,
                f"The {photo.role} photo is the same picture as the {seen[photo.sha256]} photo.",
            )
        seen[photo.sha256] = photo.role


def _check_owner(tracking_id: str, photo: CheckedPhoto, owner: dict[str, Any] | None) -> None:
    """Reject a photo whose hash is recorded for another case or another upload."""
    if owner is None or (owner["tracking_id"], owner["s3_key"]) == (tracking_id, photo.key):
        return
    if owner["tracking_id"] == tracking_id:
        reason = f"The {photo.role} photo was already submitted for this case ({tracking_id})."
    else:
        reason = (
            f"The {photo.role} photo was already used as proof for case {owner['tracking_id']}; "
            "take a new photo of this site."
        )
    raise _Rejected("reused", photo.role, reason)
