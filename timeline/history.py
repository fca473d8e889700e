"""A case's timeline, built from the Temporal event history of every run of its workflow.

Each step of a case goes through the workflow's `_step()`: one UpsertWorkflowSearchAttributes
event (CaseStatus, EscalationLevel, Supervisor, SlaDueAt, ...) and one `record` activity. In
older histories `record` is a normal activity whose input holds the exact CaseEvent; newer ones
run it as a local activity, whose marker keeps no input. So the builder walks the events in
order and reads each step from what caused it (the activity that just completed, the update or
signal being handled, the timer that fired), and uses the exact CaseEvent wherever history
holds one: a `record` input, or the recent events of a state snapshot (an update's answer, the
continue-as-new input, the final result). Updates, signals, timers and the run's end add the
entries no step records: proof submitted, the citizen's answer, SLA due, SLA breached.

Citizen contact details never reach workflow history, and the builder drops `reporter_id`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

import msgspec
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client, WorkflowHistory
from temporalio.converter import DataConverter, PayloadConverter
from temporalio.service import RPCError, RPCStatusCode

from domain import ids
from domain.sla import TOP_LEVEL, SlaPolicy

IST = timezone(timedelta(hours=5, minutes=30), "IST")  # India has no daylight saving time
SYSTEM = "system"
MAX_RUNS = 1000  # a case that continued-as-new more often than this is cut short, and says so
OPEN = frozenset({"ASSIGNED", "NOTICE_ISSUED", "ESCALATED", "REOPENED"})
_DEFAULT_POLICY = SlaPolicy(base_hours=0.0)
_TOLERANCE = timedelta(seconds=1)
_REASONS = {
    "sla_breach": "after the SLA breach",
    "recomplaints": "after repeated re-complaints",
    "recomplaint_after_breach": "on a re-complaint after an SLA breach",
}


@dataclass
class TimelineEntry:
    """One step of a case as an official reads it: when, what, who, and the details."""

    at: datetime  # UTC
    at_ist: str  # e.g. "2026-11-24 14:05:31 IST"
    kind: str  # stable machine name: filed, prioritized, assigned, notice_issued, sla_due, ...
    actor: str  # who did it: the filing app, the uploader, the citizen app, an official, system
    summary: str  # one readable English line
    detail: dict[str, Any]
    run_id: str  # the workflow run whose history holds it


@dataclass
class RunLink:
    """One run of the case's workflow (a case continues-as-new when its history grows)."""

    run_id: str
    started_at: datetime
    ended_at: datetime | None
    outcome: str  # running, completed, continued_as_new, terminated, failed, timed_out, canceled
    events: int
    temporal_ui_url: str


@dataclass
class Assignee:
    """The official who holds the case (at its end, for a closed case)."""

    official_id: int
    name: str
    designation: str | None = None
    level: int | None = None
    ward_id: str | None = None
    ward_name: str | None = None
    zone: str | None = None


@dataclass
class CaseHistory:
    """The whole timeline of a case, with links into the Temporal UI."""

    tracking_id: str
    workflow_id: str
    namespace: str
    status: str | None
    running: bool
    complete: bool  # False when earlier runs are gone (past retention) or were not fetched
    assignee: Assignee | None
    temporal_ui_url: str
    runs: list[RunLink]
    entries: list[TimelineEntry]


@dataclass
class RunHistory:
    """The events of one run, oldest first."""

    run_id: str
    events: Sequence[HistoryEvent]


# --- fetching ---------------------------------------------------------------------------------


async def fetch_runs(
    client: Client, workflow_id: str, *, rpc_timeout: timedelta | None = None
) -> tuple[list[RunHistory], bool]:
    """Every run of a workflow, oldest first, walking back from the latest through each run's
    `continued_execution_run_id`; and whether the chain is complete (earlier runs may be past
    the namespace's retention). Raises RPCError (NOT_FOUND) for an unknown workflow.
    """
    latest = await client.get_workflow_handle(workflow_id).describe(rpc_timeout=rpc_timeout)
    runs: list[RunHistory] = []
    run_id: str | None = latest.run_id
    complete = True
    while run_id:
        if len(runs) >= MAX_RUNS:
            complete = False
            break
        handle = client.get_workflow_handle(workflow_id, run_id=run_id)
        try:
            history = await handle.fetch_history(rpc_timeout=rpc_timeout)
        except RPCError as exc:
            if exc.status != RPCStatusCode.NOT_FOUND or not runs:
                raise
            complete = False  # an earlier run is past retention: keep what is left
            break
        events = list(history.events)
        runs.append(RunHistory(run_id, events))
        run_id = _previous_run(events)
    runs.reverse()
    return runs, complete


async def fetch_case_history(
    client: Client,
    workflow_id: str,
    *,
    ui_url: str | None = None,
    rpc_timeout: timedelta | None = None,
) -> CaseHistory:
    """Fetch every run of a case's workflow and build its timeline."""
    runs, complete = await fetch_runs(client, workflow_id, rpc_timeout=rpc_timeout)
    return build_timeline(
        workflow_id,
        runs,
        converter=client.data_converter.payload_converter,
        namespace=client.namespace,
        ui_url=ui_url,
        complete=complete,
    )


