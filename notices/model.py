"""What a notice says: the fields that are rendered, put in the signed payload and stored."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from domain.notice_kinds import NoticeKind  # the vocabulary lives in domain/; kept importable here

PAYLOAD_VERSION = 1
IST = ZoneInfo("Asia/Kolkata")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_ist(value: datetime) -> str:
    """A time as notices, verdicts and officials print it: '27 Nov 2026, 14:30 IST'."""
    if value.tzinfo is None:
        raise ValueError("notice times must be timezone-aware")
    local = value.astimezone(IST)
    return f"{local.day:02d} {_MONTHS[local.month - 1]} {local.year}, {local:%H:%M} IST"


def notice_id(tracking_id: str, kind: NoticeKind, level: int, seq: int = 0) -> str:
    """The notice number: one per (complaint, kind, escalation level), e.g. BLR-…-ASG0.

    A repeat of the same kind at the same level (an L3 reminder, a re-issue after
    reassignment) gets a sequence suffix: BLR-…-SLA3-2.
    """
    base = f"{tracking_id}-{kind.code}{level}"
    return f"{base}-{seq}" if seq else base


@dataclass(frozen=True)
class NoticeContent:
    """Every field printed on a notice; the canonical JSON of this is the signed payload."""

    notice_id: str
    kind: NoticeKind
    level: int
    tracking_id: str
    city: str  # slug
    city_name: str
    corporation: str
    language: str  # the ward's language; the notice is in English and this language
    zone: str
    ward_id: str
    ward_name: str
    category: str  # code
    category_name: str
    priority: str  # "P1".."P4"
    latitude: float
    longitude: float
    address: str | None
    description: str
    assignee_id: int
    assignee_name: str
    assignee_designation: str
    sla_due_at: datetime | None
    issued_at: datetime
    issuer: str  # the issuing authority printed on the notice
    key_id: str  # the signing key; part of the payload so a key cannot be swapped
    # Closure certificates only; left out of the payload when unset, so notices signed
    # before these fields existed keep their exact payload.
    resolved_at: datetime | None = None
    proof: tuple[str, ...] | None = None  # "after:<sha256>", "before:<sha256>"

    def payload(self) -> dict[str, Any]:
        """The JSON-ready payload: enums as strings, times as UTC ISO 8601 with Z."""
        out: dict[str, Any] = {"v": PAYLOAD_VERSION}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in _OPTIONAL and value is None:
                continue
            if isinstance(value, tuple):
                value = list(value)
            if isinstance(value, datetime):
                value = _utc_iso(value)
            elif isinstance(value, NoticeKind):
                value = value.value
            out[f.name] = value
        return out

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> NoticeContent:
        """Rebuild the content from a payload (raises KeyError/ValueError if it is not one)."""
        if payload.get("v") != PAYLOAD_VERSION:
            raise ValueError(f"unsupported payload version {payload.get('v')!r}")
        values: dict[str, Any] = {}
        for f in fields(cls):
            value = payload.get(f.name) if f.name in _OPTIONAL else payload[f.name]
            if f.name in ("issued_at", "sla_due_at", "resolved_at") and value is not None:
                value = datetime.fromisoformat(value)
            elif f.name == "proof" and value is not None:
                value = tuple(value)
            elif f.name == "kind":
                value = NoticeKind(value)
            values[f.name] = value
        return cls(**values)

    def as_dict(self) -> dict[str, Any]:
        """A plain dict of the fields (datetimes kept)."""
        return asdict(self)


_OPTIONAL = frozenset({"resolved_at", "proof"})


def _utc_iso(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("notice times must be timezone-aware")
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def canonical_json(payload: dict[str, Any]) -> bytes:
    """The one byte form of a payload: sorted keys, no spaces, UTF-8, no NaN."""
    return json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def payload_digest(payload: dict[str, Any]) -> bytes:
    """SHA-256 of the canonical payload: what the QR code's signature covers."""
    return hashlib.sha256(canonical_json(payload)).digest()
