"""The tamper-evident audit log: an append-only hash chain in the `audit_entry` table.

Every entry's hash is SHA-256 over its canonical JSON, which includes the previous entry's
hash, so editing, deleting or inserting any row breaks the chain from that row on.
`verify()` walks the whole chain and names the first broken link; `head()` is what
`GET /v1/audit/head` publishes, so a copy of it kept elsewhere makes a rewrite evident.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Generator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from piccolo.engine.postgres import PostgresEngine

from records.tables import AuditEntry

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


# Appending: yields the SELECTs it needs (and is sent their rows), returns the INSERTs. Run
# inside the caller's transaction by records.db, after the writes the entries describe.
AppendSteps = Generator[Any, list[dict[str, Any]], list[Any]]


def append_steps(records: list[AuditRecord]) -> AppendSteps:
    """Chain `records` onto the head; entries whose dedupe key exists are skipped."""
    if isinstance(AuditEntry._meta.db, PostgresEngine):
        # One chain, one writer at a time: held until the transaction commits.
        yield AuditEntry.raw("SELECT pg_advisory_xact_lock(hashtext('civicops:audit'))")
    keys = [r.dedupe_key for r in records if r.dedupe_key]
    seen: set[str] = set()
    if keys:
        rows = yield AuditEntry.select(AuditEntry.dedupe_key).where(
            AuditEntry.dedupe_key.is_in(keys)
        )
        seen = {row["dedupe_key"] for row in rows}
    fresh = [r for r in records if not r.dedupe_key or r.dedupe_key not in seen]
    if not fresh:
        return []
    head = yield (
        AuditEntry.select(AuditEntry.seq, AuditEntry.entry_hash)
        .order_by(AuditEntry.seq, ascending=False)
        .limit(1)
    )
    seq, prev = (head[0]["seq"], head[0]["entry_hash"]) if head else (0, GENESIS)
    now = datetime.now(UTC)
    writes = []
    for record in fresh:
        seq += 1
        at = record.at or now
        detail = json.loads(json.dumps(record.detail, default=str))  # what JSON will give back
        digest = entry_hash(
            seq=seq,
            at=at,
            actor=record.actor,
            action=record.action,
            subject=record.subject,
            detail=detail,
            dedupe_key=record.dedupe_key,
            prev_hash=prev,
        )
        writes.append(
            AuditEntry.insert(
                AuditEntry(
                    seq=seq,
                    at=at,
                    actor=record.actor,
                    action=record.action,
                    subject=record.subject,
                    detail=detail,
                    dedupe_key=record.dedupe_key,
                    prev_hash=prev,
                    entry_hash=digest,
                )
            )
        )
        prev = digest
    return writes


async def append(record: AuditRecord) -> None:
    """Append one entry in its own transaction."""
    from records.db import atomic_writes

    await atomic_writes([], audit=[record])


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
    """The newest entry's sequence number, hash and time (seq 0 and the genesis hash if none)."""
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
