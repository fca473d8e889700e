"""The runs of a case's workflow: fetched from Temporal, walked back across continue-as-new.

A long case continues-as-new when its history grows, so its story is spread over a chain of
runs; each run's first event names the run it continued (`continued_execution_run_id`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client, WorkflowHistory
from temporalio.service import RPCError, RPCStatusCode

from timeline.model import RunHistory, RunLink

MAX_RUNS = 1000  # a case that continued-as-new more often than this is cut short, and says so
# How a run's last event says it ended; a run ending otherwise is still running.
_OUTCOMES = {
    "workflow_execution_completed_event_attributes": "completed",
    "workflow_execution_continued_as_new_event_attributes": "continued_as_new",
    "workflow_execution_terminated_event_attributes": "terminated",
    "workflow_execution_failed_event_attributes": "failed",
    "workflow_execution_timed_out_event_attributes": "timed_out",
    "workflow_execution_canceled_event_attributes": "canceled",
}


async def fetch_runs(
    client: Client, workflow_id: str, *, rpc_timeout: timedelta | None = None
) -> tuple[list[RunHistory], bool]:
    """Every run of a workflow, oldest first, walking back from the latest through each run's
    `continued_execution_run_id`; and whether the chain is complete (earlier runs may be past
    the namespace's retention). Raises RPCError (NOT_FOUND) for an unknown workflow.
    """
    latest = await client.get_workflow_handle(workflow_id).describe(rpc_timeout=rpc_timeout)
    runs: list[RunHistory] = []
    run_id: str | None = latest.run_id
    complete = True
    while run_id:
        if len(runs) >= MAX_RUNS:
            complete = False
            break
        handle = client.get_workflow_handle(workflow_id, run_id=run_id)
        try:
            history = await handle.fetch_history(rpc_timeout=rpc_timeout)
        except RPCError as exc:
            if exc.status != RPCStatusCode.NOT_FOUND or not runs:
                raise
            complete = False  # an earlier run is past retention: keep what is left
            break
        events = list(history.events)
        runs.append(RunHistory(run_id, events))
        run_id = previous_run(events)
    runs.reverse()
    return runs, complete


def runs_from_histories(histories: Iterable[WorkflowHistory]) -> list[RunHistory]:
    """RunHistory records from saved histories (e.g. `WorkflowHistory.from_json`), in order."""
    runs = []
    for history in histories:
        events = list(history.events)
        started = events[0].workflow_execution_started_event_attributes if events else None
        run_id = started.original_execution_run_id if started else ""
        runs.append(RunHistory(run_id, events))
    return runs


def previous_run(events: Sequence[HistoryEvent]) -> str | None:
    """The run this one continued, or None for the case's first run."""
    if not events or not events[0].HasField("workflow_execution_started_event_attributes"):
        return None
    return events[0].workflow_execution_started_event_attributes.continued_execution_run_id or None


def starts_case(run: RunHistory) -> bool:
    """Whether the run is the case's first (it continued no earlier run)."""
    return bool(run.events) and previous_run(run.events) is None


def run_link(run: RunHistory, url: str) -> RunLink:
    """The run's summary (start, end, how it ended, its size) and its link into the Temporal UI."""
    events = run.events
    first = events[0].event_time.ToDatetime(tzinfo=UTC) if events else datetime.now(UTC)
    outcome = "running"
    ended = None
    if events:
        closing = _OUTCOMES.get(events[-1].WhichOneof("attributes") or "")
        if closing is not None:
            outcome = closing
            ended = events[-1].event_time.ToDatetime(tzinfo=UTC)
    return RunLink(run.run_id, first, ended, outcome, len(events), url)
