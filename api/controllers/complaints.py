"""Filing and following complaints: each one starts, or finds, its Temporal workflow."""

from __future__ import annotations

import hashlib
import json
import logging
import math
from datetime import UTC, datetime, timedelta
from typing import Annotated

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import HeaderParameter, JSONBody, PathParameter
from litestar.status_codes import (
    HTTP_202_ACCEPTED,
    HTTP_403_FORBIDDEN,
    HTTP_409_CONFLICT,
    HTTP_422_UNPROCESSABLE_ENTITY,
)
from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowQueryFailedError,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from api.auth import current_principal, roles
from api.errors import FieldError
from api.schemas import ComplaintAccepted, ComplaintCreate, ComplaintView, WithdrawIn
from api.views import from_record, from_state
from domain import ids, languages
from domain.case import CaseState, Complaint, WithdrawRequest
from domain.roles import Role
from geo.zones import Match
from records import notices as notice_records
from records import projection
from records.db import write_transaction
from records.geography import UnknownCity, ZoneDirectory
from records.tables import IdempotencyRecord, Reporter
from workflows.complaint import ComplaintWorkflow, initial_search_attributes

log = logging.getLogger("civicops.api")
RPC_TIMEOUT = timedelta(seconds=5)
UPDATE_TIMEOUT = timedelta(seconds=15)

TrackingId = Annotated[
    str, PathParameter(description="Tracking id, e.g. BLR-7K3M9QX2AB", max_length=20)
]
IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        required=False,
        max_length=200,
        description="Repeat a POST safely: the same key returns the same complaint.",
    ),
]

FILERS = roles(Role.CITIZEN_APP, Role.INTEGRATOR, Role.OFFICIAL)
READERS = roles(Role.CITIZEN_APP, Role.INTEGRATOR, Role.SUPERVISOR, Role.AUDITOR, Role.OFFICIAL)


def _non_finite_field(value: object, path: str = "") -> str | None:
    """The dotted path of the first NaN or infinite number in decoded JSON, if any."""
    if isinstance(value, float) and not math.isfinite(value):
        return path or "body"
    if isinstance(value, dict):
        for key, item in value.items():
            if found := _non_finite_field(item, f"{path}.{key}" if path else str(key)):
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            if found := _non_finite_field(item, f"{path}[{index}]"):
                return found
    return None


async def check_json_body(request: Request) -> None:
    """Before the body is parsed: require JSON, and name a field that holds NaN or Infinity.

    Strict JSON has no NaN and a number like 1e999 overflows to infinity; the decoder would
    reject both without saying which field they were in.
    """
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise FieldError("Content-Type", "must be application/json")
    try:
        decoded = json.loads(await request.body())
    except (ValueError, RecursionError):
        return  # malformed: the body parser reports it
    if field := _non_finite_field(decoded):
        raise FieldError(field, "must be a finite number")


def _check_tracking_id(tracking_id: str) -> str:
    value = tracking_id.strip().upper()
    if not ids.is_tracking_id(value):
        raise FieldError("tracking_id", "not a tracking id (expected like BLR-7K3M9QX2AB)")
    return value


def _unavailable(exc: RPCError) -> HTTPException:
    log.warning("temporal unavailable: %s", exc)
    return HTTPException(
        status_code=503,
        detail="the case engine is briefly unavailable; retry shortly",
        headers={"Retry-After": "5"},
    )


