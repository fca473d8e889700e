"""Fast tests of what the outside world sends a case: re-complaints, reassignment, withdrawal,
and the state a continued run takes over.

The real ComplaintWorkflow on the time-skipping server with stubbed activities (the
`stubbed` fixture, tests/stubbed_cases.py). How the API decides that a filing is a
re-complaint (50 m, same category) is tested end to end in test_lifecycle_escalation.py and
test_complaints.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest
from stubbed_cases import Case, StubbedCases, refusal, report
from temporalio.client import (
    WithStartWorkflowOperation,
    WorkflowUpdateFailedError,
    WorkflowUpdateStage,
)
from temporalio.common import WorkflowIDConflictPolicy

from domain.case import Status, WithdrawRequest
from domain.ids import workflow_id
from workflows.complaint import ComplaintWorkflow

HOUR = timedelta(hours=1)


async def test_every_third_recomplaint_escalates_the_open_case(stubbed: StubbedCases):
    case = await stubbed.noticed()
    for n in (1, 2):
        await case.recomplain()
        state = await case.until(lambda s, n=n: s.recomplaints == n, f"counted {n}")
        assert state.escalation_level == 0 and state.status == Status.NOTICE_ISSUED
    counted = [e for e in case.events() if e.kind == "recomplaint"]
    assert [e.detail["count"] for e in counted] == [1, 2]
    assert counted[0].actor == "integrator" and counted[0].detail["distance_m"] == 22.0
    assert counted[0].detail["filing"] == f"{case.tracking_id}-R1"
    await case.recomplain()
    state = await case.until(lambda s: s.escalation_level == 1, "escalated")
    escalated = case.last("escalated")
    assert escalated.detail["reason"] == "recomplaints" and escalated.actor == "integrator"
    assert state.recomplaints == 3 and state.recomplaints_since_escalation == 0
    assert state.assignment is not None and state.assignment.official_id == 102
    assert state.sla_due_at == escalated.at + 36 * HOUR  # a new, shorter window
    assert case.scores() == [("escalated_away", 0, 0, "Lakshmi Narayana")]
    # The count starts again at the new level: three more climb once more.
    for _ in range(3):
        await case.recomplain()
    state = await case.until(lambda s: s.escalation_level == 2, "escalated again")
    assert state.recomplaints == 6
    assert case.notices()[1:] == [("escalation", 1, 0, 102), ("escalation", 2, 0, 103)]


async def test_any_recomplaint_after_a_breach_escalates_at_once_up_to_the_commissioner(
    stubbed: StubbedCases,
):
    case = await stubbed.noticed()
    await stubbed.sleep(72, minutes=1)
    await case.until(lambda s: s.escalation_level == 1, "breached")
    for level in (2, 3):
        await case.recomplain()
        await case.until(lambda s, lv=level: s.escalation_level == lv, f"reached L{level}")
        assert case.last("escalated").detail["reason"] == "recomplaint_after_breach"
    # At the top the re-complaint is counted, and the case stays where it is.
    await case.recomplain()
    state = await case.until(lambda s: s.recomplaints == 3, "counted")
    assert state.escalation_level == 3 and state.status == Status.ESCALATED
    assert case.kinds()[-1] == "recomplaint"
    assert case.officials_sought() == [(1, None), (2, None), (3, None)]


async def test_a_recomplaint_while_resolved_reopens_the_case_one_level_up(stubbed: StubbedCases):
    case = await stubbed.noticed()
    await case.prove()
    await case.recomplain()
    state = await case.reaches("REOPENED")
    assert state.escalation_level == 1 and state.reopened == 1 and state.recomplaints == 1
    assert state.assignment is not None and state.assignment.official_id == 102
    assert state.proof is None and state.confirm_due_at is None
    escalated = case.last("escalated")
    assert escalated.detail["reason"] == "reopened: a citizen reported the problem again"
    assert escalated.actor == "integrator"
    assert case.kinds()[-3:] == ["recomplaint", "escalated", "notice_issued"]
    assert case.scores() == [
        ("resolved_on_time", 0, 0, "Lakshmi Narayana"),
        ("reopened", 0, 0, "Lakshmi Narayana"),
    ]
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await case.confirm()  # nothing to confirm until it is resolved again
    assert refusal(refused.value) == ("Conflict", None)


async def test_a_resent_recomplaint_is_counted_once(stubbed: StubbedCases):
    case = await stubbed.noticed()
    first = await case.recomplain()
    for _ in range(3):  # the integrator retries the same filing
        await case.recomplain(filing_id=first)
    second = await case.recomplain()
    state = await case.until(lambda s: s.recomplaints == 2, "counted the second")
    await case.recomplain(filing_id=second)
    third = await case.recomplain()
    state = await case.until(lambda s: s.recomplaints == 3, "counted the third")
    assert state.filings == [first, second, third]
    assert [e.detail["filing"] for e in case.events() if e.kind == "recomplaint"] == state.filings
    assert state.escalation_level == 1  # the third distinct one, not the third signal


async def test_recomplaints_that_come_with_the_start_are_counted_once_the_case_is_assigned(
    stubbed: StubbedCases,
):
    stubbed.stubs.triage_gate = asyncio.Event()
    state = await stubbed.state()
    tid = state.complaint.tracking_id
    # The API attaches a re-complaint by signal-with-start, so it may start the case.
    case = await stubbed.file(
        state, start_signal="recomplain", start_signal_args=[report(f"{tid}-R1")]
    )
    await asyncio.wait_for(stubbed.stubs.triage_entered.wait(), timeout=10)
    await case.recomplain(filing_id=f"{tid}-R2")  # while triage is still running
    await case.recomplain(filing_id=f"{tid}-R3")
    assert (await case.state()).recomplaints == 0
    stubbed.stubs.triage_gate.set()
    state = await case.until(lambda s: s.escalation_level == 1, "escalated")
    assert case.kinds() == [
        "filed",
        "prioritized",
        "assigned",
        "notice_issued",
        "recomplaint",
        "recomplaint",
        "recomplaint",
        "escalated",
        "notice_issued",
    ]
    assert state.filings == [f"{tid}-R1", f"{tid}-R2", f"{tid}-R3"]


async def test_official_reassigns_a_case_and_the_new_assignee_gets_an_assignment_notice(
    stubbed: StubbedCases,
):
    case = await stubbed.noticed()
    before = await case.state()
    moved = await case.reassign(201, "ward boundary: the road is theirs")
    assert moved.assignment is not None and moved.assignment.official_id == 201
    assert moved.status == Status.NOTICE_ISSUED and moved.escalation_level == 0
    assert moved.sla_due_at == before.sla_due_at  # the deadline stays
    assert (moved.assignment.match, moved.assignment.distance_m) == ("inside", 3.5)
    assert [a.official_id for a in moved.previous_assignments] == [101]
    assert case.officials_sought() == [(0, 201)]
    event = case.last("reassigned")
    assert event.actor == "official-dashboard"
    assert event.detail["from_official"] == "Lakshmi Narayana"
    assert event.detail["official"] == "Meena Iyer"
    assert event.detail["reason"] == "ward boundary: the road is theirs"
    assert case.notices() == [("assignment", 0, 0, 101), ("assignment", 0, 1, 201)]
    assert moved.notices[-1].notice_id == f"{case.tracking_id}-ASG0-1"
    assert case.scores() == []  # handing over is no penalty
    # Now only the new assignee may prove the work done.
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await case.prove(official_id=101)
    assert refusal(refused.value) == ("Forbidden", None)
    await case.prove(official_id=201)
    assert case.scores() == [("resolved_on_time", 0, 0, "Meena Iyer")]


async def test_reassigning_to_the_holder_to_nobody_or_without_a_reason_is_refused(
    stubbed: StubbedCases,
):
    case = await stubbed.noticed()
    attempts = [
        ((101, "again"), ("BadInput", "official_id")),  # already holds it
        ((0, "again"), ("BadInput", "official_id")),  # not an official id at all
        ((99_999, "again"), ("BadInput", "official_id")),  # not on the roster
        ((201, "   "), ("BadInput", "reason")),
    ]
    for (official_id, reason), expected in attempts:
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await case.reassign(official_id, reason)
        assert refusal(refused.value) == expected, official_id
    state = await case.state()
    assert state.assignment is not None and state.assignment.official_id == 101
    assert case.officials_sought() == [(0, 99_999)]  # the roster was asked about that one
    assert len(case.notices()) == 1 and state.revision == 4
    await case.prove()
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await case.reassign(201)  # a resolved case has no work to hand over
    assert refusal(refused.value) == ("Conflict", None)


async def _escalated(stubbed: StubbedCases, case: Case) -> None:
    await stubbed.sleep(72, minutes=1)
    await case.reaches("ESCALATED")


async def _resolved(stubbed: StubbedCases, case: Case) -> None:
    await case.prove()


async def _reopened(stubbed: StubbedCases, case: Case) -> None:
    await case.prove()
    await case.reopen("not fixed")


async def _noticed(stubbed: StubbedCases, case: Case) -> None:
    pass


@pytest.mark.parametrize("stage", [_noticed, _escalated, _resolved, _reopened])
async def test_a_case_can_be_withdrawn_at_any_live_stage_and_then_ends(
    stubbed: StubbedCases, stage: Callable[[StubbedCases, Case], Awaitable[None]]
):
    case = await stubbed.noticed()
    await stage(stubbed, case)
    was = await case.state()
    calls = len(stubbed.stubs.calls)
    withdrawn = await case.withdraw("duplicate of an earlier complaint", actor="official-7")
    assert withdrawn.status == Status.WITHDRAWN
    assert withdrawn.closed_reason == "duplicate of an earlier complaint"
    event = case.last("withdrawn")
    assert (event.actor, event.revision) == ("official-7", was.revision + 1)
    result = await case.handle.result()
    assert result.status == Status.WITHDRAWN
    assert [name for name, _ in stubbed.stubs.calls[calls:]] == ["record"]
    assert result.escalation_level == was.escalation_level


async def test_withdrawal_during_triage_stops_the_case_before_it_is_assigned(
    stubbed: StubbedCases,
):
    stubbed.stubs.triage_gate = asyncio.Event()
    case = await stubbed.file()
    await asyncio.wait_for(stubbed.stubs.triage_entered.wait(), timeout=10)
    update = await case.handle.start_update(
        ComplaintWorkflow.withdraw,
        WithdrawRequest("filed by mistake", "citizen-app"),
        wait_for_stage=WorkflowUpdateStage.ACCEPTED,
    )
    stubbed.stubs.triage_gate.set()
    await update.result()
    result = await case.handle.result()
    assert result.status == Status.WITHDRAWN
    assert case.kinds() == ["filed", "prioritized", "withdrawn"]
    assert stubbed.stubs.inputs("assign_zone") == [] and case.notices() == []


async def test_a_case_withdrawn_in_its_first_moment_is_still_filed_and_never_triaged(
    stubbed: StubbedCases,
):
    # Update-with-start: the withdrawal arrives with the start, in the case's first task.
    state = await stubbed.state()
    start = WithStartWorkflowOperation(
        ComplaintWorkflow.run,
        state,
        id=workflow_id(state.complaint.tracking_id),
        task_queue=stubbed.task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )
    withdrawn = await stubbed.client.execute_update_with_start_workflow(
        ComplaintWorkflow.withdraw,
        WithdrawRequest("filed by mistake", "citizen-app"),
        start_workflow_operation=start,
    )
    assert withdrawn.status == Status.WITHDRAWN and withdrawn.revision == 2
    result = await (await start.workflow_handle()).result()
    assert [e.kind for e in result.recent_events] == ["filed", "withdrawn"]
    assert [name for name, _ in stubbed.stubs.calls] == ["record", "record"]  # no triage


async def test_withdrawal_is_refused_without_a_reason_or_from_another_app(stubbed: StubbedCases):
    case = await stubbed.noticed()
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await case.withdraw("not mine", key_id="key-another-app")
    assert refusal(refused.value) == ("Forbidden", None)
    for reason in ("   ", "x" * 501):
        with pytest.raises(WorkflowUpdateFailedError):
            await case.withdraw(reason)
    state = await case.state()
    assert state.status == Status.NOTICE_ISSUED and state.revision == 4
    # The app that filed it may.
    withdrawn = await case.withdraw("duplicate", key_id=state.complaint.filed_by)
    assert withdrawn.status == Status.WITHDRAWN


async def test_a_continued_run_picks_the_case_up_where_the_last_run_left_it(
    stubbed: StubbedCases,
):
    # A noticed case with two re-complaints counted, its state handed to a new run of the
    # same workflow id, as continue-as-new does (the time-skipping server never suggests it;
    # test_case_logic_long.py has the real continue-as-new on a dev server).
    case = await stubbed.noticed()
    first, _ = await case.recomplain(), await case.recomplain()
    carried = await case.until(lambda s: s.recomplaints == 2, "counted")
    await case.withdraw("ends this run")
    calls = len(stubbed.stubs.calls)
    again = await stubbed.file(carried)
    await again.until(lambda s: True)
    history = await again.handle.fetch_history()
    assert any(e.HasField("workflow_task_completed_event_attributes") for e in history.events)
    assert not any(e.HasField("activity_task_scheduled_event_attributes") for e in history.events)
    assert stubbed.stubs.calls[calls:] == []  # no second triage, assignment or notice
    assert (await again.state()).revision == carried.revision
    # It goes on with what it carried: the filings seen, the count since the last escalation,
    # the deadline, the notices and the ledger's counters.
    await again.recomplain(filing_id=first)  # a retry of a filing the last run counted
    await again.recomplain(filing_id=f"{again.tracking_id}-R9")
    state = await again.until(lambda s: s.escalation_level == 1, "escalated")
    assert again.last("escalated").detail["reason"] == "recomplaints"
    assert state.recomplaints == 3 and len(state.filings) == 3
    assert [n.notice_id for n in state.notices] == [
        f"{again.tracking_id}-ASG0",
        f"{again.tracking_id}-ESC1",
    ]
    await stubbed.sleep(36, minutes=1)
    state = await again.until(lambda s: s.escalation_level == 2, "breached")
    assert state.sla_breaches == 1
    assert [s[:3] for s in again.scores()] == [("escalated_away", 0, 0), ("escalated_away", 1, 0)]
