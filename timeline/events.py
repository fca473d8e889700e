"""Reading a case's Temporal history: each run's events, decoded into what the timeline needs.

`Reader.recorded()` first gathers, from every run, each step's exact CaseEvent (by revision)
and how each update ended. A step's event is in history in one of these places:

- the result of its `record` local activity (a MarkerRecorded event), in runs recorded since
  workflows.patches.PATCH_RECORDED_EVENTS: such a run holds every step's event there;
- the input of its `record` activity, in the oldest runs (v1 to v3 ran `record` as a normal
  activity); later runs ran it as a local activity that returned nothing;
- a state snapshot, which carries the recent events: an update's answer, the final result,
  a run's input (the state continue-as-new carries over). The `record` activity's copy of
  an event wins over a snapshot's.

`Reader.read(run)` then turns one run's events, in order, into `Occurrence`s: the run began,
an activity closed, a step was taken (its search attributes), a timer, a signal, an update
accepted or completed, the run ended. Payloads this converter cannot decode are skipped.
Citizen contact details never reach workflow history; `reporter_id` is dropped on the way.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from temporalio.api.history.v1 import HistoryEvent
from temporalio.converter import PayloadConverter

from timeline.model import RunHistory
from workflows import search_attributes as sa
from workflows.patches import PATCH_RECORDED_EVENTS

RECORD = "record"  # the activity that writes each step, and (since the patch) returns its event
_LOCAL_ACTIVITY_MARKER = "core_local_activity"
_PATCH_MARKER = "core_patch"


@dataclass
class Activity:
    """An activity that completed (or failed) since the case's last step."""

    type: str
    input: Any
    result: Any
    ok: bool = True
    failure: str | None = None

    @property
    def data(self) -> dict[str, Any]:
        """Its input, when that decoded to an object (local activities keep none)."""
        return self.input if isinstance(self.input, dict) else {}

    @property
    def found(self) -> dict[str, Any] | None:
        """Its result, when that is an object (an assignment, a notice, a verdict)."""
        return self.result if isinstance(self.result, dict) else None


@dataclass
class Update:
    """An accepted update, open until it completes."""

    id: str
    name: str
    arg: dict[str, Any]
    failed: bool = False  # refused inside its handler: only the refusal is shown

    @property
    def actor(self) -> str:
        """Who sent it, as the request names them."""
        return str(self.arg.get("actor") or "unknown")


@dataclass
class Recorded:
    """What a case's history holds exactly: each step's CaseEvent, each update's ending."""

    events: dict[int, dict[str, Any]] = field(default_factory=dict)  # by revision
    outcomes: dict[str, str | None] = field(default_factory=dict)  # update id -> refusal or None
    runs_with_events: set[str] = field(default_factory=set)  # recorded since the patch


@dataclass
class RunStarted:
    """The run began, with the whole case state as its input."""

    state: dict[str, Any]
    previous_run_id: str  # "" for the case's first run


@dataclass
class ActivityClosed:
    """An activity other than `record` completed, failed or timed out."""

    activity: Activity


@dataclass
class StepTaken:
    """A step of the case: the search attributes every step sets (CaseStatus, ...)."""

    fields: dict[str, Any]


@dataclass
class TimerStarted:
    """A workflow timer started (an SLA or confirmation clock is running)."""


@dataclass
class TimerFired:
    """A workflow timer fired."""


@dataclass
class Signalled:
    """A signal arrived."""

    name: str
    args: list[Any]
    identity: str


@dataclass
class UpdateAccepted:
    """An update passed its validator and is being handled."""

    update: Update


@dataclass
class UpdateCompleted:
    """An update's handler finished: answered, or refused with a message."""

    update_id: str
    refusal: str | None


@dataclass
class RunEnded:
    """The run ended: completed (with the final state), continued as new, or abnormally."""

    outcome: str  # completed, continued_as_new, terminated, failed, timed_out, canceled
    state: dict[str, Any] | None = None
    new_run_id: str = ""
    reason: str = ""
    message: str = ""
    identity: str = ""


Occurrence = (
    RunStarted
    | ActivityClosed
    | StepTaken
    | TimerStarted
    | TimerFired
    | Signalled
    | UpdateAccepted
    | UpdateCompleted
    | RunEnded
)