class ComplaintController(Controller):
    """File a complaint, follow it by tracking id, withdraw it."""

    path = "/v1/complaints"
    tags = ["complaints"]

    @post(
        "/",
        status_code=HTTP_202_ACCEPTED,
        operation_id="fileComplaint",
        opt=FILERS,
        before_request=check_json_body,
        summary="File a complaint",
    )
    async def file(
        self,
        request: Request,
        data: JSONBody[ComplaintCreate],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[ComplaintAccepted]:
        """File a complaint; it starts a durable case workflow and answers 202 with its id."""
        description = data.description.strip()
        if not description:
            raise FieldError("description", "must not be empty")
        language = languages.normalise(data.language)
        if language is None:
            raise FieldError(
                "language", f"unsupported; use one of {', '.join(sorted(languages.LANGUAGES))}"
            )
        settings = request.app.state.settings
        city_slug = (data.city or settings.city).strip().lower()
        directory: ZoneDirectory = request.app.state.zones
        try:
            city = await directory.city(city_slug)
        except UnknownCity:
            raise FieldError("city", f"CivicOps does not serve {city_slug!r}") from None
        location = city.locate(data.latitude, data.longitude)
        if location.match == Match.OUTSIDE:
            raise FieldError(
                "latitude",
                f"the point ({data.latitude}, {data.longitude}) is outside every ward of "
                f"{city.city.name}",
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
            )
        principal = current_principal(request)
        fresh_reporter = False
        if idempotency_key is not None:
            key = idempotency_key.strip()
            if not key or not key.isprintable():
                raise FieldError("Idempotency-Key", "must be printable, non-empty text")
            tracking_id, reporter_id = await self._claim(
                principal.key_id, key, city.city.code, data
            )
        else:
            tracking_id = ids.new_tracking_id(city.city.code)
            reporter_id = await _save_reporter(data)
            fresh_reporter = reporter_id is not None
        state = CaseState(
            complaint=Complaint(
                tracking_id=tracking_id,
                city=city_slug,
                category=data.category.value,
                description=description,
                latitude=data.latitude,
                longitude=data.longitude,
                language=language,
                filed_at=datetime.now(UTC),
                source=principal.name,
                reporter_id=reporter_id,
                address=data.address.strip() if data.address else None,
                filed_by=principal.key_id,
            )
        )
        try:
            await self._start(request.app.state.temporal, request.app.state.task_queue, state)
        except HTTPException:
            if fresh_reporter:  # no case holds these contact details: do not keep them
                await Reporter.delete().where(Reporter.id == reporter_id)
            raise
        status_url = f"{settings.public_url}/v1/complaints/{tracking_id}"
        return Response(
            ComplaintAccepted(tracking_id, ids.workflow_id(tracking_id), "FILED", status_url),
            status_code=HTTP_202_ACCEPTED,
            headers={"Location": status_url},
        )

    async def _claim(
        self, key_id: str, key: str, city_code: str, data: ComplaintCreate
    ) -> tuple[str, int | None]:
        """Bind an Idempotency-Key to one tracking id; a different body under it is refused."""
        request_sha = hashlib.sha256(msgspec.json.encode(data)).hexdigest()
        record_key = f"{key_id}:{key}"
        tracking_id = ids.derived_tracking_id(city_code, key_id, key)
        # One transaction: of concurrent retries only the first stores contact details, and
        # the others wait for its commit, so they read the record with the reporter linked.
        async with write_transaction():
            claimed = await (
                IdempotencyRecord.insert(
                    IdempotencyRecord(
                        key=record_key, request_sha256=request_sha, tracking_id=tracking_id
                    )
                )
                .on_conflict(target=IdempotencyRecord.key, action="DO NOTHING")
                .returning(IdempotencyRecord.id)
            )
            if claimed and (reporter_id := await _save_reporter(data)) is not None:
                await IdempotencyRecord.update({IdempotencyRecord.reporter: reporter_id}).where(
                    IdempotencyRecord.id == claimed[0]["id"]
                )
        existing = await IdempotencyRecord.objects().get(IdempotencyRecord.key == record_key)
        if existing is None or existing.request_sha256 != request_sha:
            raise FieldError(
                "Idempotency-Key",
                "already used for a different complaint body",
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
            )
        return existing.tracking_id, existing.reporter

    async def _start(self, client: Client, task_queue: str, state: CaseState) -> None:
        """Start the case workflow; an existing one with the same id is reused, never doubled."""
        try:
            await client.start_workflow(
                ComplaintWorkflow.run,
                state,
                id=ids.workflow_id(state.complaint.tracking_id),
                task_queue=task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                search_attributes=initial_search_attributes(state),
            )
        except WorkflowAlreadyStartedError:
            pass  # a retry of a case that has already ended: the first answer stands
        except RPCError as exc:
            raise _unavailable(exc) from exc

    @get(
        "/{tracking_id:str}", operation_id="getComplaint", opt=READERS, summary="Follow a complaint"
    )
    async def get_one(self, request: Request, tracking_id: TrackingId) -> ComplaintView:
        """Live state from the workflow while it runs; the database projection once it has ended."""
        tracking_id = _check_tracking_id(tracking_id)
        public_url = request.app.state.settings.public_url
        client: Client = request.app.state.temporal
        handle = client.get_workflow_handle(ids.workflow_id(tracking_id))
        running = False
        try:
            description = await handle.describe(rpc_timeout=RPC_TIMEOUT)
            running = description.status == WorkflowExecutionStatus.RUNNING
            if running:
                state = await handle.query(ComplaintWorkflow.status, rpc_timeout=RPC_TIMEOUT)
                return from_state(state, public_url)
        except (RPCError, WorkflowQueryFailedError) as exc:
            # No worker answering (or Temporal down): fall back to the projection below.
            if not (isinstance(exc, RPCError) and exc.status == RPCStatusCode.NOT_FOUND):
                log.warning("live state of %s unavailable: %s", tracking_id, exc)
                running = True
        row = await projection.load(tracking_id)
        if row is None:
            if running:
                raise _unavailable(RPCError("no live state", RPCStatusCode.UNAVAILABLE, b""))
            raise NotFoundException(f"no complaint {tracking_id}")
        return from_record(
            row,
            await projection.events(tracking_id),
            await notice_records.for_complaint(tracking_id),
            public_url,
        )

    @post(
        "/{tracking_id:str}/withdraw",
        operation_id="withdrawComplaint",
        opt=roles(Role.CITIZEN_APP, Role.OFFICIAL),
        status_code=200,
        summary="Withdraw a complaint",
    )
    async def withdraw(
        self, request: Request, tracking_id: TrackingId, data: JSONBody[WithdrawIn]
    ) -> ComplaintView:
        """Withdraw a case filed in error or as a duplicate; it ends WITHDRAWN."""
        tracking_id = _check_tracking_id(tracking_id)
        if not data.reason.strip():
            raise FieldError("reason", "must not be empty")
        client: Client = request.app.state.temporal
        handle = client.get_workflow_handle(ids.workflow_id(tracking_id))
        principal = current_principal(request)
        # A citizen app may withdraw only what it filed; officials may withdraw any case.
        own_only = principal.role in (Role.CITIZEN_APP, Role.INTEGRATOR)
        request_ = WithdrawRequest(
            data.reason, principal.name, key_id=principal.key_id if own_only else None
        )
        try:
            state = await handle.execute_update(
                ComplaintWorkflow.withdraw, request_, rpc_timeout=UPDATE_TIMEOUT
            )
        except WorkflowUpdateFailedError as exc:
            cause = exc.cause
            message = getattr(cause, "message", None) or str(cause or exc)
            forbidden = getattr(cause, "type", None) == "Forbidden"
            raise HTTPException(
                status_code=HTTP_403_FORBIDDEN if forbidden else HTTP_409_CONFLICT, detail=message
            ) from exc
        except WorkflowUpdateRPCTimeoutOrCancelledError as exc:
            raise _unavailable(RPCError(str(exc), RPCStatusCode.DEADLINE_EXCEEDED, b"")) from exc
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                raise NotFoundException(f"no open complaint {tracking_id}") from exc
            raise _unavailable(exc) from exc
        return from_state(state, request.app.state.settings.public_url)


async def _save_reporter(data: ComplaintCreate) -> int | None:
    """Store contact details, if any, and return their id."""
    r = data.reporter
    if r is None or not (r.name or r.phone or r.email):
        return None
    rows = await Reporter.insert(Reporter(name=r.name, phone=r.phone, email=r.email)).returning(
        Reporter.id
    )
    return rows[0]["id"]
