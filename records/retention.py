"""Retention: which citizens' personal data must be erased now (DPDP s.8(7), s.12(3)).

A citizen is one `citizen_key`; their data is every reporter row sealed under it. Their key is
due for shredding (records/vault.py) when it is still live and either

- **consent withdrawn**: one of their reporter rows has `erase_due_at` at or before now and is
  not yet erased, even with cases open; or
- **retention**: every case any of their reporter rows filed or joined (`Complaint.reporter`,
  `CaseReport.reporter`) is closed (CLOSED, WITHDRAWN or OUTSIDE_CITY) for longer than its
  city's `retention_days`. One open case or one recent closure keeps all of their data.

Either way only if no case of theirs is in a city whose policy says `erasure = false`: such a
city keeps its records under s.17(4), at retention and on request alike (docs/privacy.md).

A case-report whose complaint row is not written yet counts as open, and so does a reporter
row linked to no case that is younger than UNLINKED_GRACE (a filing still on its way); an
older one is an orphan and holds nothing back. The closing time is `closed_at`, else
`updated_at`. The aggregate runs in SQL (no parameters, so it reads the same on SQLite and
PostgreSQL); the times are compared here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from domain.privacy import PrivacyPolicy
from domain.rollup import as_aware
from domain.states import TERMINAL
from records.tables import CaseReport, CitizenKey, Complaint, Reporter

CONSENT_WITHDRAWN, RETENTION = "consent withdrawn", "retention"
REASONS = (CONSENT_WITHDRAWN, RETENTION)
UNLINKED_GRACE = timedelta(days=7)

_CLOSED = ", ".join(f"'{s.value}'" for s in sorted(TERMINAL))
_C, _CR, _R, _K = (t._meta.tablename for t in (Complaint, CaseReport, Reporter, CitizenKey))

# Per live citizen key and city: how many of their cases are open, and the latest closure.
_CASES_SQL = f"""
WITH links AS (
    SELECT reporter AS reporter_id, tracking_id FROM {_C} WHERE reporter IS NOT NULL
    UNION
    SELECT reporter AS reporter_id, tracking_id FROM {_CR} WHERE reporter IS NOT NULL
)
SELECT r.citizen_key AS key_id, c.city AS city,
       SUM(CASE WHEN c.status IN ({_CLOSED}) THEN 0 ELSE 1 END) AS open_cases,
       MAX(COALESCE(c.closed_at, c.updated_at)) AS last_closed
FROM links l
JOIN {_R} r ON r.id = l.reporter_id
JOIN {_K} k ON k.id = r.citizen_key
LEFT JOIN {_C} c ON c.tracking_id = l.tracking_id
WHERE k.wrapped IS NOT NULL
GROUP BY r.citizen_key, c.city
"""

# Per live citizen key: the newest of their reporter rows that no case links to.
_UNLINKED_SQL = f"""
SELECT r.citizen_key AS key_id, MAX(r.created_at) AS newest
FROM {_R} r
JOIN {_K} k ON k.id = r.citizen_key
WHERE k.wrapped IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM {_C} c WHERE c.reporter = r.id)
  AND NOT EXISTS (SELECT 1 FROM {_CR} cr WHERE cr.reporter = r.id)
GROUP BY r.citizen_key
"""


@dataclass
class _Citizen:
    """What decides one citizen key: their cases' cities, and what holds their data back."""

    cities: set[str | None] = field(default_factory=set)
    held: bool = False  # an open case, a recent closure, a filing on its way: not yet
    kept: bool = False  # a case in a city that keeps its records (erasure = false): never


def _judge(
    rows: Iterable[dict], now: datetime, policy_for: Callable[[str], PrivacyPolicy]
) -> dict[int, _Citizen]:
    """Each key's cities, and whether an open case, a recent closure or a city holds it."""
    citizens: dict[int, _Citizen] = {}
    for row in rows:
        citizen = citizens.setdefault(row["key_id"], _Citizen())
        city = row["city"]
        citizen.cities.add(city)
        policy = policy_for(city) if city is not None else None
        if policy is not None and not policy.erasure:
            citizen.kept = True
        if policy is None or row["open_cases"]:
            citizen.held = True  # an open case, or a case-report whose case is not written yet
            continue
        last = as_aware(row["last_closed"])
        if last is None or last > now - timedelta(days=policy.retention_days):
            citizen.held = True
    return citizens


async def due_by_reason(
    now: datetime,
    policy_for: Callable[[str], PrivacyPolicy],
    *,
    cities: Iterable[str] | None = None,
) -> dict[int, str]:
    """Citizen key ids whose data must be erased now, with the reason (module docstring).

    `cities`, if given, limits the run to citizens with a case in one of them (their cases
    elsewhere still count).
    """
    scope = set(cities) if cities else None
    citizens = _judge(await Complaint.raw(_CASES_SQL), now, policy_for)
    for row in await Reporter.raw(_UNLINKED_SQL):
        newest = as_aware(row["newest"])
        if row["key_id"] in citizens and (newest is None or newest > now - UNLINKED_GRACE):
            citizens[row["key_id"]].held = True

    def in_scope(key_id: int) -> bool:
        """Whether the run covers this citizen, and no city of theirs keeps their data."""
        citizen = citizens.get(key_id, _Citizen())
        return not citizen.kept and (scope is None or bool(citizen.cities & scope))

    due = {k: RETENTION for k, c in citizens.items() if not c.held and in_scope(k)}
    withdrawn = await Reporter.select(Reporter.citizen_key).where(
        Reporter.citizen_key.is_not_null()
        & Reporter.citizen_key.wrapped.is_not_null()
        & Reporter.erase_due_at.is_not_null()
        & (Reporter.erase_due_at <= now)
        & Reporter.erased_at.is_null()
    )
    for row in withdrawn:
        if in_scope(row["citizen_key"]):
            due[row["citizen_key"]] = CONSENT_WITHDRAWN
    return dict(sorted(due.items()))


async def due(
    now: datetime,
    policy_for: Callable[[str], PrivacyPolicy],
    *,
    cities: Iterable[str] | None = None,
) -> list[int]:
    """Citizen key ids whose personal data must be erased now, in order."""
    return list(await due_by_reason(now, policy_for, cities=cities))
