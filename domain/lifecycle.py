"""The decisions a case's steps make, and the reasons they write, as pure rules.

The workflow applies these rules and records their results in each CaseEvent; the timeline
reads the same rules and texts when it explains a history recorded before events were
kept whole (see workflows/patches.py, PATCH_RECORDED_EVENTS), so neither copies the other.
"""

from datetime import datetime
from enum import StrEnum

from domain.sla import TOP_LEVEL


class EscalationCause(StrEnum):
    """Why a case moved up the ladder (the `reason` of an `escalated` event, unless reopened)."""

    SLA_BREACH = "sla_breach"  # the SLA window ran out below the top of the ladder
    RECOMPLAINTS = "recomplaints"  # the re-complaint threshold was reached
    RECOMPLAINT_AFTER_BREACH = "recomplaint_after_breach"  # any re-complaint after a breach


# A reopened case escalates with reason REOPENED_PREFIX + what the citizen said is wrong.
REOPENED_PREFIX = "reopened: "
REOPENED_BY_RECOMPLAINT = "a citizen reported the problem again"
CONFIRMED_BY_CITIZEN = "confirmed by the citizen"
OUTSIDE_EVERY_WARD = "the location is outside every ward of the city"


def reopened_reason(why: str) -> str:
    """The escalation reason of a reopened case: 'reopened: <why>'."""
    return f"{REOPENED_PREFIX}{why}"


def closed_by_silence(confirm_hours: float) -> str:
    """The reason a resolved case closes when the citizen did not answer in time."""
    return f"closed: the citizen did not answer within {confirm_hours:g} h"


def resolved_on_time(breaches_while_held: int, sla_due_at: datetime | None, at: datetime) -> bool:
    """Whether proof accepted at `at` was on time: no deadline passed while its assignee held
    the case (at the top of the ladder a case stays and reminders repeat), and none is past."""
    return breaches_while_held == 0 and (sla_due_at is None or at <= sla_due_at)


def recomplaint_escalation(
    level: int, sla_breaches: int, since_escalation: int, threshold: int
) -> EscalationCause | None:
    """Why a counted re-complaint escalates an open case at `level`, or None if it does not."""
    if level >= TOP_LEVEL:
        return None
    if sla_breaches > 0:
        return EscalationCause.RECOMPLAINT_AFTER_BREACH
    if since_escalation >= threshold:
        return EscalationCause.RECOMPLAINTS
    return None
