"""Every kind of step the workflow records reads well in the timeline.

The kinds are domain.states.EventKind. Each must have its own words in timeline/render.py
(SUMMARIES), and each must come up in a case driven here on the real ComplaintWorkflow (the
time-skipping server, activities stubbed) and read as an official expects: a kind, a named
actor, and one line that names what happened, with nothing missing ("None", "unknown", "?").
A kind added to EventKind fails here until it has words and a case here reaches it.
"""

from __future__ import annotations

from stubbed_cases import StubbedCases
from test_intake_logic import VOICE, categorize, uncategorised
from test_timeline_recorded_events import a_long_life, timeline_of_case

from domain.case import TranscriptRequest
from domain.roles import Role
from domain.states import EventKind
from timeline import TimelineEntry, render_text
from timeline.model import EntryKind
from timeline.render import SUMMARIES
from workflows.complaint import ComplaintWorkflow

STEP_KINDS = {kind.value for kind in EventKind}
# What a line must not say: a value the renderer looked for and did not find.
MISSING = ("None", "unknown", " ?", "the assignee", "()")


def test_every_kind_of_step_has_its_own_words() -> None:
    """Each step kind, and each of the timeline's own, has a summary of its own."""
    for kind in [*EventKind, *EntryKind]:
        assert kind in SUMMARIES, f"{kind!r} has no summary in timeline/render.py SUMMARIES"


def assert_reads_well(entry: TimelineEntry) -> None:
    """A step as an official should read it: who, and one complete line."""
    where = f"{entry.kind} at {entry.at_ist}: {entry.summary!r} by {entry.actor!r}"
    assert entry.actor and entry.actor != "unknown", where
    assert entry.summary and "\n" not in entry.summary, where
    assert not any(gap in entry.summary for gap in MISSING), where
    assert entry.summary[0].isupper(), where


async def test_official_sees_every_kind_of_step_the_workflow_records(stubbed: StubbedCases):
    """Cases driven to every EventKind read well, entry by entry."""
    cases = [await a_long_life(stubbed)]
    stubbed.stubs.outside = True  # filed where no ward is
    outside = await stubbed.file()
    await outside.handle.result()
    cases.append(outside)
    stubbed.stubs.outside = False
    stubbed.stubs.notice_failure = "the signing key is not available"
    unnoticed = await stubbed.file()
    await unnoticed.until(
        lambda s: any(e.kind == EventKind.NOTICE_FAILED for e in s.recent_events),
        "failed to issue its notice",
    )
    stubbed.stubs.notice_failure = None
    await unnoticed.reprioritize(1)  # an official overrules the priority
    await unnoticed.withdraw("filed in error")
    cases.append(unnoticed)
    # A voice note nobody transcribes in time, then an operator does; it is classified.
    heard = await stubbed.file(await uncategorised(stubbed, description="", attachments=[VOICE]))
    await heard.reaches("TRANSCRIBING")
    await stubbed.sleep(5)  # past the 4 hours a transcript may take
    await heard.until(
        lambda s: any(e.kind == EventKind.INTAKE_OVERDUE for e in s.recent_events),
        "recorded the late transcript",
    )
    await heard.handle.execute_update(
        ComplaintWorkflow.transcribe, TranscriptRequest("ಚರಂಡಿ ಕಟ್ಟಿಕೊಂಡಿದೆ", "operator-7")
    )
    await heard.reaches("NOTICE_ISSUED")
    cases.append(heard)
    # The classifier is unsure: the ward's supervisor picks the category.
    stubbed.stubs.classified = ("pothole", 0.3, False)
    vague = await stubbed.file(await uncategorised(stubbed))
    await vague.reaches("NEEDS_TRIAGE")
    await categorize(vague, "pothole", official_id=101, role=Role.SUPERVISOR)
    await vague.reaches("NOTICE_ISSUED")
    stubbed.stubs.classified = ("drain_overflow", 0.93, True)
    cases.append(vague)

    seen: set[str] = set()
    for case in cases:
        history, _ = await timeline_of_case(stubbed, case)
        printed = render_text(history)
        for entry in history.entries:
            assert_reads_well(entry)
            assert f"{entry.at_ist}  {entry.kind}" in printed and entry.summary in printed
            if entry.kind in STEP_KINDS:
                seen.add(entry.kind)
    never = sorted(STEP_KINDS - seen)
    assert not never, f"no case here reached {never}: drive one to it in this test"
