"""Cases on a worker whose activities are the stubs of tests/stubs.py, and what people do.

`StubbedCases` runs one worker with the stubs on a task queue of its own (for the whole
session: a worker's start and stop cost more than a case's intake) and files cases on it as
the API does; `Case` wraps one case's handle with what its users do (re-complain, submit
proof, confirm, reopen, reassign, withdraw) and with what the stubs saw of it (its events,
notices, ledger entries). `Case.until` waits for a state and for the case to settle, so a
test never reads a step half done. Every case still open when a test ends is withdrawn, so
no timer of it fires in a later test, and withdrawn rather than terminated: the test server
stops skipping time for good after terminating a case that was started with a signal.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from helpers import MALLESHWARAM, pothole_case
from stubs import CITIZEN_APP, Stubs
from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowUpdateFailedError,
)
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain import ids
from domain.case import (
    CaseEvent,
    CaseState,
    CitizenFeedback,
    Complaint,
    PriorityRequest,
    ReassignRequest,
    ReComplaint,
    WithdrawRequest,
)
from domain.proof import ProofSubmission
from domain.sla import PolicyBook, SlaPolicy
from worker import WORKFLOWS
from workflows.complaint import ComplaintWorkflow, initial_search_attributes


def refusal(error: WorkflowUpdateFailedError) -> tuple[str | None, str | None]:
    """(type, field) of a refused update: ("Forbidden", None), ("BadInput", "reason"), ..."""
    cause = error.cause
    details = getattr(cause, "details", None) or ()
    return getattr(cause, "type", None), (details[0] if details else None)


@dataclass
class Case:
    """One case on the stubbed worker, and what its users do to it."""

    handle: WorkflowHandle
    tracking_id: str
    stubs: Stubs
    signalled: bool = False  # started with a signal: never terminate it (test server bug)
    sent: int = 0  # re-complaints sent, to number their filing ids

    async def state(self) -> CaseState:
        return await self.handle.query(ComplaintWorkflow.status)

    async def until(
        self, check: Callable[[CaseState], bool], what: str = "", timeout: float = 10.0
    ) -> CaseState:
        """The case's state once check(state) holds and the case has settled: nothing it
        started (an activity, a workflow task) is still running, so the step is complete."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        state: CaseState | None = None
        while True:
            if await self.idle():
                state = await self.state()
                if check(state):
                    return state
            if loop.time() > deadline:
                seen = state or "it never settled"
                raise AssertionError(f"{self.tracking_id} never {what or 'got there'}: {seen}")
            await asyncio.sleep(0.02)

    async def settled(self) -> CaseState:
        """The case's state once it waits only for time or for the outside world."""
        return await self.until(lambda _: True, "settled")

    async def idle(self) -> bool:
        """True when the case's history ends waiting: no workflow task and no activity is
        scheduled after its last completed workflow task (or it has ended)."""
        busy = False
        for event in (await self.handle.fetch_history()).events:
            if event.HasField("workflow_task_completed_event_attributes"):
                busy = False
            elif event.HasField("workflow_task_scheduled_event_attributes") or event.HasField(
                "activity_task_scheduled_event_attributes"
            ):
                busy = True
        return not busy

    async def reaches(self, status: str, timeout: float = 10.0) -> CaseState:
        return await self.until(lambda s: s.status == status, f"reached {status}", timeout)

    # --- what happened ------------------------------------------------------------------

    def events(self) -> list[CaseEvent]:
        """Every event the case recorded (through the `record` stub), by revision.

        A local activity runs again when its workflow task is retried (say, a continue-as-new
        the server refused because a signal came in meanwhile); like the real projection,
        one revision is one event.
        """
        by_revision = {
            d.event.revision: d.event
            for d in self.stubs.inputs("record")
            if self._mine(d.state.complaint)
        }
        return [by_revision[r] for r in sorted(by_revision)]

    def kinds(self) -> list[str]:
        return [e.kind for e in self.events()]

    def last(self, kind: str) -> CaseEvent:
        return [e for e in self.events() if e.kind == kind][-1]

    def notices(self) -> list[tuple[str, int, int, int]]:
        """(kind, level, seq, assignee id) of every notice the case asked for, in order."""
        return [
            (str(n.kind), n.level, n.seq, n.assignment.official_id)
            for n in self.stubs.inputs("issue_notice")
            if self._mine(n.complaint)
        ]

    def scores(self) -> list[tuple[str, int, int, str]]:
        """(event, level, occurrence, official) of every ledger entry, in order."""
        return [
            (s.event, s.level, s.occurrence, s.official_name)
            for s in self.stubs.inputs("record_score")
            if s.tracking_id == self.tracking_id
        ]

    def officials_sought(self) -> list[tuple[int, int | None]]:
        """(level, named official) of every find_official call, in order."""
        return [
            (f.level, f.official_id)
            for f in self.stubs.inputs("find_official")
            if f.tracking_id == self.tracking_id
        ]

    def _mine(self, complaint: Complaint) -> bool:
        return complaint.tracking_id == self.tracking_id

    # --- what people do -----------------------------------------------------------------

    async def recomplain(self, filing_id: str | None = None, distance_m: float = 22.0) -> str:
        """Another citizen reports the same problem; returns the filing id used."""
        self.sent += 1
        filing = filing_id or f"{self.tracking_id}-R{self.sent}"
        await self.handle.signal(ComplaintWorkflow.recomplain, report(filing, distance_m))
        return filing

    async def prove(
        self,
        official_id: int | None = None,
        *,
        before: bool = False,
        note: str | None = None,
        after_key: str | None = None,
    ) -> Any:
        """The assignee (or `official_id`) submits proof; returns the ProofOutcome."""
        if official_id is None:
            holder = (await self.state()).assignment
            assert holder is not None
            official_id = holder.official_id
        prefix = f"proofs/{self.tracking_id}/"
        submission = ProofSubmission(
            after_key=after_key or f"{prefix}after-{uuid.uuid4().hex[:6]}.jpg",
            actor=f"official-{official_id}",
            official_id=official_id,
            before_key=f"{prefix}before-{uuid.uuid4().hex[:6]}.jpg" if before else None,
            note=note,
        )
        return await self.handle.execute_update(ComplaintWorkflow.submit_proof, submission)

    async def confirm(self, key_id: str | None = CITIZEN_APP) -> CaseState:
        answer = CitizenFeedback("confirm", "citizen-app", key_id=key_id)
        return await self.handle.execute_update(ComplaintWorkflow.feedback, answer)

    async def reopen(self, reason: str | None, key_id: str | None = CITIZEN_APP) -> CaseState:
        answer = CitizenFeedback("reopen", "citizen-app", reason=reason, key_id=key_id)
        return await self.handle.execute_update(ComplaintWorkflow.feedback, answer)

    async def reassign(self, official_id: int, reason: str = "the road is theirs") -> CaseState:
        request = ReassignRequest(official_id, "official-dashboard", reason)
        return await self.handle.execute_update(ComplaintWorkflow.reassign, request)

    async def reprioritize(self, priority: int, reason: str = "children walk here") -> CaseState:
        request = PriorityRequest(priority, "official-dashboard", reason)
        return await self.handle.execute_update(ComplaintWorkflow.set_priority, request)

    async def withdraw(
        self, reason: str = "duplicate", key_id: str | None = None, actor: str = "official"
    ) -> CaseState:
        request = WithdrawRequest(reason, actor, key_id=key_id)
        return await self.handle.execute_update(ComplaintWorkflow.withdraw, request)


