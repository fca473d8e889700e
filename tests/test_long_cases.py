"""A case can live for months: it continues as new when its history grows, losing nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from helpers import auth, fresh_spot, wait_for_status
from helpers import wait_until as until
from lifecycle_helpers import file_case, resolve
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from devstack.services import binary
from worker import WORKFLOWS, build_worker
from workflows.search_attributes import ALL

# The dev server suggests continue-as-new after this many history events (default 4096), so
# a test case reaches the point after a few re-complaints rather than after months.
SUGGEST_AFTER_EVENTS = 60


class Stack:
    """The API and a worker on a dev server that suggests continue-as-new early."""

    def __init__(self, env: WorkflowEnvironment, api: httpx.AsyncClient) -> None:
        self.env = env
        self.api = api
        self.cases: set[str] = set()


@pytest.fixture
async def early_continue(settings, database) -> AsyncIterator[Stack]:  # type: ignore[no-untyped-def]
    from api.app import create_app

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
        async with build_worker(env.client, "long-cases", settings):
            app = create_app(settings, temporal=env.client, task_queue="long-cases")
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://civicops.test"
            ) as api:
                yield Stack(env, api)
    finally:
        await env.shutdown()


async def test_case_continues_as_new_and_keeps_its_state(early_continue, api_keys):
    stack = early_continue
    citizen = api_keys["citizen-app"]
    spot = fresh_spot()
    tracking_id = (await file_case(stack, citizen, spot))["tracking_id"]
    case = await wait_for_status(stack.api, tracking_id, auth(citizen), "NOTICE_ISSUED")
    handle = stack.env.client.get_workflow_handle(f"complaint-{tracking_id}")
    first_run = (await handle.describe()).run_id

    nearby = (spot[0] + 0.0001, spot[1])
    for n in range(1, 6):
        answer = await file_case(stack, api_keys["integrator"], nearby)
        assert answer["tracking_id"] == tracking_id
        case = await until(stack.api, tracking_id, citizen, lambda c, n=n: c["recomplaints"] == n)
    latest = await handle.describe()
    assert latest.run_id != first_run, "the case should have continued as new"
    assert latest.status == WorkflowExecutionStatus.RUNNING
    first = stack.env.client.get_workflow_handle(f"complaint-{tracking_id}", run_id=first_run)
    assert (await first.describe()).status == WorkflowExecutionStatus.CONTINUED_AS_NEW

    # Everything the case knew is still there in the new run.
    case = await until(stack.api, tracking_id, citizen, lambda c: True)
    assert case["recomplaints"] == 5 and case["escalation_level"] == 1
    assert [n["notice_id"] for n in case["notices"]] == [
        f"{tracking_id}-ASG0",
        f"{tracking_id}-ESC1",
    ]
    assert case["sla_due_at"] is not None and case["priority"] == "P3"
    # And the new run goes on with the case: proof resolves it.
    answer, _ = await resolve(stack, tracking_id, case, spot)
    assert answer["complaint"]["status"] == "RESOLVED"
    assert answer["complaint"]["recomplaints"] == 5

    # The first run's history (ending in continue-as-new) replays on the current code.
    history = await first.fetch_history()
    await Replayer(workflows=WORKFLOWS).replay_workflow(history)


async def test_official_traces_a_case_across_its_runs(early_continue, api_keys):
    from timeline import build_timeline, fetch_runs

    stack = early_continue
    citizen, official = api_keys["citizen-app"], api_keys["official"]
    spot = fresh_spot()
    tracking_id = (await file_case(stack, citizen, spot))["tracking_id"]
    await wait_for_status(stack.api, tracking_id, auth(citizen), "NOTICE_ISSUED")
    handle = stack.env.client.get_workflow_handle(f"complaint-{tracking_id}")
    first_run = (await handle.describe()).run_id
    nearby = (spot[0] + 0.0001, spot[1])
    for n in range(1, 6):
        await file_case(stack, api_keys["integrator"], nearby)
        case = await until(stack.api, tracking_id, citizen, lambda c, n=n: c["recomplaints"] == n)
    latest_run = (await handle.describe()).run_id
    assert latest_run != first_run, "the case should have continued as new"
    await resolve(stack, tracking_id, case, spot)

    resp = await stack.api.get(f"/v1/complaints/{tracking_id}/history", headers=auth(official))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    runs = body["runs"]
    assert len(runs) >= 2 and runs[0]["run_id"] == first_run and runs[-1]["run_id"] == latest_run
    assert [r["outcome"] for r in runs] == ["continued_as_new"] * (len(runs) - 1) + ["running"]
    assert all(r["temporal_ui_url"].endswith(f"/{r['run_id']}/history") for r in runs)
    assert body["temporal_ui_url"].endswith(f"/workflows/complaint-{tracking_id}")
    entries = body["entries"]
    kinds = [e["kind"] for e in entries]
    # One case, read across its runs: filed once, every re-complaint counted once, in order.
    assert kinds.count("filed") == 1 and kinds.count("continued_as_new") == len(runs) - 1
    assert [e["detail"]["count"] for e in entries if e["kind"] == "recomplaint"] == [1, 2, 3, 4, 5]
    assert kinds.index("filed") < kinds.index("escalated") < kinds.index("proof_accepted")
    assert kinds.count("sla_due") == 2  # the supervisor's deadline and the zonal officer's
    assert entries[0]["run_id"] == first_run and entries[-1]["run_id"] == latest_run
    assert {e["run_id"] for e in entries} == {r["run_id"] for r in runs}
    escalated = next(e for e in entries if e["kind"] == "escalated")
    assert escalated["actor"] == "test-integrator"
    assert escalated["summary"].endswith("(level 1) after repeated re-complaints")

    # Earlier runs past retention: the timeline says so and starts from what the run carried.
    fetched, complete = await fetch_runs(stack.env.client, f"complaint-{tracking_id}")
    assert complete and [r.run_id for r in fetched] == [r["run_id"] for r in runs]
    later = build_timeline(f"complaint-{tracking_id}", fetched[-1:])
    assert later.complete is False and later.entries[0].kind == "history_truncated"
    assert later.entries[-1].kind == "notice_issued" and later.entries[-1].run_id == latest_run
