"""Retention: a citizen's contact details are erased once their cases are long closed, or now.

Erased when every case of theirs has been closed for the city's retention period, or at once
when they withdrew consent; never before, and never in a city that keeps data.
The real RetentionWorkflow and its activities on a time-skipping Temporal server of this
module's own, against this run's PostgreSQL database, with a real keyring: the citizens'
keys and sealed fields are made by records/vault.py, so shredding them is the real thing.
Each test's cities are its own and every run is limited to them, so citizens of other tests
in the same database are left alone. The Schedule test runs on the real Temporal dev server.
"""

from __future__ import annotations

import json
import os
import secrets
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from citizen_helpers import insert_case
from helpers import civicops
from temporalio.client import ScheduleOverlapPolicy
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.retention import FindErasuresInput, RetentionActivities
from domain.breach import IST
from domain.privacy import CURRENT_NOTICE, PURPOSES
from domain.sla import PolicyBook
from records import vault
from records.audit import seal
from records.tables import AuditEntry, CitizenKey, Complaint, Reporter
from settings import Settings
from workflows.retention import RetentionInput, RetentionReport, RetentionWorkflow
from workflows.schedules import RETENTION_SCHEDULE_ID, ensure_schedule

LONG_AGO = timedelta(days=400)  # beyond the default 365 days
LATELY = timedelta(days=10)


@pytest.fixture(scope="module")
async def own_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server of this module's own."""
    from devstack.services import binary

    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=binary("temporal-test-server")
    )
    yield env
    await env.shutdown()


@dataclass
class Cities:
    """A test's own cities: one erasing after 365 days, one that keeps data (erasure false)."""

    erasing: str
    keeping: str

    def book(self) -> PolicyBook:
        """The policy book with the keeping city's `erasure = false`."""
        return PolicyBook({"cities": {self.keeping: {"privacy": {"erasure": False}}}})


@dataclass
class Retention:
    """A worker running the retention workflow for the test's cities."""

    env: WorkflowEnvironment
    queue: str
    cities: Cities

    async def run(self) -> RetentionReport:
        """Run retention now, limited to the test's cities; its report."""
        return await self.env.client.execute_workflow(
            RetentionWorkflow.run,
            RetentionInput([self.cities.erasing, self.cities.keeping]),
            id=f"retention-test-{uuid.uuid4().hex[:8]}",
            task_queue=self.queue,
        )


@pytest.fixture
async def retention(
    own_skipping_env: WorkflowEnvironment, settings: Settings, database: str
) -> AsyncIterator[Retention]:
    """The retention workflow and its real activities on a fresh queue, a real keyring."""
    vault.configure(settings)
    tag = uuid.uuid4().hex[:6]
    cities = Cities(f"ret-{tag}", f"ret-{tag}-keeps")
    activities = RetentionActivities(cities.book())
    queue = f"retention-{tag}"
    async with Worker(
        own_skipping_env.client,
        task_queue=queue,
        workflows=[RetentionWorkflow],
        activities=[activities.find_erasures, activities.erase_citizens],
    ):
        yield Retention(own_skipping_env, queue, cities)


def new_phone() -> str:
    """A phone number no other citizen of this run has."""
    return f"+91 9{secrets.randbelow(10**9):09d}"


async def citizen(**reporter: object) -> tuple[int, int, str]:
    """A citizen with a real data key and sealed contact details; (key id, reporter id, phone)."""
    phone = new_phone()
    row = await vault.sealed_reporter(
        vault.Contact(name="Lakshmi", phone=phone),
        legal_basis="state_function",
        notice_version=CURRENT_NOTICE,
        purposes=PURPOSES,
    )
    assert row is not None
    for name, value in reporter.items():
        setattr(row, name, value)
    [made] = await Reporter.insert(row).returning(Reporter.id)
    return row.citizen_key, made["id"], phone


