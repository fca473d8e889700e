"""Offline intake: a batch of complaints queued on a device with no signal, sent once in range.

Each item carries the device's own `client_id` (its idempotency key) and `captured_at` (the
device clock when it was captured). The batch's `sent_at` (the device clock when it sent)
corrects the device's clock skew: captured_at + (server time - sent_at) is the complaint's
filing time. Every item gets its own answer, so one bad item never rejects the others, and
re-sending the batch, or any part of it, opens nothing new.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, post
from litestar.exceptions import HTTPException
from litestar.params import JSONBody
from msgspec import Meta

from api.auth import current_principal
from api.controllers.complaints import FILERS
from api.errors import FieldError
from api.filing import file_complaint
from api.schemas import ComplaintCreate
from domain.case import chosen_category
from records.apikeys import Principal

MAX_ITEMS = 100
# 100 complaints with room for their descriptions (a single filing's body is at most 64 KB).
MAX_BATCH_BYTES = 1024 * 1024
MAX_AGE = timedelta(days=30)
MAX_AHEAD = timedelta(minutes=5)


class BatchComplaint(ComplaintCreate, kw_only=True):
    """One queued complaint: the fields of POST /v1/complaints, its device id and capture time."""

    client_id: Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[\x21-\x7e]+$")]
    captured_at: datetime


class BatchIn(msgspec.Struct, forbid_unknown_fields=True):
    """Complaints queued offline, and the device's clock when it sent them."""

    sent_at: datetime
    # Each item is read on its own, so that one that is not even an object is refused alone.
    complaints: Annotated[list[Any], Meta(min_length=1, max_length=MAX_ITEMS)]


class ItemResult(msgspec.Struct, omit_defaults=True):
    """What became of one queued complaint: a case (new, or the one it repeats), or why not."""

    index: int
    client_id: str | None
    result: str  # "accepted", "recomplaint" or "rejected"
    tracking_id: str | None = None
    filing: str | None = None  # "new", "recomplaint" or "linked"
    category: str | None = None
    category_source: str | None = None
    status_code: int | None = None
    field: str | None = None
    detail: str | None = None


class BatchOut(msgspec.Struct):
    """One result per item, in the order sent."""

    accepted: int
    rejected: int
    results: list[ItemResult]


def _aware(when: datetime, field: str) -> datetime:
    """A time with its offset; 400 naming the field when the device sent none."""
    if when.tzinfo is None:
        raise FieldError(field, "must carry a UTC offset, e.g. 2026-12-02T09:30:00+05:30")
    return when.astimezone(UTC)


def captured_time(captured_at: datetime, skew: timedelta, now: datetime, field: str) -> datetime:
    """The device's capture time on the server's clock; 422 naming the field when it is more
    than 30 days old or more than 5 minutes ahead."""
    try:
        when = _aware(captured_at, field) + skew
    except OverflowError:  # a device clock set to year 1 or 9999: no date we can hold
        raise FieldError(field, "is out of range, even after correcting the device clock",
                         status_code=422) from None  # fmt: skip
    if when < now - MAX_AGE:
        raise FieldError(
            field, "is more than 30 days old; file it as a new complaint", status_code=422
        )
    if when > now + MAX_AHEAD:
        raise FieldError(
            field, "is in the future, even after correcting the device clock", status_code=422
        )
    return when


def _item_field(index: int, field: str) -> str:
    """The batch path of an item's field."""
    if field == "Idempotency-Key":
        field = "client_id"
    return f"complaints[{index}].{field}" if field != "body" else f"complaints[{index}]"


def _decode(index: int, raw: Any) -> BatchComplaint:
    """One item as a complaint; 400 naming its field when it is not one."""
    try:
        return msgspec.convert(raw, BatchComplaint)
    except msgspec.ValidationError as exc:
        message = str(exc)
        field, _, path = message.rpartition(" - at `$")
        name = path.rstrip("`").lstrip(".") if field else "body"
        if message.startswith("Object missing required field"):
            name = message.split("`")[1]
            field = "missing required field"
        elif message.startswith("Object contains unknown field"):
            name = message.split("`")[1]
            field = "unknown field"
        raise FieldError(_item_field(index, name or "body"), field or message) from None


class BatchController(Controller):
    """POST a batch of complaints captured offline."""

    path = "/v1/complaints/batch"
    tags = ["complaints"]

    @post(
        "/",
        operation_id="fileComplaintBatch",
        opt={**FILERS, "max_json_bytes": MAX_BATCH_BYTES},
        request_max_body_size=MAX_BATCH_BYTES,
        status_code=200,
        summary="File complaints queued offline",
    )
    async def file_batch(self, request: Request, data: JSONBody[BatchIn]) -> BatchOut:
        """File up to 100 queued complaints; one result each, and re-sending opens nothing new."""
        return await file_batch(request, current_principal(request), data)


async def file_batch(request: Request, principal: Principal, data: BatchIn) -> BatchOut:
    """File a batch for `principal` (an API key, or the web app's key for the citizen pages)."""
    now = datetime.now(UTC)
    skew = now - _aware(data.sent_at, "sent_at")
    results: list[ItemResult] = []
    seen: set[str] = set()
    for index, raw in enumerate(data.complaints):
        said = raw.get("client_id") if isinstance(raw, dict) else None
        client_id = said if isinstance(said, str) else None
        try:
            item = _decode(index, raw)
            if item.client_id in seen:
                raise FieldError(_item_field(index, "client_id"), "appears twice in the batch")
            seen.add(item.client_id)
            when = captured_time(item.captured_at, skew, now, _item_field(index, "captured_at"))
            filed = await _file(request, principal, index, item, when)
        except HTTPException as exc:
            field = exc.field if isinstance(exc, FieldError) else None
            results.append(
                ItemResult(
                    index,
                    client_id,
                    "rejected",
                    status_code=exc.status_code,
                    field=field or f"complaints[{index}]",
                    detail=exc.detail,
                )
            )
            continue
        results.append(filed)
    rejected = sum(1 for r in results if r.result == "rejected")
    return BatchOut(len(results) - rejected, rejected, results)


async def _file(
    request: Request, principal: Principal, index: int, item: BatchComplaint, when: datetime
) -> ItemResult:
    """File one item under its client id; its field errors are named by their batch path."""
    try:
        filed = await file_complaint(
            request.app.state,
            principal,
            item,
            f"offline:{item.client_id}",
            captured_at=when,
        )
    except FieldError as exc:
        raise FieldError(
            _item_field(index, exc.field), exc.message, status_code=exc.status_code
        ) from None
    category, source = chosen_category(filed.state.complaint)
    return ItemResult(
        index,
        item.client_id,
        "recomplaint" if filed.filing == "recomplaint" else "accepted",
        tracking_id=filed.tracking_id,
        filing=filed.filing,
        category=category,
        category_source=source,
    )
