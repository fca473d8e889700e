"""Tracing live cases on the time-skipping server: the history route and `civicops trace`."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import time
from datetime import datetime, timedelta

from helpers import auth, civicops, key_of
from helpers import wait_until as until
from history_helpers import IST_TIME, forget_records, in_order, recorded_events
from lifecycle_helpers import new_case, notices_of, resolve, upload

from records.tables import Official
from timeline import build_timeline, fetch_runs, format_ist


async def history_of(api, tracking_id: str, key: str, *, closed: bool = False) -> dict:  # type: ignore[no-untyped-def]
    """GET the case's history; with closed, until its workflow has ended."""
    deadline = time.monotonic() + 20
    while True:
        resp = await api.get(f"/v1/complaints/{tracking_id}/history", headers=auth(key))
        assert resp.status_code == 200, resp.text
        body = resp.json()
        if not closed or not body["running"] or time.monotonic() > deadline:
            return body
        await asyncio.sleep(0.2)


async def test_official_traces_a_closed_case_from_filing_to_closure(skipping, api_keys, settings):
    """An official traces a live case through the API from filing to closure."""
    stack = skipping
    citizen = api_keys["citizen-app"]
    tracking_id, case, spot = await new_case(stack, api_keys)
    supervisor = case["assignee"]
    await stack.env.sleep(timedelta(hours=72, minutes=1))
    case = await until(
        stack.api, tracking_id, citizen, lambda c: f"{tracking_id}-ESC1" in notices_of(c)
    )
    officer = case["assignee"]
    key = await key_of(officer["id"])
    fake = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    pdf_key = await upload(stack.api, tracking_id, key, fake)
    resp = await stack.api.post(
        f"/v1/complaints/{tracking_id}/proofs", json={"after_key": pdf_key}, headers=auth(key)
    )
    assert resp.status_code == 422, resp.text
    answer, _ = await resolve(stack, tracking_id, case, spot)
    resp = await stack.api.post(
        f"/v1/complaints/{tracking_id}/confirm", json={}, headers=auth(citizen)
    )
    assert resp.status_code == 200 and resp.json()["status"] == "CLOSED", resp.text

    body = await history_of(stack.api, tracking_id, api_keys["official"], closed=True)
    assert (body["status"], body["running"], body["complete"]) == ("CLOSED", False, True)
    entries = body["entries"]
    kinds = [e["kind"] for e in entries]
    assert in_order(
        kinds,
        "filed prioritized assigned notice_issued sla_due sla_breached escalated notice_issued "
        "proof_submitted proof_rejected proof_submitted proof_accepted notice_issued "
        "citizen_confirmed closed".split(),
    ), kinds
    assert kinds[-1] == "closed"
    by_kind = {e["kind"]: e for e in reversed(entries)}  # the first of each kind
    assert by_kind["filed"]["actor"] == "test-citizen-app"
    assert by_kind["assigned"]["detail"]["official"] == supervisor["name"]
    assert supervisor["name"] in by_kind["assigned"]["summary"]
    escalated = by_kind["escalated"]
    assert escalated["detail"]["official"] == officer["name"]
    assert escalated["detail"]["designation"].startswith("Zonal Officer")
    assert escalated["detail"]["reason"] == "sla_breach"
    assert by_kind["proof_rejected"]["detail"]["code"] == "wrong_type"
    assert by_kind["proof_rejected"]["actor"] == f"test-official-{officer['id']}"
    [photo] = answer["photos"]
    assert by_kind["proof_accepted"]["detail"]["after_sha256"] == photo["sha256"]
    assert by_kind["closed"]["actor"] == "test-citizen-app"
    assert by_kind["closed"]["summary"] == "Closed: confirmed by the citizen"
    assert (
        f"ESC1 issued (escalation, level 1) to {officer['name']}"
        in ([e for e in entries if e["kind"] == "notice_issued"][1]["summary"])
    )
    for entry in entries:
        at = datetime.fromisoformat(entry["at"].replace("Z", "+00:00"))
        assert entry["at_ist"] == format_ist(at) and IST_TIME.match(entry["at_ist"])
    namespace = stack.env.client.namespace
    workflow_url = (
        f"{settings.effective_temporal_ui_url}/namespaces/{namespace}/workflows/"
        f"complaint-{tracking_id}"
    )
    assert body["temporal_ui_url"] == workflow_url
    [run] = body["runs"]
    assert run["outcome"] == "completed"
    assert run["temporal_ui_url"] == f"{workflow_url}/{run['run_id']}/history"
    assert body["assignee"]["official_id"] == officer["id"]
    assert "reporter" not in json.dumps(body)
    # An auditor reads the same timeline.
    audited = await history_of(stack.api, tracking_id, api_keys["auditor"])
    assert [e["kind"] for e in audited["entries"]] == kinds
    # The case's history holds every step's CaseEvent (PATCH_RECORDED_EVENTS), which the
    # timeline read. Without them and the state snapshots, as a case recorded before the
    # patch, its steps are inferred from what caused them, and read the same.
    runs, _ = await fetch_runs(stack.env.client, f"complaint-{tracking_id}")
    for run in runs:
        assert all(e is not None for e in recorded_events(run.events))
        forget_records(run.events)
    inferred = build_timeline(f"complaint-{tracking_id}", runs).entries
    assert [(e.kind, e.actor, e.summary) for e in inferred] == [
        (e["kind"], e["actor"], e["summary"]) for e in entries
    ]


