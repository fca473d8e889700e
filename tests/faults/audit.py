"""After a fault: count what every accepted complaint left behind, everywhere it leaves things.

For each tracking id that got a 202 there must be: one projection row at NOTICE_ISSUED, one
notice row (its level-0 assignment notice, ASG0), one S3 object under notices/<tracking id>/
whose SHA-256 is the row's pdf_sha256, and one Temporal workflow `complaint-<tracking id>`,
running, with CaseStatus NOTICE_ISSUED. Every Idempotency-Key maps to one tracking id. A
case that lacks any of these is *lost*; anything more (a second row, object, workflow or
tracking id, or one no 202 accounts for) is a *duplicate*.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from temporalio.client import Client, WorkflowExecutionStatus

from faults.stack import App, Infra
from faults.traffic import Filing
from notices.model import NoticeKind, notice_id
from workflows import search_attributes as sa

NOTICE_ISSUED = "NOTICE_ISSUED"


@dataclass
class Ledger:
    """Every tracking id accepted in this session, per app: the stores may hold nothing else.

    Filled as each 202 arrives, so a test that fails half-way still accounts for its cases.
    """

    by_app: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def add(self, app: str, tids: set[str]) -> None:
        """Remember tracking ids an app accepted."""
        self.by_app[app] |= tids

    @property
    def everywhere(self) -> set[str]:
        """Accepted by any app (they share Temporal and the bucket)."""
        return set().union(*self.by_app.values()) if self.by_app else set()


@dataclass
class Tally:
    """The counts a fault test prints and asserts."""

    fault: str
    accepted: int = 0
    notice_issued: int = 0
    notices: int = 0
    s3_objects: int = 0
    sha_ok: int = 0
    workflows: int = 0
    duplicates: int = 0
    lost: int = 0
    recovery: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        """One line of figures: fault=… accepted=… … recovery=…s, then the details."""
        head = (
            f"fault={self.fault} accepted={self.accepted} notice_issued={self.notice_issued} "
            f"notices={self.notices} s3_objects={self.s3_objects} sha_ok={self.sha_ok} "
            f"workflows={self.workflows} duplicates={self.duplicates} lost={self.lost} "
            f"recovery={self.recovery:.1f}s"
        )
        return " ".join([head, *(f"{k}={v}" for k, v in self.details.items())])

    def dup(self, what: str) -> None:
        """Count a duplicate."""
        self.duplicates += 1
        self.problems.append(f"duplicate: {what}")

    def assert_clean(self) -> None:
        """Fail naming the first problems unless nothing was lost or doubled."""
        a = self.accepted
        counts = (self.notice_issued, self.notices, self.s3_objects, self.sha_ok, self.workflows)
        ok = self.lost == 0 and self.duplicates == 0 and all(c == a for c in counts)
        assert ok, f"{self.line()}\n" + "\n".join(self.problems[:20])


async def workflow_runs(client: Client) -> list[Any]:
    """Every ComplaintWorkflow execution Temporal lists (all runs, open or closed)."""
    return [wf async for wf in client.list_workflows("WorkflowType = 'ComplaintWorkflow'")]


def _s3_listing(infra: Infra, bucket: str) -> list[str]:
    """Every key under notices/ in the bucket."""
    s3 = infra.s3_client()
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="notices/"):
        keys += [obj["Key"] for obj in page.get("Contents", [])]
    return keys


def _s3_sha256(infra: Infra, bucket: str, keys: list[str]) -> dict[str, str]:
    """SHA-256 (hex) of each object's bytes."""
    s3 = infra.s3_client()
    return {
        key: hashlib.sha256(s3.get_object(Bucket=bucket, Key=key)["Body"].read()).hexdigest()
        for key in keys
    }


