"""A case's timeline, built from the Temporal history of every run of its workflow.

Each step of a case goes through the workflow's `_step()`: one UpsertWorkflowSearchAttributes
event (CaseStatus, EscalationLevel, Supervisor, SlaDueAt, ...) and one `record` activity. The
builder walks each run's occurrences (timeline/events.py) in order and, at each step, takes
its exact CaseEvent where history holds one. A run recorded since PATCH_RECORDED_EVENTS holds
them all and is read as it is: nothing inferred. For an older run, a step whose event history
does not hold is named from what led to it (timeline/inference.py).

Then each step is filled in from the facts history holds beside it (the assignment found, the
notice issued, the photos checked) and its effect followed (who holds the case, the SLA
deadline). Updates, signals, timers and the run's end add the entries no step records: proof
submitted, the citizen's answer, SLA due, SLA breached, a refused request, a new run.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from temporalio.client import Client
from temporalio.converter import DataConverter, PayloadConverter

from domain import ids
from domain.lifecycle import EscalationCause
from domain.states import OPEN, EventKind
from timeline.case import CaseSoFar
from timeline.events import (
    ActivityClosed,
    Reader,
    Recorded,
    RunEnded,
    RunStarted,
    Signalled,
    StepTaken,
    TimerFired,
    TimerStarted,
    Update,
    UpdateAccepted,
    UpdateCompleted,
)
from timeline.inference import Inference, StepCause
from timeline.model import SYSTEM, CaseHistory, EntryKind, RunHistory, TimelineEntry
from timeline.render import as_datetime, format_ist, summarize
from timeline.runs import fetch_runs, run_link, starts_case
from workflows import search_attributes as sa

_TOLERANCE = timedelta(seconds=1)


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
    reader = Reader(converter or DataConverter.default.payload_converter)
    base = f"{(ui_url or 'http://127.0.0.1:8233').rstrip('/')}/namespaces/{quote(namespace)}"
    workflow_url = f"{base}/workflows/{quote(workflow_id, safe='')}"
    walker = _Walker(reader.recorded(runs))
    links = []
    for index, run in enumerate(runs):
        walker.walk(reader, run, earliest=index == 0 and not starts_case(run))
        links.append(run_link(run, f"{workflow_url}/{quote(run.run_id, safe='')}/history"))
    walker.finish()
    return CaseHistory(
        tracking_id=workflow_id.removeprefix(ids.WORKFLOW_PREFIX),
        workflow_id=workflow_id,
        namespace=namespace,
        status=walker.case.status,
        running=bool(links) and links[-1].outcome == "running",
        complete=complete and (not runs or starts_case(runs[0])),
        assignee=walker.case.assignee(),
        temporal_ui_url=workflow_url,
        runs=links,
        entries=walker.entries,
    )


class _Walker:
    """Follows the case through its runs' occurrences, keeping what names and fills each step."""

    def __init__(self, recorded: Recorded) -> None:
        """A walker over a case whose exact events are `recorded`."""
        self.recorded = recorded
        self.entries: list[TimelineEntry] = []
        self.inference = Inference()
        self.run_id = ""
        self.exact = False  # this run holds every step's event (recorded since the patch)
        self.case = CaseSoFar()
        self.open: list[Update] = []
        self.sla_pending: tuple[datetime, datetime] | None = None
        self.sla_announced: datetime | None = None
        self.run_open = False

    def walk(self, reader: Reader, run: RunHistory, *, earliest: bool) -> None:
        """Read one run's occurrences in order."""
        self.run_id = run.run_id
        self.exact = run.run_id in self.recorded.runs_with_events
        self.open.clear()  # updates and signals belong to one run: the workflow drains them
        self.run_open = True
        for at, occurrence in reader.read(run, self.recorded):
            match occurrence:
                case RunStarted():
                    self._started(occurrence, at, earliest)
                case ActivityClosed(activity=activity):
                    self.case.acts.append(activity)
                case StepTaken(fields=fields):
                    self._step(fields, at)
                case TimerStarted():
                    if self.case.status in OPEN:
                        self._flush_sla(at)  # the SLA clock is running: announce its deadline
                case TimerFired():
                    self.case.timer_fired_at = at
                case Signalled():
                    self._signalled(occurrence, at)
                case UpdateAccepted(update=update):
                    self._update_accepted(update, at)
                case UpdateCompleted():
                    self._update_completed(occurrence, at)
                case RunEnded():
                    self._ended(occurrence, at)

    def finish(self) -> None:
        """What is still pending at the end of history: an SLA due, a deadline just passed."""
        self._flush_sla()
        case, fired = self.case, self.case.timer_fired_at
        if (
            self.run_open
            and fired is not None
            and case.status in OPEN
            and case.sla_due is not None
            and fired + _TOLERANCE >= case.sla_due
        ):
            self._breach_entry(fired, pending=True)

    # --- occurrences --------------------------------------------------------------------------

    def _started(self, started: RunStarted, at: datetime, earliest: bool) -> None:
        """A run began: take its state; if earlier runs are gone, show what it carried."""
        state = started.state
        self.case.seed(state)
        self.inference.seed(state)
        previous = started.previous_run_id
        if previous and earliest:
            # Earlier runs are gone (retention): tell so, and show the steps the run carried.
            carried = [e for e in state.get("recent_events") or [] if isinstance(e, dict)]
            self._emit(
                at,
                EntryKind.HISTORY_TRUNCATED,
                SYSTEM,
                {"previous_run_id": previous, "carried_events": len(carried)},
            )
            for event in carried:
                kind, detail = str(event.get("kind")), dict(event.get("detail") or {})
                self.case.describe_carried(kind, detail)
                detail["carried"] = True
                self._emit(
                    as_datetime(event.get("at")) or at,
                    kind,
                    str(event.get("actor") or SYSTEM),
                    detail,
                    run_id=previous,
                )

    def _signalled(self, signal: Signalled, at: datetime) -> None:
        """A re-complaint is kept for the step that counts it; another signal is shown."""
        if signal.name == "recomplain":
            if signal.args and isinstance(signal.args[0], dict):
                self.inference.heard(dict(signal.args[0]))
            return
        self._emit(at, EntryKind.SIGNAL, signal.identity or "unknown", {"name": signal.name})

    def _update_accepted(self, update: Update, at: datetime) -> None:
        """Show what an accepted update asks for: proof submitted, the citizen's answer."""
        self.open.append(update)
        if update.failed:
            return  # refused inside the handler: only the refusal is shown, when it comes
        arg = update.arg
        if update.name == "submit_proof":
            detail = {
                "after_key": arg.get("after_key"),
                "before_key": arg.get("before_key"),
                "note": arg.get("note"),
                "official_id": arg.get("official_id"),
            }
            self._emit(at, EntryKind.PROOF_SUBMITTED, update.actor, _compact(detail))
        elif update.name == "feedback":
            if arg.get("action") == "confirm":
                self._emit(at, EntryKind.CITIZEN_CONFIRMED, update.actor, {})
            else:
                reason = str(arg.get("reason") or "").strip()
                self._emit(at, EntryKind.CITIZEN_REOPENED, update.actor, {"reason": reason})
        elif update.name not in ("reassign", "withdraw"):
            self._emit(at, EntryKind.UPDATE, update.actor, {"name": update.name})

    def _update_completed(self, completed: UpdateCompleted, at: datetime) -> None:
        """An update ended; a refusal is shown with its message."""
        update = next((u for u in self.open if u.id == completed.update_id), None)
        if update is not None:
            self.open.remove(update)
        if completed.refusal is not None:
            name = update.name if update else "update"
            actor = update.actor if update else "unknown"
            detail = {"request": name, "message": completed.refusal}
            self._emit(at, EntryKind.REQUEST_FAILED, actor, detail)

    def _ended(self, end: RunEnded, at: datetime) -> None:
        """The run ended: take its final state, or show how it ended."""
        self.run_open = False
        if end.outcome == "completed":
            state = end.state
            if state and isinstance(state.get("assignment"), dict):
                self.case.assignment = dict(state["assignment"])
            if state and state.get("status"):
                self.case.status = state["status"]
        elif end.outcome == "continued_as_new":
            self._flush_sla()
            detail = {"new_run_id": end.new_run_id, "previous_run_id": self.run_id}
            self._emit(at, EntryKind.CONTINUED_AS_NEW, SYSTEM, detail)
        elif end.outcome == "terminated":
            self._emit(at, EntryKind.TERMINATED, end.identity or "unknown", {"reason": end.reason})
        elif end.outcome == "failed":
            self._emit(at, EntryKind.FAILED, SYSTEM, {"message": end.message})
        else:
            self._emit(at, end.outcome, SYSTEM, {})

    # --- steps --------------------------------------------------------------------------------

    def _step(self, fields: dict[str, Any], at: datetime) -> None:
        """A step: its exact event (or, in an older run, its inferred one), filled in, shown."""
        case = self.case
        case.revision += 1
        status = str(fields.get(sa.STATUS.name) or case.status or "")
        level = fields.get(sa.ESCALATION_LEVEL.name)
        level = level if isinstance(level, int) else case.level
        due = sa.SLA_DUE_AT.name
        sla = as_datetime(fields.get(due)) if due in fields else case.sla_due
        event = self.recorded.events.get(case.revision)
        if event is not None and event.get("status") not in (None, status):
            event = None  # not the step we are at
        if event is not None:
            kind = str(event["kind"])
            actor = str(event.get("actor") or SYSTEM)
            detail = dict(event.get("detail") or {})
            at = as_datetime(event.get("at")) or at
        elif self.exact:  # a run that records its events but lost this one: say no more
            kind, actor, detail = EntryKind.UPDATED, SYSTEM, {"status": status}
        else:
            kind, actor, detail = self.inference.infer(self._cause(status, level))
        if kind != EventKind.NOTICE_ISSUED:
            self._flush_sla()
        self._apply(kind, actor, detail, at, status, level, sla)
        if isinstance(fields.get(sa.PRIORITY.name), str):
            case.priority = fields[sa.PRIORITY.name]
        case.follow_supervisor(fields.get(sa.SUPERVISOR.name))
        case.status, case.level = status, level
        if sla is not None and sla != case.sla_due and status in OPEN:
            self.sla_pending = (sla, at)
        case.sla_due = sla
        case.acts.clear()
        case.timer_fired_at = None

    def _cause(self, status: str, level: int) -> StepCause:
        """What led to the step being taken, for naming it."""
        case = self.case
        return StepCause(
            revision=case.revision,
            status=status,
            level=level,
            status_before=case.status,
            level_before=case.level,
            last=case.last(),
            updates=[u for u in self.open if not u.failed],
            timer_fired=case.timer_fired_at is not None,
            source=case.complaint.get("source"),
        )

    def _rules(self, kind: str, actor: str, detail: dict[str, Any], at: datetime) -> None:
        """For a run recorded before the patch, what the case's rules say of the step."""
        if not self.exact:
            self.inference.follow(kind, actor, detail, at, self.case.sla_due)

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
        case = self.case
        detail.setdefault("status", status)
        if kind == EventKind.FILED:
            case.describe_filing(detail)
            if level:
                detail.setdefault("level", level)
        elif kind == EventKind.PRIORITIZED:
            case.priority = str(detail.get("priority") or case.priority or "")
        elif kind == EventKind.ASSIGNED:
            found = case.found("assign_zone")
            if found:
                self._hand_over(found)
                detail.setdefault("match", found.get("match"))
            case.describe_assignee(detail, level)
        elif kind == EventKind.NOTICE_ISSUED:
            ref = case.found("issue_notice") or {}
            detail.setdefault("notice", ref.get("notice_id"))
            detail.setdefault("notice_kind", ref.get("kind"))
            detail.setdefault("level", ref.get("level", level))
            detail.setdefault("assignee", case.holder().get("official_name"))
            detail.setdefault("key", ref.get("key_id"))
            if ref.get("pdf_sha256"):
                detail.setdefault("pdf_sha256", ref["pdf_sha256"])
        elif kind == EventKind.ESCALATED:
            old = dict(case.holder())
            found = case.found("find_official")
            if found and found.get("official_id") != old.get("official_id"):
                self._hand_over(found)
            if detail.get("reason") == EscalationCause.SLA_BREACH:
                self._breach_entry(case.timer_fired_at or at, holder=old, level=case.level)
            detail.setdefault("from_official", old.get("official_name"))
            detail.setdefault("level", level)
            case.describe_assignee(detail, level)
            if sla is not None:
                detail.setdefault("sla_due_at", sla.isoformat())
        elif kind == EventKind.REASSIGNED:
            old = dict(case.holder())
            found = case.found("find_official")
            if found:
                self._hand_over(found)
            detail.setdefault("from_official", old.get("official_name"))
            case.describe_assignee(detail, level)
        elif kind == EventKind.SLA_BREACHED:
            detail.setdefault("official", case.holder().get("official_name"))
            detail.setdefault("level", level)
            self._rules(kind, actor, detail, at)  # which reminder this is
            detail.setdefault("due_at", case.sla_due.isoformat() if case.sla_due else None)
            if sla is not None and sla != case.sla_due:
                detail.setdefault("next_due", sla.isoformat())
            if not self.exact:  # older runs show when the timer fired; events say it exactly
                at = case.timer_fired_at or at
        elif kind == EventKind.PROOF_REJECTED:
            verdict = case.found("verify_proof") or {}
            for key in ("reason", "field", "code"):
                if detail.get(key) is None and verdict.get(key) is not None:
                    detail[key] = verdict[key]
        elif kind == EventKind.PROOF_ACCEPTED:
            detail.setdefault("official", case.holder().get("official_name"))
            self._rules(kind, actor, detail, at)  # whether it came on time
            case.describe_photos(detail)
        if kind not in (EventKind.SLA_BREACHED, EventKind.PROOF_ACCEPTED):
            self._rules(kind, actor, detail, at)
        self._emit(at, kind, actor, _compact(detail))

    def _hand_over(self, found: dict[str, Any]) -> None:
        """Another official holds the case now."""
        self.case.assignment = dict(found)
        self.inference.handed_over()

    # --- the timeline's own entries -----------------------------------------------------------

    def _breach_entry(
        self,
        at: datetime,
        *,
        holder: dict[str, Any] | None = None,
        level: int | None = None,
        pending: bool = False,
    ) -> None:
        """A deadline that passed below the top of the ladder (the case escalates for it)."""
        holder = holder if holder is not None else self.case.holder()
        due = self.case.sla_due
        detail = {
            "due_at": due.isoformat() if due else None,
            "official": holder.get("official_name"),
            "official_id": holder.get("official_id"),
            "level": self.case.level if level is None else level,
        }
        if pending:
            detail["pending"] = True
        self._emit(at, EventKind.SLA_BREACHED, SYSTEM, _compact(detail))

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
        a = self.case.holder()
        detail = {
            "due_at": due.isoformat(),
            "set_at": set_at.isoformat(),
            "official": a.get("official_name"),
            "official_id": a.get("official_id"),
            "level": self.case.level,
            "priority": self.case.priority,
        }
        self._emit(max(when, set_at), EntryKind.SLA_DUE, SYSTEM, _compact(detail))

    def _emit(
        self, at: datetime, kind: str, actor: str, detail: dict[str, Any], run_id: str | None = None
    ) -> None:
        """Add an entry to the timeline, with its IST time and its summary."""
        self.entries.append(
            TimelineEntry(
                at=at,
                at_ist=format_ist(at),
                kind=str(kind),
                actor=actor,
                summary=summarize(kind, actor, detail),
                detail=detail,
                run_id=run_id or self.run_id,
            )
        )


def _compact(detail: dict[str, Any]) -> dict[str, Any]:
    """The detail without its empty values."""
    return {k: v for k, v in detail.items() if v is not None}
