"""Benchmark the case lifecycle: filing to signed notice latency, and throughput to NOTICE_ISSUED.

Run from the repo root against a running stack (`civicops up` / `make up`):

    python bench/lifecycle.py [--url http://127.0.0.1:8000] [--keys var/demo-keys.json]
                              [--temporal 127.0.0.1:7233] [--s3 http://127.0.0.1:9000]
                              [--db sqlite:///var/civicops.sqlite] [--complaints 100] [--rate 5]
                              [--cases 200] [--concurrency 32]

What is measured, in one run, after an uncounted warm-up (`--warmup` cases through the API and
as many bare workflows, both waited for):

1. **Latency at a fixed rate.** `--complaints` N `POST /v1/complaints` with the demo
   `citizen-app` key, sent open loop at `--rate` per second (send i is scheduled at t0 + i/rate
   by the wall clock; nobody waits for an answer before the next send). For each, the time from
   sending the POST to the signed Assignment notice's PDF being in S3 at
   `notices/<tracking id>/<tracking id>-ASG0.pdf`. One poller probes every pending case every
   `--poll-ms` (50 ms) with a HEAD on a presigned URL (presigned once per case with boto3, sent
   with httpx; the same object `head_object` reads). The latency is taken when the first probe
   that finds the object answers, so it is an upper bound: the object appeared after the
   previous probe was sent, at most one poll interval plus one HEAD round trip earlier.
   Reported: p50, p99 and max; targets p50 <= 1 s, p99 <= 2 s. A case not seen within
   `--timeout` counts as infinitely late. Afterwards the case's own timestamps in the database
   (`Complaint.filed_at`, the `complaint_event` log, `Notice.issued_at` / `created_at`) split
   the latency into steps.
2. **Throughput to NOTICE_ISSUED against a bare workflow**, alternating A B B A:
   * **cases:** `--cases` M complaints filed through the API as fast as `--concurrency` requests
     in flight allow; the phase ends when the last one's projection row (`Complaint.status`) is
     NOTICE_ISSUED. That row is written by the case's last activity on the way (the `record`
     of the notice_issued step), so every activity has run. One query per poll interval reads
     the status of the cases not yet there (cheaper than a Temporal query or describe per case,
     and unlike the `CaseStatus` search attribute, which is upserted before that last `record`
     runs, it includes the last activity).
   * **bare:** M workflows started with the same concurrency straight on the same Temporal
     server, on a task queue of their own served by a worker inside this process (default
     `Worker` options, the default sandbox, as the stack's worker). Each runs, one after the
     other, as many activities as a case runs on its way to NOTICE_ISSUED (counted from the
     history of a warm-up case, e.g. record, prioritize, record, assign_zone, record,
     issue_notice, record = 7), each doing nothing and returning an int, with the case's
     timeout and retry policy. The phase ends when the last workflow's last activity has run,
     the same point as on the cases side.
   Throughput = workflows / summed phase wall time (first start to last done). Between phases
   the script waits until the previous phase's workflows are idle. Target: cases / bare >= 0.6.
   The cases run on the stack's own worker process (`civicops up`); the bare workflows run on
   this process's worker, which also drives the starts: see the printed note. The sandbox
   re-imports a workflow's module for every new workflow; this file is compiled once up front
   (to a temporary folder under PYTHONDONTWRITEBYTECODE) so the bare side does not pay for
   compiling its ~1,000 lines per workflow. Each phase line also gives how busy the whole
   machine was (/proc/stat), to tell a quiet run from one where other work took the CPUs.

Points: distinct random points inside Bengaluru wards (by the API's ward map), at least
`--spacing` (200 m) from each other and from every case still open in the database, with the
categories dealt round robin and a unique description each, so re-complaint detection (same
category within 50 m of an open case) never joins two of them. The seed is random per run
(printed; `--seed` repeats it). The tracking ids answered must all be distinct; any repeat is
reported. Exit code 0 whatever the verdicts; 2 when the stack (API, Temporal, S3 or the
database) is unreachable.
"""

from __future__ import annotations

import sys
from pathlib import Path

from temporalio import activity, workflow

# The workflow sandbox runs this file again for each bare workflow: there, everything below is
# passed through (already imported) and the path is already set.
if not workflow.unsafe.in_sandbox():
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

with workflow.unsafe.imports_passed_through():
    import argparse
    import asyncio
    import dataclasses
    import importlib.util
    import json
    import math
    import os
    import platform
    import py_compile
    import random
    import shutil
    import sqlite3
    import statistics
    import tempfile
    import threading
    import time
    from collections import Counter
    from collections.abc import Awaitable, Callable
    from dataclasses import dataclass, field
    from datetime import datetime, timedelta
    from urllib.parse import urlparse

    import httpx
    import temporalio
    from intake import (
        CITY,
        KEEPALIVE_S,
        Unreachable,
        load_key,
        settle,
        spaced_points,
    )
    from temporalio.client import Client
    from temporalio.common import RetryPolicy
    from temporalio.worker import Worker

    from cli.demo import index_from_api
    from domain.categories import CATEGORIES
    from geo.zones import ZoneIndex
    from settings import Settings
    from storage import s3 as s3_storage

