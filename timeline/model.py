"""What a traced case looks like: the timeline's output types, as the API and the CLI give them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from temporalio.api.history.v1 import HistoryEvent

SYSTEM = "system"  # the actor of a step nobody asked for: a timer, the workflow itself


class EntryKind(StrEnum):
    """The timeline's own entries, beside the case's steps (domain.states.EventKind): what
    history shows that no step records. (A deadline passed below the top of the ladder is an
    `sla_breached` entry too, before the escalation it causes, like the reminders at the top.)
    """

    SLA_DUE = "sla_due"  # a new deadline, announced when its clock starts
    PROOF_SUBMITTED = "proof_submitted"  # the submit_proof update, before its verdict
    CITIZEN_CONFIRMED = "citizen_confirmed"  # the feedback update: the fix holds
    CITIZEN_REOPENED = "citizen_reopened"  # the feedback update: it does not
    REQUEST_FAILED = "request_failed"  # an update refused inside the workflow
    SIGNAL = "signal"  # a signal the timeline has no words for
    UPDATE = "update"  # an update the timeline has no words for
    UPDATED = "updated"  # a step of an old case whose kind history does not tell
    CONTINUED_AS_NEW = "continued_as_new"  # the run ended; the case goes on in a new one
    HISTORY_TRUNCATED = "history_truncated"  # earlier runs are past retention
    TERMINATED = "terminated"  # the run ended abnormally: terminated, failed, timed out ...
    FAILED = "failed"
    TIMED_OUT = "timed_out"
    CANCELED = "canceled"


@dataclass
class TimelineEntry:
    """One step of a case as an official reads it: when, what, who, and the details."""

    at: datetime  # UTC
    at_ist: str  # e.g. "2026-11-24 14:05:31 IST"
    kind: str  # stable machine name: filed, prioritized, assigned, notice_issued, sla_due, ...
    actor: str  # who did it: the filing app, the uploader, the citizen app, an official, system
    summary: str  # one readable English line
    detail: dict[str, Any]
    run_id: str  # the workflow run whose history holds it


@dataclass
class RunLink:
    """One run of the case's workflow (a case continues-as-new when its history grows)."""

    run_id: str
    started_at: datetime
    ended_at: datetime | None
    outcome: str  # running, completed, continued_as_new, terminated, failed, timed_out, canceled
    events: int
    temporal_ui_url: str


@dataclass
class Assignee:
    """The official who holds the case (at its end, for a closed case)."""

    official_id: int
    name: str
    designation: str | None = None
    level: int | None = None
    ward_id: str | None = None
    ward_name: str | None = None
    zone: str | None = None


@dataclass
class CaseHistory:
    """The whole timeline of a case, with links into the Temporal UI."""

    tracking_id: str
    workflow_id: str
    namespace: str
    status: str | None
    running: bool
    complete: bool  # False when earlier runs are gone (past retention) or were not fetched
    assignee: Assignee | None
    temporal_ui_url: str
    runs: list[RunLink]
    entries: list[TimelineEntry]


@dataclass
class RunHistory:
    """The events of one run, oldest first."""

    run_id: str
    events: Sequence[HistoryEvent]
