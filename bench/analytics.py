"""Benchmark the public figures (`/v1/stats/*`) on 1M complaints in PostgreSQL, 100k in SQLite.

Run from the repo root (PostgreSQL on 127.0.0.1:5432, user postgres, trust):

    python bench/analytics.py [--rows 1000000] [--sqlite-rows 100000] [--requests 40]
                              [--engines pg,sqlite] [--pg postgres://postgres@127.0.0.1:5432]
                              [--db civicops_bench_analytics] [--write-cases 100] [--keep]

For each engine, in a child process of its own (Piccolo binds the engine from DATABASE_URL
when piccolo_conf is first imported, so one process serves one database):

1. **Load.** A fresh database (PostgreSQL: `--db`, dropped first; SQLite: a file in a temp
   dir) gets the project's migrations (`cli.bootstrap.migrate`) and Bengaluru's 198 wards with
   their roster (`cli.bootstrap.load_demo_city`, the demo city of `make up`). Then N complaint
   projection rows, filed over the 12 months up to now: points sampled uniformly inside the
   real ward polygons (geo/, shapely; wards weighted by population, each point checked with
   the API's own `ZoneIndex` to lie INSIDE its ward), all 12 categories (monsoon months weigh
   the water categories more), descriptions and addresses from faker (en_IN), and a timeline
   per case under the real SLA policy (domain/policy.toml): assigned, escalated a level each
   time a deadline passes, reminders at the top, resolved after a lognormal time (wards and
   categories faster or slower), closed after the citizen's 72 h, a few reopened, withdrawn or
   never resolved. Status, resolved_at, sla_due_at, escalation_level, sla_breaches,
   resolved_on_time, closed_at, recomplaints and the H3 cells (domain.stats.cells) follow from
   that timeline. PostgreSQL: COPY (asyncpg `copy_records_to_table`) with the table's
   secondary indexes dropped and re-created from their own definitions afterwards (same
   schema, faster), foreign-key triggers off for the load, then VACUUM ANALYZE, as
   autovacuum would after a bulk insert. SQLite: `executemany` in transactions of 50k, the
   same index trick, and no ANALYZE (CivicOps never runs one, so neither does this). Then
   the rollups the record step keeps are counted once for the loaded rows
   (`records.rollup.rebuild`, as the migration does; PostgreSQL: ANALYZE of both after).
2. **Timing.** The real app (`api.app.create_app`) in-process with its lifespan (the
   PostgreSQL pool), driven through httpx's ASGI transport, one request at a time. Stats
   routes need no Temporal: the app gets a lazy client that never connects. Every case (a
   route and its parameters: the current month by default, the last whole month, the last 12
   months, one category, per ward and zone, each trend interval, each heatmap resolution and
   status) gets 2 uncounted requests, then `--requests` counted; p50, p95 and max are printed
   against the target (p95 <= 300 ms on PostgreSQL at 1M rows, <= 150 ms on SQLite at 100k).
   Any answer but 200 is a failure. For each case over target the statements the route ran
   are captured and explained (PostgreSQL: EXPLAIN (ANALYZE, BUFFERS); SQLite: EXPLAIN QUERY
   PLAN). `CIVICOPS_PUBLIC_RATE_LIMIT_PER_MINUTE=0` for the run.
3. **The filing path's extra work.** The projection write (`record`, through
   `records.db.write` with its audit entry) is timed both ways, side by side in alternating
   rounds in one process: the projection module of the last commit before issue 13
   (`analytics_write.BASELINE`) on a database without issue 13's indexes ("without"), and the
   working tree's, which also moves the rollups, on a fully migrated one ("with"), each
   preloaded with `--write-base` rows. Each round writes `--write-cases` cases through the
   six revisions of a life (filed, prioritized, assigned, notice_issued, proof_accepted,
   closed), sequentially; the first four are the filing path. Also printed:
   the CPU cost of building the row alone (`_row`), both ways.

Exit code 0 whatever the verdicts (a benchmark, not a test); 2 when PostgreSQL is unreachable.
The databases and files it made are dropped at the end unless `--keep`.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import argparse  # noqa: E402
import asyncio  # noqa: E402
import contextlib  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import sqlite3  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from typing import Any  # noqa: E402

import asyncpg  # noqa: E402
from analytics_data import (  # noqa: E402
    ENGINE_NAMES,
    NEW_INDEXES,
    TARGET_MS,
    WARMUP,
    Maker,
    Roster,
    city_places,
)
from analytics_load import load_postgres, load_sqlite  # noqa: E402
from analytics_timing import time_routes  # noqa: E402
from analytics_write import projection_changed, write_cost  # noqa: E402
from common import MachineBusy, environment, exit_after  # noqa: E402

# --- the child: one engine --------------------------------------------------------------------


async def prepare(rows: int, seed: int, *, drop_new_indexes: bool) -> dict[str, float]:
    """Migrate this process's database, import the city, load `rows` rows; seconds per step."""
    from cli.bootstrap import load_demo_city, migrate
    from records.db import describe
    from records.tables import Complaint
    from settings import Settings

    settings = Settings.from_env()
    t0 = time.perf_counter()
    chatter = io.StringIO()
    with contextlib.redirect_stdout(chatter):  # Piccolo prints a line per migration
        await migrate(settings)
        await load_demo_city()
    steps = {"migrate + city": time.perf_counter() - t0}
    url = settings.effective_database_url
    now = datetime.now(UTC)
    places = city_places()

    def maker_for(roster: Roster) -> Maker:
        return Maker(seed, now, places, roster)

    if rows:
        loaded = await (load_sqlite if url.startswith("sqlite") else load_postgres)(
            url.removeprefix("sqlite:///"), maker_for, rows
        )
        steps.update(loaded)
        from records.rollup import rebuild

        t1 = time.perf_counter()
        await rebuild()  # what the record step keeps, counted once for the bulk-loaded rows
        if not url.startswith("sqlite"):  # as autovacuum would, after so many new rows
            await Complaint.raw("ANALYZE complaint_rollup")
            await Complaint.raw("ANALYZE complaint_heat")
        steps["rollups"] = time.perf_counter() - t1
    if drop_new_indexes:
        for name in NEW_INDEXES:
            await Complaint.raw(f"DROP INDEX IF EXISTS {name}")
    took = ", ".join(f"{k} {v:.1f} s" for k, v in steps.items())
    print(f"  {describe()}: {rows:,} rows; {took}", flush=True)
    return steps


