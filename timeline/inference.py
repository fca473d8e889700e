"""Naming the steps of a case recorded before its history kept each CaseEvent.

Runs recorded since workflows.patches.PATCH_RECORDED_EVENTS hold every step's event, and the
timeline reads them as they are. Older runs ran `record` as a local activity that returned
nothing, so where no state snapshot carries a step's event, this module names the step from
what led to it: the activity that just completed, the update or signal being handled, the
timer that fired. It follows just enough of the case (re-complaints, breaches, reminders) to
apply the workflow's rules as domain/lifecycle.py states them; none are written here. Once no
such case is within Temporal's retention, this module can go.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.lifecycle import (
    CONFIRMED_BY_CITIZEN,
    REOPENED_BY_RECOMPLAINT,
    EscalationCause,
    closed_by_silence,
    recomplaint_escalation,
    reopened_reason,
    resolved_on_time,
)
from domain.notice_kinds import NoticeKind
from domain.priority import RULES, Reason, RiskDecision
from domain.sla import TOP_LEVEL, SlaPolicy
from domain.states import OPEN, EventKind, Status
from timeline.events import Activity, Update
from timeline.model import SYSTEM, EntryKind

_DEFAULT_POLICY = SlaPolicy(base_hours=0.0)  # the windows a case without a policy was given

Step = tuple[str, str, dict[str, Any]]  # kind, actor, detail


@dataclass
class StepCause:
    """What led to a step whose event history does not hold: where the case was and is."""

    revision: int
    status: str  # after the step (its CaseStatus)
    level: int
    status_before: str | None
    level_before: int
    last: Activity | None  # the last activity since the previous step, if any
    updates: list[Update] = field(default_factory=list)  # accepted, not refused, still open
    timer_fired: bool = False
    source: str | None = None  # the app that filed the case

    def update(self, name: str) -> Update | None:
        """The open update of this name, if one is being handled."""
        return next((u for u in self.updates if u.name == name), None)


class Inference:
    """The case's counters (as its state carried them at the run's start) and its rules."""

    def __init__(self) -> None:
        """Counters as a new case has them; `seed` sets them from a run's input."""
        self.filings: set[str] = set()
        self.inbox: list[dict[str, Any]] = []  # re-complaints received, not yet counted
        self.recomplaints = 0
        self.since_escalation = 0
        self.breaches = 0
        self.held_breaches = 0
        self.reminders = 0  # SLA breach notices so far (the reminders at the top)
        self.confirm_hours = _DEFAULT_POLICY.confirm_hours
        self.threshold = _DEFAULT_POLICY.recomplaint_threshold
        self.last_kind: str | None = None
        self.last_recomplainer = "a citizen"

    def seed(self, state: dict[str, Any]) -> None:
        """Take the counters from a run's input (the whole state travels across runs)."""
        self.inbox.clear()  # signals belong to one run: the workflow drains them
        if not state:
            return
        self.filings = set(state.get("filings") or [])
        self.recomplaints = int(state.get("recomplaints") or 0)
        self.since_escalation = int(state.get("recomplaints_since_escalation") or 0)
        self.breaches = int(state.get("sla_breaches") or 0)
        self.held_breaches = int(state.get("breaches_while_held") or 0)
        notices = [n for n in state.get("notices") or [] if isinstance(n, dict)]
        self.reminders = sum(1 for n in notices if n.get("kind") == NoticeKind.SLA_BREACH)
        policy = state.get("policy") or {}
        self.confirm_hours = float(policy.get("confirm_hours") or _DEFAULT_POLICY.confirm_hours)
        self.threshold = int(
            policy.get("recomplaint_threshold") or _DEFAULT_POLICY.recomplaint_threshold
        )

    def heard(self, report: dict[str, Any]) -> None:
        """A re-complaint arrived (the `recomplain` signal); a later step counts it."""
        self.inbox.append(report)

    def handed_over(self) -> None:
        """The case changed hands: the new holder has let no deadline pass yet."""
        self.held_breaches = 0

    # --- naming a step ------------------------------------------------------------------------

    def infer(self, cause: StepCause) -> Step:
        """Name a step whose CaseEvent is not in history, from what led to it."""
        last = cause.last
        if cause.revision == 1:
            return EventKind.FILED, str(cause.source or "unknown"), {}
        if cause.status == Status.WITHDRAWN and cause.status_before != Status.WITHDRAWN:
            request = cause.update("withdraw")
            reason = str(request.arg.get("reason") or "").strip() if request else ""
            return EventKind.WITHDRAWN, request.actor if request else "unknown", {"reason": reason}
        if cause.status == Status.OUTSIDE_CITY:
            return EventKind.OUTSIDE_CITY, SYSTEM, {}
        if cause.status == Status.CLOSED and cause.status_before != Status.CLOSED:
            return self._closing(cause)
        if last is not None and last.type == "prioritize":
            return EventKind.PRIORITIZED, SYSTEM, {"priority": f"P{last.result}"}
        if last is not None and last.type == "assess_priority" and isinstance(last.result, dict):
            found = last.result
            decision = RiskDecision(
                int(found["priority"]),
                str(found.get("model") or RULES),
                found.get("probability"),
                [Reason(str(r["text"]), float(r["weight"])) for r in found.get("reasons") or []],
            )
            actor = SYSTEM if decision.model == RULES else f"model:{decision.model}"
            return EventKind.PRIORITIZED, actor, decision.detail()
        if last is not None and last.type == "assign_zone":
            return (EventKind.ASSIGNED if last.found else EventKind.OUTSIDE_CITY), SYSTEM, {}
        if last is not None and last.type == "issue_notice":
            if not last.ok:
                return EventKind.NOTICE_FAILED, SYSTEM, {"reason": last.failure}
            return EventKind.NOTICE_ISSUED, SYSTEM, {}
        if last is not None and last.type == "verify_proof":
            proof = cause.update("submit_proof")
            actor = proof.actor if proof else "unknown"
            verdict = last.found or {}
            if verdict.get("accepted"):
                return EventKind.PROOF_ACCEPTED, actor, {}
            return (
                EventKind.PROOF_REJECTED,
                actor,
                {k: verdict.get(k) for k in ("reason", "field", "code")},
            )
        if last is not None and last.type == "find_official":
            return self._new_holder(cause, last)
        if cause.timer_fired and cause.status in OPEN and cause.level >= TOP_LEVEL:
            return EventKind.SLA_BREACHED, SYSTEM, {}
        report = self._next_report()
        if report is not None:
            return EventKind.RECOMPLAINT, str(report.get("source") or "unknown"), {}
        return EntryKind.UPDATED, SYSTEM, {"status": cause.status}

    def _closing(self, cause: StepCause) -> Step:
        """A case closed: by the citizen's confirmation, or by silence."""
        feedback = cause.update("feedback")
        if feedback is not None and feedback.arg.get("action") == "confirm":
            return (
                EventKind.CLOSED,
                feedback.actor,
                {"reason": CONFIRMED_BY_CITIZEN, "confirmed": True},
            )
        reason = closed_by_silence(self.confirm_hours)
        return EventKind.CLOSED, SYSTEM, {"reason": reason, "confirmed": False}

    def _new_holder(self, cause: StepCause, last: Activity) -> Step:
        """An official was looked up: a reassignment (one was named) or an escalation."""
        request = cause.update("reassign")
        named = last.data.get("official_id") is not None
        unmoved = cause.status == cause.status_before and cause.level == cause.level_before
        if named or (request is not None and unmoved and not last.data):
            detail = {"reason": str(request.arg.get("reason") or "").strip()} if request else {}
            return EventKind.REASSIGNED, request.actor if request else "unknown", detail
        return EventKind.ESCALATED, *self._escalation_cause(cause)

    def _escalation_cause(self, cause: StepCause) -> tuple[str, dict[str, Any]]:
        """Who escalated the case and why: reopened, re-complaints, or the SLA breach."""
        if cause.status == Status.REOPENED:
            feedback = cause.update("feedback")
            if feedback is not None and feedback.arg.get("action") == "reopen":
                why = str(feedback.arg.get("reason") or "").strip()
                return feedback.actor, {"reason": reopened_reason(why)}
            return self.last_recomplainer, {"reason": reopened_reason(REOPENED_BY_RECOMPLAINT)}
        if self.last_kind == EventKind.RECOMPLAINT:
            why = recomplaint_escalation(
                cause.level_before, self.breaches, self.since_escalation, self.threshold
            )
            if why is not None:
                return self.last_recomplainer, {"reason": why.value}
        return SYSTEM, {"reason": EscalationCause.SLA_BREACH.value}

    def _next_report(self) -> dict[str, Any] | None:
        """The first re-complaint received that is not a repeat of a counted filing."""
        for report in self.inbox:
            if report.get("filing_id") not in self.filings:
                return report
        return None

    # --- following a step ---------------------------------------------------------------------

    def follow(
        self, kind: str, actor: str, detail: dict[str, Any], at: datetime, due: datetime | None
    ) -> None:
        """Count what the step changes, and fill in what the rules say of it (a re-complaint's
        number, a reminder's, whether proof came on time) where its event does not say."""
        if kind == EventKind.RECOMPLAINT:
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
        elif kind == EventKind.SLA_BREACHED:
            self.breaches += 1
            self.held_breaches += 1
            detail.setdefault("reminder", self.reminders + 1)
        elif kind == EventKind.ESCALATED:
            if detail.get("reason") == EscalationCause.SLA_BREACH:
                self.breaches += 1
            self.since_escalation = 0
        elif kind == EventKind.NOTICE_ISSUED:
            if detail.get("notice_kind") == NoticeKind.SLA_BREACH:
                self.reminders += 1
        elif kind == EventKind.PROOF_ACCEPTED and "on_time" not in detail:
            detail["on_time"] = resolved_on_time(self.held_breaches, due, at)
        self.last_kind = kind

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
