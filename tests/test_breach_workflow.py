"""A personal-data breach: who is owed a notice, the officer's reminders, the 72-hour report.

The real BreachWorkflow and its real activities on a time-skipping Temporal server of this
module's own (it moves the clock by days), against this run's PostgreSQL database. Citizens
are made as rows directly: a key with a wrapped data key is live, one without is shredded;
the sealed text need not open for these tests.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import string
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from citizen_helpers import insert_case
from helpers import civicops
from temporalio import activity
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.breach import (
    AffectedInput,
    BreachActivities,
    FileReportInput,
    NoticesRecorded,
    OpenBreachInput,
    ReminderInput,
)
from domain import breach as rules
from records import breaches
from records.audit import seal
from records.tables import (
    AuditEntry,
    BreachCase,
    BreachNotice,
    CitizenKey,
    Reporter,
)
from workflows.breach import BreachInput, BreachSummary, BreachWorkflow, FileReport

STEPS = ("breach.opened", "breach.affected_listed", "breach.notices_recorded")


@pytest.fixture(scope="module")
async def own_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server of this module's own: its clock jumps days ahead."""
    from devstack.services import binary

    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=binary("temporal-test-server")
    )
    yield env
    await env.shutdown()


class Breaches:
    """Starts breaches on a worker of the test's own; ends what a test leaves running."""

    def __init__(self, env: WorkflowEnvironment, queue: str) -> None:
        self.env, self.queue = env, queue
        self.handles: list[WorkflowHandle] = []

    async def open(self, city: str | None = None) -> tuple[str, WorkflowHandle, datetime]:
        """Open a breach discovered now (the server's clock); its id, handle, discovery."""
        discovered = await self.env.get_current_time()
        breach_id = rules.new_breach_id(discovered)
        handle = await self.env.client.start_workflow(
            BreachWorkflow.run,
            BreachInput(breach_id, "A backup was readable by anyone", discovered, "tests", city),
            id=rules.workflow_id(breach_id),
            task_queue=self.queue,
        )
        self.handles.append(handle)
        await opened(handle)
        return breach_id, handle, discovered

    async def end_all(self) -> None:
        """Terminate every breach still running, so the clock can skip for later tests."""
        for handle in self.handles:
            try:
                await handle.terminate("test finished")
            except RPCError:
                pass  # it ended


async def opened(handle: WorkflowHandle) -> None:
    """Wait until the breach is recorded and its notices are owed."""
    for _ in range(300):
        if (await handle.query(BreachWorkflow.status)).opened:
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the breach never finished opening")


@pytest.fixture
async def breach_env(
    own_skipping_env: WorkflowEnvironment, database: str
) -> AsyncIterator[Breaches]:
    """The breach workflow and its real activities on a fresh task queue."""
    queue = f"breach-{uuid.uuid4().hex[:8]}"
    async with Worker(
        own_skipping_env.client,
        task_queue=queue,
        workflows=[BreachWorkflow],
        activities=BreachActivities().all(),
    ):
        started = Breaches(own_skipping_env, queue)
        yield started
        await started.end_all()


async def citizen(
    *, phone: bool = False, email: bool = False, live: bool = True, city: str | None = None
) -> int:
    """A citizen key and one reporter row of theirs (filing a case in `city`); the key id."""
    rows = await CitizenKey.insert(
        CitizenKey(
            wrapped="m1.x" if live else None,
            master_key_id="m1" if live else None,
            shredded_at=None if live else datetime.now(UTC) - timedelta(days=1),
        )
    ).returning(CitizenKey.id)
    key_id = rows[0]["id"]
    reporter = await Reporter.insert(
        Reporter(
            citizen_key=key_id,
            name_sealed="v1.name" if live else None,
            phone_sealed="v1.x" if phone and live else None,
            email_sealed="v1.y" if email and live else None,
        )
    ).returning(Reporter.id)
    if city is not None:
        await case_in(city, reporter[0]["id"])
    return key_id


async def case_in(city: str, reporter_id: int, *, joined: bool = False) -> str:
    """A case in the city filed by the reporter (or, `joined`, a re-complaint to one)."""
    return await insert_case(city, reporter_id, joined=joined)


