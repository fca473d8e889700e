"""A case's history timeline, read from the Temporal event history of every run of its workflow."""

from __future__ import annotations

import logging

from litestar import Controller, Request, get
from litestar.exceptions import NotFoundException
from temporalio.client import Client, WorkflowQueryFailedError
from temporalio.service import RPCError, RPCStatusCode

from api.auth import current_principal, roles
from api.controllers.complaints import TrackingId, check_tracking_id
from api.scope import require_assigned
from api.updates import RPC_TIMEOUT, unavailable
from domain import ids
from domain.roles import Role
from timeline import CaseHistory, fetch_case_history
from workflows.complaint import ComplaintWorkflow

log = logging.getLogger("civicops.api")

TRACERS = roles(Role.OFFICIAL, Role.AUDITOR, Role.SUPERVISOR)


async def _current_assignee(client: Client, history: CaseHistory) -> int | None:
    """The official holding the case: the live query while it runs, else the history's last."""
    if history.running and history.runs:
        handle = client.get_workflow_handle(history.workflow_id, run_id=history.runs[-1].run_id)
        try:
            state = await handle.query(ComplaintWorkflow.status, rpc_timeout=RPC_TIMEOUT)
            return state.assignment.official_id if state.assignment else None
        except (RPCError, WorkflowQueryFailedError) as exc:
            # No worker answering: the history's last assignment is the best we know.
            log.warning("live assignee of %s unavailable: %s", history.tracking_id, exc)
    return history.assignee.official_id if history.assignee else None


class CaseHistoryController(Controller):
    """Trace a case: every step from filing to closure, with who did it and when (IST)."""

    path = "/v1/complaints"
    tags = ["complaints"]

    @get(
        "/{tracking_id:str}/history",
        operation_id="getComplaintHistory",
        opt=TRACERS,
        summary="Trace a case's history",
    )
    async def history(self, request: Request, tracking_id: TrackingId) -> CaseHistory:
        """The case's timeline from its Temporal history, across runs, with Temporal UI links."""
        tracking_id = check_tracking_id(tracking_id)
        client: Client = request.app.state.temporal
        settings = request.app.state.settings
        try:
            history = await fetch_case_history(
                client,
                ids.workflow_id(tracking_id),
                ui_url=settings.effective_temporal_ui_url,
                rpc_timeout=RPC_TIMEOUT,
            )
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                raise NotFoundException(
                    f"no case history for {tracking_id}: unknown tracking id, or closed longer "
                    "ago than Temporal keeps histories"
                ) from exc
            raise unavailable(exc) from exc
        principal = current_principal(request)
        if principal.role == Role.SUPERVISOR:
            require_assigned(principal, await _current_assignee(client, history))
        return history
