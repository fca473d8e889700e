"""A service under CivicOps goes away mid-burst: Temporal, S3, the SQLite write lock.

Recovery: from the end of the outage (the server answers again, the lock is released) until
the last accepted case reached NOTICE_ISSUED.
"""

from __future__ import annotations

import asyncio
import random
import sys
import time
from collections.abc import Iterable

import pytest
from temporalio.client import Client

from faults.audit import Ledger
from faults.scenario import begin, finish
from faults.stack import App, Infra
from faults.traffic import SpotPool

# Long enough that each case's notice fails several times (Temporal retries after 1, 2, 4 s)
# and that the whole burst piles up behind the outage; the test checks both happened.
S3_DOWN_S = 10.0

# Another process takes SQLite's write lock and sits on it, as a long migration or a backup
# tool holding a write transaction would; readers go on (WAL), writers wait.
LOCKER = (
    "import sqlite3, sys, time\n"
    "conn = sqlite3.connect(sys.argv[1], timeout=60, isolation_level=None)\n"
    "conn.execute('BEGIN EXCLUSIVE')\n"
    "print('locked', flush=True)\n"
    "time.sleep(float(sys.argv[2]))\n"
    "conn.execute('ROLLBACK')\n"
    "print('released', flush=True)\n"
)


@pytest.mark.timeout(180)
async def test_temporal_server_killed_and_restarted_mid_burst_loses_and_duplicates_no_complaint(
    stack: App,
    infra: Infra,
    temporal: Client,
    ledger: Ledger,
    spots: SpotPool,
    fault_rng: random.Random,
) -> None:
    """Temporal `kill -9`ed and restarted on its SQLite file: every case goes on, once."""
    run = await begin("temporal-restart", stack, infra, temporal, ledger, spots)
    await run.until_accepted(fault_rng.randint(10, 50))
    await asyncio.sleep(fault_rng.uniform(0.0, 0.5))
    infra.temporal.kill9()
    killed = time.monotonic()
    hit = await run.hit()
    await asyncio.sleep(fault_rng.uniform(1.0, 3.0))
    infra.temporal.spawn()  # the same port and SQLite file
    back = await infra.temporal.ready()
    await finish(run, back, in_flight_at_kill=hit, down=f"{back - killed:.1f}s")


@pytest.mark.timeout(210)
async def test_s3_down_mid_burst_every_notice_is_stored_once_it_is_back(
    stack: App,
    infra: Infra,
    temporal: Client,
    ledger: Ledger,
    spots: SpotPool,
    fault_rng: random.Random,
) -> None:
    """S3 gone for 10 s: every notice is stored (once, with its hash) after it returns."""
    # Killed, not stopped: connections are refused, as when storage is down or unreachable,
    # so every notice attempt fails and is retried (a SIGSTOPped server would only stall them).
    run = await begin("s3-down", stack, infra, temporal, ledger, spots)
    await run.until_accepted(fault_rng.randint(5, 30))
    infra.s3.kill9()
    hit = await run.hit()
    await asyncio.sleep(S3_DOWN_S)
    waiting = await run.hit()  # cases held up by the outage when S3 comes back
    retrying = await _notices_retrying(temporal, run.in_flight())
    assert retrying, "no case was retrying its notice when S3 came back: the outage went unfelt"
    infra.s3.spawn()  # the same port and folder
    back = await infra.s3.ready()
    await finish(
        run, back, in_flight_at_kill=hit, in_flight_at_return=waiting,
        notices_retrying_at_return=retrying, down=f"{S3_DOWN_S:g}s",
    )  # fmt: skip


async def _notices_retrying(client: Client, tids: Iterable[str]) -> int:
    """How many of these cases have an issue_notice activity past its first, failed attempt."""

    async def retrying(tid: str) -> bool:
        described = await client.get_workflow_handle(f"complaint-{tid}").describe()
        return any(
            a.activity_type.name == "issue_notice" and a.attempt > 1
            for a in described.raw_description.pending_activities
        )

    return sum(await asyncio.gather(*(retrying(t) for t in tids)))


@pytest.mark.timeout(180)
async def test_sqlite_write_lock_held_by_another_process_mid_burst_loses_and_duplicates_nothing(
    stack: App,
    infra: Infra,
    temporal: Client,
    ledger: Ledger,
    spots: SpotPool,
    fault_rng: random.Random,
) -> None:
    """Another process holds SQLite's write lock for 15–20 s: filings and cases wait, then go on."""
    run = await begin("sqlite-lock", stack, infra, temporal, ledger, spots)
    await run.until_accepted(fault_rng.randint(5, 30))
    hold = fault_rng.uniform(15.0, 20.0)
    locker = await asyncio.create_subprocess_exec(
        sys.executable, "-c", LOCKER, str(stack.var_dir / "civicops.sqlite"), str(hold),
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert locker.stdout is not None
    try:
        assert await asyncio.wait_for(locker.stdout.readline(), 60) == b"locked\n"
        locked = time.monotonic()
        hit = await run.hit()
        assert await asyncio.wait_for(locker.stdout.readline(), hold + 30) == b"released\n"
        released = time.monotonic()
        assert await locker.wait() == 0
    finally:
        if locker.returncode is None:
            locker.kill()
            await locker.wait()
    await finish(run, released, in_flight_at_lock=hit, locked=f"{released - locked:.1f}s")
