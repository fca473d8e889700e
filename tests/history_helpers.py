"""Reading a case's Temporal history: its recorded CaseEvents, or as if recorded before them."""

from __future__ import annotations

import re

from temporalio.api.common.v1 import Payloads
from temporalio.client import WorkflowHistory
from temporalio.converter import DataConverter

from workflows.patches import PATCH_RECORDED_EVENTS

IST_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} IST$")


def forget_records(events) -> None:  # type: ignore[no-untyped-def]
    """Make a history read as one recorded before PATCH_RECORDED_EVENTS: drop every exact
    CaseEvent (`record` inputs and results, state snapshots) and the patch's marker."""
    null = Payloads(payloads=DataConverter.default.payload_converter.to_payloads([None]))
    for index in reversed(range(len(events))):
        kind = events[index].WhichOneof("attributes")
        a = getattr(events[index], kind)
        if kind == "activity_task_scheduled_event_attributes":
            if a.activity_type.name == "record":
                a.ClearField("input")
        elif kind == "marker_recorded_event_attributes":
            if a.marker_name == "core_patch" and PATCH_RECORDED_EVENTS.encode() in (
                a.details["patch-data"].payloads[0].data
            ):
                del events[index]
            elif a.marker_name == "core_local_activity" and b'"record"' in (
                a.details["data"].payloads[0].data
            ):
                a.details["result"].CopyFrom(null)
        elif kind == "workflow_execution_update_completed_event_attributes":
            if a.outcome.HasField("success"):
                a.outcome.success.ClearField("payloads")
        elif kind == "workflow_execution_completed_event_attributes":
            a.ClearField("result")


def recorded_events(events) -> list[dict | None]:  # type: ignore[no-untyped-def]
    """The result of every `record` local activity, in order, as history holds it (untyped):
    a CaseEvent dict since PATCH_RECORDED_EVENTS, None before."""
    convert = DataConverter.default.payload_converter
    results = []
    for event in events:
        a = event.marker_recorded_event_attributes
        if not event.HasField("marker_recorded_event_attributes"):
            continue
        if a.marker_name != "core_local_activity":
            continue
        [data] = convert.from_payloads(a.details["data"].payloads)
        if data.get("activity_type") == "record":
            [result] = convert.from_payloads(a.details["result"].payloads)
            results.append(result)
    return results


def records_events(history: WorkflowHistory) -> bool:
    """Whether a history was recorded since PATCH_RECORDED_EVENTS (its steps' events in it)."""
    return any(e is not None for e in recorded_events(history.events))


def in_order(kinds: list[str], expected: list[str]) -> bool:
    """True when `expected` occurs in `kinds` in this order (other kinds may come between)."""
    remaining = iter(kinds)
    return all(any(k == want for k in remaining) for want in expected)
