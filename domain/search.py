"""A case search as both sides understand it: the validated filters, what "overdue" means.

The database answers it (records/search.py: SQL over the projection, keyset pages) and so
does Temporal visibility (workflows/visibility.py: the list-filter over the search
attributes); both read the same `Filters`, so the API and the Temporal UI give the same cases.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from domain.case import OPEN

OPEN_STATUSES: tuple[str, ...] = tuple(sorted(s.value for s in OPEN))
MAX_RANGE = timedelta(days=366)  # the longest filing range one search may span


def iso(value: datetime) -> str:
    """UTC ISO 8601 with microseconds: one spelling per instant."""
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def is_overdue(status: str, sla_due_at: datetime | None, now: datetime) -> bool:
    """Work is due (an open status) and its deadline has passed."""
    return status in OPEN_STATUSES and sla_due_at is not None and sla_due_at < now


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
            "from": iso(self.filed_from) if self.filed_from else None,
            "until": iso(self.filed_until) if self.filed_until else None,
        }
        canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]
