"""ComplaintWorkflow: one durable workflow per complaint, from filing to its terminal state."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributePair, TypedSearchAttributes
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.case import CaseActivities
    from activities.notices import NoticeActivities
    from domain.case import (
        AssignInput,
        CaseEvent,
        CaseState,
        IssueNoticeInput,
        PrioritizeInput,
        RecordInput,
        Status,
        WithdrawRequest,
    )
    from domain.sla import sla_due
    from notices.model import NoticeKind
    from workflows import search_attributes as sa

RECENT_EVENTS = 20
ACTIVITY_TIMEOUT = timedelta(seconds=30)
NOTICE_TIMEOUT = timedelta(minutes=2)  # renders a PDF and writes to S3
# workflow.patched ids: cases started before a change replay without it.
PATCH_ASSIGNMENT_NOTICE = "assignment-notice"
# Database or storage outages are retried patiently: an accepted complaint must never be lost.
RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(minutes=5),
    non_retryable_error_types=["BadInput"],
)


def initial_search_attributes(state: CaseState) -> TypedSearchAttributes:
    """Search attributes set at start, so a case is findable before its first step runs."""
    c = state.complaint
    return TypedSearchAttributes(
        [
            SearchAttributePair(sa.CITY, c.city),
            SearchAttributePair(sa.CATEGORY, c.category),
            SearchAttributePair(sa.STATUS, state.status.value),
            SearchAttributePair(sa.FILED_AT, c.filed_at),
        ]
    )


@workflow.defn
class ComplaintWorkflow:
    """The case lifecycle: triage, zone assignment, then wait for what the outside world sends."""

    @workflow.init
    def __init__(self, state: CaseState) -> None:
        # Set before any handler runs: an update may arrive in the very first workflow task.
        self.state = state
        self._lock = asyncio.Lock()

    @workflow.run
    async def run(self, state: CaseState) -> CaseState:
        state = self.state
        # Each intake step holds the lock, so a withdrawal that arrives mid-step is applied
        # between steps (asyncio.Lock is FIFO) and the next step sees the case has ended.
        async with self._lock:
            await self._record_filing()
        async with self._lock:
            if state.status == Status.FILED:
                await self._triage()
        async with self._lock:
            if state.status == Status.TRIAGED:
                await self._assign()
        async with self._lock:
            if state.status == Status.ASSIGNED and workflow.patched(PATCH_ASSIGNMENT_NOTICE):
                await self._issue_notice(NoticeKind.ASSIGNMENT)
        while not state.is_terminal:
            await workflow.wait_condition(
                lambda: state.is_terminal or workflow.info().is_continue_as_new_suggested()
            )
            if not state.is_terminal:
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(state)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return state

    @workflow.query
    def status(self) -> CaseState:
        """The live state of the case."""
        return self.state

    @workflow.update
    async def withdraw(self, request: WithdrawRequest) -> CaseState:
        """Withdraw the case (duplicate, filed in error); the case ends WITHDRAWN."""
        async with self._lock:
            if self.state.is_terminal:  # it ended while this update waited for the lock
                raise ApplicationError(f"case is already {self.state.status}", type="Conflict")
            await self._record_filing()  # withdrawn before the first step still was filed
            self.state.closed_reason = request.reason.strip()
            await self._step(
                "withdrawn", Status.WITHDRAWN, actor=request.actor, reason=request.reason.strip()
            )
        return self.state

    @withdraw.validator
    def _validate_withdraw(self, request: WithdrawRequest) -> None:
        if request.key_id is not None and request.key_id != self.state.complaint.filed_by:
            raise ApplicationError(
                "only the app that filed a complaint may withdraw it", type="Forbidden"
            )
        if self.state.is_terminal:
            raise ValueError(f"case is already {self.state.status} and cannot be withdrawn")
        if not request.reason.strip():
            raise ValueError("reason must not be empty")
        if len(request.reason) > 500:
            raise ValueError("reason must be at most 500 characters")

    async def _record_filing(self) -> None:
        if self.state.revision == 0:
            await self._step("filed", Status.FILED, actor=self.state.complaint.source)

    async def _triage(self) -> None:
        c = self.state.complaint
        priority = await workflow.execute_activity_method(
            CaseActivities.prioritize,
            PrioritizeInput(
                tracking_id=c.tracking_id, category=c.category, description=c.description
            ),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=RETRY,
        )
        self.state.priority = priority
        await self._step("prioritized", Status.TRIAGED, actor="system", priority=f"P{priority}")

    async def _assign(self) -> None:
        assert self.state.priority is not None
        c = self.state.complaint
        assignment = await workflow.execute_activity_method(
            CaseActivities.assign_zone,
            AssignInput(c.tracking_id, c.city, c.latitude, c.longitude),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=RETRY,
        )
        if assignment is None:
            self.state.closed_reason = "the location is outside every ward of the city"
            await self._step("outside_city", Status.OUTSIDE_CITY, actor="system")
            return
        self.state.assignment = assignment
        self.state.sla_due_at = sla_due(c.category, self.state.priority, workflow.now())
        await self._step(
            "assigned",
            Status.ASSIGNED,
            actor="system",
            ward=assignment.ward_id,
            zone=assignment.zone,
            official=assignment.official_name,
            designation=assignment.designation,
            match=assignment.match,
        )

    async def _issue_notice(self, kind: NoticeKind) -> None:
        """Issue a signed notice to the current assignee (once per kind and level)."""
        s = self.state
        assert s.assignment is not None and s.priority is not None
        try:
            ref = await workflow.execute_activity_method(
                NoticeActivities.issue_notice,
                IssueNoticeInput(
                    kind=kind.value,
                    level=s.escalation_level,
                    issued_at=workflow.now(),
                    complaint=s.complaint,
                    priority=s.priority,
                    assignment=s.assignment,
                    sla_due_at=s.sla_due_at,
                ),
                start_to_close_timeout=NOTICE_TIMEOUT,
                retry_policy=RETRY,
            )
        except ActivityError as exc:
            # Only a non-retryable failure gets here (outages are retried for ever). The case
            # must not fail with it: it stays assigned, and the failure is on its record.
            cause = getattr(exc.cause, "message", None) or str(exc.cause or exc)
            await self._step(
                "notice_failed", s.status, actor="system", notice_kind=kind.value, reason=cause
            )
            return
        s.notices = [*s.notices, ref]
        await self._step(
            "notice_issued",
            Status.NOTICE_ISSUED,
            actor="system",
            notice=ref.notice_id,
            notice_kind=ref.kind,
            key=ref.key_id,
            assignee=s.assignment.official_name,
        )

    async def _step(
        self, kind: str, status: Status, *, actor: str, **detail: str | int | float | None
    ) -> None:
        """Move to a new revision: update state, search attributes, and the projection."""
        state = self.state
        now = workflow.now()
        state.revision += 1
        state.status = status
        state.updated_at = now
        event = CaseEvent(state.revision, kind, status, now, actor, dict(detail))
        state.recent_events = [*state.recent_events, event][-RECENT_EVENTS:]
        workflow.upsert_search_attributes(self._search_attribute_updates())
        await workflow.execute_activity_method(
            CaseActivities.record,
            RecordInput(state=state, event=event),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=RETRY,
        )

    def _search_attribute_updates(self) -> list:
        s = self.state
        updates = [
            sa.STATUS.value_set(s.status.value),
            sa.ESCALATION_LEVEL.value_set(s.escalation_level),
        ]
        if s.priority is not None:
            updates.append(sa.PRIORITY.value_set(f"P{s.priority}"))
        if s.assignment is not None:
            a = s.assignment
            updates += [
                sa.WARD.value_set(a.ward_id),
                sa.ZONE.value_set(a.zone),
                sa.SUPERVISOR.value_set(sa.supervisor_value(a.official_name, a.official_id)),
            ]
        if s.sla_due_at is not None:
            updates.append(sa.SLA_DUE_AT.value_set(s.sla_due_at))
        return updates
