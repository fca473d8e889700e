"""The analytics benchmark's timing: each stats route and the heatmap through the real app,
the plans of the slow ones, and a cross-check of the API's counts against the table."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import logging  # noqa: E402
import math  # noqa: E402
import sqlite3  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from datetime import UTC, date, datetime, timedelta  # noqa: E402
from typing import Any  # noqa: E402

import asyncpg  # noqa: E402
from analytics_data import CITY, SPAN_DAYS, TARGET_MS, WARMUP  # noqa: E402

# --- timing the routes ------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One route with its parameters."""

    label: str
    path: str
    params: dict[str, str]


def cases(today: date) -> list[Case]:
    """The routes and parameters timed: the default month, a whole month, 12 months, a
    category, per ward and zone, every trend interval, every heatmap resolution and status."""
    last_month_end = today.replace(day=1) - timedelta(days=1)
    month = {"from": last_month_end.replace(day=1).isoformat(), "to": last_month_end.isoformat()}
    year = {"from": (today - timedelta(days=SPAN_DAYS)).isoformat(), "to": today.isoformat()}
    cat = {"category": "garbage_not_collected"}
    s, w, t, h = "/v1/stats/summary", "/v1/stats/wards", "/v1/stats/trends", "/v1/stats/heatmap"
    return [
        Case("summary, this month (default)", s, {}),
        Case("summary, last month", s, month),
        Case("summary, 12 months", s, year),
        Case("summary, 12 months, garbage", s, {**year, **cat}),
        Case("wards, this month (default)", w, {}),
        Case("wards, last month", w, month),
        Case("wards, 12 months", w, year),
        Case("wards, last month, garbage", w, {**month, **cat}),
        Case("wards, 12 months, garbage", w, {**year, **cat}),
        Case("trends day, last month", t, {**month, "interval": "day"}),
        Case("trends day, 12 months", t, {**year, "interval": "day"}),
        Case("trends week, 12 months", t, {**year, "interval": "week"}),
        Case("trends month, 12 months", t, {**year, "interval": "month"}),
        Case("trends month, 12 months, garbage", t, {**year, **cat, "interval": "month"}),
        Case("heatmap open r8 (default)", h, {}),
        Case("heatmap open r8, 12 months", h, {**year}),
        Case("heatmap open r9, 12 months, garbage", h, {**year, **cat, "resolution": "9"}),
        Case("heatmap all r7, 12 months", h, {**year, "status": "all", "resolution": "7"}),
        Case("heatmap all r8, last month", h, {**month, "status": "all"}),
        Case("heatmap all r9, 12 months", h, {**year, "status": "all", "resolution": "9"}),
    ]


@dataclass
class Timing:
    """What one case measured."""

    case: Case
    ms: list[float] = field(default_factory=list)
    failures: int = 0
    first_failure: str = ""
    size: int = 0

    def pct(self, q: float) -> float:
        """The q-th percentile in ms (linear interpolation, inclusive)."""
        if not self.ms:
            return math.nan
        if len(self.ms) == 1:
            return self.ms[0]
        return statistics.quantiles(self.ms, n=100, method="inclusive")[round(q) - 1]


async def time_routes(engine: str, requests: int, db_url: str) -> tuple[list[Timing], list[str]]:
    """Every case through the real app, in-process; the timings and the plans of slow ones."""
    import httpx
    from temporalio.client import Client

    from api.app import create_app
    from domain.stats import today_ist
    from settings import Settings

    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request otherwise
    settings = Settings.from_env()
    assert settings.public_rate_limit_per_minute == 0, "the bench runs without the public limit"
    # Stats routes never reach Temporal: a lazy client that is never used connects nowhere.
    temporal = await Client.connect("127.0.0.1:1", lazy=True)
    app = create_app(settings, temporal=temporal)
    timings: list[Timing] = []
    notes: list[str] = []
    target = TARGET_MS[engine]
    async with (
        app.lifespan(),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1", timeout=120
        ) as http,
    ):
        for case in cases(today_ist(datetime.now(UTC))):
            timing = Timing(case)
            params = {"city": CITY, **case.params}
            for i in range(WARMUP + requests):
                t0 = time.perf_counter()
                resp = await http.get(case.path, params=params)
                ms = (time.perf_counter() - t0) * 1000.0
                if resp.status_code != 200:
                    timing.failures += 1
                    timing.first_failure = timing.first_failure or (
                        f"HTTP {resp.status_code}: {resp.text[:200]}"
                    )
                    if timing.failures >= 3 and not timing.ms:
                        break  # the route is not there or refuses these parameters
                    continue
                timing.size = len(resp.content)
                if i >= WARMUP:
                    timing.ms.append(ms)
            timings.append(timing)
            print(_timing_line(timing, target), flush=True)
            if timing.ms and timing.pct(95) > target:
                notes += await explain(engine, db_url, http, case)
        notes += await cross_check(http, db_url, engine)
    return timings, notes


