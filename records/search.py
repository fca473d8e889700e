"""Case search: filters over the complaint projection, keyset pages, and the same filters in
Temporal's list-filter language, so the API and Temporal visibility give the same cases.

Values reach the database only as Piccolo query parameters. The Temporal query is built from
validated values, each quoted and escaped here, never pasted from raw input.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.case import OPEN
from domain.ids import TRACKING_ID_RE
from records.tables import Complaint
from workflows import search_attributes as sa

WORKFLOW_TYPE = "ComplaintWorkflow"
OPEN_STATUSES: tuple[str, ...] = tuple(sorted(s.value for s in OPEN))
MAX_RANGE = timedelta(days=366)
_CURSOR_RE = re.compile(r"[A-Za-z0-9_-]{1,400}")
_CURSOR_VERSION = 1


class CursorError(ValueError):
    """A cursor that is malformed, tampered with, or belongs to another search."""


@dataclass(frozen=True)
class Filters:
    """A validated search. Datetimes are UTC; the filing range is half-open [from, until)."""

    now: datetime  # the instant `overdue` is judged at (kept by the cursor across pages)
    city: str | None = None
    ward: str | None = None
    zone: str | None = None
    statuses: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    supervisor: int | None = None  # the official the case is now assigned to
    supervisor_name: str | None = None  # that official's name: Temporal's Supervisor holds both
    level: int | None = None  # escalation level
    priority: int | None = None
    overdue: bool | None = None  # True: open and past due; False: anything else
    filed_from: datetime | None = None
    filed_until: datetime | None = None

    def digest(self) -> str:
        """A short fingerprint of what is searched for (not of `now`), to bind cursors to it."""
        parts = {
            "city": self.city,
            "ward": self.ward,
            "zone": self.zone,
            "statuses": sorted(self.statuses),
            "categories": sorted(self.categories),
            "supervisor": self.supervisor,
            "level": self.level,
            "priority": self.priority,
            "overdue": self.overdue,
            "from": _iso(self.filed_from) if self.filed_from else None,
            "until": _iso(self.filed_until) if self.filed_until else None,
        }
        canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]


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


def _iso(value: datetime) -> str:
    """UTC ISO 8601 with microseconds: one spelling per instant."""
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def is_overdue(status: str, sla_due_at: datetime | None, now: datetime) -> bool:
    """Work is due (an open status) and its deadline has passed."""
    return status in OPEN_STATUSES and sla_due_at is not None and sla_due_at < now


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


# --- the same search in Temporal's list-filter language -----------------------------------


def quote(value: str) -> str:
    """A double-quoted string literal for a Temporal list filter, backslash-escaped."""
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        raise ValueError("control characters cannot be searched for")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _when(value: datetime) -> str:
    """A datetime literal for a Temporal list filter."""
    return quote(_iso(value).replace("+00:00", "Z"))


def _one_of(name: str, values: tuple[str, ...]) -> str:
    """`Name = "v"` for one value, `Name IN ("a", "b")` for several."""
    if len(values) == 1:
        return f"{name} = {quote(values[0])}"
    return f"{name} IN ({', '.join(quote(v) for v in values)})"


def visibility_query(f: Filters) -> str:
    """The filters over CivicOps' search attributes, for `list_workflows` or the Temporal UI.

    Only the current run of each case is matched (a continued-as-new run is left out), so each
    case appears once, as it does in the projection.
    """
    parts = [
        f"WorkflowType = {quote(WORKFLOW_TYPE)}",
        'ExecutionStatus != "ContinuedAsNew"',
    ]
    if f.city is not None:
        parts.append(f"{sa.CITY.name} = {quote(f.city)}")
    if f.ward is not None:
        parts.append(f"{sa.WARD.name} = {quote(f.ward)}")
    if f.zone is not None:
        parts.append(f"{sa.ZONE.name} = {quote(f.zone)}")
    if f.statuses:
        parts.append(_one_of(sa.STATUS.name, f.statuses))
    if f.categories:
        parts.append(_one_of(sa.CATEGORY.name, f.categories))
    if f.supervisor is not None:
        if f.supervisor_name is None:
            raise ValueError("the supervisor's name is needed: Temporal holds 'Name #id'")
        value = sa.supervisor_value(f.supervisor_name, int(f.supervisor))
        parts.append(f"{sa.SUPERVISOR.name} = {quote(value)}")
    if f.level is not None:
        parts.append(f"{sa.ESCALATION_LEVEL.name} = {int(f.level)}")
    if f.priority is not None:
        parts.append(f"{sa.PRIORITY.name} = {quote(f'P{int(f.priority)}')}")
    if f.overdue is True:
        parts.append(_one_of(sa.STATUS.name, OPEN_STATUSES))
        parts.append(f"{sa.SLA_DUE_AT.name} < {_when(f.now)}")
    elif f.overdue is False:
        not_open = ", ".join(quote(s) for s in OPEN_STATUSES)
        parts.append(
            f"({sa.STATUS.name} NOT IN ({not_open}) OR {sa.SLA_DUE_AT.name} IS NULL "
            f"OR {sa.SLA_DUE_AT.name} >= {_when(f.now)})"
        )
    if f.filed_from is not None:
        parts.append(f"{sa.FILED_AT.name} >= {_when(f.filed_from)}")
    if f.filed_until is not None:
        parts.append(f"{sa.FILED_AT.name} < {_when(f.filed_until)}")
    return " AND ".join(parts)
