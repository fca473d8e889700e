"""The analytics benchmark's bulk load: the made rows into PostgreSQL by COPY (secondary indexes
dropped and re-made, then VACUUM ANALYZE) or into SQLite by executemany."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import sqlite3  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from typing import Any  # noqa: E402

import asyncpg  # noqa: E402
from analytics_data import COLUMNS, Roster  # noqa: E402


async def read_roster(fetch: Any) -> Roster:
    """The demo city's officials by level, from rows (key, id, name) of table official."""
    ward: dict[str, tuple[int, str]] = {}
    zone: dict[tuple[str, int], tuple[int, str]] = {}
    city: tuple[int, str] | None = None
    for key, oid, name in await fetch("SELECT key, id, name FROM official"):
        parts = key.split(":")
        if parts[1] == "ward" and parts[-1] == "L0":
            ward[":".join(parts[2:-1])] = (oid, name)
        elif parts[1] == "zone":
            zone[(":".join(parts[2:-1]), int(parts[-1][1:]))] = (oid, name)
        elif parts[1] == "city":
            city = (oid, name)
    if city is None or not ward:
        raise RuntimeError("the demo city's roster is missing (load_demo_city did not run?)")
    return Roster(ward, zone, city)


async def load_postgres(url: str, maker_for: Any, n: int) -> dict[str, float]:
    """COPY n rows into `complaint` (secondary indexes rebuilt afterwards); seconds per step."""
    conn = await asyncpg.connect(url)
    steps: dict[str, float] = {}
    try:
        await conn.execute("SET maintenance_work_mem = '512MB'")
        maker = maker_for(await read_roster(conn.fetch))
        defs = await conn.fetch(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'complaint' "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)"
        )
        for row in defs:
            await conn.execute(f'DROP INDEX "{row["indexname"]}"')
        await conn.execute("SET session_replication_role = replica")  # no FK triggers
        t0 = time.perf_counter()
        made = copied = 0.0
        for chunk in _timed(maker.rows(n)):
            made += chunk[1]
            c0 = time.perf_counter()
            await conn.copy_records_to_table("complaint", records=chunk[0], columns=COLUMNS)
            copied += time.perf_counter() - c0
        steps["make rows"], steps["COPY"] = made, copied
        await conn.execute("SET session_replication_role = origin")
        t1 = time.perf_counter()
        for row in defs:
            await conn.execute(row["indexdef"])
        steps["indexes"] = time.perf_counter() - t1
        t2 = time.perf_counter()
        await conn.execute("VACUUM ANALYZE complaint")
        steps["vacuum analyze"] = time.perf_counter() - t2
        steps["total"] = time.perf_counter() - t0
    finally:
        await conn.close()
    return steps


def _timed(
    chunks: Iterator[list[tuple[Any, ...]]],
) -> Iterator[tuple[list[tuple[Any, ...]], float]]:
    """Each chunk with the seconds it took to make."""
    while True:
        t0 = time.perf_counter()
        try:
            chunk = next(chunks)
        except StopIteration:
            return
        yield chunk, time.perf_counter() - t0


async def load_sqlite(path: str, maker_for: Any, n: int) -> dict[str, float]:
    """Insert n rows into `complaint` with executemany, CHUNK rows a transaction."""
    import records.sqlite  # noqa: F401  (registers Piccolo's adapters: datetimes as it stores them)

    conn = sqlite3.connect(path, isolation_level=None)
    steps: dict[str, float] = {}
    try:

        async def fetch(sql: str) -> list[tuple[Any, ...]]:
            return conn.execute(sql).fetchall()

        maker = maker_for(await read_roster(fetch))
        defs = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'complaint' "
            "AND sql IS NOT NULL"
        ).fetchall()
        for name, _ in defs:
            conn.execute(f'DROP INDEX "{name}"')
        marks = ", ".join("?" * len(COLUMNS))
        insert = f"INSERT INTO complaint ({', '.join(COLUMNS)}) VALUES ({marks})"
        t0 = time.perf_counter()
        made = inserted = 0.0
        for chunk, took in _timed(maker.rows(n)):
            made += took
            c0 = time.perf_counter()
            conn.execute("BEGIN")
            conn.executemany(insert, chunk)
            conn.execute("COMMIT")
            inserted += time.perf_counter() - c0
        steps["make rows"], steps["INSERT"] = made, inserted
        t1 = time.perf_counter()
        for _, sql in defs:
            conn.execute(sql)
        steps["indexes"] = time.perf_counter() - t1
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        steps["total"] = time.perf_counter() - t0
    finally:
        conn.close()
    return steps
