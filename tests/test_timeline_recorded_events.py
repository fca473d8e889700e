"""Cases recorded since PATCH_RECORDED_EVENTS read from the events their workflow recorded.

Each step's `record` local activity returns the CaseEvent it wrote, so the case's history
holds every event; the timeline reads them as they are and infers nothing. Fresh cases run
through a long life on the real ComplaintWorkflow (the time-skipping server, activities
stubbed: the `stubbed` fixture); the committed v5 histories in tests/histories/ are read too.
The same histories with their events taken out (read as a case recorded before the patch)
must still read the same: inference, kept for old cases, agrees with the workflow.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from history_helpers import forget_records, recorded_events, records_events
from stubbed_cases import Case, StubbedCases
from stubs import rejected
from temporalio.client import WorkflowHistory
from temporalio.converter import DataConverter

from domain.case import CaseState
from domain.states import EventKind
from timeline import CaseHistory, TimelineEntry, build_timeline, fetch_runs, runs_from_histories
from timeline.model import RunHistory
from timeline.render import as_datetime

HISTORIES = Path(__file__).parent / "histories"
STEP_KINDS = {kind.value for kind in EventKind}
NEW_HISTORIES = [
    path
    for path in sorted(HISTORIES.glob("*.json"))
    if records_events(WorkflowHistory.from_json(path.stem, path.read_text()))
]


async def sleep_until(
    stubbed: StubbedCases, case: Case, check: Callable[[CaseState], bool], what: str
) -> CaseState:
    """Move the server's clock on, six hours at a time, until check(state) holds."""
    for _ in range(40):
        state = await case.state()
        if check(state):
            return state
        await stubbed.sleep(6)
    raise AssertionError(f"{case.tracking_id} never {what}")


async def a_long_life(stubbed: StubbedCases) -> Case:
    """A case reassigned, escalated by breach and by re-complaint to the top, reminded there,
    its proof rejected, resolved, reopened, resolved again and confirmed."""
    case = await stubbed.noticed()
    await case.reassign(201, "ward boundary: the road is theirs")
    await sleep_until(stubbed, case, lambda s: s.escalation_level == 1, "escalated")
    stubbed.stubs.verdicts = [rejected("wrong_type", "The after photo is a text file.")]
    assert (await case.prove()).accepted is False
    await case.recomplain(distance_m=11.1195)
    await case.until(lambda s: s.escalation_level == 2, "escalated on a re-complaint")
    await sleep_until(stubbed, case, lambda s: s.escalation_level == 3, "reached the top")
    await sleep_until(stubbed, case, lambda s: s.sla_breaches == 3, "was reminded at the top")
    assert (await case.prove(before=True)).accepted is True
    await case.reopen("still broken")
    await case.prove()
    await case.confirm()
    await case.handle.result()
    return case


async def timeline_of_case(
    stubbed: StubbedCases, case: Case
) -> tuple[CaseHistory, list[RunHistory]]:
    """The case's timeline as the API builds it, and the runs it was built from."""
    runs, complete = await fetch_runs(stubbed.client, case.handle.id)
    assert complete
    return build_timeline(case.handle.id, runs), runs


def as_json(value: Any) -> Any:
    """A value as Temporal's JSON converter writes it into history (datetimes ISO 8601)."""
    [payload] = DataConverter.default.payload_converter.to_payloads([value])
    return json.loads(payload.data)


def step_entries(history: CaseHistory, events: list[dict[str, Any]]) -> list[TimelineEntry]:
    """The entry of each recorded event, in order; every other entry of a step's kind must be
    a deadline that passed below the top (the timeline's own `sla_breached`, by `system`)."""
    entries = iter(history.entries)
    matched = []
    for event in events:
        for entry in entries:
            if entry.kind == event["kind"] and entry.at == as_datetime(event["at"]):
                matched.append(entry)
                break
            assert entry.kind not in STEP_KINDS or (
                entry.kind == EventKind.SLA_BREACHED and "reminder" not in entry.detail
            ), f"{entry.kind} at {entry.at_ist} is no recorded event"
        else:
            raise AssertionError(f"no entry for event {event}")
    return matched


def assert_read_exactly(history: CaseHistory, events: list[dict[str, Any]]) -> None:
    """Each recorded event is one entry: its kind, actor, time, status and every detail."""
    assert events and all(isinstance(e, dict) for e in events)
    for event, entry in zip(events, step_entries(history, events), strict=True):
        assert (entry.kind, entry.actor) == (event["kind"], event["actor"])
        assert entry.detail["status"] == event["status"]
        recorded = {k: v for k, v in event["detail"].items() if v is not None}
        assert {k: as_json(entry.detail.get(k)) for k in recorded} == recorded, entry.kind


