"""The supervisor's proof form: read its parts within bounds, check and store the photos,
and submit them to the case as the signed-in official (api/pages/supervisor.py shows it).

The photos are checked as a filing's photos are (api/attachments.py `inspect_upload`: size,
true type, decoding), stored under the case's proof prefix as a presigned upload would be
named, after the checks the upload route makes (the case is open and held by this official),
and submitted through the workflow's `submit_proof` update, which checks them again. Anything
the case cannot take is a `FormProblem` naming the field, which the page shows (4xx).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from litestar import Request
from litestar.exceptions import HTTPException, NotFoundException
from multipart import (
    MultipartSegment,
    ParserError,
    ParserLimitReached,
    PushMultipartParser,
    parse_options_header,
)

from api.attachments import in_storage, inspect_upload, media_slot
from api.errors import FieldError
from api.pages.staff import Staff
from api.updates import live_state, run_update
from domain import text
from domain.access import holds_case
from domain.proof import ALLOWED_TYPES, MAX_PROOF_BYTES, PROOF_ROLES, ProofSubmission, proof_prefix
from storage import uploads
from workflows.complaint import ComplaintWorkflow

NOTE_MAX = 1000  # characters, as the workflow takes a proof's note
_TEXT_BYTES = {"csrf": 200, "note": 4 * NOTE_MAX}  # UTF-8: at most 4 bytes a character
MAX_FORM_BYTES = len(PROOF_ROLES) * MAX_PROOF_BYTES + 64 * 1024  # two photos, a note, headers
MAX_MB = f"{MAX_PROOF_BYTES / (1024 * 1024):g}"


class FormProblem(Exception):
    """A proof form the case cannot take: the field at fault, the words saying why, a status."""

    def __init__(self, field_name: str, key: str, http_status: int, /, **values: Any) -> None:
        super().__init__(f"{field_name}: {key}")
        self.field_name, self.key, self.http_status = field_name, key, http_status
        self.values = values  # what the words' placeholders are filled with


@dataclass
class ProofForm:
    """What the proof form sent: its text fields and its photos (bytes, by role)."""

    fields: dict[str, str] = field(default_factory=dict)
    photos: dict[str, bytes] = field(default_factory=dict)


def _limit(name: str) -> int:
    """The most bytes a form part may hold."""
    return MAX_PROOF_BYTES if name in PROOF_ROLES else _TEXT_BYTES[name]


def _too_big(name: str) -> FormProblem:
    """413 naming the part that went past its limit."""
    if name in PROOF_ROLES:
        return FormProblem(name, "sup_err_too_large", 413, mb=MAX_MB)
    return FormProblem(name, "sup_err_note" if name == "note" else "sup_err_form", 413, n=NOTE_MAX)


def _keep(form: ProofForm, name: str, filename: str | None, data: bytes) -> None:
    """File one complete part: a photo, a text field, or nothing (a file input left empty)."""
    if name in PROOF_ROLES:
        if data or filename:  # no file chosen: an empty part with no file name
            form.photos[name] = data
        return
    try:
        form.fields[name] = data.decode("utf-8")
    except UnicodeDecodeError:
        raise FormProblem(
            name, "sup_err_note" if name == "note" else "sup_err_form", 400, n=NOTE_MAX
        ) from None


async def read_form(request: Request) -> ProofForm:
    """The proof form's parts, each read within its limit (a FormProblem names the one at
    fault): `after` and `before` photos, `note` and `csrf`; any other part is refused."""
    kind, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get("boundary", "")
    if kind != "multipart/form-data" or not 0 < len(boundary) <= 200:
        raise FormProblem("body", "sup_err_form", 415)
    length = request.headers.get("content-length", "")
    if length.isdigit() and len(length) <= 20 and int(length) > MAX_FORM_BYTES:
        raise FormProblem("after", "sup_err_too_large", 413, mb=MAX_MB)
    form = ProofForm()
    current: tuple[str, str | None, bytearray] | None = None
    seen: set[str] = set()
    try:
        with PushMultipartParser(boundary, max_segment_count=len(PROOF_ROLES) + 3) as parser:
            async for chunk in request.stream():
                if parser.closed:
                    break  # past the closing boundary: nothing more is read
                for event in parser.parse(chunk):
                    if isinstance(event, MultipartSegment):
                        name = event.name or ""
                        if name not in (*PROOF_ROLES, *_TEXT_BYTES) or name in seen:
                            raise FormProblem(name[:40] or "body", "sup_err_form", 400)
                        seen.add(name)
                        current = (name, event.filename, bytearray())
                    elif event and current is not None:
                        current[2].extend(event)
                        if len(current[2]) > _limit(current[0]):
                            raise _too_big(current[0])
                    elif event is None and current is not None:
                        _keep(form, current[0], current[1], bytes(current[2]))
                        current = None
            if not parser.closed:
                for _ in parser.parse(b""):  # the end of the body: the parser checks it is whole
                    pass
    except (ParserLimitReached, ParserError):
        raise FormProblem("body", "sup_err_form", 400) from None
    except HTTPException as exc:  # the body went past the route's limit
        raise FormProblem("after", "sup_err_too_large", exc.status_code, mb=MAX_MB) from None
    return form


async def _checked_type(request: Request, role: str, data: bytes) -> str:
    """A photo's true type, once it passes a filing photo's checks (size, type, decoding)."""
    try:
        async with media_slot(request.app.state):
            checked = await inspect_upload("photo", role, "", data)
    except FieldError as exc:
        key = {413: "sup_err_too_large", 415: "sup_err_type"}.get(exc.status_code)
        key = key or ("sup_err_unreadable" if data else "sup_err_empty")
        raise FormProblem(role, key, exc.status_code, mb=MAX_MB) from None
    except HTTPException as exc:  # every media slot busy
        raise FormProblem(role, "sup_err_storage", exc.status_code) from None
    return checked.content_type


def proof_key(tracking_id: str, role: str, content_type: str) -> str:
    """Where a proof photo is stored: under the case's proof prefix, named as presign_upload
    (storage/proofs.py) names a presigned upload, so the proof checks take it alike."""
    return f"{proof_prefix(tracking_id)}{role}-{uuid.uuid4().hex}.{ALLOWED_TYPES[content_type]}"


async def _store(request: Request, tracking_id: str, role: str, data: bytes) -> str:
    """Check one photo and put it in S3 under the case's prefix; its key."""
    content_type = await _checked_type(request, role, data)
    key = proof_key(tracking_id, role, content_type)
    s3, bucket = request.app.state.s3, request.app.state.settings.s3_bucket
    try:
        await in_storage(uploads.put_bytes, s3, bucket, key, data, content_type)
    except HTTPException as exc:
        raise FormProblem(role, "sup_err_storage", exc.status_code) from None
    return key


