"""Tracing a case: the timeline an official reads, built from the case's Temporal history.

The builder is tested on the committed histories (v1, v2 and v3 of the workflow), and the
route and `civicops trace` on cases driven through their life on the time-skipping server.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from helpers import auth, civicops
from temporalio.client import WorkflowHistory
from test_lifecycle import key_of, new_case, notices_of, resolve, until, upload

from records.tables import Official
from timeline import (
    build_timeline,
    fetch_runs,
    format_ist,
    render_text,
    runs_from_histories,
    to_json,
)

HISTORIES = Path(__file__).parent / "histories"
IST_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} IST$")


def saved(name: str, *, records: bool = True) -> WorkflowHistory:
    """A committed history; without records it reads like a history whose `record` step
    ran as a local activity: no CaseEvent input, no state in updates' answers or the result.
    """
    history = WorkflowHistory.from_json("complaint-BLR-TEST", (HISTORIES / name).read_text())
    if not records:
        forget_records(history.events)
    return history


def forget_records(events) -> None:  # type: ignore[no-untyped-def]
    """Drop every exact CaseEvent from history: `record` inputs and state snapshots."""
    for event in events:
        kind = event.WhichOneof("attributes")
        a = getattr(event, kind)
        if kind == "activity_task_scheduled_event_attributes":
            if a.activity_type.name == "record":
                a.ClearField("input")
        elif kind == "workflow_execution_update_completed_event_attributes":
            if a.outcome.HasField("success"):
                a.outcome.success.ClearField("payloads")
        elif kind == "workflow_execution_completed_event_attributes":
            a.ClearField("result")


def timeline_of(name: str, *, records: bool = True):  # type: ignore[no-untyped-def]
    return build_timeline(
        "complaint-BLR-9EMJJ3SDJK",
        runs_from_histories([saved(name, records=records)]),
        ui_url="http://temporal.example:8233",
    )


def in_order(kinds: list[str], expected: list[str]) -> bool:
    """True when `expected` occurs in `kinds` in this order (other kinds may come between)."""
    remaining = iter(kinds)
    return all(any(k == want for k in remaining) for want in expected)


def first(entries, kind: str):  # type: ignore[no-untyped-def]
    return next(e for e in entries if e.kind == kind)


ESCALATED_V3 = "complaint_escalated_rejected_resolved_confirmed_v3.json"
RECOMPLAINED_V3 = "complaint_recomplaints_reopened_closed_silently_v3.json"
WITHDRAWN_V1 = "complaint_assigned_then_withdrawn_v1.json"
WITHDRAWN_V2 = "complaint_notice_issued_then_withdrawn_v2.json"


# --- the builder, on committed histories ------------------------------------------------------


def test_escalated_case_reads_from_filing_to_the_citizens_confirmation():
    history = timeline_of(ESCALATED_V3)
    entries = history.entries
    kinds = [e.kind for e in entries]
    assert in_order(
        kinds,
        [
            "filed",
            "prioritized",
            "assigned",
            "notice_issued",
            "sla_due",
            "escalated",
            "proof_rejected",
            "proof_accepted",
            "citizen_confirmed",
            "closed",
        ],
    ), kinds
    assert first(entries, "filed").actor == "test-citizen-app"
    assert first(entries, "prioritized").summary == "Prioritised P3"
    assigned = first(entries, "assigned")
    assert assigned.detail["official"] == "Chatresh Sachdev"
    assert assigned.detail["designation"].startswith("Ward Supervisor")
    assert "Assigned to Chatresh Sachdev, Ward Supervisor" in assigned.summary
    assert "ward 159 Kengeri, Rajarajeswari Nagar zone" in assigned.summary
    notice = first(entries, "notice_issued")
    assert notice.summary == (
        "Notice BLR-9EMJJ3SDJK-ASG0 issued (assignment, level 0) to Chatresh Sachdev"
    )
    assert first(entries, "sla_due").summary.startswith("SLA due 2026-11-27 20:28:41 IST")
    breach = first(entries, "sla_breached")
    assert breach.detail["official"] == "Chatresh Sachdev" and breach.actor == "system"
    escalated = first(entries, "escalated")
    assert escalated.detail["official"] == "Nandini Mani"
    assert escalated.detail["designation"].startswith("Zonal Officer")
    assert escalated.summary.startswith("Escalated to Zonal Officer")
    assert escalated.summary.endswith("Nandini Mani (level 1) after the SLA breach")
    submitted = first(entries, "proof_submitted")
    assert submitted.actor == "test-official-10"
    rejected = first(entries, "proof_rejected")
    assert rejected.actor == "test-official-10"
    assert rejected.summary == (
        "Proof rejected: The after photo is a text file, not a photo (JPEG, PNG, WEBP or HEIC)."
    )
    accepted = first(entries, "proof_accepted")
    assert accepted.detail["after_sha256"].startswith("0666f1006d1a")
    assert accepted.detail["photos"][0]["sha256"] == accepted.detail["after_sha256"]
    assert "on time" in accepted.summary and "0666f1006d1a" in accepted.summary
    assert first(entries, "citizen_confirmed").actor == "test-citizen-app"
    closed = entries[-1]
    assert closed.kind == "closed" and closed.summary == "Closed: confirmed by the citizen"
    assert (history.status, history.running, history.complete) == ("CLOSED", False, True)
    assert history.assignee is not None and history.assignee.name == "Nandini Mani"
    assert history.temporal_ui_url == (
        "http://temporal.example:8233/namespaces/default/workflows/complaint-BLR-9EMJJ3SDJK"
    )
    [run] = history.runs
    assert run.outcome == "completed"
    assert run.temporal_ui_url == f"{history.temporal_ui_url}/{run.run_id}/history"
    assert {e.run_id for e in entries} == {run.run_id}


def test_every_entry_carries_its_time_in_utc_and_in_ist():
    for entry in timeline_of(ESCALATED_V3).entries:
        assert entry.at.tzinfo is not None
        assert IST_TIME.match(entry.at_ist), entry.at_ist
        assert entry.at_ist == format_ist(entry.at)
    assert format_ist(datetime(2026, 11, 24, 8, 35, 31, tzinfo=UTC)) == "2026-11-24 14:05:31 IST"
    assert format_ist("2026-11-24T18:30:00+00:00") == "2026-11-25 00:00:00 IST"


def test_recomplaints_reopening_and_silence_read_in_order():
    entries = timeline_of(RECOMPLAINED_V3).entries
    kinds = [e.kind for e in entries]
    assert in_order(
        kinds,
        "recomplaint recomplaint recomplaint escalated proof_accepted citizen_reopened "
        "escalated proof_accepted closed".split(),
    ), kinds
    recomplaints = [e for e in entries if e.kind == "recomplaint"]
    assert [e.detail["count"] for e in recomplaints] == [1, 2, 3]
    assert recomplaints[0].summary == "Re-complaint #1 from test-integrator, 11.1 m away"
    by_recomplaints, by_reopening = [e for e in entries if e.kind == "escalated"]
    assert by_recomplaints.actor == "test-integrator"
    assert by_recomplaints.summary.endswith("(level 1) after repeated re-complaints")
    reopened = first(entries, "citizen_reopened")
    assert reopened.summary == "Citizen reopened the case (via test-citizen-app): still broken"
    assert by_reopening.actor == "test-citizen-app"
    assert "Zonal Joint Commissioner Akshay Chatterjee (level 2)" in by_reopening.summary
    closed = entries[-1]
    assert (closed.kind, closed.actor) == ("closed", "system")
    assert closed.summary == "Closed: the citizen did not answer within 72 h"
    assert "citizen_confirmed" not in kinds


def test_cases_from_the_first_workflow_versions_read_sensibly():
    v1 = timeline_of(WITHDRAWN_V1)
    assert [e.kind for e in v1.entries] == [
        "filed",
        "prioritized",
        "assigned",
        "sla_due",
        "withdrawn",
    ]
    assert v1.entries[-1].summary == "Withdrawn by test: duplicate"
    assert v1.status == "WITHDRAWN" and v1.assignee.name == "Bhavini Murty"
    v2 = timeline_of(WITHDRAWN_V2)
    assert [e.kind for e in v2.entries] == [
        "filed",
        "prioritized",
        "assigned",
        "notice_issued",
        "sla_due",
        "withdrawn",
    ]
    assert first(v2.entries, "notice_issued").detail["notice"] == "BLR-K7T0KGC295-ASG0"


def test_timeline_is_the_same_when_steps_are_recorded_by_local_activities():
    """Newer cases record each step as a local activity, whose marker keeps no CaseEvent:
    the steps are then read from what caused them, and must read the same."""
    for name in (ESCALATED_V3, RECOMPLAINED_V3, WITHDRAWN_V1, WITHDRAWN_V2):
        exact = timeline_of(name)
        inferred = timeline_of(name, records=False)
        assert [(e.kind, e.actor, e.summary) for e in inferred.entries] == [
            (e.kind, e.actor, e.summary) for e in exact.entries
        ], name
        for a, b in zip(exact.entries, inferred.entries, strict=True):
            keys = set(a.detail) - {"set_at"}
            assert {k: b.detail.get(k) for k in keys} == {k: a.detail[k] for k in keys}, a.kind


def test_timeline_names_no_citizen_contact_details():
    for name in (ESCALATED_V3, RECOMPLAINED_V3):
        text = to_json(timeline_of(name))
        assert "reporter" not in text and "phone" not in text and "email" not in text


def test_printed_timeline_has_the_temporal_link_and_one_line_per_step():
    history = timeline_of(ESCALATED_V3)
    text = render_text(history)
    assert history.temporal_ui_url in text
    for entry in history.entries:
        assert f"{entry.at_ist}  {entry.kind}" in text and entry.summary in text
    assert json.loads(to_json(history))["entries"][0]["kind"] == "filed"


# --- the route and the command, on live cases -------------------------------------------------


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
    # This case recorded its steps as local activities: even without the state snapshots in
    # updates' answers and the result, its steps read the same.
    runs, _ = await fetch_runs(stack.env.client, f"complaint-{tracking_id}")
    for run in runs:
        forget_records(run.events)
    inferred = build_timeline(f"complaint-{tracking_id}", runs).entries
    assert [(e.kind, e.actor, e.summary) for e in inferred] == [
        (e["kind"], e["actor"], e["summary"]) for e in entries
    ]


async def test_supervisor_traces_only_the_cases_assigned_to_it(skipping, api_keys):
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
    headers = auth(api_keys["official"])
    resp = await skipping.api.get("/v1/complaints/BLR-0000000000/history", headers=headers)
    assert resp.status_code == 404, resp.text
    assert "BLR-0000000000" in resp.json()["detail"]
    for bad in ("not-an-id", "BLR-123", "BLR-0000000000X", "BLR-000000000I"):
        resp = await skipping.api.get(f"/v1/complaints/{bad}/history", headers=headers)
        assert resp.status_code == 400, (bad, resp.text)
        assert resp.json()["field"] == "tracking_id"
    resp = await skipping.api.get("/v1/complaints/BLR-0000000000/history")
    assert resp.status_code == 401


async def civicops_at(*args: str, temporal: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TEMPORAL_ADDRESS": temporal, "TEMPORAL_UI_URL": "http://ui.test:8080"}
    return await civicops(*args, env=env)


async def test_civicops_trace_prints_the_same_timeline_as_the_api(skipping, api_keys):
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
