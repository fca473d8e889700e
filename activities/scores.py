"""The record_score activity: append one entry to the reward ledger, idempotently."""

from __future__ import annotations

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.running import resilient
from domain.access import Refusal
from domain.scores import ScoreInput, points_for
from records import scores as score_records


class ScoreActivities:
    """The reward-ledger activity; needs nothing but the database."""

    @activity.defn(name="record_score")
    @resilient
    async def record_score(self, entry: ScoreInput) -> int:
        """Write the ledger entry once (a retry adds nothing) and return its points."""
        try:
            points_for(entry.event, entry.priority)
        except ValueError as exc:
            raise ApplicationError(str(exc), type=Refusal.BAD_INPUT, non_retryable=True) from None
        return await score_records.record(entry)
