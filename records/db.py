"""Write transactions that behave on both engines."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import weakref
from collections.abc import AsyncIterator, Callable, Generator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
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


def _immediate(conn: sqlite3.Connection, work: Callable[[sqlite3.Connection], T]) -> T:
    """Run work(conn) in one IMMEDIATE transaction."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = work(conn)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return result


# --- SQLite group commit ---------------------------------------------------------------------
# SQLite has one writer, and every commit waits for the disk. Writes of one process queue
# here and run back to back in one transaction per batch, each in its own savepoint: one
# write's failure undoes only that write, and a batch costs one disk flush however many
# writes it holds. Within a process writers never poll SQLite's busy lock for each other,
# and a burst of filings placed in one batch still see each other (they run in sequence).

_SQLITE_BATCH = 64  # writes per transaction at most, so the other process gets its turn
_SQLITE_WRITER = threading.Lock()  # one batch at a time per process, whichever event loop
# One connection per database for this process's writes, used only under _SQLITE_WRITER:
# opening one per write re-read the schema each time, and closing the last connection to
# a WAL database checkpoints it, which cost as much as the writes themselves.
_writer_connections: dict[str, sqlite3.Connection] = {}
# WAL pages after which a commit of this process also checkpoints the database (copies the
# log into the main file). SQLite's default is 1000; see `leave_checkpoints_to_others`.
_autocheckpoint_pages = 1000


def leave_checkpoints_to_others(pages: int = 20_000) -> None:
    """Let the other process (the worker, which writes most) checkpoint the shared SQLite file.

    A checkpoint runs inside whichever commit crosses the threshold; in the API that was a
    citizen's filing, waiting several milliseconds of copying. `pages` stays as a backstop, so
    the log cannot grow without end when the API runs alone.
    """
    global _autocheckpoint_pages
    _autocheckpoint_pages = pages


def _writer_connection(path: str) -> sqlite3.Connection:
    conn = _writer_connections.get(path)
    if conn is None:
        conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        conn.execute(f"PRAGMA wal_autocheckpoint={int(_autocheckpoint_pages)}")
        _writer_connections[path] = conn
    return conn


Outcome = tuple[bool, Any]  # (True, result) or (False, the exception the write raised)


def _run_batch(path: str, works: list[Callable[[sqlite3.Connection], Any]]) -> list[Outcome]:
    def run_all(conn: sqlite3.Connection) -> list[Outcome]:
        outcomes: list[Outcome] = []
        for work in works:
            conn.execute("SAVEPOINT civicops_write")
            try:
                value = work(conn)
            except Exception as exc:
                conn.execute("ROLLBACK TO civicops_write")
                conn.execute("RELEASE civicops_write")
                outcomes.append((False, exc))
            else:
                conn.execute("RELEASE civicops_write")
                outcomes.append((True, value))
        return outcomes

    with _SQLITE_WRITER:
        conn = _writer_connection(path)
        try:
            return _immediate(conn, run_all)
        except sqlite3.Error:  # start afresh next time: the file may have been replaced
            del _writer_connections[path]
            conn.close()
            raise


@dataclass
class _Committer:
    path: str
    queue: list[tuple[Callable[[sqlite3.Connection], Any], asyncio.Future[Any]]] = field(
        default_factory=list
    )
    task: asyncio.Task[None] | None = None

    async def drain(self) -> None:
        while self.queue:
            batch = self.queue[:_SQLITE_BATCH]
            del self.queue[:_SQLITE_BATCH]
            try:
                outcomes = await asyncio.to_thread(_run_batch, self.path, [w for w, _ in batch])
            except asyncio.CancelledError:  # the loop is shutting down
                for _, future in [*batch, *self.queue]:
                    future.cancel()
                raise
            except Exception as exc:  # the transaction itself failed: no write of it happened
                outcomes = [(False, exc)] * len(batch)
            for (_, future), (ok, value) in zip(batch, outcomes, strict=True):
                if future.done():  # its caller stopped waiting; the write ran all the same
                    continue
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)


_committers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, _Committer]] = (
    weakref.WeakKeyDictionary()
)


async def sqlite_write(path: str, work: Callable[[sqlite3.Connection], T]) -> T:
    """Run work(conn) inside this process's next SQLite write transaction (group commit).

    `work` runs in a thread, in a savepoint of a transaction it may share with other writes
    of this process; what it raises undoes its own writes only and is raised here.
    """
    loop = asyncio.get_running_loop()
    committer = _committers.setdefault(loop, {}).setdefault(path, _Committer(path))
    future: asyncio.Future[T] = loop.create_future()
    committer.queue.append((work, future))
    if committer.task is None or committer.task.done():
        committer.task = loop.create_task(committer.drain())
    return await future


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
        return await sqlite_write(engine.path, lambda conn: _sqlite_transact(conn, steps))
    async with engine.transaction():
        result, writes = await run_steps(steps)
        for query in writes:
            await query
        return result


async def atomic_writes(queries: Sequence[Any], *, audit: Sequence[AuditRecord] = ()) -> None:
    """Run write queries (no results needed) and queue their audit entries, in one transaction.

    On PostgreSQL the entries are chained moments later by this process's sealer
    (`records.audit.seal_soon`), in batches; on SQLite, in the same transaction.
    On SQLite the writes run in one thread call (`sqlite_write`, batched with this process's
    other writes), so the database's single write lock is never held for as long as this
    process's event loop takes to come back between statements (which stalled the API).
    """
    queries = [*queries, *pending_rows(list(audit))]
    engine = Complaint._meta.db
    if isinstance(engine, SQLiteEngine):

        def work(conn: sqlite3.Connection) -> None:
            _sqlite_writes(conn, queries)
            if audit:  # SQLite's one writer holds the lock anyway: chain them right here
                _sqlite_transact(conn, seal_steps())

        await sqlite_write(engine.path, work)
        return
    async with engine.transaction():
        for query in queries:
            await query
    if audit:  # PostgreSQL: chained in batches, so writers never queue on the chain's lock
        seal_soon()