async def case(
    city: str,
    reporter_id: int,
    *,
    status: str = "CLOSED",
    closed: timedelta | None = None,
    updated: timedelta = timedelta(0),
    joined: bool = False,
) -> str:
    """A case in `city` filed by the reporter (or joined, as a re-complaint), closed
    `closed` ago (None: no closing time recorded), last updated `updated` ago."""
    now = datetime.now(UTC)
    return await insert_case(
        city,
        reporter_id,
        joined=joined,
        status=status,
        filed_at=now - updated - timedelta(days=5),
        updated_at=now - updated,
        closed_at=None if closed is None else now - closed,
    )


async def phone_of(reporter_id: int) -> str | None:
    """The reporter's phone number as the vault opens it (None once erased)."""
    return (await vault.open_reporters([reporter_id]))[reporter_id]["phone"]


async def test_retention_erases_long_closed_and_withdrawn_citizens_and_keeps_everyone_else(
    retention,
):
    erasing, keeping = retention.cities.erasing, retention.cities.keeping
    old, old_reporter, _ = await citizen()
    await case(erasing, old_reporter, closed=LONG_AGO, updated=LONG_AGO)
    withdrawn_case, withdrawn_case_reporter, _ = await citizen()
    await case(erasing, withdrawn_case_reporter, status="WITHDRAWN", updated=LONG_AGO)
    open_too, open_reporter, open_phone = await citizen()
    await case(erasing, open_reporter, closed=LONG_AGO, updated=LONG_AGO)
    await case(erasing, open_reporter, status="NOTICE_ISSUED", joined=True)
    recent, recent_reporter, recent_phone = await citizen()
    await case(erasing, recent_reporter, closed=LATELY, updated=LATELY)
    quit_, quit_reporter, _ = await citizen(
        consent_withdrawn_at=datetime.now(UTC) - timedelta(days=31),
        erase_due_at=datetime.now(UTC) - timedelta(hours=1),
    )
    await case(erasing, quit_reporter, status="NOTICE_ISSUED")
    quitting, quitting_reporter, _ = await citizen(
        erase_due_at=datetime.now(UTC) + timedelta(days=20)
    )
    await case(erasing, quitting_reporter, closed=LATELY, updated=LATELY)
    kept, kept_reporter, kept_phone = await citizen()
    await case(keeping, kept_reporter, closed=LONG_AGO, updated=LONG_AGO)
    kept_anyway, kept_anyway_reporter, _ = await citizen(
        erase_due_at=datetime.now(UTC) - timedelta(hours=1)  # withdrew, where s.17(4) keeps
    )
    await case(keeping, kept_anyway_reporter, status="NOTICE_ISSUED")
    both, both_reporter, _ = await citizen()
    await case(erasing, both_reporter, closed=LONG_AGO, updated=LONG_AGO)
    await case(keeping, both_reporter, closed=LONG_AGO, updated=LONG_AGO, joined=True)

    report = await retention.run()

    assert report.key_ids == sorted([old, withdrawn_case, quit_])
    assert report.erased == {"consent withdrawn": 1, "retention": 2}
    assert not report.ids_truncated
    assert abs(report.run_at - datetime.now(UTC)) < LATELY / 2  # judged at today's date
    for key_id, reporter_id in ((old, old_reporter), (quit_, quit_reporter)):
        key = await CitizenKey.objects().get(CitizenKey.id == key_id)
        assert key.wrapped is None and key.shredded_at is not None
        assert await phone_of(reporter_id) is None
        reporter = await Reporter.objects().get(Reporter.id == reporter_id)
        assert reporter.phone_sealed is None and reporter.erased_at is not None
    shredded = await CitizenKey.objects().get(CitizenKey.id == quit_)
    assert shredded.shred_reason == "consent withdrawn"
    assert await Complaint.exists().where(Complaint.reporter == old_reporter)  # the case stays
    assert await phone_of(open_reporter) == open_phone
    assert await phone_of(recent_reporter) == recent_phone
    assert await phone_of(kept_reporter) == kept_phone
    for key_id in (open_too, recent, quitting, kept, kept_anyway, both):
        assert (await CitizenKey.objects().get(CitizenKey.id == key_id)).wrapped is not None

    await seal()
    erased = (
        await AuditEntry.select()
        .where(
            (AuditEntry.action == "personal_data.erased")
            & (AuditEntry.actor == "retention schedule")
        )
        .output(load_json=True)
    )
    named = {k: e["detail"]["reason"] for e in erased for k in e["detail"]["citizen_keys"]}
    assert {k: named[k] for k in report.key_ids} == {
        old: "retention",
        withdrawn_case: "retention",
        quit_: "consent withdrawn",
    }


