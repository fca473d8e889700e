"""Filing a complaint: validate it, place it (new case or re-complaint), start its workflow.

The JSON API and Open311 both file through `file_complaint`, so a complaint behaves the same
whichever door it came in by.
"""

from __future__ import annotations

import asyncio
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

from api.attachments import check_attachments
from api.errors import FieldError
from api.schemas import ComplaintCreate
from api.updates import unavailable
from domain import ids, languages, pii, text
from domain.case import CaseState, Complaint, ReComplaint
from domain.categories import CATEGORIES, UNCATEGORISED, InvalidAttribute, validate_attributes
from domain.privacy import NOTICE_PROBLEMS, UNSTATED, PrivacyPolicy, check_notice
from domain.sla import PolicyBook
from geo.zones import Location, Match
from language import classify as classifier
from language import detect
from records import cases, vault
from records.apikeys import Principal
from records.cases import Placement
from records.db import UNAVAILABLE, Steps, write
from records.geography import CityZones, UnknownCity, ZoneDirectory
from records.tables import IdempotencyRecord, Reporter
from workflows.complaint import ComplaintWorkflow, initial_search_attributes

log = logging.getLogger("civicops.api")
MAX_CLASSIFIED_CHARS = 2000  # what POST /v1/classify reads; longer texts name their category


@dataclass(frozen=True)
class Filed:
    """Where a filing went: the case's tracking id, how it was placed, and its start input."""

    filing_id: str  # this filing's own id; the case's tracking id unless it joined a case
    tracking_id: str
    filing: str  # "new", "recomplaint" or "linked"
    linked_to: str | None
    state: CaseState  # the case's start input (its seed for a re-complaint)


@dataclass(frozen=True)
class Words:
    """What the filing says and in which language, and how its category was chosen."""

    description: str
    language: str
    category: str
    source: str = "citizen"
    confidence: float | None = None
    guess: str | None = None


async def file_complaint(
    app_state: State,
    principal: Principal,
    data: ComplaintCreate,
    idempotency_key: str | None = None,
    *,
    captured_at: datetime | None = None,
) -> Filed:
    """File a complaint for `principal`; 4xx naming the field when it cannot be accepted.

    `captured_at` is an offline filing's capture time (already checked and skew-corrected by
    the batch route): the complaint's filing time for its SLA and the statistics.
    """
    address = text.clean(data.address, "address")
    if data.reporter is not None:
        text.clean(data.reporter.name, "reporter.name")
    city, _ = await locate_city(app_state, data)
    words = await _words(data, city.city.language)
    privacy = app_state.policy.privacy(city.city.slug)
    description, found = pii.scan(words.description)
    public_address, address_found = pii.scan(address) if address else (address, [])
    reporter = await _reporter(
        data,
        privacy,
        words.description if found else None,
        address if address_found else None,
    )
    try:
        attributes = (
            validate_attributes(words.category, data.attributes or {})
            if words.category != UNCATEGORISED
            else _no_attributes(data)
        )
    except InvalidAttribute as exc:
        raise FieldError(f"attributes.{exc.code}", exc.message) from None
    attachments = await check_attachments(app_state, principal, data.photos, data.voice_note)
    city_slug = city.city.slug
    fresh_reporter = False
    if idempotency_key is not None:
        key = idempotency_key.strip()
        if not key or not key.isprintable():
            raise FieldError("Idempotency-Key", "must be printable, non-empty text")
        filing_id, reporter_id = await _claim(principal.key_id, key, city.city.code, data, reporter)
    else:
        filing_id = ids.new_tracking_id(city.city.code)
        reporter_id = await save_reporter(reporter)
        fresh_reporter = reporter_id is not None
    policy: PolicyBook = app_state.policy
    now = datetime.now(UTC)
    uncategorised = words.category == UNCATEGORISED
    state = CaseState(
        complaint=Complaint(
            tracking_id=filing_id,
            city=city_slug,
            category=words.category,
            description=description,
            latitude=data.latitude,
            longitude=data.longitude,
            language=words.language,
            filed_at=captured_at or now,
            source=principal.name,
            reporter_id=reporter_id,
            address=public_address,
            filed_by=principal.key_id,
            media_url=data.media_url,
            attributes=attributes or None,
            category_source=words.source,
            category_confidence=words.confidence,
            attachments=attachments,
            captured_at=captured_at,
            category_guess=words.guess,
        ),
        policy=policy.sla(city_slug, CATEGORIES[0].code if uncategorised else words.category),
        category_hours=_category_hours(policy, city_slug) if uncategorised else None,
    )
    placement = await _place(app_state, state, now, fresh_reporter=fresh_reporter)
    return Filed(
        filing_id,
        placement.tracking_id,
        "new" if placement.kind == "original" else placement.kind,
        placement.seed.linked_to,
        placement.seed,
    )


def _no_attributes(data: ComplaintCreate) -> dict[str, str]:
    """A filing without a category can answer no category's questions."""
    if data.attributes:
        raise FieldError("attributes", "answers need a category: send `category` with them")
    return {}


def _category_hours(policy: PolicyBook, city: str) -> dict[str, float]:
    """Each category's base SLA hours in the city, for a case whose category comes later."""
    return {c.code: policy.sla(city, c.code).base_hours for c in CATEGORIES}


def known_language(tag: str) -> str:
    """A filing's (or a transcript's) language tag as CivicOps knows it; 400 naming it if not."""
    language = languages.normalise(tag)
    if language is None:
        raise FieldError(
            "language", f"unsupported; use one of {', '.join(sorted(languages.LANGUAGES))}"
        )
    return language


