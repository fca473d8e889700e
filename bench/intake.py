"""Benchmark complaint intake: `POST /v1/complaints` against raw Temporal `start_workflow` calls.

Run from the repo root against a running stack (`civicops up` / `make up`):

    python bench/intake.py [--url http://127.0.0.1:8000] [--requests 1000] [--concurrency 32]
                           [--keys var/demo-keys.json] [--temporal 127.0.0.1:7233]

What is measured, in the same run and side by side:

* **API intake**: N `POST /v1/complaints` requests with the demo `citizen-app` key
  (httpx.AsyncClient, HTTP/1.1 keep-alive, `--concurrency` requests in flight). Bodies are valid
  complaints at points that the API's own ward map (`GET /v1/zones`) places INSIDE a Bengaluru
  ward. No reporter and no Idempotency-Key, so the handler does no database write: it
  authenticates (cached), locates the ward (cached index) and starts the workflow. Every answer
  must be 202; anything else is a failure.
* **Raw Temporal starts**: the same N `Client.start_workflow(ComplaintWorkflow.run, ...)` calls,
  same concurrency, straight to the same Temporal server, with the input the API builds
  (`CaseState(Complaint(...))` with a new random tracking id, the same workflow id, task queue,
  id conflict/reuse policies and initial search attributes). This is the floor: what starting
  the workflow costs with no HTTP, no Litestar and no validation in front of it.

Both sides are run in alternating rounds (A B, B A, A B, ...) of N/rounds requests each and
accumulated, after an uncounted warm-up of each, so drift on a noisy shared machine hits both.
Between phases the script waits (bounded by `--settle`) until the worker has finished the cases
just started (the last ones started have no pending activity or workflow task), so each side
pays only for its own worker load, never for the other's backlog. Before each API phase the
client's keep-alive pool is refilled with `concurrency` untimed `GET /v1/categories`, as the raw
side reuses one long-lived gRPC connection. Per-request latency is wall time from send to answer
(failures included); throughput is accepted requests / summed phase wall time.

Printed: throughput (req/s), p50 and p99 latency (ms) and failures for each side, then the ratio
intake / raw throughput and PASS/FAIL against the target (>= 0.8). The exit code is 0 whatever
the verdict (this is a benchmark, not a test); 2 when the stack is unreachable.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import argparse  # noqa: E402
import asyncio  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from collections.abc import Awaitable, Callable, Iterator  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from datetime import UTC, datetime  # noqa: E402

from common import (  # noqa: E402
    CITY,
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
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy  # noqa: E402

from domain import ids, languages  # noqa: E402
from domain.case import CaseState, Complaint  # noqa: E402
from domain.categories import CATEGORIES  # noqa: E402
from workflows.complaint import ComplaintWorkflow, initial_search_attributes  # noqa: E402

TARGET_RATIO = 0.8
CITY_CODE = "BLR"
SOURCE = "demo-citizen-app"  # the principal name of the demo citizen-app key (see bootstrap)
SPACING_M = 60.0  # more than the 50 m re-complaint radius
DESCRIPTIONS = (
    "Big pothole near the bus stop, two-wheelers are skidding.",
    "Garbage not collected for four days, the pile is near the temple.",
    "Streetlight near the park has been off for a week, very dark at night.",
    "Drain overflowing onto the road near the school, sewage smell everywhere.",
)


class Failed(Exception):
    """One request did not get the answer it should have (e.g. not 202)."""


@dataclass
class Body:
    """One complaint, as JSON for the API and as fields for the raw start."""

    category: str
    description: str
    latitude: float
    longitude: float
    language: str

    def json(self) -> dict[str, object]:
        """The body of `POST /v1/complaints`."""
        return {
            "category": self.category,
            "description": self.description,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "language": self.language,
        }


@dataclass
class Side:
    """Accumulated results of one side (API intake or raw starts) over all rounds."""

    name: str
    latencies_ms: list[float] = field(default_factory=list)
    wall_s: float = 0.0
    accepted: int = 0
    failures: Counter[str] = field(default_factory=Counter)

    @property
    def throughput(self) -> float:
        """Accepted requests per second of phase wall time."""
        return self.accepted / self.wall_s if self.wall_s > 0 else 0.0

    def pct(self, q: float) -> float:
        """q-th percentile latency in ms (linear interpolation)."""
        if not self.latencies_ms:
            return float("nan")
        if len(self.latencies_ms) == 1:
            return self.latencies_ms[0]
        cuts = statistics.quantiles(self.latencies_ms, n=1000, method="inclusive")
        return cuts[round(q * 10) - 1]


def make_bodies(points: Iterator[tuple[float, float]], n: int, rng: random.Random) -> list[Body]:
    """N valid complaint bodies, each at a point of its own.

    A complaint of the same category within 50 m of an open case is a re-complaint that
    joins it; every body here opens a new case, which is what intake is measured on.
    """
    bodies = []
    for _ in range(n):
        lat, lon = next(points)
        bodies.append(
            Body(
                category=rng.choice(CATEGORIES).code,
                description=rng.choice(DESCRIPTIONS),
                latitude=lat,
                longitude=lon,
                language="kn",
            )
        )
    return bodies


def case_state(body: Body) -> CaseState:
    """The workflow input exactly as `ComplaintController.file` builds it (no reporter, no key)."""
    language = languages.normalise(body.language)
    assert language is not None
    return CaseState(
        complaint=Complaint(
            tracking_id=ids.new_tracking_id(CITY_CODE),
            city=CITY,
            category=body.category,
            description=body.description.strip(),
            latitude=body.latitude,
            longitude=body.longitude,
            language=language,
            filed_at=datetime.now(UTC),
            source=SOURCE,
            reporter_id=None,
            address=None,
        )
    )


@dataclass
class Phase:
    """What one phase measured."""

    wall_s: float
    latencies_ms: list[float]
    failures: Counter[str]
    workflow_ids: list[str]  # in completion order


async def run_phase(
    bodies: list[Body], concurrency: int, one: Callable[[Body], Awaitable[str]]
) -> Phase:
    """Send every body with `concurrency` workers; `one` returns the started workflow id."""
    phase = Phase(0.0, [], Counter(), [])
    queue = iter(bodies)
    clock = time.perf_counter

    async def worker() -> None:
        """Take bodies from the shared queue until it is empty."""
        for body in queue:  # a shared iterator: each body is taken by exactly one worker
            t0 = clock()
            try:
                phase.workflow_ids.append(await one(body))
            except Failed as exc:
                phase.failures[str(exc)] += 1
            except Exception as exc:  # a benchmark counts every failure, whatever it is
                phase.failures[f"{type(exc).__name__}: {str(exc)[:120]}"] += 1
            phase.latencies_ms.append((clock() - t0) * 1000.0)

    t0 = clock()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    phase.wall_s = clock() - t0
    return phase


async def bench(args: argparse.Namespace) -> None:
    """Both sides in alternating rounds after a warm-up; print the comparison."""
    key = load_key(Path(args.keys))
    rng = random.Random(args.seed)
    # `prime` reopens the keep-alive connections before each API phase.
    async with api_client(args.url, key, keepalive_limits(args.concurrency)) as http:
        index = await ward_map(http, args.url)
        temporal = await connect_temporal(args.temporal, args.namespace)

        needed = 2 * (args.warmup + args.requests) + 64
        points = iter(spaced_points(index, needed, [], SPACING_M, rng))
        api, raw = Side("API intake"), Side("raw start")

        async def post(body: Body) -> str:
            """File one complaint through the API; the workflow id it started."""
            resp = await http.post("/v1/complaints", json=body.json())
            if resp.status_code != 202:
                raise Failed(f"HTTP {resp.status_code}: {resp.text[:120]}")
            return resp.json()["workflow_id"]

        async def start(body: Body) -> str:
            """Start the same workflow straight on Temporal; its id."""
            state = case_state(body)
            handle = await temporal.start_workflow(
                ComplaintWorkflow.run,
                state,
                id=ids.workflow_id(state.complaint.tracking_id),
                task_queue=args.task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                search_attributes=initial_search_attributes(state),
            )
            return handle.id

        async def prime() -> None:
            """Open `concurrency` keep-alive connections (untimed), as raw starts reuse theirs."""
            got = await asyncio.gather(
                *(http.get("/v1/categories") for _ in range(args.concurrency)),
                return_exceptions=True,
            )
            if all(isinstance(g, BaseException) for g in got):
                raise Unreachable(f"API at {args.url} stopped answering: {got[0]!r}")

        sides = {"api": (api, post), "raw": (raw, start)}
        print(environment())
        print(
            f"API {args.url}  Temporal {args.temporal} ({args.namespace}, "
            f"queue {args.task_queue})  {len(index)} wards, {needed} points {SPACING_M:g} m apart"
        )
        print(
            f"{args.requests} requests per side in {args.rounds} alternating rounds, "
            f"concurrency {args.concurrency}, warm-up {args.warmup} per side, "
            f"settle <= {args.settle:g} s"
        )

        for name in ("api", "raw"):  # warm-up: connections, caches, code paths; not counted
            _, one = sides[name]
            if name == "api":
                await prime()
            warm = await run_phase(make_bodies(points, args.warmup, rng), args.concurrency, one)
            if not warm.workflow_ids:
                first = next(iter(warm.failures), "?")
                raise Unreachable(f"every {name} warm-up request failed, e.g. {first}")
            await settle(temporal, warm.workflow_ids, args.settle)

        per_round = [args.requests // args.rounds] * args.rounds
        for i in range(args.requests % args.rounds):
            per_round[i] += 1
        for r, n in enumerate(per_round):
            order = ("api", "raw") if r % 2 == 0 else ("raw", "api")
            line = [f"round {r + 1}/{args.rounds}:"]
            for name in order:
                side, one = sides[name]
                if name == "api":
                    await prime()
                phase = await run_phase(make_bodies(points, n, rng), args.concurrency, one)
                side.wall_s += phase.wall_s
                side.accepted += len(phase.workflow_ids)
                side.latencies_ms += phase.latencies_ms
                side.failures.update(phase.failures)
                waited = await settle(temporal, phase.workflow_ids, args.settle)
                limit = ", limit hit" if waited >= args.settle else ""
                line.append(
                    f"{side.name} {len(phase.workflow_ids) / phase.wall_s:7.1f} req/s "
                    f"(then settle {waited:4.1f} s{limit})"
                )
            print("  ".join(line))

    print()
    print(f"{'':<12}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'failures':>10}")
    for side in (api, raw):
        print(
            f"{side.name:<12}{len(side.latencies_ms):>9}{side.throughput:>9.1f}"
            f"{side.pct(50):>9.1f}{side.pct(99):>9.1f}{sum(side.failures.values()):>10}"
        )
    for side in (api, raw):
        for error, count in side.failures.most_common(5):
            print(f"  {side.name} failure x{count}: {error}")
    ratio = api.throughput / raw.throughput if raw.throughput > 0 else 0.0
    verdict = "PASS" if ratio >= args.target else "FAIL"
    print(
        f"\nratio intake / raw start throughput: {ratio:.3f}  "
        f"(target >= {args.target:g}): {verdict}"
    )


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run the benchmark; exit 2 only when the stack is unreachable."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="API base URL")
    parser.add_argument("--requests", type=int, default=1000, help="counted requests per side")
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight")
    parser.add_argument("--keys", default="var/demo-keys.json", help="demo keys file")
    parser.add_argument("--temporal", default="127.0.0.1:7233", help="Temporal frontend")
    parser.add_argument("--namespace", default="default")
    parser.add_argument("--task-queue", default="civicops")
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds per side")
    parser.add_argument("--warmup", type=int, default=20, help="uncounted requests per side")
    parser.add_argument(
        "--settle", type=float, default=60.0, help="max seconds to wait for the worker's backlog"
    )
    parser.add_argument("--target", type=float, default=TARGET_RATIO, help="intake/raw target")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    if args.requests < args.rounds or args.concurrency < 1 or args.rounds < 1:
        parser.error("need --requests >= --rounds >= 1 and --concurrency >= 1")
    try:
        asyncio.run(bench(args))
    except Unreachable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    exit_after(main)
