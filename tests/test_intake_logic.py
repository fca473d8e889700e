"""Fast tests of intake that waits for a person: voice notes, classification, triage.

The real ComplaintWorkflow on the time-skipping server with stubbed activities
(tests/stubs.py): the classifier's answer and the machine transcript are canned, so these
tests check the workflow's rules. The real classifier and recogniser are exercised through
the API in test_intake_api.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from stubbed_cases import Case, StubbedCases, refusal
from temporalio.client import WorkflowUpdateFailedError

from domain.case import Attachment, CaseState, CategoryRequest, Status, TranscriptRequest
from domain.categories import UNCATEGORISED
from domain.roles import Role
from workflows.complaint import ComplaintWorkflow

HOUR = timedelta(hours=1)
VOICE = Attachment("voice", "intake/abc/1/voice.ogg", "0" * 64, "audio/ogg", 80_000, None, 40.0)
HOURS = {"pothole": 72.0, "drain_overflow": 24.0, "garbage_not_collected": 24.0}


async def uncategorised(stubbed: StubbedCases, **complaint: object) -> CaseState:
    """A case filed without a category, as the API files it."""
    state = await stubbed.state(category_hours=dict(HOURS))
    state.complaint.category = UNCATEGORISED
    state.complaint.description = complaint.pop("description", "ಚರಂಡಿ ಕಟ್ಟಿಕೊಂಡಿದೆ")  # type: ignore[assignment]
    for name, value in complaint.items():
        setattr(state.complaint, name, value)
    return state


async def categorize(case: Case, category: str, *, official_id: int | None, role: str) -> CaseState:
    """Pick the category as a triager would."""
    return await case.handle.execute_update(
        ComplaintWorkflow.categorize, CategoryRequest(category, "triager", official_id, role)
    )


async def test_a_sure_classification_files_the_case_under_the_classifiers_category(
    stubbed: StubbedCases,
):
    case = await stubbed.noticed(await uncategorised(stubbed))
    state = await case.state()
    assert case.kinds()[:3] == ["filed", "classified", "prioritized"]
    assert state.complaint.category == "drain_overflow"
    assert state.complaint.category_source == "classifier"
    assert state.complaint.category_confidence == pytest.approx(0.93)
    [asked] = stubbed.stubs.inputs("classify")
    assert asked.text == "ಚರಂಡಿ ಕಟ್ಟಿಕೊಂಡಿದೆ"
    # The drain's 24 hours, not the pothole's 72 the case was started with.
    assert state.policy is not None and state.policy.base_hours == 24.0
    assert state.sla_due_at == case.last("assigned").at + 24 * HOUR


async def test_an_unsure_classification_waits_for_the_ward_supervisor_without_an_sla(
    stubbed: StubbedCases,
):
    stubbed.stubs.classified = ("garbage_not_collected", 0.41, False)
    case = await stubbed.file(await uncategorised(stubbed))
    state = await case.reaches("NEEDS_TRIAGE")
    assert state.assignment is not None and state.assignment.official_id == 101
    assert state.sla_due_at is None and state.priority is None
    waiting = case.last("needs_triage")
    assert waiting.detail["suggested"] == "garbage_not_collected"
    # Another ward's supervisor may not pick; a category off the catalogue is refused.
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await categorize(case, "pothole", official_id=201, role=Role.SUPERVISOR)
    assert refusal(refused.value) == ("Forbidden", None)
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await categorize(case, "potholes", official_id=101, role=Role.SUPERVISOR)
    assert refusal(refused.value) == ("BadInput", "category")
    await stubbed.sleep(3)
    picked = await categorize(case, "pothole", official_id=101, role=Role.SUPERVISOR)
    assert picked.complaint.category_source == "triage"
    state = await case.reaches("NOTICE_ISSUED")
    assert case.kinds()[:5] == ["filed", "needs_triage", "categorized", "prioritized", "assigned"]
    # The SLA starts once the category is known: 72 hours from assignment, not from filing.
    assigned = case.last("assigned")
    assert state.sla_due_at == assigned.at + 72 * HOUR
    assert assigned.at >= state.complaint.filed_at + 3 * HOUR
    assert state.previous_assignments == []  # the same supervisor, not a hand-over


async def test_a_zonal_officer_may_sort_a_case_and_a_sorted_case_is_not_sorted_again(
    stubbed: StubbedCases,
):
    stubbed.stubs.classified = ("pothole", 0.2, False)
    case = await stubbed.file(await uncategorised(stubbed))
    await case.reaches("NEEDS_TRIAGE")
    await categorize(case, "drain_overflow", official_id=None, role=Role.OFFICIAL)
    await case.reaches("NOTICE_ISSUED")
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await categorize(case, "pothole", official_id=None, role=Role.OFFICIAL)
    assert refusal(refused.value) == ("Conflict", None)


async def test_late_triage_is_recorded_every_window_until_someone_picks(stubbed: StubbedCases):
    stubbed.stubs.classified = ("pothole", 0.3, False)
    case = await stubbed.file(await uncategorised(stubbed))
    await case.reaches("NEEDS_TRIAGE")
    await stubbed.sleep(8, 1)
    await case.until(lambda s: s.revision >= 3)
    await stubbed.sleep(8)
    state = await case.until(lambda s: s.revision >= 4)
    assert case.kinds()[-2:] == ["intake_overdue", "intake_overdue"]
    assert state.status == Status.NEEDS_TRIAGE
    assert case.last("intake_overdue").detail["waiting_for"] == "category"


async def test_an_english_voice_note_is_transcribed_by_machine_then_classified(
    stubbed: StubbedCases,
):
    stubbed.stubs.machine_transcript = "the drain is blocked and sewage is on the road"
    state = await uncategorised(stubbed, description="", attachments=[VOICE], language="en")
    case = await stubbed.noticed(state)
    state = await case.state()
    assert case.kinds()[:3] == ["filed", "transcribed", "classified"]
    assert state.complaint.description == "the drain is blocked and sewage is on the road"
    assert state.complaint.transcript is not None
    assert state.complaint.transcript.source == "machine"
    [asked] = stubbed.stubs.inputs("transcribe")
    assert (asked.key, asked.language) == (VOICE.key, "en")
    assert stubbed.stubs.inputs("classify")[0].text == state.complaint.description


async def test_a_tamil_voice_note_waits_for_an_operator_whose_transcript_is_classified(
    stubbed: StubbedCases,
):
    state = await uncategorised(stubbed, description="", attachments=[VOICE], language="ta")
    case = await stubbed.file(state)
    waiting = await case.reaches("TRANSCRIBING")
    assert waiting.intake_due_at == case.last("awaiting_transcript").at + 4 * HOUR
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await case.handle.execute_update(
            ComplaintWorkflow.transcribe, TranscriptRequest("  ", "operator")
        )
    assert refusal(refused.value) == ("BadInput", "text")
    await stubbed.sleep(4, 1)
    await case.until(lambda s: s.revision >= 3)
    assert case.last("intake_overdue").detail["waiting_for"] == "transcript"
    await case.handle.execute_update(
        ComplaintWorkflow.transcribe,
        TranscriptRequest("சாக்கடை அடைப்பு, கழிவுநீர் சாலையில் ஓடுகிறது", "operator-7"),
    )
    state = await case.reaches("NOTICE_ISSUED")
    transcript = state.complaint.transcript
    assert transcript is not None and (transcript.source, transcript.engine) == (
        "human",
        "operator-7",
    )
    assert state.complaint.description.startswith("சாக்கடை")
    assert case.kinds()[:5] == [
        "filed",
        "awaiting_transcript",
        "intake_overdue",
        "transcribed",
        "classified",
    ]
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await case.handle.execute_update(
            ComplaintWorkflow.transcribe, TranscriptRequest("again", "operator-7")
        )
    assert refusal(refused.value) == ("Conflict", None)


async def test_a_voice_note_waiting_for_its_transcript_can_be_withdrawn(stubbed: StubbedCases):
    state = await uncategorised(stubbed, description="", attachments=[VOICE], language="kn")
    case = await stubbed.file(state)
    await case.reaches("TRANSCRIBING")
    await case.withdraw("filed twice")
    result = await case.handle.result()
    assert result.status == Status.WITHDRAWN


async def test_an_offline_filing_s_sla_runs_from_when_it_was_captured(stubbed: StubbedCases):
    state = await stubbed.state()
    captured = state.complaint.filed_at - 20 * HOUR
    state.complaint.filed_at = state.complaint.captured_at = captured
    case = await stubbed.noticed(state)
    state = await case.state()
    assert state.sla_due_at == captured + 72 * HOUR


async def test_a_kannada_voice_note_with_a_category_is_assigned_without_waiting(
    stubbed: StubbedCases,
):
    state = await stubbed.state()
    state.complaint.description = ""
    state.complaint.attachments = [VOICE]
    state.complaint.language = "kn"
    case = await stubbed.noticed(state)
    assert case.kinds()[:2] == ["filed", "prioritized"]
    [asked] = stubbed.stubs.inputs("transcribe")  # a machine was asked; none speaks Kannada
    assert asked.language == "kn"
    assert (await case.state()).complaint.transcript is None
