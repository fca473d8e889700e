"""SQLite, the embedded default: everything specific to it lives in this module.

- **The engine and its file**: under var/, its folder 0700; WAL journal (`prepare`), so the
  API and the worker read while the other writes.
- **One writer per process, group commit.** SQLite has one writer, and every commit waits
  for the disk. A process's writes queue here (`write`) and run back to back on one kept
  connection, in one IMMEDIATE transaction per batch, each in its own savepoint: one write's
  failure undoes only that write, and a batch costs one disk flush however many writes it
  holds. Within a process writers never poll SQLite's busy lock for each other, and a burst
  placed in one batch still sees itself (its writes run in sequence).
- **A write runs whole in one thread call**, so the database's single write lock is never
  held for as long as the event loop takes to come back between statements (which stalled
  the API), and **Piccolo queries run on that connection** with Piccolo's own result
  processing, so a write sees the same values on SQLite as on PostgreSQL.
- **Checkpoints** (copying the WAL into the main file) are left to the worker in the API
  process (`leave_checkpoints_to_others`).
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import weakref
from collections.abc import Callable, Coroutine, Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from piccolo.engine.base import Engine
from piccolo.engine.sqlite import SQLiteEngine
from piccolo.query.methods import objects, select

T = TypeVar("T")

UNAVAILABLE: tuple[type[BaseException], ...] = (sqlite3.OperationalError,)  # locked, gone, ...
BAD_INPUT: tuple[type[BaseException], ...] = (sqlite3.DataError,)  # a value it cannot hold

BATCH = 64  # writes per transaction at most, so the other process gets its turn
BUSY_TIMEOUT_S = 30  # how long a write waits for the other process's lock
_WRITER = threading.Lock()  # one batch at a time per process, whichever event loop
# One connection per database for this process's writes, used only under _WRITER: opening
# one per write re-read the schema each time, and closing the last connection to a WAL
# database checkpoints it, which cost as much as the writes themselves.
_writer_connections: dict[str, sqlite3.Connection] = {}
# WAL pages after which a commit of this process also checkpoints the database (copies the
# log into the main file). SQLite's default is 1000; see `leave_checkpoints_to_others`.
_autocheckpoint_pages = 1000


def engine(path: Path) -> SQLiteEngine:
    """The Piccolo engine for a database file (its folder is made, private, if missing)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # timeout: wait for the other process (worker vs API) instead of "database is locked".
    return SQLiteEngine(path=str(path), timeout=BUSY_TIMEOUT_S)


def path_of(db: Engine) -> str | None:
    """The file of a SQLite engine; None for any other engine."""
    return db.path if isinstance(db, SQLiteEngine) else None


def prepare(path: str) -> None:
    """Switch the file to the WAL journal (it stays so), so two processes can share it."""
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
    finally:
        conn.close()


def leave_checkpoints_to_others(pages: int = 20_000) -> None:
    """Let the other process (the worker, which writes most) checkpoint the shared file.

    A checkpoint runs inside whichever commit crosses the threshold; in the API that was a
    citizen's filing, waiting several milliseconds of copying. `pages` stays as a backstop,
    so the log cannot grow without end when the API runs alone.
    """
    global _autocheckpoint_pages
    _autocheckpoint_pages = pages


# --- Piccolo queries on a plain sqlite3 connection ------------------------------------------


def _dict_rows(cursor: sqlite3.Cursor) -> list[dict[str, Any]]:
    """A cursor's rows as dicts by column name."""
    names = [col[0] for col in cursor.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def _settled(coro: Coroutine[Any, Any, T]) -> T:
    """The value of a coroutine that never waits (Piccolo's processing of fetched rows)."""
    try:
        coro.send(None)
    except StopIteration as done:
        return done.value
    coro.close()
    raise RuntimeError("Piccolo's result processing waited on I/O inside a SQLite write")


def run_query(conn: sqlite3.Connection, query: Any) -> Any:
    """Run a Piccolo query on `conn`: what awaiting it would give (rows, objects, a bool...).

    `.first()` and `objects().get(...)` answer the first row or None, as awaited (query
    callbacks, which CivicOps does not use, are not run).
    """
    if isinstance(query, objects.Get):  # a First inside
        return run_query(conn, query.query)
    if isinstance(query, select.First | objects.First):
        rows = run_query(conn, query.query)
        return rows[0] if rows else None
    if not hasattr(query, "querystrings"):
        raise TypeError(f"not a Piccolo query: {type(query).__name__} (yield the query itself)")
    query._validate()  # what Piccolo checks before it runs one (a DELETE with no WHERE, ...)
    results = []
    for querystring in query.querystrings:
        sql, args = querystring.compile_string(engine_type="sqlite")
        raw = _dict_rows(conn.execute(sql, args))
        results.append(_settled(query._process_results(raw)))
    return results[0] if len(results) == 1 else results


def drive(conn: sqlite3.Connection, steps: Generator[Any, Any, T]) -> T:
    """Run a write's steps on `conn`: each query it yields runs, and is answered its result."""
    try:
        query = next(steps)
        while True:
            query = steps.send(run_query(conn, query))
    except StopIteration as done:
        return done.value


# --- the write queue ------------------------------------------------------------------------


def _writer_connection(path: str) -> sqlite3.Connection:
    """This process's kept writer connection to `path`, opened on first use."""
    conn = _writer_connections.get(path)
    if conn is None:
        conn = sqlite3.connect(
            path,
            timeout=BUSY_TIMEOUT_S,
            isolation_level=None,
            check_same_thread=False,
            detect_types=sqlite3.PARSE_DECLTYPES | sqlite3.PARSE_COLNAMES,  # as Piccolo's are
        )
        conn.execute("PRAGMA foreign_keys = ON")  # as Piccolo's connections, and PostgreSQL
        conn.execute(f"PRAGMA wal_autocheckpoint={int(_autocheckpoint_pages)}")
        _writer_connections[path] = conn
    return conn


Outcome = tuple[bool, Any]  # (True, result) or (False, the exception the write raised)


def _immediate(conn: sqlite3.Connection, work: Callable[[sqlite3.Connection], T]) -> T:
    """Run work(conn) in one IMMEDIATE transaction (it takes the write lock up front)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = work(conn)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return result


def _run_batch(path: str, works: list[Callable[[sqlite3.Connection], Any]]) -> list[Outcome]:
    """Run a batch of writes in one transaction, each in its own savepoint; each one's outcome."""

    def run_all(conn: sqlite3.Connection) -> list[Outcome]:
        """Every write of the batch, in order, each undone alone if it raises."""
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

    with _WRITER:
        conn = _writer_connection(path)
        try:
            return _immediate(conn, run_all)
        except sqlite3.Error:  # start afresh next time: the file may have been replaced
            del _writer_connections[path]
            conn.close()
            raise


@dataclass
class _Committer:
    """One event loop's queue of writes to one database file, and the task draining it."""

    path: str
    queue: list[tuple[Callable[[sqlite3.Connection], Any], asyncio.Future[Any]]] = field(
        default_factory=list
    )
    task: asyncio.Task[None] | None = None

    async def drain(self) -> None:
        """Run the queued writes a batch at a time, and answer each its own outcome."""
        while self.queue:
            batch = self.queue[:BATCH]
            del self.queue[:BATCH]
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


async def write(path: str, work: Callable[[sqlite3.Connection], T]) -> T:
    """Run work(conn) inside this process's next write transaction on `path` (group commit).

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