async def child(args: argparse.Namespace) -> dict[str, Any]:
    """One engine: load, time every route, measure the write; the results for the parent."""
    engine = args.child
    rows = args.rows if engine == "pg" else args.sqlite_rows
    url = os.environ["DATABASE_URL"]
    busy = MachineBusy()
    steps = await prepare(rows, args.seed, drop_new_indexes=False)
    print(
        f"\n{ENGINE_NAMES[engine]} at {rows:,} rows: {args.requests} requests a case after "
        f"{WARMUP} uncounted, one at a time; target p95 <= {TARGET_MS[engine]:g} ms"
    )
    print(f"  {'case':<38}{'n':>4}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'KiB':>9}")
    timings, notes = await time_routes(engine, args.requests, url)
    print(f"  (machine during timing{busy.percent() or ': n/a'})")
    for line in notes:
        print(line)
    write_lines: list[str] = []
    if args.write_urls:
        urls = dict(zip(("without", "with"), args.write_urls.split(","), strict=True))
        write_lines = await write_cost(engine, urls, args.write_cases, args.write_rounds)
        print()
        for line in write_lines:
            print(line)
    return {
        "engine": engine,
        "rows": rows,
        "load": steps,
        "timings": [
            {
                "label": t.case.label,
                "n": len(t.ms),
                "p50": t.pct(50) if t.ms else None,
                "p95": t.pct(95) if t.ms else None,
                "max": max(t.ms) if t.ms else None,
                "failures": t.failures,
                "failure": t.first_failure,
            }
            for t in timings
        ],
        "write": write_lines,
    }


# --- the parent: databases, children, the summary ---------------------------------------------


async def pg_admin(dsn: str, *statements: str) -> None:
    """Run statements on the maintenance database."""
    conn = await asyncpg.connect(f"{dsn}/postgres", timeout=10)
    try:
        for sql in statements:
            await conn.execute(sql)
    finally:
        await conn.close()


def run_child(argv: list[str], env: dict[str, str]) -> None:
    """Run this script as a child with its own environment; fail loudly if it fails."""
    done = subprocess.run([sys.executable, __file__, *argv], cwd=REPO, env=env, check=False)
    if done.returncode != 0:
        raise SystemExit(f"error: child {' '.join(argv[:2])} failed with exit {done.returncode}")


def child_env(url: str, var: Path) -> dict[str, str]:
    """The environment of a child: its database, its own var/, no public rate limit."""
    return {
        **os.environ,
        "DATABASE_URL": url,
        "CIVICOPS_VAR_DIR": str(var),
        "CIVICOPS_PUBLIC_RATE_LIMIT_PER_MINUTE": "0",
        "LOG_LEVEL": "WARNING",
    }


