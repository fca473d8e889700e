"""The database behind the tables: which engine this process uses, and one transaction on it.

`records.db.write` is the way to write; this module is what it stands on. A transaction is a
PostgreSQL transaction here, or a turn of SQLite's write queue (records/sqlite.py, where
everything specific to SQLite lives). records/audit.py seals the chain with `transaction`
too: this module sits below both, so records.db and records.audit need not import each other.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlparse

import asyncpg
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine

from records import sqlite
from records.tables import Complaint

T = TypeVar("T")

# A write's steps: a generator that yields Piccolo queries, is sent each one's result (what
# awaiting the query would give) and returns the write's result.
Steps = Generator[Any, Any, T]

# Errors that mean "the database is not there right now", not "this request is wrong".
UNAVAILABLE: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    *sqlite.UNAVAILABLE,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.ObjectNotInPrerequisiteStateError,  # not accepting connections
    asyncpg.exceptions.InterfaceError,
)
# Errors caused by a value the database cannot hold: writing it again fails the same way.
BAD_INPUT: tuple[type[BaseException], ...] = (asyncpg.DataError, *sqlite.BAD_INPUT)


class LockBusy(RuntimeError):
    """Another transaction held the named lock for longer than this one would wait."""


def engine_for(url: str) -> Engine:
    """The Piccolo engine for a database URL (postgres://… or sqlite:///path)."""
    scheme = urlparse(url).scheme
    if scheme in ("postgres", "postgresql"):
        return PostgresEngine(config={"dsn": url})
    if scheme == "sqlite":
        return sqlite.engine(Path(url.removeprefix("sqlite:///")))
    raise ValueError(f"DATABASE_URL must be postgres://… or sqlite:///…, not {scheme!r}")


def current() -> Engine:
    """The engine the tables use in this process (piccolo_conf.DB)."""
    return Complaint._meta.db


def has_one_writer() -> bool:
    """True when the database takes one writer at a time, whoever asks (SQLite)."""
    return sqlite.path_of(current()) is not None


def describe() -> str:
    """Which database this process uses, for people: "postgresql" or "sqlite <file>"."""
    path = sqlite.path_of(current())
    return "postgresql" if path is None else f"sqlite {path}"


async def transaction(
    steps: Steps[T], *, lock: str | None = None, lock_wait_ms: int | None = None
) -> T:
    """Run a write's steps in one transaction; what they raise rolls them back and is raised.

    `lock` names a lock held until commit: writes with the same name run one at a time
    (PostgreSQL: an advisory lock; SQLite's single writer serialises every write anyway).
    `lock_wait_ms` bounds the wait for it (PostgreSQL), after which LockBusy is raised.
    """
    db = current()
    path = sqlite.path_of(db)
    if path is not None:
        return await sqlite.write(path, lambda conn: sqlite.drive(conn, steps))
    try:
        async with db.transaction():
            if lock_wait_ms is not None:
                await Complaint.raw(f"SET LOCAL lock_timeout = '{int(lock_wait_ms)}ms'")
            if lock is not None:
                await Complaint.raw("SELECT pg_advisory_xact_lock(hashtext({}))", lock)
            return await _awaited(steps)
    except asyncpg.exceptions.LockNotAvailableError as exc:
        raise LockBusy(f"lock {lock!r} held elsewhere for over {lock_wait_ms} ms") from exc


async def _awaited(steps: Steps[T]) -> T:
    """Drive a write's steps by awaiting each query (inside the caller's transaction)."""
    try:
        query = next(steps)
        while True:
            query = steps.send(await query)
    except StopIteration as done:
        return done.value


@asynccontextmanager
async def database_pool() -> AsyncIterator[None]:
    """A PostgreSQL connection pool for a long-running process (SQLite needs none)."""
    db = current()
    if not isinstance(db, PostgresEngine):
        yield
        return
    await db.start_connection_pool()
    try:
        yield
    finally:
        await db.close_connection_pool()


async def prepare() -> None:
    """Ready the database for migrations and for two processes (SQLite: the WAL journal)."""
    path = sqlite.path_of(current())
    if path is not None:
        sqlite.prepare(path)


def leave_housekeeping_to_others() -> None:
    """This process answers people: the other one does the database's housekeeping
    (SQLite: WAL checkpoints; PostgreSQL has none to leave)."""
    sqlite.leave_checkpoints_to_others()
