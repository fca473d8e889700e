"""RetentionWorkflow: erase the personal data that is due, in batches, and report what it erased.

The Temporal Schedule `civicops-retention` starts it nightly (workflows/schedules.py) and
`civicops privacy retention-run` starts it at once. It pages through the due citizens
(`find_erasures`, ids above a cursor) and shreds each page's keys by reason
(`erase_citizens`, at most BATCH ids a call). Every run judges against one instant, the
workflow's time when it started. Shredding is idempotent, so two runs at once, or a run
after a crash, erase nothing twice. A long run continues as new, carrying its report (its
dataclasses are in activities/retention.py: their datetimes must not be the sandbox's).
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.retention import (
        BATCH,
        IDS_KEPT,
        REASONS,
        EraseInput,
        Erasures,
        FindErasuresInput,
        RetentionActivities,
        RetentionInput,
        RetentionReport,
    )
    from workflows.options import HEARTBEAT_TIMEOUT, RETRY

FIND_TIMEOUT = timedelta(minutes=30)
ERASE_TIMEOUT = timedelta(minutes=5)
__all__ = ["RetentionInput", "RetentionReport", "RetentionWorkflow"]


@workflow.defn(name="Retention")
class RetentionWorkflow:
    """One retention run: find who is due, shred their keys in batches, report."""

    @workflow.run
    async def run(self, data: RetentionInput) -> RetentionReport:
        """Erase every citizen due at the run's instant; the report."""
        report = data.report or RetentionReport(workflow.now(), dict.fromkeys(REASONS, 0))
        after = data.after
        while True:
            page: Erasures = await workflow.execute_activity_method(
                RetentionActivities.find_erasures,
                FindErasuresInput(report.run_at, data.cities, after, BATCH),
                start_to_close_timeout=FIND_TIMEOUT,
                heartbeat_timeout=HEARTBEAT_TIMEOUT,
                retry_policy=RETRY,
            )
            for reason, key_ids in sorted(page.by_reason.items()):
                for start in range(0, len(key_ids), BATCH):
                    erased = await workflow.execute_activity_method(
                        RetentionActivities.erase_citizens,
                        EraseInput(key_ids[start : start + BATCH], reason),
                        start_to_close_timeout=ERASE_TIMEOUT,
                        heartbeat_timeout=HEARTBEAT_TIMEOUT,
                        retry_policy=RETRY,
                    )
                    _add(report, reason, erased)
            after = page.last
            if not page.more:
                return report
            if workflow.info().is_continue_as_new_suggested():
                workflow.continue_as_new(RetentionInput(data.cities, report, after))


def _add(report: RetentionReport, reason: str, erased: list[int]) -> None:
    """Count a batch's erasures in the report."""
    report.erased[reason] = report.erased.get(reason, 0) + len(erased)
    room = max(IDS_KEPT - len(report.key_ids), 0)
    report.key_ids.extend(erased[:room])
    report.ids_truncated = report.ids_truncated or len(erased) > room
    report.key_ids.sort()
