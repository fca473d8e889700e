"""Write transactions that behave on both engines."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable, Generator, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import asyncpg
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from records.audit import AuditRecord, pending_rows, seal_soon, seal_steps
from records.tables import Complaint

T = TypeVar("T")

# Errors that mean "the database is not there right now", not "this request is wrong".
UNAVAILABLE: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    sqlite3.OperationalError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.ObjectNotInPrerequisiteStateError,  # not accepting connections
    asyncpg.exceptions.InterfaceError,
)


def write_transaction() -> Any:
    """A transaction for writes; on SQLite it takes the write lock up front (IMMEDIATE).

    A deferred SQLite transaction that reads first and writes later fails with "database is
    locked" when the API and the worker write at once; IMMEDIATE makes it wait its turn.
    """
    engine = Complaint._meta.db
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()


@asynccontextmanager
async def database_pool() -> AsyncIterator[None]:
    """A PostgreSQL connection pool for a long-running process (SQLite needs none)."""
    engine = Complaint._meta.db
    if not isinstance(engine, PostgresEngine):
        yield
        return
    await engine.start_connection_pool()
    try:
        yield
    finally:
        await engine.close_connection_pool()


def sqlite_run(conn: sqlite3.Connection, query: Any) -> list[dict[str, Any]]:
    """Run a Piccolo query on a plain sqlite3 connection; its rows as dicts."""
    rows: list[dict[str, Any]] = []
    for querystring in query.querystrings:
        sql, args = querystring.compile_string(engine_type="sqlite")
        cursor = conn.execute(sql, args)
        names = [col[0] for col in cursor.description or ()]
        rows = [dict(zip(names, row, strict=True)) for row in cursor]
    return rows


def sqlite_transaction(path: str, work: Callable[[sqlite3.Connection], T]) -> T:
    """Run work(conn) in one IMMEDIATE transaction on a connection of this thread."""
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = work(conn)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return result
    finally:
        conn.close()


# A decision made inside a transaction: yields the SELECTs it needs (and is sent their rows)
# and returns its result. One decision runs on either engine through the two drivers below.
Steps = Generator[Any, list[dict[str, Any]], T]


async def run_steps(steps: Steps[T]) -> T:
    """Drive a decision with awaited queries (PostgreSQL, inside a transaction)."""
    try:
        query = next(steps)
        while True:
            output = getattr(query, "output", None)  # Raw queries have no output options
            query = steps.send(await (output(load_json=True) if output else query))
    except StopIteration as done:
        return done.value


def run_steps_sqlite(conn: sqlite3.Connection, steps: Steps[T]) -> T:
    """Drive a decision on a plain sqlite3 connection (inside its transaction)."""
    try:
        query = next(steps)
        while True:
            query = steps.send(sqlite_run(conn, query))
    except StopIteration as done:
        return done.value


def _sqlite_writes(conn: sqlite3.Connection, queries: Sequence[Any]) -> None:
    for query in queries:
        sqlite_run(conn, query)


def _sqlite_transact(conn: sqlite3.Connection, steps: Steps[tuple[T, list[Any]]]) -> T:
    result, writes = run_steps_sqlite(conn, steps)
    _sqlite_writes(conn, writes)
    return result


async def transact(steps: Steps[tuple[T, list[Any]]]) -> T:
    """Run a decision (its SELECTs, then the writes it returns) in one write transaction."""
    engine = Complaint._meta.db
    if isinstance(engine, SQLiteEngine):
        return await asyncio.to_thread(
            sqlite_transaction, engine.path, lambda conn: _sqlite_transact(conn, steps)
        )
    async with engine.transaction():
        result, writes = await run_steps(steps)
        for query in writes:
            await query
        return result


async def atomic_writes(queries: Sequence[Any], *, audit: Sequence[AuditRecord] = ()) -> None:
    """Run write queries (no results needed) and queue their audit entries, in one transaction.

    On PostgreSQL the entries are chained moments later by this process's sealer
    (`records.audit.seal_soon`), in batches; on SQLite, in the same transaction.
    On SQLite the whole transaction runs in one thread call, so the database's single write
    lock is held for a millisecond, not for as long as this process's event loop takes to
    come back between statements (which, in a busy worker, stalled the API's writes).
    """
    queries = [*queries, *pending_rows(list(audit))]
    engine = Complaint._meta.db
    if isinstance(engine, SQLiteEngine):

        def work(conn: sqlite3.Connection) -> None:
            _sqlite_writes(conn, queries)
            if audit:  # SQLite's one writer holds the lock anyway: chain them right here
                _sqlite_transact(conn, seal_steps())

        await asyncio.to_thread(sqlite_transaction, engine.path, work)
        return
    async with engine.transaction():
        for query in queries:
            await query
    if audit:  # PostgreSQL: chained in batches, so writers never queue on the chain's lock
        seal_soon()
