"""Fast tests of a case's intake and its SLA clock: triage, assignment, the escalation ladder.

The real ComplaintWorkflow runs on the time-skipping server with its activities stubbed
(tests/stubs.py; the `stubbed` fixture, tests/stubbed_cases.py): `stubbed.sleep(hours)` fires
the deadlines, and the tests read the case's `status` query and what the stubs were asked
for. The same rules with the real activities, database and S3 are in test_lifecycle_escalation.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from stubbed_cases import StubbedCases

from domain.case import Status
from domain.sla import SlaPolicy
from workflows import search_attributes as sa

HOUR = timedelta(hours=1)


async def test_new_pothole_is_triaged_assigned_to_the_ward_supervisor_and_noticed(
    stubbed: StubbedCases,
):
    case = await stubbed.noticed()
    state = await case.state()
    assert [(e.kind, e.status, e.revision) for e in case.events()] == [
        ("filed", Status.FILED, 1),
        ("prioritized", Status.TRIAGED, 2),
        ("assigned", Status.ASSIGNED, 3),
        ("notice_issued", Status.NOTICE_ISSUED, 4),
    ]
    [triage] = stubbed.stubs.inputs("prioritize")
    assert (triage.category, triage.description) == ("pothole", state.complaint.description)
    [where] = stubbed.stubs.inputs("assign_zone")
    assert (where.city, where.latitude, where.longitude, where.level) == (
        "bengaluru",
        state.complaint.latitude,
        state.complaint.longitude,
        0,
    )
    assert state.priority == 3
    assert state.assignment is not None and state.assignment.official_id == 101
    assigned = case.last("assigned")
    assert assigned.detail["official"] == "Lakshmi Narayana" and assigned.detail["ward"] == "65"
    # The supervisor's 72 hours run from assignment, on the workflow's clock.
    assert state.assignment.assigned_at == assigned.at
    assert state.sla_due_at == assigned.at + 72 * HOUR
    assert case.notices() == [("assignment", 0, 0, 101)]
    [notice] = stubbed.stubs.inputs("issue_notice")
    assert notice.sla_due_at == state.sla_due_at and notice.priority == 3
    assert [n.notice_id for n in state.notices] == [f"{case.tracking_id}-ASG0"]
    assert case.last("notice_issued").detail["notice"] == f"{case.tracking_id}-ASG0"
    assert case.scores() == [] and case.officials_sought() == []
    attrs = (await case.handle.describe()).typed_search_attributes
    assert attrs.get(sa.STATUS) == "NOTICE_ISSUED"
    assert (attrs.get(sa.WARD), attrs.get(sa.ZONE), attrs.get(sa.PRIORITY)) == ("65", "West", "P3")
    assert attrs.get(sa.SUPERVISOR) == "Lakshmi Narayana #101"
    assert attrs.get(sa.ESCALATION_LEVEL) == 0 and attrs.get(sa.SLA_DUE_AT) == state.sla_due_at


@pytest.mark.parametrize(("priority", "hours"), [(1, 36), (2, 54), (3, 72), (4, 108)])
async def test_an_urgent_pothole_gets_a_shorter_window_and_a_minor_one_a_longer(
    stubbed: StubbedCases, priority: int, hours: int
):
    stubbed.stubs.priority = priority
    case = await stubbed.noticed()
    state = await case.state()
    assert case.last("prioritized").detail["priority"] == f"P{priority}"
    assert state.sla_due_at == case.last("assigned").at + hours * HOUR


async def test_a_pothole_outside_every_ward_ends_outside_the_city_without_a_notice(
    stubbed: StubbedCases,
):
    stubbed.stubs.outside = True
    case = await stubbed.file()
    result = await case.handle.result()
    assert result.status == Status.OUTSIDE_CITY
    assert result.closed_reason == "the location is outside every ward of the city"
    assert case.kinds() == ["filed", "prioritized", "outside_city"]
    assert result.assignment is None and result.sla_due_at is None
    assert case.notices() == [] and case.scores() == []


async def test_late_pothole_escalates_to_zonal_officer_then_commissioner_with_halved_windows(
    stubbed: StubbedCases,
):
    case = await stubbed.noticed()
    ladder = [
        # (hours the holder had, level reached, who holds it now, the new window)
        (72, 1, 102, 36),
        (36, 2, 103, 18),
        (18, 3, 104, 24),  # the city commissioner: reminders every 24 h from here
    ]
    for hours, level, holder, window in ladder:
        await stubbed.sleep(hours, minutes=1)
        state = await case.until(lambda s, lv=level: s.escalation_level == lv, f"reached L{level}")
        escalated = case.last("escalated")
        assert state.status == Status.ESCALATED and state.sla_breaches == level
        assert state.assignment is not None and state.assignment.official_id == holder
        assert escalated.detail["reason"] == "sla_breach" and escalated.actor == "system"
        assert escalated.detail["level"] == level
        assert state.sla_due_at == escalated.at + window * HOUR
    assert state.assignment.designation == "City Commissioner"
    assert case.officials_sought() == [(1, None), (2, None), (3, None)]
    assert [e.detail["from_official"] for e in case.events() if e.kind == "escalated"] == [
        "Lakshmi Narayana",
        "Ramesh Gowda",
        "Farah Siddiqui",
    ]
    numbers = [n.notice_id.removeprefix(case.tracking_id) for n in state.notices]
    assert numbers == ["-ASG0", "-ESC1", "-ESC2", "-ESC3"]
    assert case.notices() == [
        ("assignment", 0, 0, 101),
        ("escalation", 1, 0, 102),
        ("escalation", 2, 0, 103),
        ("escalation", 3, 0, 104),
    ]
    # Each official who let the case go is charged once, at the level they held.
    assert case.scores() == [
        ("escalated_away", 0, 0, "Lakshmi Narayana"),
        ("escalated_away", 1, 0, "Ramesh Gowda"),
        ("escalated_away", 2, 0, "Farah Siddiqui"),
    ]
    assert [a.official_id for a in state.previous_assignments] == [101, 102, 103]
    attrs = (await case.handle.describe()).typed_search_attributes
    assert attrs.get(sa.ESCALATION_LEVEL) == 3 and attrs.get(sa.STATUS) == "ESCALATED"
    assert attrs.get(sa.SUPERVISOR) == "Suresh Rao #104"
    assert attrs.get(sa.SLA_DUE_AT) == state.sla_due_at


async def test_the_city_commissioner_keeps_a_late_case_and_is_reminded_every_24_hours(
    stubbed: StubbedCases,
):
    case = await stubbed.noticed()
    await stubbed.sleep(72 + 36 + 18, minutes=3)
    await case.until(lambda s: s.escalation_level == 3, "reached L3")
    tid = case.tracking_id
    for reminder in (1, 2):
        await stubbed.sleep(24, minutes=1)
        state = await case.until(lambda s, n=reminder: s.sla_breaches == 3 + n, "reminded")
        breach = case.last("sla_breached")
        assert breach.detail["reminder"] == reminder and breach.detail["level"] == 3
        assert state.status == Status.ESCALATED and state.breaches_while_held == reminder
        assert state.sla_due_at == breach.at + 24 * HOUR
    assert [n.notice_id for n in state.notices][-2:] == [f"{tid}-SLA3", f"{tid}-SLA3-1"]
    assert case.notices()[-2:] == [("sla_breach", 3, 0, 104), ("sla_breach", 3, 1, 104)]
    # Nobody is above the commissioner: no one is sought and no one is charged again.
    assert case.officials_sought() == [(1, None), (2, None), (3, None)]
    assert len(case.scores()) == 3
    # Fixed after two reminders: late, charged to the commissioner at L3.
    outcome = await case.prove()
    assert outcome.accepted and outcome.state.status == Status.RESOLVED
    assert not case.last("proof_accepted").detail["on_time"]
    assert case.scores()[-1] == ("resolved_late", 3, 0, "Suresh Rao")
    assert case.notices()[-1] == ("closure", 3, 0, 104)


async def test_a_case_nobody_works_on_for_a_month_is_reminded_daily_and_can_still_be_withdrawn(
    stubbed: StubbedCases,
):
    case = await stubbed.noticed()
    await stubbed.sleep(30 * 24)
    # 72 + 36 + 18 h to reach the commissioner, then a reminder every 24 h of the 594 left.
    state = await case.until(lambda s: s.sla_breaches == 3 + 24, "reminded 24 times")
    reminders = [n for n in case.notices() if n[0] == "sla_breach"]
    assert [seq for _, _, seq, _ in reminders] == list(range(24))
    assert state.notices[-1].notice_id == f"{case.tracking_id}-SLA3-23"
    assert len(case.scores()) == 3 and state.is_open
    withdrawn = await case.withdraw("fixed by a neighbour", actor="citizen-app")
    assert withdrawn.status == Status.WITHDRAWN
    assert withdrawn.updated_at - withdrawn.complaint.filed_at >= timedelta(days=30)


async def test_the_zonal_officer_who_fixes_a_late_case_within_their_window_is_on_time(
    stubbed: StubbedCases,
):
    case = await stubbed.noticed()
    await stubbed.sleep(72, minutes=1)
    await case.until(lambda s: s.escalation_level == 1, "reached L1")
    await stubbed.sleep(35)
    outcome = await case.prove()
    assert outcome.accepted and outcome.state.status == Status.RESOLVED
    assert case.last("proof_accepted").detail["on_time"]
    assert case.scores() == [
        ("escalated_away", 0, 0, "Lakshmi Narayana"),
        ("resolved_on_time", 1, 0, "Ramesh Gowda"),
    ]
    assert case.notices()[-1] == ("closure", 1, 0, 102)


async def test_a_rung_with_nobody_on_the_roster_passes_the_late_case_to_the_next_one_up(
    stubbed: StubbedCases,
):
    del stubbed.stubs.ladder[1]  # the zone has no zonal officer
    case = await stubbed.noticed()
    await stubbed.sleep(72, minutes=1)
    state = await case.until(lambda s: s.escalation_level > 0, "escalated")
    assert state.escalation_level == 2
    assert state.assignment is not None and state.assignment.official_id == 103
    assert state.sla_due_at == case.last("escalated").at + 18 * HOUR  # the L2 window
    assert case.officials_sought() == [(1, None)]
    assert case.notices()[-1] == ("escalation", 2, 0, 103)
    assert case.scores() == [("escalated_away", 0, 0, "Lakshmi Narayana")]


async def test_when_nobody_is_above_the_supervisor_keeps_the_case_on_a_shorter_clock(
    stubbed: StubbedCases,
):
    stubbed.stubs.ladder = {0: stubbed.stubs.ladder[0]}  # a ward with only its supervisor
    case = await stubbed.noticed()
    await stubbed.sleep(72, minutes=1)
    state = await case.until(lambda s: s.escalation_level == 1, "escalated")
    assert state.assignment is not None and state.assignment.official_id == 101
    assert state.previous_assignments == []
    escalated = case.last("escalated")
    assert escalated.detail["from_official"] == escalated.detail["official"] == "Lakshmi Narayana"
    assert state.sla_due_at == escalated.at + 36 * HOUR
    assert case.notices()[-1] == ("escalation", 1, 0, 101)
    assert case.scores() == [("escalated_away", 0, 0, "Lakshmi Narayana")]


async def test_a_linked_case_starts_one_level_up_with_the_shorter_window(stubbed: StubbedCases):
    state = await stubbed.state(escalation_level=1, linked_to="BLR-7K3M9QX2AB")
    case = await stubbed.noticed(state)
    state = await case.state()
    [where] = stubbed.stubs.inputs("assign_zone")
    assert where.level == 1
    assert state.assignment is not None and state.assignment.official_id == 102
    assert state.linked_to == "BLR-7K3M9QX2AB"
    assert state.sla_due_at == case.last("assigned").at + 36 * HOUR
    assert [n.notice_id for n in state.notices] == [f"{case.tracking_id}-ASG1"]


async def test_a_case_keeps_the_policy_it_was_filed_under(stubbed: StubbedCases):
    policy = SlaPolicy(base_hours=10, min_hours=4, confirm_hours=24, recomplaint_threshold=2)
    case = await stubbed.noticed(await stubbed.state(policy=policy))
    assert (await case.state()).sla_due_at == case.last("assigned").at + 10 * HOUR
    await stubbed.sleep(10, minutes=1)
    state = await case.until(lambda s: s.escalation_level == 1, "reached L1")
    assert state.sla_due_at == case.last("escalated").at + 5 * HOUR
    await stubbed.sleep(5, minutes=1)
    state = await case.until(lambda s: s.escalation_level == 2, "reached L2")
    assert state.sla_due_at == case.last("escalated").at + 4 * HOUR  # 2.5 h, raised to min_hours
    await case.prove()
    state = await case.state()
    assert state.confirm_due_at == state.resolved_at + 24 * HOUR
    await stubbed.sleep(24, minutes=1)
    result = await case.handle.result()
    assert result.closed_reason == "closed: the citizen did not answer within 24 h"
    # Its re-complaint threshold too: every second one escalates.
    other = await stubbed.noticed(await stubbed.state(policy=policy))
    for _ in range(2):
        await other.recomplain()
    state = await other.until(lambda s: s.escalation_level == 1, "escalated")
    assert state.recomplaints == 2 and other.last("escalated").detail["reason"] == "recomplaints"


async def test_a_case_started_without_a_policy_gets_its_category_window(stubbed: StubbedCases):
    case = await stubbed.noticed(await stubbed.state(policy=None))
    state = await case.state()
    assert state.policy is not None and state.policy.base_hours == 72
    assert state.sla_due_at == case.last("assigned").at + 72 * HOUR


async def test_a_notice_that_cannot_be_issued_leaves_the_case_assigned_and_says_why(
    stubbed: StubbedCases,
):
    stubbed.stubs.notice_failure = "renderer cannot reproduce the notice"
    case = await stubbed.file()
    state = await case.until(lambda s: s.recent_events[-1].kind == "notice_failed", "failed")
    failed = case.last("notice_failed")
    assert failed.detail == {
        "notice_kind": "assignment",
        "reason": "renderer cannot reproduce the notice",
    }
    assert state.status == Status.ASSIGNED and state.notices == []
    # The clock still runs: the late case escalates, though its notice fails again.
    await stubbed.sleep(72, minutes=1)
    state = await case.until(lambda s: s.escalation_level == 1, "escalated")
    assert state.status == Status.ESCALATED and state.notices == []
    assert case.kinds()[-2:] == ["escalated", "notice_failed"]


async def test_a_supervisor_with_nobody_above_who_fixes_a_late_case_is_not_scored_on_time(
    stubbed: StubbedCases,
):
    stubbed.stubs.ladder = {0: stubbed.stubs.ladder[0]}  # a ward with only its supervisor
    case = await stubbed.noticed()
    await stubbed.sleep(72, minutes=1)
    await case.until(lambda s: s.escalation_level == 1, "escalated")
    await stubbed.sleep(1)  # well inside the new, shorter window
    outcome = await case.prove()
    assert outcome.accepted and outcome.state.status == Status.RESOLVED
    # The same person let the first window run out: the fix came late.
    assert not case.last("proof_accepted").detail["on_time"]
    assert case.scores() == [
        ("escalated_away", 0, 0, "Lakshmi Narayana"),
        ("resolved_late", 1, 0, "Lakshmi Narayana"),
    ]
