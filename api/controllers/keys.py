"""API-key management for admins (create, list, revoke) and a key's view of itself."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import JSONBody, PathParameter
from litestar.status_codes import HTTP_201_CREATED
from msgspec import Meta

from api.auth import current_principal, forget_key, roles
from api.errors import FieldError
from api.schemas import RowId
from domain import text
from domain.roles import Role
from records.apikeys import KeyInfo, create_key, key_info, list_keys, revoke_key

KeyId = Annotated[str, PathParameter(description="Key id (the part after cvk_)", max_length=16)]
EVERY_ROLE = roles(*Role)


class KeyView(msgspec.Struct):
    """A key as admins see it: never its secret or hash."""

    key_id: str
    name: str
    role: str
    state: str  # active, expired or revoked
    official_id: int | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    revoked_reason: str | None
    rate_per_minute: int | None  # None: the server's default


class KeyCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A new key."""

    name: Annotated[str, Meta(min_length=1, max_length=120)]
    role: Role
    official_id: RowId | None = None
    expires_at: datetime | None = None
    rate_per_minute: Annotated[int, Meta(ge=0, le=1_000_000)] | None = None


class KeyCreated(msgspec.Struct):
    """The new key: `token` is shown once and never stored."""

    key: KeyView
    token: str


class RevokeIn(msgspec.Struct, forbid_unknown_fields=True):
    """Why a key is revoked (kept in the audit log)."""

    reason: Annotated[str, Meta(min_length=1, max_length=300)]


def _view(k: KeyInfo) -> KeyView:
    return KeyView(
        k.key_id,
        k.name,
        k.role,
        k.state,
        k.official_id,
        k.created_at,
        k.expires_at,
        k.revoked_at,
        k.revoked_reason,
        k.rate_per_minute,
    )


class ApiKeyController(Controller):
    """Admins manage keys; every key can read its own record."""

    path = "/v1/apikeys"
    tags = ["api keys"]

    @get("/", operation_id="listApiKeys", opt=roles(), summary="List API keys")
    async def list_all(self) -> list[KeyView]:
        """Every key with its role, state and expiry (admin only)."""
        return [_view(k) for k in await list_keys()]

    @get("/me", operation_id="getOwnApiKey", opt=EVERY_ROLE, summary="The calling key")
    async def me(self, request: Request) -> KeyView:
        """The calling key's own record: role, expiry, rate limit."""
        key_id = current_principal(request).key_id
        info = await key_info(key_id)
        if info is None:
            raise NotFoundException("this key no longer exists")
        return _view(info)

    @post(
        "/",
        operation_id="createApiKey",
        opt=roles(),
        status_code=HTTP_201_CREATED,
        summary="Create an API key",
    )
    async def create(self, request: Request, data: JSONBody[KeyCreate]) -> KeyCreated:
        """Create a key (admin only); the token in the answer is shown once."""
        principal = current_principal(request)
        try:
            token, row = await create_key(
                text.clean(data.name, "name", required=True) or "",
                data.role,
                data.official_id,
                expires_at=data.expires_at,
                rate_per_minute=data.rate_per_minute,
                actor=principal.actor,
            )
        except ValueError as exc:
            field, _, message = str(exc).partition(": ")
            raise FieldError(field, message or str(exc), status_code=422) from None
        info = await key_info(row.key_id)
        assert info is not None
        return KeyCreated(_view(info), token)

    @post(
        "/{key_id:str}/revoke",
        operation_id="revokeApiKey",
        opt=roles(),
        status_code=200,
        summary="Revoke an API key",
    )
    async def revoke(self, request: Request, key_id: KeyId, data: JSONBody[RevokeIn]) -> KeyView:
        """Revoke a key (admin only): this API refuses it at once, other replicas within 5 s."""
        principal = current_principal(request)
        if not await revoke_key(
            key_id,
            reason=text.clean(data.reason, "reason", required=True) or "",
            actor=principal.actor,
        ):
            raise NotFoundException(f"no active key {key_id}")
        forget_key(request.app.state, key_id)
        info = await key_info(key_id)
        assert info is not None
        return _view(info)
