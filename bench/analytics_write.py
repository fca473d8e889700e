"""The analytics benchmark's filing-path cost: the projection write with and without issue 13's
extra work, side by side in alternating rounds."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import importlib.util  # noqa: E402
import logging  # noqa: E402
import math  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from dataclasses import replace  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from types import ModuleType  # noqa: E402
from typing import Any  # noqa: E402

from analytics_data import CITY, ENGINE_NAMES, Place, Roster, city_places, tracking_id  # noqa: E402
from analytics_load import read_roster  # noqa: E402

# --- the filing path's extra work -------------------------------------------------------------


BASELINE = "e83099e"  # the last commit before issue 13: its projection write had no extra work


def projection_changed() -> bool:
    """Whether records/projection.py differs from BASELINE's (what issue 13 added)."""
    done = subprocess.run(
        ["git", "diff", "--quiet", BASELINE, "--", "records/projection.py"], cwd=REPO, check=False
    )
    return done.returncode == 1


def baseline_projection() -> ModuleType:
    """BASELINE's records/projection.py, loaded as a module of its own."""
    source = subprocess.run(
        ["git", "show", f"{BASELINE}:records/projection.py"],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    spec = importlib.util.spec_from_loader("bench_projection_head", loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    exec(compile(source, f"{BASELINE}:records/projection.py", "exec"), module.__dict__)
    return module


def lives(n: int, salt: int, roster: Roster, places: list[Place]) -> list[list[tuple[Any, Any]]]:
    """N cases, each as its six (state, event) revisions: filed to closed."""
    from domain.case import AcceptedProof, Assignment, CaseEvent, CaseState, Complaint
    from domain.states import Status

    out = []
    t = datetime.now(UTC)
    for i in range(n):
        place = places[i % len(places)]
        oid, name = roster.holder(place.ward_id, place.zone, 0)
        lat, lon = place.geometry.representative_point().coords[0][::-1]
        c = Complaint(
            tracking_id=tracking_id(i, salt),
            city=CITY,
            category="pothole",
            description="Deep pothole near the bus stop, two-wheelers are skidding.",
            latitude=round(lat + (i % 7) * 1e-5, 6),
            longitude=round(lon, 6),
            language="kn",
            filed_at=t,
            source="bench",
        )
        a = Assignment(
            place.ward_id, place.name, place.zone, oid, name, "Supervisor", 0, "inside", 0.0, t
        )
        s1 = CaseState(complaint=c, revision=1, updated_at=t)
        s2 = replace(s1, status=Status.TRIAGED, priority=3, revision=2)
        due = t + timedelta(hours=72)
        s3 = replace(s2, status=Status.ASSIGNED, assignment=a, revision=3, sla_due_at=due)
        s4 = replace(s3, status=Status.NOTICE_ISSUED, revision=4)
        done = t + timedelta(hours=20)
        proof = AcceptedProof(oid, name, done, [])
        confirm = done + timedelta(hours=72)
        s5 = replace(
            s4,
            status=Status.RESOLVED,
            revision=5,
            resolved_at=done,
            proof=proof,
            confirm_due_at=confirm,
        )
        s6 = replace(s5, status=Status.CLOSED, revision=6, closed_at=done, closed_reason="bench")
        kinds = ("filed", "prioritized", "assigned", "notice_issued", "proof_accepted", "closed")
        out.append(
            [
                (s, CaseEvent(s.revision, kind, s.status, t, "bench"))
                for s, kind in zip((s1, s2, s3, s4, s5, s6), kinds, strict=True)
            ]
        )
    return out


def use_engine(engine: Any) -> None:
    """Point every table of records.tables at `engine` (one process, two databases)."""
    from piccolo.table import Table

    import records.tables as tables

    for value in vars(tables).values():
        if isinstance(value, type) and issubclass(value, Table) and value is not Table:
            value._meta.db = engine


async def write_cost(engine: str, urls: dict[str, str], cases_n: int, rounds: int) -> list[str]:
    """The projection write with and without issue 13's work, side by side; report lines."""
    if not projection_changed():
        return [f"filing path: records/projection.py is as at {BASELINE}: it adds no work"]
    from records import audit, projection
    from records.engine import engine_for

    engines = {side: engine_for(url) for side, url in urls.items()}
    modules = {"without": baseline_projection(), "with": projection}
    logging.getLogger("piccolo").setLevel(logging.ERROR)
    pooled = [db for db in engines.values() if db.engine_type == "postgres"]
    for db in pooled:
        await db.start_connection_pool()
    lines: list[str] = []
    try:
        use_engine(engines["with"])
        roster = await read_roster(_piccolo_fetch())
        places = city_places()
        per_write = {side: [[] for _ in range(6)] for side in modules}
        wall = dict.fromkeys(modules, 0.0)
        salt = 1 << 40
        for r in range(rounds + 1):  # round 0 warms up both sides, uncounted
            order = ("without", "with") if r % 2 == 0 else ("with", "without")
            for side in order:
                use_engine(engines[side])
                batch = lives(cases_n if r else 20, salt, roster, places)
                salt += cases_n
                record = modules[side].record
                t0 = time.perf_counter()
                for life in batch:
                    for k, (state, event) in enumerate(life):
                        w0 = time.perf_counter()
                        await record(state, event)
                        if r:
                            per_write[side][k].append((time.perf_counter() - w0) * 1000)
                await audit.seal()  # the chain's share of these writes (PostgreSQL)
                if r:
                    wall[side] += time.perf_counter() - t0
        lines.append(
            f"filing path, {ENGINE_NAMES[engine]}: {rounds} rounds x {cases_n} cases x 6 writes "
            "per side, alternating; ms per write (mean, p50)"
        )
        names = ("filed", "prioritized", "assigned", "notice_issued", "proof_accepted", "closed")
        for k, name in enumerate(names):
            a, b = per_write["without"][k], per_write["with"][k]
            lines.append(
                f"  {name:<15} without {statistics.fmean(a):6.2f} {statistics.median(a):6.2f}"
                f"   with {statistics.fmean(b):6.2f} {statistics.median(b):6.2f}"
                f"   ratio {statistics.fmean(b) / statistics.fmean(a):5.3f}"
            )
        filing = {s: sum(sum(per_write[s][k]) for k in range(4)) for s in modules}
        lines.append(
            f"  filing path (first 4 writes) with / without: "
            f"{filing['with'] / filing['without']:.3f}; whole life incl. audit sealing: "
            f"{wall['with'] / wall['without']:.3f}"
        )
        lines += row_cpu(modules, places, roster)
    finally:
        for db in pooled:
            await db.close_connection_pool()
    return lines


def _piccolo_fetch() -> Any:
    """An async fetch(sql) over the current tables' engine, rows as tuples."""
    from records.tables import Official

    async def fetch(sql: str) -> list[tuple[Any, ...]]:
        return [tuple(r.values()) for r in await Official.raw(sql)]

    return fetch


def row_cpu(modules: dict[str, ModuleType], places: list[Place], roster: Roster) -> list[str]:
    """Python time to build one projection row (`_row`), without and with; report lines."""
    states = [life[4][0] for life in lives(2000, 1 << 45, roster, places)]
    best: dict[str, float] = {}
    for _ in range(5):
        for side, module in modules.items():
            t0 = time.perf_counter()
            for state in states:
                module._row(state)
            took = (time.perf_counter() - t0) / len(states) * 1e6
            best[side] = min(best.get(side, math.inf), took)
    return [
        f"  building the row (_row) alone: without {best['without']:.1f} us, with "
        f"{best['with']:.1f} us ({best['with'] - best['without']:+.1f} us a write)"
    ]