def _timing_line(t: Timing, target: float) -> str:
    """One row of the timings table."""
    if not t.ms:
        return f"  {t.case.label:<38} FAILED x{t.failures}: {t.first_failure}"
    verdict = "PASS" if t.pct(95) <= target else "FAIL"
    fail = f"  ({t.failures} failed: {t.first_failure[:80]})" if t.failures else ""
    return (
        f"  {t.case.label:<38}{len(t.ms):>4}{t.pct(50):>9.1f}{t.pct(95):>9.1f}"
        f"{max(t.ms):>9.1f}{t.size / 1024:>9.1f}  {verdict}{fail}"
    )


async def explain(engine: str, db_url: str, http: Any, case: Case) -> list[str]:
    """Run the case once more, capture the SQL the route ran, and explain each statement."""
    from piccolo.querystring import QueryString

    from records.tables import Complaint

    captured: list[tuple[str, tuple[Any, ...]]] = []
    original = Complaint.raw

    def spy(sql: str, *args: Any) -> Any:
        """Complaint.raw, remembering what it ran."""
        captured.append((sql, args))
        return original(sql, *args)

    Complaint.raw = spy  # type: ignore[method-assign]
    try:
        await http.get(case.path, params={"city": CITY, **case.params})
    finally:
        Complaint.raw = original  # type: ignore[method-assign]
    lines = [f"plans of '{case.label}' ({len(captured)} statements):"]
    conn = await asyncpg.connect(db_url) if engine == "pg" else None
    tx = conn.transaction() if conn is not None else None
    if tx is not None:
        await tx.start()  # the route's SET LOCALs hold for the statements after them
    for sql, args in captured:
        compiled, values = QueryString(sql, *args).compile_string(
            engine_type="postgres" if engine == "pg" else "sqlite"
        )
        lines.append(f"  SQL: {compiled}")
        if values:
            lines.append(f"  args: {values}")
        if conn is not None:
            if compiled.lstrip().upper().startswith("SET"):
                await conn.execute(compiled)
                continue
            plan = await conn.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {compiled}", *values)
            lines += [f"    {r[0]}" for r in plan]
        else:
            conn3 = sqlite3.connect(db_url.removeprefix("sqlite:///"))
            try:
                plan3 = conn3.execute(f"EXPLAIN QUERY PLAN {compiled}", values).fetchall()
                t0 = time.perf_counter()
                got = conn3.execute(compiled, values).fetchall()
                took = (time.perf_counter() - t0) * 1000
            finally:
                conn3.close()
            lines += [f"    {r[-1]}" for r in plan3]
            lines.append(f"    (sqlite3 alone: {took:.1f} ms, {len(got)} rows)")
    if conn is not None and tx is not None:
        await tx.rollback()
        await conn.close()
    return lines


async def cross_check(http: Any, db_url: str, engine: str) -> list[str]:
    """The 12 months' `filed` by the API against a count of the table: the loader and the
    route read the same rows (timestamps as the engine stores them)."""
    from domain.stats import DayRange, today_ist

    today = today_ist(datetime.now(UTC))
    span = DayRange(today - timedelta(days=SPAN_DAYS), today)
    start, until = span.bounds()
    params = {"city": CITY, "from": span.first.isoformat(), "to": today.isoformat()}
    resp = await http.get("/v1/stats/summary", params=params)
    api = resp.json().get("filed") if resp.status_code == 200 else f"HTTP {resp.status_code}"
    if engine == "pg":
        conn = await asyncpg.connect(db_url)
        try:
            direct = await conn.fetchval(
                "SELECT count(*) FROM complaint "
                "WHERE city = $1 AND filed_at >= $2 AND filed_at < $3",
                CITY,
                start,
                until,
            )
        finally:
            await conn.close()
    else:
        import records.sqlite  # noqa: F401  (Piccolo's adapters)

        conn3 = sqlite3.connect(db_url.removeprefix("sqlite:///"))
        try:
            direct = conn3.execute(
                "SELECT count(*) FROM complaint WHERE city = ? AND filed_at >= ? AND filed_at < ?",
                (CITY, start, until),
            ).fetchone()[0]
        finally:
            conn3.close()
    agree = "agree" if api == direct else "DISAGREE"
    return [f"cross-check, filed in the 12 months: API {api}, table {direct} ({agree})"]
