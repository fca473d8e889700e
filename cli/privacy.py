"""`civicops privacy` and `civicops breach`: the DPDP Act 2023 duties run by hand.

- `privacy retention-run` runs the retention workflow now (the schedule runs it nightly at
  02:30 IST) and prints its report as JSON.
- `privacy new-keys` prints a fresh set of privacy keys for a deployment's .env;
  `privacy rotate --id ID` adds a master key to the embedded keyring file and rewraps every
  data key under it; `privacy rewrap` rewraps under the configured current key (after adding
  one to CIVICOPS_PRIVACY_MASTER_KEYS and pointing CIVICOPS_PRIVACY_MASTER_KEY_ID at it).
- `breach open` starts a breach's workflow and prints its id and when the report is due;
  `breach report` files the report (the workflow's `file_report` update); `breach status`
  prints the breach as the records hold it, as JSON.

Commands that talk to Temporal need a worker polling the task queue
(`civicops worker`, or `make up`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn

import click

from cli import common
from domain import breach as rules

CLOCK_SKEW = timedelta(minutes=5)  # a discovery time this far ahead of now is still taken


def _json(value: Any) -> str:
    """A dataclass (or dict) as indented JSON, instants in ISO 8601."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    return json.dumps(value, indent=2, ensure_ascii=False, default=_iso)


def _iso(value: Any) -> str:
    """An instant as ISO 8601 in IST (what json.dumps cannot write itself)."""
    if isinstance(value, datetime):
        return value.astimezone(rules.IST).isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _temporal_failed(settings: Any, exc: BaseException) -> NoReturn:
    """Say that Temporal could not be reached or refused, and exit 1."""
    address = settings.effective_temporal_address
    click.echo(f"error: Temporal at {address}: {exc}", err=True)
    common.exit_skipping_finalisation(1)


@click.group()
def privacy() -> None:
    """Citizens' personal data under the DPDP Act 2023: retention and erasure."""


@privacy.command("new-keys")
@click.option("--id", "key_id", default="m1", show_default=True, help="The master key's id.")
def new_keys(key_id: str) -> None:
    """Print a new master key and blind-index key as .env lines (keep them secret)."""
    from records.sealing import MasterKeys, SealingError

    try:
        made = json.loads(MasterKeys.generate(key_id).to_json())
    except SealingError as exc:
        raise click.BadParameter(str(exc), param_hint="--id") from None
    click.echo(f"CIVICOPS_PRIVACY_MASTER_KEYS={key_id}:{made['keys'][key_id]}")
    click.echo(f"CIVICOPS_PRIVACY_MASTER_KEY_ID={key_id}")
    click.echo(f"CIVICOPS_PRIVACY_INDEX_KEY={made['index_key']}")


@privacy.command("rotate")
@click.option("--id", "key_id", required=True, help="The new master key's id, e.g. m2.")
def rotate(key_id: str) -> None:
    """Add a master key to the embedded keyring file, make it current, rewrap every data key."""
    from records import vault
    from records.sealing import SealingError

    settings = common.settings()
    if settings.privacy_master_keys:
        click.echo("error: the keys come from CIVICOPS_PRIVACY_MASTER_KEYS: add the new key "
                   "there, set CIVICOPS_PRIVACY_MASTER_KEY_ID, restart, then run "
                   "`civicops privacy rewrap`", err=True)  # fmt: skip
        raise SystemExit(1)
    try:
        keys = vault.load(settings).with_new_key(key_id)
    except SealingError as exc:
        raise click.BadParameter(str(exc), param_hint="--id") from None
    path = settings.keys_dir / vault.KEYRING_FILE
    spare = path.with_suffix(".new")
    spare.write_text(keys.to_json())
    spare.chmod(0o600)
    spare.replace(path)
    vault.install(keys)
    moved = asyncio.run(vault.rewrap_all())
    click.echo(f"master key {key_id} is current; {moved} data keys rewrapped under it")
    common.exit_skipping_finalisation(0)


@privacy.command("rewrap")
def rewrap() -> None:
    """Rewrap every data key under the configured current master key; how many moved."""
    from records import vault

    vault.configure(common.settings())
    moved = asyncio.run(vault.rewrap_all())
    click.echo(f"{moved} data keys rewrapped under {vault.keyring().current}")
    common.exit_skipping_finalisation(0)


@privacy.command("retention-run")
@click.option("--city", "cities", multiple=True, help="Only citizens with a case here (repeat).")
@click.option(
    "--wait",
    type=click.FloatRange(1, 24 * 3600),
    default=900.0,
    show_default=True,
    help="Seconds to wait for the report (the run goes on in Temporal after that).",
)
def retention_run(cities: tuple[str, ...], wait: float) -> None:
    """Erase now every citizen's data that is due, and print the run's report as JSON."""
    from worker import connect
    from workflows.retention import RetentionInput, RetentionWorkflow

    settings = common.settings()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    workflow_id = f"retention-run-{stamp}-{uuid.uuid4().hex[:6]}"

    async def run() -> Any:
        """Start the run and wait for its report."""
        client = await connect(settings)
        handle = await client.start_workflow(
            RetentionWorkflow.run,
            RetentionInput(sorted(set(cities))),
            id=workflow_id,
            task_queue=settings.task_queue,
        )
        return await asyncio.wait_for(handle.result(), timeout=wait)

    try:
        report = asyncio.run(run())
    except TimeoutError:
        click.echo(f"error: no report after {wait:g} s; the run {workflow_id} goes on", err=True)
        common.exit_skipping_finalisation(1)
    except Exception as exc:  # connecting, starting or the run itself
        _temporal_failed(settings, exc)
    click.echo(_json(report))
    common.exit_skipping_finalisation(0)


