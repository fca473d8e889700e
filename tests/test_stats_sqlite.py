"""The figures are the same on SQLite (the embedded default) as on PostgreSQL, and the stats
migrations run forwards, backwards and forwards again on a database that already holds cases.

SQLite runs in a process of its own (the engine is chosen when piccolo_conf is imported), on
the same cases in a city at the same place, and each engine is checked against the slow way.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from stats_helpers import (
    assert_same_everywhere,
    drop_city,
    every_figure,
    every_figure_slowly,
    make_city,
    record_all,
    varied_cases,
)

REPO = Path(__file__).resolve().parents[1]
FIRST, LAST = date(2026, 10, 20), date(2026, 11, 12)

_ON_SQLITE = """
import asyncio, json, sys
from datetime import date
sys.path.insert(0, "tests")

async def main():
    from cli.bootstrap import migrate
    from settings import Settings
    import stats_helpers as h

    await migrate(Settings.from_env())
    slug, lat0, lon0, first, last = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), *map(
        date.fromisoformat, sys.argv[4:6])
    city = await h.make_city(slug, lat0, lon0)
    await h.record_all(h.varied_cases(city, first, last, seed=7))
    print(json.dumps({"fast": await h.every_figure(city, first, last),
                      "slow": await h.every_figure_slowly(city, first, last)}))

asyncio.run(main())
"""


def _sqlite_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["CIVICOPS_VAR_DIR"] = str(tmp_path / "var")
    return env


def _run(code: str, args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=170,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return done.stdout.strip().splitlines()[-1]


@pytest.mark.timeout(180)
async def test_the_figures_are_the_same_on_sqlite_as_on_postgresql(tmp_path, database):
    city = await make_city()
    try:
        args = [city.slug, repr(city.lat0), repr(city.lon0), FIRST.isoformat(), LAST.isoformat()]
        out = await asyncio.to_thread(_run, _ON_SQLITE, args, _sqlite_env(tmp_path))
        on_sqlite = json.loads(out)
        assert (tmp_path / "var" / "civicops.sqlite").exists()
        await record_all(varied_cases(city, FIRST, LAST, seed=7))
        on_postgres = json.loads(json.dumps(await every_figure(city, FIRST, LAST)))
        slowly = json.loads(json.dumps(await every_figure_slowly(city, FIRST, LAST)))
    finally:
        await drop_city(city.slug)
    assert on_postgres["summary"]["filed"] > 50 and on_postgres["heat"]["8:True"]
    assert_same_everywhere(on_postgres, slowly, "postgresql")
    assert_same_everywhere(on_sqlite["fast"], on_sqlite["slow"], "sqlite")
    assert_same_everywhere(on_sqlite["fast"], on_postgres, "sqlite vs postgresql")


_MIGRATIONS = """
import asyncio, json, sys
from datetime import UTC, datetime, timedelta

