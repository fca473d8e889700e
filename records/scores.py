"""The reward ledger in the database: idempotent writes, an official's score, the leaderboard."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any

from domain.scores import ScoreEvent, ScoreInput, period_of, points_for, tier_for
from records.db import write
from records.tables import Official, ScoreEntry

RESOLVED = (ScoreEvent.RESOLVED_ON_TIME.value, ScoreEvent.RESOLVED_LATE.value)
MAX_ENTRIES = 500  # ledger entries returned with an official's score, newest first

ENTRY_COLUMNS = (
    ScoreEntry.tracking_id,
    ScoreEntry.event,
    ScoreEntry.level,
    ScoreEntry.occurrence,
    ScoreEntry.priority,
    ScoreEntry.points,
    ScoreEntry.period,
    ScoreEntry.at,
    ScoreEntry.city,
    ScoreEntry.zone,
    ScoreEntry.ward_id,
)


def entry_key(entry: ScoreInput) -> str:
    """The ledger key that makes a write idempotent: one row per (case, event, level, n)."""
    return f"{entry.tracking_id}:{entry.event}:L{entry.level}:{entry.occurrence}"


def current_period() -> str:
    """This month in IST, as "YYYY-MM"."""
    return period_of(datetime.now(UTC))


async def record(entry: ScoreInput) -> int:
    """Write one ledger entry unless it exists; the points of the stored row (the first wins).

    ValueError for an unknown event or priority.
    """
    points = points_for(entry.event, entry.priority)
    key = entry_key(entry)
    await write(
        [
            ScoreEntry.insert(
                ScoreEntry(
                    entry_key=key,
                    official=entry.official_id,
                    official_name=entry.official_name,
                    city=entry.city,
                    zone=entry.zone,
                    ward_id=entry.ward_id,
                    tracking_id=entry.tracking_id,
                    event=entry.event,
                    level=entry.level,
                    occurrence=entry.occurrence,
                    priority=entry.priority,
                    points=points,
                    period=period_of(entry.at),
                    at=entry.at,
                )
            ).on_conflict(target=ScoreEntry.entry_key, action="DO NOTHING")
        ]
    )
    stored = await ScoreEntry.select(ScoreEntry.points).where(ScoreEntry.entry_key == key).first()
    assert stored is not None
    return stored["points"]


async def official(official_id: int) -> dict[str, Any] | None:
    """One roster official with their ward and zone names, or None."""
    return (
        await Official.select(
            Official.id,
            Official.name,
            Official.designation,
            Official.level,
            Official.active,
            Official.city.slug.as_alias("city"),
            Official.zone.name.as_alias("zone"),
            Official.ward.ward_id.as_alias("ward_id"),
            Official.ward.name.as_alias("ward_name"),
        )
        .where(Official.id == official_id)
        .first()
    )


async def official_score(official_id: int, period: str | None) -> dict[str, Any]:
    """An official's score: for one month, or all-time with this month's total and tier.

    Keys: period, total, tier (of the month: the given one, else the current one),
    tier_period, current_total, monthly ({period: total}, newest first), counts (per event),
    entry_count, entries (newest first, at most MAX_ENTRIES).
    """
    query = ScoreEntry.select(*ENTRY_COLUMNS).where(ScoreEntry.official == official_id)
    rows = await query.order_by(ScoreEntry.at, ascending=False).order_by(
        ScoreEntry.id, ascending=False
    )
    monthly: dict[str, int] = defaultdict(int)
    for row in rows:
        monthly[row["period"]] += row["points"]
    months = dict(sorted(monthly.items(), reverse=True))
    now = current_period()
    if period is not None:
        rows = [r for r in rows if r["period"] == period]
    total = sum(r["points"] for r in rows)
    tier_period = period or now
    tier_total = total if period is not None else months.get(now, 0)
    return {
        "period": period,
        "total": total,
        "tier": tier_for(tier_total),
        "tier_period": tier_period,
        "current_total": months.get(now, 0),
        "monthly": months,
        "counts": dict(Counter(r["event"] for r in rows)),
        "entry_count": len(rows),
        "entries": rows[:MAX_ENTRIES],
    }


async def leaderboard(
    city: str | None, zone: str | None, period: str, limit: int
) -> list[dict[str, Any]]:
    """A month's ranking: total desc, then fewer penalties, then official id; top `limit`.

    `zone` and `city` filter by where the points were earned (the case's zone and city).
    """
    query = ScoreEntry.select(
        ScoreEntry.official,
        ScoreEntry.official_name,
        ScoreEntry.tracking_id,
        ScoreEntry.event,
        ScoreEntry.points,
        ScoreEntry.zone,
    ).where(ScoreEntry.period == period, ScoreEntry.official.is_not_null())
    if city:
        query = query.where(ScoreEntry.city == city.strip().lower())
    wanted_zone = zone.strip().casefold() if zone else None
    board: dict[int, dict[str, Any]] = {}
    for row in await query:
        if wanted_zone is not None and row["zone"].casefold() != wanted_zone:
            continue
        item = board.setdefault(
            row["official"],
            {"total": 0, "penalties": 0, "resolved": set(), "name": row["official_name"]},
        )
        item["total"] += row["points"]
        item["penalties"] += row["points"] < 0
        if row["event"] in RESOLVED:
            item["resolved"].add(row["tracking_id"])
    ranked = sorted(board.items(), key=lambda kv: (-kv[1]["total"], kv[1]["penalties"], kv[0]))
    top = ranked[:limit]
    roster = {
        r["id"]: r
        for r in await Official.select(
            Official.id,
            Official.name,
            Official.designation,
            Official.level,
            Official.zone.name.as_alias("zone"),
            Official.ward.ward_id.as_alias("ward_id"),
        ).where(Official.id.is_in([oid for oid, _ in top] or [-1]))
    }
    result = []
    for rank, (official_id, item) in enumerate(top, start=1):
        person = roster.get(official_id, {})
        result.append(
            {
                "rank": rank,
                "official_id": official_id,
                "name": person.get("name") or item["name"],
                "designation": person.get("designation"),
                "level": person.get("level"),
                "zone": person.get("zone"),
                "ward_id": person.get("ward_id"),
                "total": item["total"],
                "tier": tier_for(item["total"]),
                "cases_resolved": len(item["resolved"]),
                "penalties": item["penalties"],
            }
        )
    return result
