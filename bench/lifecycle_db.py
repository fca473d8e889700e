"""Read-only queries on the stack's database (SQLite file or PostgreSQL) for the lifecycle bench.

Where the open cases are, which cases' projection rows reached a status, and each case's own
timestamps (filed, every event, the notice issued and written) to split its latency.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections import Counter
from datetime import datetime
from pathlib import Path
from urllib.parse import urlparse

from common import Unreachable

TERMINAL = ("CLOSED", "WITHDRAWN", "OUTSIDE_CITY")


class Projection:
    """Read-only queries on the stack's database (SQLite file or PostgreSQL)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.scheme = urlparse(url).scheme
        self._sqlite: sqlite3.Connection | None = None
        self._pg = None  # asyncpg connection
        self._lock = threading.Lock()

    async def open(self) -> None:
        """Connect (SQLite read-only) and check the complaint table can be read."""
        try:
            if self.scheme == "sqlite":
                path = Path(self.url.removeprefix("sqlite:///"))
                if not await asyncio.to_thread(path.exists):
                    raise Unreachable(f"database {path} does not exist (pass --db)")
                self._sqlite = sqlite3.connect(
                    f"file:{path}?mode=ro", uri=True, check_same_thread=False, timeout=30
                )
            elif self.scheme in ("postgres", "postgresql"):
                import asyncpg

                self._pg = await asyncpg.connect(self.url, timeout=10)
            else:
                raise Unreachable(f"--db must be sqlite:///… or postgres://…, not {self.url!r}")
            await self.fetch("SELECT count(*) FROM complaint", [])
        except Unreachable:
            raise
        except Exception as exc:
            raise Unreachable(f"database {self.url} cannot be read: {exc!r}") from exc

    async def close(self) -> None:
        """Close the connection."""
        if self._sqlite is not None:
            self._sqlite.close()
        if self._pg is not None:
            await self._pg.close()

    def _in(self, column: str, values: list[str], params: list) -> str:
        """`column IN (...)` for SQLite, `column = ANY($n)` for PostgreSQL."""
        if self._pg is not None:
            params.append(list(values))
            return f"{column} = ANY(${len(params)})"
        params.extend(values)
        return f"{column} IN ({','.join('?' * len(values))})"

    def _p(self, value: object, params: list) -> str:
        """A placeholder for one parameter, in the engine's style."""
        params.append(value)
        return f"${len(params)}" if self._pg is not None else "?"

    async def fetch(self, sql: str, params: list) -> list[tuple]:
        """The rows of a query."""
        if self._pg is not None:
            return [tuple(r) for r in await self._pg.fetch(sql, *params)]
        assert self._sqlite is not None
        db = self._sqlite

        def run() -> list[tuple]:
            """The query on the SQLite connection, one thread at a time."""
            with self._lock:
                return db.execute(sql, params).fetchall()

        return await asyncio.to_thread(run)

    async def open_points(self) -> list[tuple[float, float]]:
        """Where every case that is not terminal is (re-complaints could join those)."""
        params: list = []
        where = " AND ".join(f"status <> {self._p(s, params)}" for s in TERMINAL)
        return [
            (float(lat), float(lon))
            for lat, lon in await self.fetch(
                f"SELECT latitude, longitude FROM complaint WHERE {where}", params
            )
        ]

    async def reached(self, tracking_ids: list[str], status: str) -> set[str]:
        """Which of these cases' projection rows have the status."""
        params: list = []
        clause = self._in("tracking_id", tracking_ids, params)
        wanted = self._p(status, params)
        rows = await self.fetch(
            f"SELECT tracking_id FROM complaint WHERE {clause} AND status = {wanted}", params
        )
        return {r[0] for r in rows}

    async def statuses(self, tracking_ids: list[str]) -> Counter[str]:
        """How many of these cases are in each status ('(no row)' for those not on record)."""
        params: list = []
        clause = self._in("tracking_id", tracking_ids, params)
        rows = await self.fetch(f"SELECT status FROM complaint WHERE {clause}", params)
        found = Counter(r[0] for r in rows)
        found["(no row)"] = len(tracking_ids) - sum(found.values())
        return +found

    async def timelines(self, tracking_ids: list[str]) -> dict[str, dict[str, float]]:
        """Per case, epoch seconds of: filed_at, each event kind, notice issued_at/created_at."""
        out: dict[str, dict[str, float]] = {t: {} for t in tracking_ids}
        for start in range(0, len(tracking_ids), 200):
            chunk = tracking_ids[start : start + 200]
            params: list = []
            clause = self._in("tracking_id", chunk, params)
            for tid, at in await self.fetch(
                f"SELECT tracking_id, filed_at FROM complaint WHERE {clause}", params
            ):
                out[tid]["api_filed_at"] = _epoch(at)
            params = []
            clause = self._in("tracking_id", chunk, params)
            for tid, kind, at in await self.fetch(
                f"SELECT tracking_id, kind, at FROM complaint_event WHERE {clause}", params
            ):
                out[tid].setdefault(f"ev:{kind}", _epoch(at))
            params = []
            clause = self._in("tracking_id", chunk, params)
            kind = self._p("assignment", params)
            for tid, issued, created in await self.fetch(
                "SELECT tracking_id, issued_at, created_at FROM notice "
                f"WHERE {clause} AND kind = {kind} AND level = 0",
                params,
            ):
                out[tid]["notice_issued_at"] = _epoch(issued)
                out[tid]["notice_created_at"] = _epoch(created)
        return out


def _epoch(value: object) -> float:
    """A database time (datetime or ISO text) as epoch seconds."""
    if isinstance(value, datetime):
        return value.timestamp()
    return datetime.fromisoformat(str(value)).timestamp()
