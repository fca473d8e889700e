"""The lifecycle benchmark's measurements: filing through the API, the two parts' phases.

`Measurements` holds the clients and what the run measured; `lifecycle.Bench` connects them
and runs the parts, `lifecycle_report` prints what they measured.

- part 1, `latency`: open-loop filing at a fixed rate, each case's POST to its signed
  Assignment notice's PDF in S3 (probed with presigned HEADs);
- part 2, `cases_phase` and `bare_phase`: workflows to NOTICE_ISSUED through the API, and
  as many bare workflows of as many no-op activities on this process's worker.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from lifecycle_bare import BARE, BareInput, BareLifecycle
from lifecycle_db import Projection
from temporalio.client import Client

from domain.categories import CATEGORIES

NOTICE_ISSUED = "NOTICE_ISSUED"


class Complaints:
    """Unique complaint bodies: spaced points, categories round robin, unique descriptions."""

    def __init__(self, points: list[tuple[float, float]], run_id: str, rng: random.Random) -> None:
        self.points = iter(points)
        self.run_id = run_id
        self.categories = [c.code for c in CATEGORIES]
        rng.shuffle(self.categories)
        self.i = 0

    def next(self) -> dict[str, object]:
        """The next complaint body."""
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


@dataclass
class Filed:
    """What the API answered for one POST."""

    tracking_ids: list[str] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)


class Measurements:
    """The clients, the run's bodies, and each part's measurements (set as the run goes)."""

    args: argparse.Namespace
    http: httpx.AsyncClient  # the API, with the demo citizen-app key
    s3_http: httpx.AsyncClient  # presigned HEADs
    s3: Any  # boto3 S3 client (presigns the HEADs)
    db: Projection
    temporal: Client
    complaints: Complaints
    run_id: str
    bare_queue: str
    activities: int  # a bare workflow's, as many as a case runs to NOTICE_ISSUED
    bare_failures: Counter[str]
    s3_errors: Counter[str]
    # part 1, for the report
    latency_ids: list[str]
    latency_sent_wall: dict[str, float]
    latency_seen_wall: dict[str, float]
    post_answer: dict[str, float]
    window: list[float]
    latency_busy: str

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
            """Take indices from the shared queue until it is empty."""
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
            """Note a filed case as pending."""
            pending.add(tracking_id)
            ids.append(tracking_id)

        async def poll() -> None:
            """Read which pending cases reached NOTICE_ISSUED, every poll interval."""
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
            """Start bare workflow i; its key, or None (the failure is counted)."""
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
            """File body i at its scheduled time and presign its notice's HEAD."""
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
            """HEAD one case's notice PDF; note when it is first found."""
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
            """Probe every pending case, every poll interval, until all are seen or late."""
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
