"""API-key authentication and role guards for every /v1 route."""

from __future__ import annotations

import asyncio
import hashlib
import time

from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from api.ratelimit import RateLimiter
from domain.roles import Role
from records.apikeys import Principal, authenticate
from records.db import UNAVAILABLE

CACHE_SECONDS = 5.0  # a key revoked elsewhere (the CLI, another replica) stops within this long


def roles(*allowed: Role) -> dict[str, object]:
    """Handler `opt` naming the roles allowed on a route (admin is always allowed)."""
    return {"roles": frozenset({*allowed, Role.ADMIN})}


PUBLIC: dict[str, object] = {"public": True}


def _token(connection: ASGIConnection) -> str | None:
    header = connection.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return connection.headers.get("x-api-key")


async def principal_for(connection: ASGIConnection) -> Principal | None:
    """Resolve the caller's key from the Authorization or X-API-Key header."""
    token = _token(connection)
    if not token:
        return None
    return await resolve_token(connection.app.state, token)


async def resolve_token(state: State, token: str) -> Principal | None:
    """The principal of a valid, unexpired key, cached in-process so intake rarely touches
    the database. Concurrent requests that miss the cache share one lookup.
    """
    cache: dict[str, tuple[float, Principal]] = state.key_cache
    inflight: dict[str, asyncio.Task[Principal | None]] = state.key_lookups
    digest = hashlib.sha256(token.encode()).hexdigest()
    hit = cache.get(digest)
    if hit and hit[0] > time.monotonic():
        return None if hit[1].expired() else hit[1]
    task = inflight.get(digest)
    if task is None:
        task = asyncio.create_task(authenticate(token))
        inflight[digest] = task
        task.add_done_callback(lambda _: inflight.pop(digest, None))
    try:
        principal = await asyncio.shield(task)
    except UNAVAILABLE:
        if hit:  # the database is down: a key that was valid a moment ago still is
            return None if hit[1].expired() else hit[1]
        raise
    if principal is not None:  # only valid keys are cached, so junk keys cannot evict them
        if len(cache) > 10_000:
            cache.pop(next(iter(cache)))
        cache[digest] = (time.monotonic() + CACHE_SECONDS, principal)
    return principal


async def api_key_guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """401 without a valid key, 403 when the key's role is not allowed on this route."""
    if handler.opt.get("public") or connection.scope.get("method") == "OPTIONS":
        return
    principal = await principal_for(connection)
    if principal is None:
        raise NotAuthorizedException(
            "a valid API key is required (Authorization: Bearer <key> or X-API-Key); "
            "revoked and expired keys are refused",
            headers={"WWW-Authenticate": "Bearer"},
        )
    limiter: RateLimiter = connection.app.state.rate_limiter
    limiter.check(principal.key_id, principal.rate_per_minute)
    allowed = handler.opt.get("roles")
    if not isinstance(allowed, frozenset) or principal.role not in allowed:
        raise PermissionDeniedException(f"role {principal.role.value!r} may not call this route")
    connection.state.principal = principal


def forget_key(state: State, key_id: str) -> None:
    """Drop a key from this process's cache at once (after revoking it here)."""
    cache: dict[str, tuple[float, Principal]] = state.key_cache
    for digest, (_, principal) in list(cache.items()):
        if principal.key_id == key_id:
            cache.pop(digest, None)


def current_principal(connection: ASGIConnection) -> Principal:
    """The principal the guard resolved for this request."""
    return connection.state.principal
