"""A city's own cases as the breach-risk model's training data (`--format civicops`).

Each complaint with a verdict becomes a `Filing` of what was known when it was filed, and a
label: did it breach the SLA that applied? A deadline passed (`sla_breaches` > 0), or it was
resolved late (`resolved_on_time` false). Cases still within their deadline, withdrawn ones
and those outside every ward have no verdict yet and are left out. As for the Boston file,
the ward's backlog and the category's last 7 days are counted in one pass in order of
filing, from when each earlier case was filed and ended (resolved, closed or withdrawn).
"""

from __future__ import annotations

from datetime import datetime

from domain.rollup import as_aware
from domain.stats import IST
from records.tables import Complaint
from risk.boston import Labelled
from risk.features import Surroundings, civicops_filing

NEVER = datetime.max.replace(tzinfo=IST)
_BATCH = 5_000


async def read_history(city: str) -> list[Labelled]:
    """Every case of the city with a verdict, in order of filing."""
    rows = []
    last = 0
    columns = (
        "id, tracking_id, category, ward_id, source, description, filed_at, status, "
        "sla_breaches, resolved_on_time, resolved_at, closed_at, updated_at"
    )
    while True:
        batch = await Complaint.raw(
            f"SELECT {columns} FROM complaint WHERE city = {{}} AND id > {{}} "
            f"ORDER BY id LIMIT {_BATCH}",
            city,
            last,
        )
        if not batch:
            break
        rows += batch
        last = batch[-1]["id"]
    for row in rows:
        for name in ("filed_at", "resolved_at", "closed_at", "updated_at"):
            row[name] = as_aware(row[name])
    rows.sort(key=lambda r: (r["filed_at"], r["tracking_id"]))
    around = Surroundings()
    out = []
    for row in rows:
        filed, ward, category = row["filed_at"], row["ward_id"] or "", row["category"]
        backlog, recent = around.at(filed, ward, category)
        filing = civicops_filing(
            category, filed, ward, row["source"] or "", row["description"] or "", backlog, recent
        )
        verdict = _verdict(row)
        if verdict is not None:
            out.append(Labelled(row["tracking_id"], filing, verdict))
        around.add(filed, _ended(row), ward, category)
    return out


def _verdict(row: dict) -> bool | None:
    """Whether the case breached its SLA; None while it cannot be said yet."""
    if row["status"] in ("WITHDRAWN", "OUTSIDE_CITY", "FILED", "TRIAGED"):
        return None
    if (row["sla_breaches"] or 0) > 0:
        return True
    if row["resolved_on_time"] is not None:
        return not row["resolved_on_time"]
    return None  # still within its deadline


def _ended(row: dict) -> datetime:
    """When the case stopped being open (never, for a case still open)."""
    if row["resolved_at"] is not None:
        return row["resolved_at"]
    if row["status"] in ("CLOSED", "WITHDRAWN", "OUTSIDE_CITY"):
        return row["closed_at"] or row["updated_at"] or NEVER
    return NEVER