async def audit(
    fault: str, app: App, infra: Infra, client: Client, ledger: Ledger, filings: list[Filing]
) -> Tally:
    """Count rows, notices, objects and workflows for the filings; lost and duplicated."""
    tally = Tally(fault)
    lost: set[str] = set()

    def lose(tid: str, why: str) -> None:
        """Count a lost case (once) and say why."""
        lost.add(tid)
        tally.problems.append(f"{tid}: {why}")

    accepted: set[str] = set()
    for f in filings:
        if not f.tracking_ids:
            tally.problems.append(f"filing {f.key} never got a 202: {f.failure}")
            continue
        if len(set(f.tracking_ids)) > 1:
            tally.dup(f"Idempotency-Key {f.key} answered {sorted(set(f.tracking_ids))}")
        if set(f.filings) != {"new"}:
            tally.dup(f"Idempotency-Key {f.key} was placed as {f.filings}")
        accepted.add(f.tracking_ids[0])
    ledger.add(app.name, accepted)
    tally.accepted = len(accepted)

    cases = await app.rows.cases()
    for tid in accepted:
        status = cases.get(tid, ("(no row)", 0))[0]
        if status == NOTICE_ISSUED:
            tally.notice_issued += 1
        else:
            lose(tid, f"projection says {status}")
    for tid in cases.keys() - ledger.by_app[app.name]:
        tally.dup(f"projection row {tid} that no 202 accounts for")

    by_tid: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in await app.rows.notices():
        by_tid[row["tracking_id"]].append(row)
    for tid in by_tid.keys() - ledger.by_app[app.name]:
        tally.dup(f"notice rows {[r['notice_id'] for r in by_tid[tid]]} of an unknown case")
    wanted: dict[str, dict[str, Any]] = {}  # tid -> its one ASG0 row
    for tid in accepted:
        rows = by_tid.get(tid, [])
        for extra in rows[1:]:
            tally.dup(f"notice {extra['notice_id']} beside {rows[0]['notice_id']}")
        if not rows:
            lose(tid, "no notice row")
            continue
        row = rows[0]
        asg0 = (NoticeKind.ASSIGNMENT.value, 0, notice_id(tid, NoticeKind.ASSIGNMENT, 0))
        if (row["kind"], row["level"], row["notice_id"]) != asg0:
            lose(tid, f"its notice is {row['notice_id']} ({row['kind']}, level {row['level']})")
            continue
        tally.notices += 1
        wanted[tid] = row

    objects: dict[str, list[str]] = defaultdict(list)
    for key in await asyncio.to_thread(_s3_listing, infra, app.bucket):
        objects[key.split("/")[1]].append(key)
    for tid in objects.keys() - ledger.everywhere:
        tally.dup(f"S3 objects {objects[tid]} of an unknown case")
    to_hash = []
    for tid in accepted:
        keys = objects.get(tid, [])
        for extra in keys[1:]:
            tally.dup(f"S3 object {extra} beside {keys[0]}")
        if not keys:
            lose(tid, "no S3 object under notices/<tracking id>/")
        elif tid in wanted and keys[0] == wanted[tid]["s3_key"]:
            tally.s3_objects += 1
            to_hash.append(keys[0])
        else:
            lose(tid, f"S3 holds {keys}, the row names {wanted.get(tid, {}).get('s3_key')}")
    hashes = await asyncio.to_thread(_s3_sha256, infra, app.bucket, to_hash)
    for tid, row in wanted.items():
        if hashes.get(row["s3_key"]) == row["pdf_sha256"]:
            tally.sha_ok += 1
        elif row["s3_key"] in hashes:
            lose(tid, f"S3 bytes hash to {hashes[row['s3_key']]}, the row says {row['pdf_sha256']}")

    await _count_workflows(tally, client, ledger, accepted, lose)
    tally.lost = len(lost)
    return tally


async def _count_workflows(
    tally: Tally, client: Client, ledger: Ledger, accepted: set[str], lose: Any
) -> None:
    """One running workflow per case, CaseStatus NOTICE_ISSUED (visibility may lag: wait 15 s)."""
    deadline = time.monotonic() + 15
    while True:
        runs = await workflow_runs(client)
        status = {wf.id: wf.typed_search_attributes.get(sa.STATUS) for wf in runs}
        behind = [t for t in accepted if status.get(f"complaint-{t}") != NOTICE_ISSUED]
        if not behind or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    count = Counter(wf.id for wf in runs)
    known = {f"complaint-{t}" for t in ledger.everywhere}
    for wid in count.keys() - known:
        tally.dup(f"workflow {wid} that no 202 accounts for")
    running = {wf.id for wf in runs if wf.status == WorkflowExecutionStatus.RUNNING}
    for tid in accepted:
        wid = f"complaint-{tid}"
        if count[wid] > 1:
            tally.dup(f"{count[wid]} runs of {wid}")
        if wid not in running:
            lose(tid, f"workflow {wid} is not running ({count[wid]} runs listed)")
        elif status.get(wid) != NOTICE_ISSUED:
            lose(tid, f"workflow {wid} has CaseStatus {status.get(wid)}")
        else:
            tally.workflows += 1
