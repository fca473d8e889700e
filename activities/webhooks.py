"""Webhook activities: enqueue a case's status changes, post them signed, give up after a day.

The record activity calls `WebhookFanout.announce` after each projection write. For a status
change it inserts one delivery row per webhook whose key may see the case and starts one
`WebhookDelivery` workflow per row, with a workflow id made of the delivery id, so a retried
or repeated record activity neither doubles a row nor starts a second workflow.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from temporalio import activity
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError

from activities.running import resilient
from domain.access import may_see
from domain.case import CaseEvent, CaseState
from records import webhooks as hooks
from records.tables import WebhookDelivery
from settings import Settings

log = logging.getLogger("civicops.webhooks")

EVENT_TYPE = "case.status_changed"
WORKFLOW_NAME = "WebhookDelivery"
POST_TIMEOUT_S = 10.0
USER_AGENT = "CivicOps-Webhooks/1"


@dataclass
class DeliveryPolicy:
    """When a delivery is retried and when it is given up; the defaults are production's."""

    initial_interval_s: float = 10.0
    backoff: float = 2.0
    maximum_interval_s: float = 3600.0
    give_up_after_s: float = 24 * 3600.0  # schedule-to-close of all attempts together
    attempt_timeout_s: float = 30.0


@dataclass
class WebhookDeliveryInput:
    """The input of one delivery workflow: which row to post, and the retry policy."""

    delivery_id: str
    policy: DeliveryPolicy = field(default_factory=DeliveryPolicy)


@dataclass
class DeliverInput:
    """One delivery attempt: the row to post."""

    delivery_id: str


@dataclass
class GiveUpInput:
    """Give a delivery up, with the last failure's message."""

    delivery_id: str
    reason: str | None = None


def workflow_id(delivery_id: str) -> str:
    """The delivery workflow's id: one per delivery, ever."""
    return f"webhook-{delivery_id}"


def delivery_id(webhook_id: int, tracking_id: str, revision: int) -> str:
    """The delivery's id: "<webhook id>:<tracking id>:<revision>"."""
    return f"{webhook_id}:{tracking_id}:{revision}"


# Signing. `verify_signature` uses the standard library only, so integrators can copy it.


