"""API keys: created with a secret shown once, stored as SHA-256, looked up per request."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from domain.roles import Role
from records.tables import ApiKey, Official

PREFIX = "cvk"


@dataclass(frozen=True)
class Principal:
    """The caller an API key stands for."""

    key_id: str
    name: str
    role: Role
    official_id: int | None
    expires_at: datetime | None = None
    rate_per_minute: int | None = None  # None: the server's default

    @property
    def actor(self) -> str:
        """How the audit log and event log name this caller."""
        return f"key:{self.key_id} {self.name}"

    def expired(self, now: datetime | None = None) -> bool:
        """True once the key's expiry time has passed."""
        return self.expires_at is not None and self.expires_at <= (now or datetime.now(UTC))


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def split_key(token: str) -> tuple[str, str] | None:
    """("key id", "secret") from "cvk_<id>_<secret>", or None when malformed."""
    parts = token.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


async def create_key(name: str, role: Role, official_id: int | None = None) -> tuple[str, ApiKey]:
    """Make a key; returns the full token (shown once) and the stored row."""
    if role == Role.SUPERVISOR and official_id is None:
        raise ValueError("a supervisor key must be bound to an official (--official ID)")
    if official_id is not None and await Official.objects().get(Official.id == official_id) is None:
        raise ValueError(f"no official with id {official_id}")
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    row = ApiKey(
        key_id=key_id,
        name=name,
        role=role.value,
        secret_sha256=_sha256(secret),
        official=official_id,
        created_at=datetime.now(UTC),
    )
    await row.save()
    return f"{PREFIX}_{key_id}_{secret}", row


async def authenticate(token: str) -> Principal | None:
    """The principal of a valid, unrevoked key; None otherwise (constant-time compare)."""
    parts = split_key(token)
    if parts is None:
        return None
    key_id, secret = parts
    row = await ApiKey.objects().get(ApiKey.key_id == key_id)
    if row is None or row.revoked_at is not None:
        return None
    if not hmac.compare_digest(row.secret_sha256, _sha256(secret)):
        return None
    principal = Principal(
        row.key_id, row.name, Role(row.role), row.official, row.expires_at, row.rate_per_minute
    )
    return None if principal.expired() else principal


async def revoke_key(key_id: str) -> bool:
    """Mark a key revoked; False if no such active key. Running APIs stop accepting it
    within their cache time (30 s)."""
    rows = await (
        ApiKey.update({ApiKey.revoked_at: datetime.now(UTC)})
        .where((ApiKey.key_id == key_id) & ApiKey.revoked_at.is_null())
        .returning(ApiKey.id)
    )
    return bool(rows)