TARGET_P50_S = 1.0
TARGET_P99_S = 2.0
TARGET_RATIO = 0.6
NOTICE_ISSUED = "NOTICE_ISSUED"
TERMINAL = ("CLOSED", "WITHDRAWN", "OUTSIDE_CITY")
FALLBACK_ACTIVITIES = 7  # record, prioritize, record, assign_zone, record, issue_notice, record
# The case's activity options (workflows/complaint.py: ACTIVITY_TIMEOUT, RETRY).
BARE_TIMEOUT = timedelta(seconds=30)
BARE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=5)
)


# --- the bare side: a workflow of N no-op activities, served by this process ---------------


@dataclass
class BareInput:
    key: str
    activities: int


@dataclass
class BareStep:
    key: str
    step: int
    last: bool


class BareTracker:
    """When each bare workflow's last activity ran (activities run outside the sandbox)."""

    def __init__(self) -> None:
        self.done: dict[str, float] = {}
        self.waiting: set[str] = set()
        self.all_done = asyncio.Event()

    def ran_last(self, key: str) -> None:
        self.done[key] = time.perf_counter()
        self.waiting.discard(key)
        if not self.waiting:
            self.all_done.set()

    async def wait(self, keys: list[str], limit_s: float) -> None:
        """Until every key's last activity has run (at most limit_s seconds)."""
        self.waiting = {k for k in keys if k not in self.done}
        self.all_done.clear()
        if self.waiting:
            try:
                await asyncio.wait_for(self.all_done.wait(), limit_s)
            except TimeoutError:
                pass


BARE = BareTracker()


@activity.defn(name="bench_noop")
async def bench_noop(data: BareStep) -> int:
    """Does nothing; the last step of a workflow notes when it ran."""
    if data.last:
        BARE.ran_last(data.key)
    return data.step


@workflow.defn(name="BenchBareLifecycle")
class BareLifecycle:
    """As many activities as a case runs to NOTICE_ISSUED, one after the other, doing nothing."""

    @workflow.run
    async def run(self, data: BareInput) -> int:
        total = 0
        for step in range(data.activities):
            total += await workflow.execute_activity(
                bench_noop,
                BareStep(data.key, step, step == data.activities - 1),
                start_to_close_timeout=BARE_TIMEOUT,
                retry_policy=BARE_RETRY,
            )
        return total


# --- the database projection, read-only --------------------------------------------------------