async def trail(breach_id: str) -> list[dict[str, Any]]:
    """The breach's audit entries, oldest first (pending ones chained first)."""
    await seal()
    return (
        await AuditEntry.select()
        .where(AuditEntry.subject == breach_id)
        .order_by(AuditEntry.seq)
        .output(load_json=True)
    )


def actions(entries: list[dict[str, Any]]) -> list[str]:
    """The actions of audit entries, in order."""
    return [e["action"] for e in entries]


async def notices(breach_id: str) -> dict[int, dict[str, Any]]:
    """The breach's notices by citizen key."""
    rows = await BreachNotice.select().where(BreachNotice.breach_id == breach_id)
    return {r["citizen_key"]: r for r in rows}


async def test_a_breach_in_one_city_owes_each_citizen_with_live_data_there_one_notice(breach_env):
    city = f"br-{uuid.uuid4().hex[:6]}"
    by_sms = await citizen(phone=True, email=True, city=city)
    by_email = await citizen(email=True, city=city)
    no_contact = await citizen(city=city)
    await citizen(phone=True, live=False, city=city)  # shredded: nothing left to breach
    await citizen(phone=True, city=f"{city}-elsewhere")
    joined = await citizen(phone=True)
    reporter = await Reporter.select(Reporter.id).where(Reporter.citizen_key == joined).first()
    await case_in(city, reporter["id"], joined=True)

    breach_id, handle, discovered = await breach_env.open(city)

    row = await BreachCase.objects().where(BreachCase.breach_id == breach_id).first()
    assert row.report_due_at == discovered + timedelta(hours=72)
    assert (row.status, row.affected, row.opened_by) == ("open", 4, "tests")
    owed = await notices(breach_id)
    assert {k: n["channel"] for k, n in owed.items()} == {
        by_sms: "sms",
        by_email: "email",
        no_contact: "none",
        joined: "sms",
    }
    assert {n["status"] for n in owed.values()} == {"owed"}
    assert owed[by_sms]["event_key"] == f"{breach_id}:{by_sms}"
    entries = await trail(breach_id)
    assert actions(entries) == list(STEPS)
    assert entries[1]["detail"]["affected"] == 4
    assert entries[2]["detail"]["by_channel"] == {"sms": 2, "email": 1, "none": 1}
    assert "backup" not in json.dumps(entries, default=str)  # the summary stays on its row

    summary = await handle.execute_update(BreachWorkflow.file_report, FileReport("Filed.", "dpo"))
    assert summary.notices == {"sms": 2, "email": 1, "none": 1} and summary.affected == 4


async def test_a_breach_without_a_city_reaches_every_citizen_with_live_data(breach_env):
    mine = [await citizen(phone=True), await citizen(email=True)]
    shredded = await citizen(phone=True, live=False)
    live = {r["id"] for r in await CitizenKey.select().where(CitizenKey.wrapped.is_not_null())}

    breach_id, handle, _ = await breach_env.open()

    owed = await notices(breach_id)
    assert set(owed) == live and set(mine) <= set(owed) and shredded not in owed
    status = await breaches.status(breach_id)
    assert status is not None and status.affected == len(live)
    assert sum(status.notices.values()) == len(live)
    await handle.execute_update(BreachWorkflow.file_report, FileReport("Filed.", "dpo"))


