"""The embedded default's SQLite writes: queued per process and committed in batches."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from records.db import sqlite_write


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
