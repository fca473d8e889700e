"""Citizens' photos and voice notes at filing: whose they are, what they are, and public copies.

A filing names the keys POST /v1/complaints/uploads gave out. `check_attachments` takes each
one through the same checks in order: the key is this API key's upload (422), the object is
there (422), its size (413), what its bytes are (415 for the wrong type, 422 when cut short
or undecodable), then its SHA-256. Photos are checked by `activities.photos` as proof photos
are; voice notes by `activities.audio`. Each error names `photos[i]` or `voice_note`.

A photo is shown publicly only as its public copy: decoded, turned upright by its EXIF
orientation, scaled to at most 2048 px, and saved again with no metadata at all (no EXIF,
so no GPS, no XMP, no comments); HEIC becomes JPEG so browsers can show it. The copy's name
is the original's SHA-256, so a retry writes the same object. The original is never served.

Reading and decoding are CPU- and memory-heavy, so they run in worker threads and at most
`MEDIA_SLOTS` requests check media at once; the rest wait up to `MEDIA_WAIT` seconds and
then get a 503 with Retry-After.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import io
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    HTTP_415_UNSUPPORTED_MEDIA_TYPE,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_503_SERVICE_UNAVAILABLE,
)
from PIL import Image, ImageOps

from activities.audio import MAX_AUDIO_BYTES, AudioRefused, inspect_audio
from activities.photos import ACCEPTED, inspect_photo, sniff_type
from api.errors import FieldError
from api.views import photo_url
from domain.case import Attachment
from domain.proof import MAX_PROOF_BYTES
from records.apikeys import Principal
from settings import Settings
from storage import uploads

log = logging.getLogger("civicops.api")
T = TypeVar("T")

MAX_PHOTOS = 4
MAX_PHOTO_BYTES = MAX_PROOF_BYTES  # 10 MB, as for proof photos
MAX_PHOTO_PIXELS = 50_000_000  # a 10 MB file may still claim gigapixels; refuse before decoding
PUBLIC_SIDE = 2048  # the public copy's longest side, in pixels
MEDIA_SLOTS = 4  # requests reading and decoding media at once: about 4 × 45 MB at most
MEDIA_WAIT = 10.0  # seconds a request may wait for a slot before it is refused with 503
_PILLOW_FORMAT = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
# What a photo's public copy is saved as: browsers show all three; HEIC becomes JPEG.
_PUBLIC_FORMAT = {
    "image/jpeg": ("JPEG", "jpg"),
    "image/heic": ("JPEG", "jpg"),
    "image/png": ("PNG", "png"),
    "image/webp": ("WEBP", "webp"),
}
# activities.audio's refusal codes as HTTP: the wrong type 415, too big or too long 413.
_AUDIO_STATUS = {
    "type": HTTP_415_UNSUPPORTED_MEDIA_TYPE,
    "too_large": HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    "too_long": HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    "truncated": HTTP_422_UNPROCESSABLE_ENTITY,
    "empty": HTTP_422_UNPROCESSABLE_ENTITY,
}


def _mb(n: int) -> str:
    """A byte limit as people say it."""
    return f"{n / (1024 * 1024):g} MB"


def storage_unavailable(exc: Exception) -> HTTPException:
    """503 with Retry-After: object storage is briefly out of reach."""
    log.warning("object storage unavailable: %r", exc)
    return HTTPException(
        status_code=HTTP_503_SERVICE_UNAVAILABLE,
        detail="photo and voice storage is briefly unavailable; retry shortly",
        headers={"Retry-After": "5"},
    )


async def in_storage(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run one blocking S3 call in a worker thread; an S3 outage becomes a 503."""
    try:
        return await asyncio.to_thread(fn, *args, **kwargs)
    except (ClientError, BotoCoreError) as exc:
        raise storage_unavailable(exc) from exc


@contextlib.asynccontextmanager
async def media_slot(app_state: State) -> AsyncIterator[None]:
    """Hold one of the app's media-checking slots; 503 with Retry-After if none frees in time."""
    slots = getattr(app_state, "media_slots", None)
    if slots is None:
        slots = app_state.media_slots = asyncio.Semaphore(MEDIA_SLOTS)
    try:
        await asyncio.wait_for(slots.acquire(), MEDIA_WAIT)
    except TimeoutError:
        log.warning("media checks busy: refused a request after %.0f s", MEDIA_WAIT)
        raise HTTPException(
            status_code=HTTP_503_SERVICE_UNAVAILABLE,
            detail="too many photos and voice notes are being checked at once; retry shortly",
            headers={"Retry-After": "5"},
        ) from None
    try:
        yield
    finally:
        slots.release()


