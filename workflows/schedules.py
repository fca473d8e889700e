"""The Temporal Schedules CivicOps keeps: the nightly retention run at 02:30 IST.

`ensure_schedule` is called by every worker as it starts (worker.py): it creates the schedule
if it is missing and otherwise brings its spec, action and policy up to date, keeping its
state (an operator's pause stays), so several workers starting at once end with one schedule.
IST (UTC+05:30) has no daylight saving, so 02:30 IST is 21:00 UTC the evening before: the
cron "0 21 * * *" in UTC, which needs no time-zone data on the server ("30 21 * * *" would be
03:00 IST). A run still going at the next night is not overlapped (SKIP); a run
missed while the server was down is caught up within a day.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

from workflows.retention import RetentionInput, RetentionWorkflow

RETENTION_SCHEDULE_ID = "civicops-retention"
RETENTION_CRON = "0 21 * * *"  # 21:00 UTC = 02:30 IST the next day
RETENTION_WORKFLOW_ID = "retention-nightly"  # the server appends each run's time
CATCHUP_WINDOW = timedelta(days=1)


def retention_schedule(task_queue: str) -> Schedule:
    """The nightly retention run on the worker's task queue."""
    return Schedule(
        action=ScheduleActionStartWorkflow(
            RetentionWorkflow.run,
            RetentionInput(),
            id=RETENTION_WORKFLOW_ID,
            task_queue=task_queue,
            execution_timeout=timedelta(hours=12),
        ),
        spec=ScheduleSpec(cron_expressions=[RETENTION_CRON]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=CATCHUP_WINDOW),
    )


async def ensure_schedule(client: Client, task_queue: str) -> str:
    """Create the retention schedule, or update it if present; "created" or "updated"."""
    wanted = retention_schedule(task_queue)
    try:
        await client.create_schedule(RETENTION_SCHEDULE_ID, wanted)
        return "created"
    except ScheduleAlreadyRunningError:
        pass

    def update(current: ScheduleUpdateInput) -> ScheduleUpdate:
        """The wanted spec, action and policy; the schedule's own state (paused?) kept."""
        wanted.state = current.description.schedule.state
        return ScheduleUpdate(schedule=wanted)

    await client.get_schedule_handle(RETENTION_SCHEDULE_ID).update(update)
    return "updated"
