"""The shape every fault test shares: start a burst of 100, inject the fault, count, report.

A test calls `begin` (the watch and the burst start), does its harm, notes the moment from
which recovery counts, and calls `finish`: every filing must get its 202, every accepted case
must reach NOTICE_ISSUED, and `audit` must find one of everything. The figures line is
printed and kept for the terminal summary (tests/faults/conftest.py).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from temporalio.client import Client

from faults.audit import NOTICE_ISSUED, Ledger, Tally, audit
from faults.stack import App, Infra
from faults.traffic import Burst, Filing, SpotPool, Watch, filings_for

COMPLAINTS = 100
FIGURES: list[str] = []  # one line per fault, shown at the end of the pytest run


@dataclass
class Run:
    """One fault test's burst, watch and stack."""

    fault: str
    app: App
    infra: Infra
    client: Client
    ledger: Ledger
    watch: Watch
    earlier: set[str] = field(default_factory=set)  # cases projected before this run began
    filings: list[Filing] = field(default_factory=list)
    bursts: list[Burst] = field(default_factory=list)

    def file(self, filings: list[Filing]) -> Burst:
        """Start filing these in the background (a run may file in several waves)."""
        burst = Burst(
            self.app.url, self.app.citizen_key, filings,
            on_accept=lambda tid: self.ledger.add(self.app.name, {tid}),
        ).start()  # fmt: skip
        self.filings += filings
        self.bursts.append(burst)
        return burst

    async def filed(self) -> None:
        """Wait until every burst is done."""
        for burst in self.bursts:
            await burst.done()

    async def until_accepted(self, count: int, timeout: float = 60) -> None:
        """Wait until `count` filings of this run got their 202."""
        deadline = time.monotonic() + timeout
        while len(self.accepted_now()) < count:
            assert time.monotonic() < deadline, f"fewer than {count} filings accepted"
            await asyncio.sleep(0.05)

    async def settled(self, timeout: float = 120) -> None:
        """Wait until every case accepted so far reached NOTICE_ISSUED."""
        tids = self.accepted_now()
        await self.watch.until(tids, lambda t: self.watch.reached(t, NOTICE_ISSUED), timeout)

    def accepted_now(self) -> set[str]:
        """Tracking ids that got a 202 so far."""
        return {f.tracking_ids[0] for f in self.filings if f.tracking_ids}

    async def hit(self) -> int:
        """How many cases of this run are in flight now (the fault must find some)."""
        await self.watch.poll()
        count = len(self.in_flight())
        assert count, f"{self.fault}: the fault found no case in flight"
        return count

    def in_flight(self) -> dict[str, int]:
        """Cases of this run (accepted, or already projected) not at NOTICE_ISSUED: tid -> rev.

        Reads the watch's last poll: poll first for a snapshot of this moment.
        """
        tids = self.accepted_now() | (set(self.watch.latest) - self.earlier)
        latest = self.watch.latest
        return {
            t: self.watch.revision(t) for t in tids if latest.get(t, ("", 0))[0] != NOTICE_ISSUED
        }


async def begin(
    fault: str,
    app: App,
    infra: Infra,
    client: Client,
    ledger: Ledger,
    spots: SpotPool | None,
) -> Run:
    """Start watching the projection and, given spots, filing COMPLAINTS complaints there."""
    watch = Watch(app.rows)
    await watch.poll()  # what earlier tests left, so it does not count as this run's progress
    watch.start()
    run = Run(fault, app, infra, client, ledger, watch, earlier=set(watch.latest))
    if spots is not None:
        run.file(filings_for(fault, spots.take(COMPLAINTS)))
    return run


async def finish(
    run: Run,
    recovered_from: float,
    *,
    timeout: float = 150,
    recovery: float | None = None,
    **details: object,
) -> Tally:
    """Wait for every 202 and every NOTICE_ISSUED, audit, print and keep the figures.

    Recovery is from `recovered_from` until the last case reached NOTICE_ISSUED, unless the
    test measured its own (`recovery`).
    """
    try:
        await run.filed()
        failed = [f"{f.key}: {f.failure}" for f in run.filings if f.failure]
        assert not failed, f"{len(failed)} filings failed, e.g. {failed[:5]}"
        tids = run.accepted_now()
        reached = await run.watch.until(
            tids, lambda t: run.watch.reached(t, NOTICE_ISSUED), timeout=timeout
        )
    finally:
        await run.watch.stop()
    tally = await audit(run.fault, run.app, run.infra, run.client, run.ledger, run.filings)
    tally.recovery = max(reached.values()) - recovered_from if recovery is None else recovery
    tally.details.update(details)
    tally.details["retried_filings"] = sum(1 for f in run.filings if f.retried_because)
    tally.details["elapsed"] = f"{time.monotonic() - run.bursts[0].started_at:.1f}s"
    FIGURES.append(tally.line())
    print(f"\n{tally.line()}")
    tally.assert_clean()
    return tally
