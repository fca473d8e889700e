"""Accepted complaints survive: no worker yet, months of waiting, retried writes, resumed state."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from helpers import pothole_case
from temporalio import activity
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowUpdateStage
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.notices import NoticeActivities
from activities.risk import RiskActivities
from domain.case import (
    Assignment,
    CaseEvent,
    CaseState,
    IssueNoticeInput,
    NoticeRef,
    PrioritizeInput,
    Status,
    WithdrawRequest,
)
from domain.ids import workflow_id
from domain.priority import RiskDecision
from records import projection
from records.tables import Complaint, ComplaintEvent
from worker import WORKFLOWS, build_activities, build_worker
from workflows import search_attributes as sa
from workflows.complaint import ComplaintWorkflow, initial_search_attributes


async def start(client: Client, state: CaseState, task_queue: str):  # type: ignore[no-untyped-def]
    return await client.start_workflow(
        ComplaintWorkflow.run,
        state,
        id=workflow_id(state.complaint.tracking_id),
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        search_attributes=initial_search_attributes(state),
    )


async def wait_status(handle, status: Status, timeout: float = 20) -> CaseState:  # type: ignore[no-untyped-def]
    for _ in range(int(timeout * 10)):
        state = await handle.query(ComplaintWorkflow.status)
        if state.status == status:
            return state
        await asyncio.sleep(0.1)
    raise AssertionError(f"did not reach {status}")


async def test_complaint_filed_while_no_worker_runs_is_assigned_once_one_starts(
    temporal_env, settings, database
):
    queue = f"late-{uuid.uuid4().hex[:8]}"
    handle = await start(temporal_env.client, pothole_case(), queue)
    await asyncio.sleep(1.0)  # nobody is polling: the case waits in Temporal, not in memory
    async with build_worker(temporal_env.client, queue, settings):
        state = await wait_status(handle, Status.NOTICE_ISSUED)
    assert state.assignment is not None and state.assignment.ward_id == "65"


async def test_worker_restart_mid_case_loses_nothing(temporal_env, settings, database):
    queue = f"restart-{uuid.uuid4().hex[:8]}"
    async with build_worker(temporal_env.client, queue, settings):
        handle = await start(temporal_env.client, pothole_case(), queue)
        await wait_status(handle, Status.NOTICE_ISSUED)
    # The worker is gone; a new one picks the same case up from history.
    async with build_worker(temporal_env.client, queue, settings):
        state = await handle.execute_update(
            ComplaintWorkflow.withdraw, WithdrawRequest("resolved by the citizen", "test")
        )
        assert state.status == Status.WITHDRAWN
        await handle.result()
    events = (
        await ComplaintEvent.select(ComplaintEvent.kind)
        .where(ComplaintEvent.tracking_id == state.complaint.tracking_id)
        .order_by(ComplaintEvent.revision)
    )
    assert [e["kind"] for e in events] == [
        "filed",
        "prioritized",
        "assigned",
        "notice_issued",
        "withdrawn",
    ]


async def test_a_continued_case_resumes_where_it_was_without_redoing_steps(
    temporal_env, settings, database
):
    # What continue-as-new hands over: a case whose notice was issued, at revision 4.
    assigned = pothole_case(
        status=Status.NOTICE_ISSUED,
        priority=3,
        revision=4,
        assignment=Assignment("65", "Kadu Malleshwar Ward", "West", 1, "A. Officer",
                              "Ward Supervisor (Junior Engineer)", 0, "inside"),
    )  # fmt: skip
    tid = assigned.complaint.tracking_id
    assigned.notices = [
        NoticeRef(f"{tid}-ASG0", "assignment", 0, "k-test", f"notices/{tid}/{tid}-ASG0.pdf",
                  "0" * 64, assigned.complaint.filed_at)
    ]  # fmt: skip
    queue = f"resume-{uuid.uuid4().hex[:8]}"
    async with build_worker(temporal_env.client, queue, settings):
        handle = await start(temporal_env.client, assigned, queue)
        await handle.execute_update(
            ComplaintWorkflow.withdraw, WithdrawRequest("duplicate", "official")
        )
        result = await handle.result()
    assert result.revision == 5 and result.status == Status.WITHDRAWN
    assert [n.notice_id for n in result.notices] == [f"{tid}-ASG0"]
    history = await handle.fetch_history()
    activity_types = [
        e.activity_task_scheduled_event_attributes.activity_type.name
        for e in history.events
        if e.HasField("activity_task_scheduled_event_attributes")
    ]
    assert activity_types == []  # no second prioritise, assignment or notice
    recorded = [
        e
        for e in history.events
        if e.marker_recorded_event_attributes.marker_name == "core_local_activity"
    ]
    assert len(recorded) == 1  # the withdrawal's projection write, a local activity


async def test_recording_a_revision_twice_or_out_of_order_changes_nothing(database):
    state = pothole_case()
    tid = state.complaint.tracking_id
    now = datetime.now(UTC)
    first = CaseEvent(1, "filed", Status.FILED, now, "test")
    state.revision, state.updated_at = 1, now
    await projection.record(state, first)
    await projection.record(state, first)  # Temporal retried the activity
    newer = CaseState(**{**state.__dict__, "status": Status.TRIAGED, "priority": 2, "revision": 2})
    await projection.record(newer, CaseEvent(2, "prioritized", Status.TRIAGED, now, "system"))
    await projection.record(state, first)  # a stale attempt arriving late must not win
    row = await Complaint.objects().get(Complaint.tracking_id == tid)
    assert (row.status, row.priority, row.revision) == ("TRIAGED", 2, 2)
    assert await ComplaintEvent.count().where(ComplaintEvent.tracking_id == tid) == 2


@pytest.fixture(scope="module")
async def time_skipping_env():  # type: ignore[no-untyped-def]
    from devstack.services import binary

    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=binary("temporal-test-server")
    )
    # The time-skipping server has no `--search-attribute` flag (nor ListSearchAttributes):
    # register through the operator service.
    from temporalio.api.enums.v1 import IndexedValueType
    from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest

    await env.client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=env.client.namespace,
            search_attributes={
                key.name: IndexedValueType.ValueType(key.indexed_value_type) for key in sa.ALL
            },
        )
    )
    yield env
    await env.shutdown()


async def test_assigned_pothole_waits_a_month_and_can_still_be_withdrawn(
    time_skipping_env, settings, database
):
    env = time_skipping_env
    queue = f"month-{uuid.uuid4().hex[:8]}"
    async with build_worker(env.client, queue, settings):
        handle = await start(env.client, pothole_case(), queue)
        state = await wait_status(handle, Status.NOTICE_ISSUED)
        due = state.sla_due_at
        assert due is not None
        assert timedelta(hours=71) < due - state.complaint.filed_at < timedelta(hours=73)
        await env.sleep(timedelta(days=30))
        description = await handle.describe()
        assert description.status == WorkflowExecutionStatus.RUNNING
        state = await handle.execute_update(
            ComplaintWorkflow.withdraw, WithdrawRequest("fixed by a neighbour", "citizen-app")
        )
        assert state.status == Status.WITHDRAWN
        assert state.updated_at - state.complaint.filed_at >= timedelta(days=30)
        await handle.result()


async def test_existing_cluster_gets_missing_search_attributes_registered_once(temporal_env):
    from temporalio.api.operatorservice.v1 import RemoveSearchAttributesRequest

    client = temporal_env.client
    assert await sa.ensure_registered(client) == []
    await client.operator_service.remove_search_attributes(
        RemoveSearchAttributesRequest(namespace=client.namespace, search_attributes=["Priority"])
    )
    assert await sa.ensure_registered(client) == ["Priority"]
    assert await sa.ensure_registered(client) == []


async def test_withdrawal_during_intake_is_not_overwritten_by_assignment(
    temporal_env, settings, database
):
    entered, gate = asyncio.Event(), asyncio.Event()

    class SlowTriage(RiskActivities):
        @activity.defn(name="assess_priority")
        async def assess_priority(self, data: PrioritizeInput) -> RiskDecision:
            entered.set()
            await gate.wait()  # the withdrawal arrives while triage is still running
            return await super().assess_priority(data)

    queue = f"race-{uuid.uuid4().hex[:8]}"
    async with Worker(
        temporal_env.client,
        task_queue=queue,
        workflows=WORKFLOWS,
        activities=build_activities(settings, risk=SlowTriage),
    ):
        handle = await start(temporal_env.client, pothole_case(), queue)
        await asyncio.wait_for(entered.wait(), timeout=20)
        update = await handle.start_update(
            ComplaintWorkflow.withdraw,
            WithdrawRequest("filed by mistake", "citizen-app"),
            wait_for_stage=WorkflowUpdateStage.ACCEPTED,
        )
        gate.set()
        result = await asyncio.wait_for(handle.result(), timeout=20)
        await update.result()
    assert result.status == Status.WITHDRAWN
    assert [e.kind for e in result.recent_events] == ["filed", "prioritized", "withdrawn"]
    row = await Complaint.objects().get(Complaint.tracking_id == result.complaint.tracking_id)
    assert row.status == "WITHDRAWN"


async def test_a_case_withdrawn_before_any_worker_ran_still_records_its_filing(
    temporal_env, settings, database
):
    queue = f"early-{uuid.uuid4().hex[:8]}"
    handle = await start(temporal_env.client, pothole_case(), queue)
    async with build_worker(temporal_env.client, queue, settings):
        await handle.execute_update(
            ComplaintWorkflow.withdraw, WithdrawRequest("filed by mistake", "citizen-app")
        )
        result = await handle.result()
    assert [e.kind for e in result.recent_events] == ["filed", "withdrawn"]
    events = await ComplaintEvent.select(ComplaintEvent.kind).where(
        ComplaintEvent.tracking_id == result.complaint.tracking_id
    )
    assert sorted(e["kind"] for e in events) == ["filed", "withdrawn"]


async def test_a_notice_that_cannot_be_issued_leaves_the_case_assigned_and_says_why(
    temporal_env, settings, database
):

    class BrokenNotices(NoticeActivities):
        @activity.defn(name="issue_notice")
        async def issue_notice(self, data: IssueNoticeInput) -> NoticeRef:
            raise ApplicationError("renderer cannot reproduce the notice", non_retryable=True)

    queue = f"no-notice-{uuid.uuid4().hex[:8]}"
    async with Worker(
        temporal_env.client,
        task_queue=queue,
        workflows=WORKFLOWS,
        activities=build_activities(settings, notices=BrokenNotices),
    ):
        handle = await start(temporal_env.client, pothole_case(), queue)
        for _ in range(100):
            state = await handle.query(ComplaintWorkflow.status)
            if state.recent_events and state.recent_events[-1].kind == "notice_failed":
                break
            await asyncio.sleep(0.1)
        assert state.status == Status.ASSIGNED and state.notices == []
        failed = state.recent_events[-1]
        assert failed.kind == "notice_failed"
        assert failed.detail["reason"] == "renderer cannot reproduce the notice"
        assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING
        await handle.execute_update(
            ComplaintWorkflow.withdraw, WithdrawRequest("duplicate", "official")
        )
