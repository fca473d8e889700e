"""Run a workflow update for a route and turn its refusal into the right 4xx answer."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from litestar.exceptions import HTTPException, NotFoundException
from litestar.status_codes import (
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
from temporalio.service import RPCError, RPCStatusCode

from api.errors import FieldError
from domain import ids
from domain.access import Refusal
from domain.case import CaseState

log = logging.getLogger("civicops.api")
RPC_TIMEOUT = timedelta(seconds=5)
# An update may render a notice and read photos from S3 before it answers.
UPDATE_TIMEOUT = timedelta(seconds=30)


def unavailable(exc: Exception) -> HTTPException:
    """503 with Retry-After: the case engine is briefly out of reach."""
    log.warning("temporal unavailable: %s", exc)
    return HTTPException(
        status_code=503,
        detail="the case engine is briefly unavailable; retry shortly",
        headers={"Retry-After": "5"},
    )


def refusal(exc: WorkflowUpdateFailedError) -> HTTPException:
    """A refused update as HTTP: 403 not yours, 422 a named field is wrong, 409 wrong state,
    503 when an outage outlasted the update's own retries."""
    cause = exc.cause
    message = getattr(cause, "message", None) or str(cause or exc)
    kind = getattr(cause, "type", None)
    if kind == Refusal.FORBIDDEN:
        return HTTPException(status_code=HTTP_403_FORBIDDEN, detail=message)
    if kind == Refusal.BAD_INPUT:
        details = getattr(cause, "details", None) or ("body",)
        return FieldError(str(details[0]), message, status_code=HTTP_422_UNPROCESSABLE_ENTITY)
    if kind == Refusal.UNAVAILABLE:  # an outage outlasted the update's brief retries
        return unavailable(exc)
    # Refusal.CONFLICT, and any other refusal: the case is not in a state that allows it.
    return HTTPException(status_code=HTTP_409_CONFLICT, detail=message)


async def run_update(client: Client, tracking_id: str, update: Any, arg: Any) -> Any:
    """Execute an update on a case's workflow; 404 when no such case is running."""
    handle = client.get_workflow_handle(ids.workflow_id(tracking_id))
    try:
        return await handle.execute_update(update, arg, rpc_timeout=UPDATE_TIMEOUT)
    except WorkflowUpdateFailedError as exc:
        raise refusal(exc) from exc
    except WorkflowUpdateRPCTimeoutOrCancelledError as exc:
        raise unavailable(exc) from exc
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise NotFoundException(f"no open complaint {tracking_id}") from exc
        raise unavailable(exc) from exc


async def live_state(client: Client, tracking_id: str, query: Any) -> CaseState | None:
    """The state of a running case; None when the case has ended or never existed."""
    handle = client.get_workflow_handle(ids.workflow_id(tracking_id))
    try:
        description = await handle.describe(rpc_timeout=RPC_TIMEOUT)
        if description.status != WorkflowExecutionStatus.RUNNING:
            return None
        return await handle.query(query, rpc_timeout=RPC_TIMEOUT)
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            return None
        raise unavailable(exc) from exc
    except WorkflowQueryFailedError as exc:
        raise unavailable(exc) from exc
