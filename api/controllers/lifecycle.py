"""What happens to a case after filing: proof, the citizen's answer, reassignment, priority."""

from __future__ import annotations

import asyncio

from litestar import Controller, Request, post
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import JSONBody
from litestar.status_codes import HTTP_403_FORBIDDEN, HTTP_409_CONFLICT
from temporalio.client import Client

from api.auth import current_principal, roles
from api.controllers.complaints import TrackingId, check_tracking_id
from api.errors import FieldError
from api.schemas import (
    ComplaintView,
    ConfirmIn,
    PhotoView,
    PriorityIn,
    ProofAcceptedView,
    ProofIn,
    ReassignIn,
    ReopenIn,
    UploadSlotView,
    UploadUrlIn,
    UploadUrlsView,
)
from api.updates import live_state, run_update
from api.views import from_state
from domain import text
from domain.access import holds_case, own_filings_key
from domain.case import (
    CaseState,
    CitizenFeedback,
    PriorityRequest,
    ProofOutcome,
    ReassignRequest,
)
from domain.proof import ALLOWED_TYPES, MAX_PROOF_BYTES, ProofSubmission
from domain.roles import Role
from storage.proofs import presign_upload
from workflows.complaint import ComplaintWorkflow

ASSIGNEES = roles(Role.SUPERVISOR, Role.OFFICIAL)
CITIZENS = roles(Role.CITIZEN_APP, Role.INTEGRATOR, Role.OFFICIAL)


async def _answer(
    request: Request, tracking_id: str, action: str, text: str | None
) -> ComplaintView:
    """Send the citizen's confirm or reopen to the case; the case as it is afterwards."""
    principal = current_principal(request)
    # A citizen app may answer only for what it filed; officials may answer for any case.
    answer = CitizenFeedback(action, principal.name, text, own_filings_key(principal))
    state = await run_update(
        request.app.state.temporal,
        check_tracking_id(tracking_id),
        ComplaintWorkflow.feedback,
        answer,
    )
    return from_state(state, request.app.state.settings.public_url)


async def reassign_case(
    client: Client, tracking_id: str, official_id: int, actor: str, reason: str
) -> CaseState:
    """Hand a case to another official through its workflow's `reassign` update (the case's
    record step audits it); a refusal raises as api/updates.py maps it (403/404/409/422/503)."""
    return await run_update(
        client,
        tracking_id,
        ComplaintWorkflow.reassign,
        ReassignRequest(official_id, actor, reason),
    )