def runs_from_histories(histories: Iterable[WorkflowHistory]) -> list[RunHistory]:
    """RunHistory records from saved histories (e.g. `WorkflowHistory.from_json`), in order."""
    runs = []
    for history in histories:
        events = list(history.events)
        started = events[0].workflow_execution_started_event_attributes if events else None
        run_id = started.original_execution_run_id if started else ""
        runs.append(RunHistory(run_id, events))
    return runs


def _previous_run(events: Sequence[HistoryEvent]) -> str | None:
    if not events or not events[0].HasField("workflow_execution_started_event_attributes"):
        return None
    return events[0].workflow_execution_started_event_attributes.continued_execution_run_id or None


# --- building ---------------------------------------------------------------------------------


def build_timeline(
    workflow_id: str,
    runs: Sequence[RunHistory],
    *,
    converter: PayloadConverter | None = None,
    namespace: str = "default",
    ui_url: str | None = None,
    complete: bool = True,
) -> CaseHistory:
    """The timeline of a case from the histories of its runs (oldest first). Pure: no I/O."""
    pc = converter or DataConverter.default.payload_converter
    base = f"{(ui_url or 'http://127.0.0.1:8233').rstrip('/')}/namespaces/{quote(namespace)}"
    workflow_url = f"{base}/workflows/{quote(workflow_id, safe='')}"
    walker = _Walker(pc, runs)
    links = []
    for index, run in enumerate(runs):
        walker.walk(run, earliest=index == 0 and not _starts_case(run))
        links.append(walker.run_link(run, f"{workflow_url}/{quote(run.run_id, safe='')}/history"))
    walker.finish()
    running = bool(links) and links[-1].outcome == "running"
    tracking_id = workflow_id.removeprefix(ids.WORKFLOW_PREFIX)
    return CaseHistory(
        tracking_id=tracking_id,
        workflow_id=workflow_id,
        namespace=namespace,
        status=walker.status,
        running=running,
        complete=complete and (not runs or _starts_case(runs[0])),
        assignee=walker.assignee(),
        temporal_ui_url=workflow_url,
        runs=links,
        entries=walker.entries,
    )


def _starts_case(run: RunHistory) -> bool:
    return bool(run.events) and _previous_run(run.events) is None


@dataclass
class _Act:
    """A completed (or failed) activity since the last step."""

    type: str
    input: Any
    result: Any
    ok: bool = True
    failure: str | None = None

    @property
    def data(self) -> dict[str, Any]:
        return self.input if isinstance(self.input, dict) else {}

    @property
    def found(self) -> dict[str, Any] | None:
        return self.result if isinstance(self.result, dict) else None


@dataclass
class _Update:
    """An accepted update, open until it completes."""

    id: str
    name: str
    arg: dict[str, Any]
    failed: bool = False

    @property
    def actor(self) -> str:
        return str(self.arg.get("actor") or "unknown")