async def test_supervisor_traces_only_the_cases_assigned_to_it(skipping, api_keys):
    """A supervisor key traces its own official's cases and no others."""
    stack = skipping
    tracking_id, case, _ = await new_case(stack, api_keys)
    own = await key_of(case["assignee"]["id"])
    body = await history_of(stack.api, tracking_id, own)
    assert body["running"] is True and body["status"] == "NOTICE_ISSUED"
    assert body["assignee"]["official_id"] == case["assignee"]["id"]
    other = (
        await Official.objects()
        .where((Official.level == 0) & (Official.id != case["assignee"]["id"]))
        .first()
    )
    resp = await stack.api.get(
        f"/v1/complaints/{tracking_id}/history", headers=auth(await key_of(other.id))
    )
    assert resp.status_code == 403, resp.text
    assert "assigned to its official" in resp.json()["detail"]
    for role in ("citizen-app", "integrator"):
        resp = await stack.api.get(
            f"/v1/complaints/{tracking_id}/history", headers=auth(api_keys[role])
        )
        assert resp.status_code == 403, role


async def test_tracing_an_unknown_or_malformed_id_says_what_is_wrong(skipping, api_keys):
    """An unknown id is 404 and a malformed one 400 naming the field."""
    headers = auth(api_keys["official"])
    resp = await skipping.api.get("/v1/complaints/BLR-0000000000/history", headers=headers)
    assert resp.status_code == 404, resp.text
    assert "BLR-0000000000" in resp.json()["detail"]
    for bad in ("not-an-id", "BLR-123", "BLR-0000000000X", "BLR-000000000U"):
        resp = await skipping.api.get(f"/v1/complaints/{bad}/history", headers=headers)
        assert resp.status_code == 400, (bad, resp.text)
        assert resp.json()["field"] == "tracking_id"
    resp = await skipping.api.get("/v1/complaints/BLR-0000000000/history")
    assert resp.status_code == 401


async def civicops_at(*args: str, temporal: str) -> subprocess.CompletedProcess:
    """Run `civicops` against this Temporal server, with a Temporal UI URL."""
    env = {**os.environ, "TEMPORAL_ADDRESS": temporal, "TEMPORAL_UI_URL": "http://ui.test:8080"}
    return await civicops(*args, env=env)


async def test_civicops_trace_prints_the_same_timeline_as_the_api(skipping, api_keys):
    """`civicops trace` prints what the API answers, as text or JSON."""
    stack = skipping
    tracking_id, _, _ = await new_case(stack, api_keys)
    resp = await stack.api.post(
        f"/v1/complaints/{tracking_id}/withdraw",
        json={"reason": "filed twice by mistake"},
        headers=auth(api_keys["official"]),
    )
    assert resp.status_code == 200, resp.text
    body = await history_of(stack.api, tracking_id, api_keys["official"], closed=True)
    kinds = [e["kind"] for e in body["entries"]]
    assert kinds[:4] == ["filed", "prioritized", "assigned", "notice_issued"]
    assert kinds[-1] == "withdrawn"
    assert body["entries"][-1]["summary"] == "Withdrawn by test-official: filed twice by mistake"

    temporal = stack.env.client.service_client.config.target_host
    as_json = await civicops_at("trace", tracking_id, "--json", temporal=temporal)
    assert as_json.returncode == 0, as_json.stderr
    printed = json.loads(as_json.stdout)
    assert [e["kind"] for e in printed["entries"]] == kinds
    assert [e["summary"] for e in printed["entries"]] == [e["summary"] for e in body["entries"]]
    assert printed["temporal_ui_url"].startswith("http://ui.test:8080/namespaces/")

    text = await civicops_at("trace", tracking_id.lower(), temporal=temporal)
    assert text.returncode == 0, text.stderr
    assert f"http://ui.test:8080/namespaces/default/workflows/complaint-{tracking_id}" in (
        text.stdout
    )
    for entry in body["entries"]:
        assert entry["summary"] in text.stdout and entry["at_ist"] in text.stdout

    bad = await civicops_at("trace", "nonsense", temporal=temporal)
    assert bad.returncode == 2 and "TRACKING_ID" in bad.stderr
    unknown = await civicops_at("trace", "BLR-0000000000", temporal=temporal)
    assert unknown.returncode == 1 and "no case history for BLR-0000000000" in unknown.stderr