class Projection:
    """Read-only queries on the stack's database (SQLite file or PostgreSQL)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.scheme = urlparse(url).scheme
        self._sqlite: sqlite3.Connection | None = None
        self._pg = None  # asyncpg connection
        self._lock = threading.Lock()

    async def open(self) -> None:
        try:
            if self.scheme == "sqlite":
                path = Path(self.url.removeprefix("sqlite:///"))
                if not await asyncio.to_thread(path.exists):
                    raise Unreachable(f"database {path} does not exist (pass --db)")
                self._sqlite = sqlite3.connect(
                    f"file:{path}?mode=ro", uri=True, check_same_thread=False, timeout=30
                )
            elif self.scheme in ("postgres", "postgresql"):
                import asyncpg

                self._pg = await asyncpg.connect(self.url, timeout=10)
            else:
                raise Unreachable(f"--db must be sqlite:///… or postgres://…, not {self.url!r}")
            await self.fetch("SELECT count(*) FROM complaint", [])
        except Unreachable:
            raise
        except Exception as exc:
            raise Unreachable(f"database {self.url} cannot be read: {exc!r}") from exc

    async def close(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()
        if self._pg is not None:
            await self._pg.close()

    def _in(self, column: str, values: list[str], params: list) -> str:
        """`column IN (...)` for SQLite, `column = ANY($n)` for PostgreSQL."""
        if self._pg is not None:
            params.append(list(values))
            return f"{column} = ANY(${len(params)})"
        params.extend(values)
        return f"{column} IN ({','.join('?' * len(values))})"

    def _p(self, value: object, params: list) -> str:
        params.append(value)
        return f"${len(params)}" if self._pg is not None else "?"

    async def fetch(self, sql: str, params: list) -> list[tuple]:
        if self._pg is not None:
            return [tuple(r) for r in await self._pg.fetch(sql, *params)]
        assert self._sqlite is not None
        db = self._sqlite

        def run() -> list[tuple]:
            with self._lock:
                return db.execute(sql, params).fetchall()

        return await asyncio.to_thread(run)

    async def open_points(self) -> list[tuple[float, float]]:
        """Where every case that is not terminal is (re-complaints could join those)."""
        params: list = []
        where = " AND ".join(f"status <> {self._p(s, params)}" for s in TERMINAL)
        return [
            (float(lat), float(lon))
            for lat, lon in await self.fetch(
                f"SELECT latitude, longitude FROM complaint WHERE {where}", params
            )
        ]

    async def reached(self, tracking_ids: list[str], status: str) -> set[str]:
        """Which of these cases' projection rows have the status."""
        params: list = []
        clause = self._in("tracking_id", tracking_ids, params)
        wanted = self._p(status, params)
        rows = await self.fetch(
            f"SELECT tracking_id FROM complaint WHERE {clause} AND status = {wanted}", params
        )
        return {r[0] for r in rows}

    async def statuses(self, tracking_ids: list[str]) -> Counter[str]:
        params: list = []
        clause = self._in("tracking_id", tracking_ids, params)
        rows = await self.fetch(f"SELECT status FROM complaint WHERE {clause}", params)
        found = Counter(r[0] for r in rows)
        found["(no row)"] = len(tracking_ids) - sum(found.values())
        return +found

    async def timelines(self, tracking_ids: list[str]) -> dict[str, dict[str, float]]:
        """Per case, epoch seconds of: filed_at, each event kind, notice issued_at/created_at."""
        out: dict[str, dict[str, float]] = {t: {} for t in tracking_ids}
        for start in range(0, len(tracking_ids), 200):
            chunk = tracking_ids[start : start + 200]
            params: list = []
            clause = self._in("tracking_id", chunk, params)
            for tid, at in await self.fetch(
                f"SELECT tracking_id, filed_at FROM complaint WHERE {clause}", params
            ):
                out[tid]["api_filed_at"] = _epoch(at)
            params = []
            clause = self._in("tracking_id", chunk, params)
            for tid, kind, at in await self.fetch(
                f"SELECT tracking_id, kind, at FROM complaint_event WHERE {clause}", params
            ):
                out[tid].setdefault(f"ev:{kind}", _epoch(at))
            params = []
            clause = self._in("tracking_id", chunk, params)
            kind = self._p("assignment", params)
            for tid, issued, created in await self.fetch(
                "SELECT tracking_id, issued_at, created_at FROM notice "
                f"WHERE {clause} AND kind = {kind} AND level = 0",
                params,
            ):
                out[tid]["notice_issued_at"] = _epoch(issued)
                out[tid]["notice_created_at"] = _epoch(created)
        return out


def _epoch(value: object) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    return datetime.fromisoformat(str(value)).timestamp()


# --- points --------------------------------------------------------------------------------


class Complaints:
    """Unique complaint bodies: spaced points, categories round robin, unique descriptions."""

    def __init__(self, points: list[tuple[float, float]], run_id: str, rng: random.Random):
        self.points = iter(points)
        self.run_id = run_id
        self.categories = [c.code for c in CATEGORIES]
        rng.shuffle(self.categories)
        self.i = 0

    def next(self) -> dict[str, object]:
        lat, lon = next(self.points)
        category = self.categories[self.i % len(self.categories)]
        self.i += 1
        return {
            "category": category,
            "description": (
                f"Lifecycle benchmark {self.run_id}, report {self.i}: {category.replace('_', ' ')} "
                f"at {lat:.5f}, {lon:.5f}."
            ),
            "latitude": lat,
            "longitude": lon,
            "language": "kn",
        }


# --- helpers -------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    """q-th percentile, linear interpolation between closest ranks (inf for missing cases)."""
    if not values:
        return float("nan")
    s = sorted(values)
    pos = (len(s) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    if math.isinf(s[hi]):
        return math.inf
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


class MachineBusy:
    """How busy the whole machine was since this was made, from /proc/stat (Linux only).

    On a shared machine it tells a quiet run from one where other work took the CPUs.
    """

    def __init__(self) -> None:
        self.start = self.read()

    @staticmethod
    def read() -> tuple[int, int] | None:
        try:
            with open("/proc/stat") as f:
                ticks = [int(x) for x in f.readline().split()[1:]]
        except (OSError, ValueError):
            return None
        idle = ticks[3] + ticks[4]  # idle + iowait
        return sum(ticks) - idle, sum(ticks)

    def percent(self) -> str:
        """'; machine 87% busy' (all CPUs), or '' where /proc/stat is missing."""
        end = self.read()
        if self.start is None or end is None or end[1] == self.start[1]:
            return ""
        share = (end[0] - self.start[0]) / (end[1] - self.start[1])
        return f"; machine {share * 100:.0f}% busy"


def fmt_s(value: float) -> str:
    return "never" if math.isinf(value) else f"{value:.3f} s"


@dataclass
class Filed:
    """What the API answered for one POST."""

    tracking_ids: list[str] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)


