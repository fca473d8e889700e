"""Citizens' uploads in S3: keys bound to the API key that uploaded them, and public copies.

An upload lives at `intake/<owner>/<upload id>/<n>.<ext>`, where `<owner>` is the first 16
hex digits of SHA-256 of the uploading key's id: a filing may name only keys under its own
key's prefix, so one app cannot attach another's upload, and the key reveals nothing of the
key it belongs to. A presigned PUT is signed with Content-Type and Content-Length (rclone and
S3 check both), so the slot takes exactly the bytes that were announced.

A photo's public copy (no EXIF, made at filing) lives at `media/<sha256 of the original>.<ext>`:
the name follows from the photo, so a retried filing writes the same object again.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

INTAKE_ROOT = "intake/"
MEDIA_PREFIX = "media/"
SLOT_SECONDS = 900  # a presigned PUT is good for 15 minutes: long enough on one bar of signal
_NOT_FOUND = ("404", "NoSuchKey", "NotFound")
_UPLOAD_KEY = re.compile(r"^intake/([0-9a-f]{16})/[0-9a-f]{32}/[0-9]\.([a-z0-9]{2,4})$")
# Public copies are browser-ready images only: the original and audio are never public.
MEDIA_TYPES: dict[str, str] = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
MEDIA_NAME = re.compile(r"^[0-9a-f]{64}\.(?:jpg|png|webp)$")


def owner_tag(key_id: str) -> str:
    """The part of an upload key that names the API key it belongs to (a hash, no secret)."""
    return hashlib.sha256(key_id.encode()).hexdigest()[:16]


def owner_prefix(key_id: str) -> str:
    """The S3 prefix every upload of this API key is under."""
    return f"{INTAKE_ROOT}{owner_tag(key_id)}/"


def new_upload_id() -> str:
    """A fresh id for one upload request (its files are numbered under it)."""
    return uuid.uuid4().hex


def upload_key(key_id: str, upload_id: str, n: int, ext: str) -> str:
    """The S3 key of the n-th file (0-9) of an upload request made with this API key."""
    if not 0 <= n <= 9:
        raise ValueError(f"an upload holds at most 10 files, not {n + 1}")
    return f"{owner_prefix(key_id)}{upload_id}/{n}.{ext}"


def is_own_upload(key_id: str, key: str) -> bool:
    """True when `key` is an upload key, and one made with this API key."""
    match = _UPLOAD_KEY.match(key)
    return match is not None and match.group(1) == owner_tag(key_id)


@dataclass
class UploadSlot:
    """Where and how a client uploads one file: PUT exactly the bytes to `url` with `headers`."""

    key: str
    url: str
    expires_at: datetime
    max_bytes: int
    method: str = "PUT"
    headers: dict[str, str] = field(default_factory=dict)


def presign_put(
    s3_public: BaseClient,
    bucket: str,
    key: str,
    content_type: str,
    size_bytes: int,
    max_bytes: int,
    expires_in: int = SLOT_SECONDS,
) -> UploadSlot:
    """A presigned PUT for one file, signed with its Content-Type and Content-Length.

    `s3_public` must be a client for the address users reach (`storage.s3.client(public=True)`).
    A PUT with another type or length fails the signature (403 from S3); the size and the
    bytes are checked again at filing all the same.
    """
    if not 0 < size_bytes <= max_bytes:
        raise ValueError(f"size_bytes must be between 1 and {max_bytes}, not {size_bytes}")
    url = s3_public.generate_presigned_url(
        "put_object",
        Params={
            "Bucket": bucket,
            "Key": key,
            "ContentType": content_type,
            "ContentLength": size_bytes,
        },
        ExpiresIn=expires_in,
    )
    return UploadSlot(
        key=key,
        url=url,
        expires_at=datetime.now(UTC) + timedelta(seconds=expires_in),
        max_bytes=max_bytes,
        headers={"Content-Type": content_type, "Content-Length": str(size_bytes)},
    )


def put_bytes(s3: BaseClient, bucket: str, key: str, data: bytes, content_type: str) -> None:
    """Store one object (a multipart upload, or a public copy); the same call twice is harmless."""
    s3.put_object(Bucket=bucket, Key=key, Body=data, ContentType=content_type)


def is_not_found(exc: ClientError) -> bool:
    """True when S3 says there is no such object."""
    return exc.response.get("Error", {}).get("Code") in _NOT_FOUND


def head(s3: BaseClient, bucket: str, key: str) -> dict[str, Any] | None:
    """The object's metadata, or None if there is no such object."""
    try:
        return s3.head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if is_not_found(exc):
            return None
        raise


def read_bounded(s3: BaseClient, bucket: str, key: str, max_bytes: int) -> bytes | None:
    """At most max_bytes + 1 bytes of the object (one more says it is too big), or None."""
    try:
        response = s3.get_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if is_not_found(exc):
            return None
        raise
    body = response["Body"]
    try:
        return body.read(max_bytes + 1)
    finally:
        body.close()


def public_key(sha256: str, ext: str) -> str:
    """Where the public copy of the photo with this SHA-256 is stored."""
    if ext not in MEDIA_TYPES or not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValueError(f"not a public photo: {sha256!r}.{ext}")
    return f"{MEDIA_PREFIX}{sha256}.{ext}"


def media_name(key: str) -> str:
    """The name a public copy is served under (GET /v1/media/{name})."""
    return key.rsplit("/", 1)[-1]


def read_public(s3: BaseClient, bucket: str, name: str, max_bytes: int) -> tuple[bytes, str] | None:
    """A public copy's bytes and type by its served name; None if the name is not one."""
    if not MEDIA_NAME.match(name):
        return None
    data = read_bounded(s3, bucket, f"{MEDIA_PREFIX}{name}", max_bytes)
    if data is None or len(data) > max_bytes:
        return None
    return data, MEDIA_TYPES[name.rsplit(".", 1)[1]]
