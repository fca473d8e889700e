"""Citizens' photos and voice notes: upload slots, multipart uploads, and public photo copies.

`POST /v1/complaints/uploads` takes either JSON, asking for presigned PUT slots (one per
file, signed with the file's type and length), or `multipart/form-data` with the files
themselves (`photo` up to 4 times, `voice` once), checked at once and stored. Either way the
answer gives keys that a filing names in `photos` and `voice_note`; the filing checks them
again (api/attachments.py), so a slot's bytes are judged the same as a multipart part's.

`GET /v1/media/{name}` serves the public copy of a filed photo (no EXIF, made at filing).
Nothing else is reachable there: not an original, not a voice note (personal data).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException, ValidationException
from litestar.openapi.spec import OpenAPIMediaType, Operation, RequestBody, Schema
from litestar.openapi.spec.enums import OpenAPIType
from litestar.params import PathParameter
from litestar.status_codes import (
    HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    HTTP_415_UNSUPPORTED_MEDIA_TYPE,
)
from msgspec import Meta
from multipart import (
    MultipartSegment,
    ParserError,
    ParserLimitReached,
    PushMultipartParser,
    parse_options_header,
)

from activities.audio import AUDIO_TYPES, MAX_AUDIO_BYTES, MAX_AUDIO_SECONDS
from api import bodies
from api.attachments import (
    MAX_PHOTO_BYTES,
    MAX_PHOTOS,
    in_storage,
    inspect_upload,
    media_slot,
)
from api.auth import PUBLIC, current_principal
from api.controllers.complaints import FILERS
from api.errors import FieldError
from api.openapi import answers
from domain.proof import ALLOWED_TYPES as PHOTO_TYPES
from storage import uploads

MAX_VOICE_NOTES = 1
_OVERHEAD = 64 * 1024  # multipart headers and boundaries
MAX_MULTIPART_BYTES = MAX_PHOTOS * MAX_PHOTO_BYTES + MAX_VOICE_NOTES * MAX_AUDIO_BYTES + _OVERHEAD
MAX_PUBLIC_BYTES = 32 * 1024 * 1024  # a 2048 px copy is far smaller; a bound all the same
PUBLIC_CACHE = "public, max-age=86400, immutable"  # a copy's name is its photo's hash
_LIMITS = {"photo": (MAX_PHOTOS, MAX_PHOTO_BYTES), "voice": (MAX_VOICE_NOTES, MAX_AUDIO_BYTES)}


def _voice_ext(content_type: str) -> str:
    """The file extension a voice note of this type is stored with."""
    known: Any = AUDIO_TYPES
    if isinstance(known, dict):
        return str(known[content_type])
    return content_type.rsplit("/", 1)[-1].removeprefix("x-")[:4] or "bin"


def _types(kind: str) -> list[str]:
    """The content types one kind of file may be."""
    return sorted(PHOTO_TYPES) if kind == "photo" else sorted(AUDIO_TYPES)


def _ext(kind: str, content_type: str) -> str:
    """The extension a file of this kind and (accepted) type is stored with."""
    return PHOTO_TYPES[content_type] if kind == "photo" else _voice_ext(content_type)


class UploadFileIn(msgspec.Struct, forbid_unknown_fields=True):
    """One file the app is about to upload: what it is, its type and its exact size."""

    kind: Literal["photo", "voice"]
    content_type: Annotated[str, Meta(min_length=1, max_length=100)]
    size_bytes: Annotated[int, Meta(ge=1)]


class UploadRequestIn(msgspec.Struct, forbid_unknown_fields=True):
    """The files of one filing: up to 4 photos and one voice note."""

    files: Annotated[list[UploadFileIn], Meta(min_length=1, max_length=MAX_PHOTOS + 1)]


class UploadSlotOut(msgspec.Struct):
    """Where to PUT one file: exactly `headers`, exactly the announced bytes, before expiry."""

    kind: str
    key: str
    url: str
    method: str
    headers: dict[str, str]
    expires_at: datetime
    max_bytes: int


class UploadedOut(msgspec.Struct, omit_defaults=True):
    """A file received and checked: name `key` in the filing's photos or voice_note."""

    key: str
    kind: str
    content_type: str
    size_bytes: int
    sha256: str
    duration_s: float | None = None


class UploadsOut(msgspec.Struct, omit_defaults=True):
    """Slots to upload to (a JSON request), or the files received (a multipart one)."""

    slots: list[UploadSlotOut] | None = None
    attachments: list[UploadedOut] | None = None
    max_photos: int = MAX_PHOTOS
    max_voice_seconds: float = float(MAX_AUDIO_SECONDS)


