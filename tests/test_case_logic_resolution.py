"""Fast tests of how a case ends: proof of completion, the citizen's answer, the reward ledger.

The real ComplaintWorkflow on the time-skipping server with stubbed activities (the
`stubbed` fixture, tests/stubbed_cases.py); verify_proof's verdicts are canned, so these
tests are about what the case does with a verdict. The photo checks themselves are in
test_proof_checks.py, and the whole path with real S3 uploads in test_lifecycle_proof.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from stubbed_cases import StubbedCases, refusal
from stubs import photo_sha, rejected
from temporalio.client import WorkflowUpdateFailedError

from domain.case import Status
from domain.proof import CheckedPhoto, ProofVerdict

HOUR = timedelta(hours=1)


async def test_accepted_proof_resolves_the_case_with_a_closure_certificate_and_an_on_time_score(
    stubbed: StubbedCases,
):
    case = await stubbed.noticed()
    held = (await case.state()).assignment
    assert held is not None
    outcome = await case.prove(before=True, note="Filled and rolled")
    assert outcome.accepted and [p.role for p in outcome.photos] == ["after", "before"]
    state = outcome.state
    assert state.status == Status.RESOLVED
    # What verify_proof was asked to check the photos against.
    [asked] = stubbed.stubs.inputs("verify_proof")
    assert asked.tracking_id == case.tracking_id and asked.official_id == 101
    assert [p.role for p in asked.photos] == ["after", "before"]
    assert all(p.key.startswith(f"proofs/{case.tracking_id}/") for p in asked.photos)
    assert (asked.latitude, asked.longitude) == (
        state.complaint.latitude,
        state.complaint.longitude,
    )
    assert asked.assigned_at == held.assigned_at and asked.max_distance_m == 200
    # The sign-off, in the state and on the record.
    assert state.proof is not None and state.proof.official_id == 101
    assert state.proof.note == "Filled and rolled"
    assert state.resolved_at == state.proof.accepted_at
    assert state.confirm_due_at == state.resolved_at + 72 * HOUR
    after, before = asked.photos
    accepted = case.last("proof_accepted")
    assert accepted.detail["after_sha256"] == photo_sha(after.key)
    assert accepted.detail["before_sha256"] == photo_sha(before.key)
    assert accepted.detail["on_time"] and accepted.detail["official"] == "Lakshmi Narayana"
    assert accepted.detail["flags"] is None
    # The Closure certificate states when and with which photos.
    assert case.notices()[-1] == ("closure", 0, 0, 101)
    closure = stubbed.stubs.inputs("issue_notice")[-1]
    assert closure.resolved_at == state.resolved_at
    assert closure.proof == [f"after:{photo_sha(after.key)}", f"before:{photo_sha(before.key)}"]
    assert state.notices[-1].notice_id == f"{case.tracking_id}-CLS0"
    assert case.kinds()[-2:] == ["proof_accepted", "notice_issued"]
    assert case.scores() == [("resolved_on_time", 0, 0, "Lakshmi Narayana")]
    [entry] = stubbed.stubs.inputs("record_score")
    assert (entry.official_id, entry.ward_id, entry.zone, entry.priority) == (101, "65", "West", 3)
    assert entry.at >= accepted.at  # workflow time, when the entry is written


async def test_rejected_proof_keeps_the_case_waiting_with_its_reason_and_its_clock(
    stubbed: StubbedCases,
):
    case = await stubbed.noticed()
    due = (await case.state()).sla_due_at
    stubbed.stubs.verdicts.append(rejected("wrong_type", "The after photo is a PDF, not a photo."))
    outcome = await case.prove()
    assert not outcome.accepted
    assert (outcome.reason, outcome.field_name, outcome.code) == (
        "The after photo is a PDF, not a photo.",
        "after",
        "wrong_type",
    )
    state = await case.state()
    assert state.status == Status.NOTICE_ISSUED and state.proof is None
    assert state.proof_rejections == 1 and state.sla_due_at == due
    refused = case.last("proof_rejected")
    assert refused.status == Status.NOTICE_ISSUED and refused.actor == "official-101"
    assert refused.detail == {
        "reason": "The after photo is a PDF, not a photo.",
        "field": "after",
        "code": "wrong_type",
    }
    assert case.scores() == [] and [n[0] for n in case.notices()] == ["assignment"]
    # The deadline still holds: the late case escalates, and the zonal officer's photos,
    # accepted with warnings, resolve it.
    await stubbed.sleep(72, minutes=1)
    await case.until(lambda s: s.escalation_level == 1, "escalated")
    key = f"proofs/{case.tracking_id}/after.jpg"
    flags = ["no_exif", "gps_far"]
    flagged = CheckedPhoto("after", key, photo_sha(key), "image/jpeg", 1000, flags=flags)
    stubbed.stubs.verdicts.append(ProofVerdict(accepted=True, photos=[flagged]))
    outcome = await case.prove(after_key=key)
    assert outcome.accepted and outcome.state.status == Status.RESOLVED
    assert outcome.state.proof_rejections == 1
    assert case.last("proof_accepted").detail["flags"] == "gps_far,no_exif"


async def test_proof_is_taken_only_from_the_assignee_and_only_for_this_case_photos(
    stubbed: StubbedCases,
):
    case = await stubbed.noticed()
    tid = case.tracking_id
    attempts = [
        ({"official_id": 102}, ("Forbidden", None)),  # the zonal officer does not hold it
        ({"after_key": "proofs/BLR-0000000000/after.jpg"}, ("BadInput", "after_key")),
        ({"after_key": f"proofs/{tid}/../../etc/passwd"}, ("BadInput", "after_key")),
        ({"after_key": f"proofs/{tid}/" + "a" * 300}, ("BadInput", "after_key")),
        ({"note": "n" * 1001}, ("BadInput", "note")),
    ]
    for kwargs, expected in attempts:
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await case.prove(**kwargs)
        assert refusal(refused.value) == expected, kwargs
    # Refused before they reached the case's history: nothing was checked or recorded.
    assert stubbed.stubs.inputs("verify_proof") == []
    assert (await case.state()).revision == 4
    await case.prove()
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await case.prove()  # once resolved, no more proof
    assert refusal(refused.value) == ("Conflict", None)


async def test_citizen_confirms_the_fix_and_the_case_closes_with_a_reward(stubbed: StubbedCases):
    case = await stubbed.noticed()
    await case.prove()
    closed = await case.confirm()
    assert closed.status == Status.CLOSED and closed.closed_reason == "confirmed by the citizen"
    assert closed.closed_at is not None
    event = case.last("closed")
    assert event.actor == "citizen-app" and event.detail["confirmed"]
    assert case.scores() == [
        ("resolved_on_time", 0, 0, "Lakshmi Narayana"),
        ("citizen_confirmed", 0, 0, "Lakshmi Narayana"),
    ]
    result = await case.handle.result()
    assert result.status == Status.CLOSED and result.revision == closed.revision


async def test_citizen_reopens_a_resolved_case_and_it_escalates_with_a_penalty(
    stubbed: StubbedCases,
):
    case = await stubbed.noticed()
    await case.prove()
    reopened = await case.reopen("The pothole is back after one day of rain")
    assert reopened.status == Status.REOPENED and reopened.escalation_level == 1
    assert reopened.assignment is not None and reopened.assignment.official_id == 102
    assert reopened.reopened == 1 and reopened.proof is None
    assert reopened.resolved_at is None and reopened.confirm_due_at is None
    escalated = case.last("escalated")
    assert escalated.status == Status.REOPENED and escalated.actor == "citizen-app"
    assert escalated.detail["reason"] == "reopened: The pothole is back after one day of rain"
    assert reopened.sla_due_at == escalated.at + 36 * HOUR
    assert case.notices()[-1] == ("escalation", 1, 0, 102)
    # The resolver pays for the fix that did not hold; escalating away is not charged twice.
    assert case.scores() == [
        ("resolved_on_time", 0, 0, "Lakshmi Narayana"),
        ("reopened", 0, 0, "Lakshmi Narayana"),
    ]
    # The reopened case is on the zonal officer's clock like any escalated one.
    await stubbed.sleep(36, minutes=1)
    state = await case.until(lambda s: s.escalation_level == 2, "escalated again")
    assert state.status == Status.ESCALATED and state.assignment.official_id == 103
    assert case.scores()[-1] == ("escalated_away", 1, 0, "Ramesh Gowda")


async def test_silence_closes_a_resolved_case_after_72_hours_without_a_reward(
    stubbed: StubbedCases,
):
    case = await stubbed.noticed()
    await case.prove()
    # 71 h on, the original 72 h deadline is close; a resolved case is past SLA breaches.
    await stubbed.sleep(71)
    assert (await case.state()).status == Status.RESOLVED
    await stubbed.sleep(1, minutes=1)
    result = await case.handle.result()
    assert result.status == Status.CLOSED and result.sla_breaches == 0
    assert result.closed_reason == "closed: the citizen did not answer within 72 h"
    closed = case.last("closed")
    assert closed.actor == "system" and not closed.detail["confirmed"]
    assert case.scores() == [("resolved_on_time", 0, 0, "Lakshmi Narayana")]


async def test_only_a_resolved_case_can_be_confirmed_or_reopened_and_only_by_its_filer(
    stubbed: StubbedCases,
):
    case = await stubbed.noticed()
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await case.confirm()
    assert refusal(refused.value) == ("Conflict", None)
    await case.prove()
    attempts = [
        (lambda: case.reopen("   "), ("BadInput", "reason")),
        (lambda: case.reopen(None), ("BadInput", "reason")),
        (lambda: case.confirm(key_id="key-another-app"), ("Forbidden", None)),
        (lambda: case.reopen("still broken", key_id="key-another-app"), ("Forbidden", None)),
    ]
    for attempt, expected in attempts:
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await attempt()
        assert refusal(refused.value) == expected
    assert (await case.state()).status == Status.RESOLVED
    # An official's answer (no app key to match) is taken.
    closed = await case.confirm(key_id=None)
    assert closed.status == Status.CLOSED
    assert (await case.handle.result()).closed_reason == "confirmed by the citizen"


async def test_a_case_reopened_at_the_top_of_the_ladder_keys_each_ledger_entry_once(
    stubbed: StubbedCases,
):
    case = await stubbed.noticed()
    await stubbed.sleep(72 + 36 + 18, minutes=3)
    await case.until(lambda s: s.escalation_level == 3, "reached L3")
    for _ in range(2):  # fixed, and not fixed: twice at the commissioner's level
        await case.prove()
        state = await case.reopen("still broken")
        assert state.status == Status.REOPENED and state.escalation_level == 3
        assert state.assignment is not None and state.assignment.official_id == 104
    await case.prove()
    await case.confirm()
    # (event, level, occurrence): the ledger's key, so a retried activity never scores twice.
    assert case.scores() == [
        ("escalated_away", 0, 0, "Lakshmi Narayana"),
        ("escalated_away", 1, 0, "Ramesh Gowda"),
        ("escalated_away", 2, 0, "Farah Siddiqui"),
        ("resolved_on_time", 3, 0, "Suresh Rao"),
        ("reopened", 3, 0, "Suresh Rao"),
        ("resolved_on_time", 3, 1, "Suresh Rao"),
        ("reopened", 3, 1, "Suresh Rao"),
        ("resolved_on_time", 3, 2, "Suresh Rao"),
        ("citizen_confirmed", 3, 0, "Suresh Rao"),
    ]
    result = await case.handle.result()
    assert result.score_counts == {
        "escalated_away:0": 1,
        "escalated_away:1": 1,
        "escalated_away:2": 1,
        "resolved_on_time:3": 3,
        "reopened:3": 2,
        "citizen_confirmed:3": 1,
    }
    # Each repeat of a notice at one level gets the next sequence number.
    tid = case.tracking_id
    assert [n.notice_id for n in result.notices][3:] == [
        f"{tid}-ESC3",
        f"{tid}-CLS3",
        f"{tid}-ESC3-1",
        f"{tid}-CLS3-1",
        f"{tid}-ESC3-2",
        f"{tid}-CLS3-2",
    ]
    assert len({(k, lv, seq) for k, lv, seq, _ in case.notices()}) == len(case.notices())


async def test_a_ledger_entry_that_cannot_be_written_does_not_stop_the_case(
    stubbed: StubbedCases,
):
    stubbed.stubs.score_failure = "record_score cannot succeed with this input"
    case = await stubbed.noticed()
    outcome = await case.prove()
    assert outcome.accepted
    state = await case.settled()
    assert state.status == Status.RESOLVED
    assert case.notices()[-1] == ("closure", 0, 0, 101)  # the case went on past the ledger
    assert case.scores() == [("resolved_on_time", 0, 0, "Lakshmi Narayana")]  # tried once
