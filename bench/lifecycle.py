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
   re-imports a workflow's module for every new workflow; the bare workflow's module
   (lifecycle_bare.py) is compiled once up front (to a temporary folder under
   PYTHONDONTWRITEBYTECODE) so the bare side does not pay for compiling it per workflow.
   Each phase line also gives how busy the whole machine was (/proc/stat), to tell a quiet
   run from one where other work took the CPUs.

Points: distinct random points inside Bengaluru wards (by the API's ward map), at least
`--spacing` (200 m) from each other and from every case still open in the database, with the
categories dealt round robin and a unique description each, so re-complaint detection (same
category within 50 m of an open case) never joins two of them. The seed is random per run
(printed; `--seed` repeats it). The tracking ids answered must all be distinct; any repeat is
reported. Exit code 0 whatever the verdicts; 2 when the stack (API, Temporal, S3 or the
database) is unreachable.

The parts: lifecycle_parts.py measures, lifecycle_report.py prints, lifecycle_bare.py is the
bare workflow, lifecycle_db.py reads the database, common.py is shared with intake.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import asyncio
import dataclasses
import importlib.util
import os
import py_compile
import random
import shutil
import tempfile
import time
from collections import Counter

import httpx
from common import (
    MachineBusy,
    Unreachable,
    api_client,
    connect_temporal,
    environment,
    exit_after,
    keepalive_limits,
    load_key,
    settle,
    spaced_points,
    ward_map,
)
from lifecycle_bare import BareLifecycle, bench_noop
from lifecycle_db import Projection
from lifecycle_parts import Complaints, Measurements
from lifecycle_report import report
from temporalio.worker import Worker

from geo.zones import ZoneIndex
from settings import Settings
from storage import s3 as s3_storage

TARGET_RATIO = 0.6
FALLBACK_ACTIVITIES = 7  # record, prioritize, record, assign_zone, record, issue_notice, record


class Bench(Measurements):
    """Everything the two parts share: clients, points, the bare worker."""

    async def run(self) -> None:
        """The whole benchmark: clients, then both parts, then the report."""
        args = self.args
        key = load_key(Path(args.keys))
        seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 30)
        rng = random.Random(seed)
        self.run_id = f"{seed:x}-{int(time.time()) % 100000}"
        self.bare_queue = f"bench-lifecycle-{self.run_id}"
        self.bare_failures: Counter[str] = Counter()
        self.s3_errors: Counter[str] = Counter()
        limits = keepalive_limits(args.concurrency)
        self.http = api_client(args.url, key, limits)
        self.s3_http = httpx.AsyncClient(timeout=10.0, limits=limits)
        self.db = Projection(args.db)
        try:
            await self._run(rng, seed)
        finally:
            await self.http.aclose()
            await self.s3_http.aclose()
            await self.db.close()

    async def _connect(self) -> ZoneIndex:
        """Reach the API, Temporal, S3 and the database; the API's ward map."""
        args = self.args
        index = await ward_map(self.http, args.url)
        self.temporal = await connect_temporal(args.temporal, args.namespace)
        settings = dataclasses.replace(Settings.from_env(), s3_endpoint_url=args.s3)
        self.s3 = s3_storage.client(settings)
        try:
            await asyncio.to_thread(self.s3.head_bucket, Bucket=args.bucket)
        except Exception as exc:
            raise Unreachable(f"S3 at {args.s3} (bucket {args.bucket}): {exc!r}") from exc
        await self.db.open()
        return index

    async def _run(self, rng: random.Random, seed: int) -> None:
        """Pick the points, then run the parts with the bare worker serving."""
        args = self.args
        index = await self._connect()
        avoid = await self.db.open_points()
        need = args.warmup + args.complaints + 2 * args.cases
        points = spaced_points(index, need, avoid, args.spacing, rng)
        self.complaints = Complaints(points, self.run_id, rng)

        print(environment())
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
        """Warm-up, part 1, part 2 (A B B A), then the report."""
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

        await report(self, latencies, answered, max_lag, sides)


def bytecode_for_sandbox() -> tuple[str | None, bool]:
    """Compile the bare workflow's module for the sandbox, which re-imports it per workflow.

    Without bytecode it would compile that module again for every workflow. Under
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
    bare = str(Path(__file__).resolve().with_name("lifecycle_bare.py"))
    try:
        py_compile.compile(bare, doraise=True)
    except (OSError, py_compile.PyCompileError) as exc:
        print(f"warning: cannot compile {bare} ({exc}); bare workflows will compile it")
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
    exit_after(main)
