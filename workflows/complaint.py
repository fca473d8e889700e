"""ComplaintWorkflow: one durable workflow per complaint, from filing to its terminal state.

The workflow is three classes, each in its own module and each building on the one before:

- `workflows/steps.py` (CaseSteps): the state, `_step` (the one way a status changes,
  checked against domain/states.py), search attributes, intake, notices, the ledger;
- `workflows/moves.py` (CaseMoves): the case loop and its moves (breach, re-complaint,
  escalation, proof, reopening, closing);
- this module: the workflow itself, its `run` and what the outside world sends (updates,
  their validators, the re-complaint signal, the status query).

Patch ids are in workflows/patches.py, activity options in workflows/options.py.
"""

from __future__ import annotations

import asyncio

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.case import CaseActivities
    from domain import ids
    from domain.access import Refusal, holds_case, may_act_as_filer
    from domain.case import (
        CaseState,
        CategoryRequest,
        CitizenFeedback,
        FindOfficialInput,
        PriorityRequest,
        ProofOutcome,
        ReassignRequest,
        ReComplaint,
        TranscriptRequest,
        WithdrawRequest,
    )
    from domain.categories import BY_CODE
    from domain.lifecycle import CONFIRMED_BY_CITIZEN
    from domain.notice_kinds import NoticeKind
    from domain.proof import ProofSubmission, proof_prefix
    from domain.scores import ScoreEvent
    from domain.sla import SlaPolicy
    from domain.states import EventKind, Status
    from workflows.options import ACTIVITY_TIMEOUT, HEARTBEAT_TIMEOUT, UPDATE_RETRY
    from workflows.patches import PATCH_ASSIGNMENT_NOTICE, PATCH_LIFECYCLE

from workflows.intake import CaseIntake
from workflows.moves import CaseMoves
from workflows.steps import initial_search_attributes

# initial_search_attributes is kept importable from here, where the API has always found it.
__all__ = ["ComplaintWorkflow", "initial_search_attributes"]


