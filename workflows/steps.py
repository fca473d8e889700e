"""The bookkeeping under every move of a case: steps, search attributes, intake, notices, scores.

`CaseSteps` is the base of ComplaintWorkflow. Its `_step` is the one way a case changes
status: it checks the move against the state machine (domain/states.py), records the event
(the `record` local activity writes the projection and, since PATCH_RECORDED_EVENTS, returns
the event so history holds it) and updates the search attributes. The intake steps (triage,
assignment), notices and ledger entries are the activities every move is built from.
"""

from __future__ import annotations

import asyncio
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributePair, SearchAttributeUpdate, TypedSearchAttributes
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.case import CaseActivities
    from activities.notices import NoticeActivities
    from activities.risk import RiskActivities
    from activities.scores import ScoreActivities
    from domain.case import (
        AssignInput,
        Assignment,
        CaseEvent,
        CaseState,
        IssueNoticeInput,
        PrioritizeInput,
        ReComplaint,
        RecordInput,
    )
    from domain.lifecycle import OUTSIDE_EVERY_WARD
    from domain.notice_kinds import NoticeKind
    from domain.priority import RULES
    from domain.scores import ScoreEvent, ScoreInput
    from domain.states import EventKind, Status, check_transition
    from workflows import search_attributes as sa
    from workflows.options import (
        ACTIVITY_TIMEOUT,
        HEARTBEAT_TIMEOUT,
        NOTICE_TIMEOUT,
        RECENT_EVENTS,
        RETRY,
    )
    from workflows.patches import PATCH_LOCAL_RECORDS, PATCH_RECORDED_EVENTS, PATCH_RISK_PRIORITY


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