class _Walker:
    """Reads events in order, keeping just enough of the case's state to name each step."""

    def __init__(self, pc: PayloadConverter, runs: Sequence[RunHistory]) -> None:
        self.pc = pc
        self.entries: list[TimelineEntry] = []
        self.exact: dict[int, dict[str, Any]] = {}
        self.outcomes: dict[str, tuple[bool, str | None]] = {}
        for run in runs:
            self._prescan(run)
        self.run_id = ""
        self.complaint: dict[str, Any] = {}
        self.status: str | None = None
        self.level = 0
        self.priority: str | None = None
        self.sla_due: datetime | None = None
        self.assignment: dict[str, Any] | None = None
        self.revision = 0
        self.filings: set[str] = set()
        self.recomplaints = 0
        self.since_escalation = 0
        self.breaches = 0
        self.held_breaches = 0
        self.reminders = 0  # SLA breach notices so far (the L3 reminders)
        self.confirm_hours = _DEFAULT_POLICY.confirm_hours
        self.threshold = _DEFAULT_POLICY.recomplaint_threshold
        self.acts: list[_Act] = []
        self.scheduled: dict[int, tuple[str, Any]] = {}
        self.open: list[_Update] = []
        self.inbox: list[dict[str, Any]] = []
        self.timer_fired_at: datetime | None = None
        self.sla_pending: tuple[datetime, datetime] | None = None
        self.sla_announced: datetime | None = None
        self.last_kind: str | None = None
        self.last_recomplainer = "a citizen"
        self.run_open = False

    # --- decoding -----------------------------------------------------------------------------

    def _values(self, payloads: Any) -> list[Any]:
        try:
            return list(self.pc.from_payloads(list(payloads)))
        except Exception:  # an encoding this converter does not know: skip the value
            return []

    def _first(self, payloads: Any) -> Any:
        values = self._values(payloads)
        return values[0] if values else None

    def _prescan(self, run: RunHistory) -> None:
        """Exact CaseEvents (by revision) and update outcomes, from anywhere in history."""
        for event in run.events:
            name = event.WhichOneof("attributes")
            a = getattr(event, name) if name else None
            if name == "activity_task_scheduled_event_attributes":
                if a.activity_type.name == "record":
                    value = self._first(a.input.payloads)
                    if isinstance(value, dict) and isinstance(value.get("event"), dict):
                        self._remember(value["event"])
            elif name == "workflow_execution_update_completed_event_attributes":
                if a.outcome.HasField("failure"):
                    self.outcomes[a.meta.update_id] = (False, a.outcome.failure.message)
                else:
                    self.outcomes[a.meta.update_id] = (True, None)
                    self._remember_state(self._first(a.outcome.success.payloads))
            elif name == "workflow_execution_completed_event_attributes":
                self._remember_state(self._first(a.result.payloads))
            elif name == "workflow_execution_continued_as_new_event_attributes":
                self._remember_state(self._first(a.input.payloads))
            elif name == "workflow_execution_started_event_attributes":
                self._remember_state(self._first(a.input.payloads))

    def _remember_state(self, value: Any) -> None:
        state = _state_of(value)
        for event in (state or {}).get("recent_events") or []:
            if isinstance(event, dict):
                self._remember(event)

    def _remember(self, event: dict[str, Any]) -> None:
        revision = event.get("revision")
        if isinstance(revision, int) and event.get("kind"):
            self.exact.setdefault(revision, event)

    # --- the walk -----------------------------------------------------------------------------

    def walk(self, run: RunHistory, *, earliest: bool) -> None:
        """Read one run's events in order."""
        self.run_id = run.run_id
        self.scheduled.clear()
        self.open.clear()  # updates and signals belong to one run: the workflow drains them
        self.inbox.clear()
        self.run_open = True
        for event in run.events:
            name = event.WhichOneof("attributes")
            if not name:
                continue
            handler = getattr(self, "_on_" + name.removesuffix("_event_attributes"), None)
            if handler is not None:
                at = event.event_time.ToDatetime(tzinfo=UTC)
                if name == "workflow_execution_started_event_attributes":
                    handler(getattr(event, name), at, earliest)
                elif name == "activity_task_scheduled_event_attributes":
                    handler(getattr(event, name), at, event.event_id)
                else:
                    handler(getattr(event, name), at)

    def run_link(self, run: RunHistory, url: str) -> RunLink:
        """The run's summary and its link into the Temporal UI."""
        events = run.events
        first = events[0].event_time.ToDatetime(tzinfo=UTC) if events else datetime.now(UTC)
        outcome = "running"
        ended = None
        if events:
            name = (events[-1].WhichOneof("attributes") or "").removesuffix("_event_attributes")
            closing = {
                "workflow_execution_completed": "completed",
                "workflow_execution_continued_as_new": "continued_as_new",
                "workflow_execution_terminated": "terminated",
                "workflow_execution_failed": "failed",
                "workflow_execution_timed_out": "timed_out",
                "workflow_execution_canceled": "canceled",
            }
            if name in closing:
                outcome = closing[name]
                ended = events[-1].event_time.ToDatetime(tzinfo=UTC)
        return RunLink(run.run_id, first, ended, outcome, len(events), url)

    def finish(self) -> None:
        """What is still pending at the end of history: an SLA due, a deadline just passed."""
        self._flush_sla()
        fired = self.timer_fired_at
        if (
            self.run_open
            and fired is not None
            and self.status in OPEN
            and self.sla_due is not None
            and fired + _TOLERANCE >= self.sla_due
        ):
            self._breach_entry(fired, pending=True)

    def assignee(self) -> Assignee | None:
        """The current (or, for a closed case, the last) assignee."""
        a = self.assignment
        if not a or not isinstance(a.get("official_id"), int):
            return None
        return Assignee(
            official_id=a["official_id"],
            name=str(a.get("official_name") or ""),
            designation=a.get("designation"),
            level=a.get("level"),
            ward_id=a.get("ward_id"),
            ward_name=a.get("ward_name"),
            zone=a.get("zone"),
        )

    # --- events -------------------------------------------------------------------------------

    def _on_workflow_execution_started(self, a: Any, at: datetime, earliest: bool) -> None:
        state = _state_of(self._first(a.input.payloads)) or {}
        self._seed(state)
        previous = a.continued_execution_run_id
        if previous and earliest:
            # Earlier runs are gone (retention): tell so, and show the steps the run carried.
            carried = [e for e in state.get("recent_events") or [] if isinstance(e, dict)]
            self._emit(
                at,
                "history_truncated",
                SYSTEM,
                {"previous_run_id": previous, "carried_events": len(carried)},
            )
            for event in carried:
                detail = dict(event.get("detail") or {})
                detail["carried"] = True
                self._emit(
                    _dt(event.get("at")) or at,
                    str(event.get("kind")),
                    str(event.get("actor") or SYSTEM),
                    detail,
                    run_id=previous,
                )

    def _seed(self, state: dict[str, Any]) -> None:
        """Take the case's state from a run's input (the whole state travels across runs)."""
        if not state:
            return
        self.complaint = dict(state.get("complaint") or {})
        self.complaint.pop("reporter_id", None)
        self.revision = int(state.get("revision") or 0)
        if state.get("status") and self.revision:
            self.status = state["status"]
        self.level = int(state.get("escalation_level") or 0)
        priority = state.get("priority")
        self.priority = f"P{priority}" if priority else None
        self.sla_due = _dt(state.get("sla_due_at"))
        if isinstance(state.get("assignment"), dict):
            self.assignment = dict(state["assignment"])
        self.filings = set(state.get("filings") or [])
        self.recomplaints = int(state.get("recomplaints") or 0)
        self.since_escalation = int(state.get("recomplaints_since_escalation") or 0)
        self.breaches = int(state.get("sla_breaches") or 0)
        self.held_breaches = int(state.get("breaches_while_held") or 0)
        notices = [n for n in state.get("notices") or [] if isinstance(n, dict)]
        self.reminders = sum(1 for n in notices if n.get("kind") == "sla_breach")
        policy = state.get("policy") or {}
        self.confirm_hours = float(policy.get("confirm_hours") or _DEFAULT_POLICY.confirm_hours)
        self.threshold = int(
            policy.get("recomplaint_threshold") or _DEFAULT_POLICY.recomplaint_threshold
        )

    def _on_activity_task_scheduled(self, a: Any, at: datetime, event_id: int) -> None:
        data = self._first(a.input.payloads) if a.activity_type.name != "record" else None
        self.scheduled[event_id] = (a.activity_type.name, data)

    def _on_activity_task_completed(self, a: Any, at: datetime) -> None:
        kind, data = self.scheduled.get(a.scheduled_event_id, ("", None))
        if kind and kind != "record":
            self.acts.append(_Act(kind, data, self._first(a.result.payloads)))

    def _on_activity_task_failed(self, a: Any, at: datetime) -> None:
        kind, data = self.scheduled.get(a.scheduled_event_id, ("", None))
        if kind and kind != "record":
            message = a.failure.cause.message or a.failure.message
            self.acts.append(_Act(kind, data, None, ok=False, failure=message))

    def _on_activity_task_timed_out(self, a: Any, at: datetime) -> None:
        kind, data = self.scheduled.get(a.scheduled_event_id, ("", None))
        if kind and kind != "record":
            self.acts.append(_Act(kind, data, None, ok=False, failure="timed out"))

    def _on_marker_recorded(self, a: Any, at: datetime) -> None:
        if a.marker_name != "core_local_activity":
            return
        data = self._first(a.details["data"].payloads) if "data" in a.details else None
        kind = data.get("activity_type") if isinstance(data, dict) else None
        if not kind or kind == "record":
            return
        if a.HasField("failure"):
            self.acts.append(_Act(kind, None, None, ok=False, failure=a.failure.message))
        else:
            result = self._first(a.details["result"].payloads) if "result" in a.details else None
            self.acts.append(_Act(kind, None, result))

    def _on_timer_started(self, a: Any, at: datetime) -> None:
        if self.status in OPEN:
            self._flush_sla(at)  # the SLA clock is running: announce its deadline

    def _on_timer_fired(self, a: Any, at: datetime) -> None:
        self.timer_fired_at = at

    def _on_workflow_execution_signaled(self, a: Any, at: datetime) -> None:
        args = self._values(a.input.payloads)
        if a.signal_name == "recomplain":
            if args and isinstance(args[0], dict):
                report = dict(args[0])
                report.pop("reporter_id", None)
                self.inbox.append(report)
            return
        self._emit(at, "signal", a.identity or "unknown", {"name": a.signal_name})

    def _on_workflow_execution_update_accepted(self, a: Any, at: datetime) -> None:
        request = a.accepted_request
        update_id = request.meta.update_id or a.protocol_instance_id
        args = self._values(request.input.args.payloads)
        arg = args[0] if args and isinstance(args[0], dict) else {}
        ok, _ = self.outcomes.get(update_id, (True, None))
        update = _Update(update_id, request.input.name, arg, failed=not ok)
        self.open.append(update)
        if not ok:
            return  # refused inside the handler: only the refusal is shown, when it comes
        if update.name == "submit_proof":
            detail = {
                "after_key": arg.get("after_key"),
                "before_key": arg.get("before_key"),
                "note": arg.get("note"),
                "official_id": arg.get("official_id"),
            }
            self._emit(at, "proof_submitted", update.actor, _compact(detail))
        elif update.name == "feedback":
            if arg.get("action") == "confirm":
                self._emit(at, "citizen_confirmed", update.actor, {})
            else:
                reason = str(arg.get("reason") or "").strip()
                self._emit(at, "citizen_reopened", update.actor, {"reason": reason})
        elif update.name not in ("reassign", "withdraw"):
            self._emit(at, "update", update.actor, {"name": update.name})

    def _on_workflow_execution_update_completed(self, a: Any, at: datetime) -> None:
        update_id = a.meta.update_id
        update = next((u for u in self.open if u.id == update_id), None)
        if update is not None:
            self.open.remove(update)
        if a.outcome.HasField("failure"):
            name = update.name if update else "update"
            actor = update.actor if update else "unknown"
            detail = {"request": name, "message": a.outcome.failure.message}
            self._emit(at, "request_failed", actor, detail)

    def _on_workflow_execution_completed(self, a: Any, at: datetime) -> None:
        self.run_open = False
        state = _state_of(self._first(a.result.payloads))
        if state and isinstance(state.get("assignment"), dict):
            self.assignment = dict(state["assignment"])
        if state and state.get("status"):
            self.status = state["status"]

    def _on_workflow_execution_continued_as_new(self, a: Any, at: datetime) -> None:
        self.run_open = False
        self._flush_sla()
        detail = {"new_run_id": a.new_execution_run_id, "previous_run_id": self.run_id}
        self._emit(at, "continued_as_new", SYSTEM, detail)

    def _on_workflow_execution_terminated(self, a: Any, at: datetime) -> None:
        self.run_open = False
        self._emit(at, "terminated", a.identity or "unknown", {"reason": a.reason})

    def _on_workflow_execution_failed(self, a: Any, at: datetime) -> None:
        self.run_open = False
        self._emit(at, "failed", SYSTEM, {"message": a.failure.message})

    def _on_workflow_execution_timed_out(self, a: Any, at: datetime) -> None:
        self.run_open = False
        self._emit(at, "timed_out", SYSTEM, {})

    def _on_workflow_execution_canceled(self, a: Any, at: datetime) -> None:
        self.run_open = False
        self._emit(at, "canceled", SYSTEM, {})

    def _on_upsert_workflow_search_attributes(self, a: Any, at: datetime) -> None:
        fields = {
            name: _scalar(self._first([payload]))
            for name, payload in a.search_attributes.indexed_fields.items()
        }
        if "CaseStatus" in fields:  # every step sets it; patch markers upsert only their own
            self._step(fields, at)

    # --- steps --------------------------------------------------------------------------------

    def _step(self, fields: dict[str, Any], at: datetime) -> None:
        self.revision += 1
        status = str(fields.get("CaseStatus") or self.status or "")
        level = fields.get("EscalationLevel")
        level = level if isinstance(level, int) else self.level
        sla = _dt(fields.get("SlaDueAt")) if "SlaDueAt" in fields else self.sla_due
        exact = self.exact.get(self.revision)
        if exact is not None and exact.get("status") not in (None, status):
            exact = None  # not the step we are at: infer it instead
        if exact is not None:
            kind = str(exact["kind"])
            actor = str(exact.get("actor") or SYSTEM)
            detail = dict(exact.get("detail") or {})
            at = _dt(exact.get("at")) or at
        else:
            kind, actor, detail = self._infer(status, level)
        if kind != "notice_issued":
            self._flush_sla()
        self._apply(kind, actor, detail, at, status, level, sla)
        if isinstance(fields.get("Priority"), str):
            self.priority = fields["Priority"]
        self._supervisor(fields.get("Supervisor"))
        self.status, self.level = status, level
        if sla is not None and sla != self.sla_due and status in OPEN:
            self.sla_pending = (sla, at)
        self.sla_due = sla
        self.acts.clear()
        self.timer_fired_at = None
        self.last_kind = kind

    def _last(self, *types: str) -> _Act | None:
        acts = [a for a in self.acts if a.type not in ("record", "record_score")]
        if acts and (not types or acts[-1].type in types):
            return acts[-1]
        return None

    def _open_update(self, name: str) -> _Update | None:
        return next((u for u in self.open if u.name == name and not u.failed), None)

    def _infer(self, status: str, level: int) -> tuple[str, str, dict[str, Any]]:
        """Name a step whose CaseEvent is not in history, from what led to it."""
        last = self._last()
        if self.revision == 1:
            return "filed", str(self.complaint.get("source") or "unknown"), {}
        if status == "WITHDRAWN" and self.status != "WITHDRAWN":
            request = self._open_update("withdraw")
            reason = str(request.arg.get("reason") or "").strip() if request else ""
            return "withdrawn", request.actor if request else "unknown", {"reason": reason}
        if status == "OUTSIDE_CITY":
            return "outside_city", SYSTEM, {}
        if status == "CLOSED" and self.status != "CLOSED":
            feedback = self._open_update("feedback")
            if feedback is not None and feedback.arg.get("action") == "confirm":
                detail = {"reason": "confirmed by the citizen", "confirmed": True}
                return "closed", feedback.actor, detail
            hours = f"{self.confirm_hours:g}"
            reason = f"closed: the citizen did not answer within {hours} h"
            return "closed", SYSTEM, {"reason": reason, "confirmed": False}
        if last is not None and last.type == "prioritize":
            return "prioritized", SYSTEM, {"priority": f"P{last.result}"}
        if last is not None and last.type == "assign_zone":
            if not last.found:
                return "outside_city", SYSTEM, {}
            return "assigned", SYSTEM, {}
        if last is not None and last.type == "issue_notice":
            if not last.ok:
                return "notice_failed", SYSTEM, {"reason": last.failure}
            return "notice_issued", SYSTEM, {}
        if last is not None and last.type == "verify_proof":
            proof = self._open_update("submit_proof")
            actor = proof.actor if proof else "unknown"
            verdict = last.found or {}
            if verdict.get("accepted"):
                return "proof_accepted", actor, {}
            detail = {k: verdict.get(k) for k in ("reason", "field", "code")}
            return "proof_rejected", actor, detail
        if last is not None and last.type == "find_official":
            request = self._open_update("reassign")
            named = last.data.get("official_id") is not None
            unmoved = status == self.status and level == self.level
            if named or (request is not None and unmoved and not last.data):
                detail = {"reason": str(request.arg.get("reason") or "").strip()} if request else {}
                return "reassigned", request.actor if request else "unknown", detail
            return "escalated", *self._escalation_cause(status)
        if self.timer_fired_at is not None and status in OPEN and level >= TOP_LEVEL:
            return "sla_breached", SYSTEM, {}
        if self._next_report() is not None:
            return "recomplaint", str(self._next_report().get("source") or "unknown"), {}
        return "updated", SYSTEM, {"status": status}

    def _escalation_cause(self, status: str) -> tuple[str, dict[str, Any]]:
        if status == "REOPENED":
            feedback = self._open_update("feedback")
            if feedback is not None and feedback.arg.get("action") == "reopen":
                reason = str(feedback.arg.get("reason") or "").strip()
                return feedback.actor, {"reason": f"reopened: {reason}"}
            return self.last_recomplainer, {
                "reason": "reopened: a citizen reported the problem again"
            }
        if self.last_kind == "recomplaint" and self.level < TOP_LEVEL:
            if self.breaches > 0:
                return self.last_recomplainer, {"reason": "recomplaint_after_breach"}
            if self.since_escalation >= self.threshold:
                return self.last_recomplainer, {"reason": "recomplaints"}
        return SYSTEM, {"reason": "sla_breach"}

    def _next_report(self) -> dict[str, Any] | None:
        for report in self.inbox:
            if report.get("filing_id") not in self.filings:
                return report
        return None

    def _apply(
        self,
        kind: str,
        actor: str,
        detail: dict[str, Any],
        at: datetime,
        status: str,
        level: int,
        sla: datetime | None,
    ) -> None:
        """Fill in a step's detail from what history holds, follow its effect, and emit it."""
        detail.setdefault("status", status)
        if kind == "filed":
            c = self.complaint
            for key in ("category", "city", "latitude", "longitude", "address", "language"):
                detail.setdefault(key, c.get(key))
            detail.setdefault("description", c.get("description"))
            detail.setdefault("filed_at", c.get("filed_at"))
            if level:
                detail.setdefault("level", level)
        elif kind == "prioritized":
            self.priority = str(detail.get("priority") or self.priority or "")
        elif kind == "assigned":
            found = (self._last("assign_zone") or _Act("", None, None)).found
            if found:
                self._hand_over(found)
                detail.setdefault("match", found.get("match"))
            self._describe_assignee(detail, level)
        elif kind == "notice_issued":
            ref = (self._last("issue_notice") or _Act("", None, None)).found or {}
            detail.setdefault("notice", ref.get("notice_id"))
            detail.setdefault("notice_kind", ref.get("kind"))
            detail.setdefault("level", ref.get("level", level))
            detail.setdefault("assignee", (self.assignment or {}).get("official_name"))
            detail.setdefault("key", ref.get("key_id"))
            if ref.get("pdf_sha256"):
                detail.setdefault("pdf_sha256", ref["pdf_sha256"])
            if detail.get("notice_kind") == "sla_breach":
                self.reminders += 1
        elif kind == "escalated":
            old = dict(self.assignment or {})
            found = (self._last("find_official") or _Act("", None, None)).found
            if found and found.get("official_id") != old.get("official_id"):
                self._hand_over(found)
            if detail.get("reason") == "sla_breach":
                self.breaches += 1
                self._breach_entry(self.timer_fired_at or at, holder=old, level=self.level)
            self.since_escalation = 0
            detail.setdefault("from_official", old.get("official_name"))
            detail.setdefault("level", level)
            self._describe_assignee(detail, level)
            if sla is not None:
                detail.setdefault("sla_due_at", sla.isoformat())
        elif kind == "reassigned":
            old = dict(self.assignment or {})
            found = (self._last("find_official") or _Act("", None, None)).found
            if found:
                self._hand_over(found)
            detail.setdefault("from_official", old.get("official_name"))
            self._describe_assignee(detail, level)
        elif kind == "sla_breached":
            self.breaches += 1
            self.held_breaches += 1
            holder = self.assignment or {}
            detail.setdefault("official", holder.get("official_name"))
            detail.setdefault("level", level)
            detail.setdefault("reminder", self.reminders + 1)
            detail.setdefault("due_at", self.sla_due.isoformat() if self.sla_due else None)
            if sla is not None and sla != self.sla_due:
                detail.setdefault("next_due", sla.isoformat())
            at = self.timer_fired_at or at
        elif kind == "recomplaint":
            report = self._take_report(detail.get("filing"))
            self.recomplaints += 1
            self.since_escalation += 1
            self.last_recomplainer = actor
            if report is not None:
                detail.setdefault("filing", report.get("filing_id"))
                distance = report.get("distance_m")
                if isinstance(distance, int | float):
                    detail.setdefault("distance_m", round(distance, 1))
            detail.setdefault("count", self.recomplaints)
        elif kind == "proof_rejected":
            verdict = (self._last("verify_proof") or _Act("", None, None)).found or {}
            for key in ("reason", "field", "code"):
                if detail.get(key) is None and verdict.get(key) is not None:
                    detail[key] = verdict[key]
        elif kind == "proof_accepted":
            verdict = (self._last("verify_proof") or _Act("", None, None)).found or {}
            holder = self.assignment or {}
            detail.setdefault("official", holder.get("official_name"))
            if "on_time" not in detail:
                due = self.sla_due
                detail["on_time"] = self.held_breaches == 0 and (due is None or at <= due)
            photos = [
                {k: p.get(k) for k in ("role", "sha256", "content_type", "flags", "distance_m")}
                for p in verdict.get("photos") or []
                if isinstance(p, dict)
            ]
            if photos:
                detail["photos"] = photos
                for p in photos:
                    detail.setdefault(f"{p['role']}_sha256", p["sha256"])
        self._emit(at, kind, actor, _compact(detail))

    def _hand_over(self, found: dict[str, Any]) -> None:
        self.assignment = dict(found)
        self.held_breaches = 0

    def _describe_assignee(self, detail: dict[str, Any], level: int) -> None:
        a = self.assignment or {}
        detail.setdefault("official", a.get("official_name"))
        detail.setdefault("official_id", a.get("official_id"))
        detail.setdefault("designation", a.get("designation"))
        detail.setdefault("official_level", a.get("level", level))
        detail.setdefault("ward", a.get("ward_id"))
        detail.setdefault("ward_name", a.get("ward_name"))
        detail.setdefault("zone", a.get("zone"))

    def _take_report(self, filing: Any) -> dict[str, Any] | None:
        """The re-complaint a recomplaint step counted (repeats of a filing were skipped)."""
        for index, report in enumerate(self.inbox):
            seen = report.get("filing_id") in self.filings
            if (filing is not None and report.get("filing_id") == filing) or (
                filing is None and not seen
            ):
                del self.inbox[: index + 1]
                self.filings.add(str(report.get("filing_id")))
                return report
        if filing is not None:
            self.filings.add(str(filing))
        return None

    def _supervisor(self, value: Any) -> None:
        """Keep the assignee in step with the Supervisor attribute ("Name #id")."""
        if not isinstance(value, str) or " #" not in value:
            return
        name, _, number = value.rpartition(" #")
        if not number.isdigit():
            return
        if (self.assignment or {}).get("official_id") != int(number):
            self.assignment = {"official_id": int(number), "official_name": name}

    def _breach_entry(
        self,
        at: datetime,
        *,
        holder: dict[str, Any] | None = None,
        level: int | None = None,
        pending: bool = False,
    ) -> None:
        holder = holder if holder is not None else (self.assignment or {})
        detail = {
            "due_at": self.sla_due.isoformat() if self.sla_due else None,
            "official": holder.get("official_name"),
            "official_id": holder.get("official_id"),
            "level": self.level if level is None else level,
        }
        if pending:
            detail["pending"] = True
        self._emit(at, "sla_breached", SYSTEM, _compact(detail))

    def _flush_sla(self, at: datetime | None = None) -> None:
        """Announce a new SLA deadline once: when its clock starts, or before the next step."""
        if self.sla_pending is None:
            return
        due, set_at = self.sla_pending
        self.sla_pending = None
        if due == self.sla_announced:
            return
        self.sla_announced = due
        when = at or (self.entries[-1].at if self.entries else set_at)
        a = self.assignment or {}
        detail = {
            "due_at": due.isoformat(),
            "set_at": set_at.isoformat(),
            "official": a.get("official_name"),
            "official_id": a.get("official_id"),
            "level": self.level,
            "priority": self.priority,
        }
        self._emit(max(when, set_at), "sla_due", SYSTEM, _compact(detail))

    def _emit(
        self, at: datetime, kind: str, actor: str, detail: dict[str, Any], run_id: str | None = None
    ) -> None:
        self.entries.append(
            TimelineEntry(
                at=at,
                at_ist=format_ist(at),
                kind=kind,
                actor=actor,
                summary=summarize(kind, actor, detail),
                detail=detail,
                run_id=run_id or self.run_id,
            )
        )


