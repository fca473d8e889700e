"""The timeline an official reads, built from the committed histories (v1 to v3 of the workflow)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from history_helpers import IST_TIME, forget_records, in_order
from temporalio.client import WorkflowHistory

from timeline import build_timeline, format_ist, render_text, runs_from_histories, to_json

# The timeline of every history recorded before
# PATCH_RECORDED_EVENTS is pinned line for line in test_timeline_old_histories.py; cases
# recorded since, whose history holds each step's CaseEvent, in
# test_timeline_recorded_events.py; every kind of step, in test_timeline_event_kinds.py.

HISTORIES = Path(__file__).parent / "histories"


def saved(name: str, *, records: bool = True) -> WorkflowHistory:
    """A committed history; without records it reads like a history whose `record` step
    ran as a local activity that returned nothing: no CaseEvent input, no state in updates'
    answers or the result.
    """
    history = WorkflowHistory.from_json("complaint-BLR-TEST", (HISTORIES / name).read_text())
    if not records:
        forget_records(history.events)
    return history


def timeline_of(name: str, *, records: bool = True):  # type: ignore[no-untyped-def]
    """The timeline of a committed history, as the API builds it."""
    return build_timeline(
        "complaint-BLR-9EMJJ3SDJK",
        runs_from_histories([saved(name, records=records)]),
        ui_url="http://temporal.example:8233",
    )


def first(entries, kind: str):  # type: ignore[no-untyped-def]
    """The first entry of a kind."""
    return next(e for e in entries if e.kind == kind)


ESCALATED_V3 = "complaint_escalated_rejected_resolved_confirmed_v3.json"


RECOMPLAINED_V3 = "complaint_recomplaints_reopened_closed_silently_v3.json"


WITHDRAWN_V1 = "complaint_assigned_then_withdrawn_v1.json"


WITHDRAWN_V2 = "complaint_notice_issued_then_withdrawn_v2.json"


def test_escalated_case_reads_from_filing_to_the_citizens_confirmation():
    """An escalated, rejected, resolved and confirmed v3 case reads step by step."""
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
    """Each entry has its UTC time and the same time as officials read it."""
    for entry in timeline_of(ESCALATED_V3).entries:
        assert entry.at.tzinfo is not None
        assert IST_TIME.match(entry.at_ist), entry.at_ist
        assert entry.at_ist == format_ist(entry.at)
    assert format_ist(datetime(2026, 11, 24, 8, 35, 31, tzinfo=UTC)) == "2026-11-24 14:05:31 IST"
    assert format_ist("2026-11-24T18:30:00+00:00") == "2026-11-25 00:00:00 IST"


def test_recomplaints_reopening_and_silence_read_in_order():
    """Re-complaints, a reopening and a silent close read in order, with their causes."""
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
    """Cases from v1 and v2 of the workflow read as they happened."""
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
    """Cases recorded before PATCH_RECORDED_EVENTS ran `record` as a local activity that
    returned nothing, so only state snapshots hold some CaseEvents: the other steps are read
    from what caused them, and must read the same."""
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
    """No citizen's contact details reach the timeline."""
    for name in (ESCALATED_V3, RECOMPLAINED_V3):
        text = to_json(timeline_of(name))
        assert "reporter" not in text and "phone" not in text and "email" not in text


def test_printed_timeline_has_the_temporal_link_and_one_line_per_step():
    """`civicops trace` prints the Temporal UI link and one line per entry."""
    history = timeline_of(ESCALATED_V3)
    text = render_text(history)
    assert history.temporal_ui_url in text
    for entry in history.entries:
        assert f"{entry.at_ist}  {entry.kind}" in text and entry.summary in text
    assert json.loads(to_json(history))["entries"][0]["kind"] == "filed"