class CaseSteps:
    """A case's state and the steps that change it; ComplaintWorkflow builds on these."""

    state: CaseState
    _lock: asyncio.Lock  # held by each intake step, update and pass of the case loop
    _inbox: list[ReComplaint]  # re-complaints waiting for the case loop
    _wake: int  # bumped by every step, so the case loop re-reads its deadline

    def _level(self) -> int:
        """The case's rung on the ladder: its escalation level or its holder's, if higher."""
        s = self.state
        held = s.assignment.level if s.assignment else 0
        return max(s.escalation_level, held)

    def _hand_over(self, new: Assignment) -> None:
        """Give the case to a new holder; the old one is kept in previous_assignments."""
        s = self.state
        if s.assignment is not None:
            s.previous_assignments = [*s.previous_assignments, s.assignment]
        new.assigned_at = workflow.now()
        s.assignment = new
        s.breaches_while_held = 0

    # --- intake ---------------------------------------------------------------------------

    async def _record_filing(self) -> None:
        """The case's first step, `filed`, unless it was recorded already."""
        if self.state.revision == 0:
            await self._step(EventKind.FILED, Status.FILED, actor=self.state.complaint.source)

    async def _triage(self) -> None:
        """Give the case its priority: FILED -> TRIAGED."""
        c = self.state.complaint
        if not workflow.patched(PATCH_RISK_PRIORITY):
            priority = await workflow.execute_activity_method(
                CaseActivities.prioritize,
                PrioritizeInput(
                    tracking_id=c.tracking_id, category=c.category, description=c.description
                ),
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                heartbeat_timeout=HEARTBEAT_TIMEOUT,
                retry_policy=RETRY,
            )
            self.state.priority = priority
            await self._step(
                EventKind.PRIORITIZED, Status.TRIAGED, actor="system", priority=f"P{priority}"
            )
            return
        decision = await workflow.execute_activity_method(
            RiskActivities.assess_priority,
            PrioritizeInput(
                tracking_id=c.tracking_id,
                category=c.category,
                description=c.description,
                city=c.city,
                latitude=c.latitude,
                longitude=c.longitude,
                source=c.source,
                filed_at=c.filed_at,
            ),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            heartbeat_timeout=HEARTBEAT_TIMEOUT,
            retry_policy=RETRY,
        )
        self.state.priority, self.state.risk = decision.priority, decision
        actor = "system" if decision.model == RULES else f"model:{decision.model}"
        await self._step(EventKind.PRIORITIZED, Status.TRIAGED, actor=actor, **decision.detail())

    async def _assign(self) -> None:
        """Find the ward and its official: TRIAGED -> ASSIGNED, or OUTSIDE_CITY."""
        assert self.state.priority is not None
        c = self.state.complaint
        assignment = await workflow.execute_activity_method(
            CaseActivities.assign_zone,
            AssignInput(
                c.tracking_id, c.city, c.latitude, c.longitude, self.state.escalation_level
            ),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            heartbeat_timeout=HEARTBEAT_TIMEOUT,
            retry_policy=RETRY,
        )
        if assignment is None:
            self.state.closed_reason = OUTSIDE_EVERY_WARD
            await self._step(EventKind.OUTSIDE_CITY, Status.OUTSIDE_CITY, actor="system")
            return
        held = self.state.assignment
        if held is not None and held.official_id == assignment.official_id:
            # Its supervisor held it for triage (issue 15): the same hands, now with work due.
            assignment.assigned_at = workflow.now()
            self.state.assignment = assignment
        else:
            self._hand_over(assignment)
        assert self.state.policy is not None
        window = self.state.policy.window(self.state.priority, self.state.escalation_level)
        # An offline filing's clock started when it was captured (issue 15), unless a person
        # had to sort it first: then, as for every case, when its category was known.
        captured = c.captured_at is not None and c.category_source != "triage"
        self.state.sla_due_at = (c.filed_at if captured else workflow.now()) + window
        await self._step(
            EventKind.ASSIGNED,
            Status.ASSIGNED,
            actor="system",
            ward=assignment.ward_id,
            zone=assignment.zone,
            official=assignment.official_name,
            designation=assignment.designation,
            match=assignment.match,
        )

    # --- notices and the ledger -------------------------------------------------------------

    async def _issue_notice(self, kind: NoticeKind) -> None:
        """Issue a signed notice to the current assignee (the n-th of its kind and level)."""
        s = self.state
        assert s.assignment is not None and s.priority is not None
        level = s.escalation_level
        seq = sum(1 for n in s.notices if n.kind == kind.value and n.level == level)
        closure = kind == NoticeKind.CLOSURE and s.proof is not None
        try:
            ref = await workflow.execute_activity_method(
                NoticeActivities.issue_notice,
                IssueNoticeInput(
                    kind=kind.value,
                    level=level,
                    issued_at=workflow.now(),
                    complaint=s.complaint,
                    priority=s.priority,
                    assignment=s.assignment,
                    sla_due_at=s.sla_due_at,
                    seq=seq,
                    resolved_at=s.resolved_at if closure else None,
                    proof=[f"{p.role}:{p.sha256}" for p in s.proof.photos]
                    if closure and s.proof
                    else None,
                ),
                start_to_close_timeout=NOTICE_TIMEOUT,
                heartbeat_timeout=HEARTBEAT_TIMEOUT,
                retry_policy=RETRY,
            )
        except ActivityError as exc:
            # Only a non-retryable failure gets here (outages are retried for ever). The case
            # must not fail with it: it keeps its status, and the failure is on its record.
            cause = getattr(exc.cause, "message", None) or str(exc.cause or exc)
            await self._step(
                EventKind.NOTICE_FAILED,
                s.status,
                actor="system",
                notice_kind=kind.value,
                reason=cause,
            )
            return
        s.notices = [*s.notices, ref]
        # The first Assignment notice moves ASSIGNED to NOTICE_ISSUED; others keep the status.
        status = Status.NOTICE_ISSUED if s.status == Status.ASSIGNED else s.status
        await self._step(
            EventKind.NOTICE_ISSUED,
            status,
            actor="system",
            notice=ref.notice_id,
            notice_kind=ref.kind,
            key=ref.key_id,
            assignee=s.assignment.official_name,
        )

    async def _score(self, event: ScoreEvent, holder: Assignment) -> None:
        """Append to the reward ledger, once per (case, event, level, occurrence)."""
        s = self.state
        assert s.priority is not None
        level = self._level()
        key = f"{event.value}:{level}"
        occurrence = s.score_counts.get(key, 0)
        s.score_counts = {**s.score_counts, key: occurrence + 1}
        try:
            await self._score_entry(event, holder, level, occurrence)
        except ActivityError as exc:  # non-retryable only: the case goes on without the entry
            workflow.logger.error("score %s not recorded: %s", key, exc.cause)

    async def _score_entry(
        self, event: ScoreEvent, holder: Assignment, level: int, occurrence: int
    ) -> None:
        """Write one ledger entry (the activity is idempotent on its occurrence)."""
        s = self.state
        assert s.priority is not None
        await workflow.execute_activity_method(
            ScoreActivities.record_score,
            ScoreInput(
                tracking_id=s.complaint.tracking_id,
                event=event.value,
                level=level,
                occurrence=occurrence,
                official_id=holder.official_id,
                official_name=holder.official_name,
                city=s.complaint.city,
                zone=holder.zone,
                ward_id=holder.ward_id,
                priority=s.priority,
                at=workflow.now(),
            ),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            heartbeat_timeout=HEARTBEAT_TIMEOUT,
            retry_policy=RETRY,
        )

    # --- the step ---------------------------------------------------------------------------

    async def _step(self, kind: EventKind, status: Status, *, actor: str, **detail: Any) -> None:
        """Move to a new revision: update state, search attributes, and the projection.

        A move the state machine does not allow raises IllegalTransition before anything
        changes: it fails the workflow task (not the case), which Temporal retries until a
        fixed worker is deployed.
        """
        state = self.state
        check_transition(kind, state.status, status)
        now = workflow.now()
        state.revision += 1
        state.status = status
        state.updated_at = now
        event = CaseEvent(state.revision, kind, status, now, actor, dict(detail))
        state.recent_events = [*state.recent_events, event][-RECENT_EVENTS:]
        self._wake += 1
        workflow.upsert_search_attributes(self._search_attribute_updates())
        try:
            if workflow.patched(PATCH_LOCAL_RECORDS):
                record = RecordInput(state, event, workflow.patched(PATCH_RECORDED_EVENTS))
                await workflow.execute_local_activity_method(
                    CaseActivities.record,
                    record,
                    start_to_close_timeout=ACTIVITY_TIMEOUT,
                    retry_policy=RETRY,
                )
            else:
                await workflow.execute_activity_method(
                    CaseActivities.record,
                    RecordInput(state, event),
                    start_to_close_timeout=ACTIVITY_TIMEOUT,
                    heartbeat_timeout=HEARTBEAT_TIMEOUT,
                    retry_policy=RETRY,
                )
        except ActivityError as exc:
            # Only a non-retryable failure gets here. The case's truth is this workflow; the
            # projection catches up with the next revision, which rewrites the whole row.
            workflow.logger.error("revision %s not projected: %s", state.revision, exc.cause)

    def _search_attribute_updates(self) -> list[SearchAttributeUpdate]:
        """The search attributes as they are after a step."""
        s = self.state
        updates: list[SearchAttributeUpdate] = [
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