class Bench:
    """Everything the two parts share: clients, points, the bare worker."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.poll_s = args.poll_ms / 1000.0
        self.filed = Filed()  # every POST of the run, to check tracking ids are distinct

    # --- filing through the API

    async def post(self, body: dict[str, object]) -> str | None:
        """File one complaint; its tracking id, or None (the failure is counted)."""
        try:
            resp = await self.http.post("/v1/complaints", json=body)
        except Exception as exc:  # a benchmark counts every failure, whatever it is
            self.filed.failures[f"{type(exc).__name__}: {str(exc)[:100]}"] += 1
            return None
        if resp.status_code != 202:
            self.filed.failures[f"HTTP {resp.status_code}: {resp.text[:100]}"] += 1
            return None
        tracking_id = resp.json()["tracking_id"]
        self.filed.tracking_ids.append(tracking_id)
        return tracking_id

    async def start_all(
        self, n: int, one: Callable[[int], Awaitable[str | None]], on_started: Callable[[str], None]
    ) -> float:
        """Run one(i) for i < n with `concurrency` in flight; seconds the starts took."""
        queue = iter(range(n))
        t0 = time.perf_counter()

        async def worker() -> None:
            for i in queue:
                started = await one(i)
                if started is not None:
                    on_started(started)

        await asyncio.gather(*(worker() for _ in range(self.args.concurrency)))
        return time.perf_counter() - t0

    # --- part 2 phases

    async def cases_phase(self, n: int) -> tuple[float, int, list[str], float]:
        """File n cases; wall seconds until all are NOTICE_ISSUED, how many, their ids, starts."""
        pending: set[str] = set()
        ids: list[str] = []
        done_at: dict[str, float] = {}
        starting = True

        def started(tracking_id: str) -> None:
            pending.add(tracking_id)
            ids.append(tracking_id)

        async def poll() -> None:
            deadline = time.perf_counter() + self.args.timeout
            while (starting or pending) and time.perf_counter() < deadline:
                tick = time.perf_counter()
                if pending:
                    got = await self.db.reached(sorted(pending), NOTICE_ISSUED)
                    now = time.perf_counter()
                    for tracking_id in got:
                        done_at[tracking_id] = now
                    pending.difference_update(got)
                await asyncio.sleep(max(0.0, self.poll_s - (time.perf_counter() - tick)))

        complaints = self.complaints
        t0 = time.perf_counter()
        poller = asyncio.create_task(poll())
        starts_s = await self.start_all(n, lambda _i: self.post(complaints.next()), started)
        starting = False
        await poller
        if pending:
            statuses = await self.db.statuses(sorted(pending))
            print(f"    {len(pending)} cases not NOTICE_ISSUED after --timeout: {dict(statuses)}")
        wall = (max(done_at.values()) - t0) if done_at else math.inf
        return wall, len(done_at), ids, starts_s

    async def bare_phase(self, n: int, label: str) -> tuple[float, int, list[str], float]:
        """Start n bare workflows; wall seconds until each one's last activity has run."""
        keys: list[str] = []
        handles = []

        async def one(i: int) -> str | None:
            key = f"bench-bare-{self.run_id}-{label}-{i}"
            try:
                handle = await self.temporal.start_workflow(
                    BareLifecycle.run,
                    BareInput(key, self.activities),
                    id=key,
                    task_queue=self.bare_queue,
                )
            except Exception as exc:
                self.bare_failures[f"{type(exc).__name__}: {str(exc)[:100]}"] += 1
                return None
            handles.append(handle)
            return key

        t0 = time.perf_counter()
        starts_s = await self.start_all(n, one, keys.append)
        await BARE.wait(keys, t0 + self.args.timeout - time.perf_counter())
        done = [BARE.done[k] for k in keys if k in BARE.done]
        wall = (max(done) - t0) if done else math.inf
        # Untimed: let every workflow finish (its last workflow task) before the next phase.
        await asyncio.wait_for(
            asyncio.gather(*(h.result() for h in handles), return_exceptions=True),
            timeout=self.args.settle,
        )
        return wall, len(done), keys, starts_s

    # --- part 1

    async def latency(self) -> tuple[list[float], dict[str, float], float]:
        """Open-loop filing at --rate; per case seconds from POST sent to its PDF in S3."""
        args = self.args
        pending: dict[str, tuple[float, str]] = {}  # tracking id -> (sent, presigned HEAD URL)
        sent_wall: dict[str, float] = {}
        seen: dict[str, float] = {}  # tracking id -> latency (s)
        seen_wall: dict[str, float] = {}
        window: list[float] = []  # per case: hit answered - last miss sent
        last_miss: dict[str, float] = {}
        answered: dict[str, float] = {}  # POST answer time (s)
        filing_order: list[tuple[int, str]] = []
        max_lag = 0.0
        sending = True
        bodies = [self.complaints.next() for _ in range(args.complaints)]

        async def send(i: int, at: float) -> None:
            nonlocal max_lag
            await asyncio.sleep(max(0.0, at - time.perf_counter()))
            t_send = time.perf_counter()
            wall = time.time()
            max_lag = max(max_lag, t_send - at)
            tracking_id = await self.post(bodies[i])
            if tracking_id is None:
                return
            answered[tracking_id] = time.perf_counter() - t_send
            filing_order.append((i, tracking_id))
            sent_wall[tracking_id] = wall
            key = f"notices/{tracking_id}/{tracking_id}-ASG0.pdf"
            url = self.s3.generate_presigned_url(
                "head_object", Params={"Bucket": args.bucket, "Key": key}, ExpiresIn=3600
            )
            pending[tracking_id] = (t_send, url)
            last_miss[tracking_id] = t_send

        async def probe(tracking_id: str, t_send: float, url: str) -> None:
            t_probe = time.perf_counter()
            try:
                resp = await self.s3_http.head(url)
            except httpx.HTTPError:
                return
            if resp.status_code == 200:
                now = time.perf_counter()
                if tracking_id in pending:
                    del pending[tracking_id]
                    seen[tracking_id] = now - t_send
                    seen_wall[tracking_id] = time.time()
                    window.append(now - last_miss[tracking_id])
            elif resp.status_code == 404:
                last_miss[tracking_id] = t_probe
            else:
                self.s3_errors[f"HEAD {resp.status_code}"] += 1

        async def poll() -> None:
            while sending or pending:
                tick = time.perf_counter()
                if pending:
                    stale = [t for t, (sent, _) in pending.items() if tick - sent > args.timeout]
                    for tracking_id in stale:
                        del pending[tracking_id]
                    await asyncio.gather(*(probe(t, s, u) for t, (s, u) in list(pending.items())))
                await asyncio.sleep(max(0.0, self.poll_s - (time.perf_counter() - tick)))

        poller = asyncio.create_task(poll())
        t0 = time.perf_counter() + 0.1
        await asyncio.gather(*(send(i, t0 + i / args.rate) for i in range(args.complaints)))
        sending = False
        await poller
        self.latency_ids = [t for _, t in sorted(filing_order)]
        latencies = [seen.get(t, math.inf) for t in self.latency_ids]
        self.latency_sent_wall = sent_wall
        self.latency_seen_wall = seen_wall
        self.post_answer = answered
        self.window = window
        return latencies, answered, max_lag

    async def activities_to_notice(self, tracking_id: str) -> list[str]:
        """The activities a case ran up to the `record` after its Assignment notice, in order.

        Projection writes run as local activities (a `core_local_activity` marker each); they
        are counted too and named `record (local)`, so the bare side runs as many activities,
        all of them ordinary ones.
        """
        handle = self.temporal.get_workflow_handle(f"complaint-{tracking_id}")
        names: list[str] = []
        async for event in handle.fetch_history_events():
            if event.HasField("activity_task_scheduled_event_attributes"):
                names.append(event.activity_task_scheduled_event_attributes.activity_type.name)
            elif event.HasField("marker_recorded_event_attributes"):
                marker = event.marker_recorded_event_attributes
                if marker.marker_name != "core_local_activity" or "data" not in marker.details:
                    continue
                try:
                    data = json.loads(marker.details["data"].payloads[0].data)
                except (ValueError, IndexError):
                    continue
                names.append(f"{data.get('activity_type')} (local)")
            else:
                continue
            if names[-1].startswith("record") and "issue_notice" in names:
                return names
        return []

    # --- the run

    async def run(self) -> None:
        args = self.args
        key = load_key(Path(args.keys))
        seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 30)
        rng = random.Random(seed)
        self.run_id = f"{seed:x}-{int(time.time()) % 100000}"
        self.bare_queue = f"bench-lifecycle-{self.run_id}"
        self.bare_failures: Counter[str] = Counter()
        self.s3_errors: Counter[str] = Counter()
        limits = httpx.Limits(
            max_connections=args.concurrency,
            max_keepalive_connections=args.concurrency,
            keepalive_expiry=KEEPALIVE_S,
        )
        self.http = httpx.AsyncClient(
            base_url=args.url.rstrip("/"),
            headers={"Authorization": f"Bearer {key}"},
            timeout=30.0,
            limits=limits,
        )
        self.s3_http = httpx.AsyncClient(timeout=10.0, limits=limits)
        self.db = Projection(args.db)
        try:
            await self._run(rng, seed)
        finally:
            await self.http.aclose()
            await self.s3_http.aclose()
            await self.db.close()

    async def _connect(self) -> ZoneIndex:
        args = self.args
        try:
            index = await index_from_api(self.http, CITY)
        except httpx.TransportError as exc:
            raise Unreachable(f"API at {args.url} does not answer: {exc!r}") from exc
        except httpx.HTTPStatusError as exc:
            raise Unreachable(f"API at {args.url}: GET /v1/zones -> {exc}") from exc
        try:
            self.temporal = await asyncio.wait_for(
                Client.connect(args.temporal, namespace=args.namespace), timeout=10
            )
        except Exception as exc:
            raise Unreachable(f"Temporal at {args.temporal} does not answer: {exc!r}") from exc
        settings = dataclasses.replace(Settings.from_env(), s3_endpoint_url=args.s3)
        self.s3 = s3_storage.client(settings)
        try:
            await asyncio.to_thread(self.s3.head_bucket, Bucket=args.bucket)
        except Exception as exc:
            raise Unreachable(f"S3 at {args.s3} (bucket {args.bucket}): {exc!r}") from exc
        await self.db.open()
        return index

    async def _run(self, rng: random.Random, seed: int) -> None:
        args = self.args
        index = await self._connect()
        avoid = await self.db.open_points()
        need = args.warmup + args.complaints + 2 * args.cases
        points = spaced_points(index, need, avoid, args.spacing, rng)
        self.complaints = Complaints(points, self.run_id, rng)

        print(
            f"python {platform.python_version()}, temporalio {temporalio.__version__}, "
            f"httpx {httpx.__version__}, {os.cpu_count()} CPUs, "
            f"load avg {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
        )
        print(
            f"API {args.url}  Temporal {args.temporal} ({args.namespace})  S3 {args.s3}  "
            f"DB {args.db}"
        )
        print(
            f"seed {seed}: {need} points inside {len(index)} wards, >= {args.spacing:g} m from "
            f"each other and from {len(avoid)} open cases; {len(self.complaints.categories)} "
            "categories round robin; unique descriptions"
        )

        worker = Worker(
            self.temporal,
            task_queue=self.bare_queue,
            workflows=[BareLifecycle],
            activities=[bench_noop],
        )
        async with worker:
            await self._parts()

    async def _parts(self) -> None:
        args = self.args
        # Warm-up: API, stack worker, bare worker; not counted. Also counts the activities.
        self.activities = args.activities or FALLBACK_ACTIVITIES
        t0 = time.perf_counter()
        _, warm_done, warm_ids, _ = await self.cases_phase(args.warmup)
        if not warm_ids:
            first = next(iter(self.filed.failures), "?")
            raise Unreachable(f"every warm-up complaint failed, e.g. {first}")
        if warm_done == 0:
            print("warning: no warm-up case reached NOTICE_ISSUED; is the stack's worker running?")
        if not args.activities:
            names = await self.activities_to_notice(warm_ids[0]) if warm_done else []
            if names:
                self.activities = len(names)
                print(
                    f"a case runs {len(names)} activities to NOTICE_ISSUED: {', '.join(names)} "
                    f"(counted from the history of warm-up case {warm_ids[0]})"
                )
            else:
                print(f"warning: could not count a case's activities; using {self.activities}")
        await settle(self.temporal, [f"complaint-{t}" for t in warm_ids], args.settle)
        await self.bare_phase(args.warmup, "warm")
        print(
            f"warm-up: {args.warmup} cases + {args.warmup} bare workflows in "
            f"{time.perf_counter() - t0:.1f} s\n"
        )

        # Part 1: latency at a fixed open-loop rate.
        print(
            f"[1] latency: {args.complaints} complaints at {args.rate:g}/s open loop; polling "
            f"S3 every {args.poll_ms:g} ms per pending case (HEAD, presigned)"
        )
        busy = MachineBusy()
        latencies, answered, max_lag = await self.latency()
        self.latency_busy = busy.percent()
        await settle(self.temporal, [f"complaint-{t}" for t in self.latency_ids], args.settle)

        # Part 2: throughput, A B B A.
        print(
            f"\n[2] throughput: {args.cases} workflows a phase, concurrency {args.concurrency}, "
            f"{self.activities} activities each; order cases, bare, bare, cases"
        )
        sides: dict[str, list[float]] = {"cases": [0.0, 0], "bare": [0.0, 0]}
        for r, name in enumerate(("cases", "bare", "bare", "cases")):
            busy = MachineBusy()
            if name == "cases":
                wall, done, ids, starts = await self.cases_phase(args.cases)
                waited = await settle(self.temporal, [f"complaint-{t}" for t in ids], args.settle)
            else:
                t_settle = time.perf_counter()
                wall, done, ids, starts = await self.bare_phase(args.cases, f"r{r}")
                waited = time.perf_counter() - t_settle - wall
            sides[name][0] += wall
            sides[name][1] += done
            print(
                f"  phase {r + 1} {name:<5}: {done}/{len(ids)} done in {wall:6.2f} s = "
                f"{done / wall if wall else 0:6.1f}/s (starts took {starts:4.2f} s; "
                f"then idle after {max(0.0, waited):4.1f} s){busy.percent()}"
            )

        await self._report(latencies, answered, max_lag, sides)

    async def _report(
        self,
        latencies: list[float],
        answered: dict[str, float],
        max_lag: float,
        sides: dict[str, list[float]],
    ) -> None:
        args = self.args
        print("\n== [1] POST sent -> signed Assignment notice PDF in S3 ==")
        missing = sum(1 for v in latencies if math.isinf(v))
        p50, p99, worst = pct(latencies, 50), pct(latencies, 99), max(latencies, default=math.nan)
        print(
            f"cases {len(latencies)} (filed {len(latencies)} of {args.complaints}; "
            f"not seen within {args.timeout:g} s: {missing}); send schedule lag max "
            f"{max_lag * 1000:.1f} ms; POST answer p50 "
            f"{pct(list(answered.values()), 50) * 1000:.1f} ms{self.latency_busy}"
        )
        print(
            f"polling resolution: every {args.poll_ms:g} ms per pending case; latency is taken "
            f"when the finding HEAD answers (mean window since the last miss "
            f"{statistics.fmean(self.window) * 1000 if self.window else math.nan:.0f} ms)"
        )
        for name, value, target in (("p50", p50, TARGET_P50_S), ("p99", p99, TARGET_P99_S)):
            verdict = "PASS" if value <= target else "FAIL"
            print(f"  {name} {fmt_s(value):>10}  (target <= {target:g} s): {verdict}")
        print(f"  max {fmt_s(worst):>10}")
        fifth = max(1, len(latencies) // 5)
        groups = [latencies[i : i + fifth] for i in range(0, len(latencies), fifth)][:5]
        print(
            "  p50 by fifth of the run, in filing order (rising = the stack fell behind the rate): "
            + " ".join(fmt_s(pct(g, 50)).removesuffix(" s") for g in groups)
            + " s"
        )
        await self._breakdown()

        print("\n== [2] throughput to NOTICE_ISSUED ==")
        (cw, cn), (bw, bn) = sides["cases"], sides["bare"]
        cases_tp = cn / cw if cw else 0.0
        bare_tp = bn / bw if bw else 0.0
        print(f"  cases {cn:>5} in {cw:7.2f} s = {cases_tp:7.1f}/s   (stack worker, via the API)")
        print(f"  bare  {bn:>5} in {bw:7.2f} s = {bare_tp:7.1f}/s   (this process's worker)")
        ratio = cases_tp / bare_tp if bare_tp else 0.0
        verdict = "PASS" if ratio >= args.target_ratio else "FAIL"
        print(f"  ratio cases / bare: {ratio:.3f}  (target >= {args.target_ratio:g}): {verdict}")
        print(
            "  note: cases run on the stack's worker process (`civicops up`), started through the\n"
            "  API (HTTP + the API process's CPU count against them); the bare workflows run on a\n"
            "  worker inside this benchmark process, which also makes the starts (one event loop\n"
            "  and one GIL for both, against them) but needs no extra process or HTTP hop (for\n"
            "  them). Both use default Worker options and the workflow sandbox."
        )
        if not args.stack_has_pyc:
            print(
                "  note: workflows/complaint.py has no bytecode cache next to it: if the stack's\n"
                "  worker runs under PYTHONDONTWRITEBYTECODE, its sandbox compiles that module\n"
                "  again for every case (this script gives its own bare workflow bytecode)."
            )

        ids = self.filed.tracking_ids
        dupes = [t for t, c in Counter(ids).items() if c > 1]
        print(
            f"\ntracking ids: {len(ids)} answered, {len(set(ids))} distinct"
            + (f"; REPEATED: {', '.join(dupes[:10])}" if dupes else "")
        )
        for error, count in self.filed.failures.most_common(5):
            print(f"  POST failure x{count}: {error}")
        for error, count in (self.bare_failures + self.s3_errors).most_common(5):
            print(f"  failure x{count}: {error}")

    async def _breakdown(self) -> None:
        """Split the latency into steps with the case's own timestamps (wall clock, one host)."""
        ids = [t for t in self.latency_ids if t in self.latency_seen_wall]
        if not ids:
            return
        lines = await self.db.timelines(ids)
        steps = (
            ("POST sent -> API filed_at", "sent", "api_filed_at"),
            ("filed_at -> 1st workflow task (filed)", "api_filed_at", "ev:filed"),
            ("record + prioritize (-> prioritized)", "ev:filed", "ev:prioritized"),
            ("record + assign_zone (-> assigned)", "ev:prioritized", "ev:assigned"),
            ("record (-> notice activity scheduled)", "ev:assigned", "notice_issued_at"),
            ("issue_notice: render, sign, S3, row", "notice_issued_at", "notice_created_at"),
            ("notice row -> PDF seen by the poller", "notice_created_at", "seen"),
        )
        print(
            f"where the time goes ({len(ids)} cases; workflow.now() of each step's event, "
            "Notice.issued_at / created_at; ms):"
        )
        print(f"  {'step':<42}{'p50':>8}{'p99':>8}{'max':>8}")
        for label, a, b in steps:
            values = []
            for t in ids:
                marks = {
                    **lines.get(t, {}),
                    "sent": self.latency_sent_wall[t],
                    "seen": self.latency_seen_wall[t],
                }
                if a in marks and b in marks:
                    values.append((marks[b] - marks[a]) * 1000.0)
            if values:
                print(
                    f"  {label:<42}{pct(values, 50):8.0f}{pct(values, 99):8.0f}{max(values):8.0f}"
                )


def bytecode_for_sandbox() -> tuple[str | None, bool]:
    """Compile this file for the sandbox, which re-imports it for every bare workflow.

    Without bytecode it would compile these ~900 lines (about 10 ms) per workflow. Under
    PYTHONDONTWRITEBYTECODE the bytecode goes to a temporary folder, not into the repo.
    Returns that folder (to remove) and whether workflows/complaint.py has bytecode next to it:
    if not, and the stack's worker runs under PYTHONDONTWRITEBYTECODE, its sandbox compiles
    the workflow module for every case.
    """
    complaint = str(Path(__file__).resolve().parents[1] / "workflows" / "complaint.py")
    stack_has_pyc = Path(importlib.util.cache_from_source(complaint)).exists()
    prefix = None
    if sys.dont_write_bytecode and sys.pycache_prefix is None:
        prefix = sys.pycache_prefix = tempfile.mkdtemp(prefix="civicops-bench-pyc-")
    try:
        py_compile.compile(__file__, doraise=True)
    except (OSError, py_compile.PyCompileError) as exc:
        print(f"warning: cannot compile {__file__} ({exc}); bare workflows will compile it")
    return prefix, stack_has_pyc


def default_db(keys: str) -> str:
    """DATABASE_URL if set, else the SQLite file next to the keys file (`civicops up`'s var/)."""
    url = os.environ.get("DATABASE_URL", "").strip()
    return url or f"sqlite:///{Path(keys).resolve().parent / 'civicops.sqlite'}"


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run the benchmark; exit 2 only when the stack is unreachable."""
    settings = Settings.from_env()
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="API base URL")
    parser.add_argument("--keys", default="var/demo-keys.json", help="demo keys file")
    parser.add_argument("--temporal", default="127.0.0.1:7233", help="Temporal frontend")
    parser.add_argument("--namespace", default="default")
    parser.add_argument(
        "--s3", default=settings.effective_s3_endpoint_url, help="the stack's S3 endpoint"
    )
    parser.add_argument("--bucket", default=settings.s3_bucket)
    parser.add_argument("--db", default=None, help="the stack's database (default: next to --keys)")
    parser.add_argument("--complaints", type=int, default=100, help="part 1: complaints")
    parser.add_argument("--rate", type=float, default=5.0, help="part 1: complaints per second")
    parser.add_argument("--poll-ms", type=float, default=50.0, help="polling interval")
    parser.add_argument("--cases", type=int, default=200, help="part 2: workflows per phase")
    parser.add_argument("--concurrency", type=int, default=32, help="part 2: starts in flight")
    parser.add_argument("--warmup", type=int, default=20, help="uncounted cases and bare runs")
    parser.add_argument(
        "--activities", type=int, default=0, help="bare activities (default: count a case's)"
    )
    parser.add_argument("--spacing", type=float, default=200.0, help="metres between points")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds a case may take")
    parser.add_argument("--settle", type=float, default=60.0, help="max wait for idle workers")
    parser.add_argument("--target-ratio", type=float, default=TARGET_RATIO)
    parser.add_argument("--seed", type=int, default=None, help="default: random per run")
    args = parser.parse_args(argv)
    args.db = args.db or default_db(args.keys)
    if min(args.complaints, args.cases, args.concurrency, args.warmup) < 1 or args.rate <= 0:
        parser.error("need positive --complaints, --cases, --concurrency, --warmup and --rate")
    prefix, stack_has_pyc = bytecode_for_sandbox()
    args.stack_has_pyc = stack_has_pyc
    try:
        asyncio.run(Bench(args).run())
    except Unreachable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        if prefix is not None:
            shutil.rmtree(prefix, ignore_errors=True)
    return 0


if __name__ == "__main__":
    code = main()
    # Skip interpreter teardown: the Temporal client's Rust threads can crash it at exit
    # (temporalio/sdk-python#300), as bench/intake.py does.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