def check_size(name: str, size: int, limit: int) -> None:
    """422 for an empty file, 413 for one over the limit, naming the field."""
    if size == 0:
        raise FieldError(name, "is an empty file", status_code=HTTP_422_UNPROCESSABLE_ENTITY)
    if size > limit:
        raise FieldError(
            name,
            f"is larger than the {_mb(limit)} limit",
            status_code=HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )


def _pixels(data: bytes, content_type: str) -> int | None:
    """How many pixels the image's header claims (None when it cannot be opened here)."""
    fmt = _PILLOW_FORMAT.get(content_type)
    if fmt is None:
        return None  # HEIC: inspect_photo opens it, if pillow-heif is there
    try:
        with Image.open(io.BytesIO(data), formats=[fmt]) as im:
            return im.width * im.height
    except Exception:  # an unreadable header: inspect_photo names the fault
        return None


def _inspect_photo(name: str, data: bytes) -> Attachment:
    """The checks of one photo's bytes (run in a thread); FieldError naming `name`."""
    check_size(name, len(data), MAX_PHOTO_BYTES)
    content_type, found = sniff_type(data)
    if content_type is None:
        raise FieldError(
            name,
            f"is {found}, not a photo ({ACCEPTED})",
            status_code=HTTP_415_UNSUPPORTED_MEDIA_TYPE,
        )
    pixels = _pixels(data, content_type)
    if pixels is not None and pixels > MAX_PHOTO_PIXELS:
        raise FieldError(
            name,
            f"has {pixels:,} pixels, more than the limit of {MAX_PHOTO_PIXELS:,}",
            status_code=HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    try:
        inspect_photo(data, content_type)
    except ValueError as exc:
        raise FieldError(
            name,
            f"looks like {found} but cannot be read; it may be damaged or cut short ({exc})",
            status_code=HTTP_422_UNPROCESSABLE_ENTITY,
        ) from None
    sha256 = hashlib.sha256(data).hexdigest()
    return Attachment("photo", "", sha256, content_type, len(data))


def _inspect_voice(name: str, data: bytes) -> Attachment:
    """The checks of one voice note's bytes (run in a thread); FieldError naming `name`."""
    check_size(name, len(data), MAX_AUDIO_BYTES)
    try:
        info = inspect_audio(data)
    except AudioRefused as exc:
        status = _AUDIO_STATUS.get(exc.code, HTTP_422_UNPROCESSABLE_ENTITY)
        raise FieldError(name, exc.message, status_code=status) from None
    sha256 = hashlib.sha256(data).hexdigest()
    return Attachment(
        "voice", "", sha256, info.content_type, len(data), duration_s=round(info.duration_s, 2)
    )


async def inspect_upload(kind: str, name: str, key: str, data: bytes) -> Attachment:
    """Check one uploaded file's bytes as a photo or a voice note; its attachment at `key`.

    FieldError naming `name`: 413 too big, 415 not a photo (or not audio), 422 empty, damaged
    or cut short. Runs in a worker thread.
    """
    inspect = _inspect_photo if kind == "photo" else _inspect_voice
    checked = await asyncio.to_thread(inspect, name, data)
    return dataclasses.replace(checked, key=key)


def public_copy(data: bytes, content_type: str) -> tuple[bytes, str] | None:
    """The photo as the public sees it, and its extension: upright, at most 2048 px, and with
    no metadata at all. None when it cannot be decoded here (HEIC without pillow-heif)."""
    if content_type == "image/heic":
        if "HEIF" not in Image.OPEN:  # registered by inspect_photo when pillow-heif is there
            return None
        source_format = "HEIF"
    else:
        source_format = _PILLOW_FORMAT[content_type]
    target, ext = _PUBLIC_FORMAT[content_type]
    with Image.open(io.BytesIO(data), formats=[source_format]) as im:
        if source_format == "JPEG":  # decode at the smallest scale still >= the public size
            im.draft("RGB", (PUBLIC_SIDE, PUBLIC_SIDE))
        im.load()
        upright = ImageOps.exif_transpose(im)
    upright.thumbnail((PUBLIC_SIDE, PUBLIC_SIDE))
    transparency = upright.info.get("transparency")
    if target == "JPEG" and upright.mode not in ("RGB", "L"):
        upright = upright.convert("RGB")
    elif target == "WEBP" and upright.mode not in ("RGB", "RGBA"):
        upright = upright.convert("RGBA" if "A" in upright.mode or transparency else "RGB")
    elif target == "PNG" and upright.mode not in ("1", "L", "LA", "P", "RGB", "RGBA", "I"):
        upright = upright.convert("RGBA")
    # Every piece of metadata goes: EXIF (GPS, camera, times), XMP, ICC, text chunks.
    upright.info.clear()
    options: dict[str, Any] = {}
    if target == "PNG" and transparency is not None and upright.mode in ("P", "L", "RGB"):
        options["transparency"] = transparency
    if target == "JPEG":
        options["quality"] = 85
    out = io.BytesIO()
    upright.save(out, target, **options)
    return out.getvalue(), ext


async def _publish(app_state: State, photo: Attachment, data: bytes) -> Attachment:
    """Write the photo's public copy (same name on a retry); the attachment naming it."""
    try:
        made = await asyncio.to_thread(public_copy, data, photo.content_type)
    except MemoryError:
        raise
    except Exception as exc:  # it decoded in inspect_photo; a failure here is not the citizen's
        log.warning("no public copy of %s: %r", photo.key, exc)
        return photo
    if made is None:
        return photo  # not shown publicly rather than shown with its EXIF
    copy, ext = made
    key = uploads.public_key(photo.sha256, ext)
    settings: Settings = app_state.settings
    content_type = uploads.MEDIA_TYPES[ext]
    await in_storage(uploads.put_bytes, app_state.s3, settings.s3_bucket, key, copy, content_type)
    return dataclasses.replace(photo, public_key=key)


async def _check_one(
    app_state: State, principal: Principal, kind: str, name: str, key: str
) -> Attachment:
    """One named upload: this key's, present, and its bytes pass; photos get a public copy."""
    if not uploads.is_own_upload(principal.key_id, key):
        raise FieldError(
            name,
            "is not an upload made with this API key (use a key from POST /v1/complaints/uploads)",
            status_code=HTTP_422_UNPROCESSABLE_ENTITY,
        )
    limit = MAX_PHOTO_BYTES if kind == "photo" else MAX_AUDIO_BYTES
    s3, bucket = app_state.s3, app_state.settings.s3_bucket
    missing = FieldError(
        name, f"not uploaded (nothing at {key})", status_code=HTTP_422_UNPROCESSABLE_ENTITY
    )
    found = await in_storage(uploads.head, s3, bucket, key)
    if found is None:
        raise missing
    check_size(name, int(found.get("ContentLength", 0)), limit)
    data = await in_storage(uploads.read_bounded, s3, bucket, key, limit)
    if data is None:
        raise missing
    checked = await inspect_upload(kind, name, key, data)
    if kind == "photo":
        checked = await _publish(app_state, checked, data)
    return checked


def _named(photos: list[str] | None, voice_note: str | None) -> list[tuple[str, str, str]]:
    """(kind, field, key) of each named upload; 400 for too many photos or a key named twice."""
    photos = photos or []
    if len(photos) > MAX_PHOTOS:
        raise FieldError("photos", f"at most {MAX_PHOTOS} photos may be attached")
    named = [("photo", f"photos[{i}]", key) for i, key in enumerate(photos)]
    if voice_note is not None:
        named.append(("voice", "voice_note", voice_note))
    seen: dict[str, str] = {}
    for _, name, key in named:
        if key in seen:
            raise FieldError(
                name, f"is the same upload as {seen[key]}", status_code=HTTP_400_BAD_REQUEST
            )
        seen[key] = name
    return named


async def check_attachments(
    app_state: State, principal: Principal, photos: list[str] | None, voice_note: str | None
) -> list[Attachment]:
    """The checked attachments of a filing, photos first; a 4xx naming the first one at fault.

    Each key must be an upload this principal made; its bytes are checked as
    `inspect_upload` does, and each photo's public copy is written (idempotently).
    """
    named = _named(photos, voice_note)
    if not named:
        return []
    async with media_slot(app_state):
        results = await asyncio.gather(
            *(_check_one(app_state, principal, kind, name, key) for kind, name, key in named),
            return_exceptions=True,
        )
    for result in results:  # the first field at fault, in the order the filing named them
        if isinstance(result, BaseException):
            raise result
    checked: list[Attachment] = [r for r in results if isinstance(r, Attachment)]
    first: dict[str, str] = {}
    for (_, name, _), attachment in zip(named, checked, strict=True):
        if attachment.sha256 in first:
            raise FieldError(
                name,
                f"is the same file as {first[attachment.sha256]}",
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
            )
        first[attachment.sha256] = name
    return checked


def public_photo_url(settings: Settings, attachment: Attachment) -> str:
    """Where a photo attachment's public copy is served; ValueError for one that has none."""
    if attachment.kind != "photo" or not attachment.public_key:
        raise ValueError(f"{attachment.kind} {attachment.key} has no public copy")
    return photo_url(settings.public_url, attachment.public_key)
