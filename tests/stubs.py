"""Stand-ins for the complaint workflow's activities, for fast tests of the case's rules.

The real `ComplaintWorkflow` runs on Temporal's time-skipping test server with its activities
replaced by these plain in-memory methods, registered under the real activity names
(`@activity.defn(name="prioritize")`, ..., the pattern of the Temporal samples). Each stub
records what it was called with and answers from a small canned world: one ward (65, West
zone) with an official on every rung of the ladder, and one official elsewhere to
reassign to. No database, no S3, no PDF: a case's whole life takes well under a second.
The stubs keep the real activities' contracts where the workflow relies on them: an empty
rung passes the case up, a notice's number follows its kind, level and sequence, a named
official off the roster is a non-retryable BadInput. tests/stubbed_cases.py runs them.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.case import (
    AssignInput,
    Assignment,
    CaseEvent,
    ClassifyInput,
    ClassifyOutcome,
    FindOfficialInput,
    IssueNoticeInput,
    NoticeRef,
    PrioritizeInput,
    RecordInput,
    Transcript,
)
from domain.priority import RiskDecision
from domain.proof import CheckedPhoto, ProofVerdict, VerifyProofInput
from domain.scores import ScoreInput, points_for
from domain.voice import TranscribeInput

CITIZEN_APP = "key-citizen-app"  # the API key id that files the test cases


@dataclass(frozen=True)
class Official:
    """Someone on the roster: who a stub hands a case to."""

    id: int
    name: str
    designation: str
    level: int


WARD_ID, WARD_NAME, ZONE = "65", "Kadu Malleshwar Ward", "West"
LADDER: dict[int, Official] = {
    0: Official(101, "Lakshmi Narayana", "Ward Supervisor (Junior Engineer)", 0),
    1: Official(102, "Ramesh Gowda", "Zonal Officer (Assistant Executive Engineer)", 1),
    2: Official(103, "Farah Siddiqui", "Zonal Joint Commissioner", 2),
    3: Official(104, "Suresh Rao", "City Commissioner", 3),
}
# Officials off the ward's ladder that a case can be reassigned to.
ELSEWHERE: dict[int, Official] = {
    201: Official(201, "Meena Iyer", "Ward Supervisor (Junior Engineer)", 0),
}
NOTICE_CODES = {"assignment": "ASG", "escalation": "ESC", "sla_breach": "SLA", "closure": "CLS"}


def assignment(official: Official, match: str = "inside", distance_m: float = 0.0) -> Assignment:
    """The ward-65 assignment of an official."""
    return Assignment(
        ward_id=WARD_ID,
        ward_name=WARD_NAME,
        zone=ZONE,
        official_id=official.id,
        official_name=official.name,
        designation=official.designation,
        level=official.level,
        match=match,
        distance_m=distance_m,
    )


def photo_sha(key: str) -> str:
    """The hash the verify_proof stub reports for the photo under a key."""
    return hashlib.sha256(key.encode()).hexdigest()


def rejected(code: str, reason: str, role: str = "after") -> ProofVerdict:
    """A proof verdict that refuses the photo in `role`."""
    return ProofVerdict(accepted=False, reason=reason, field=role, code=code)


class Stubs:
    """The seven activities of a case, in memory; `calls` holds every (name, input) in order."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.reset()

    def reset(self) -> None:
        """Back to the canned world, with nothing called yet (between tests)."""
        self.calls.clear()
        self.priority = 3
        self.outside = False  # assign_zone finds no ward
        self.ladder: dict[int, Official] = dict(LADDER)  # level -> who holds it
        self.verdicts: list[ProofVerdict] = []  # answers verify_proof gives first, in order
        self.notice_failure: str | None = None  # issue_notice fails for good with this
        self.score_failure: str | None = None  # record_score fails for good with this
        self.triage_gate: asyncio.Event | None = None  # prioritize waits for it when set
        self.triage_entered = asyncio.Event()
        # Issue 15: what the classifier answers (category, confidence, sure) and the machine
        # transcript of a voice note (None: no machine for its language, the human queue).
        self.classified = ("drain_overflow", 0.93, True)
        self.machine_transcript: str | None = None

    def inputs(self, name: str) -> list[Any]:
        """What the activity `name` was called with, in order."""
        return [data for called, data in self.calls if called == name]

    def holder(self, level: int) -> Official | None:
        """Who holds a case at a level: like the real roster, an empty rung passes it up."""
        for rung in range(max(level, 0), 4):
            if rung in self.ladder:
                return self.ladder[rung]
        return None

    def activities(self) -> list[Callable[..., Any]]:
        """The stubs, to register on a worker."""
        return [
            self.prioritize,
            self.assess_priority,
            self.assign_zone,
            self.find_official,
            self.record,
            self.issue_notice,
            self.verify_proof,
            self.record_score,
            self.classify,
            self.transcribe,
        ]

    @activity.defn(name="prioritize")
    async def prioritize(self, data: PrioritizeInput) -> int:
        self.calls.append(("prioritize", data))
        self.triage_entered.set()
        if self.triage_gate is not None:
            await self.triage_gate.wait()
        return self.priority

    @activity.defn(name="assess_priority")
    async def assess_priority(self, data: PrioritizeInput) -> RiskDecision:
        """The prioritize step since the risk-priority patch: the same stub, as a decision."""
        return RiskDecision(await self.prioritize(data))

    @activity.defn(name="assign_zone")
    async def assign_zone(self, data: AssignInput) -> Assignment | None:
        self.calls.append(("assign_zone", data))
        if self.outside:
            return None
        official = self.holder(data.level)
        assert official is not None, "the ward's ladder is empty"
        return assignment(official, match="inside", distance_m=3.5)

    @activity.defn(name="find_official")
    async def find_official(self, data: FindOfficialInput) -> Assignment | None:
        self.calls.append(("find_official", data))
        if data.official_id is not None:
            known = {**{o.id: o for o in self.ladder.values()}, **ELSEWHERE}
            if data.official_id not in known:
                raise ApplicationError(
                    f"no active official {data.official_id}",
                    "official_id",
                    type="BadInput",
                    non_retryable=True,
                )
            return assignment(known[data.official_id])
        official = self.holder(data.level)
        return None if official is None else assignment(official)

    @activity.defn(name="record")
    async def record(self, data: RecordInput) -> CaseEvent | None:
        self.calls.append(("record", data))
        # Like the real one: the event written, when the run asks for it in its history.
        return data.event if getattr(data, "return_event", False) else None

    @activity.defn(name="issue_notice")
    async def issue_notice(self, data: IssueNoticeInput) -> NoticeRef:
        self.calls.append(("issue_notice", data))
        if self.notice_failure is not None:
            raise ApplicationError(self.notice_failure, non_retryable=True)
        tid = data.complaint.tracking_id
        number = f"{tid}-{NOTICE_CODES[data.kind]}{data.level}" + (
            f"-{data.seq}" if data.seq else ""
        )
        return NoticeRef(
            notice_id=number,
            kind=str(data.kind),
            level=data.level,
            key_id="stub-key-1",
            s3_key=f"notices/{tid}/{number}.pdf",
            pdf_sha256=hashlib.sha256(number.encode()).hexdigest(),
            issued_at=data.issued_at,
        )

    @activity.defn(name="verify_proof")
    async def verify_proof(self, data: VerifyProofInput) -> ProofVerdict:
        self.calls.append(("verify_proof", data))
        if self.verdicts:
            return self.verdicts.pop(0)
        photos = [
            CheckedPhoto(p.role, p.key, photo_sha(p.key), "image/jpeg", 48_213) for p in data.photos
        ]
        return ProofVerdict(accepted=True, photos=photos)

    @activity.defn(name="record_score")
    async def record_score(self, entry: ScoreInput) -> int:
        self.calls.append(("record_score", entry))
        if self.score_failure is not None:
            raise ApplicationError(self.score_failure, type="BadInput", non_retryable=True)
        return points_for(entry.event, entry.priority)

    @activity.defn(name="classify")
    async def classify(self, data: ClassifyInput) -> ClassifyOutcome:
        self.calls.append(("classify", data))
        category, confidence, sure = self.classified
        return ClassifyOutcome(category, confidence, sure, data.language or "en")

    @activity.defn(name="transcribe")
    async def transcribe(self, data: TranscribeInput) -> Transcript | None:
        self.calls.append(("transcribe", data))
        if self.machine_transcript is None:
            return None
        return Transcript(self.machine_transcript, data.language, "machine", "stub-asr", 0.8)