async def main():
    from piccolo.apps.migrations.commands.backwards import run_backwards
    from piccolo.apps.migrations.commands.forwards import run_forwards
    from records.db import prepare
    from records.tables import Complaint

    await prepare()
    before = "2026-11-24T21:40:00:000000"  # the migration before the stats ones
    assert (await run_forwards(app_name="records", migration_id=before)).success
    filed, DUE = datetime(2026, 3, 1, 5, tzinfo=UTC), timedelta(hours=72)
    old = [  # rows written before the stats migrations: no resolved_on_time, no H3 cells
        ("OLD-1", "RESOLVED", 12.97, 77.59, filed + timedelta(hours=10), filed + DUE),
        ("OLD-2", "CLOSED", 12.98, 77.60, filed + timedelta(hours=80), filed + DUE),
        ("OLD-3", "ASSIGNED", 12.99, 77.61, None, filed + DUE),
    ] + [(f"OLD-{i}", "FILED", 13.0, 77.5 + i / 1000, None, None) for i in range(4, 1204)]
    for tid, status, lat, lon, resolved, due in old:
        await Complaint.raw(
            "INSERT INTO complaint (tracking_id, workflow_id, city, category, description, "
            "latitude, longitude, language, source, status, escalation_level, filed_at, "
            "sla_due_at, updated_at, revision, recomplaints, resolved_at, sla_breaches) VALUES "
            "({}, {}, 'bengaluru', 'pothole', 'x', {}, {}, 'en', 'old', {}, 0, {}, {}, {}, 1, 0, "
            "{}, 0)",
            tid, "complaint-" + tid, lat, lon, status, filed, due, filed, resolved)
    out = {}
    assert (await run_forwards(app_name="records", migration_id="all")).success
    rows = await Complaint.raw("SELECT tracking_id, resolved_on_time, h3_r7, h3_r8, h3_r9 "
                               "FROM complaint ORDER BY id")
    out["rows"] = [[r["tracking_id"], r["resolved_on_time"], r["h3_r7"], r["h3_r8"], r["h3_r9"]]
                   for r in rows]
    kept = await Complaint.raw("SELECT first_day, filed, resolved, on_time FROM complaint_rollup "
                               "WHERE span = 'month' AND category = '' AND ward_id = ''")
    out["rollup"] = [[str(r["first_day"]), r["filed"], r["resolved"], r["on_time"]] for r in kept]
    index = "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'complaint_%'"
    out["indexes"] = sorted(r["name"] for r in await Complaint.raw(index))
    from records.stats import nearby_query

    sql, args = nearby_query(12.97, 77.59, 500, "pothole")
    plan = await Complaint.raw("EXPLAIN QUERY PLAN " + sql, *args)
    out["plan"] = " ".join(str(r["detail"]) for r in plan)
    back = await run_backwards(app_name="records", migration_id="2026-12-02T09:00:00:000000",
                               auto_agree=True)
    assert back.success, back.message
    columns = await Complaint.raw("SELECT name FROM pragma_table_info('complaint')")
    out["columns_after_backwards"] = [r["name"] for r in columns]
    out["indexes_after_backwards"] = sorted(r["name"] for r in await Complaint.raw(index))
    tables = await Complaint.raw("SELECT name FROM sqlite_master WHERE type = 'table'")
    out["tables_after_backwards"] = sorted(r["name"] for r in tables)
    assert (await run_forwards(app_name="records", migration_id="all")).success
    again = await Complaint.raw("SELECT COUNT(*) AS n FROM complaint WHERE h3_r9 IS NOT NULL")
    out["cells_again"] = again[0]["n"]
    print(json.dumps(out))

asyncio.run(main())
"""


@pytest.mark.timeout(180)
async def test_the_migrations_fill_in_older_rows_and_run_backwards(tmp_path):
    import h3

    out = json.loads(await asyncio.to_thread(_run, _MIGRATIONS, [], _sqlite_env(tmp_path)))
    rows = {r[0]: r[1:] for r in out["rows"]}
    assert len(rows) == 1203
    assert [rows[t][0] for t in ("OLD-1", "OLD-2", "OLD-3")] == [1, 0, None]  # on time, late
    for tid, lat, lon in (("OLD-1", 12.97, 77.59), ("OLD-4", 13.0, 77.504)):
        assert rows[tid][1:] == [h3.str_to_int(h3.latlng_to_cell(lat, lon, r)) for r in (7, 8, 9)]
    assert all(None not in r[1:] for r in rows.values())  # every batch of the backfill ran
    assert {"complaint_stats", "complaint_open_place"} <= set(out["indexes"])
    assert "complaint_open_place" in out["plan"]  # the nearby query's predicate matches
    assert "resolved_on_time" not in out["columns_after_backwards"]
    assert "h3_r9" not in out["columns_after_backwards"]
    assert not {"complaint_stats", "complaint_open_place"} & set(out["indexes_after_backwards"])
    assert out["cells_again"] == 1203
    # The rollups count the older rows: 1203 filed in March, two resolved, one on time.
    assert out["rollup"] == [["2026-03-01", 1203, 2, 1]]
    assert {"complaint_rollup_key", "complaint_heat_key"} <= set(out["indexes"])
    assert not {"complaint_rollup", "complaint_heat"} & set(out["tables_after_backwards"])


def test_the_partial_index_predicate_is_the_one_the_nearby_query_uses():
    from importlib import import_module

    from records.stats import OPEN_SQL

    first = import_module("records.migrations.records_2026_12_02t09_01_00_000000")
    latest = import_module("records.migrations.records_2026_12_03t06_00_00_000000")
    assert latest.OPEN_SQL == OPEN_SQL
    assert latest.EARLIER_OPEN_SQL == first.OPEN_SQL  # backwards restores the first one