# --- words ------------------------------------------------------------------------------------


def format_ist(value: datetime | str | None) -> str:
    """A time as officials read it: "2026-11-24 14:05:31 IST"."""
    moment = _dt(value)
    if moment is None:
        return "?"
    return moment.astimezone(IST).strftime("%Y-%m-%d %H:%M:%S IST")


def summarize(kind: str, actor: str, d: dict[str, Any]) -> str:
    """One readable English line for a timeline entry."""
    official = d.get("official") or "the assignee"
    who = " ".join(str(p) for p in (d.get("designation"), d.get("official")) if p)
    level = d.get("level")
    if kind == "filed":
        where = f"{d.get('latitude')}, {d.get('longitude')}"
        if d.get("address"):
            where = f"{d['address']} ({where})"
        line = f"Filed by {actor}: {_words(d.get('category'))} in {d.get('city')}, at {where}"
        return line + (f", starting at level {level}" if level else "")
    if kind == "prioritized":
        return f"Prioritised {d.get('priority')}"
    if kind == "assigned":
        ward = " ".join(str(p) for p in (d.get("ward"), d.get("ward_name")) if p)
        text = f"Assigned to {official}"
        text += f", {d['designation']}" if d.get("designation") else ""
        text += f" (ward {ward}" if ward else ""
        text += f", {d['zone']} zone)" if ward and d.get("zone") else (")" if ward else "")
        return text
    if kind == "notice_issued":
        return (
            f"Notice {d.get('notice')} issued ({_words(d.get('notice_kind'))}, "
            f"level {level}) to {d.get('assignee') or 'the assignee'}"
        )
    if kind == "notice_failed":
        return f"Notice ({_words(d.get('notice_kind'))}) could not be issued: {d.get('reason')}"
    if kind == "sla_due":
        return f"SLA due {format_ist(d.get('due_at'))}, with {official} (level {level})"
    if kind == "sla_breached":
        if d.get("pending"):
            return f"SLA breached: due {format_ist(d.get('due_at'))}; escalation pending"
        if d.get("reminder") is not None or d.get("next_due"):
            text = f"SLA breached at level {level}: {official} still holds the case"
            if d.get("reminder") is not None:
                text += f", reminder {d['reminder']}"
            return text + (f", next due {format_ist(d['next_due'])}" if d.get("next_due") else "")
        return (
            f"SLA breached: due {format_ist(d.get('due_at'))}, "
            f"not resolved by {official} (level {level})"
        )
    if kind == "escalated":
        reason = str(d.get("reason") or "")
        if reason.startswith("reopened: "):
            why = f"as the case was reopened ({reason.removeprefix('reopened: ')})"
        else:
            why = _REASONS.get(reason, reason and f"({reason})")
        if d.get("from_official") and d.get("from_official") == d.get("official"):
            return f"Escalated to level {level} {why}; {official} keeps the case".replace("  ", " ")
        return f"Escalated to {who or official} (level {level}) {why}".strip()
    if kind == "proof_submitted":
        roles = [r for r in ("after", "before") if d.get(f"{r}_key")]
        photos = " and ".join(roles) or "no"
        return f"Proof submitted by {actor}: {photos} photo" + ("s" if len(roles) > 1 else "")
    if kind == "proof_rejected":
        return f"Proof rejected: {d.get('reason')}"
    if kind == "proof_accepted":
        timing = "on time" if d.get("on_time") else "late"
        hashes = [
            f"{r} photo sha256 {str(d[f'{r}_sha256'])[:12]}…"
            for r in ("after", "before")
            if d.get(f"{r}_sha256")
        ]
        return f"Proof accepted from {official} ({timing})" + (
            f": {', '.join(hashes)}" if hashes else ""
        )
    if kind == "citizen_confirmed":
        return f"Citizen confirmed the fix (via {actor})"
    if kind == "citizen_reopened":
        return f"Citizen reopened the case (via {actor}): {d.get('reason')}"
    if kind == "recomplaint":
        distance = d.get("distance_m")
        where = f", {distance} m away" if distance is not None else ""
        return f"Re-complaint #{d.get('count')} from {actor}{where}"
    if kind == "reassigned":
        text = f"Reassigned by {actor} from {d.get('from_official')} to {official}"
        text += f", {d['designation']}" if d.get("designation") else ""
        return text + (f": {d['reason']}" if d.get("reason") else "")
    if kind == "withdrawn":
        return f"Withdrawn by {actor}: {d.get('reason')}"
    if kind == "closed":
        return f"Closed: {str(d.get('reason') or 'done').removeprefix('closed: ')}"
    if kind == "outside_city":
        return "Closed: the location is outside every ward of the city"
    if kind == "continued_as_new":
        return f"History continued in a new run ({d.get('new_run_id')}); the case carries on"
    if kind == "history_truncated":
        return (
            "Earlier runs are past Temporal's retention; the steps that follow until this run "
            "began are the recent events its state carried"
        )
    if kind == "request_failed":
        return f"{_words(d.get('request')).capitalize()} by {actor} was refused: {d.get('message')}"
    if kind == "terminated":
        return f"Workflow terminated by {actor}" + (f": {d['reason']}" if d.get("reason") else "")
    if kind == "failed":
        return f"Workflow failed: {d.get('message')}"
    if kind == "signal":
        return f"Signal {d.get('name')} received"
    if kind == "update":
        return f"Update {d.get('name')} from {actor}"
    if kind == "updated":
        return f"Status {d.get('status')}"
    return _words(kind).capitalize() + (f" by {actor}" if actor != SYSTEM else "")