def readings(history: CaseHistory) -> list[tuple[str, str, str]]:
    """What an official reads: (kind, actor, summary) of every entry. A re-complaint's distance
    is left out (see test_a_recomplaints_distance_reads_as_the_workflow_measured_it)."""
    return [
        (e.kind, e.actor, e.summary.split(",")[0] if e.kind == EventKind.RECOMPLAINT else e.summary)
        for e in history.entries
    ]


# --- fresh cases --------------------------------------------------------------------------------


async def test_official_reads_a_new_cases_steps_exactly_as_its_workflow_recorded_them(
    stubbed: StubbedCases,
):
    """Every step of a long new case reads exactly as its recorded event."""
    case = await a_long_life(stubbed)
    history, runs = await timeline_of_case(stubbed, case)
    [run] = runs
    events = recorded_events(run.events)
    # History holds each event the workflow wrote, as the `record` activity was given it.
    assert events == [as_json(e) for e in case.events()]
    assert_read_exactly(history, events)
    kinds = [e.kind for e in history.entries]
    assert kinds.count(EventKind.ESCALATED) == 4 and kinds[-1] == EventKind.CLOSED
    assert (history.status, history.running, history.complete) == ("CLOSED", False, True)


async def test_new_case_reads_the_same_as_if_it_had_been_recorded_before_the_patch(
    stubbed: StubbedCases,
):
    """Taking the events out of a new case's history leaves the timeline to infer each step:
    what an official reads must not change."""
    case = await a_long_life(stubbed)
    exact, runs = await timeline_of_case(stubbed, case)
    for run in runs:
        forget_records(run.events)
        assert recorded_events(run.events) == [None] * len(case.events())
    inferred = build_timeline(case.handle.id, runs)
    assert readings(inferred) == readings(exact)


async def test_a_step_whose_event_is_missing_from_a_new_history_is_not_guessed(
    stubbed: StubbedCases,
):
    """A run that records its events is read only from them: a step whose event is nowhere in
    history (its write failed for good, and no state snapshot carries it) shows as a bare
    status change, not an inference."""
    case = await stubbed.noticed()
    await case.recomplain()
    await case.until(lambda s: s.recomplaints == 1, "counted the re-complaint")
    await case.withdraw()
    _, runs = await timeline_of_case(stubbed, case)
    [run] = runs
    [marker] = [
        e.marker_recorded_event_attributes
        for e in run.events
        if e.HasField("marker_recorded_event_attributes")
        and "result" in e.marker_recorded_event_attributes.details
        and b'"recomplaint"'
        in e.marker_recorded_event_attributes.details["result"].SerializeToString()
    ]
    marker.details.pop("result")
    for event in run.events:  # and the state snapshots that carry recent events
        if event.HasField("workflow_execution_update_completed_event_attributes"):
            event.workflow_execution_update_completed_event_attributes.outcome.ClearField("success")
        elif event.HasField("workflow_execution_completed_event_attributes"):
            event.workflow_execution_completed_event_attributes.ClearField("result")
    history = build_timeline(case.handle.id, runs)
    kinds = [e.kind for e in history.entries]
    assert "recomplaint" not in kinds and "updated" in kinds
    updated = next(e for e in history.entries if e.kind == "updated")
    assert (updated.actor, updated.summary) == ("system", "Status NOTICE_ISSUED")
    assert kinds[-1] == "withdrawn"


async def test_a_recomplaints_distance_reads_as_the_workflow_measured_it(stubbed: StubbedCases):
    """What the workflow measured reaches the timeline whole: 11.1 m, True."""
    case = await stubbed.noticed()
    await case.recomplain(distance_m=11.1195)
    await case.until(lambda s: s.recomplaints == 1, "counted the re-complaint")
    await case.prove()
    await case.confirm()
    history, _ = await timeline_of_case(stubbed, case)
    entry = next(e for e in history.entries if e.kind == EventKind.RECOMPLAINT)
    assert entry.summary == "Re-complaint #1 from integrator, 11.1 m away"
    accepted = next(e for e in history.entries if e.kind == EventKind.PROOF_ACCEPTED)
    assert accepted.detail["on_time"] is True
    assert history.entries[-1].detail["confirmed"] is True


# --- committed histories ------------------------------------------------------------------------


@pytest.mark.parametrize("path", NEW_HISTORIES, ids=lambda p: p.stem)
def test_committed_new_history_reads_from_its_recorded_events(path: Path) -> None:
    """A committed v5 history reads from its events, and the same without them."""
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    events = recorded_events(history.events)
    timeline = build_timeline("complaint-BLR-TEST", runs_from_histories([history]))
    assert_read_exactly(timeline, events)  # type: ignore[arg-type]
    forget_records(history.events)
    inferred = build_timeline("complaint-BLR-TEST", runs_from_histories([history]))
    assert readings(inferred) == readings(timeline)


def test_there_are_committed_histories_recorded_since_the_patch() -> None:
    """The committed histories include cases recorded since the patch."""
    assert len(NEW_HISTORIES) >= 2, "tests/histories/ should hold v5 histories"