class Reader:
    """Decodes history events with one payload converter."""

    def __init__(self, converter: PayloadConverter) -> None:
        """A reader decoding payloads with this converter."""
        self.pc = converter

    def values(self, payloads: Any) -> list[Any]:
        """Every value of a payload list, or none if this converter cannot decode them."""
        try:
            return list(self.pc.from_payloads(list(payloads)))
        except Exception:  # an encoding this converter does not know: skip the value
            return []

    def first(self, payloads: Any) -> Any:
        """The first value of a payload list, or None."""
        values = self.values(payloads)
        return values[0] if values else None

    # --- what history holds exactly -----------------------------------------------------------

    def recorded(self, runs: Sequence[RunHistory]) -> Recorded:
        """Every step's exact CaseEvent and every update's ending, from all the runs. What the
        `record` activity kept wins over a state snapshot's copy of the same event."""
        found, snapshots = Recorded(), Recorded()
        for run in runs:
            for event in run.events:
                self._gather(run.run_id, event, found, snapshots)
        for revision, event in snapshots.events.items():
            found.events.setdefault(revision, event)
        return found

    def _gather(
        self, run_id: str, event: HistoryEvent, found: Recorded, snapshots: Recorded
    ) -> None:
        """Keep what one event holds exactly: a CaseEvent, a patch marker, an update's ending."""
        name = event.WhichOneof("attributes")
        a = getattr(event, name) if name else None
        if name == "marker_recorded_event_attributes":
            if a.marker_name == _PATCH_MARKER:
                patch = (
                    self.first(a.details["patch-data"].payloads)
                    if "patch-data" in a.details
                    else None
                )
                if isinstance(patch, dict) and patch.get("id") == PATCH_RECORDED_EVENTS:
                    found.runs_with_events.add(run_id)
            elif self._marker_activity(a) == RECORD and "result" in a.details:
                if _remember(found, self.first(a.details["result"].payloads)):
                    found.runs_with_events.add(run_id)
        elif name == "activity_task_scheduled_event_attributes":
            if a.activity_type.name == RECORD:
                value = self.first(a.input.payloads)
                if isinstance(value, dict):
                    _remember(found, value.get("event"))
        elif name == "workflow_execution_update_completed_event_attributes":
            if a.outcome.HasField("failure"):
                found.outcomes[a.meta.update_id] = a.outcome.failure.message
            else:
                found.outcomes[a.meta.update_id] = None
                _remember_state(snapshots, self.first(a.outcome.success.payloads))
        elif name == "workflow_execution_completed_event_attributes":
            _remember_state(snapshots, self.first(a.result.payloads))
        elif name in (
            "workflow_execution_continued_as_new_event_attributes",
            "workflow_execution_started_event_attributes",
        ):
            _remember_state(snapshots, self.first(a.input.payloads))

    # --- one run, in order --------------------------------------------------------------------

    def read(self, run: RunHistory, recorded: Recorded) -> Iterator[tuple[datetime, Occurrence]]:
        """The run's occurrences, oldest first, each with its time (UTC)."""
        scheduled: dict[int, tuple[str, Any]] = {}
        for event in run.events:
            name = event.WhichOneof("attributes")
            if not name:
                continue
            a = getattr(event, name)
            at = event.event_time.ToDatetime(tzinfo=UTC)
            if name == "activity_task_scheduled_event_attributes":
                kind = a.activity_type.name
                scheduled[event.event_id] = (
                    kind,
                    None if kind == RECORD else self.first(a.input.payloads),
                )
                continue
            occurrence = self._occurrence(name, a, scheduled, recorded)
            if occurrence is not None:
                yield at, occurrence

    def _occurrence(
        self, name: str, a: Any, scheduled: dict[int, tuple[str, Any]], recorded: Recorded
    ) -> Occurrence | None:
        """What one event (other than a scheduled activity) means for the timeline, if anything."""
        short = name.removesuffix("_event_attributes")
        if short == "workflow_execution_started":
            state = state_of(self.first(a.input.payloads)) or {}
            if isinstance(state.get("complaint"), dict):
                state["complaint"].pop("reporter_id", None)
            return RunStarted(state, a.continued_execution_run_id)
        if short in ("activity_task_completed", "activity_task_failed", "activity_task_timed_out"):
            kind, data = scheduled.get(a.scheduled_event_id, ("", None))
            if not kind or kind == RECORD:
                return None
            if short == "activity_task_completed":
                return ActivityClosed(Activity(kind, data, self.first(a.result.payloads)))
            failure = (
                "timed out"
                if short == "activity_task_timed_out"
                else a.failure.cause.message or a.failure.message
            )
            return ActivityClosed(Activity(kind, data, None, ok=False, failure=failure))
        if short == "marker_recorded":
            return self._local_activity(a)
        if short == "timer_started":
            return TimerStarted()
        if short == "timer_fired":
            return TimerFired()
        if short == "workflow_execution_signaled":
            args = [_without_reporter(v) for v in self.values(a.input.payloads)]
            return Signalled(a.signal_name, args, a.identity)
        if short == "workflow_execution_update_accepted":
            request = a.accepted_request
            update_id = request.meta.update_id or a.protocol_instance_id
            args = self.values(request.input.args.payloads)
            arg = args[0] if args and isinstance(args[0], dict) else {}
            refused = recorded.outcomes.get(update_id) is not None
            return UpdateAccepted(Update(update_id, request.input.name, arg, failed=refused))
        if short == "workflow_execution_update_completed":
            refusal = a.outcome.failure.message if a.outcome.HasField("failure") else None
            return UpdateCompleted(a.meta.update_id, refusal)
        if short == "upsert_workflow_search_attributes":
            fields = {
                key: _scalar(self.first([payload]))
                for key, payload in a.search_attributes.indexed_fields.items()
            }
            # Every step sets CaseStatus; patch markers upsert only their own attribute.
            return StepTaken(fields) if sa.STATUS.name in fields else None
        return self._run_end(short, a)

    def _marker_activity(self, a: Any) -> str | None:
        """The activity type a local activity's marker is for; None for any other marker."""
        if a.marker_name != _LOCAL_ACTIVITY_MARKER or "data" not in a.details:
            return None
        data = self.first(a.details["data"].payloads)
        kind = data.get("activity_type") if isinstance(data, dict) else None
        return str(kind) if kind else None

    def _local_activity(self, a: Any) -> ActivityClosed | None:
        """A local activity's marker, other than `record`'s, as the activity it closed."""
        kind = self._marker_activity(a)
        if not kind or kind == RECORD:
            return None
        if a.HasField("failure"):
            return ActivityClosed(Activity(kind, None, None, ok=False, failure=a.failure.message))
        result = self.first(a.details["result"].payloads) if "result" in a.details else None
        return ActivityClosed(Activity(kind, None, result))

    def _run_end(self, short: str, a: Any) -> RunEnded | None:
        """How the run ended, if this event ends it."""
        if short == "workflow_execution_completed":
            return RunEnded("completed", state=state_of(self.first(a.result.payloads)))
        if short == "workflow_execution_continued_as_new":
            return RunEnded("continued_as_new", new_run_id=a.new_execution_run_id)
        if short == "workflow_execution_terminated":
            return RunEnded("terminated", reason=a.reason, identity=a.identity)
        if short == "workflow_execution_failed":
            return RunEnded("failed", message=a.failure.message)
        if short in ("workflow_execution_timed_out", "workflow_execution_canceled"):
            return RunEnded(short.removeprefix("workflow_execution_"))
        return None