@dataclass
class UploadOperation(Operation):
    """The upload route reads its body itself: JSON asking for slots, or the files as a form."""

    def __post_init__(self) -> None:
        """Describe both bodies the route accepts."""
        file_in = Schema(
            type=OpenAPIType.OBJECT,
            required=["kind", "content_type", "size_bytes"],
            properties={
                "kind": Schema(type=OpenAPIType.STRING, enum=["photo", "voice"]),
                "content_type": Schema(type=OpenAPIType.STRING, max_length=100),
                "size_bytes": Schema(type=OpenAPIType.INTEGER, minimum=1),
            },
        )
        json_body = Schema(
            type=OpenAPIType.OBJECT,
            required=["files"],
            properties={
                "files": Schema(
                    type=OpenAPIType.ARRAY, items=file_in, min_items=1, max_items=MAX_PHOTOS + 1
                )
            },
        )
        binary = Schema(type=OpenAPIType.STRING, format="binary")
        form = Schema(
            type=OpenAPIType.OBJECT,
            properties={
                "photo": Schema(type=OpenAPIType.ARRAY, items=binary, max_items=MAX_PHOTOS),
                "voice": binary,
            },
        )
        self.request_body = RequestBody(
            content={
                "application/json": OpenAPIMediaType(schema=json_body),
                "multipart/form-data": OpenAPIMediaType(schema=form),
            },
            required=True,
            description="JSON for presigned PUT slots, or the files themselves as a form.",
        )


def _over_count(kind: str, seen: int, name: str) -> None:
    """400 naming the file that goes past the limit of its kind (4 photos, 1 voice note)."""
    most = _LIMITS[kind][0]
    if seen > most:
        what = f"{most} photos" if kind == "photo" else "one voice note"
        raise FieldError(name, f"a filing may carry at most {what}")


def _media_type(value: str) -> str:
    """A Content-Type without its parameters, lower-cased."""
    return value.split(";")[0].strip().lower()


async def _slots(request: Request, raw: bytes) -> UploadsOut:
    """Presigned PUT slots for the files a JSON body announces."""
    try:
        value = bodies.parse(raw)
    except (ValueError, UnicodeDecodeError):
        raise FieldError("body", "is not valid JSON") from None
    try:
        data = msgspec.convert(value, UploadRequestIn, strict=True, str_keys=True)
    except msgspec.ValidationError as exc:
        message = str(exc)
        raise ValidationException(
            detail=message, extra=[{"message": message, "source": "body"}]
        ) from None
    seen = {"photo": 0, "voice": 0}
    types: list[str] = []
    for i, f in enumerate(data.files):
        seen[f.kind] += 1
        _over_count(f.kind, seen[f.kind], f"files[{i}]")
        content_type = _media_type(f.content_type)
        if content_type not in _types(f.kind):
            raise FieldError(
                f"files[{i}].content_type",
                f"a {f.kind} must be one of {', '.join(_types(f.kind))}, not {f.content_type!r}",
            )
        limit = _LIMITS[f.kind][1]
        if f.size_bytes > limit:
            raise FieldError(f"files[{i}].size_bytes", f"a {f.kind} is at most {limit:,} bytes")
        types.append(content_type)
    principal = current_principal(request)
    settings = request.app.state.settings
    upload_id = uploads.new_upload_id()
    slots = [
        uploads.presign_put(  # local signing: no network, no thread needed
            request.app.state.s3_public,
            settings.s3_bucket,
            uploads.upload_key(principal.key_id, upload_id, i, _ext(f.kind, content_type)),
            content_type,
            f.size_bytes,
            _LIMITS[f.kind][1],
        )
        for i, (f, content_type) in enumerate(zip(data.files, types, strict=True))
    ]
    return UploadsOut(
        slots=[
            UploadSlotOut(f.kind, s.key, s.url, s.method, s.headers, s.expires_at, s.max_bytes)
            for f, s in zip(data.files, slots, strict=True)
        ]
    )


def _part_name(segment: MultipartSegment, counts: dict[str, int]) -> tuple[str, str]:
    """The kind and the field name (`photo[1]`, `voice`) of a form part; 400 if unexpected."""
    kind = segment.name or ""
    if kind not in _LIMITS:
        raise FieldError(
            kind or "body", "is not a field here: send files as `photo` (up to 4) and `voice`"
        )
    index = counts[kind]
    counts[kind] += 1
    name = f"photo[{index}]" if kind == "photo" else "voice" if index == 0 else f"voice[{index}]"
    _over_count(kind, counts[kind], name)
    return kind, name


