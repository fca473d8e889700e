"""What the fault tests send and watch: distinct complaints, a retrying burst, a progress watch.

- `SpotPool`: seeded random points inside the demo city's wards, no two of one category
  within 60 m (the same category within 50 m would join an open case as a re-complaint).
- `Burst`: files complaints through the real API, 16 at a time, each under its own
  Idempotency-Key; a connection error, a timeout or a 503 is retried with the same key until
  the 202 comes (as the API asks of clients); any other answer is a failure.
- `Watch`: reads the projection every quarter second and remembers when each case first
  showed each revision, so recovery times come from what was stored, not from guesses.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx

from faults.rows import Rows

CONCURRENCY = 16
RETRY_PAUSE = 0.5  # seconds between attempts (the API's Retry-After says 5; capped for time)
MIN_APART_M = 60.0


class SpotPool:
    """Seeded random complaint sites in the demo city, handed out once each."""

    def __init__(self, seed: int, count: int = 800) -> None:
        from cli.bootstrap import DEMO_LOOKUP, DEMO_WARDS
        from domain.categories import CATEGORIES
        from geo.geojson import read_wards
        from geo.zones import ZoneIndex
        from records.cases import distance_m

        wards = read_wards(
            DEMO_WARDS, ward_field="WARD_NO", name_field="WARD_NAME", zone_lookup=DEMO_LOOKUP
        )
        index = ZoneIndex(wards)
        ward_ids = list(index.ward_ids)
        rng = random.Random(seed)
        codes = [c.code for c in CATEGORIES]
        self._spots: list[tuple[str, float, float]] = []
        taken: dict[str, list[tuple[float, float]]] = {code: [] for code in codes}
        while len(self._spots) < count:
            code = codes[len(self._spots) % len(codes)]
            lat, lon = index.random_point_in(rng.choice(ward_ids), rng)
            lat, lon = round(lat, 6), round(lon, 6)
            if all(distance_m(lat, lon, a, b) >= MIN_APART_M for a, b in taken[code]):
                taken[code].append((lat, lon))
                self._spots.append((code, lat, lon))

    def take(self, count: int) -> list[tuple[str, float, float]]:
        """The next `count` sites, never handed out before."""
        assert len(self._spots) >= count, "the pool is used up: make it larger"
        out, self._spots = self._spots[:count], self._spots[count:]
        return out


@dataclass
class Filing:
    """One complaint to file under one Idempotency-Key, and what the API answered."""

    key: str
    body: dict[str, Any]
    tracking_ids: list[str] = field(default_factory=list)  # one per 202 received
    filings: list[str] = field(default_factory=list)  # the 202s' "filing": new, recomplaint…
    attempts: int = 0
    retried_because: list[str] = field(default_factory=list)
    failure: str | None = None


def filings_for(fault: str, spots: Iterable[tuple[str, float, float]]) -> list[Filing]:
    """One filing per site, keyed `<fault>-<n>`."""
    out = []
    for n, (category, lat, lon) in enumerate(spots):
        body = {
            "category": category,
            "description": f"Fault suite ({fault}) complaint {n}: {category.replace('_', ' ')} "
            "near the bus stop, reported for three days",
            "latitude": lat,
            "longitude": lon,
            "language": "en",
        }
        out.append(Filing(f"{fault}-{n:03d}", body))
    return out


class Burst:
    """Files complaints through the API, CONCURRENCY at a time, retrying each with its key."""

    def __init__(
        self,
        url: str,
        api_key: str,
        filings: list[Filing],
        *,
        timeout: float = 240,
        on_accept: Callable[[str], None] = lambda _: None,
    ) -> None:
        self.url = url
        self.on_accept = on_accept  # told each tracking id as its 202 arrives
        self.headers = {"Authorization": f"Bearer {api_key}"}
        self.filings = filings
        self.timeout = timeout
        self.started_at = 0.0
        self.task: asyncio.Task[None] | None = None

    def start(self) -> Burst:
        """Begin filing in the background."""
        self.started_at = time.monotonic()
        self.task = asyncio.create_task(self._run())
        return self

    async def done(self) -> None:
        """Wait until every filing got its 202 (or failed for good)."""
        assert self.task is not None
        await self.task

    async def _run(self) -> None:
        limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
        gate = asyncio.Semaphore(CONCURRENCY)
        deadline = self.started_at + self.timeout
        async with httpx.AsyncClient(base_url=self.url, timeout=60, limits=limits) as client:

            async def one(filing: Filing) -> None:
                """File one, at most CONCURRENCY at a time."""
                async with gate:
                    await self.file(client, filing, deadline)

            await asyncio.gather(*(one(f) for f in self.filings))

    async def file(self, client: httpx.AsyncClient, filing: Filing, deadline: float) -> None:
        """POST until 202, the same Idempotency-Key every time."""
        headers = {**self.headers, "Idempotency-Key": filing.key}
        while time.monotonic() < deadline:
            filing.attempts += 1
            try:
                resp = await client.post("/v1/complaints", json=filing.body, headers=headers)
            except httpx.TransportError as exc:  # refused, reset, timed out: the API is away
                filing.retried_because.append(type(exc).__name__)
                await asyncio.sleep(RETRY_PAUSE)
                continue
            if resp.status_code == 202:
                body = resp.json()
                filing.tracking_ids.append(body["tracking_id"])
                self.on_accept(body["tracking_id"])
                filing.filings.append(body["filing"])
                return
            if resp.status_code == 503:
                filing.retried_because.append("503")
                await asyncio.sleep(RETRY_PAUSE)
                continue
            filing.failure = f"{resp.status_code}: {resp.text[:300]}"
            return
        filing.failure = f"no 202 within {self.timeout:g} s after {filing.attempts} attempts"

    async def refile(self) -> None:
        """Send every accepted filing once more, same key and body (a client's late retry)."""
        async with httpx.AsyncClient(base_url=self.url, timeout=60) as client:
            gate = asyncio.Semaphore(CONCURRENCY)

            async def again(filing: Filing) -> None:
                """Send one again."""
                async with gate:
                    await self.file(client, filing, time.monotonic() + 60)

            await asyncio.gather(*(again(f) for f in self.filings if f.tracking_ids))


class Watch:
    """Polls a stack's projection and remembers when each case first showed each revision."""

    def __init__(self, rows: Rows, interval: float = 0.25) -> None:
        self.rows = rows
        self.interval = interval
        self.latest: dict[str, tuple[str, int]] = {}
        self.seen: dict[str, list[tuple[float, str, int]]] = {}  # tid -> [(when, status, rev)]
        self.read_errors = 0
        self.last_error: Exception | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> Watch:
        """Begin polling in the background."""
        self._task = asyncio.create_task(self._run())
        return self

    async def stop(self) -> None:
        """Stop polling."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def poll(self) -> dict[str, tuple[str, int]]:
        """Read the projection once now and note what changed."""
        cases = await self.rows.cases()
        now = time.monotonic()
        for tid, (status, rev) in cases.items():
            if self.latest.get(tid) != (status, rev):
                self.seen.setdefault(tid, []).append((now, status, rev))
        self.latest = cases
        return cases

    async def _run(self) -> None:
        while True:
            try:
                await self.poll()
            except Exception as exc:  # the database is restarting: read again next round
                self.read_errors += 1
                self.last_error = exc
            await asyncio.sleep(self.interval)

    async def _describe(self, tids: list[str]) -> str:
        """Where each case stands: projected status, revision and logged events."""
        lines = []
        for tid in tids:
            try:
                events = await self.rows.events(tid)
            except Exception as exc:  # the database is still away
                events = [f"(events unreadable: {exc!r})"]
            lines.append(f"  {tid}: {self.latest.get(tid, '(no row)')} events {events}")
        return "\n".join(lines)

    def revision(self, tid: str) -> int:
        """The case's projected revision (0 before its first record)."""
        return self.latest.get(tid, ("", 0))[1]

    def first(self, tid: str, check: Callable[[str, int], bool]) -> float | None:
        """When the case first showed a (status, revision) passing check, or None."""
        return next((t for t, status, rev in self.seen.get(tid, []) if check(status, rev)), None)

    def moved_past(self, tid: str, revision: int) -> float | None:
        """When the case was first seen beyond `revision`."""
        return self.first(tid, lambda _, rev: rev > revision)

    def reached(self, tid: str, status: str) -> float | None:
        """When the case was first seen at `status`."""
        return self.first(tid, lambda s, _: s == status)

    async def until(
        self, tids: Iterable[str], check: Callable[[str], float | None], timeout: float
    ) -> dict[str, float]:
        """Wait until check(tid) gives a time for every tid; {tid: time}. Raises on timeout."""
        wanted = set(tids)
        deadline = time.monotonic() + timeout
        while True:
            times = {tid: t for tid in wanted if (t := check(tid)) is not None}
            if len(times) == len(wanted):
                return times
            if time.monotonic() > deadline:
                waiting = sorted(wanted - times.keys())
                raise AssertionError(
                    f"{len(waiting)} of {len(wanted)} cases did not get there within "
                    f"{timeout:g} s (failed reads: {self.read_errors}, last "
                    f"{self.last_error!r}); e.g.\n{await self._describe(waiting[:5])}"
                )
            await asyncio.sleep(self.interval)
