"""How the complaint workflow runs its activities and bounds its own state."""

from datetime import timedelta

from temporalio.common import RetryPolicy

from domain.access import Refusal

RECENT_EVENTS = 20  # events kept in the state; the full log is in the database and history
FILINGS_KEPT = 500  # filing ids remembered to ignore a re-sent re-complaint
ACTIVITY_TIMEOUT = timedelta(seconds=30)
# Every activity heartbeats (activities/running.py), so an attempt whose worker was killed
# is retried this long after its last beat, not after its whole start-to-close timeout.
HEARTBEAT_TIMEOUT = timedelta(seconds=10)
NOTICE_TIMEOUT = timedelta(minutes=2)  # renders a PDF and writes to S3
PROOF_TIMEOUT = timedelta(minutes=2)  # reads up to two photos from S3
# Database or storage outages are retried patiently: an accepted complaint must never be lost.
RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(minutes=5),
    non_retryable_error_types=[Refusal.BAD_INPUT],
)
# An update's caller is waiting (30 s at most): an outage during it is retried briefly, then
# the update is refused as unavailable, so the case's lock is never held for ever.
UPDATE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(seconds=4),
    maximum_attempts=5,
    non_retryable_error_types=[Refusal.BAD_INPUT],
)
