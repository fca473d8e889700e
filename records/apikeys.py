"""API keys: created with a secret shown once, stored as SHA-256, looked up per request."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from domain.roles import Role
from records.audit import AuditRecord, seal
from records.db import write
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
    """The hex SHA-256 a key's secret is stored as."""
    return hashlib.sha256(secret.encode()).hexdigest()


def split_key(token: str) -> tuple[str, str] | None:
    """("key id", "secret") from "cvk_<id>_<secret>", or None when malformed."""
    parts = token.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


async def create_key(
    name: str,
    role: Role,
    official_id: int | None = None,
    *,
    expires_at: datetime | None = None,
    rate_per_minute: int | None = None,
    actor: str = "cli",
) -> tuple[str, ApiKey]:
    """Make a key; returns the full token (shown once) and the stored row. Audited."""
    name = name.strip()
    if not name or len(name) > 120:
        raise ValueError("name: must be 1-120 characters")
    if role == Role.SUPERVISOR and official_id is None:
        raise ValueError(
            "official_id: a supervisor key must be bound to an official (CLI: --official ID)"
        )
    if official_id is not None and await Official.objects().get(Official.id == official_id) is None:
        raise ValueError(f"official_id: no official with id {official_id}")
    if expires_at is not None and expires_at <= datetime.now(UTC):
        raise ValueError("expires_at: must be in the future")
    if rate_per_minute is not None and not 0 <= rate_per_minute <= 1_000_000:
        raise ValueError("rate_per_minute: must be between 0 (unlimited) and 1000000")
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    row = ApiKey(
        key_id=key_id,
        name=name,
        role=role.value,
        secret_sha256=_sha256(secret),
        official=official_id,
        created_at=datetime.now(UTC),
        expires_at=expires_at,
        rate_per_minute=rate_per_minute,
    )
    await write(
        [ApiKey.insert(row)],
        audit=[
            AuditRecord(
                action="apikey.create",
                subject=key_id,
                actor=actor,
                detail={
                    "name": name,
                    "role": role.value,
                    "official": official_id,
                    "expires_at": expires_at.isoformat() if expires_at else None,
                    "rate_per_minute": rate_per_minute,
                },
            )
        ],
    )
    await seal()  # key operations are on the chain before the caller hears back
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


async def revoke_key(key_id: str, *, reason: str = "revoked", actor: str = "cli") -> bool:
    """Mark a key revoked; False if no such active key. Audited.

    The API that revokes it stops accepting it at once; other API processes within their
    cache time (5 s).
    """
    if await ApiKey.exists().where((ApiKey.key_id == key_id) & ApiKey.revoked_at.is_null()):
        now = datetime.now(UTC)
        await write(
            [
                ApiKey.update({ApiKey.revoked_at: now, ApiKey.revoked_reason: reason}).where(
                    (ApiKey.key_id == key_id) & ApiKey.revoked_at.is_null()
                )
            ],
            audit=[
                AuditRecord(
                    action="apikey.revoke",
                    subject=key_id,
                    actor=actor,
                    detail={"reason": reason},
                    dedupe_key=f"apikey.revoke:{key_id}",
                    at=now,
                )
            ],
        )
        await seal()
        return True
    return False


@dataclass(frozen=True)
class KeyInfo:
    """What may be shown about a key: never its secret or hash."""

    key_id: str
    name: str
    role: str
    official_id: int | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    revoked_reason: str | None
    rate_per_minute: int | None

    @property
    def state(self) -> str:
        """active, expired or revoked."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= datetime.now(UTC):
            return "expired"
        return "active"


async def list_keys(*, include_revoked: bool = True, key_id: str | None = None) -> list[KeyInfo]:
    """Every key (or the one with `key_id`), oldest first."""
    query = ApiKey.select(
        ApiKey.key_id,
        ApiKey.name,
        ApiKey.role,
        ApiKey.official,
        ApiKey.created_at,
        ApiKey.expires_at,
        ApiKey.revoked_at,
        ApiKey.revoked_reason,
        ApiKey.rate_per_minute,
    ).order_by(ApiKey.id)
    if not include_revoked:
        query = query.where(ApiKey.revoked_at.is_null())
    if key_id is not None:
        query = query.where(ApiKey.key_id == key_id)
    return [
        KeyInfo(
            r["key_id"],
            r["name"],
            r["role"],
            r["official"],
            r["created_at"],
            r["expires_at"],
            r["revoked_at"],
            r["revoked_reason"],
            r["rate_per_minute"],
        )
        for r in await query
    ]


async def key_info(key_id: str) -> KeyInfo | None:
    """One key's record, or None."""
    found = await list_keys(key_id=key_id)
    return found[0] if found else None
