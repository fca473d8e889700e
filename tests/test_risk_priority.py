"""The prioritize step with a published breach-risk model: the risk, the model and its reasons
go into the case's history; without a usable model the rules decide, and the case goes on."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import uuid
from datetime import datetime

import pytest
from helpers import pothole_case
from risk_helpers import publish, train_small
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.worker import Worker

from domain.categories import BY_CODE
from domain.ids import workflow_id
from domain.priority import HIGH_RISK, LOW_RISK, decide
from domain.states import EventKind, Status
from records.tables import RiskModel
from storage import s3 as s3_store
from timeline.render import SUMMARIES
from worker import WORKFLOWS, build_activities
from workflows.complaint import ComplaintWorkflow, initial_search_attributes


async def _prioritized(client, queue: str, description: str) -> dict:  # type: ignore[no-untyped-def]
    """File a pothole on `queue`; the state once it is past triage."""
    state = pothole_case(description=description)
    handle = await client.start_workflow(
        ComplaintWorkflow.run,
        state,
        id=workflow_id(state.complaint.tracking_id),
        task_queue=queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        search_attributes=initial_search_attributes(state),
    )
    for _ in range(200):
        now = await handle.query(ComplaintWorkflow.status)
        if now.status not in (Status.FILED, Status.TRIAGED) and now.priority is not None:
            return {"state": now, "handle": handle}
        await asyncio.sleep(0.1)
    raise AssertionError("the case never got past triage")


@pytest.fixture
async def no_model(database):  # type: ignore[no-untyped-def]
    """No model is active before or after the test (other tests expect the rules)."""
    await RiskModel.update({RiskModel.active: False}, force=True)
    yield
    await RiskModel.update({RiskModel.active: False}, force=True)


async def test_a_filed_case_gets_its_priority_from_the_model_with_its_reasons(
    temporal_env, settings, no_model, tmp_path
):
    s3 = s3_store.client(settings)
    model_id = await publish(s3, settings, train_small(tmp_path, 4000, datetime(2015, 4, 15)))
    queue = f"risk-{uuid.uuid4().hex[:8]}"
    fresh = dataclasses.replace(settings, model_refresh_s=0)  # ask the registry every time
    async with Worker(
        temporal_env.client, task_queue=queue, workflows=WORKFLOWS,
        activities=build_activities(fresh),
    ):  # fmt: skip
        found = await _prioritized(temporal_env.client, queue, "Deep pothole near the school")
        risk = found["state"].risk
        assert risk.model == model_id and 0 < risk.probability < 1
        assert len(risk.reasons) == 3 and all(r.text for r in risk.reasons)
        assert found["state"].priority == risk.priority == decide("pothole", True, risk.probability)
        [event] = [e for e in found["state"].recent_events if e.kind == "prioritized"]
        assert event.actor == f"model:{model_id}"
        assert event.detail["model"] == model_id and len(event.detail["reasons"]) == 3
        assert event.detail["breach_risk"] == round(risk.probability, 3)
        line = SUMMARIES[EventKind.PRIORITIZED](event.actor, event.detail)  # the timeline's
        assert line.startswith(f"Prioritised P{risk.priority} by model {model_id} (breach risk ")
        assert all(str(r) in line for r in risk.reasons)
        await found["handle"].terminate("test done")

        # An artefact altered after training is refused on load: the rules decide.
        (tmp_path / "b").mkdir()
        broken = train_small(tmp_path / "b", 4000, datetime(2015, 4, 16))
        meta = json.loads((broken / "artefact.json").read_text())
        meta["training_cases"] += 1
        (broken / "artefact.json").write_text(json.dumps(meta))
        await publish(s3, settings, broken)
        found = await _prioritized(temporal_env.client, queue, "Pothole near the temple")
        assert found["state"].risk.model == "rules" and found["state"].risk.probability is None
        assert found["state"].priority == decide("pothole", False, None)
        [event] = [e for e in found["state"].recent_events if e.kind == "prioritized"]
        assert event.actor == "system" and event.detail == {"priority": "P3", "model": "rules"}
        await found["handle"].terminate("test done")


def test_risk_moves_priority_by_one_step_and_never_demotes_a_severe_category():
    assert decide("pothole", False, None) == 3  # the rules: the category's default
    assert decide("pothole", False, HIGH_RISK) == 2
    assert decide("pothole", False, LOW_RISK / 2) == 4
    assert decide("pothole", True, LOW_RISK / 2) == 2  # risk to life wins
    for code, category in BY_CODE.items():
        if int(category.default_priority) <= 2:
            assert decide(code, False, 0.0) == int(category.default_priority), code


async def test_anyone_sees_which_model_sets_priorities_and_an_official_sees_its_reasons(
    api, api_keys, settings, no_model, tmp_path
):
    from helpers import auth, in_malleshwaram, pothole, wait_for_status

    empty = (await api.get("/v1/models")).json()  # public: no key
    assert empty["active"] is None
    s3 = s3_store.client(settings)
    model_id = await publish(s3, settings, train_small(tmp_path, 4000, datetime(2015, 4, 15)))
    listed = (await api.get("/v1/models")).json()
    assert listed["active"] == model_id
    [view] = [m for m in listed["models"] if m["model_id"] == model_id]
    assert view["trained_until"] == "2015-04-15T00:00:00" and view["holdout"]["model"]["roc_auc"]
    assert "published_by" not in view  # who published it is in the audit log, not here
    # The API's own worker asks the registry every 30 s: a case it prioritised before this
    # test shows "rules", one after the model; either way the view says which and why.
    headers = auth(api_keys["official"])
    filed = await api.post("/v1/complaints", json=pothole(*in_malleshwaram()), headers=headers)
    case = await wait_for_status(api, filed.json()["tracking_id"], headers, "NOTICE_ISSUED")
    assert case["risk"]["model"] in ("rules", model_id)
    if case["risk"]["model"] == model_id:
        assert len(case["risk"]["reasons"]) == 3 and 0 < case["risk"]["breach_risk"] < 1
    else:
        assert case["risk"] == {"model": "rules", "breach_risk": None, "reasons": []}


async def test_an_official_overrules_the_priority_and_the_sla_deadline_moves_with_it(api, api_keys):
    from datetime import datetime as dt

    from helpers import auth, in_malleshwaram, pothole, wait_for_status

    from domain.sla import SlaPolicy
    from records import audit as audit_log

    headers = auth(api_keys["official"])
    filed = await api.post("/v1/complaints", json=pothole(*in_malleshwaram()), headers=headers)
    tracking_id = filed.json()["tracking_id"]
    case = await wait_for_status(api, tracking_id, headers, "NOTICE_ISSUED")
    before = dt.fromisoformat(case["sla_due_at"])
    old = int(case["priority"][1])
    new = 1 if old != 1 else 2
    url = f"/v1/complaints/{tracking_id}/priority"
    bad = await api.post(url, json={"priority": "P5", "reason": "x"}, headers=headers)
    assert bad.status_code == 400 and "priority" in bad.text
    same = await api.post(url, json={"priority": f"P{old}", "reason": "x"}, headers=headers)
    assert same.status_code == 422 and same.json()["field"] == "priority"
    citizen = await api.post(
        url, json={"priority": "P1", "reason": "x"}, headers=auth(api_keys["citizen-app"])
    )
    assert citizen.status_code == 403
    done = await api.post(
        url, json={"priority": f"P{new}", "reason": "school children at risk"}, headers=headers
    )
    assert done.status_code == 200, done.text
    after = done.json()
    policy = SlaPolicy(base_hours=72)  # the pothole's window at level 0 (domain/policy.toml)
    moved = dt.fromisoformat(after["sla_due_at"]) - before
    assert after["priority"] == f"P{new}"
    assert moved == policy.window(new) - policy.window(old)
    [event] = [e for e in after["events"] if e["kind"] == "reprioritized"]
    assert event["detail"]["from_priority"] == f"P{old}"
    assert event["detail"]["reason"] == "school children at risk"
    await audit_log.seal()
    trail = await audit_log.entries(0, 10_000, tracking_id)
    assert "case.reprioritized" in [e["action"] for e in trail]
