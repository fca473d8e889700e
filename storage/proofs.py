"""Presigned upload slots for proof-of-completion photos."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from botocore.client import BaseClient

from domain.proof import ALLOWED_TYPES, MAX_PROOF_BYTES, PROOF_ROLES, proof_prefix


@dataclass
class UploadSlot:
    """Where and how a client uploads one proof photo: PUT the bytes to `url` with `headers`."""

    role: str
    key: str
    url: str
    expires_at: datetime
    method: str = "PUT"
    headers: dict[str, str] = field(default_factory=dict)
    max_bytes: int = MAX_PROOF_BYTES


def presign_upload(
    s3_public: BaseClient,
    bucket: str,
    tracking_id: str,
    role: str,
    content_type: str,
    expires_in: int = 900,
) -> UploadSlot:
    """A presigned PUT for one photo under the case's proof prefix, signed with its Content-Type.

    `s3_public` must be a client for the address users reach (`storage.s3.client(public=True)`).
    Raises ValueError naming the field (role, content_type) when it is not one we accept.
    """
    if role not in PROOF_ROLES:
        raise ValueError(f"role must be one of {', '.join(PROOF_ROLES)}, not {role!r}")
    if content_type not in ALLOWED_TYPES:
        raise ValueError(
            f"content_type must be one of {', '.join(ALLOWED_TYPES)}, not {content_type!r}"
        )
    key = f"{proof_prefix(tracking_id)}{role}-{uuid.uuid4().hex}.{ALLOWED_TYPES[content_type]}"
    expires_at = datetime.now(UTC) + timedelta(seconds=expires_in)
    url = s3_public.generate_presigned_url(
        "put_object",
        Params={"Bucket": bucket, "Key": key, "ContentType": content_type},
        ExpiresIn=expires_in,
    )
    return UploadSlot(
        role=role,
        key=key,
        url=url,
        expires_at=expires_at,
        headers={"Content-Type": content_type},
    )