async def _words(data: ComplaintCreate, city_language: str) -> Words:
    """The description, its language and the category, classified when the filing has none."""
    voice = data.voice_note is not None
    description = text.clean(data.description, "description", required=not voice) or ""
    if data.language is not None:
        language = known_language(data.language)
    elif description:
        language = (await asyncio.to_thread(detect.detect, description)).language
    else:
        language = languages.normalise(city_language) or "en"  # a voice note, untagged
    if data.category is not None:
        return Words(description, language, data.category.value)
    if not description:  # a voice note: classified once it is transcribed
        return Words(description, language, UNCATEGORISED)
    if len(description) > MAX_CLASSIFIED_CHARS:
        raise FieldError(
            "description",
            f"to be classified must be at most {MAX_CLASSIFIED_CHARS} characters; "
            "send `category` with a longer description",
        )
    hint = language if language in detect.SUPPORTED else None
    answer = await asyncio.to_thread(classifier.classify, description, hint)
    if answer.confidence >= classifier.CONFIDENT:
        return Words(description, language, answer.category, "classifier", answer.confidence)
    return Words(
        description, language, UNCATEGORISED, "classifier", answer.confidence, answer.category
    )


async def locate_city(app_state: State, data: ComplaintCreate) -> tuple[CityZones, Location]:
    """The city a filing goes to: the one named, or the one whose wards hold the point.

    A named city the point is not in gets a 422 that says which city it lies in.
    """
    directory: ZoneDirectory = app_state.zones
    lat, lon = data.latitude, data.longitude
    if data.city is None:
        found = await directory.city_at(lat, lon)
        if found is not None:
            return found
        slug = app_state.settings.city  # no city's wards are near: say so in its terms
    else:
        slug = data.city.strip().lower()
    try:
        city = await directory.city(slug)
    except UnknownCity:
        raise FieldError("city", f"CivicOps does not serve {slug!r}") from None
    location = city.locate(lat, lon)
    if location.match != Match.OUTSIDE:
        return city, location
    other = await directory.city_at(lat, lon) if data.city is not None else None
    if other is not None:
        raise FieldError(
            "city",
            f"the point ({lat}, {lon}) lies in {other[0].city.name} ({other[0].city.slug}), "
            f"not in {city.city.name}: leave `city` out or send {other[0].city.slug!r}",
            status_code=HTTP_422_UNPROCESSABLE_ENTITY,
        )
    raise FieldError(
        "latitude",
        f"the point ({lat}, {lon}) is outside every ward of {city.city.name}",
        status_code=HTTP_422_UNPROCESSABLE_ENTITY,
    )


async def _place(
    app_state: State, state: CaseState, now: datetime, *, fresh_reporter: bool
) -> Placement:
    """Open a new case, or attach the filing to the open case it repeats."""
    rules = app_state.policy.intake(state.complaint.city)
    client: Client = app_state.temporal
    queue: str = app_state.task_queue
    exclude = None
    if state.complaint.category == UNCATEGORISED:
        # No category to match a repeat by: always a case of its own.
        try:
            await _start(client, queue, state)
        except HTTPException:
            if fresh_reporter:
                await _forget_reporter(state)
            raise
        return Placement("original", state.complaint.tracking_id, state)
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
                await _forget_reporter(state)
            raise
    raise unavailable(RuntimeError("no case to attach to"))


async def _forget_reporter(state: CaseState) -> None:
    """Delete personal data no case holds (the filing was not accepted): the reporter row and
    its filing's own data key, blind indexes and all."""
    await vault.forget_reporter(state.complaint.reporter_id)


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
    key_id: str, key: str, city_code: str, data: ComplaintCreate, reporter: Reporter | None
) -> tuple[str, int | None]:
    """Bind an Idempotency-Key to one tracking id; a different body under it is refused."""
    request_sha = hashlib.sha256(msgspec.json.encode(data)).hexdigest()
    record_key = f"{key_id}:{key}"
    tracking_id = ids.derived_tracking_id(city_code, key_id, key)
    # One write: of concurrent retries only the first stores contact details, and the
    # others wait for its commit, so they read the record with the reporter linked.
    record = IdempotencyRecord(key=record_key, request_sha256=request_sha, tracking_id=tracking_id)
    await write(_claim_steps(record, reporter))
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


async def _reporter(
    data: ComplaintCreate,
    privacy: PrivacyPolicy,
    description: str | None,
    address: str | None,
) -> Reporter | None:
    """The filing's personal data, sealed (records/vault.py): the contact details with the
    notice shown and the legal basis, and the originals of masked free text; None if none.
    400 naming the field when a consent city's filing lacks its notice or consent."""
    r = data.reporter
    contact = vault.Contact(
        name=text.clean(r.name, "reporter.name") if r else None,
        phone=r.phone if r else None,
        email=r.email if r else None,
        description=description,
        address=address,
    )
    if contact.empty():
        return None
    given = bool(r and (r.name or r.phone or r.email))
    version, purposes, problem = check_notice(
        privacy,
        r.notice_version if r else None,
        r.purposes if r else None,
        r.consent if r else None,
    )
    if given and problem:
        raise FieldError(problem, NOTICE_PROBLEMS[problem])
    return await vault.sealed_reporter(
        contact,
        legal_basis=privacy.legal_basis,
        notice_version=version if given else UNSTATED,
        purposes=purposes if given else (),
    )


async def save_reporter(row: Reporter | None) -> int | None:
    """Store a filing's sealed personal data, if any, and return its id."""
    if row is None:
        return None
    [rows] = await write([Reporter.insert(row).returning(Reporter.id)])
    return rows[0]["id"]
