"""The tamper-evident audit log: an append-only hash chain in the `audit_entry` table.

Every entry's hash is SHA-256 over its canonical JSON, which includes the previous entry's
hash, so editing, deleting or inserting any row breaks the chain from that row on.
`verify()` walks the whole chain and names the first broken link; `head()` is what
`GET /v1/audit/head` publishes, so a copy of it kept elsewhere makes a rewrite evident.

Writers put an entry in `audit_pending` in the same transaction as the change it describes
(`records.db.write(..., audit=[...])`), so no change commits without its entry and no writer
waits on the chain; `seal()` moves pending entries onto the chain in batches under one lock,
and `seal_soon()` runs it in the background of the process that wrote them. On SQLite, whose
one writer holds the lock anyway, `write` chains them in the writer's own transaction.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import weakref
from collections.abc import Generator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from records import engine
from records.tables import AuditEntry, AuditPending

log = logging.getLogger("civicops.audit")

# How long a sealer waits for the chain's lock before leaving its entries to the holder.
LOCK_WAIT_MS = 5000
CHAIN_LOCK = "civicops:audit"  # one chain, one sealer at a time

GENESIS = "0" * 64  # the "previous hash" of the first entry


@dataclass(frozen=True)
class AuditRecord:
    """An entry waiting to be appended."""

    action: str  # "case.status", "notice.signed", "apikey.create", "personal_data.read", ...
    subject: str  # what it is about: a tracking id, key id, notice id, ...
    actor: str  # who did it: "key:<id> <name>", "workflow", "cli", ...
    detail: dict[str, Any] = field(default_factory=dict)
    dedupe_key: str | None = None  # a retried write with the same key appends nothing
    at: datetime | None = None  # defaults to now


def _iso(at: datetime) -> str:
    """An instant in the one spelling the hash covers (UTC, microseconds)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def entry_hash(
    *,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    detail: Any,
    dedupe_key: str | None,
    prev_hash: str,
) -> str:
    """The hash an entry must carry: SHA-256 of its canonical JSON (previous hash included)."""
    if isinstance(detail, str):
        detail = json.loads(detail)
    canonical = json.dumps(
        {
            "seq": seq,
            "at": _iso(at),
            "actor": actor,
            "action": action,
            "subject": subject,
            "detail": detail,
            "dedupe_key": dedupe_key,
            "prev_hash": prev_hash,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def pending_rows(records: list[AuditRecord]) -> list[Any]:
    """The INSERTs that queue `records` for the chain, for the caller's own transaction.

    No lock is taken: a retried write with the same dedupe key inserts nothing.
    """
    now = datetime.now(UTC)
    return [
        AuditPending.insert(
            AuditPending(
                at=record.at or now,
                actor=record.actor,
                action=record.action,
                subject=record.subject,
                detail=json.loads(json.dumps(record.detail, default=str)),
                dedupe_key=record.dedupe_key,
            )
        ).on_conflict(target=AuditPending.dedupe_key, action="DO NOTHING")
        for record in records
    ]


# Sealing, as a write's steps (see records.db): yields the queries it needs, is sent their
# results, and returns how many entries it chained.
SealSteps = Generator[Any, Any, int]


def _loaded(value: Any) -> Any:
    """A JSON column's value, whether the driver gave it as text or loaded."""
    return json.loads(value) if isinstance(value, str) else value


def _instant(value: Any) -> datetime:
    """A timestamp column's value as a datetime, whether given as text or not."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def seal_steps(batch: int = 500) -> SealSteps:
    """Chain up to `batch` pending entries onto the head, oldest first (run under CHAIN_LOCK)."""
    pending = yield AuditPending.select().order_by(AuditPending.id).limit(batch)
    if not pending:
        return 0
    keys = [p["dedupe_key"] for p in pending if p["dedupe_key"]]
    chained: set[str] = set()
    if keys:
        rows = yield AuditEntry.select(AuditEntry.dedupe_key).where(
            AuditEntry.dedupe_key.is_in(keys)
        )
        chained = {row["dedupe_key"] for row in rows}
    head = yield (
        AuditEntry.select(AuditEntry.seq, AuditEntry.entry_hash)
        .order_by(AuditEntry.seq, ascending=False)
        .limit(1)
    )
    seq, prev = (head[0]["seq"], head[0]["entry_hash"]) if head else (0, GENESIS)
    entries = []
    for p in pending:
        if p["dedupe_key"] and p["dedupe_key"] in chained:
            continue  # a retry of an entry already on the chain
        seq += 1
        fields: dict[str, Any] = {
            "seq": seq,
            "at": _instant(p["at"]),
            "actor": p["actor"],
            "action": p["action"],
            "subject": p["subject"],
            "detail": _loaded(p["detail"]),
            "dedupe_key": p["dedupe_key"],
            "prev_hash": prev,
        }
        digest = entry_hash(**fields)
        entries.append(AuditEntry(**fields, entry_hash=digest))
        prev = digest
    if entries:
        yield AuditEntry.insert(*entries)
    yield AuditPending.delete().where(AuditPending.id.is_in([p["id"] for p in pending]))
    return len(entries)


async def seal(batch: int = 500) -> int:
    """Chain every pending entry now; how many were chained. Safe to run anywhere, any time.

    If another sealer holds the chain for longer than LOCK_WAIT_MS, this returns and the
    entries stay pending: they are committed, and the holder's loop or any later seal
    (the next audited write, `audit verify`, `/v1/audit/head`) chains them.
    """
    total = 0
    while await AuditPending.exists():
        try:
            # A sealer whose process stalls while holding the chain (a paused event loop, a
            # stopped process) must not hang everyone else: after LOCK_WAIT_MS the others
            # leave their entries pending.
            chained = await engine.transaction(
                seal_steps(batch), lock=CHAIN_LOCK, lock_wait_ms=LOCK_WAIT_MS
            )
        except engine.LockBusy:
            log.warning("another sealer holds the audit chain; entries stay pending for it")
            return total
        total += chained
        if chained == 0 and not await AuditPending.exists():
            break
    return total


_sealers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Task[None]] = (
    weakref.WeakKeyDictionary()
)
_again: set[asyncio.AbstractEventLoop] = set()


def seal_soon() -> None:
    """Chain pending entries in the background of this process, soon; calls coalesce, so a
    busy worker takes the chain's lock once per batch, not once per entry."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return
    task = _sealers.get(loop)
    if task is not None and not task.done():
        _again.add(loop)
        return
    _sealers[loop] = loop.create_task(_seal_while_asked(loop))


async def _seal_while_asked(loop: asyncio.AbstractEventLoop) -> None:
    """Seal until no write of this loop has asked again meanwhile."""
    while True:
        _again.discard(loop)
        try:
            await seal()
        except engine.UNAVAILABLE as exc:  # the database went away (or the pool closed at shutdown)
            log.info("audit entries left pending (%r); the next write or verify chains them", exc)
            return
        except Exception:  # the next write asks again; `audit verify` and /head seal too
            log.warning("audit entries left pending; they are chained later", exc_info=True)
            return
        if loop not in _again:
            return


async def append(record: AuditRecord) -> None:
    """Append one entry and chain it before returning (operator and API actions)."""
    await engine.transaction(_queued([record]))
    await seal()


def _queued(records: list[AuditRecord]) -> Generator[Any, Any, None]:
    """Steps that queue entries for the chain, as a write of their own."""
    for query in pending_rows(records):  # noqa: UP028 (a list cannot be sent the results)
        yield query


@dataclass(frozen=True)
class Verdict:
    """The result of checking the chain."""

    ok: bool
    entries: int
    head_seq: int
    head_hash: str
    broken_seq: int | None = None
    reason: str | None = None


async def verify(batch: int = 2000) -> Verdict:
    """Recompute every link from the first entry; name the first one that does not hold."""
    prev, expected_seq, count = GENESIS, 1, 0
    after = 0
    while True:
        rows = (
            await AuditEntry.select()
            .where(AuditEntry.seq > after)
            .order_by(AuditEntry.seq)
            .limit(batch)
            .output(load_json=True)
        )
        if not rows:
            return Verdict(True, count, expected_seq - 1, prev)
        for row in rows:
            seq = row["seq"]
            if seq != expected_seq:
                return Verdict(
                    False, count, expected_seq - 1, prev, expected_seq,
                    f"entry {expected_seq} is missing (next is {seq})",
                )  # fmt: skip
            if row["prev_hash"] != prev:
                return Verdict(
                    False, count, seq - 1, prev, seq,
                    f"entry {seq} does not follow entry {seq - 1}: its previous hash is "
                    f"{row['prev_hash'][:12]}…, entry {seq - 1} hashes to {prev[:12]}…",
                )  # fmt: skip
            digest = entry_hash(
                seq=seq,
                at=row["at"],
                actor=row["actor"],
                action=row["action"],
                subject=row["subject"],
                detail=row["detail"],
                dedupe_key=row["dedupe_key"],
                prev_hash=row["prev_hash"],
            )
            if digest != row["entry_hash"]:
                return Verdict(
                    False, count, seq - 1, prev, seq,
                    f"entry {seq} ({row['action']} {row['subject']}) was altered: its content "
                    f"hashes to {digest[:12]}…, it claims {row['entry_hash'][:12]}…",
                )  # fmt: skip
            prev, expected_seq, count = row["entry_hash"], seq + 1, count + 1
        after = rows[-1]["seq"]


async def head() -> dict[str, Any]:
    """The newest chained entry's sequence number, hash and time (seq 0 and the genesis hash
    if none); callers that publish it seal pending entries first."""
    row = (
        await AuditEntry.select(AuditEntry.seq, AuditEntry.entry_hash, AuditEntry.at)
        .order_by(AuditEntry.seq, ascending=False)
        .first()
    )
    if row is None:
        return {"seq": 0, "entry_hash": GENESIS, "at": None}
    return {"seq": row["seq"], "entry_hash": row["entry_hash"], "at": row["at"]}


async def entries(after: int = 0, limit: int = 100, subject: str | None = None) -> list[dict]:
    """Entries after sequence number `after`, oldest first (optionally about one subject)."""
    query = AuditEntry.select().where(AuditEntry.seq > after)
    if subject:
        query = query.where(AuditEntry.subject == subject)
    return await query.order_by(AuditEntry.seq).limit(limit).output(load_json=True)