async def _read_form(request: Request) -> list[tuple[str, str, bytes]]:
    """(kind, field, bytes) of each file in a multipart body, each read within its limit."""
    _, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get("boundary")
    if not boundary or len(boundary) > 200:
        raise FieldError("Content-Type", "multipart/form-data needs a boundary")
    files: list[tuple[str, str, bytes]] = []
    counts = {"photo": 0, "voice": 0}
    current: tuple[str, str, bytearray] | None = None
    try:
        with PushMultipartParser(boundary, max_segment_count=MAX_PHOTOS + 2) as parser:
            async for chunk in request.stream():
                if parser.closed:
                    break  # past the closing boundary: nothing more is read
                for event in parser.parse(chunk):
                    if isinstance(event, MultipartSegment):
                        kind, name = _part_name(event, counts)
                        current = (kind, name, bytearray())
                    elif event and current is not None:
                        kind, name, buf = current
                        buf.extend(event)
                        if len(buf) > _LIMITS[kind][1]:
                            raise FieldError(
                                name,
                                f"is larger than the {_LIMITS[kind][1]:,} byte limit",
                                status_code=HTTP_413_REQUEST_ENTITY_TOO_LARGE,
                            )
                    elif event is None and current is not None:
                        files.append((current[0], current[1], bytes(current[2])))
                        current = None
            if not parser.closed:
                for _ in parser.parse(b""):  # the end of the body: the parser checks it is whole
                    pass
    except ParserLimitReached:
        raise FieldError("body", "too many parts: at most 4 photos and 1 voice note") from None
    except ParserError as exc:
        raise FieldError("body", f"is not valid multipart/form-data ({exc})") from None
    if not files:
        raise FieldError("body", "no files: send `photo` (up to 4) and/or `voice`")
    return files


async def _receive(request: Request) -> UploadsOut:
    """Check every file of a multipart body, then store them all; the checked attachments."""
    length = request.headers.get("content-length", "")
    if 0 < len(length) <= 20 and length.isdigit() and int(length) > MAX_MULTIPART_BYTES:
        raise FieldError(
            "body",
            f"larger than {MAX_MULTIPART_BYTES:,} bytes (4 photos of 10 MB and a 5 MB voice note)",
            status_code=HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    principal = current_principal(request)
    async with media_slot(request.app.state):
        files = await _read_form(request)
        checked = []
        upload_id = uploads.new_upload_id()
        for n, (kind, name, data) in enumerate(files):  # one at a time: bounded memory
            attachment = await inspect_upload(kind, name, "", data)
            key = uploads.upload_key(
                principal.key_id, upload_id, n, _ext(kind, attachment.content_type)
            )
            checked.append((attachment, key, data))
        s3, bucket = request.app.state.s3, request.app.state.settings.s3_bucket
        for attachment, key, data in checked:
            await in_storage(uploads.put_bytes, s3, bucket, key, data, attachment.content_type)
    return UploadsOut(
        attachments=[
            UploadedOut(key, a.kind, a.content_type, a.size_bytes, a.sha256, a.duration_s)
            for a, key, _ in checked
        ]
    )


class UploadController(Controller):
    """Where a citizen's app sends the photos and voice note of a complaint before filing it."""

    path = "/v1/complaints/uploads"
    tags = ["intake"]

    @post(
        "/",
        operation_id="uploadComplaintMedia",
        opt=FILERS,
        status_code=201,
        request_max_body_size=MAX_MULTIPART_BYTES,
        operation_class=UploadOperation,
        responses=answers(400, 413, 415, 422),
        summary="Upload photos and a voice note for a complaint",
    )
    async def upload(self, request: Request) -> UploadsOut:
        """JSON `{"files": [{"kind", "content_type", "size_bytes"}]}` gives presigned PUT slots;
        a multipart form (`photo` up to 4 times, `voice` once) is checked and stored now.

        Photos are JPEG, PNG, WEBP or HEIC of at most 10 MB; a voice note is Ogg/Opus,
        WebM/Opus, M4A/AAC, MP3 or WAV of at most 5 MB and 2 minutes. Name the keys in the
        filing.
        """
        media_type = _media_type(request.headers.get("content-type", ""))
        if bodies.is_json(media_type):
            return await _slots(request, await request.body())
        if media_type == "multipart/form-data":
            return await _receive(request)
        raise FieldError(
            "Content-Type",
            "must be application/json (for upload slots) or multipart/form-data (the files)",
            status_code=HTTP_415_UNSUPPORTED_MEDIA_TYPE,
        )


MediaName = Annotated[
    str,
    PathParameter(description="A public photo's name, e.g. <sha256>.jpg", max_length=80),
]


class MediaController(Controller):
    """Public copies of complaint photos, EXIF removed; originals and voice notes are never here."""

    path = "/v1/media"
    tags = ["public"]

    @get(
        "/{name:str}",
        operation_id="getPublicPhoto",
        opt=PUBLIC,
        media_type="image/jpeg",
        responses=answers(404),
        summary="A complaint photo's public copy",
    )
    async def photo(self, request: Request, name: MediaName) -> Response[bytes]:
        """The photo as the public sees it: upright, no EXIF, cacheable for a day."""
        if not uploads.MEDIA_NAME.match(name):
            raise FieldError("name", "is not a public photo's name (<sha256>.jpg, .png or .webp)")
        settings = request.app.state.settings
        found = await in_storage(
            uploads.read_public, request.app.state.s3, settings.s3_bucket, name, MAX_PUBLIC_BYTES
        )
        if found is None:
            raise NotFoundException(f"no public photo {name}")
        data, content_type = found
        return Response(
            data,
            media_type=content_type,
            headers={
                "Cache-Control": PUBLIC_CACHE,
                "X-Content-Type-Options": "nosniff",
                "ETag": f'"{name.split(".", 1)[0]}"',
            },
        )
