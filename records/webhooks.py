"""Webhooks: registrations, their deliveries, the URL rules, and the cache of active ones."""

from __future__ import annotations

import asyncio
import ipaddress
import secrets
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from piccolo.query.functions.aggregate import Count

from domain.roles import Role
from records.apikeys import Principal
from records.audit import AuditRecord
from records.db import write
from records.tables import ApiKey, Webhook, WebhookDelivery

MAX_URL = 2000
MAX_ACTIVE_PER_KEY = 20
STATES = ("pending", "delivered", "failed")
SECRET_PREFIX = "whsec_"
CACHE_SECONDS = 5.0  # a webhook registered or disabled elsewhere is seen within this long


class BadUrl(ValueError):
    """A webhook URL that may not be registered (or delivered to); the message says why."""


def new_secret() -> str:
    """A fresh signing secret: 32 random bytes, URL-safe."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def check_url_shape(url: str) -> tuple[str, int]:
    """(host, port) of an http(s) URL without credentials; BadUrl says what is wrong."""
    if len(url) > MAX_URL:
        raise BadUrl(f"must be at most {MAX_URL} characters")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise BadUrl("must not contain spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise BadUrl(f"is not a valid URL ({exc})") from None
    if parts.scheme not in ("http", "https"):
        raise BadUrl("must start with http:// or https://")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise BadUrl("must not carry credentials (user:password@); verify the signature instead")
    host = parts.hostname
    if not host:
        raise BadUrl("has no host")
    return host, port or (443 if parts.scheme == "https" else 80)


def _refused(address: str) -> bool:
    """True for an address a webhook may not reach: anything but a global unicast one."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


async def check_public_host(host: str, port: int) -> None:
    """BadUrl unless every address the host resolves to is a public one (no SSRF)."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise BadUrl(f"host {host!r} does not resolve ({exc})") from None
    addresses = {str(info[4][0]) for info in infos}
    bad = sorted(a for a in addresses if _refused(a))
    if bad or not addresses:
        raise BadUrl(
            f"host {host!r} is a loopback, private or link-local address ({', '.join(bad)}); "
            "webhooks are posted to public addresses only"
        )


async def check_url(url: str, *, allow_private: bool) -> str:
    """The URL, once it is http(s), ≤ 2000 characters, credential-free and (unless allowed)
    resolves only to public addresses; BadUrl otherwise."""
    host, port = check_url_shape(url)
    if not allow_private:
        await check_public_host(host, port)
    return url


async def create(key_id: str, url: str, description: str, actor: str) -> dict[str, Any]:
    """Store a webhook with a fresh secret, audited in the same transaction; its row."""
    row = Webhook(
        key_id=key_id,
        url=url,
        secret=new_secret(),
        description=description,
        created_at=datetime.now(UTC),
    )
    await write(
        [Webhook.insert(row)],
        audit=[
            AuditRecord(
                action="webhook.create",
                subject=key_id,
                actor=actor,
                detail={"url": url, "description": description},
            )
        ],
    )
    found = await Webhook.select().where(Webhook.secret == row.secret).first()
    assert found is not None
    return found


async def active_count(key_id: str) -> int:
    """How many enabled webhooks a key has."""
    return await Webhook.count().where((Webhook.key_id == key_id) & Webhook.disabled_at.is_null())


async def listing(key_id: str | None) -> list[dict[str, Any]]:
    """Webhooks of one key (or of every key, for None), newest first, with delivery counts."""
    query = Webhook.select().order_by(Webhook.id, ascending=False)
    if key_id is not None:
        query = query.where(Webhook.key_id == key_id)
    rows = await query
    if not rows:
        return rows
    counts = await (
        WebhookDelivery.select(WebhookDelivery.webhook, WebhookDelivery.state, Count())
        .where(WebhookDelivery.webhook.is_in([r["id"] for r in rows]))
        .group_by(WebhookDelivery.webhook, WebhookDelivery.state)
    )
    tally: dict[int, dict[str, int]] = {}
    for c in counts:
        tally.setdefault(c["webhook"], dict.fromkeys(STATES, 0))[c["state"]] = c["count"]
    for r in rows:
        r["deliveries"] = tally.get(r["id"], dict.fromkeys(STATES, 0))
    return rows


async def get(webhook_id: int) -> dict[str, Any] | None:
    """One webhook's row (secret included: callers must not show it), or None."""
    return await Webhook.select().where(Webhook.id == webhook_id).first()


async def disable(webhook_id: int, key_id: str, actor: str, reason: str) -> None:
    """Stop posting to a webhook; its deliveries stay readable (audited, idempotent)."""
    now = datetime.now(UTC)
    await write(
        [
            Webhook.update({Webhook.disabled_at: now}).where(
                (Webhook.id == webhook_id) & Webhook.disabled_at.is_null()
            )
        ],
        audit=[
            AuditRecord(
                action="webhook.disable",
                subject=key_id,
                actor=actor,
                detail={"webhook_id": webhook_id, "reason": reason},
                dedupe_key=f"webhook.disable:{webhook_id}",
                at=now,
            )
        ],
    )


async def deliveries(webhook_id: int, state: str | None, limit: int) -> list[dict[str, Any]]:
    """A webhook's deliveries, newest first, optionally in one state."""
    query = WebhookDelivery.select().where(WebhookDelivery.webhook == webhook_id)
    if state is not None:
        query = query.where(WebhookDelivery.state == state)
    return (
        await query.order_by(WebhookDelivery.id, ascending=False)
        .limit(limit)
        .output(load_json=True)
    )


