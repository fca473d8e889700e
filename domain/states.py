"""The case's state machine: its statuses, the events that move it, and the moves allowed.

Every step of a case is one event (an `EventKind`) that moves it from one `Status` to
another, or keeps it where it is (a re-complaint, a reminder, a rejected proof). TRANSITIONS
lists every move the workflow makes; the workflow's `_step` refuses any other, so a bug
that would put a case somewhere impossible stops the case loudly instead of being recorded.
The timeline reads the same vocabulary, so what a status means is written once, here.

`markdown_table()` renders TRANSITIONS as the README's state table.
"""

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType


class Status(StrEnum):
    """Where a case is in its lifecycle (the moves between them: TRANSITIONS)."""

    FILED = "FILED"
    TRANSCRIBING = "TRANSCRIBING"  # a voice note waits for a person to transcribe it
    NEEDS_TRIAGE = "NEEDS_TRIAGE"  # no confident category: a supervisor or officer picks one
    TRIAGED = "TRIAGED"
    ASSIGNED = "ASSIGNED"
    NOTICE_ISSUED = "NOTICE_ISSUED"
    ESCALATED = "ESCALATED"
    RESOLVED = "RESOLVED"
    REOPENED = "REOPENED"
    CLOSED = "CLOSED"
    OUTSIDE_CITY = "OUTSIDE_CITY"
    WITHDRAWN = "WITHDRAWN"


class EventKind(StrEnum):
    """Every kind of step the complaint workflow records (CaseEvent.kind)."""

    FILED = "filed"  # the case exists (its first step keeps FILED)
    AWAITING_TRANSCRIPT = "awaiting_transcript"  # FILED -> TRANSCRIBING: the human queue
    TRANSCRIBED = "transcribed"  # a voice note's transcript: FILED or TRANSCRIBING -> FILED
    CLASSIFIED = "classified"  # the classifier chose the category: keeps FILED
    NEEDS_TRIAGE = "needs_triage"  # FILED -> NEEDS_TRIAGE: nobody is sure what the problem is
    CATEGORIZED = "categorized"  # NEEDS_TRIAGE -> FILED: a person picked the category
    INTAKE_OVERDUE = "intake_overdue"  # a transcript or triage is late: a reminder, keeps status
    PRIORITIZED = "prioritized"  # FILED -> TRIAGED
    ASSIGNED = "assigned"  # TRIAGED -> ASSIGNED: a ward and its supervisor found
    OUTSIDE_CITY = "outside_city"  # TRIAGED -> OUTSIDE_CITY: no ward contains the spot
    NOTICE_ISSUED = "notice_issued"  # a signed notice; the first moves ASSIGNED -> NOTICE_ISSUED
    NOTICE_FAILED = "notice_failed"  # a notice could not be issued; the status is kept
    SLA_BREACHED = "sla_breached"  # a deadline passed at the top of the ladder: a reminder
    ESCALATED = "escalated"  # one level up the ladder (-> ESCALATED, or -> REOPENED)
    RECOMPLAINT = "recomplaint"  # another citizen reported the same problem
    REASSIGNED = "reassigned"  # an official handed the case to another official
    REPRIORITIZED = "reprioritized"  # an official overrode the priority; the SLA due moves
    PROOF_REJECTED = "proof_rejected"  # proof of completion refused; the case stays open
    PROOF_ACCEPTED = "proof_accepted"  # open -> RESOLVED
    CLOSED = "closed"  # RESOLVED -> CLOSED: the citizen confirmed, or did not answer
    WITHDRAWN = "withdrawn"  # any live status -> WITHDRAWN


# The case can change no more.
# Intake waits for a person before the case can be triaged.
WAITING: frozenset[Status] = frozenset({Status.TRANSCRIBING, Status.NEEDS_TRIAGE})
TERMINAL: frozenset[Status] = frozenset({Status.OUTSIDE_CITY, Status.WITHDRAWN, Status.CLOSED})
# Work is due: the SLA clock runs and proof of completion is accepted.
OPEN: frozenset[Status] = frozenset(
    {Status.ASSIGNED, Status.NOTICE_ISSUED, Status.ESCALATED, Status.REOPENED}
)

# While work is due, a case may stay where it is (re-complaint, reassignment, reminder,
# notice, rejected proof), escalate, be resolved by accepted proof, or be withdrawn.
_WORK_DUE = frozenset({Status.ESCALATED, Status.RESOLVED, Status.WITHDRAWN})

# From each status, the statuses one step may lead to (itself included where a step keeps it).
TRANSITIONS: Mapping[Status, frozenset[Status]] = MappingProxyType(
    {
        Status.FILED: frozenset(
            {
                Status.FILED,
                Status.TRANSCRIBING,
                Status.NEEDS_TRIAGE,
                Status.TRIAGED,
                Status.WITHDRAWN,
            }
        ),
        # Waiting for a person (issue 15): the wait ends back in FILED, ready for triage.
        Status.TRANSCRIBING: frozenset({Status.TRANSCRIBING, Status.FILED, Status.WITHDRAWN}),
        Status.NEEDS_TRIAGE: frozenset({Status.NEEDS_TRIAGE, Status.FILED, Status.WITHDRAWN}),
        Status.TRIAGED: frozenset({Status.ASSIGNED, Status.OUTSIDE_CITY, Status.WITHDRAWN}),
        # A case whose Assignment notice failed (or predates it) works on from ASSIGNED.
        Status.ASSIGNED: _WORK_DUE | {Status.ASSIGNED, Status.NOTICE_ISSUED},
        Status.NOTICE_ISSUED: _WORK_DUE | {Status.NOTICE_ISSUED},
        Status.ESCALATED: _WORK_DUE,
        Status.REOPENED: _WORK_DUE | {Status.REOPENED},
        # Resolved: a re-complaint or the citizen reopens it (one level up), the citizen
        # confirms or stays silent (closed); the Closure notice and re-complaints keep it.
        Status.RESOLVED: frozenset(
            {Status.RESOLVED, Status.REOPENED, Status.CLOSED, Status.WITHDRAWN}
        ),
        Status.CLOSED: frozenset(),
        Status.OUTSIDE_CITY: frozenset(),
        Status.WITHDRAWN: frozenset(),
    }
)


class IllegalTransition(RuntimeError):
    """A step would move a case where the state machine does not allow: a workflow bug.

    Deliberately not an ApplicationError: raised in workflow code it fails the workflow
    task, not the case, so the case waits (Temporal retries the task) until a fixed worker
    is deployed, and nothing of the bad step is recorded.
    """

    def __init__(self, kind: str, old: Status, new: Status) -> None:
        super().__init__(f"a {kind} step may not move a case from {old} to {new}")
        self.kind = kind
        self.old = old
        self.new = new


def may_move(old: Status, new: Status) -> bool:
    """Whether one step may take a case from `old` to `new`."""
    return new in TRANSITIONS[old]


def check_transition(kind: str, old: Status, new: Status) -> None:
    """Raise IllegalTransition unless a `kind` step may take a case from `old` to `new`."""
    if not may_move(old, new):
        raise IllegalTransition(kind, old, new)


def markdown_table() -> str:
    """TRANSITIONS as a markdown table: each status and where one step may take it."""
    rows = ["| from | may move to |", "|---|---|"]
    for old in Status:
        ordered = [s.value for s in Status if s in TRANSITIONS[old]]
        rows.append(f"| {old.value} | {', '.join(ordered) or '— (terminal)'} |")
    return "\n".join(rows)
