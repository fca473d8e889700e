"""The one way to write: `write(...)`, one transaction on whichever engine this process uses.

`write` takes a list of Piccolo queries, or a write's steps (a generator that yields queries,
is sent each one's result, and returns the write's result: reads and decisions between the
writes), with the audit entries that describe the change. It decides per engine how:

- **SQLite** (one writer): the whole write runs in one thread call on this process's one
  writer connection, batched with the process's other writes, each in its own savepoint
  (records/sqlite.py). Its audit entries are chained right there, in the same transaction.
- **PostgreSQL**: a transaction. Its audit entries are queued in `audit_pending` in it and
  chained moments later by this process's sealer, in batches (records/audit.py), so writers
  never queue on the chain's lock.

Either way no change commits without its entry. Callers outside records/ also find here what
they need of the engine without asking which it is: the outage errors, the pool, set-up
before migrations, and a line naming the database.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any, TypeVar, overload

from piccolo.query.methods.select import Select

from records import audit as chain
from records.audit import AuditRecord
from records.engine import (
    BAD_INPUT,
    UNAVAILABLE,
    Steps,
    database_pool,
    describe,
    has_one_writer,
    leave_housekeeping_to_others,
    prepare,
    transaction,
)

__all__ = [
    "BAD_INPUT",
    "UNAVAILABLE",
    "Steps",
    "database_pool",
    "describe",
    "leave_housekeeping_to_others",
    "locked",
    "prepare",
    "write",
]

T = TypeVar("T")
Q = TypeVar("Q", bound=Select)


@overload
async def write(
    work: Steps[T], *, audit: Sequence[AuditRecord] = (), lock: str | None = None
) -> T: ...


@overload
async def write(
    work: Sequence[Any] = (), *, audit: Sequence[AuditRecord] = (), lock: str | None = None
) -> list[Any]: ...


async def write(
    work: Steps[Any] | Sequence[Any] = (),
    *,
    audit: Sequence[AuditRecord] = (),
    lock: str | None = None,
) -> Any:
    """Run `work` and queue (or chain) its audit entries, in one transaction.

    `work` is a list of queries (the answer is the list of their results) or a write's steps
    (the answer is what they return). What it raises rolls the whole write back and is raised
    here. `lock` names a lock held to the commit, so writes naming it run one at a time (a
    city's placements, say); SQLite's one writer serialises every write anyway.
    """
    entries = list(audit)
    chain_now = bool(entries) and has_one_writer()
    result = await transaction(_with_entries(work, entries, chain_now), lock=lock)
    if entries and not chain_now:
        chain.seal_soon()
    return result


def locked(select: Q) -> Q:
    """`select` holding the rows it reads until the write commits, so a concurrent write of
    them waits and then reads this one's (PostgreSQL: FOR UPDATE; SQLite's one writer
    serialises every write anyway, and has no row locks)."""
    return select if has_one_writer() else select.lock_rows()


def _with_entries(
    work: Steps[T] | Sequence[Any], entries: list[AuditRecord], chain_now: bool
) -> Steps[Any]:
    """The write's own steps, then its audit entries (chained at once if `chain_now`)."""
    if inspect.isgenerator(work):
        result = yield from work
    else:
        result = []
        for query in work:
            result.append((yield query))
    for query in chain.pending_rows(entries):  # not `yield from`: a list takes no send()
        yield query
    if chain_now:  # SQLite's one writer holds the lock anyway: chain them right here
        yield from chain.seal_steps()
    return result