def report(filing_id: str, distance_m: float = 22.0, filed_at: datetime | None = None) -> Any:
    """A re-complaint of the Malleshwaram pothole."""
    return ReComplaint(
        filing_id=filing_id,
        filed_at=filed_at or datetime(2026, 1, 1, tzinfo=UTC),
        latitude=MALLESHWARAM[0],
        longitude=MALLESHWARAM[1] + 0.0002,
        distance_m=distance_m,
        source="integrator",
        filed_by="key-integrator",
    )


def default_policy() -> SlaPolicy:
    """The packaged policy for a Bengaluru pothole: 72 h at P3, halved per level."""
    return PolicyBook.load().sla("bengaluru", "pothole")


class StubbedCases:
    """A worker with the stubs on a task queue of its own, on the time-skipping server."""

    def __init__(self, env: WorkflowEnvironment, stubs: Stubs, task_queue: str) -> None:
        self.env = env
        self.stubs = stubs
        self.task_queue = task_queue
        self.cases: list[Case] = []

    @property
    def client(self) -> Client:
        return self.env.client

    @classmethod
    @contextlib.asynccontextmanager
    async def running(cls, env: WorkflowEnvironment) -> AsyncIterator[StubbedCases]:
        stubs = Stubs()
        queue = f"logic-{uuid.uuid4().hex[:10]}"
        async with Worker(
            env.client, task_queue=queue, workflows=WORKFLOWS, activities=stubs.activities()
        ):
            bench = cls(env, stubs, queue)
            try:
                yield bench
            finally:
                await bench.end_all()

    async def state(self, **overrides: Any) -> CaseState:
        """A new pothole case in ward 65, filed now on the server's clock, as the API files it."""
        overrides.setdefault("policy", default_policy())
        return pothole_case(
            filed_at=await self.env.get_current_time(),
            filed_by=CITIZEN_APP,
            source="citizen-app",
            description="Deep pothole near the bus stop",
            **overrides,
        )

    async def file(self, state: CaseState | None = None, **start: Any) -> Case:
        """Start a case (a fresh pothole unless `state` is given), as the API does."""
        if state is None:
            state = await self.state()
        workflow_id = ids.workflow_id(state.complaint.tracking_id)
        await self.client.start_workflow(
            ComplaintWorkflow.run,
            state,
            id=workflow_id,
            task_queue=self.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            search_attributes=initial_search_attributes(state),
            **start,
        )
        # By workflow id alone, as the API reaches a case: the latest run, whichever it is.
        handle = self.client.get_workflow_handle(workflow_id, result_type=CaseState)
        case = Case(handle, state.complaint.tracking_id, self.stubs, "start_signal" in start)
        self.cases.append(case)
        return case

    async def noticed(self, state: CaseState | None = None) -> Case:
        """A case filed and waited for until its Assignment notice is out."""
        case = await self.file(state)
        await case.reaches("NOTICE_ISSUED")
        return case

    async def sleep(self, hours: float, minutes: float = 0) -> None:
        """Move the server's clock on; timers due meanwhile fire."""
        await self.env.sleep(timedelta(hours=hours, minutes=minutes))

    async def end_all(self) -> None:
        """Withdraw every case still running, while the worker is still there to do it."""
        if self.stubs.triage_gate is not None:
            self.stubs.triage_gate.set()
        cases, self.cases = self.cases, []
        for case in cases:
            try:
                # Asked of the server, not the case: a query of an ended case replays it whole.
                running = WorkflowExecutionStatus.RUNNING
                if (await case.handle.describe()).status != running:
                    continue
                await asyncio.wait_for(case.withdraw("test finished", actor="tests"), timeout=10)
            except (RPCError, WorkflowUpdateFailedError):
                pass  # it ended meanwhile
            except TimeoutError:
                if not case.signalled:  # terminating a signal-started case stops time skipping
                    await case.handle.terminate("the test left it stuck")
                raise