def parent(args: argparse.Namespace) -> int:
    """Make the databases, run one child per engine, print the summary, clean up."""
    print(environment())
    print(f"PostgreSQL {args.pg}, SQLite {sqlite3.sqlite_version}; seed {args.seed}")
    tmp = Path(tempfile.mkdtemp(prefix="civicops-bench-analytics-"))
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    made_dbs: list[str] = []
    results: list[dict[str, Any]] = []
    try:
        for engine in engines:
            write_urls: list[str] = []
            if engine == "pg":
                names = [args.db]
                if projection_changed() and args.write_cases > 0:
                    names += [f"{args.db}_without", f"{args.db}_with"]
                fresh = [
                    sql
                    for n in names
                    for sql in (
                        f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)',
                        f'CREATE DATABASE "{n}"',
                    )
                ]
                try:
                    asyncio.run(pg_admin(args.pg, *fresh))
                except (OSError, asyncpg.PostgresError) as exc:
                    print(f"error: PostgreSQL at {args.pg}: {exc!r}", file=sys.stderr)
                    return 2
                made_dbs += names
                main_url, *write_urls = (f"{args.pg}/{n}" for n in names)
            else:
                main_url = f"sqlite:///{tmp / 'sqlite' / 'civicops.sqlite'}"
                write_urls = [
                    f"sqlite:///{tmp / 'sqlite' / f'write_{s}.sqlite'}" for s in ("without", "with")
                ]
            if projection_changed() and args.write_cases > 0:
                print(f"\npreparing the write databases ({ENGINE_NAMES[engine]})")
                for side, url in zip(("without", "with"), write_urls, strict=True):
                    run_child(
                        ["--prepare", url, "--rows", str(args.write_base), "--seed", str(args.seed)]
                        + (["--drop-new-indexes"] if side == "without" else []),
                        child_env(url, tmp / f"var-{engine}-{side}"),
                    )
            else:
                write_urls = []
            result_file = tmp / f"result-{engine}.json"
            print(f"\nloading {ENGINE_NAMES[engine]}")
            argv = ["--child", engine, "--result", str(result_file)]
            argv += ["--rows", str(args.rows), "--sqlite-rows", str(args.sqlite_rows)]
            argv += ["--requests", str(args.requests), "--seed", str(args.seed)]
            argv += ["--write-cases", str(args.write_cases)]
            argv += ["--write-rounds", str(args.write_rounds)]
            if write_urls:
                argv += ["--write-urls", ",".join(write_urls)]
            run_child(argv, child_env(main_url, tmp / f"var-{engine}"))
            results.append(json.loads(result_file.read_text()))
        summary(results)
    finally:
        if args.keep:
            print(f"\nkept: databases {', '.join(made_dbs) or '-'}; files in {tmp}")
        else:
            if made_dbs:
                with contextlib.suppress(OSError, asyncpg.PostgresError):
                    drops = [f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)' for n in made_dbs]
                    asyncio.run(pg_admin(args.pg, *drops))
            shutil.rmtree(tmp, ignore_errors=True)
            print(f"\ndropped: databases {', '.join(made_dbs) or '-'}; files in {tmp}")
    return 0


def summary(results: list[dict[str, Any]]) -> None:
    """The verdict per engine: the worst p95 and the cases over target."""
    print("\nsummary")
    for r in results:
        target = TARGET_MS[r["engine"]]
        timed = [t for t in r["timings"] if t["p95"] is not None]
        failed = [t["label"] for t in r["timings"] if t["p95"] is None]
        over = [f"{t['label']} ({t['p95']:.0f} ms)" for t in timed if t["p95"] > target]
        worst = max(timed, key=lambda t: t["p95"]) if timed else None
        verdict = "PASS" if timed and not over and not failed else "FAIL"
        worst_text = f"{worst['p95']:.0f} ms ({worst['label']})" if worst else "-"
        print(
            f"  {ENGINE_NAMES[r['engine']]} at {r['rows']:,} rows: worst p95 {worst_text}, "
            f"target {target:g} ms: {verdict}"
        )
        for item in over:
            print(f"    over target: {item}")
        for item in failed:
            print(f"    not answered: {item}")


def main(argv: list[str] | None = None) -> int:
    """Parse arguments; run as the parent, or as one of its children."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="complaints in PostgreSQL")
    parser.add_argument(
        "--sqlite-rows", type=int, default=None, help="complaints in SQLite (default rows / 10)"
    )
    parser.add_argument("--requests", type=int, default=40, help="counted requests a case")
    parser.add_argument("--engines", default="pg,sqlite", help="pg, sqlite or both")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432", help="server DSN")
    parser.add_argument("--db", default="civicops_bench_analytics", help="database to make")
    parser.add_argument("--write-cases", type=int, default=100, help="cases a round (0: skip)")
    parser.add_argument("--write-rounds", type=int, default=6, help="rounds a side")
    parser.add_argument("--write-base", type=int, default=50_000, help="rows in write databases")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--keep", action="store_true", help="keep the databases and files")
    # The parent's children:
    parser.add_argument("--child", choices=("pg", "sqlite"), help=argparse.SUPPRESS)
    parser.add_argument("--prepare", help=argparse.SUPPRESS)
    parser.add_argument("--drop-new-indexes", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    parser.add_argument("--write-urls", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.sqlite_rows is None:
        args.sqlite_rows = args.rows // 10
    if args.rows < 1 or args.requests < 1:
        parser.error("need --rows >= 1 and --requests >= 1")
    if args.prepare:
        asyncio.run(prepare(args.rows, args.seed, drop_new_indexes=args.drop_new_indexes))
        return 0
    if args.child:
        result = asyncio.run(child(args))
        Path(args.result).write_text(json.dumps(result))
        return 0
    return parent(args)


if __name__ == "__main__":
    exit_after(main)
