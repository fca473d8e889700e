"""The case loop and the moves a case makes: SLA breaches, re-complaints, escalation, proof,
reopening, closing. Every move ends in one or more steps (workflows/steps.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.case import CaseActivities
    from activities.proofs import ProofActivities
    from domain.case import AcceptedProof, Assignment, FindOfficialInput
    from domain.lifecycle import (
        REOPENED_BY_RECOMPLAINT,
        EscalationCause,
        closed_by_silence,
        recomplaint_escalation,
        reopened_reason,
        resolved_on_time,
    )
    from domain.notice_kinds import NoticeKind
    from domain.proof import ProofPhotoRef, ProofSubmission, ProofVerdict, VerifyProofInput
    from domain.scores import ScoreEvent
    from domain.sla import TOP_LEVEL
    from domain.states import EventKind, Status
    from workflows.options import (
        ACTIVITY_TIMEOUT,
        FILINGS_KEPT,
        HEARTBEAT_TIMEOUT,
        PROOF_TIMEOUT,
        RETRY,
    )
    from workflows.patches import PATCH_BREACH_KEPT_HOLDER

from workflows.steps import CaseSteps


class CaseMoves(CaseSteps):
    """What a case does once assigned: wait, breach, escalate, resolve, reopen, close."""

    # --- the case loop ----------------------------------------------------------------------

    async def _lifecycle(self) -> None:
        """Wait for proof, re-complaints, the citizen or the next deadline, until closed."""
        s = self.state
        while not s.is_terminal:
            if workflow.info().is_continue_as_new_suggested():
                await workflow.wait_condition(workflow.all_handlers_finished)
                async with self._lock:
                    await self._take_recomplaints()
                if not s.is_terminal and workflow.all_handlers_finished() and not self._inbox:
                    workflow.continue_as_new(s)
                continue
            seen = self._wake
            deadline = self._deadline()
            wait = None if deadline is None else (deadline - workflow.now()).total_seconds()
            if wait is None or wait > 0:
                try:
                    await workflow.wait_condition(
                        lambda seen=seen: (
                            self._wake != seen
                            or bool(self._inbox)
                            or s.is_terminal
                            or workflow.info().is_continue_as_new_suggested()
                        ),
                        timeout=None if wait is None else timedelta(seconds=wait),
                    )
                except TimeoutError:
                    pass
            async with self._lock:
                await self._take_recomplaints()
                await self._on_deadline()

    def _deadline(self) -> datetime | None:
        """The next deadline: the SLA while work is due, the citizen's window once resolved."""
        s = self.state
        if s.is_open:
            return s.sla_due_at
        if s.status == Status.RESOLVED:
            return s.confirm_due_at
        return None

    async def _on_deadline(self) -> None:
        """Act on a deadline that has passed: breach the SLA, or close a silent resolution."""
        s = self.state
        now = workflow.now()
        if s.is_open and s.sla_due_at is not None and now >= s.sla_due_at:
            await self._breach()
        elif s.status == Status.RESOLVED and s.confirm_due_at and now >= s.confirm_due_at:
            assert s.policy is not None
            await self._close(
                closed_by_silence(s.policy.confirm_hours), actor="system", confirmed=False
            )

    async def _breach(self) -> None:
        """The SLA window ran out: escalate one level; at the top, remind again."""
        s = self.state
        assert s.assignment is not None and s.policy is not None and s.priority is not None
        s.sla_breaches += 1
        if self._level() >= TOP_LEVEL:
            s.breaches_while_held += 1
            s.sla_due_at = workflow.now() + s.policy.window(s.priority, TOP_LEVEL)
            await self._step(
                EventKind.SLA_BREACHED,
                s.status,
                actor="system",
                level=self._level(),
                official=s.assignment.official_name,
                reminder=sum(1 for n in s.notices if n.kind == NoticeKind.SLA_BREACH) + 1,
                next_due=s.sla_due_at.isoformat(),
            )
            await self._issue_notice(NoticeKind.SLA_BREACH)
            return
        await self._escalate(EscalationCause.SLA_BREACH, actor="system")

    async def _take_recomplaints(self) -> None:
        """Count re-complaints that arrived; the K-th, or any after a breach, escalates."""
        s = self.state
        while self._inbox and not s.is_terminal:
            if s.status in (Status.FILED, Status.TRIAGED):
                return  # counted once the case is assigned
            report = self._inbox.pop(0)
            if report.filing_id in s.filings:
                continue
            s.filings = [*s.filings, report.filing_id][-FILINGS_KEPT:]
            s.recomplaints += 1
            s.recomplaints_since_escalation += 1
            await self._step(
                EventKind.RECOMPLAINT,
                s.status,
                actor=report.source,
                filing=report.filing_id,
                count=s.recomplaints,
                distance_m=round(report.distance_m, 1),
            )
            assert s.policy is not None
            if s.status == Status.RESOLVED:
                await self._reopen(report.source, REOPENED_BY_RECOMPLAINT)
            elif s.is_open:
                cause = recomplaint_escalation(
                    self._level(),
                    s.sla_breaches,
                    s.recomplaints_since_escalation,
                    s.policy.recomplaint_threshold,
                )
                if cause is not None:
                    await self._escalate(cause, actor=report.source)

    # --- moves ------------------------------------------------------------------------------

    async def _escalate(
        self, reason: str, *, actor: str, status: Status = Status.ESCALATED, penalise: bool = True
    ) -> None:
        """Move the case one level up the ladder with a new, shorter SLA window and notice."""
        s = self.state
        old = s.assignment
        assert old is not None and s.policy is not None and s.priority is not None
        target = min(self._level() + 1, TOP_LEVEL)
        try:
            new = await workflow.execute_activity_method(
                CaseActivities.find_official,
                FindOfficialInput(s.complaint.tracking_id, s.complaint.city, old.ward_id, target),
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                heartbeat_timeout=HEARTBEAT_TIMEOUT,
                retry_policy=RETRY,
            )
        except ActivityError as exc:  # non-retryable only: the case stays with its holder
            workflow.logger.error("no official found for level %s: %s", target, exc.cause)
            new = None
        if penalise:
            await self._score(ScoreEvent.ESCALATED_AWAY, old)
        if new is not None and new.official_id != old.official_id:
            new.match, new.distance_m = old.match, old.distance_m
            self._hand_over(new)
        elif reason == EscalationCause.SLA_BREACH and workflow.patched(PATCH_BREACH_KEPT_HOLDER):
            s.breaches_while_held += 1  # nobody above: the holder keeps a case they let run late
        s.escalation_level = max(target, s.assignment.level if s.assignment else 0)
        s.recomplaints_since_escalation = 0
        s.sla_due_at = workflow.now() + s.policy.window(s.priority, s.escalation_level)
        assert s.assignment is not None
        await self._step(
            EventKind.ESCALATED,
            status,
            actor=actor,
            reason=reason,
            level=s.escalation_level,
            from_official=old.official_name,
            official=s.assignment.official_name,
            designation=s.assignment.designation,
            sla_due_at=s.sla_due_at.isoformat(),
        )
        await self._issue_notice(NoticeKind.ESCALATION)

    async def _verify_proof(self, submission: ProofSubmission) -> ProofVerdict:
        """Check the submitted photos (on the case's S3 prefix, fresh, on site, not reused)."""
        s = self.state
        assert s.assignment is not None and s.policy is not None
        photos = [ProofPhotoRef("after", submission.after_key)]
        if submission.before_key:
            photos.append(ProofPhotoRef("before", submission.before_key))
        return await workflow.execute_activity_method(
            ProofActivities.verify_proof,
            VerifyProofInput(
                tracking_id=s.complaint.tracking_id,
                photos=photos,
                latitude=s.complaint.latitude,
                longitude=s.complaint.longitude,
                assigned_at=s.assignment.assigned_at or s.complaint.filed_at,
                official_id=s.assignment.official_id,
                max_distance_m=s.policy.proof_max_distance_m,
            ),
            start_to_close_timeout=PROOF_TIMEOUT,
            heartbeat_timeout=HEARTBEAT_TIMEOUT,
            retry_policy=RETRY,
        )

    async def _reject_proof(self, actor: str, verdict: ProofVerdict) -> None:
        """Record why proof was refused; the case stays where it is, its clock running."""
        s = self.state
        s.proof_rejections += 1
        await self._step(
            EventKind.PROOF_REJECTED,
            s.status,
            actor=actor,
            reason=verdict.reason,
            field=verdict.field,
            code=verdict.code,
        )

    async def _resolve(self, submission: ProofSubmission, verdict: ProofVerdict) -> None:
        """Accepted proof: open -> RESOLVED, the resolver scored, a Closure certificate issued,
        and the citizen's window to confirm or reopen started."""
        s = self.state
        assert s.assignment is not None and s.policy is not None
        now = workflow.now()
        on_time = resolved_on_time(s.breaches_while_held, s.sla_due_at, now)
        s.proof = AcceptedProof(
            official_id=s.assignment.official_id,
            official_name=s.assignment.official_name,
            accepted_at=now,
            photos=verdict.photos,
            note=submission.note,
        )
        s.resolved_at = now
        s.confirm_due_at = now + timedelta(hours=s.policy.confirm_hours)
        detail = {f"{p.role}_sha256": p.sha256 for p in verdict.photos}
        flags = sorted({f for p in verdict.photos for f in p.flags})
        await self._step(
            EventKind.PROOF_ACCEPTED,
            Status.RESOLVED,
            actor=submission.actor,
            official=s.assignment.official_name,
            on_time=on_time,
            flags=",".join(flags) or None,
            **detail,
        )
        event = ScoreEvent.RESOLVED_ON_TIME if on_time else ScoreEvent.RESOLVED_LATE
        await self._score(event, s.assignment)
        await self._issue_notice(NoticeKind.CLOSURE)

    async def _reopen(self, actor: str, reason: str) -> None:
        """The fix did not hold: penalise the resolver, reopen one level higher."""
        s = self.state
        resolver = self._resolver()
        await self._score(ScoreEvent.REOPENED, resolver)
        s.reopened += 1
        s.proof = None
        s.resolved_at = s.confirm_due_at = None
        await self._escalate(
            reopened_reason(reason), actor=actor, status=Status.REOPENED, penalise=False
        )

    def _resolver(self) -> Assignment:
        """The assignment of the official whose proof resolved the case."""
        s = self.state
        assert s.assignment is not None and s.proof is not None
        if s.proof.official_id == s.assignment.official_id:
            return s.assignment
        for previous in reversed(s.previous_assignments):
            if previous.official_id == s.proof.official_id:
                return previous
        return s.assignment

    async def _close(self, reason: str, *, actor: str, confirmed: bool) -> None:
        """RESOLVED -> CLOSED, with the reason on the case."""
        s = self.state
        s.closed_at = workflow.now()
        s.closed_reason = reason
        await self._step(
            EventKind.CLOSED, Status.CLOSED, actor=actor, reason=reason, confirmed=confirmed
        )
