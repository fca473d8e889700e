"""BreachWorkflow: one personal-data breach, from opening until its report is filed (DPDP Rule 7).

Workflow id `breach-<breach id>` (domain/breach.py). It records the breach (report due 72 h
after discovery), counts the citizens with live data (of one city, if named) and owes each a
notice (activities/breach.py), then waits for the `file_report` update. Meanwhile it reminds
the data-protection officer every 12 h from opening; once the 72 h pass it marks the report
overdue, once, and the reminders go on until the report is filed. A `progress` query shows
where it is. The whole progress is one dataclass carried across continue-as-new; the
messages' dataclasses are in domain/breach.py (their datetimes must not be the sandbox's).
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.breach import (
        AffectedInput,
        BreachActivities,
        FileReportInput,
        OpenBreachInput,
        OverdueInput,
        ReminderInput,
    )
    from domain import breach as rules
    from domain.access import Refusal
    from domain.breach import BreachInput, BreachProgress, BreachSummary, FileReport
    from workflows.options import HEARTBEAT_TIMEOUT, RETRY, UPDATE_RETRY

__all__ = ["BreachInput", "BreachProgress", "BreachSummary", "BreachWorkflow", "FileReport"]

STEP_TIMEOUT = timedelta(seconds=30)
LISTING_TIMEOUT = timedelta(hours=1)  # pages through every citizen key; it heartbeats


def refusal(progress: BreachProgress, report: FileReport) -> ApplicationError | None:
    """Why a report cannot be filed now (the validator and the in-lock re-check), or None."""
    if progress.filed_at is not None:
        return ApplicationError("the report is already filed", type=Refusal.CONFLICT)
    problem = rules.report_problem(report.text)
    if problem is not None:
        return ApplicationError(problem, "text", type=Refusal.BAD_INPUT)
    if not report.filed_by.strip():
        return ApplicationError("must name who files it", "filed_by", type=Refusal.BAD_INPUT)
    return None


@workflow.defn(name="Breach")
class BreachWorkflow:
    """A breach case: open it, owe the notices, remind the officer until the report is filed."""

    @workflow.init
    def __init__(self, data: BreachInput) -> None:
        """State before any handler runs: a report may be sent in the first workflow task."""
        self.data = data
        self.progress = data.progress or BreachProgress()
        self.due = rules.report_due(data.discovered_at)
        self._lock = asyncio.Lock()

    @workflow.run
    async def run(self, data: BreachInput) -> BreachSummary:
        """Open the breach, then remind until `file_report` arrives; the summary."""
        p = self.progress
        async with self._lock:
            if not p.opened:
                await self._open()
        while p.filed_at is None:
            async with self._lock:
                if p.filed_at is None:
                    await self._remind_if_due()
            if p.filed_at is None and workflow.info().is_continue_as_new_suggested():
                await workflow.wait_condition(workflow.all_handlers_finished)
                if p.filed_at is None:
                    workflow.continue_as_new(dataclasses.replace(data, progress=p))
            assert p.next_reminder_at is not None
            wake = p.next_reminder_at if p.overdue else min(p.next_reminder_at, self.due)
            try:
                await workflow.wait_condition(
                    lambda: p.filed_at is not None,
                    timeout=max(wake - workflow.now(), timedelta(seconds=1)),
                )
            except TimeoutError:
                pass  # a reminder or the deadline is due
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.summary()

    async def _open(self) -> None:
        """Record the breach, count the affected citizens, owe each a notice."""
        p, data = self.progress, self.data
        p.opened_at = workflow.now()
        p.next_reminder_at = p.opened_at + rules.REMINDER_EVERY
        await workflow.execute_activity_method(
            BreachActivities.open_breach,
            OpenBreachInput(
                data.breach_id, data.summary, data.discovered_at, data.opened_by, data.city
            ),
            start_to_close_timeout=STEP_TIMEOUT,
            heartbeat_timeout=HEARTBEAT_TIMEOUT,
            retry_policy=RETRY,
        )
        whom = AffectedInput(data.breach_id, p.opened_at, data.city)
        p.affected = await workflow.execute_activity_method(
            BreachActivities.list_affected,
            whom,
            start_to_close_timeout=LISTING_TIMEOUT,
            heartbeat_timeout=HEARTBEAT_TIMEOUT,
            retry_policy=RETRY,
        )
        recorded = await workflow.execute_activity_method(
            BreachActivities.record_notices,
            whom,
            start_to_close_timeout=LISTING_TIMEOUT,
            heartbeat_timeout=HEARTBEAT_TIMEOUT,
            retry_policy=RETRY,
        )
        p.notices = recorded.by_channel
        p.opened = True

    async def _remind_if_due(self) -> None:
        """Mark the report overdue once the 72 h pass; remind the officer when a reminder is due."""
        p, now = self.progress, workflow.now()
        assert p.next_reminder_at is not None
        if not p.overdue and now >= self.due:
            await workflow.execute_activity_method(
                BreachActivities.mark_overdue,
                OverdueInput(self.data.breach_id, self.due, now),
                start_to_close_timeout=STEP_TIMEOUT,
                heartbeat_timeout=HEARTBEAT_TIMEOUT,
                retry_policy=RETRY,
            )
            p.overdue = True
        if now >= p.next_reminder_at:
            await workflow.execute_activity_method(
                BreachActivities.remind,
                ReminderInput(self.data.breach_id, p.reminders + 1, self.due, now, p.overdue),
                start_to_close_timeout=STEP_TIMEOUT,
                heartbeat_timeout=HEARTBEAT_TIMEOUT,
                retry_policy=RETRY,
            )
            p.reminders += 1
            while p.next_reminder_at <= now:  # one reminder for any stretch the worker missed
                p.next_reminder_at += rules.REMINDER_EVERY

    @workflow.query
    def status(self) -> BreachProgress:
        """The breach's live progress."""
        return self.progress

    @workflow.update
    async def file_report(self, report: FileReport) -> BreachSummary:
        """File the report to the Data Protection Board; the breach then ends."""
        await workflow.wait_condition(lambda: self.progress.opened)  # its row exists first
        async with self._lock:
            refused = refusal(self.progress, report)
            if refused is not None:  # filed by another update while this one waited
                raise refused
            at = workflow.now()
            try:
                await workflow.execute_activity_method(
                    BreachActivities.file_report,
                    FileReportInput(self.data.breach_id, report.text, report.filed_by, at),
                    start_to_close_timeout=STEP_TIMEOUT,
                    heartbeat_timeout=HEARTBEAT_TIMEOUT,
                    retry_policy=UPDATE_RETRY,
                )
            except ActivityError as exc:
                raise ApplicationError(
                    f"the report could not be stored, try again: {exc.cause or exc}",
                    type=Refusal.UNAVAILABLE,
                ) from None
            self.progress.filed_at, self.progress.filed_by = at, report.filed_by
        return self.summary()

    @file_report.validator
    def _validate_file_report(self, report: FileReport) -> None:
        """Refuse an empty or oversized report, or a second one."""
        refused = refusal(self.progress, report)
        if refused is not None:
            raise refused

    def summary(self) -> BreachSummary:
        """The breach as it stands."""
        p = self.progress
        return BreachSummary(
            breach_id=self.data.breach_id,
            discovered_at=self.data.discovered_at,
            report_due_at=self.due,
            affected=p.affected or 0,
            notices=dict(p.notices),
            reminders=p.reminders,
            overdue=p.overdue,
            filed_at=p.filed_at,
            filed_by=p.filed_by,
        )