async def test_the_officer_is_reminded_every_12_hours_and_the_report_is_overdue_after_72(
    breach_env,
):
    env = breach_env.env
    await citizen(phone=True)
    breach_id, handle, discovered = await breach_env.open()

    async def after(hours: float) -> tuple[int, int]:
        """Skip to `hours` after opening; (reminders, overdue marks) on the audit chain."""
        target = discovered + timedelta(hours=hours)
        await env.sleep(target - await env.get_current_time())
        for _ in range(100):  # until the chain holds every step the workflow has taken
            progress = await handle.query(BreachWorkflow.status)
            seen = actions(await trail(breach_id))
            counts = seen.count("breach.reminder"), seen.count("breach.report_overdue")
            if counts == (progress.reminders, int(progress.overdue)):
                return counts
            await asyncio.sleep(0.1)
        raise AssertionError(f"the audit chain lags the workflow: {counts} vs {progress}")

    assert await after(11.9) == (0, 0)
    assert await after(12.1) == (1, 0)
    assert await after(71.9) == (5, 0)
    assert await after(72.1) == (6, 1)
    assert await after(96.1) == (8, 1)  # still reminded, marked overdue once
    reminders = [e for e in await trail(breach_id) if e["action"] == "breach.reminder"]
    assert [e["detail"]["overdue"] for e in reminders] == [False] * 5 + [True] * 3
    assert [e["detail"]["number"] for e in reminders] == list(range(1, 9))
    late = await breaches.status(breach_id, now=await env.get_current_time())
    assert late is not None and late.overdue and not late.filed and late.reminders_sent == 8

    summary = await handle.execute_update(
        BreachWorkflow.file_report, FileReport("Report to the Board.", "dpo")
    )
    assert isinstance(summary, BreachSummary) and summary.overdue and summary.reminders == 8
    assert (await handle.result()).filed_by == "dpo"
    row = await BreachCase.objects().where(BreachCase.breach_id == breach_id).first()
    assert (row.status, row.report) == ("reported", "Report to the Board.")
    assert row.report_filed_at > row.report_due_at
    assert actions(await trail(breach_id))[-1] == "breach.report_filed"


async def test_filing_the_report_ends_the_breach_and_an_empty_report_is_refused(breach_env):
    breach_id, handle, _ = await breach_env.open()
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(BreachWorkflow.file_report, FileReport("  \n", "dpo"))
    assert "empty" in str(refused.value.cause)

    summary = await handle.execute_update(
        BreachWorkflow.file_report, FileReport("What happened, whom it touched.", "dpo")
    )
    assert summary.filed_at is not None and not summary.overdue and summary.reminders == 0
    result = await handle.result()
    assert result.filed_at == summary.filed_at
    status = await breaches.status(breach_id, now=summary.filed_at)
    assert status is not None and status.filed and status.status == "reported"
    assert not status.overdue
    with pytest.raises((RPCError, WorkflowUpdateFailedError)):
        await handle.execute_update(BreachWorkflow.file_report, FileReport("Again.", "dpo"))
    entries = await trail(breach_id)
    assert actions(entries) == [*STEPS, "breach.report_filed"]
    assert entries[-1]["actor"] == "dpo"
    assert entries[-1]["detail"]["report_sha256"] == breaches.digest(
        "What happened, whom it touched."
    )


class AnswerLost(BreachActivities):
    """The real activities, each losing its first attempt's answer after doing its work."""

    def __init__(self) -> None:
        self.attempts: dict[str, int] = {}

    def _lose_first(self) -> None:
        """Fail the first attempt (retryable), as a worker dying after its commit would."""
        info = activity.info()
        self.attempts[info.activity_type] = info.attempt
        if info.attempt == 1:
            raise ApplicationError("the answer was lost")

    @activity.defn(name="open_breach")
    async def open_breach(self, data: OpenBreachInput) -> None:
        """Open, then lose the answer."""
        await super().open_breach(data)
        self._lose_first()

    @activity.defn(name="list_affected")
    async def list_affected(self, data: AffectedInput) -> int:
        """List, then lose the answer."""
        affected = await super().list_affected(data)
        self._lose_first()
        return affected

    @activity.defn(name="record_breach_notices")
    async def record_notices(self, data: AffectedInput) -> NoticesRecorded:
        """Record the notices, then lose the answer."""
        recorded = await super().record_notices(data)
        self._lose_first()
        return recorded

    @activity.defn(name="remind_breach_officer")
    async def remind(self, data: ReminderInput) -> None:
        """Remind, then lose the answer."""
        await super().remind(data)
        self._lose_first()

    @activity.defn(name="file_breach_report")
    async def file_report(self, data: FileReportInput) -> None:
        """File, then lose the answer."""
        await super().file_report(data)
        self._lose_first()


