"""The issue_notice activity: render, sign and store one notice per (case, kind, level)."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.running import resilient
from domain.access import Refusal
from domain.case import IssueNoticeInput, NoticeRef
from domain.categories import BY_CODE
from notices.keys import KeyStore, SigningKeyError
from notices.model import NoticeContent, NoticeKind, notice_id
from notices.sealing import SealedNotice, seal_notice
from records import notices as notice_records
from records.geography import UnknownCity, ZoneDirectory

_ZONE_WORD = re.compile(r"(?i)\b(zone|borough|circle|division|region)\b")


def zone_name(zone: str) -> str:
    """'West' -> 'West Zone'; names that already say what they are stay as they are."""
    return zone if _ZONE_WORD.search(zone) else f"{zone} Zone"


def s3_key_for(tracking_id: str, notice: str) -> str:
    """Where a notice PDF is stored."""
    return f"notices/{tracking_id}/{notice}.pdf"


class NoticeActivities:
    """Holds the key store, the S3 client and the ward directory the notice activity needs."""

    def __init__(
        self,
        zones: ZoneDirectory,
        keys: KeyStore,
        s3: BaseClient,
        bucket: str,
        public_url: str,
    ) -> None:
        self.zones = zones
        self.keys = keys
        self.s3 = s3
        self.bucket = bucket
        self.public_url = public_url

    @activity.defn(name="issue_notice")
    @resilient
    async def issue_notice(self, data: IssueNoticeInput) -> NoticeRef:
        """Render, sign and store a notice; a retry returns the same notice and adds nothing."""
        c = data.complaint
        kind = NoticeKind(data.kind)
        number = notice_id(c.tracking_id, kind, data.level, data.seq)
        s3_key = s3_key_for(c.tracking_id, number)
        row = await notice_records.get(number)
        if row is None:
            content = await self._content(data, number)
            sealed = await asyncio.to_thread(self._seal, content)
            await self._put(s3_key, sealed)  # the object exists before its record does
            row = await notice_records.save(
                sealed,
                tracking_id=c.tracking_id,
                kind=kind.value,
                level=data.level,
                assignee_id=data.assignment.official_id,
                s3_key=s3_key,
                issued_at=data.issued_at,
            )
            if row["pdf_sha256"] != sealed.pdf_sha256.hex():
                # A concurrent attempt signed first (with another key): store its bytes.
                await self._repair(data, row)
        elif not await self._stored_matches(row):
            await self._repair(data, row)
        return NoticeRef(
            notice_id=row["notice_id"],
            kind=row["kind"],
            level=row["level"],
            key_id=row["key_id"],
            s3_key=row["s3_key"],
            pdf_sha256=row["pdf_sha256"],
            issued_at=row["issued_at"],
        )

    async def _content(
        self, data: IssueNoticeInput, number: str, key_id: str | None = None
    ) -> NoticeContent:
        c, a = data.complaint, data.assignment
        try:
            city = (await self.zones.city(c.city)).city
        except UnknownCity:
            raise ApplicationError(
                f"city {c.city!r} is not imported", type=Refusal.BAD_INPUT
            ) from None
        if key_id is None:
            try:
                key_id, _ = self.keys.signing_key()
            except SigningKeyError as exc:
                # Retryable: the notice waits until an operator runs `civicops keys rotate`.
                raise ApplicationError(str(exc), type="NoSigningKey") from None
        category = BY_CODE.get(c.category)
        return NoticeContent(
            notice_id=number,
            kind=NoticeKind(data.kind),
            level=data.level,
            tracking_id=c.tracking_id,
            city=c.city,
            city_name=city.name,
            corporation=city.corporation,
            language=city.language,
            zone=a.zone,
            ward_id=a.ward_id,
            ward_name=a.ward_name,
            category=c.category,
            category_name=category.name if category else c.category,
            priority=f"P{data.priority}",
            latitude=c.latitude,
            longitude=c.longitude,
            address=c.address,
            description=c.description,
            assignee_id=a.official_id,
            assignee_name=a.official_name,
            assignee_designation=a.designation,
            sla_due_at=data.sla_due_at,
            issued_at=data.issued_at,
            issuer=f"Zonal Commissioner, {zone_name(a.zone)}",
            key_id=key_id,
            resolved_at=data.resolved_at,
            proof=tuple(data.proof) if data.proof else None,
        )

    def _seal(self, content: NoticeContent) -> SealedNotice:
        try:
            private_key = self.keys.private_key(content.key_id)
        except SigningKeyError as exc:  # e.g. the passphrase is missing on this worker
            raise ApplicationError(str(exc), type="NoSigningKey") from None
        return seal_notice(content, private_key, self.public_url)

    async def _put(self, s3_key: str, sealed: SealedNotice) -> None:
        await asyncio.to_thread(
            self.s3.put_object,
            Bucket=self.bucket,
            Key=s3_key,
            Body=sealed.pdf,
            ContentType="application/pdf",
            Metadata={"sha256": sealed.pdf_sha256.hex(), "key-id": sealed.key_id},
        )

    async def _stored_matches(self, row: dict[str, Any]) -> bool:
        """True when S3 holds the PDF the record describes."""
        try:
            head = await asyncio.to_thread(
                self.s3.head_object, Bucket=self.bucket, Key=row["s3_key"]
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return head.get("Metadata", {}).get("sha256") == row["pdf_sha256"]

    async def _repair(self, data: IssueNoticeInput, row: dict[str, Any]) -> None:
        """Re-render the recorded notice (rendering is deterministic) and store it again."""
        content = await self._content(data, row["notice_id"], key_id=row["key_id"])
        sealed = await asyncio.to_thread(self._seal, content)
        if sealed.pdf_sha256.hex() != row["pdf_sha256"]:
            raise ApplicationError(
                f"notice {row['notice_id']} cannot be reproduced byte for byte "
                f"(recorded sha256 {row['pdf_sha256']}, rendered {sealed.pdf_sha256.hex()})",
                type="NoticeMismatch",
                non_retryable=True,
            )
        await self._put(row["s3_key"], sealed)
