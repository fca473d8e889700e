"""Cases recorded before the workflow kept each step's CaseEvent read exactly as they always did.

Pinned here: every committed history recorded before PATCH_RECORDED_EVENTS (tests/histories/:
v1 to v3, whose `record` step was a normal activity holding its CaseEvent, and v4, whose
`record` local activity returned nothing) and two more v4 histories, of longer lives
(tests/timelines/histories/; one spans two runs), recorded on the workflow as it was before
the patch. For each, its
timeline as the API answers it (JSON) and as `civicops trace` prints it, both as recorded and
with every exact CaseEvent dropped (then each step is inferred from what caused it); for a case
of several runs, also its last run alone, as if the earlier ones were past retention. The pins
were taken with timeline/history.py as it was before the timeline was split and learnt to read
recorded events; a change to how an old case reads fails here. One change was deliberate: the
steps a run carried from runs past retention used to read "Filed by app:  in None, at None,
None" and "level None"; they are now filled in from the state the run carried.

After a deliberate change to how old cases read, rewrite the pins with
`UPDATE_TIMELINE_PINS=1 pytest tests/test_timeline_old_histories.py` and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from history_helpers import forget_records, records_events
from temporalio.client import WorkflowHistory

from timeline import CaseHistory, build_timeline, render_text, runs_from_histories, to_json

TESTS = Path(__file__).parent
PINS = TESTS / "timelines"
VARIANTS = ("as_recorded", "without_records", "last_run_only")


def saved_runs(path: Path) -> list[WorkflowHistory]:
    """The runs of a saved case: one history, or a JSON list of histories (oldest first)."""
    data = json.loads(path.read_text())
    runs = data if isinstance(data, list) else [data]
    return [WorkflowHistory.from_json("complaint-BLR-TEST", json.dumps(run)) for run in runs]


OLD_HISTORIES = [
    path
    for path in sorted((TESTS / "histories").glob("*.json"))
    + sorted((PINS / "histories").glob("*.json"))
    if not any(records_events(run) for run in saved_runs(path))
]


def variants(path: Path) -> list[str]:
    """The ways this saved case is read: a case of one run has no `last_run_only`."""
    return [v for v in VARIANTS if v != "last_run_only" or len(saved_runs(path)) > 1]


def old_timeline(path: Path, variant: str) -> CaseHistory:
    """The timeline of a saved case, read as the variant says."""
    histories = saved_runs(path)
    if variant == "without_records":
        for history in histories:
            forget_records(history.events)
    runs = runs_from_histories(histories)
    if variant == "last_run_only":
        runs = runs[-1:]
    return build_timeline("complaint-BLR-9EMJJ3SDJK", runs, ui_url="http://temporal.example:8233")


def pin_stem(path: Path, variant: str) -> str:
    """The file name (without suffix) of a pin."""
    return path.stem if variant == "as_recorded" else f"{path.stem}.{variant}"


CASES = [(path, variant) for path in OLD_HISTORIES for variant in variants(path)]


@pytest.mark.parametrize(("path", "variant"), CASES, ids=[f"{p.stem}-{v}" for p, v in CASES])
def test_official_reads_an_old_case_exactly_as_before(path: Path, variant: str) -> None:
    """The API's answer and the printed trace of an old case are unchanged, line for line."""
    history = old_timeline(path, variant)
    for suffix, text in ((".json", to_json(history)), (".txt", render_text(history))):
        pin = PINS / f"{pin_stem(path, variant)}{suffix}"
        if os.environ.get("UPDATE_TIMELINE_PINS"):
            pin.write_text(text + "\n")
        assert text + "\n" == pin.read_text(), f"{pin.name} changed"


def test_every_old_history_is_pinned() -> None:
    """A history added to tests/histories/ must be pinned too (UPDATE_TIMELINE_PINS=1)."""
    assert len(OLD_HISTORIES) >= 7
    for path, variant in CASES:
        for suffix in (".json", ".txt"):
            pin = PINS / f"{pin_stem(path, variant)}{suffix}"
            assert pin.is_file(), f"no pin {pin.name}"