def state_of(value: Any) -> dict[str, Any] | None:
    """A CaseState dict from a payload: the state itself, or an answer that carries it."""
    if not isinstance(value, dict):
        return None
    if "complaint" in value and "revision" in value:
        return value
    inner = value.get("state")
    if isinstance(inner, dict) and "complaint" in inner:
        return inner
    return None


def _without_reporter(value: Any) -> Any:
    """A signal's argument without the reporter's id (a re-complaint names its citizen)."""
    if isinstance(value, dict) and "reporter_id" in value:
        return {k: v for k, v in value.items() if k != "reporter_id"}
    return value


def _remember_state(found: Recorded, value: Any) -> None:
    """Keep the recent events a state snapshot carries."""
    for event in (state_of(value) or {}).get("recent_events") or []:
        _remember(found, event)


def _remember(found: Recorded, event: Any) -> bool:
    """Keep a CaseEvent (the first seen for its revision); whether the value was one."""
    if not isinstance(event, dict):
        return False
    revision = event.get("revision")
    if not isinstance(revision, int) or not event.get("kind"):
        return False
    found.events.setdefault(revision, event)
    return True


def _scalar(value: Any) -> Any:
    """A search attribute value; older encodings wrap a single value in a list."""
    if isinstance(value, list) and len(value) == 1:
        return value[0]
    return value
