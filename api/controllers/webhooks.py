"""Webhooks for integrators: register a URL, list and disable it, read its deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, delete, get, post
from litestar.exceptions import NotFoundException
from litestar.params import JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_409_CONFLICT
from msgspec import Meta

from api.auth import current_principal, roles
from api.errors import FieldError
from domain import text
from domain.roles import Role
from records import webhooks as hooks

ANY_KEY = roles(Role.CITIZEN_APP, Role.INTEGRATOR, Role.SUPERVISOR, Role.AUDITOR, Role.OFFICIAL)
MAX_LIMIT = 200

# A str, not an int, in the route: a malformed id is a 404 like any unknown one.
WebhookId = Annotated[str, PathParameter(description="The webhook's id", max_length=20)]


class WebhookCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A URL to post status changes to."""

    url: Annotated[
        str,
        Meta(
            min_length=1,
            max_length=hooks.MAX_URL,
            description="http(s) URL on a public address, without credentials",
            examples=["https://example.org/civicops/hook"],
        ),
    ]
    description: Annotated[str, Meta(max_length=200)] | None = None


class WebhookView(msgspec.Struct):
    """A webhook (never its secret) and how many of its deliveries are in each state."""

    id: int
    key_id: str
    url: str
    description: str
    active: bool
    created_at: datetime
    disabled_at: datetime | None
    deliveries: dict[str, int]


class WebhookCreated(WebhookView):
    """The new webhook; `secret` signs every delivery and is shown only this once."""

    secret: str


class DeliveryView(msgspec.Struct):
    """One status change posted (or still being posted) to a webhook."""

    delivery_id: str
    tracking_id: str
    revision: int
    status: str
    state: str  # pending, delivered, failed
    attempts: int
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    last_attempt_at: datetime | None
    delivered_at: datetime | None
    given_up_at: datetime | None
    payload: dict[str, Any]


def _view(row: dict[str, Any]) -> WebhookView:
    """A webhook row as the API shows it (without its secret)."""
    return WebhookView(
        id=row["id"],
        key_id=row["key_id"],
        url=row["url"],
        description=row["description"] or "",
        active=row["disabled_at"] is None,
        created_at=row["created_at"],
        disabled_at=row["disabled_at"],
        deliveries=row.get("deliveries") or dict.fromkeys(hooks.STATES, 0),
    )


def _delivery(row: dict[str, Any]) -> DeliveryView:
    """A delivery row as the API shows it."""
    return DeliveryView(
        **{f: row[f] for f in DeliveryView.__struct_fields__ if f != "payload"},
        payload=row["payload"] or {},
    )


async def _own(request: Request, webhook_id: str) -> dict[str, Any]:
    """The caller's webhook (any webhook, for admin); 404 for unknown and others' ones alike."""
    principal = current_principal(request)
    digits = webhook_id.isascii() and webhook_id.isdigit() and len(webhook_id) <= 18
    row = await hooks.get(int(webhook_id)) if digits else None
    if row is None or (principal.role != Role.ADMIN and row["key_id"] != principal.key_id):
        raise NotFoundException(f"webhook_id: no webhook {webhook_id} of this key")
    return row


class WebhookController(Controller):
    """Any key may register webhooks for the status changes of the cases it may see."""

    path = "/v1/webhooks"
    tags = ["webhooks"]

    @post(
        "/",
        operation_id="createWebhook",
        opt=ANY_KEY,
        status_code=HTTP_201_CREATED,
        summary="Register a webhook",
    )
    async def create(self, request: Request, data: JSONBody[WebhookCreate]) -> WebhookCreated:
        """Register a URL for signed case.status_changed posts; the secret is shown once."""
        principal = current_principal(request)
        settings = request.app.state.settings
        try:
            url = await hooks.check_url(
                data.url.strip(), allow_private=settings.webhook_allow_private
            )
        except hooks.BadUrl as exc:
            raise FieldError("url", str(exc), status_code=422) from None
        if await hooks.active_count(principal.key_id) >= hooks.MAX_ACTIVE_PER_KEY:
            raise FieldError(
                "url",
                f"a key may have at most {hooks.MAX_ACTIVE_PER_KEY} active webhooks; "
                "delete one first",
                status_code=HTTP_409_CONFLICT,
            )
        row = await hooks.create(
            principal.key_id,
            url,
            text.clean(data.description, "description") or "",
            principal.actor,
        )
        view = _view(row)
        return WebhookCreated(**msgspec.structs.asdict(view), secret=row["secret"])

    @get("/", operation_id="listWebhooks", opt=ANY_KEY, summary="List webhooks")
    async def list_all(self, request: Request) -> list[WebhookView]:
        """The calling key's webhooks, newest first (admin: every key's)."""
        principal = current_principal(request)
        owner = None if principal.role == Role.ADMIN else principal.key_id
        return [_view(r) for r in await hooks.listing(owner)]

    @get("/{webhook_id:str}", operation_id="getWebhook", opt=ANY_KEY, summary="A webhook")
    async def get_one(self, request: Request, webhook_id: WebhookId) -> WebhookView:
        """One of the calling key's webhooks (admin: anyone's)."""
        row = await _own(request, webhook_id)
        [listed] = [r for r in await hooks.listing(row["key_id"]) if r["id"] == row["id"]]
        return _view(listed)

    @delete(
        "/{webhook_id:str}",
        operation_id="deleteWebhook",
        opt=ANY_KEY,
        summary="Disable a webhook",
    )
    async def remove(self, request: Request, webhook_id: WebhookId) -> None:
        """Stop posting to the webhook (owner or admin); its deliveries stay readable."""
        row = await _own(request, webhook_id)
        principal = current_principal(request)
        await hooks.disable(row["id"], row["key_id"], principal.actor, "deleted through the API")

    @get(
        "/{webhook_id:str}/deliveries",
        operation_id="listWebhookDeliveries",
        opt=ANY_KEY,
        summary="A webhook's deliveries",
    )
    async def deliveries(
        self,
        request: Request,
        webhook_id: WebhookId,
        wanted: Annotated[
            str | None,
            QueryParameter(name="state", description="pending, delivered or failed"),
        ] = None,
        limit: Annotated[
            int, QueryParameter(name="limit", description="1 to 200", ge=1, le=MAX_LIMIT)
        ] = 50,
    ) -> list[DeliveryView]:
        """Deliveries newest first, with attempts, the last status code and error, given_up_at."""
        if wanted is not None and wanted not in hooks.STATES:
            raise FieldError("state", f"{wanted!r} is not one of {', '.join(hooks.STATES)}")
        row = await _own(request, webhook_id)
        return [_delivery(r) for r in await hooks.deliveries(row["id"], wanted, limit)]