def body_bytes(payload: dict[str, Any]) -> bytes:
    """The exact bytes posted: compact JSON with sorted keys."""
    return json.dumps(payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The X-CivicOps-Signature header: "sha256=" + hex HMAC-SHA256(secret, "<ts>.<body>")."""
    message = str(timestamp).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify_signature(
    secret: str,
    timestamp: str | int,
    body: bytes,
    header: str,
    tolerance_s: int = 300,
    now: float | None = None,
) -> bool:
    """True if `header` signs `body` at `timestamp` with `secret`, within tolerance_s of now."""
    try:
        ts = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs((time.time() if now is None else now) - ts) > tolerance_s:
        return False  # too old (or from the future): a replayed request
    expected = (
        "sha256="
        + hmac.new(secret.encode(), str(ts).encode() + b"." + body, hashlib.sha256).hexdigest()
    )
    return hmac.compare_digest(expected, header.strip())


# Enqueueing, from the record activity.


def status_change(state: CaseState, event: CaseEvent) -> tuple[bool, str | None]:
    """(whether this event changed the case's status, the status before it)."""
    if event.kind == "filed" or event.revision <= 1:
        return True, None
    previous = next((e for e in state.recent_events if e.revision == event.revision - 1), None)
    if previous is None:  # not kept: never announce a change that cannot be shown to be one
        return False, None
    return previous.status != event.status, previous.status.value


def payload(
    state: CaseState, event: CaseEvent, previous: str | None, did: str, public_url: str
) -> dict[str, Any]:
    """The body of a status change: ids and statuses only, nothing about the citizen."""
    tracking_id = state.complaint.tracking_id
    return {
        "id": did,
        "type": EVENT_TYPE,
        "tracking_id": tracking_id,
        "status": event.status.value,
        "previous_status": previous,
        "revision": event.revision,
        "escalation_level": state.escalation_level,
        "at": event.at.astimezone(UTC).isoformat(),
        "case_url": f"{public_url}/v1/complaints/{tracking_id}",
    }


class WebhookFanout:
    """Turns a case's status changes into delivery rows and delivery workflows."""

    def __init__(
        self,
        settings: Settings,
        *,
        policy: DeliveryPolicy | None = None,
        cache: hooks.ActiveWebhooks | None = None,
    ) -> None:
        self.public_url = settings.public_url
        self.policy = policy or DeliveryPolicy()
        self.cache = cache or hooks.ActiveWebhooks()

    async def announce(self, state: CaseState, event: CaseEvent) -> list[str]:
        """Enqueue this event for every webhook that may see the case; the delivery ids."""
        changed, previous = status_change(state, event)
        if not changed:
            return []
        subscribers = await self.cache.get()  # cached: usually no database round trip
        if not subscribers:
            return []
        a = state.assignment
        tracking_id = state.complaint.tracking_id
        rows = []
        for sub in subscribers:
            if sub.principal.expired() or not may_see(
                sub.principal,
                assignee_id=a.official_id if a else None,
                filed_by=state.complaint.filed_by,
            ):
                continue
            did = delivery_id(sub.webhook_id, tracking_id, event.revision)
            rows.append(
                WebhookDelivery(
                    delivery_id=did,
                    webhook=sub.webhook_id,
                    tracking_id=tracking_id,
                    revision=event.revision,
                    status=event.status.value,
                    payload=payload(state, event, previous, did, self.public_url),
                    state="pending",
                    attempts=0,
                    created_at=datetime.now(UTC),
                )
            )
        if not rows:
            return []
        await hooks.enqueue(rows)
        ids = [row.delivery_id for row in rows]
        await asyncio.gather(*(self._start(did) for did in ids))
        return ids

    async def _start(self, did: str) -> None:
        """Start the delivery's workflow on this worker's task queue, at most once."""
        try:
            await activity.client().start_workflow(
                WORKFLOW_NAME,
                WebhookDeliveryInput(did, self.policy),
                id=workflow_id(did),
                task_queue=activity.info().task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            )
        except WorkflowAlreadyStartedError:
            pass  # it ran before: a retried record activity starts nothing twice


# Delivering, in the delivery workflow.


class WebhookActivities:
    """Posts deliveries and records their outcome; holds the settings (SSRF rule, timeout)."""

    def __init__(self, settings: Settings, *, timeout_s: float = POST_TIMEOUT_S) -> None:
        self.allow_private = settings.webhook_allow_private
        self.timeout_s = timeout_s

    @activity.defn(name="deliver_webhook")
    @resilient
    async def deliver_webhook(self, data: DeliverInput) -> str:
        """One signed POST: "delivered" on 2xx; other answers and network errors retry.

        410 Gone disables the webhook and gives the delivery up. A disabled webhook, a
        revoked or expired key, or an already settled delivery posts nothing.
        """
        attempt = activity.info().attempt
        found = await hooks.target(data.delivery_id)
        if found is None:
            return "missing"
        if found.state != "pending":
            return found.state
        if found.disabled or not found.key_usable:
            reason = "webhook disabled" if found.disabled else "key revoked or expired"
            await hooks.give_up(data.delivery_id, f"not sent: {reason}")
            return "skipped"
        try:
            host, port = hooks.check_url_shape(found.url)
            if not self.allow_private:  # checked again: DNS may have changed since registration
                await hooks.check_public_host(host, port)
        except hooks.BadUrl as exc:
            await hooks.record_attempt(
                data.delivery_id, attempt, None, f"url {exc}", delivered=False
            )
            raise ApplicationError(
                f"url {exc}", type="WebhookRefused", non_retryable=True
            ) from None
        body = body_bytes(found.payload)
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-CivicOps-Delivery": data.delivery_id,
            "X-CivicOps-Timestamp": str(timestamp),
            "X-CivicOps-Signature": sign(found.secret, timestamp, body),
        }
        try:
            async with httpx.AsyncClient(timeout=self.timeout_s, follow_redirects=False) as http:
                resp = await http.post(found.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}".rstrip(": ")
            await hooks.record_attempt(data.delivery_id, attempt, None, error, delivered=False)
            raise ApplicationError(
                f"attempt {attempt}: {error}", type="WebhookUnreachable"
            ) from None
        code = resp.status_code
        if 200 <= code < 300:
            await hooks.record_attempt(data.delivery_id, attempt, code, None, delivered=True)
            return "delivered"
        error = f"HTTP {code}: {resp.text[:300]}".rstrip(": ")
        await hooks.record_attempt(data.delivery_id, attempt, code, error, delivered=False)
        if code == 410:
            await hooks.disable(
                found.webhook_id, found.key_id, "worker", "the receiver answered 410 Gone"
            )
            await hooks.give_up(data.delivery_id, "410 Gone: the webhook was disabled")
            return "gone"
        raise ApplicationError(f"attempt {attempt}: {error}", type="WebhookRejected")

    @activity.defn(name="mark_webhook_failed")
    @resilient
    async def mark_webhook_failed(self, data: GiveUpInput) -> None:
        """Give a delivery up: state failed, given_up_at now (a settled delivery is kept)."""
        await hooks.give_up(data.delivery_id, data.reason)