def render_text(history: CaseHistory) -> str:
    """The timeline as `civicops trace` prints it: a header, the runs, one line per entry."""
    lines = [
        f"{history.tracking_id}  {history.status or '?'}"
        + ("  (running)" if history.running else "")
        + (f"  held by {history.assignee.name}" if history.assignee else ""),
        f"Temporal UI: {history.temporal_ui_url}",
    ]
    for number, run in enumerate(history.runs, 1):
        lines.append(
            f"  run {number}: {run.run_id}  {run.outcome}, {run.events} events  "
            f"{run.temporal_ui_url}"
        )
    if not history.complete:
        lines.append("  (earlier runs are no longer in Temporal: the timeline starts later)")
    lines.append("")
    width = max((len(e.kind) for e in history.entries), default=10)
    actor_width = min(max((len(e.actor) for e in history.entries), default=6), 24)
    for entry in history.entries:
        lines.append(
            f"{entry.at_ist}  {entry.kind:<{width}}  {entry.actor:<{actor_width}}  {entry.summary}"
        )
    return "\n".join(lines)


def to_json(history: CaseHistory) -> str:
    """The timeline as JSON, the same shape the API answers with."""
    return json.dumps(msgspec.to_builtins(history), indent=2, ensure_ascii=False)


# --- helpers ----------------------------------------------------------------------------------


def _state_of(value: Any) -> dict[str, Any] | None:
    """A CaseState dict from a payload: the state itself, or an answer that carries it."""
    if not isinstance(value, dict):
        return None
    if "complaint" in value and "revision" in value:
        return value
    inner = value.get("state")
    if isinstance(inner, dict) and "complaint" in inner:
        return inner
    return None


def _dt(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _scalar(value: Any) -> Any:
    """A search attribute value; older encodings wrap a single value in a list."""
    if isinstance(value, list) and len(value) == 1:
        return value[0]
    return value


def _words(value: Any) -> str:
    return str(value or "").replace("_", " ")


def _compact(detail: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in detail.items() if v is not None}
