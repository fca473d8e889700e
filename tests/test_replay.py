"""Workflow changes must not break cases already running: recorded histories replay cleanly.

A case lives for weeks, so a change to ComplaintWorkflow that alters its sequence of commands
without `workflow.patched(...)` would break every running case on the next deploy. The
histories in tests/histories/ were recorded from earlier versions; each must replay on the
current code. Record a new one with `RECORD_HISTORY=name pytest tests/test_replay.py`.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from domain.case import WithdrawRequest
from worker import WORKFLOWS
from workflows.complaint import ComplaintWorkflow

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
