"""The embedded default's SQLite writes: queued per process and committed in batches.

The queue itself is tested on a bare SQLite file; `records.db.write` is tested on both
engines with the same writes (PostgreSQL, the tests' engine, in this process; SQLite in a
process of its own, since the engine is chosen when piccolo_conf is imported), and must give
the same answers on each.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Generator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from records.sqlite import write as sqlite_write

REPO = Path(__file__).resolve().parents[1]


def _database(path: Path) -> str:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE site (spot TEXT UNIQUE, filing TEXT)")
    conn.close()
    return str(path)


def _rows(path: str) -> list[tuple[str, str]]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT spot, filing FROM site ORDER BY filing").fetchall()


async def test_a_burst_of_filings_at_one_spot_opens_one_site(tmp_path):
    path = _database(tmp_path / "burst.sqlite")

    def place(filing: str):  # check, then write: what a placement decision does
        def work(conn: sqlite3.Connection) -> str:
            found = conn.execute("SELECT filing FROM site WHERE spot = 'gate'").fetchone()
            if found:
                return found[0]
            conn.execute("INSERT INTO site VALUES ('gate', ?)", (filing,))
            return filing

        return work

    placed = await asyncio.gather(*(sqlite_write(path, place(f"F{i:02}")) for i in range(40)))
    assert len(set(placed)) == 1  # every filing found the one case the first opened
    assert _rows(path) == [("gate", placed[0])]


async def test_a_failing_write_is_undone_alone_and_its_error_reaches_its_caller(tmp_path):
    path = _database(tmp_path / "alone.sqlite")

    def insert(*spots: str, fail: bool = False):
        def work(conn: sqlite3.Connection) -> int:
            for spot in spots:
                conn.execute("INSERT INTO site VALUES (?, ?)", (spot, spots[0]))
            if fail:
                raise ValueError("spot: rejected after writing")
            return len(spots)

        return work

    results = await asyncio.gather(
        sqlite_write(path, insert("a1", "a2")),
        sqlite_write(path, insert("b1", "b2", fail=True)),  # wrote two rows, then failed
        sqlite_write(path, insert("a1")),  # breaks a UNIQUE constraint
        sqlite_write(path, insert("c1")),
        return_exceptions=True,
    )
    assert results[0] == 2 and results[3] == 1
    assert isinstance(results[1], ValueError) and "spot" in str(results[1])
    assert isinstance(results[2], sqlite3.IntegrityError)
    assert _rows(path) == [("a1", "a1"), ("a2", "a1"), ("c1", "c1")]


async def test_a_write_to_a_missing_database_folder_fails_with_the_database_error(tmp_path):
    with pytest.raises(sqlite3.OperationalError):
        await sqlite_write(str(tmp_path / "gone" / "x.sqlite"), lambda conn: None)
    # The next write to a working database is not affected.
    path = _database(tmp_path / "fine.sqlite")
    assert await sqlite_write(path, lambda conn: conn.execute("SELECT 1").fetchone()[0]) == 1


# --- records.db.write, the same on both engines ---------------------------------------------


def _event(key: str) -> Any:
    """A complaint-event row (a timestamp and JSON, and no foreign key) keyed `key`."""
    from records.tables import ComplaintEvent

    at = datetime(2026, 1, 2, 3, 4, 5, 600_000, tzinfo=UTC)
    return ComplaintEvent(
        event_key=key, tracking_id=key, revision=1, kind="filed", status="FILED", at=at,
        actor="test", detail={"n": 1, "ok": True},
    )  # fmt: skip


def _probe(key: str) -> Generator[Any, Any, dict[str, Any]]:
    """A write's steps that ask every kind of query, and what each was answered."""
    from records.tables import ComplaintEvent

    where = ComplaintEvent.event_key == key
    inserted = yield ComplaintEvent.insert(_event(key)).returning(ComplaintEvent.event_key)
    row = (
        yield ComplaintEvent.select(ComplaintEvent.at, ComplaintEvent.detail)
        .where(where)
        .output(load_json=True)
        .first()
    )
    found = yield ComplaintEvent.objects().get(where)
    there = yield ComplaintEvent.exists().where(where)
    count = yield ComplaintEvent.count().where(where)
    missing = yield ComplaintEvent.select().where(ComplaintEvent.event_key == "none").first()
    deleted = yield ComplaintEvent.delete().where(where)
    return {
        "inserted": inserted,
        "row": [row["at"].isoformat(), row["detail"]],
        "object": [type(found).__name__, found.at.isoformat(), found.revision],
        "exists": there,
        "count": count,
        "missing": missing,
        "deleted": deleted,
    }


def _failing(key: str) -> Generator[Any, Any, None]:
    """Writes a row, then refuses."""
    from records.tables import ComplaintEvent

    yield ComplaintEvent.insert(_event(key))
    raise ValueError("event: rejected after writing")


