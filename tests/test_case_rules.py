"""The case's rules, written once in domain/: the state machine, who may act, what a refusal is.

The table tests are pure; the workflow tests run the real ComplaintWorkflow on the Temporal
dev server, to show that a step the table forbids stops the case without recording it, and
that every refusal of a withdrawal reaches the caller as the right HTTP answer.
"""

from __future__ import annotations

import ast
import asyncio
import uuid
from pathlib import Path

import pytest
from helpers import pothole_case
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowExecutionStatus, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.worker import Worker

from api.errors import FieldError
from api.updates import refusal
from domain.access import Refusal, may_act_as_filer, may_see, own_filings_key
from domain.case import WithdrawRequest
from domain.ids import workflow_id
from domain.roles import Role
from domain.states import (
    OPEN,
    TERMINAL,
    TRANSITIONS,
    EventKind,
    IllegalTransition,
    Status,
    check_transition,
    markdown_table,
)
from records.apikeys import Principal
from worker import WORKFLOWS
from workflows.complaint import ComplaintWorkflow, initial_search_attributes

WORKFLOW_CODE = Path(__file__).resolve().parents[1] / "workflows"


def _key(role: Role, key_id: str = "k1", official_id: int | None = None) -> Principal:
    return Principal(key_id=key_id, name=f"{role} app", role=role, official_id=official_id)


# --- the state machine ----------------------------------------------------------------------


def test_every_status_has_a_row_and_an_ended_case_moves_no_more():
    assert set(TRANSITIONS) == set(Status)
    for status in TERMINAL:
        assert TRANSITIONS[status] == frozenset(), status
    for status in set(Status) - TERMINAL:
        assert TRANSITIONS[status], f"{status} is a dead end but not terminal"


def test_a_live_case_can_always_be_withdrawn():
    for status in set(Status) - TERMINAL:
        assert Status.WITHDRAWN in TRANSITIONS[status], status


def test_open_work_escalates_or_resolves_and_only_a_resolved_case_closes_or_reopens():
    for status in OPEN:
        assert {Status.ESCALATED, Status.RESOLVED} <= TRANSITIONS[status], status
    closers = {s for s, targets in TRANSITIONS.items() if Status.CLOSED in targets}
    reopeners = {s for s, targets in TRANSITIONS.items() if Status.REOPENED in targets}
    assert closers == {Status.RESOLVED}
    assert reopeners == {Status.RESOLVED, Status.REOPENED}  # REOPENED: a re-complaint keeps it


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (Status.CLOSED, Status.FILED),  # an ended case never starts again
        (Status.NOTICE_ISSUED, Status.CLOSED),  # closing needs accepted proof first
        (Status.ESCALATED, Status.NOTICE_ISSUED),  # only the first notice moves ASSIGNED
        (Status.FILED, Status.ASSIGNED),  # triage comes first
        (Status.RESOLVED, Status.ESCALATED),  # a resolved case reopens, it does not escalate
    ],
)
def test_a_step_the_state_machine_does_not_allow_is_refused(old: Status, new: Status):
    with pytest.raises(IllegalTransition, match=f"from {old} to {new}"):
        check_transition(EventKind.ESCALATED, old, new)


