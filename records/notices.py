"""Notice records and published signing keys in the database."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from notices.keys import KeyStore, PublicKeyInfo
from notices.sealing import SealedNotice
from notices.signing import b64url, unb64url
from notices.verify import Keyring
from records.audit import AuditRecord
from records.db import Steps, write
from records.tables import Complaint, Notice, SigningKey

NOTICE_COLUMNS = (
    Notice.notice_id,
    Notice.tracking_id,
    Notice.kind,
    Notice.level,
    Notice.assignee,
    Notice.key_id,
    Notice.payload,
    Notice.payload_sha256,
    Notice.content_sha256,
    Notice.pdf_sha256,
    Notice.signature,
    Notice.qr_signature,
    Notice.qr_text,
    Notice.s3_key,
    Notice.size_bytes,
    Notice.issued_at,
)


async def publish_keys(store: KeyStore) -> int:
    """Copy the key folder's public keys and revocations into the database; how many changed."""
    return await write(_publish(list(store.public_keys().values())))


def _publish(keys: list[PublicKeyInfo]) -> Steps[int]:
    """Insert the keys not yet published, and mark the newly revoked ones; how many changed."""
    changed = 0
    for info in keys:
        inserted = yield (
            SigningKey.insert(
                SigningKey(
                    key_id=info.key_id,
                    public_key=b64url(info.raw),
                    created_at=info.created_at,
                    revoked_at=info.revoked_at,
                    revoked_reason=info.revoked_reason,
                )
            )
            .on_conflict(target=SigningKey.key_id, action="DO NOTHING")
            .returning(SigningKey.id)
        )
        changed += len(inserted)
        if info.revoked_at is not None:
            updated = yield (
                SigningKey.update(
                    {
                        SigningKey.revoked_at: info.revoked_at,
                        SigningKey.revoked_reason: info.revoked_reason,
                    }
                )
                .where((SigningKey.key_id == info.key_id) & SigningKey.revoked_at.is_null())
                .returning(SigningKey.id)
            )
            changed += len(updated)
    return changed


async def published_keys() -> list[PublicKeyInfo]:
    """Every published key, newest first."""
    rows = await SigningKey.select().order_by(SigningKey.created_at, ascending=False)
    return [
        PublicKeyInfo(
            key_id=row["key_id"],
            public_key=Ed25519PublicKey.from_public_bytes(
                unb64url(row["public_key"], field="public_key", length=32)
            ),
            created_at=row["created_at"],
            revoked_at=row["revoked_at"],
            revoked_reason=row["revoked_reason"],
        )
        for row in rows
    ]


class KeyringCache:
    """The published keys, re-read at most every few seconds so revocations apply quickly."""

    def __init__(self, ttl_seconds: float = 5.0) -> None:
        """An empty cache, re-read after `ttl_seconds`."""
        self.ttl = ttl_seconds
        self._expires = 0.0
        self._keys: list[PublicKeyInfo] = []
        self._keyring = Keyring([])

    async def get(self) -> tuple[Keyring, list[PublicKeyInfo]]:
        """The keyring and the key list it was built from."""
        if time.monotonic() >= self._expires:
            self._keys = await published_keys()
            self._keyring = Keyring(self._keys)
            self._expires = time.monotonic() + self.ttl
        return self._keyring, self._keys


async def save(
    sealed: SealedNotice,
    *,
    tracking_id: str,
    kind: str,
    level: int,
    assignee_id: int | None,
    s3_key: str,
    issued_at: datetime,
) -> dict[str, Any]:
    """Insert the notice unless it exists; return the stored row (the first one wins)."""
    complaint = await Complaint.select(Complaint.id).where(Complaint.tracking_id == tracking_id)
    await write(
        [
            Notice.insert(
                Notice(
                    notice_id=sealed.notice_id,
                    tracking_id=tracking_id,
                    complaint=complaint[0]["id"] if complaint else None,
                    kind=kind,
                    level=level,
                    assignee=assignee_id,
                    key_id=sealed.key_id,
                    payload=sealed.payload,
                    payload_sha256=sealed.payload_sha256.hex(),
                    content_sha256=sealed.content_sha256.hex(),
                    pdf_sha256=sealed.pdf_sha256.hex(),
                    signature=b64url(sealed.signature),
                    qr_signature=b64url(sealed.qr_signature),
                    qr_text=sealed.qr_text,
                    s3_key=s3_key,
                    size_bytes=len(sealed.pdf),
                    issued_at=issued_at,
                )
            ).on_conflict(target=Notice.notice_id, action="DO NOTHING")
        ],
        audit=[
            AuditRecord(
                action="notice.signed",
                subject=sealed.notice_id,
                actor=f"signing-key:{sealed.key_id}",
                detail={
                    "tracking_id": tracking_id,
                    "kind": kind,
                    "level": level,
                    "assignee": assignee_id,
                    "payload_sha256": sealed.payload_sha256.hex(),
                    "pdf_sha256": sealed.pdf_sha256.hex(),
                    "signature": b64url(sealed.signature),
                },
                dedupe_key=f"notice:{sealed.notice_id}",
                at=issued_at,
            )
        ],
    )
    row = await get(sealed.notice_id)
    assert row is not None
    return row


async def get(notice_id: str) -> dict[str, Any] | None:
    """One notice's record, or None."""
    rows = (
        await Notice.select(*NOTICE_COLUMNS)
        .where(Notice.notice_id == notice_id)
        .output(load_json=True)
    )
    return rows[0] if rows else None


async def for_complaint(tracking_id: str) -> list[dict[str, Any]]:
    """A complaint's notices, oldest first."""
    return (
        await Notice.select(*NOTICE_COLUMNS)
        .where(Notice.tracking_id == tracking_id)
        .order_by(Notice.issued_at)
        .order_by(Notice.id)
        .output(load_json=True)
    )
