"""ComplaintWorkflow: one durable workflow per complaint, from filing to its terminal state."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributePair, TypedSearchAttributes
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.case import CaseActivities
    from activities.notices import NoticeActivities
    from activities.proofs import ProofActivities
    from activities.scores import ScoreActivities
    from domain import ids
    from domain.case import (
        AcceptedProof,
        AssignInput,
        Assignment,
        CaseEvent,
        CaseState,
        CitizenFeedback,
        FindOfficialInput,
        IssueNoticeInput,
        PrioritizeInput,
        ProofOutcome,
        ReassignRequest,
        ReComplaint,
        RecordInput,
        Status,
        WithdrawRequest,
    )
    from domain.categories import BY_CODE
    from domain.proof import ProofPhotoRef, ProofSubmission, VerifyProofInput, proof_prefix
    from domain.scores import ScoreEvent, ScoreInput
    from domain.sla import TOP_LEVEL, SlaPolicy
    from notices.model import NoticeKind
    from workflows import search_attributes as sa

RECENT_EVENTS = 20
ACTIVITY_TIMEOUT = timedelta(seconds=30)
# Every activity heartbeats (activities/running.py), so an attempt whose worker was killed
# is retried this long after its last beat, not after its whole start-to-close timeout.
HEARTBEAT_TIMEOUT = timedelta(seconds=10)
NOTICE_TIMEOUT = timedelta(minutes=2)  # renders a PDF and writes to S3
PROOF_TIMEOUT = timedelta(minutes=2)  # reads up to two photos from S3
FILINGS_KEPT = 500  # filing ids remembered to ignore a re-sent re-complaint
# workflow.patched ids: cases started before a change replay without it.
PATCH_ASSIGNMENT_NOTICE = "assignment-notice"
PATCH_LIFECYCLE = "lifecycle"
# Projection writes run as local activities: a short idempotent DB write needs no task queue
# round trip, which roughly halves the server work per step (see bench/README.md).
PATCH_LOCAL_RECORDS = "local-records"
# Database or storage outages are retried patiently: an accepted complaint must never be lost.
RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(minutes=5),
    non_retryable_error_types=["BadInput"],
)
# An update's caller is waiting (30 s at most): an outage during it is retried briefly, then
# the update is refused as unavailable, so the case's lock is never held for ever.
UPDATE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(seconds=4),
    maximum_attempts=5,
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
    """The case lifecycle: triage, assignment, notice, then SLA timers, escalation, proof,
    re-complaints and the citizen's confirmation, until the case is closed."""

    @workflow.init
    def __init__(self, state: CaseState) -> None:
        # Set before any handler runs: an update may arrive in the very first workflow task.
        self.state = state
        if state.policy is None:  # started without one (older clients): the built-in windows
            state.policy = SlaPolicy(base_hours=float(BY_CODE[state.complaint.category].sla_hours))
        self._lock = asyncio.Lock()
        self._inbox: list[ReComplaint] = []  # re-complaints waiting for the case loop
        self._wake = 0  # bumped by every step, so the loop re-reads its deadline

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
        if workflow.patched(PATCH_LIFECYCLE):
            await self._lifecycle()
        while not state.is_terminal:  # cases started before the lifecycle: wait to be withdrawn
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

    # --- what the outside world sends -----------------------------------------------------

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

    @workflow.signal
    def recomplain(self, report: ReComplaint) -> None:
        """Another citizen reported the same problem; the case loop counts it and escalates."""
        self._inbox.append(report)

    @workflow.update
    async def submit_proof(self, submission: ProofSubmission) -> ProofOutcome:
        """The assignee submits proof of completion; verified photos resolve the case."""
        async with self._lock:
            self._check_proof(submission)  # again: the case may have moved while we waited
            s = self.state
            assert s.assignment is not None and s.policy is not None
            photos = [ProofPhotoRef("after", submission.after_key)]
            if submission.before_key:
                photos.append(ProofPhotoRef("before", submission.before_key))
            verdict = await workflow.execute_activity_method(
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
            if not verdict.accepted:
                s.proof_rejections += 1
                await self._step(
                    "proof_rejected",
                    s.status,
                    actor=submission.actor,
                    reason=verdict.reason,
                    field=verdict.field,
                    code=verdict.code,
                )
                return ProofOutcome(
                    False, s, verdict.reason, verdict.field, verdict.code, verdict.photos
                )
            now = workflow.now()
            # Late: the assignee let a deadline pass while holding the case (at L3 the case
            # stays and reminders repeat). Below L3 a breach moves the case to someone else.
            on_time = s.breaches_while_held == 0 and (s.sla_due_at is None or now <= s.sla_due_at)
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
                "proof_accepted",
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
            return ProofOutcome(True, s, photos=verdict.photos)

    @submit_proof.validator
    def _validate_proof(self, submission: ProofSubmission) -> None:
        self._check_proof(submission)

    def _check_proof(self, submission: ProofSubmission) -> None:
        s = self.state
        if not s.is_open or s.assignment is None:
            raise ApplicationError(
                f"case is {s.status}: proof is accepted only while work is due", type="Conflict"
            )
        if submission.official_id != s.assignment.official_id:
            raise ApplicationError(
                "only the official the case is assigned to may submit its proof", type="Forbidden"
            )
        prefix = proof_prefix(s.complaint.tracking_id)
        keys = {"after_key": submission.after_key, "before_key": submission.before_key}
        for name, key in keys.items():
            if key is None and name == "before_key":
                continue
            if not key or not key.startswith(prefix) or ".." in key or len(key) > 300:
                raise ApplicationError(
                    f"must be a key under {prefix} from the upload URL", name, type="BadInput"
                )
        if submission.note is not None and len(submission.note) > 1000:
            raise ApplicationError("must be at most 1000 characters", "note", type="BadInput")

    @workflow.update
    async def feedback(self, answer: CitizenFeedback) -> CaseState:
        """The citizen confirms the fix (the case closes) or reopens it (it escalates)."""
        async with self._lock:
            self._check_feedback(answer)
            s = self.state
            assert s.proof is not None
            if answer.action == "confirm":
                resolver = self._resolver()
                await self._score(ScoreEvent.CITIZEN_CONFIRMED, resolver)
                await self._close("confirmed by the citizen", actor=answer.actor, confirmed=True)
            else:
                await self._reopen(answer.actor, (answer.reason or "").strip())
            return s

    @feedback.validator
    def _validate_feedback(self, answer: CitizenFeedback) -> None:
        self._check_feedback(answer)

    def _check_feedback(self, answer: CitizenFeedback) -> None:
        s = self.state
        if answer.key_id is not None and answer.key_id != s.complaint.filed_by:
            raise ApplicationError(
                "only the app that filed a complaint may confirm or reopen it", type="Forbidden"
            )
        if answer.action not in ("confirm", "reopen"):
            raise ApplicationError("must be confirm or reopen", "action", type="BadInput")
        if s.status != Status.RESOLVED:
            raise ApplicationError(
                f"case is {s.status}: only a resolved case can be confirmed or reopened",
                type="Conflict",
            )
        if answer.action == "reopen" and not (answer.reason or "").strip():
            raise ApplicationError("say what is still wrong", "reason", type="BadInput")

    @workflow.update
    async def reassign(self, request: ReassignRequest) -> CaseState:
        """An official hands the case to another official, who gets an Assignment notice."""
        async with self._lock:
            self._check_reassign(request)
            s = self.state
            old = s.assignment
            assert old is not None
            try:
                new = await workflow.execute_activity_method(
                    CaseActivities.find_official,
                    FindOfficialInput(
                        s.complaint.tracking_id,
                        s.complaint.city,
                        old.ward_id,
                        old.level,
                        official_id=request.official_id,
                    ),
                    start_to_close_timeout=ACTIVITY_TIMEOUT,
                    heartbeat_timeout=HEARTBEAT_TIMEOUT,
                    retry_policy=UPDATE_RETRY,
                )
            except ActivityError as exc:
                cause = exc.cause
                message = getattr(cause, "message", None) or str(cause or exc)
                if getattr(cause, "type", None) == "BadInput":
                    raise ApplicationError(message, "official_id", type="BadInput") from None
                raise ApplicationError(
                    f"the roster is briefly unavailable; retry shortly ({message})",
                    type="Unavailable",
                ) from None
            assert new is not None
            new.match, new.distance_m = old.match, old.distance_m
            self._hand_over(new)
            await self._step(
                "reassigned",
                s.status,
                actor=request.actor,
                reason=request.reason.strip(),
                from_official=old.official_name,
                official=new.official_name,
                designation=new.designation,
            )
            await self._issue_notice(NoticeKind.ASSIGNMENT)
            return s

    @reassign.validator
    def _validate_reassign(self, request: ReassignRequest) -> None:
        # Validator only: an accepted update replays without it (cases wedged by an
        # out-of-range id before this check existed fail their retrying lookup instead).
        if not ids.is_row_id(request.official_id):
            raise ApplicationError(
                f"no official {request.official_id}", "official_id", type="BadInput"
            )
        self._check_reassign(request)

    def _check_reassign(self, request: ReassignRequest) -> None:
        s = self.state
        if not s.is_open or s.assignment is None:
            raise ApplicationError(
                f"case is {s.status}: only a case with work due can be reassigned",
                type="Conflict",
            )
        if request.official_id == s.assignment.official_id:
            raise ApplicationError(
                "the case is already assigned to this official", "official_id", type="BadInput"
            )
        if not request.reason.strip():
            raise ApplicationError("must not be empty", "reason", type="BadInput")

    # --- the case loop ------------------------------------------------------------------

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
        s = self.state
        if s.is_open:
            return s.sla_due_at
        if s.status == Status.RESOLVED:
            return s.confirm_due_at
        return None

    async def _on_deadline(self) -> None:
        s = self.state
        now = workflow.now()
        if s.is_open and s.sla_due_at is not None and now >= s.sla_due_at:
            await self._breach()
        elif s.status == Status.RESOLVED and s.confirm_due_at and now >= s.confirm_due_at:
            assert s.policy is not None
            await self._close(
                f"closed: the citizen did not answer within {s.policy.confirm_hours:g} h",
                actor="system",
                confirmed=False,
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
                "sla_breached",
                s.status,
                actor="system",
                level=self._level(),
                official=s.assignment.official_name,
                reminder=sum(1 for n in s.notices if n.kind == NoticeKind.SLA_BREACH) + 1,
                next_due=s.sla_due_at.isoformat(),
            )
            await self._issue_notice(NoticeKind.SLA_BREACH)
            return
        await self._escalate("sla_breach", actor="system")

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
                "recomplaint",
                s.status,
                actor=report.source,
                filing=report.filing_id,
                count=s.recomplaints,
                distance_m=round(report.distance_m, 1),
            )
            assert s.policy is not None
            if s.status == Status.RESOLVED:
                await self._reopen(report.source, "a citizen reported the problem again")
            elif s.is_open and self._level() < TOP_LEVEL:
                if s.sla_breaches > 0:
                    await self._escalate("recomplaint_after_breach", actor=report.source)
                elif s.recomplaints_since_escalation >= s.policy.recomplaint_threshold:
                    await self._escalate("recomplaints", actor=report.source)

    # --- moves --------------------------------------------------------------------------

    def _level(self) -> int:
        s = self.state
        held = s.assignment.level if s.assignment else 0
        return max(s.escalation_level, held)

    def _hand_over(self, new: Assignment) -> None:
        s = self.state
        if s.assignment is not None:
            s.previous_assignments = [*s.previous_assignments, s.assignment]
        new.assigned_at = workflow.now()
        s.assignment = new
        s.breaches_while_held = 0

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
        s.escalation_level = max(target, s.assignment.level if s.assignment else 0)
        s.recomplaints_since_escalation = 0
        s.sla_due_at = workflow.now() + s.policy.window(s.priority, s.escalation_level)
        assert s.assignment is not None
        await self._step(
            "escalated",
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

    async def _reopen(self, actor: str, reason: str) -> None:
        """The fix did not hold: penalise the resolver, reopen one level higher."""
        s = self.state
        resolver = self._resolver()
        await self._score(ScoreEvent.REOPENED, resolver)
        s.reopened += 1
        s.proof = None
        s.resolved_at = s.confirm_due_at = None
        await self._escalate(
            f"reopened: {reason}", actor=actor, status=Status.REOPENED, penalise=False
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
        s = self.state
        s.closed_at = workflow.now()
        s.closed_reason = reason
        await self._step("closed", Status.CLOSED, actor=actor, reason=reason, confirmed=confirmed)

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
            heartbeat_timeout=HEARTBEAT_TIMEOUT,
            retry_policy=RETRY,
        )
        self.state.priority = priority
        await self._step("prioritized", Status.TRIAGED, actor="system", priority=f"P{priority}")

    async def _assign(self) -> None:
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
            self.state.closed_reason = "the location is outside every ward of the city"
            await self._step("outside_city", Status.OUTSIDE_CITY, actor="system")
            return
        self._hand_over(assignment)
        assert self.state.policy is not None
        window = self.state.policy.window(self.state.priority, self.state.escalation_level)
        self.state.sla_due_at = workflow.now() + window
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
                "notice_failed", s.status, actor="system", notice_kind=kind.value, reason=cause
            )
            return
        s.notices = [*s.notices, ref]
        # The first Assignment notice moves ASSIGNED to NOTICE_ISSUED; others keep the status.
        status = Status.NOTICE_ISSUED if s.status == Status.ASSIGNED else s.status
        await self._step(
            "notice_issued",
            status,
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
        self._wake += 1
        workflow.upsert_search_attributes(self._search_attribute_updates())
        record = RecordInput(state=state, event=event)
        try:
            if workflow.patched(PATCH_LOCAL_RECORDS):
                await workflow.execute_local_activity_method(
                    CaseActivities.record,
                    record,
                    start_to_close_timeout=ACTIVITY_TIMEOUT,
                    retry_policy=RETRY,
                )
            else:
                await workflow.execute_activity_method(
                    CaseActivities.record,
                    record,
                    start_to_close_timeout=ACTIVITY_TIMEOUT,
                    heartbeat_timeout=HEARTBEAT_TIMEOUT,
                    retry_policy=RETRY,
                )
        except ActivityError as exc:
            # Only a non-retryable failure gets here. The case's truth is this workflow; the
            # projection catches up with the next revision, which rewrites the whole row.
            workflow.logger.error("revision %s not projected: %s", state.revision, exc.cause)

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