async def test_a_retried_step_appends_no_second_audit_entry_and_owes_no_second_notice(
    own_skipping_env, database
):
    env = own_skipping_env
    city = f"br-{uuid.uuid4().hex[:6]}"
    for _ in range(3):
        await citizen(phone=True, city=city)
    flaky = AnswerLost()
    queue = f"breach-retry-{uuid.uuid4().hex[:8]}"
    async with Worker(env.client, task_queue=queue, workflows=[BreachWorkflow],
                      activities=flaky.all()):  # fmt: skip
        started = Breaches(env, queue)
        try:
            breach_id, handle, discovered = await started.open(city)
            await env.sleep(discovered + timedelta(hours=12.1) - await env.get_current_time())
            await handle.execute_update(BreachWorkflow.file_report, FileReport("Filed.", "dpo"))
            summary = await handle.result()
        finally:
            await started.end_all()
    assert set(flaky.attempts.values()) == {2}, flaky.attempts  # every step ran twice
    assert summary.affected == 3 and summary.notices["sms"] == 3
    assert len(await notices(breach_id)) == 3
    assert actions(await trail(breach_id)) == [*STEPS, "breach.reminder", "breach.report_filed"]

    # Run by hand once more, the opening step still appends nothing.
    again = OpenBreachInput(breach_id, "again", discovered, "tests", city)
    await BreachActivities().open_breach(again)
    assert actions(await trail(breach_id)).count("breach.opened") == 1
    row = await BreachCase.objects().where(BreachCase.breach_id == breach_id).first()
    assert row.summary == "A backup was readable by anyone" and row.status == "reported"


async def test_an_operator_opens_files_and_checks_a_breach_from_the_command_line(
    breach_env, tmp_path
):
    env = breach_env.env
    city = f"br-{uuid.uuid4().hex[:6]}"
    from records.tables import City

    code = "".join(random.choice(string.ascii_uppercase) for _ in range(3))
    await City.insert(
        City(slug=city, code=code, name="Breachpur", corporation="BMC", language="en")
    ).on_conflict(action="DO NOTHING")
    phone_citizen = await citizen(phone=True, city=city)
    shell = {
        **os.environ,
        "TEMPORAL_ADDRESS": env.client.service_client.config.target_host,
        "TEMPORAL_TASK_QUEUE": breach_env.queue,
    }
    done = await civicops("breach", "open", "--summary", "Laptop lost", "--city", city, env=shell)
    assert done.returncode == 0, done.stderr
    breach_id, due_line = done.stdout.strip().splitlines()
    assert rules.parse_breach_id(breach_id) == breach_id
    assert due_line.startswith("report due ") and "+05:30" in due_line
    handle = env.client.get_workflow_handle(rules.workflow_id(breach_id))
    breach_env.handles.append(handle)
    await opened(handle)

    done = await civicops("breach", "status", breach_id, env=shell)
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown["affected"] == 1 and shown["notices"] == {"sms": 1, "email": 0, "none": 0}
    assert shown["filed"] is False and shown["reminders_sent"] == 0
    assert shown["report_due_at"] == due_line.split()[2]
    assert (await notices(breach_id))[phone_citizen]["channel"] == "sms"

    empty = tmp_path / "empty.txt"
    empty.write_text(" ")
    done = await civicops("breach", "report", breach_id, "--file", str(empty), env=shell)
    assert done.returncode == 2 and "empty" in done.stderr
    report = tmp_path / "report.txt"
    report.write_text("Laptop with an export of 1 citizen's phone number was lost.")
    done = await civicops(
        "breach", "report", breach_id, "--file", str(report), "--filed-by", "DPO", env=shell
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"report filed for {breach_id} at ")
    shown = json.loads((await civicops("breach", "status", breach_id, env=shell)).stdout)
    assert shown["filed"] is True and shown["status"] == "reported"
    bad = await civicops("breach", "status", "BR-1-2", env=shell)
    assert bad.returncode == 2 and "BR-20261203-7KQ2" in bad.stderr
