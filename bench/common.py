"""What the stack benchmarks (intake.py, lifecycle.py) share: reaching the stack, points, waits.

- reaching a running stack: the demo key, the API client, the API's own ward map and the
  Temporal client, each failing with `Unreachable` (the scripts exit 2 on it);
- points inside Bengaluru wards, spaced so re-complaint detection never joins two filings;
- `settle`: waiting until the worker has finished the cases a phase started;
- `MachineBusy`, `environment`: how busy the machine was, and what it runs;
- `exit_after`: ending the script without interpreter finalisation, as `civicops` does.

Imported by name (`from common import ...`): a benchmark runs as a script, so bench/ is the
first entry of its path, and the script puts the repository root next (for cli/, geo/).
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import platform
import random
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import temporalio
from temporalio.client import Client
from temporalio.service import RPCError

from cli.common import exit_skipping_finalisation
from cli.demo import index_from_api
from geo.zones import Match, ZoneIndex

CITY = "bengaluru"
EARTH_M_PER_DEG = 111_320.0
KEEPALIVE_S = 3.0  # client keep-alive expiry, below uvicorn's default 5 s
SETTLE_SAMPLE = 16  # the last cases a phase started, checked for a drained worker backlog


class Unreachable(Exception):
    """The stack (API or Temporal) does not answer."""


def load_key(path: Path) -> str:
    """The demo citizen-app key from the keys file `civicops up` writes."""
    try:
        return json.loads(path.read_text())["citizen-app"]
    except FileNotFoundError:
        raise Unreachable(
            f"{path} not found: start the stack (`civicops up`) or pass --keys"
        ) from None
    except (KeyError, ValueError) as exc:
        raise Unreachable(f"{path} has no citizen-app key ({exc})") from exc


def keepalive_limits(concurrency: int) -> httpx.Limits:
    """One keep-alive connection per request in flight, dropped before the server drops it.

    Idle connections expire before uvicorn's 5 s keep-alive timeout closes them, so a request
    never races a server-side close.
    """
    return httpx.Limits(
        max_connections=concurrency,
        max_keepalive_connections=concurrency,
        keepalive_expiry=KEEPALIVE_S,
    )


def api_client(url: str, key: str, limits: httpx.Limits) -> httpx.AsyncClient:
    """An HTTP client for the API at url, with the key as bearer token."""
    return httpx.AsyncClient(
        base_url=url.rstrip("/"),
        headers={"Authorization": f"Bearer {key}"},
        timeout=30.0,
        limits=limits,
    )


async def ward_map(http: httpx.AsyncClient, url: str) -> ZoneIndex:
    """The demo city's wards from the API's own map (`GET /v1/zones`)."""
    try:
        return await index_from_api(http, CITY)
    except httpx.TransportError as exc:
        raise Unreachable(f"API at {url} does not answer: {exc!r}") from exc
    except httpx.HTTPStatusError as exc:
        raise Unreachable(f"API at {url}: GET /v1/zones -> {exc}") from exc


async def connect_temporal(address: str, namespace: str) -> Client:
    """A Temporal client, or Unreachable within 10 s."""
    try:
        return await asyncio.wait_for(Client.connect(address, namespace=namespace), timeout=10)
    except Exception as exc:
        raise Unreachable(f"Temporal at {address} does not answer: {exc!r}") from exc


def good_points(index: ZoneIndex, n: int, rng: random.Random) -> list[tuple[float, float]]:
    """N points, each strictly INSIDE one ward by the API's own map (rounded like a client)."""
    wards = list(index.ward_ids)
    out: list[tuple[float, float]] = []
    while len(out) < n:
        lat, lon = index.random_point_in(rng.choice(wards), rng)
        lat, lon = round(lat, 6), round(lon, 6)
        if index.locate(lat, lon).match is Match.INSIDE:
            out.append((lat, lon))
    return out


def spaced_points(
    index: ZoneIndex,
    n: int,
    avoid: list[tuple[float, float]],
    spacing_m: float,
    rng: random.Random,
) -> list[tuple[float, float]]:
    """N points inside wards, each >= spacing_m from the others and from every `avoid` point."""
    cell = spacing_m / EARTH_M_PER_DEG  # degrees of latitude; longitude cells are a bit narrower
    grid: dict[tuple[int, int], list[tuple[float, float]]] = {}

    def key(lat: float, lon: float) -> tuple[int, int]:
        """The grid cell of a point."""
        return (int(lat // cell), int(lon // cell))

    def too_close(lat: float, lon: float) -> bool:
        """True when a point already taken is nearer than spacing_m."""
        cy, cx = key(lat, lon)
        kx = math.cos(math.radians(lat))
        for dy in (-1, 0, 1):
            for dx in (-2, -1, 0, 1, 2):
                for plat, plon in grid.get((cy + dy, cx + dx), ()):
                    dy_m = (lat - plat) * EARTH_M_PER_DEG
                    dx_m = (lon - plon) * EARTH_M_PER_DEG * kx
                    if dy_m * dy_m + dx_m * dx_m < spacing_m * spacing_m:
                        return True
        return False

    for lat, lon in avoid:
        grid.setdefault(key(lat, lon), []).append((lat, lon))
    out: list[tuple[float, float]] = []
    tries = 0
    while len(out) < n:
        for lat, lon in good_points(index, 64, rng):
            tries += 1
            if not too_close(lat, lon):
                grid.setdefault(key(lat, lon), []).append((lat, lon))
                out.append((lat, lon))
                if len(out) == n:
                    break
        if tries > 200 * n + 10_000:
            raise SystemExit(
                f"error: found only {len(out)} of {n} points {spacing_m:g} m from each other and "
                f"from {len(avoid)} open cases; use a fresh stack or a smaller --spacing"
            )
    return out


async def settle(temporal: Client, workflow_ids: list[str], limit_s: float) -> float:
    """Wait (at most limit_s) until the worker is done with the last cases started; seconds."""
    t0 = time.perf_counter()
    pending = workflow_ids[-SETTLE_SAMPLE:]
    while pending and time.perf_counter() - t0 < limit_s:
        still = []
        for workflow_id in pending:
            try:
                handle = temporal.get_workflow_handle(workflow_id)
                raw = (await handle.describe()).raw_description
            except RPCError:
                continue  # gone or not describable: nothing to wait for
            if raw.pending_activities or raw.HasField("pending_workflow_task"):
                still.append(workflow_id)
        pending = still
        if pending:
            await asyncio.sleep(0.25)
    return time.perf_counter() - t0


def environment() -> str:
    """Python, temporalio and httpx versions, CPUs and load: the first line of every report."""
    return (
        f"python {platform.python_version()}, temporalio {temporalio.__version__}, "
        f"httpx {httpx.__version__}, {os.cpu_count()} CPUs, "
        f"load avg {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )


class MachineBusy:
    """How busy the whole machine was since this was made, from /proc/stat (Linux only).

    On a shared machine it tells a quiet run from one where other work took the CPUs.
    """

    def __init__(self) -> None:
        self.start = self.read()

    @staticmethod
    def read() -> tuple[int, int] | None:
        """(busy ticks, all ticks) of every CPU so far, or None without /proc/stat."""
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


def exit_after(main: Callable[[], int]) -> None:
    """Run a benchmark's main and exit with its code, skipping interpreter teardown.

    The Temporal client's Rust threads can crash the interpreter at exit
    (temporalio/sdk-python#300; seen as an occasional segfault after the report).
    """
    exit_skipping_finalisation(main())