async def test_a_second_retention_run_erases_nothing_new(retention):
    old, reporter, _ = await citizen()
    await case(retention.cities.erasing, reporter, closed=LONG_AGO, updated=LONG_AGO)
    first = await retention.run()
    assert first.key_ids == [old]
    await seal()
    before = await AuditEntry.count().where(AuditEntry.action == "personal_data.erased")

    second = await retention.run()

    assert second.key_ids == [] and second.erased == {"consent withdrawn": 0, "retention": 0}
    await seal()
    assert await AuditEntry.count().where(AuditEntry.action == "personal_data.erased") == before


async def test_an_operator_runs_retention_now_and_reads_the_report_as_json(retention):
    old, reporter, _ = await citizen()
    await case(retention.cities.erasing, reporter, closed=LONG_AGO, updated=LONG_AGO)
    shell = {
        **os.environ,
        "TEMPORAL_ADDRESS": retention.env.client.service_client.config.target_host,
        "TEMPORAL_TASK_QUEUE": retention.queue,
    }
    scope = ["--city", retention.cities.erasing, "--city", retention.cities.keeping]

    done = await civicops("privacy", "retention-run", *scope, env=shell)

    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown["key_ids"] == [old] and shown["erased"]["retention"] == 1
    assert shown["run_at"].endswith("+05:30")
    again = json.loads((await civicops("privacy", "retention-run", *scope, env=shell)).stdout)
    assert again["key_ids"] == []


async def test_due_citizens_are_read_a_page_at_a_time(retention):
    keys = []
    for _ in range(3):
        key_id, reporter, _ = await citizen()
        await case(retention.cities.erasing, reporter, closed=LONG_AGO, updated=LONG_AGO)
        keys.append(key_id)
    finder = RetentionActivities(retention.cities.book())
    now, cities = datetime.now(UTC), [retention.cities.erasing]
    first = await finder.find_erasures(FindErasuresInput(now, cities, 0, 2))
    rest = await finder.find_erasures(FindErasuresInput(now, cities, first.last, 2))
    assert (first.by_reason, first.more) == ({"retention": keys[:2]}, True)
    assert (rest.by_reason, rest.more, rest.last) == ({"retention": keys[2:]}, False, keys[2])


async def test_the_nightly_schedule_is_made_once_and_an_operators_pause_survives_a_restart(
    temporal_env,
):
    client = temporal_env.client
    queue = f"retention-sched-{uuid.uuid4().hex[:6]}"
    handle = client.get_schedule_handle(RETENTION_SCHEDULE_ID)
    try:
        assert await ensure_schedule(client, queue) in ("created", "updated")
        await handle.pause(note="maintenance")
        assert await ensure_schedule(client, queue) == "updated"  # a second worker starting

        described = await handle.describe()
        assert described.schedule.state.paused and described.schedule.state.note == "maintenance"
        assert described.schedule.policy.overlap == ScheduleOverlapPolicy.SKIP
        action = described.schedule.action
        assert (action.workflow, action.task_queue) == ("Retention", queue)
        await handle.unpause()
        nights = (await handle.describe()).info.next_action_times
        assert nights and {t.astimezone(IST).strftime("%H:%M") for t in nights} == {"02:30"}
        ids = [s.id async for s in await client.list_schedules()]
        assert ids.count(RETENTION_SCHEDULE_ID) <= 1
    finally:
        await handle.delete()  # no nightly run on this shared server's dead queue