def _emitted_kinds() -> tuple[set[str], list[str]]:
    """EventKind members named by `_step(...)` calls in workflows/, and calls naming none."""
    kinds: set[str] = set()
    other: list[str] = []
    for path in sorted(WORKFLOW_CODE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr != "_step" or not node.args:
                continue
            first = node.args[0]
            if (
                isinstance(first, ast.Attribute)
                and isinstance(first.value, ast.Name)
                and first.value.id == "EventKind"
            ):
                kinds.add(EventKind[first.attr].value)
            else:
                other.append(f"{path.name}:{node.lineno}")
    return kinds, other


def test_every_event_kind_is_one_the_workflow_records_and_no_step_invents_one():
    kinds, other = _emitted_kinds()
    assert not other, f"steps whose kind is not an EventKind member: {other}"
    assert kinds == {k.value for k in EventKind}


def test_the_state_table_lists_every_status_once():
    lines = markdown_table().splitlines()
    assert lines[0] == "| from | may move to |"
    assert [line.split("|")[1].strip() for line in lines[2:]] == [s.value for s in Status]


async def test_a_case_that_would_move_where_the_table_forbids_stops_without_recording_it(
    temporal_env,
):
    client = temporal_env.client
    queue = f"illegal-{uuid.uuid4().hex[:8]}"
    # A case that claims to be CLOSED before its first step: recording `filed` would move it
    # from CLOSED to FILED, which no workflow code may do.
    state = pothole_case(status=Status.CLOSED)
    async with Worker(client, task_queue=queue, workflows=WORKFLOWS):
        handle = await client.start_workflow(
            ComplaintWorkflow.run,
            state,
            id=workflow_id(state.complaint.tracking_id),
            task_queue=queue,
            search_attributes=initial_search_attributes(state),
        )
        try:
            failure = None
            for _ in range(100):
                async for event in handle.fetch_history_events():
                    if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED:
                        failure = event.workflow_task_failed_event_attributes.failure
                if failure is not None:
                    break
                await asyncio.sleep(0.1)
            assert failure is not None, "the workflow task did not fail"
            assert "may not move a case from CLOSED to FILED" in failure.message
            # The case is not failed: it waits for a fixed worker, and nothing was recorded.
            assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING
            kinds = {e.event_type async for e in handle.fetch_history_events()}
            assert EventType.EVENT_TYPE_MARKER_RECORDED not in kinds
            assert EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED not in kinds
            assert EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES not in kinds
        finally:
            await handle.terminate("test finished")


# --- who may act, and what a refusal is -----------------------------------------------------


def test_only_the_app_that_filed_a_case_may_act_as_its_filer():
    assert may_act_as_filer(None, "k1")  # an official's request is not limited
    assert may_act_as_filer(None, None)
    assert may_act_as_filer("k1", "k1")
    assert not may_act_as_filer("k2", "k1")
    assert not may_act_as_filer("k1", None)  # filed without a key: no app filed it
    assert own_filings_key(_key(Role.CITIZEN_APP)) == "k1"
    assert own_filings_key(_key(Role.INTEGRATOR)) == "k1"
    assert own_filings_key(_key(Role.OFFICIAL)) is None
    assert own_filings_key(_key(Role.ADMIN)) is None


def test_who_sees_a_case_by_role():
    case = {"assignee_id": 7, "filed_by": "k1"}
    for role in (Role.ADMIN, Role.OFFICIAL, Role.AUDITOR):
        assert may_see(_key(role, "other"), **case)
    assert may_see(_key(Role.SUPERVISOR, "s", official_id=7), **case)
    assert not may_see(_key(Role.SUPERVISOR, "s", official_id=8), **case)
    assert not may_see(_key(Role.SUPERVISOR, "s"), assignee_id=None, filed_by="k1")
    for role in (Role.CITIZEN_APP, Role.INTEGRATOR):
        assert may_see(_key(role, "k1"), **case)
        assert not may_see(_key(role, "k2"), **case)
        assert not may_see(_key(role, "k1"), assignee_id=7, filed_by=None)


def test_refusal_kinds_keep_the_names_recorded_histories_carry():
    assert [r.value for r in Refusal] == ["Forbidden", "BadInput", "Conflict", "Unavailable"]


def test_a_refusal_of_no_known_kind_is_a_conflict_and_a_bad_field_without_a_name_is_body():
    unknown = refusal(WorkflowUpdateFailedError(ApplicationError("no", type="SomethingElse")))
    assert unknown.status_code == 409
    nameless = refusal(WorkflowUpdateFailedError(ApplicationError("no", type=Refusal.BAD_INPUT)))
    assert isinstance(nameless, FieldError) and nameless.field == "body"
    assert nameless.status_code == 422


async def test_a_withdrawal_with_a_bad_reason_is_422_naming_reason_and_another_apps_is_403(
    temporal_env, task_queue
):
    client = temporal_env.client
    state = pothole_case(filed_by="k-filer")
    handle = await client.start_workflow(
        ComplaintWorkflow.run,
        state,
        id=workflow_id(state.complaint.tracking_id),
        task_queue=task_queue,
        search_attributes=initial_search_attributes(state),
    )
    attempts = [
        (WithdrawRequest("   ", "official"), 422, "reason"),
        (WithdrawRequest("x" * 501, "official"), 422, "reason"),
        (WithdrawRequest("duplicate", "citizen-app", key_id="k-other"), 403, None),
    ]
    for request, status, field in attempts:
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await handle.execute_update(ComplaintWorkflow.withdraw, request)
        answer = refusal(refused.value)
        assert answer.status_code == status, (request, answer.detail)
        assert getattr(answer, "field", None) == field
    done = await handle.execute_update(
        ComplaintWorkflow.withdraw, WithdrawRequest("duplicate", "citizen-app", key_id="k-filer")
    )
    assert done.status == Status.WITHDRAWN
    await handle.result()