@workflow.defn
class ComplaintWorkflow(CaseMoves, CaseIntake):
    """The case lifecycle: triage, assignment, notice, then SLA timers, escalation, proof,
    re-complaints and the citizen's confirmation, until the case is closed."""

    @workflow.init
    def __init__(self, state: CaseState) -> None:
        # Set before any handler runs: an update may arrive in the very first workflow task.
        self.state = state
        if state.policy is None and state.complaint.category in BY_CODE:  # older clients
            state.policy = SlaPolicy(base_hours=float(BY_CODE[state.complaint.category].sla_hours))
        self._lock = asyncio.Lock()
        self._inbox: list[ReComplaint] = []  # re-complaints waiting for the case loop
        self._wake = 0  # bumped by every step, so the loop re-reads its deadline

    @workflow.run
    async def run(self, state: CaseState) -> CaseState:
        """Intake (filed, triaged, assigned, notice issued), then the case loop until it ends."""
        state = self.state
        # Each intake step holds the lock, so a withdrawal that arrives mid-step is applied
        # between steps (asyncio.Lock is FIFO) and the next step sees the case has ended.
        async with self._lock:
            await self._record_filing()
        await self._intake()  # issue 15: a transcript and a category, if either is missing
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

    # --- withdrawal -------------------------------------------------------------------------

    @workflow.update
    async def withdraw(self, request: WithdrawRequest) -> CaseState:
        """Withdraw the case (duplicate, filed in error); the case ends WITHDRAWN."""
        async with self._lock:
            if self.state.is_terminal:  # it ended while this update waited for the lock
                raise ApplicationError(
                    f"case is already {self.state.status}", type=Refusal.CONFLICT
                )
            await self._record_filing()  # withdrawn before the first step still was filed
            self.state.closed_reason = request.reason.strip()
            await self._step(
                EventKind.WITHDRAWN,
                Status.WITHDRAWN,
                actor=request.actor,
                reason=request.reason.strip(),
            )
        return self.state

    @withdraw.validator
    def _validate_withdraw(self, request: WithdrawRequest) -> None:
        """Refuse a withdrawal by another app (403), of an ended case (409), or a bad reason
        (422 naming `reason`)."""
        if not may_act_as_filer(request.key_id, self.state.complaint.filed_by):
            raise ApplicationError(
                "only the app that filed a complaint may withdraw it", type=Refusal.FORBIDDEN
            )
        if self.state.is_terminal:
            raise ApplicationError(
                f"case is already {self.state.status} and cannot be withdrawn",
                type=Refusal.CONFLICT,
            )
        if not request.reason.strip():
            raise ApplicationError("must not be empty", "reason", type=Refusal.BAD_INPUT)
        if len(request.reason) > 500:
            raise ApplicationError(
                "must be at most 500 characters", "reason", type=Refusal.BAD_INPUT
            )

    # --- intake that waits for a person (workflows/intake.py) ------------------------------

    @workflow.update
    async def transcribe(self, request: TranscriptRequest) -> CaseState:
        """An operator sends a voice note's transcript; intake goes on with it."""
        async with self._lock:
            self._check_transcript(request)
            await self._apply_transcript(request)
        return self.state

    @transcribe.validator
    def _validate_transcript(self, request: TranscriptRequest) -> None:
        """As _check_transcript, before the update is accepted."""
        self._check_transcript(request)

    @workflow.update
    async def categorize(self, request: CategoryRequest) -> CaseState:
        """The ward's supervisor or an officer picks the category; the SLA starts at assignment."""
        async with self._lock:
            self._check_category(request)
            await self._apply_category(request)
        return self.state

    @categorize.validator
    def _validate_category(self, request: CategoryRequest) -> None:
        """As _check_category, before the update is accepted."""
        self._check_category(request)

    # --- re-complaints and proof ------------------------------------------------------------

    @workflow.signal
    def recomplain(self, report: ReComplaint) -> None:
        """Another citizen reported the same problem; the case loop counts it and escalates."""
        self._inbox.append(report)

    @workflow.update
    async def submit_proof(self, submission: ProofSubmission) -> ProofOutcome:
        """The assignee submits proof of completion; verified photos resolve the case."""
        async with self._lock:
            self._check_proof(submission)  # again: the case may have moved while we waited
            verdict = await self._verify_proof(submission)
            if not verdict.accepted:
                await self._reject_proof(submission.actor, verdict)
                return ProofOutcome(
                    False, self.state, verdict.reason, verdict.field, verdict.code, verdict.photos
                )
            await self._resolve(submission, verdict)
            return ProofOutcome(True, self.state, photos=verdict.photos)

    @submit_proof.validator
    def _validate_proof(self, submission: ProofSubmission) -> None:
        """Refuse proof the case cannot take (see _check_proof)."""
        self._check_proof(submission)

    def _check_proof(self, submission: ProofSubmission) -> None:
        """Proof is taken while work is due (409), from the assignee only (403), with photo
        keys under the case's own prefix and a short note (422 naming the field)."""
        s = self.state
        if not s.is_open or s.assignment is None:
            raise ApplicationError(
                f"case is {s.status}: proof is accepted only while work is due",
                type=Refusal.CONFLICT,
            )
        if not holds_case(submission.official_id, s.assignment.official_id):
            raise ApplicationError(
                "only the official the case is assigned to may submit its proof",
                type=Refusal.FORBIDDEN,
            )
        prefix = proof_prefix(s.complaint.tracking_id)
        keys = {"after_key": submission.after_key, "before_key": submission.before_key}
        for name, key in keys.items():
            if key is None and name == "before_key":
                continue
            if not key or not key.startswith(prefix) or ".." in key or len(key) > 300:
                raise ApplicationError(
                    f"must be a key under {prefix} from the upload URL",
                    name,
                    type=Refusal.BAD_INPUT,
                )
        if submission.note is not None and len(submission.note) > 1000:
            raise ApplicationError(
                "must be at most 1000 characters", "note", type=Refusal.BAD_INPUT
            )

    # --- the citizen's answer ---------------------------------------------------------------

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
                await self._close(CONFIRMED_BY_CITIZEN, actor=answer.actor, confirmed=True)
            else:
                await self._reopen(answer.actor, (answer.reason or "").strip())
            return s

    @feedback.validator
    def _validate_feedback(self, answer: CitizenFeedback) -> None:
        """Refuse an answer the case cannot take (see _check_feedback)."""
        self._check_feedback(answer)

    def _check_feedback(self, answer: CitizenFeedback) -> None:
        """Only the filing app (403) answers a resolved case (409) with confirm, or reopen
        and what is still wrong (422 naming the field)."""
        s = self.state
        if not may_act_as_filer(answer.key_id, s.complaint.filed_by):
            raise ApplicationError(
                "only the app that filed a complaint may confirm or reopen it",
                type=Refusal.FORBIDDEN,
            )
        if answer.action not in ("confirm", "reopen"):
            raise ApplicationError("must be confirm or reopen", "action", type=Refusal.BAD_INPUT)
        if s.status != Status.RESOLVED:
            raise ApplicationError(
                f"case is {s.status}: only a resolved case can be confirmed or reopened",
                type=Refusal.CONFLICT,
            )
        if answer.action == "reopen" and not (answer.reason or "").strip():
            raise ApplicationError("say what is still wrong", "reason", type=Refusal.BAD_INPUT)

    # --- reassignment -----------------------------------------------------------------------

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
                if getattr(cause, "type", None) == Refusal.BAD_INPUT:
                    raise ApplicationError(message, "official_id", type=Refusal.BAD_INPUT) from None
                raise ApplicationError(
                    f"the roster is briefly unavailable; retry shortly ({message})",
                    type=Refusal.UNAVAILABLE,
                ) from None
            assert new is not None
            new.match, new.distance_m = old.match, old.distance_m
            self._hand_over(new)
            await self._step(
                EventKind.REASSIGNED,
                s.status,
                actor=request.actor,
                reason=request.reason.strip(),
                from_official=old.official_name,
                official=new.official_name,
                designation=new.designation,
            )
            await self._issue_notice(NoticeKind.ASSIGNMENT)
            return s

    # --- a human overrules the priority ------------------------------------------------------

    @workflow.update
    async def set_priority(self, request: PriorityRequest) -> CaseState:
        """An official overrides the priority; the SLA deadline moves with it (audited)."""
        async with self._lock:
            self._check_priority(request)
            s = self.state
            assert s.policy is not None and s.sla_due_at is not None and s.priority is not None
            old = s.priority
            level = s.escalation_level
            s.sla_due_at += s.policy.window(request.priority, level) - s.policy.window(old, level)
            s.priority = request.priority
            await self._step(
                EventKind.REPRIORITIZED,
                s.status,
                actor=request.actor,
                priority=f"P{request.priority}",
                from_priority=f"P{old}",
                reason=request.reason.strip(),
                sla_due_at=s.sla_due_at.isoformat(),
            )
            return s

    @set_priority.validator
    def _validate_priority(self, request: PriorityRequest) -> None:
        """As _check_priority, before the update is accepted."""
        self._check_priority(request)

    def _check_priority(self, request: PriorityRequest) -> None:
        """Only a case with work due (409) gets another priority, P1-P4, with a reason (422)."""
        s = self.state
        if not s.is_open or s.sla_due_at is None or s.policy is None:
            raise ApplicationError(
                f"case is {s.status}: only a case with work due can be reprioritised",
                type=Refusal.CONFLICT,
            )
        if request.priority not in (1, 2, 3, 4):
            raise ApplicationError("must be P1, P2, P3 or P4", "priority", type=Refusal.BAD_INPUT)
        if request.priority == s.priority:
            raise ApplicationError(
                f"the case is already P{request.priority}", "priority", type=Refusal.BAD_INPUT
            )
        if not request.reason.strip():
            raise ApplicationError("must not be empty", "reason", type=Refusal.BAD_INPUT)

    @reassign.validator
    def _validate_reassign(self, request: ReassignRequest) -> None:
        """Refuse an official id no row can have (422), then as _check_reassign."""
        # Validator only: an accepted update replays without it (cases wedged by an
        # out-of-range id before this check existed fail their retrying lookup instead).
        if not ids.is_row_id(request.official_id):
            raise ApplicationError(
                f"no official {request.official_id}", "official_id", type=Refusal.BAD_INPUT
            )
        self._check_reassign(request)

    def _check_reassign(self, request: ReassignRequest) -> None:
        """Only a case with work due (409) moves, to someone else, with a reason (422)."""
        s = self.state
        if not s.is_open or s.assignment is None:
            raise ApplicationError(
                f"case is {s.status}: only a case with work due can be reassigned",
                type=Refusal.CONFLICT,
            )
        if request.official_id == s.assignment.official_id:
            raise ApplicationError(
                "the case is already assigned to this official",
                "official_id",
                type=Refusal.BAD_INPUT,
            )
        if not request.reason.strip():
            raise ApplicationError("must not be empty", "reason", type=Refusal.BAD_INPUT)
