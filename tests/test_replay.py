"""Workflow changes must not break cases already running: recorded histories replay cleanly.

A case lives for weeks, so a change to ComplaintWorkflow that alters its sequence of commands
without `workflow.patched(...)` would break every running case on the next deploy. The
histories in tests/histories/ were recorded from earlier versions; each must replay on the
current code. Record a new one with `RECORD_HISTORY=name pytest tests/test_replay.py` (a
case withdrawn once its notice is issued), or with RECORD_LIFECYCLE_HISTORY,
RECORD_REOPENED_HISTORY or RECORD_RECORDED_EVENTS_HISTORY from tests/test_lifecycle.py, or
RECORD_PRE_EVENTS_HISTORY (a case run as before PATCH_RECORDED_EVENTS). A name's _vN is
the patch generation (workflows/patches.py): v1 before any patch, v2 assignment-notice, v3
lifecycle, v4 local-records, v5 recorded-events.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path

import pytest
from helpers import pothole_case
from temporalio.client import WorkflowHistory
from temporalio.converter import DataConverter
from temporalio.worker import PatchActivationInput, Replayer, Worker

from domain.case import CaseEvent, WithdrawRequest
from worker import WORKFLOWS, build_activities
from workflows.complaint import ComplaintWorkflow, initial_search_attributes
from workflows.patches import PATCH_LOCAL_RECORDS, PATCH_RECORDED_EVENTS

HISTORIES = Path(__file__).resolve().parent / "histories"


@pytest.mark.parametrize("path", sorted(HISTORIES.glob("*.json")), ids=lambda p: p.stem)
async def test_recorded_case_histories_replay_on_the_current_workflow(path: Path):
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    await Replayer(workflows=WORKFLOWS).replay_workflow(history)


async def test_a_fresh_case_history_replays_deterministically(api, api_keys, temporal_env):
    from helpers import auth, in_malleshwaram, pothole, wait_for_status

    headers = auth(api_keys["citizen-app"])
    body = pothole(
        *in_malleshwaram(), description=f"Pothole {uuid.uuid4().hex[:6]} near the temple"
    )
    tracking_id = (await api.post("/v1/complaints", json=body, headers=headers)).json()[
        "tracking_id"
    ]
    await wait_for_status(api, tracking_id, headers, "NOTICE_ISSUED")
    handle = temporal_env.client.get_workflow_handle(f"complaint-{tracking_id}")
    await handle.execute_update(ComplaintWorkflow.withdraw, WithdrawRequest("duplicate", "test"))
    await handle.result()
    history = await handle.fetch_history()
    await Replayer(workflows=WORKFLOWS).replay_workflow(history)
    if name := os.environ.get("RECORD_HISTORY"):
        (HISTORIES / f"{name}.json").write_text(history.to_json())


def patches_of(history: WorkflowHistory) -> list[str]:
    """The patch ids a history's markers name, in order."""
    convert = DataConverter.default.payload_converter
    ids = []
    for e in history.events:
        marker = e.marker_recorded_event_attributes
        if e.HasField("marker_recorded_event_attributes") and marker.marker_name == "core_patch":
            [data] = convert.from_payloads(marker.details["patch-data"].payloads)
            ids.append(data["id"])
    return ids


def recorded_events(history: WorkflowHistory) -> list[CaseEvent | None]:
    """The result of every `record` local activity in a history, decoded as a CaseEvent
    (None where the activity returned nothing: runs before PATCH_RECORDED_EVENTS)."""
    convert = DataConverter.default.payload_converter
    results: list[CaseEvent | None] = []
    for e in history.events:
        marker = e.marker_recorded_event_attributes
        if not e.HasField("marker_recorded_event_attributes"):
            continue
        if marker.marker_name != "core_local_activity":
            continue
        [data] = convert.from_payloads(marker.details["data"].payloads)
        if data["activity_type"] != "record":
            continue
        [event] = convert.from_payloads(marker.details["result"].payloads, [CaseEvent])
        results.append(event)
    return results


async def test_a_case_running_from_before_events_were_kept_records_none_and_still_replays(
    temporal_env, settings, database
):
    """A worker that does not take PATCH_RECORDED_EVENTS yet runs a case as the release before
    did: each `record` returns nothing, so history holds no events; the case replays."""

    def before_recorded_events(patch: PatchActivationInput) -> bool:
        return patch.patch_id != PATCH_RECORDED_EVENTS

    state = pothole_case()
    queue = f"pre-events-{uuid.uuid4().hex[:8]}"
    async with Worker(
        temporal_env.client,
        task_queue=queue,
        workflows=WORKFLOWS,
        activities=build_activities(settings),
        patch_activation_callback=before_recorded_events,
    ):
        handle = await temporal_env.client.start_workflow(
            ComplaintWorkflow.run,
            state,
            id=f"complaint-{state.complaint.tracking_id}",
            task_queue=queue,
            search_attributes=initial_search_attributes(state),
        )
        for _ in range(200):
            live = await handle.query(ComplaintWorkflow.status)
            if live.status == "NOTICE_ISSUED":
                break
            await asyncio.sleep(0.1)
        await handle.execute_update(
            ComplaintWorkflow.withdraw, WithdrawRequest("duplicate", "test")
        )
        await handle.result()
    history = await handle.fetch_history()
    patches = patches_of(history)
    assert PATCH_LOCAL_RECORDS in patches and PATCH_RECORDED_EVENTS not in patches
    assert recorded_events(history) == [None] * 5  # filed ... notice_issued, withdrawn
    await Replayer(workflows=WORKFLOWS).replay_workflow(history)
    if name := os.environ.get("RECORD_PRE_EVENTS_HISTORY"):
        (HISTORIES / f"{name}.json").write_text(history.to_json())
