"""Filing and following complaints: each one starts, or finds, its Temporal workflow."""

from __future__ import annotations

import hashlib
import json
import logging
import math
from datetime import UTC, datetime
from typing import Annotated

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import HeaderParameter, JSONBody, PathParameter
from litestar.status_codes import (
    HTTP_202_ACCEPTED,
    HTTP_422_UNPROCESSABLE_ENTITY,
)
from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowQueryFailedError,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from api.auth import current_principal, roles
from api.errors import FieldError
from api.schemas import ComplaintAccepted, ComplaintCreate, ComplaintView, WithdrawIn
from api.updates import RPC_TIMEOUT, run_update, unavailable
from api.views import from_record, from_state
from domain import ids, languages
from domain.case import CaseState, Complaint, ReComplaint, WithdrawRequest
from domain.roles import Role
from domain.sla import PolicyBook
from geo.zones import Match
from records import cases, projection
from records import notices as notice_records
from records.cases import Placement
from records.db import UNAVAILABLE, write_transaction
from records.geography import UnknownCity, ZoneDirectory
from records.tables import IdempotencyRecord, Reporter
from workflows.complaint import ComplaintWorkflow, initial_search_attributes

log = logging.getLogger("civicops.api")

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


def check_tracking_id(tracking_id: str) -> str:
    """The tracking id from a path, normalised; 400 naming tracking_id when malformed."""
    value = tracking_id.strip().upper()
    if not ids.is_tracking_id(value):
        raise FieldError("tracking_id", "not a tracking id (expected like BLR-7K3M9QX2AB)")
    return value


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
            filing_id, reporter_id = await self._claim(principal.key_id, key, city.city.code, data)
        else:
            filing_id = ids.new_tracking_id(city.city.code)
            reporter_id = await _save_reporter(data)
            fresh_reporter = reporter_id is not None
        policy: PolicyBook = request.app.state.policy
        now = datetime.now(UTC)
        state = CaseState(
            complaint=Complaint(
                tracking_id=filing_id,
                city=city_slug,
                category=data.category.value,
                description=description,
                latitude=data.latitude,
                longitude=data.longitude,
                language=language,
                filed_at=now,
                source=principal.name,
                reporter_id=reporter_id,
                address=data.address.strip() if data.address else None,
                filed_by=principal.key_id,
            ),
            policy=policy.sla(city_slug, data.category.value),
        )
        placement = await self._place(request, state, now, fresh_reporter=fresh_reporter)
        status_url = f"{settings.public_url}/v1/complaints/{placement.tracking_id}"
        return Response(
            ComplaintAccepted(
                placement.tracking_id,
                ids.workflow_id(placement.tracking_id),
                "FILED",
                status_url,
                filing="new" if placement.kind == "original" else placement.kind,
                linked_to=placement.seed.linked_to,
            ),
            status_code=HTTP_202_ACCEPTED,
            headers={"Location": status_url},
        )

    async def _place(
        self, request: Request, state: CaseState, now: datetime, *, fresh_reporter: bool
    ) -> Placement:
        """Open a new case, or attach the filing to the open case it repeats."""
        rules = request.app.state.policy.intake(state.complaint.city)
        client: Client = request.app.state.temporal
        queue: str = request.app.state.task_queue
        exclude = None
        for _ in range(3):
            try:
                placement = await cases.place(state, rules, now, exclude=exclude)
            except UNAVAILABLE as exc:
                # Accepting the complaint matters more than spotting a repeat: open it as a
                # new case; its first record registers it for later re-complaints.
                log.warning(
                    "database down: %s filed without the re-complaint check (%r)",
                    state.complaint.tracking_id,
                    exc,
                )
                placement = Placement("original", state.complaint.tracking_id, state)
                await self._start(client, queue, state)
                return placement
            try:
                if placement.kind == "recomplaint":
                    await self._attach(client, queue, placement, state)
                else:
                    await self._start(client, queue, placement.seed)
                return placement
            except WorkflowAlreadyStartedError:
                # The case it would join has just ended: place the filing again without it.
                if placement.kind != "recomplaint":
                    return placement  # a retry of a case that has already ended
                await cases.unplace(placement, state.complaint.tracking_id)
                exclude = placement.tracking_id
            except HTTPException:
                if not placement.repeat:  # a repeat's case was started by its first attempt
                    await cases.unplace(placement, state.complaint.tracking_id)
                if fresh_reporter:  # no case holds these contact details: do not keep them
                    await Reporter.delete().where(Reporter.id == state.complaint.reporter_id)
                raise
        raise unavailable(RuntimeError("no case to attach to"))

    async def _attach(
        self, client: Client, task_queue: str, placement: Placement, filing: CaseState
    ) -> None:
        """Signal the re-complaint to its case, starting the case from its seed if need be."""
        c = filing.complaint
        report = ReComplaint(
            filing_id=c.tracking_id,
            filed_at=c.filed_at,
            latitude=c.latitude,
            longitude=c.longitude,
            distance_m=placement.distance_m,
            source=c.source,
            reporter_id=c.reporter_id,
            filed_by=c.filed_by,
        )
        try:
            await client.start_workflow(
                ComplaintWorkflow.run,
                placement.seed,
                id=ids.workflow_id(placement.tracking_id),
                task_queue=task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                search_attributes=initial_search_attributes(placement.seed),
                start_signal="recomplain",
                start_signal_args=[report],
            )
        except RPCError as exc:
            raise unavailable(exc) from exc

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
            raise unavailable(exc) from exc

    @get(
        "/{tracking_id:str}", operation_id="getComplaint", opt=READERS, summary="Follow a complaint"
    )
    async def get_one(self, request: Request, tracking_id: TrackingId) -> ComplaintView:
        """Live state from the workflow while it runs; the database projection once it has ended."""
        tracking_id = check_tracking_id(tracking_id)
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
                raise unavailable(RuntimeError("no live state"))
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
        tracking_id = check_tracking_id(tracking_id)
        if not data.reason.strip():
            raise FieldError("reason", "must not be empty")
        principal = current_principal(request)
        # A citizen app may withdraw only what it filed; officials may withdraw any case.
        own_only = principal.role in (Role.CITIZEN_APP, Role.INTEGRATOR)
        request_ = WithdrawRequest(
            data.reason, principal.name, key_id=principal.key_id if own_only else None
        )
        state = await run_update(
            request.app.state.temporal, tracking_id, ComplaintWorkflow.withdraw, request_
        )
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
