"""Intake that may wait for a person (issue 15): a voice note's transcript, a case's category.

`CaseIntake` runs between the `filed` step and triage. A voice note is transcribed by a
machine where one exists for its language; otherwise the case waits in TRANSCRIBING until an
operator sends the transcript (the `transcribe` update). A case filed without a category is
classified; when the classifier is not sure, the case goes to the ward's supervisor (found
now, so it shows in their list) and waits in NEEDS_TRIAGE until they or an officer pick the
category (the `categorize` update). Both waits have their own deadline: a late one is
recorded as `intake_overdue`, again every window. The SLA of the work starts only at
assignment, after the category is known.

A voice note filed with a category is transcribed by a machine where one exists, but never
waits for an operator: the category is known, and staff listen to the note. Cases filed
with text and a category never enter this code, so older histories replay as they ran.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.case import CaseActivities
    from activities.language import LanguageActivities
    from activities.transcribe import TranscribeActivities
    from domain import pii
    from domain.access import Refusal, holds_case
    from domain.case import (
        AssignInput,
        Attachment,
        CategoryRequest,
        ClassifyInput,
        Transcript,
        TranscriptRequest,
    )
    from domain.categories import BY_CODE, UNCATEGORISED
    from domain.roles import Role
    from domain.sla import SlaPolicy
    from domain.states import EventKind, Status
    from domain.voice import TranscribeInput
    from workflows.options import ACTIVITY_TIMEOUT, HEARTBEAT_TIMEOUT, RETRY

from workflows.steps import CaseSteps

MAX_TRANSCRIPT_CHARS = 4000  # as a typed description


class CaseIntake(CaseSteps):
    """The intake steps that need words: transcription and classification, and their waits."""

    def _voice_note(self) -> Attachment | None:
        """The case's voice note, if it has one."""
        return next((a for a in self.state.complaint.attachments if a.kind == "voice"), None)

    async def _intake(self) -> None:
        """Transcribe, then classify, waiting for people where machines cannot decide."""
        s = self.state
        voice = self._voice_note()
        if voice is not None and s.complaint.transcript is None:
            async with self._lock:
                if s.status == Status.FILED:
                    # With the category known, nothing waits for an operator: staff listen.
                    queue = s.complaint.category == UNCATEGORISED
                    await self._machine_transcript(voice, queue=queue)
            await self._wait_for_person(Status.TRANSCRIBING)
        if s.complaint.category == UNCATEGORISED:
            async with self._lock:
                if s.status == Status.FILED:
                    await self._classify()
            await self._wait_for_person(Status.NEEDS_TRIAGE)

    async def _machine_transcript(self, voice: Attachment, *, queue: bool) -> None:
        """A machine transcript (FILED kept), or (when `queue`) the human queue: FILED ->
        TRANSCRIBING."""
        c = self.state.complaint
        transcript = await workflow.execute_activity_method(
            TranscribeActivities.transcribe,
            TranscribeInput(voice.key, c.language),
            start_to_close_timeout=ACTIVITY_TIMEOUT * 4,  # decoding and recognising 2 minutes
            heartbeat_timeout=HEARTBEAT_TIMEOUT,
            retry_policy=RETRY,
        )
        if transcript is not None and transcript.text.strip():
            await self._take_transcript(transcript, actor=f"machine:{transcript.engine}")
            return
        if not queue:
            return
        self._start_wait(self._policy().transcription_hours)
        await self._step(
            EventKind.AWAITING_TRANSCRIPT,
            Status.TRANSCRIBING,
            actor="system",
            language=c.language,
            due_at=self._due_text(),
        )

    async def _take_transcript(self, transcript: Transcript, *, actor: str) -> None:
        """Keep the transcript; it is the description unless the citizen also typed one."""
        c = self.state.complaint
        transcript = replace(transcript, text=pii.mask(transcript.text))  # deterministic
        c.transcript = transcript
        if not c.description.strip():
            c.description = transcript.text
        self.state.intake_due_at = None
        detail = {"source": transcript.source, "engine": transcript.engine}
        if transcript.confidence is not None:
            detail["confidence"] = round(transcript.confidence, 3)
        await self._step(EventKind.TRANSCRIBED, Status.FILED, actor=actor, **detail)

    async def _classify(self) -> None:
        """Let the classifier pick the category (FILED kept), or send the case to triage."""
        c = self.state.complaint
        if c.category_confidence is None and c.description.strip():  # not classified yet
            outcome = await workflow.execute_activity_method(
                LanguageActivities.classify,
                ClassifyInput(c.tracking_id, c.description, c.language),
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                heartbeat_timeout=HEARTBEAT_TIMEOUT,
                retry_policy=RETRY,
            )
            c.category_confidence = outcome.confidence
            c.category_guess = outcome.category
            if outcome.confident:
                self._set_category(outcome.category, "classifier")
                await self._step(
                    EventKind.CLASSIFIED,
                    Status.FILED,
                    actor="classifier",
                    category=outcome.category,
                    confidence=round(outcome.confidence, 3),
                )
                return
        await self._find_triager()
        self._start_wait(self._policy().triage_hours)
        detail: dict[str, object] = {"due_at": self._due_text()}
        if c.category_guess:
            detail["suggested"] = c.category_guess
            detail["confidence"] = round(c.category_confidence or 0.0, 3)
        await self._step(EventKind.NEEDS_TRIAGE, Status.NEEDS_TRIAGE, actor="system", **detail)

    async def _find_triager(self) -> None:
        """Give the waiting case to its ward's supervisor, so it shows in their list."""
        c = self.state.complaint
        holder = await workflow.execute_activity_method(
            CaseActivities.assign_zone,
            AssignInput(c.tracking_id, c.city, c.latitude, c.longitude, 0),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            heartbeat_timeout=HEARTBEAT_TIMEOUT,
            retry_policy=RETRY,
        )
        if holder is not None:  # outside every ward now: officers still sort it
            self._hand_over(holder)

    def _set_category(self, category: str, source: str) -> None:
        """Fix the category, and with it the case's SLA policy."""
        s = self.state
        s.complaint.category = category
        s.complaint.category_source = source
        hours = (s.category_hours or {}).get(category, float(BY_CODE[category].sla_hours))
        s.policy = replace(self._policy(), base_hours=hours)
        s.category_hours = None

    def _policy(self) -> SlaPolicy:
        """The case's policy (always set at start)."""
        assert self.state.policy is not None
        return self.state.policy

    def _start_wait(self, hours: float) -> None:
        """Start the clock of a wait for a person."""
        self.state.intake_due_at = workflow.now() + timedelta(hours=hours)

    def _due_text(self) -> str:
        """The wait's deadline, for the event's detail."""
        assert self.state.intake_due_at is not None
        return self.state.intake_due_at.isoformat()

    async def _wait_for_person(self, status: Status) -> None:
        """While the case waits in `status`, record each deadline that passes unanswered."""
        s = self.state
        while s.status == status:
            assert s.intake_due_at is not None
            left = max(s.intake_due_at - workflow.now(), timedelta(seconds=1))
            try:
                await workflow.wait_condition(lambda: s.status != status, timeout=left)
            except TimeoutError:
                async with self._lock:
                    if s.status != status:
                        break
                    hours = (
                        self._policy().transcription_hours
                        if status == Status.TRANSCRIBING
                        else self._policy().triage_hours
                    )
                    late = s.intake_due_at
                    s.intake_due_at = late + timedelta(hours=hours)
                    await self._step(
                        EventKind.INTAKE_OVERDUE,
                        status,
                        actor="system",
                        waiting_for="transcript" if status == Status.TRANSCRIBING else "category",
                        was_due_at=late.isoformat(),
                        due_at=self._due_text(),
                    )

    # --- what people send -------------------------------------------------------------------

    def _check_transcript(self, request: TranscriptRequest) -> None:
        """A transcript is taken only while the case waits for one (409), non-empty (422)."""
        if self.state.status != Status.TRANSCRIBING:
            raise ApplicationError(
                f"case is {self.state.status}: it is not waiting for a transcript",
                type=Refusal.CONFLICT,
            )
        text = request.text.strip()
        if not text:
            raise ApplicationError("must not be empty", "text", type=Refusal.BAD_INPUT)
        if len(text) > MAX_TRANSCRIPT_CHARS:
            raise ApplicationError(
                f"must be at most {MAX_TRANSCRIPT_CHARS} characters", "text", type=Refusal.BAD_INPUT
            )

    async def _apply_transcript(self, request: TranscriptRequest) -> None:
        """Take an operator's transcript: TRANSCRIBING -> FILED."""
        c = self.state.complaint
        if request.language:
            c.language = request.language
        transcript = Transcript(request.text.strip(), c.language, "human", request.actor)
        await self._take_transcript(transcript, actor=request.actor)

    def _check_category(self, request: CategoryRequest) -> None:
        """Only a case in NEEDS_TRIAGE (409) is sorted, by its ward's supervisor or an officer
        (403), into a catalogue category (422 naming `category`)."""
        s = self.state
        if s.status != Status.NEEDS_TRIAGE:
            raise ApplicationError(
                f"case is {s.status}: only a case in NEEDS_TRIAGE has its category picked",
                type=Refusal.CONFLICT,
            )
        if request.role == Role.SUPERVISOR and not (
            s.assignment is not None and holds_case(request.official_id, s.assignment.official_id)
        ):
            raise ApplicationError(
                "only the ward's supervisor or an officer may pick this case's category",
                type=Refusal.FORBIDDEN,
            )
        if request.category not in BY_CODE:
            raise ApplicationError(
                "must be a category code (GET /v1/categories)", "category", type=Refusal.BAD_INPUT
            )

    async def _apply_category(self, request: CategoryRequest) -> None:
        """A person picked the category: NEEDS_TRIAGE -> FILED, and triage goes on."""
        guess = self.state.complaint.category_guess
        self._set_category(request.category, "triage")
        self.state.intake_due_at = None
        detail: dict[str, object] = {"category": request.category}
        if guess:
            detail["suggested"] = guess
        if request.reason and request.reason.strip():
            detail["reason"] = request.reason.strip()
        await self._step(EventKind.CATEGORIZED, Status.FILED, actor=request.actor, **detail)
