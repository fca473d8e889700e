"""Read a stack's rows straight from its database (sqlite3 or asyncpg), as an auditor would.

The test process's own Piccolo engine points at the test run's PostgreSQL database, not at
the stack's, so these readers use the drivers directly. Table and column names are
Piccolo's for records/tables.py: `complaint`, `notice`, `complaint_event`.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any, Protocol

import asyncpg

CASES_SQL = "SELECT tracking_id, status, revision FROM complaint"
NOTICES_SQL = "SELECT tracking_id, notice_id, kind, level, pdf_sha256, s3_key FROM notice"
EVENTS_SQL = "SELECT kind FROM complaint_event WHERE tracking_id = {} ORDER BY revision"


class Rows(Protocol):
    """What the fault tests read from a stack's database."""

    async def open(self) -> None:
        """Connect."""

    async def cases(self) -> dict[str, tuple[str, int]]:
        """Every projected complaint: tracking id -> (status, revision)."""

    async def notices(self) -> list[dict[str, Any]]:
        """Every notice row (tracking id, notice id, kind, level, pdf_sha256, s3_key)."""

    async def events(self, tracking_id: str) -> list[str]:
        """The kinds of a complaint's logged events, oldest first."""

    async def close(self) -> None:
        """Disconnect."""


class SqliteRows:
    """Reads the embedded SQLite file; WAL lets it read while another process holds the lock."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._lock = asyncio.Lock()  # one connection, used from one thread at a time

    async def open(self) -> None:
        """Keep one connection: closing the last one to a WAL file would checkpoint it."""
        self._conn = sqlite3.connect(
            self.path, timeout=5, isolation_level=None, check_same_thread=False
        )

    async def _all(self, sql: str, *args: Any) -> list[sqlite3.Row]:
        assert self._conn is not None, "open() first"
        async with self._lock:
            return await asyncio.to_thread(lambda: self._conn.execute(sql, args).fetchall())  # type: ignore[union-attr]

    async def cases(self) -> dict[str, tuple[str, int]]:
        """Every projected complaint: tracking id -> (status, revision)."""
        return {tid: (status, rev) for tid, status, rev in await self._all(CASES_SQL)}

    async def notices(self) -> list[dict[str, Any]]:
        """Every notice row."""
        names = ("tracking_id", "notice_id", "kind", "level", "pdf_sha256", "s3_key")
        return [dict(zip(names, row, strict=True)) for row in await self._all(NOTICES_SQL)]

    async def events(self, tracking_id: str) -> list[str]:
        """The kinds of a complaint's logged events, oldest first."""
        return [kind for (kind,) in await self._all(EVENTS_SQL.format("?"), tracking_id)]

    async def close(self) -> None:
        """Close the connection."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class PostgresRows:
    """Reads a PostgreSQL database; reconnects after the server was restarted."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self._conn: asyncpg.Connection | None = None
        self._lock = asyncio.Lock()

    async def open(self) -> None:
        """Connect (again, if the last connection was lost)."""
        if self._conn is None or self._conn.is_closed():
            self._conn = await asyncpg.connect(self.dsn, timeout=5)

    async def _all(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        async with self._lock:
            try:
                await self.open()
                assert self._conn is not None
                return await self._conn.fetch(sql, *args, timeout=10)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                await self.close()  # the server went away: a fresh connection next time
                raise

    async def cases(self) -> dict[str, tuple[str, int]]:
        """Every projected complaint: tracking id -> (status, revision)."""
        return {r["tracking_id"]: (r["status"], r["revision"]) for r in await self._all(CASES_SQL)}

    async def notices(self) -> list[dict[str, Any]]:
        """Every notice row."""
        return [dict(r) for r in await self._all(NOTICES_SQL)]

    async def events(self, tracking_id: str) -> list[str]:
        """The kinds of a complaint's logged events, oldest first."""
        return [r["kind"] for r in await self._all(EVENTS_SQL.format("$1"), tracking_id)]

    async def close(self) -> None:
        """Close the connection, if any."""
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            conn.terminate()