class CaseLifecycleController(Controller):
    """Proof of completion, confirmation or reopening, and reassignment of a case."""

    path = "/v1/complaints"
    tags = ["lifecycle"]

    @post(
        "/{tracking_id:str}/proofs/upload-url",
        operation_id="proofUploadUrls",
        opt=ASSIGNEES,
        status_code=200,
        summary="Get presigned URLs to upload proof photos",
    )
    async def upload_urls(
        self, request: Request, tracking_id: TrackingId, data: JSONBody[UploadUrlIn]
    ) -> UploadUrlsView:
        """Presigned S3 PUT URLs under the case's own prefix, for its current assignee only."""
        tracking_id = check_tracking_id(tracking_id)
        roles_seen = [f.role for f in data.files]
        if len(set(roles_seen)) != len(roles_seen):
            raise FieldError("files", "give each role (after, before) at most once")
        state = await live_state(request.app.state.temporal, tracking_id, ComplaintWorkflow.status)
        if state is None:
            raise NotFoundException(f"no open complaint {tracking_id}")
        if not state.is_open or state.assignment is None:
            raise HTTPException(
                status_code=HTTP_409_CONFLICT,
                detail=f"case is {state.status}: proof is accepted only while work is due",
            )
        if not holds_case(current_principal(request).official_id, state.assignment.official_id):
            raise HTTPException(
                status_code=HTTP_403_FORBIDDEN,
                detail="only the official the case is assigned to may upload its proof",
            )
        settings = request.app.state.settings
        slots = await asyncio.gather(
            *(
                asyncio.to_thread(
                    presign_upload,
                    request.app.state.s3_public,
                    settings.s3_bucket,
                    tracking_id,
                    f.role,
                    f.content_type,
                )
                for f in data.files
            )
        )
        return UploadUrlsView(
            tracking_id=tracking_id,
            slots=[
                UploadSlotView(s.role, s.key, s.url, s.method, dict(s.headers), s.expires_at)
                for s in slots
            ],
            max_bytes=MAX_PROOF_BYTES,
            allowed_types=sorted(ALLOWED_TYPES),
            submit_url=f"{settings.public_url}/v1/complaints/{tracking_id}/proofs",
        )

    @post(
        "/{tracking_id:str}/proofs",
        operation_id="submitProof",
        opt=ASSIGNEES,
        status_code=200,
        summary="Submit proof of completion",
    )
    async def submit_proof(
        self, request: Request, tracking_id: TrackingId, data: JSONBody[ProofIn]
    ) -> ProofAcceptedView:
        """Submit uploaded photos; accepted proof resolves the case, a rejection says why (422)."""
        tracking_id = check_tracking_id(tracking_id)
        principal = current_principal(request)
        outcome: ProofOutcome = await run_update(
            request.app.state.temporal,
            tracking_id,
            ComplaintWorkflow.submit_proof,
            ProofSubmission(
                after_key=data.after_key,
                actor=principal.name,
                official_id=principal.official_id,
                before_key=data.before_key,
                note=text.clean(data.note, "note"),
            ),
        )
        if not outcome.accepted:
            field = {"after": "after_key", "before": "before_key"}.get(outcome.field_name or "")
            raise FieldError(
                field or "after_key",
                f"proof rejected ({outcome.code}): {outcome.reason}",
                status_code=422,
            )
        return ProofAcceptedView(
            accepted=True,
            photos=[
                PhotoView(
                    p.role,
                    p.key,
                    p.sha256,
                    p.content_type,
                    p.size_bytes,
                    p.taken_at,
                    p.gps_latitude,
                    p.gps_longitude,
                    p.distance_m,
                    list(p.flags),
                )
                for p in outcome.photos
            ],
            complaint=from_state(outcome.state, request.app.state.settings.public_url),
        )

    @post(
        "/{tracking_id:str}/confirm",
        operation_id="confirmResolution",
        opt=CITIZENS,
        status_code=200,
        summary="Confirm the problem is fixed",
    )
    async def confirm(
        self, request: Request, tracking_id: TrackingId, data: JSONBody[ConfirmIn]
    ) -> ComplaintView:
        """The citizen confirms a RESOLVED case; it closes and the resolver is rewarded."""
        return await _answer(request, tracking_id, "confirm", text.clean(data.note, "note"))

    @post(
        "/{tracking_id:str}/reopen",
        operation_id="reopenComplaint",
        opt=CITIZENS,
        status_code=200,
        summary="Reopen: the problem is not fixed",
    )
    async def reopen(
        self, request: Request, tracking_id: TrackingId, data: JSONBody[ReopenIn]
    ) -> ComplaintView:
        """The citizen reopens a RESOLVED case; it escalates one level with a new notice."""
        reason = text.clean(data.reason, "reason", required=True)
        return await _answer(request, tracking_id, "reopen", reason)

    @post(
        "/{tracking_id:str}/reassign",
        operation_id="reassignComplaint",
        opt=roles(Role.OFFICIAL),
        status_code=200,
        summary="Reassign a case to another official",
    )
    async def reassign(
        self, request: Request, tracking_id: TrackingId, data: JSONBody[ReassignIn]
    ) -> ComplaintView:
        """An official hands the case to another official, who receives an Assignment notice."""
        tracking_id = check_tracking_id(tracking_id)
        reason = text.clean(data.reason, "reason", required=True)
        assert reason is not None
        principal = current_principal(request)
        state = await reassign_case(
            request.app.state.temporal, tracking_id, data.official_id, principal.name, reason
        )
        return from_state(state, request.app.state.settings.public_url)

    @post(
        "/{tracking_id:str}/priority",
        operation_id="setComplaintPriority",
        opt=roles(Role.OFFICIAL),
        status_code=200,
        summary="Overrule a case's priority",
    )
    async def set_priority(
        self, request: Request, tracking_id: TrackingId, data: JSONBody[PriorityIn]
    ) -> ComplaintView:
        """An official overrides the model's or the rules' priority; the SLA deadline moves."""
        tracking_id = check_tracking_id(tracking_id)
        reason = text.clean(data.reason, "reason", required=True)
        assert reason is not None
        principal = current_principal(request)
        state = await run_update(
            request.app.state.temporal,
            tracking_id,
            ComplaintWorkflow.set_priority,
            PriorityRequest(int(data.priority[1]), principal.name, reason),
        )
        return from_state(state, request.app.state.settings.public_url)
