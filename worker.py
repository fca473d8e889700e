"""Runs a Temporal worker with CivicOps' workflows and activities."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path

from temporalio.client import Client
from temporalio.service import RPCError
from temporalio.worker import Worker

from activities.breach import BreachActivities
from activities.case import CaseActivities
from activities.language import LanguageActivities
from activities.language import warm as language_warm
from activities.notices import NoticeActivities
from activities.proofs import ProofActivities
from activities.retention import RetentionActivities
from activities.risk import ModelHolder, RiskActivities
from activities.scores import ScoreActivities
from activities.transcribe import TranscribeActivities
from activities.webhooks import WebhookActivities, WebhookFanout
from domain.sla import PolicyBook
from notices.keys import KeyStore
from records import vault
from records.db import database_pool
from records.geography import ZoneDirectory
from settings import Settings
from storage import s3
from workflows.breach import BreachWorkflow
from workflows.complaint import ComplaintWorkflow
from workflows.retention import RetentionWorkflow
from workflows.schedules import ensure_schedule
from workflows.webhook import WebhookDeliveryWorkflow

# The registry the worker and the tests share.
WORKFLOWS = [ComplaintWorkflow, WebhookDeliveryWorkflow, RetentionWorkflow, BreachWorkflow]


def activities_of(
    case: CaseActivities,
    notices: NoticeActivities,
    proofs: ProofActivities,
    scores: ScoreActivities,
    risk: RiskActivities,
    language: LanguageActivities,
    transcribe: TranscribeActivities,
) -> list:
    """Every activity callable the worker registers."""
    return [
        language.classify,
        transcribe.transcribe,
        case.prioritize,
        risk.assess_priority,
        case.assign_zone,
        case.find_official,
        case.record,
        notices.issue_notice,
        proofs.verify_proof,
        scores.record_score,
    ]


def build_activities(
    settings: Settings,
    *,
    case: CaseActivities | None = None,
    risk: type[RiskActivities] = RiskActivities,
    notices: type[NoticeActivities] = NoticeActivities,
) -> list:
    """The activities, wired to real clients built from the settings (tests may swap them)."""
    zones = ZoneDirectory(nearest_max_m=settings.nearest_ward_max_m)
    s3_client = s3.client(settings)
    notice_activities = notices(
        zones,
        KeyStore.from_settings(settings),
        s3_client,
        settings.s3_bucket,
        settings.public_url,
    )
    webhooks = WebhookActivities(settings)
    retention = RetentionActivities(
        PolicyBook.load(settings.policy_file), s3_client, settings.s3_bucket
    )
    return [
        *activities_of(
            case or CaseActivities(zones, WebhookFanout(settings)),
            notice_activities,
            ProofActivities(s3_client, settings.s3_bucket),
            ScoreActivities(),
            risk(ModelHolder(s3_client, settings.s3_bucket, every=settings.model_refresh_s), zones),
            LanguageActivities(),
            TranscribeActivities(s3_client, settings.s3_bucket),
        ),
        webhooks.deliver_webhook,
        webhooks.mark_webhook_failed,
        retention.find_erasures,
        retention.erase_citizens,
        *BreachActivities().all(),
    ]


def cache_workflow_bytecode() -> None:
    """Write the workflow modules' .pyc files, if the folder is writable.

    The workflow sandbox imports the workflow modules afresh for every case; without a .pyc
    (PYTHONDONTWRITEBYTECODE, a fresh checkout) that means compiling it from source each time.
    Python still reads a .pyc under PYTHONDONTWRITEBYTECODE; it only stops writing them.
    """
    import compileall

    for module in WORKFLOWS:
        source = sys.modules[module.__module__].__file__
        if source:  # the module and its siblings: workflows/steps.py, moves.py, ...
            compileall.compile_dir(Path(source).parent, maxlevels=0, quiet=2)


def build_worker(client: Client, task_queue: str, settings: Settings) -> Worker:
    """A worker for one task queue, with activities wired to real clients."""
    vault.configure(settings)  # activities open and seal citizens' personal data with it
    return Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=build_activities(settings),
    )


async def connect(settings: Settings) -> Client:
    """A Temporal client for the configured address and namespace."""
    return await Client.connect(
        settings.effective_temporal_address, namespace=settings.temporal_namespace
    )


async def run(settings: Settings) -> None:
    """Run the worker until cancelled."""
    client = await connect(settings)
    try:
        await ensure_schedule(client, settings.task_queue)  # the nightly retention run (DPDP)
    except RPCError:  # cases must still run: the schedule is made at the next start
        logging.getLogger("civicops.worker").exception("retention schedule not ensured")
    cache_workflow_bytecode()
    warming = asyncio.create_task(asyncio.to_thread(language_warm))  # train while polling
    worker = build_worker(client, settings.task_queue, settings)
    logging.getLogger("civicops.worker").info(
        "worker polling %s on %s", settings.task_queue, settings.effective_temporal_address
    )
    async with database_pool():
        await worker.run()
    await warming


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    asyncio.run(run(Settings.from_env()))
