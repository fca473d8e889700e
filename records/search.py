"""Case search over the complaint projection: the filters as SQL, keyset pages, cursors.

The filters are `domain.search.Filters`; Temporal visibility answers the same ones
(workflows/visibility.py), so the API and the Temporal UI give the same cases. Values reach
the database only as Piccolo query parameters.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from domain.ids import TRACKING_ID_RE
from domain.search import MAX_RANGE, OPEN_STATUSES, Filters, is_overdue
from domain.search import iso as _iso
from records.tables import Complaint

__all__ = [
    "MAX_RANGE",
    "OPEN_STATUSES",
    "CursorError",
    "Filters",
    "Page",
    "Position",
    "conditions",
    "decode_cursor",
    "encode_cursor",
    "is_overdue",
    "search",
]

_CURSOR_RE = re.compile(r"[A-Za-z0-9_-]{1,400}")
_CURSOR_VERSION = 1


class CursorError(ValueError):
    """A cursor that is malformed, tampered with, or belongs to another search."""


@dataclass(frozen=True)
class Position:
    """Where a page ended: the last case's filing time and tracking id."""

    filed_at: datetime
    tracking_id: str


@dataclass
class Page:
    """One page of projection rows, newest filing first, and where the next page starts."""

    rows: list[dict[str, Any]]
    next: Position | None


def conditions(f: Filters) -> list[Any]:
    """Piccolo `where` clauses on Complaint for the filters (all of them must hold)."""
    where: list[Any] = []
    if f.city is not None:
        where.append(Complaint.city == f.city)
    if f.ward is not None:
        where.append(Complaint.ward_id == f.ward)
    if f.zone is not None:
        where.append(Complaint.zone == f.zone)
    if f.statuses:
        where.append(Complaint.status.is_in(list(f.statuses)))
    if f.categories:
        where.append(Complaint.category.is_in(list(f.categories)))
    if f.supervisor is not None:
        where.append(Complaint.assignee == f.supervisor)
    if f.level is not None:
        where.append(Complaint.escalation_level == f.level)
    if f.priority is not None:
        where.append(Complaint.priority == f.priority)
    if f.overdue is True:
        where.append(Complaint.status.is_in(list(OPEN_STATUSES)) & (Complaint.sla_due_at < f.now))
    elif f.overdue is False:
        where.append(
            Complaint.status.not_in(list(OPEN_STATUSES))
            | Complaint.sla_due_at.is_null()
            | (Complaint.sla_due_at >= f.now)
        )
    if f.filed_from is not None:
        where.append(Complaint.filed_at >= f.filed_from)
    if f.filed_until is not None:
        where.append(Complaint.filed_at < f.filed_until)
    return where


async def search(
    f: Filters, *, scope: Any | None, limit: int, after: Position | None = None
) -> Page:
    """One page of matching cases within a caller's scope, newest filing first (keyset)."""
    query = Complaint.select(
        Complaint.tracking_id,
        Complaint.status,
        Complaint.category,
        Complaint.city,
        Complaint.priority,
        Complaint.ward_id,
        Complaint.ward_name,
        Complaint.zone,
        Complaint.assignee,
        Complaint.assignee_name,
        Complaint.assignee.level.as_alias("assignee_level"),
        Complaint.escalation_level,
        Complaint.filed_at,
        Complaint.sla_due_at,
    )
    where = conditions(f)
    if scope is not None:
        where.append(scope)
    if after is not None:
        where.append(
            (Complaint.filed_at < after.filed_at)
            | ((Complaint.filed_at == after.filed_at) & (Complaint.tracking_id < after.tracking_id))
        )
    for clause in where:
        query = query.where(clause)
    rows = await query.order_by(Complaint.filed_at, Complaint.tracking_id, ascending=False).limit(
        limit + 1
    )
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if more else None
    return Page(rows, Position(last["filed_at"], last["tracking_id"]) if last else None)


# --- cursors --------------------------------------------------------------------------------


def encode_cursor(f: Filters, position: Position) -> str:
    """An opaque cursor: where the page ended, the search's `now`, and the search's digest."""
    payload = {
        "v": _CURSOR_VERSION,
        "at": _iso(position.filed_at),
        "id": position.tracking_id,
        "now": _iso(f.now),
        "q": f.digest(),
    }
    raw = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _instant(value: object) -> datetime:
    """A UTC instant from a cursor, in the exact form this server writes."""
    if not isinstance(value, str) or len(value) > 40:
        raise CursorError("malformed")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise CursorError("malformed") from None
    if parsed.tzinfo is None or parsed.utcoffset() != timedelta(0):
        raise CursorError("malformed")
    return parsed


def decode_cursor(token: str, f: Filters) -> tuple[Position, Filters]:
    """The position a cursor points after and the filters with its `now`; CursorError if the
    cursor is malformed or was issued for a different search."""
    if not _CURSOR_RE.fullmatch(token):
        raise CursorError("malformed")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        payload = json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError):
        raise CursorError("malformed") from None
    if not isinstance(payload, dict) or set(payload) != {"v", "at", "id", "now", "q"}:
        raise CursorError("malformed")
    if payload["v"] != _CURSOR_VERSION:
        raise CursorError("malformed")
    tracking_id = payload["id"]
    if not isinstance(tracking_id, str) or not TRACKING_ID_RE.fullmatch(tracking_id):
        raise CursorError("malformed")
    filed_at, now = _instant(payload["at"]), _instant(payload["now"])
    if payload["q"] != f.digest():
        raise CursorError("belongs to a different search: start again without a cursor")
    if encode_cursor(replace(f, now=now), Position(filed_at, tracking_id)) != token:
        raise CursorError("malformed")  # only the exact form this server writes is accepted
    return Position(filed_at, tracking_id), replace(f, now=now)
