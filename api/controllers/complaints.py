"""Filing and following complaints: each one starts, or finds, its Temporal workflow."""

from __future__ import annotations

import logging
from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import HeaderParameter, JSONBody, PathParameter
from litestar.status_codes import (
    HTTP_202_ACCEPTED,
)
from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowQueryFailedError,
)
from temporalio.service import RPCError, RPCStatusCode

from api.auth import current_principal, roles
from api.errors import FieldError
from api.filing import file_complaint
from api.schemas import ComplaintAccepted, ComplaintCreate, ComplaintView, WithdrawIn
from api.scope import require_assigned
from api.updates import RPC_TIMEOUT, run_update, unavailable
from api.views import from_record, from_state
from domain import ids, text
from domain.access import own_filings_key
from domain.case import WithdrawRequest, chosen_category
from domain.roles import Role
from records import citizens, projection, vault
from records import notices as notice_records
from workflows.complaint import ComplaintWorkflow

log = logging.getLogger("civicops.api")

TrackingId = Annotated[
    str,
    PathParameter(
        description=f"Tracking id, e.g. {ids.TRACKING_ID_EXAMPLE}",
        max_length=20,
        pattern=ids.TRACKING_ID_PATH_PATTERN,
    ),
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


def check_tracking_id(tracking_id: str, field: str = "tracking_id") -> str:
    """The tracking id from a path or body, canonical; 400 naming `field` and saying why if not."""
    value = ids.parse_tracking_id(tracking_id)
    if value is None:
        raise FieldError(field, ids.check_failure(tracking_id) or ids.NOT_AN_ID)
    return value


async def read_case(
    client: Client, tracking_id: str, public_url: str
) -> tuple[ComplaintView, int | None]:
    """A case's view and the official it is now assigned to (for the caller's scope check):
    live state from the workflow while it runs, the database projection once it has ended.
    404 for no such case; 503 while a running case cannot be read."""
    handle = client.get_workflow_handle(ids.workflow_id(tracking_id))
    running = False
    try:
        description = await handle.describe(rpc_timeout=RPC_TIMEOUT)
        running = description.status == WorkflowExecutionStatus.RUNNING
        if running:
            state = await handle.query(ComplaintWorkflow.status, rpc_timeout=RPC_TIMEOUT)
            a = state.assignment
            return from_state(state, public_url), a.official_id if a else None
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
    view = from_record(
        row,
        await projection.events(tracking_id),
        await notice_records.for_complaint(tracking_id),
        public_url,
    )
    return view, row["assignee"]


class ComplaintController(Controller):
    """File a complaint, follow it by tracking id, withdraw it."""

    path = "/v1/complaints"
    tags = ["complaints"]

    @post(
        "/",
        status_code=HTTP_202_ACCEPTED,
        operation_id="fileComplaint",
        opt=FILERS,
        summary="File a complaint",
    )
    async def file(
        self,
        request: Request,
        data: JSONBody[ComplaintCreate],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[ComplaintAccepted]:
        """File a complaint; it starts a durable case workflow and answers 202 with its id."""
        filed = await file_complaint(
            request.app.state, current_principal(request), data, idempotency_key
        )
        status_url = f"{request.app.state.settings.public_url}/v1/complaints/{filed.tracking_id}"
        c = filed.state.complaint
        chosen = chosen_category(c)
        token = None
        if c.reporter_id is not None:
            secret = vault.keyring().index_key
            token = await citizens.contact_token(filed.tracking_id, filed.filing_id, secret)
        return Response(
            ComplaintAccepted(
                filed.tracking_id,
                ids.workflow_id(filed.tracking_id),
                "FILED",
                status_url,
                filing=filed.filing,
                linked_to=filed.linked_to,
                category=chosen[0],
                category_source=chosen[1],
                category_confidence=c.category_confidence,
                citizen_token=token,
            ),
            status_code=HTTP_202_ACCEPTED,
            headers={"Location": status_url},
        )

    @get(
        "/{tracking_id:str}", operation_id="getComplaint", opt=READERS, summary="Follow a complaint"
    )
    async def get_one(self, request: Request, tracking_id: TrackingId) -> ComplaintView:
        """Live state from the workflow while it runs; the database projection once it has ended."""
        view, assignee_id = await read_case(
            request.app.state.temporal,
            check_tracking_id(tracking_id),
            request.app.state.settings.public_url,
        )
        require_assigned(current_principal(request), assignee_id)
        return view

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
        reason = text.clean(data.reason, "reason", required=True)
        assert reason is not None
        principal = current_principal(request)
        # A citizen app may withdraw only what it filed; officials may withdraw any case.
        request_ = WithdrawRequest(reason, principal.name, key_id=own_filings_key(principal))
        state = await run_update(
            request.app.state.temporal, tracking_id, ComplaintWorkflow.withdraw, request_
        )
        return from_state(state, request.app.state.settings.public_url)