async def on_this_engine(tag: str) -> dict[str, Any]:
    """The same writes on whichever engine this process uses, and what came of each."""
    from domain.case import CaseState, Complaint
    from domain.sla import IntakeRules
    from records import audit, cases
    from records.audit import AuditRecord
    from records.db import write
    from records.tables import AuditEntry, AuditPending, CaseSite, ComplaintEvent

    probe = await write(_probe(f"{tag}-probe"))
    now = datetime.now(UTC)
    filings = [
        CaseState(complaint=Complaint(
            tracking_id=f"{tag}-F{i:02}", city=f"probe-{tag}", category="pothole",
            description="Pothole at the gate", latitude=12.97, longitude=77.59, language="en",
            filed_at=now, source="test",
        ))
        for i in range(40)
    ]  # fmt: skip
    placed = await asyncio.gather(*(cases.place(f, IntakeRules(), now) for f in filings))
    outcomes = await asyncio.gather(
        write([ComplaintEvent.insert(_event(f"{tag}-kept"))]),
        write(_failing(f"{tag}-undone")),
        return_exceptions=True,
    )
    kept = await ComplaintEvent.select(ComplaintEvent.event_key).where(
        ComplaintEvent.tracking_id.like(f"{tag}-%")
    )
    records = [AuditRecord("test.smoke", f"{tag}-{i}", "test") for i in range(10)]
    await asyncio.gather(*(write([], audit=[r]) for r in records))
    pending = await AuditPending.count().where(AuditPending.subject.like(f"{tag}-%"))
    await audit.seal()
    verdict = await audit.verify()
    return {
        "probe": probe,
        "placed": sorted(p.kind for p in placed),
        "cases": len({p.tracking_id for p in placed}),
        "sites": await CaseSite.count().where(CaseSite.city == f"probe-{tag}"),
        "outcomes": [[[sorted(row) for row in rows] for rows in outcomes[0]], repr(outcomes[1])],
        "kept": [r["event_key"].removeprefix(tag) for r in kept],
        "chained": await AuditEntry.count().where(AuditEntry.subject.like(f"{tag}-%")),
        "chain_ok": verdict.ok,
        "pending_right_after": pending,
    }


_ON_SQLITE = """
import asyncio, json, sys
sys.path.insert(0, "tests")

async def main():
    from cli.bootstrap import load_demo_city, migrate
    from settings import Settings
    import test_sqlite_writes as t

    await migrate(Settings.from_env())
    result = await t.on_this_engine(sys.argv[1])
    first, again = await load_demo_city(), await load_demo_city()  # a city import is one write
    result["city"] = [first.wards, first.officials_created, again]
    print(json.dumps(result))

asyncio.run(main())
"""


@pytest.mark.timeout(180)
async def test_a_write_gets_the_same_answers_on_sqlite_as_on_postgresql(tmp_path, database):
    tag = uuid.uuid4().hex[:8]
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["CIVICOPS_VAR_DIR"] = str(tmp_path / "var")
    done = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-c", _ON_SQLITE, tag], cwd=REPO, env=env,
        capture_output=True, text=True, timeout=170,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-4000:]
    on_sqlite = json.loads(done.stdout.strip().splitlines()[-1])
    assert (tmp_path / "var" / "civicops.sqlite").exists()
    on_postgres = await on_this_engine(tag)

    # SQLite chains an audit entry in the writer's own transaction; PostgreSQL queues it.
    assert on_sqlite.pop("pending_right_after") == 0
    on_postgres.pop("pending_right_after")
    assert on_sqlite.pop("city") == [198, 198 + 8 * 2 + 1, None]
    assert on_sqlite == on_postgres
    assert on_postgres["probe"] == {
        "inserted": [{"event_key": f"{tag}-probe"}],
        "row": ["2026-01-02T03:04:05.600000+00:00", {"n": 1, "ok": True}],
        "object": ["ComplaintEvent", "2026-01-02T03:04:05.600000+00:00", 1],
        "exists": True,
        "count": 1,
        "missing": None,
        "deleted": [],
    }
    # Forty identical filings at once: one case, thirty-nine re-complaints of it.
    assert on_postgres["placed"] == ["original"] + ["recomplaint"] * 39
    assert on_postgres["cases"] == on_postgres["sites"] == 1
    # A write that fails is undone alone, and its caller hears why.
    assert on_postgres["outcomes"][0] == [[["id"]]]  # each query's answer: the insert's key
    assert "rejected after writing" in on_postgres["outcomes"][1]
    assert on_postgres["kept"] == ["-kept"]
    assert on_postgres["chained"] == 10 and on_postgres["chain_ok"]