@click.group()
def breach() -> None:
    """Personal-data breaches: the 72-hour report and the citizens' notices (DPDP Rule 7)."""


def _discovered(text: str | None) -> datetime:
    """The discovery instant: now by default; an ISO time without an offset is IST."""
    now = datetime.now(UTC)
    if text is None:
        return now
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(
            "must be an ISO 8601 time, e.g. 2026-12-03T09:30+05:30", param_hint="--discovered-at"
        ) from None
    at = at if at.tzinfo else at.replace(tzinfo=rules.IST)
    if at > now + CLOCK_SKEW:
        raise click.BadParameter("must not be in the future", param_hint="--discovered-at")
    return at.astimezone(UTC)


async def _known_city(slug: str) -> bool:
    """Whether CivicOps serves this city."""
    from records.tables import City

    return await City.exists().where(City.slug == slug)


@breach.command("open")
@click.option("--summary", required=True, help="What happened, in a sentence or two.")
@click.option("--discovered-at", help="When it was discovered (ISO 8601; default now; IST).")
@click.option("--city", help="Only citizens with a case in this city (its slug) are affected.")
def breach_open(summary: str, discovered_at: str | None, city: str | None) -> None:
    """Open a breach: owe every affected citizen a notice, remind until the report is filed."""
    from worker import connect
    from workflows.breach import BreachInput, BreachWorkflow

    settings = common.settings()
    if not summary.strip():
        raise click.BadParameter("must not be empty", param_hint="--summary")
    discovered = _discovered(discovered_at)
    if city is not None and not asyncio.run(_known_city(city)):
        raise click.BadParameter(f"no city {city!r}", param_hint="--city")
    breach_id = rules.new_breach_id(datetime.now(UTC))

    async def start() -> None:
        """Start the breach's workflow."""
        client = await connect(settings)
        await client.start_workflow(
            BreachWorkflow.run,
            BreachInput(breach_id, summary.strip(), discovered, common.operator(), city),
            id=rules.workflow_id(breach_id),
            task_queue=settings.task_queue,
        )

    try:
        asyncio.run(start())
    except Exception as exc:  # connecting or starting
        _temporal_failed(settings, exc)
    due = rules.report_due(discovered).astimezone(rules.IST)
    click.echo(breach_id)
    click.echo(f"report due {due.isoformat()} (72 h after discovery, DPDP Rule 7)")
    common.exit_skipping_finalisation(0)


def _breach_id(text: str) -> str:
    """The BREACH_ID argument, checked."""
    value = rules.parse_breach_id(text)
    if value is None:
        raise click.BadParameter("must look like BR-20261203-7KQ2", param_hint="BREACH_ID")
    return value


@breach.command("report")
@click.argument("breach_id")
@click.option(
    "--file",
    "path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The report to the Data Protection Board (UTF-8 text).",
)
@click.option("--filed-by", help="Who files it (default: this operator).")
def breach_report(breach_id: str, path: Path, filed_by: str | None) -> None:
    """File the breach's report; the breach's workflow then ends."""
    from temporalio.client import WorkflowUpdateFailedError
    from temporalio.service import RPCError, RPCStatusCode

    from worker import connect
    from workflows.breach import BreachSummary, BreachWorkflow, FileReport

    settings = common.settings()
    value = _breach_id(breach_id)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise click.BadParameter("must be UTF-8 text", param_hint="--file") from None
    problem = rules.report_problem(text)
    if problem is not None:
        raise click.BadParameter(problem, param_hint="--file")

    async def send() -> BreachSummary:
        """Send the update and wait for its answer."""
        client = await connect(settings)
        handle = client.get_workflow_handle(rules.workflow_id(value))
        return await handle.execute_update(
            BreachWorkflow.file_report, FileReport(text, filed_by or common.operator())
        )

    try:
        summary = asyncio.run(send())
    except WorkflowUpdateFailedError as exc:
        click.echo(f"error: {exc.cause or exc}", err=True)
        common.exit_skipping_finalisation(1)
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            click.echo(f"error: no open breach {value} in Temporal", err=True)
            common.exit_skipping_finalisation(1)
        _temporal_failed(settings, exc)
    except Exception as exc:  # connecting
        _temporal_failed(settings, exc)
    filed = summary.filed_at.astimezone(rules.IST).isoformat() if summary.filed_at else "?"
    late = " (late: after the 72 hours)" if summary.overdue else ""
    click.echo(f"report filed for {value} at {filed}{late}")
    common.exit_skipping_finalisation(0)


@breach.command("status")
@click.argument("breach_id")
def breach_status(breach_id: str) -> None:
    """Print the breach as JSON: due, affected, notices by channel, reminders, filed."""
    from records import breaches

    common.settings()
    value = _breach_id(breach_id)
    found = asyncio.run(breaches.status(value))
    if found is None:
        click.echo(f"error: no breach {value}", err=True)
        raise SystemExit(1)
    click.echo(_json(found))