# The worker's side: which webhooks are listening, the delivery rows, and their outcomes.


@dataclass(frozen=True)
class Subscriber:
    """An enabled webhook and the key it speaks for (whose scope decides what it receives)."""

    webhook_id: int
    principal: Principal


async def load_subscribers() -> list[Subscriber]:
    """Enabled webhooks of unrevoked keys (expiry is checked when a delivery is enqueued)."""
    hooks = await Webhook.select(Webhook.id, Webhook.key_id).where(Webhook.disabled_at.is_null())
    if not hooks:
        return []
    keys = await ApiKey.select().where(
        ApiKey.key_id.is_in(sorted({h["key_id"] for h in hooks})) & ApiKey.revoked_at.is_null()
    )
    principals = {
        k["key_id"]: Principal(
            k["key_id"],
            k["name"],
            Role(k["role"]),
            k["official"],
            k["expires_at"],
            k["rate_per_minute"],
        )
        for k in keys
    }
    return [
        Subscriber(h["id"], principals[h["key_id"]]) for h in hooks if h["key_id"] in principals
    ]


class ActiveWebhooks:
    """The enabled webhooks, cached in-process for a few seconds: with none registered (the
    common case) a case step costs no extra database round trip. Concurrent misses share
    one lookup."""

    def __init__(self, ttl_s: float = CACHE_SECONDS) -> None:
        """An empty cache, filled on first use."""
        self.ttl_s = ttl_s
        self._value: list[Subscriber] = []
        self._until = 0.0
        self._loading: asyncio.Future[list[Subscriber]] | None = None

    async def get(self) -> list[Subscriber]:
        """The current subscribers, from the cache while it is fresh."""
        if time.monotonic() < self._until:
            return self._value
        if self._loading is None or self._loading.done():
            self._loading = asyncio.ensure_future(load_subscribers())
        value = await asyncio.shield(self._loading)
        if time.monotonic() >= self._until:
            self._value, self._until = value, time.monotonic() + self.ttl_s
        return value


async def enqueue(rows: list[WebhookDelivery]) -> None:
    """Insert delivery rows; one that exists already (a retry, a replay) is left alone."""
    if rows:
        await write(
            [
                WebhookDelivery.insert(*rows).on_conflict(
                    target=WebhookDelivery.delivery_id, action="DO NOTHING"
                )
            ]
        )


@dataclass(frozen=True)
class Target:
    """What one delivery attempt needs: the row, and where and how to post it."""

    delivery_id: str
    state: str
    payload: dict[str, Any]
    webhook_id: int
    key_id: str
    url: str
    secret: str
    disabled: bool
    key_usable: bool  # the registering key is neither revoked nor expired


async def target(delivery_id: str) -> Target | None:
    """The delivery and its webhook, or None if there is no such delivery."""
    row = await (
        WebhookDelivery.select(
            WebhookDelivery.state,
            WebhookDelivery.payload,
            WebhookDelivery.webhook.id.as_alias("webhook_id"),
            WebhookDelivery.webhook.url.as_alias("url"),
            WebhookDelivery.webhook.secret.as_alias("secret"),
            WebhookDelivery.webhook.key_id.as_alias("key_id"),
            WebhookDelivery.webhook.disabled_at.as_alias("disabled_at"),
        )
        .where(WebhookDelivery.delivery_id == delivery_id)
        .output(load_json=True)
        .first()
    )
    if row is None:
        return None
    key = (
        await ApiKey.select(ApiKey.revoked_at, ApiKey.expires_at)
        .where(ApiKey.key_id == row["key_id"])
        .first()
    )
    now = datetime.now(UTC)
    usable = (
        key is not None
        and key["revoked_at"] is None
        and (key["expires_at"] is None or key["expires_at"] > now)
    )
    return Target(
        delivery_id,
        row["state"],
        row["payload"],
        row["webhook_id"],
        row["key_id"],
        row["url"],
        row["secret"],
        row["disabled_at"] is not None,
        usable,
    )


async def record_attempt(
    delivery_id: str, attempt: int, status_code: int | None, error: str | None, *, delivered: bool
) -> None:
    """Write one attempt's outcome (the attempt number, so a repeated write changes nothing)."""
    now = datetime.now(UTC)
    values: dict[Any, Any] = {
        WebhookDelivery.attempts: attempt,
        WebhookDelivery.last_status_code: status_code,
        WebhookDelivery.last_error: error[:2000] if error else None,
        WebhookDelivery.last_attempt_at: now,
    }
    if delivered:
        values[WebhookDelivery.state] = "delivered"
        values[WebhookDelivery.delivered_at] = now
    await write(
        [
            WebhookDelivery.update(values).where(
                (WebhookDelivery.delivery_id == delivery_id) & (WebhookDelivery.state == "pending")
            )
        ]
    )


async def give_up(delivery_id: str, reason: str | None) -> None:
    """Mark a pending delivery failed for good (idempotent); a given reason becomes last_error."""
    values: dict[Any, Any] = {
        WebhookDelivery.state: "failed",
        WebhookDelivery.given_up_at: datetime.now(UTC),
    }
    if reason:
        values[WebhookDelivery.last_error] = reason[:2000]
    await write(
        [
            WebhookDelivery.update(values).where(
                (WebhookDelivery.delivery_id == delivery_id) & (WebhookDelivery.state == "pending")
            )
        ]
    )
