"""The verify_proof activity: check proof photos' type, size, EXIF and reuse, then record them.

It reads each photo from S3, asks `activities.photos` what the bytes are (type, integrity,
EXIF time and place), compares that with the case, and claims every photo's hash in the
database so no photo proves two cases.
"""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.photos import ACCEPTED, inspect_photo, sniff_type
from activities.running import resilient
from domain.access import Refusal
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
from records.db import Steps, write
from records.tables import ProofPhoto

_NOT_FOUND = ("404", "NoSuchKey", "NotFound")


class _Rejected(Exception):
    """Carries a rejection out of the checks; verify_proof turns it into a verdict."""

    def __init__(self, code: str, role: str | None, reason: str) -> None:
        super().__init__(reason)
        self.code, self.role, self.reason = code, role, reason

    def verdict(self) -> ProofVerdict:
        """The verdict the caller sees."""
        return ProofVerdict(accepted=False, reason=self.reason, field=self.role, code=self.code)


def _as_utc(when: datetime) -> datetime:
    """A time in UTC; a naive one is taken to be UTC already."""
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _is_not_found(exc: ClientError) -> bool:
    """True when S3 says there is no such object."""
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
                type=Refusal.BAD_INPUT,
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
            """The bounded read, in a worker thread."""
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
        """The recorded case and key of each of these photo hashes that is taken."""
        return {row["sha256"]: row for row in await _owners_query(hashes)}

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
        await write(_claim(data.tracking_id, photos, rows))


def _owners_query(hashes: list[str]) -> Any:
    """The recorded case and key of each of these photo hashes that is taken."""
    return ProofPhoto.select(ProofPhoto.sha256, ProofPhoto.tracking_id, ProofPhoto.s3_key).where(
        ProofPhoto.sha256.is_in(hashes)
    )


def _claim(tracking_id: str, photos: list[CheckedPhoto], rows: list[ProofPhoto]) -> Steps[None]:
    """Insert the photos' rows, then check each hash is this case's: raising undoes the rows."""
    yield ProofPhoto.insert(*rows).on_conflict(target=ProofPhoto.sha256, action="DO NOTHING")
    owners = {row["sha256"]: row for row in (yield _owners_query([p.sha256 for p in photos]))}
    for photo in photos:
        _check_owner(tracking_id, photo, owners.get(photo.sha256))


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
