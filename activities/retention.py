"""Retention activities: find the citizens whose data is due for erasure, and shred their keys.

`find_erasures` reads records/retention.py's verdict a page at a time (ids above a cursor),
so no page of ids outgrows a workflow payload; `erase_citizens` shreds one batch through
`records.vault.shred`, which skips keys already shredded, so running it twice is a no-op and
the audit chain gets one `personal_data.erased` entry per batch that erased anything.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime

from botocore.client import BaseClient
from temporalio import activity

from activities.running import resilient
from domain.sla import PolicyBook
from records import retention, vault
from storage import s3 as storage

ACTOR = "retention schedule"
REASONS = retention.REASONS  # "consent withdrawn", "retention"
BATCH = 500  # ids per page and per shred
IDS_KEPT = 10_000  # key ids a run's report lists; the audit chain names every one


@dataclass
class FindErasuresInput:
    """Which page of due citizens to read: ids above `after`, at most `limit`."""

    now: datetime
    cities: list[str] = field(default_factory=list)  # empty: every city
    after: int = 0
    limit: int = BATCH


@dataclass
class Erasures:
    """One page of due citizen key ids, by reason, and whether more follow."""

    by_reason: dict[str, list[int]] = field(default_factory=dict)
    last: int = 0  # the highest id of the page (the next page's cursor)
    more: bool = False


@dataclass
class EraseInput:
    """One batch of citizen keys to shred, and why."""

    key_ids: list[int]
    reason: str


async def erase_everywhere(
    key_ids: list[int], *, reason: str, actor: str, s3: BaseClient | None, bucket: str
) -> list[int]:
    """Shred the citizens' data keys, then delete their photo and voice-note originals from S3
    (every time: a retry after the shred still deletes them); the keys shredded now."""
    done = await vault.shred(key_ids, reason=reason, actor=actor)
    if s3 is not None:
        originals = await vault.originals_of(key_ids)
        await asyncio.to_thread(storage.delete_keys, s3, bucket, originals)
    return done


class RetentionActivities:
    """Retention's side effects; holds the policy book that gives each city's privacy policy,
    and the S3 client that deletes erased citizens' originals."""

    def __init__(
        self, policies: PolicyBook, s3: BaseClient | None = None, bucket: str = ""
    ) -> None:
        self.policies = policies
        self.s3 = s3
        self.bucket = bucket

    @activity.defn(name="find_erasures")
    @resilient
    async def find_erasures(self, data: FindErasuresInput) -> Erasures:
        """A page of the citizen keys whose personal data must now be erased, by reason."""
        found = await retention.due_by_reason(
            data.now, self.policies.privacy, cities=data.cities or None
        )
        ids = [k for k in found if k > data.after]
        page = ids[: data.limit]
        by_reason: dict[str, list[int]] = {}
        for key_id in page:
            by_reason.setdefault(found[key_id], []).append(key_id)
        return Erasures(by_reason, page[-1] if page else data.after, len(ids) > len(page))

    @activity.defn(name="erase_citizens")
    @resilient
    async def erase_citizens(self, data: EraseInput) -> list[int]:
        """Shred the citizens' data keys (those already shredded are skipped) and delete their
        originals from S3; the ids shredded."""
        return await erase_everywhere(
            data.key_ids, reason=data.reason, actor=ACTOR, s3=self.s3, bucket=self.bucket
        )


# The retention workflow's input and result (workflows/retention.py).


@dataclass
class RetentionReport:
    """What one run erased: counts by reason, the key ids, and the instant it judged at."""

    run_at: datetime
    erased: dict[str, int] = field(default_factory=dict)
    key_ids: list[int] = field(default_factory=list)
    ids_truncated: bool = False  # more than IDS_KEPT were erased


@dataclass
class RetentionInput:
    """A run's scope (empty: every city) and, after continue-as-new, where it had got to."""

    cities: list[str] = field(default_factory=list)
    report: RetentionReport | None = None
    after: int = 0
