"""Filing a complaint: validate it, place it (new case or re-complaint), start its workflow.

The JSON API and Open311 both file through `file_complaint`, so a complaint behaves the same
whichever door it came in by.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

import msgspec
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from litestar.status_codes import HTTP_422_UNPROCESSABLE_ENTITY
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from api.errors import FieldError
from api.schemas import ComplaintCreate
from api.updates import unavailable
from domain import ids, languages, text
from domain.case import CaseState, Complaint, ReComplaint
from domain.categories import InvalidAttribute, validate_attributes
from domain.sla import PolicyBook
from geo.zones import Match
from records import cases
from records.apikeys import Principal
from records.cases import Placement
from records.db import UNAVAILABLE, Steps, write
from records.geography import UnknownCity, ZoneDirectory
from records.tables import IdempotencyRecord, Reporter
from workflows.complaint import ComplaintWorkflow, initial_search_attributes

log = logging.getLogger("civicops.api")


@dataclass(frozen=True)
class Filed:
    """Where a filing went: the case's tracking id, how it was placed, and its start input."""

    filing_id: str  # this filing's own id; the case's tracking id unless it joined a case
    tracking_id: str
    filing: str  # "new", "recomplaint" or "linked"
    linked_to: str | None
    state: CaseState  # the case's start input (its seed for a re-complaint)


async def file_complaint(
    app_state: State,
    principal: Principal,
    data: ComplaintCreate,
    idempotency_key: str | None = None,
) -> Filed:
    """File a complaint for `principal`; 4xx naming the field when it cannot be accepted."""
    description = text.clean(data.description, "description", required=True)
    address = text.clean(data.address, "address")
    if data.reporter is not None:
        text.clean(data.reporter.name, "reporter.name")
    try:
        attributes = validate_attributes(data.category.value, data.attributes or {})
    except InvalidAttribute as exc:
        raise FieldError(f"attributes.{exc.code}", exc.message) from None
    language = languages.normalise(data.language)
    if language is None:
        raise FieldError(
            "language", f"unsupported; use one of {', '.join(sorted(languages.LANGUAGES))}"
        )
    settings = app_state.settings
    city_slug = (data.city or settings.city).strip().lower()
    directory: ZoneDirectory = app_state.zones
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
    fresh_reporter = False
    if idempotency_key is not None:
        key = idempotency_key.strip()
        if not key or not key.isprintable():
            raise FieldError("Idempotency-Key", "must be printable, non-empty text")
        filing_id, reporter_id = await _claim(principal.key_id, key, city.city.code, data)
    else:
        filing_id = ids.new_tracking_id(city.city.code)
        reporter_id = await save_reporter(data)
        fresh_reporter = reporter_id is not None
    policy: PolicyBook = app_state.policy
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
            address=address,
            filed_by=principal.key_id,
            media_url=data.media_url,
            attributes=attributes or None,
        ),
        policy=policy.sla(city_slug, data.category.value),
    )
    placement = await _place(app_state, state, now, fresh_reporter=fresh_reporter)
    return Filed(
        filing_id,
        placement.tracking_id,
        "new" if placement.kind == "original" else placement.kind,
        placement.seed.linked_to,
        placement.seed,
    )


async def _place(
    app_state: State, state: CaseState, now: datetime, *, fresh_reporter: bool
) -> Placement:
    """Open a new case, or attach the filing to the open case it repeats."""
    rules = app_state.policy.intake(state.complaint.city)
    client: Client = app_state.temporal
    queue: str = app_state.task_queue
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
            await _start(client, queue, state)
            return placement
        try:
            if placement.kind == "recomplaint":
                await _attach(client, queue, placement, state)
            else:
                await _start(client, queue, placement.seed)
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
                await write([Reporter.delete().where(Reporter.id == state.complaint.reporter_id)])
            raise
    raise unavailable(RuntimeError("no case to attach to"))


async def _attach(client: Client, task_queue: str, placement: Placement, filing: CaseState) -> None:
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
    key_id: str, key: str, city_code: str, data: ComplaintCreate
) -> tuple[str, int | None]:
    """Bind an Idempotency-Key to one tracking id; a different body under it is refused."""
    request_sha = hashlib.sha256(msgspec.json.encode(data)).hexdigest()
    record_key = f"{key_id}:{key}"
    tracking_id = ids.derived_tracking_id(city_code, key_id, key)
    # One write: of concurrent retries only the first stores contact details, and the
    # others wait for its commit, so they read the record with the reporter linked.
    record = IdempotencyRecord(key=record_key, request_sha256=request_sha, tracking_id=tracking_id)
    await write(_claim_steps(record, reporter_row(data)))
    existing = await IdempotencyRecord.objects().get(IdempotencyRecord.key == record_key)
    if existing is None or existing.request_sha256 != request_sha:
        raise FieldError(
            "Idempotency-Key",
            "already used for a different complaint body",
            status_code=HTTP_422_UNPROCESSABLE_ENTITY,
        )
    return existing.tracking_id, existing.reporter


async def _start(client: Client, task_queue: str, state: CaseState) -> None:
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


def _claim_steps(record: IdempotencyRecord, reporter: Reporter | None) -> Steps[None]:
    """Insert the idempotency record unless it exists; the first one in stores the reporter."""
    claimed = yield (
        IdempotencyRecord.insert(record)
        .on_conflict(target=IdempotencyRecord.key, action="DO NOTHING")
        .returning(IdempotencyRecord.id)
    )
    if claimed and reporter is not None:
        rows = yield Reporter.insert(reporter).returning(Reporter.id)
        yield IdempotencyRecord.update({IdempotencyRecord.reporter: rows[0]["id"]}).where(
            IdempotencyRecord.id == claimed[0]["id"]
        )


def reporter_row(data: ComplaintCreate) -> Reporter | None:
    """The contact details to store, if any."""
    r = data.reporter
    if r is None or not (r.name or r.phone or r.email):
        return None
    return Reporter(name=text.clean(r.name, "reporter.name"), phone=r.phone, email=r.email)


async def save_reporter(data: ComplaintCreate) -> int | None:
    """Store contact details, if any, and return their id."""
    row = reporter_row(data)
    if row is None:
        return None
    [rows] = await write([Reporter.insert(row).returning(Reporter.id)])
    return rows[0]["id"]