async def _holds_open_case(request: Request, staff: Staff, tracking_id: str) -> None:
    """The checks the upload route makes before it hands out a slot: the case is open and
    assigned (409), and to this official (403 page for another supervisor's)."""
    try:
        state = await live_state(request.app.state.temporal, tracking_id, ComplaintWorkflow.status)
    except HTTPException:
        raise FormProblem("after", "sup_unavailable", 503) from None
    if state is None or not state.is_open or state.assignment is None:
        status = state.status.value if state else "CLOSED"
        raise FormProblem("after", "sup_proof_closed", 409, status=staff.page.fmt.status(status))
    staff.require_case(state.assignment.official_id)
    if not holds_case(staff.principal.official_id, state.assignment.official_id):
        raise FormProblem("after", "sup_proof_not_yours", 403)


async def submit_proof_form(
    request: Request, staff: Staff, tracking_id: str, form: ProofForm
) -> None:
    """Store the photos and run the case's submit_proof update as the signed-in official;
    a refusal or a rejected proof is a FormProblem naming the field."""
    try:
        note = text.clean(form.fields.get("note"), "note")
    except text.TextError:
        raise FormProblem("note", "sup_err_note", 400, n=NOTE_MAX) from None
    if note is not None and len(note) > NOTE_MAX:
        raise FormProblem("note", "sup_err_note", 400, n=NOTE_MAX)
    if "after" not in form.photos:
        raise FormProblem("after", "sup_err_missing", 400)
    await _holds_open_case(request, staff, tracking_id)
    keys = {
        role: await _store(request, tracking_id, role, data)
        for role, data in sorted(form.photos.items())
    }
    principal = staff.principal
    submission = ProofSubmission(
        after_key=keys["after"],
        actor=principal.name,
        official_id=principal.official_id,
        before_key=keys.get("before"),
        note=note,
    )
    try:
        outcome = await run_update(
            request.app.state.temporal, tracking_id, ComplaintWorkflow.submit_proof, submission
        )
    except FieldError as exc:  # the workflow refused a named field (422)
        role = exc.field.removesuffix("_key")
        raise FormProblem(role, "sup_proof_rejected", exc.status_code, reason=exc.message) from None
    except NotFoundException:
        raise FormProblem(
            "after", "sup_proof_closed", 409, status=staff.page.fmt.status("CLOSED")
        ) from None
    except HTTPException as exc:
        key = {403: "sup_proof_not_yours", 503: "sup_unavailable"}.get(exc.status_code)
        raise FormProblem(
            "after", key or "sup_proof_rejected", exc.status_code, reason=str(exc.detail)
        ) from None
    if not outcome.accepted:
        role = outcome.field_name if outcome.field_name in PROOF_ROLES else "after"
        raise FormProblem(role, "sup_proof_rejected", 422, reason=outcome.reason or outcome.code)
