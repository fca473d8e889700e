"""Fast tests of a long case's continue-as-new, with the activities stubbed.

The time-skipping server never suggests continue-as-new, so these run on a Temporal dev
server told to suggest it after 60 history events (instead of 4096): a case gets there after
a few re-complaints. The activities are the in-memory stubs of tests/stubs.py; the same
continue-as-new with the real activities, read back through the API and the timeline, is in
test_long_cases.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from stubbed_cases import StubbedCases
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from devstack.services import binary
from domain.case import Status
from worker import WORKFLOWS
from workflows.search_attributes import ALL

SUGGEST_AFTER_EVENTS = 60


@pytest.fixture(scope="module")
async def early_continue() -> AsyncIterator[StubbedCases]:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=binary("temporal"),
        search_attributes=ALL,
        dev_server_log_level="error",
        dev_server_extra_args=[
            "--dynamic-config-value",
            f"limit.historyCount.suggestContinueAsNew={SUGGEST_AFTER_EVENTS}",
        ],
    )
    try:
        async with StubbedCases.running(env) as cases:
            yield cases
    finally:
        await env.shutdown()


@pytest.fixture
async def stubbed_long(early_continue: StubbedCases) -> AsyncIterator[StubbedCases]:
    early_continue.stubs.reset()
    yield early_continue
    await early_continue.end_all()


async def test_a_long_case_continues_as_new_and_keeps_everything_it_knew(
    stubbed_long: StubbedCases,
):
    cases = stubbed_long
    case = await cases.noticed()
    first_run = (await case.handle.describe()).run_id
    for n in range(1, 7):
        await case.recomplain()
        state = await case.until(lambda s, n=n: s.recomplaints == n, f"counted {n}")
    latest = await case.handle.describe()
    assert latest.run_id != first_run, "the case should have continued as new"
    assert latest.status == WorkflowExecutionStatus.RUNNING
    first = cases.client.get_workflow_handle(case.handle.id, run_id=first_run)
    assert (await first.describe()).status == WorkflowExecutionStatus.CONTINUED_AS_NEW
    # Everything it knew came along: two escalations (every third re-complaint), the
    # notices, the filings, the ledger's counters; intake was not done again.
    assert state.escalation_level == 2 and state.status == Status.ESCALATED
    assert len(state.filings) == 6 and state.recomplaints_since_escalation == 0
    tid = case.tracking_id
    assert [n.notice_id for n in state.notices] == [f"{tid}-ASG0", f"{tid}-ESC1", f"{tid}-ESC2"]
    assert state.score_counts == {"escalated_away:0": 1, "escalated_away:1": 1}
    assert len(cases.stubs.inputs("prioritize")) == len(cases.stubs.inputs("assign_zone")) == 1
    assert [n[:3] for n in case.notices()] == [
        ("assignment", 0, 0),
        ("escalation", 1, 0),
        ("escalation", 2, 0),
    ]
    assert [e.kind for e in case.events()].count("filed") == 1
    # The new run goes on with the case: proof resolves it, the citizen confirms.
    outcome = await case.prove()
    assert outcome.accepted and outcome.state.recomplaints == 6
    await case.confirm()
    result = await case.handle.result()
    assert result.status == Status.CLOSED
    # The first run's history, ending in continue-as-new, replays on the current code.
    await Replayer(workflows=WORKFLOWS).replay_workflow(await first.fetch_history())


async def test_recomplaints_that_arrive_while_the_case_continues_as_new_are_each_counted_once(
    stubbed_long: StubbedCases,
):
    cases = stubbed_long
    case = await cases.noticed()
    first_run = (await case.handle.describe()).run_id
    sent = [await case.recomplain() for _ in range(20)]  # a burst, not waited on one by one
    state = await case.until(lambda s: s.recomplaints == 20, "counted all", timeout=30)
    assert (await case.handle.describe()).run_id != first_run
    counted = [e for e in case.events() if e.kind == "recomplaint"]
    assert [e.detail["filing"] for e in counted] == sent
    assert [e.detail["count"] for e in counted] == list(range(1, 21))
    assert state.filings == sent and state.escalation_level == 3
