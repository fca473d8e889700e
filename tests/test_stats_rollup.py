"""The rollups behind the public figures move with each case: reassigned, escalated, resolved,
reopened, replayed or retried at once, a case counts once, where it now stands."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

from stats_helpers import case_state
from stats_helpers import stats_city as stats_city  # fixture

from domain.case import CaseEvent, CaseState, Status
from records import projection, rollup
from records.tables import ComplaintHeat, ComplaintRollup

FILED = datetime(2026, 10, 14, 6, 30, tzinfo=UTC)
RANGE = {"from": "2026-10-01", "to": "2026-10-31"}  # one whole month: its rollup rows


async def _kept(city: str) -> dict[str, Any]:
    """Every rollup row of the city, by key, zero columns left out."""
    out: dict[str, Any] = {}
    for table, key in ((ComplaintRollup, rollup.FIGURE_KEY), (ComplaintHeat, rollup.HEAT_KEY)):
        for row in await table.select().where(table.city == city):
            values = {c: n for c, n in row.items() if c not in (*key, "id") and n}
            if values:
                out[repr(tuple(str(row[c]) for c in key))] = values
    return out


async def _same_as_counted_again(city: str) -> dict[str, Any]:
    """The rollups the record step kept equal the ones counted again from the projection."""
    kept = await _kept(city)
    assert await rollup.rebuild(city) >= 1
    assert await _kept(city) == kept
    return kept


def _revise(state: CaseState, revision: int, **changes: Any) -> CaseState:
    return dataclasses.replace(state, revision=revision, **changes)


async def _record(state: CaseState, kind: str = "revised") -> None:
    event = CaseEvent(state.revision, kind, state.status, FILED, "rollup-test")
    await projection.record(state, event)


async def _ward_figures(api: Any, city: str) -> dict[str, dict[str, Any]]:
    body = (await api.get("/v1/stats/wards", params={"city": city, **RANGE})).json()
    return {w["ward_id"]: w for w in body["wards"]}


async def test_a_moved_resolved_and_reopened_case_counts_once_where_it_now_stands(api, stats_city):
    north, south = stats_city.wards[0], stats_city.wards[2]
    filed = case_state(stats_city, None, status="FILED", category="pothole", filed_at=FILED)
    filed = _revise(filed, 1, assignment=None)
    await _record(filed, "filed")
    summary = {"city": stats_city.slug, **RANGE}
    body = (await api.get("/v1/stats/summary", params=summary)).json()
    assert (body["filed"], body["open"]) == (1, 1)
    assert all(w["filed"] == 0 for w in (await _ward_figures(api, stats_city.slug)).values())

    placed = case_state(stats_city, north, status="ASSIGNED", category="pothole", filed_at=FILED)
    placed = _revise(placed, 2, complaint=filed.complaint)
    await _record(placed)
    assert (await _ward_figures(api, stats_city.slug))[north.ward_id]["filed"] == 1
    await _same_as_counted_again(stats_city.slug)

    moved = case_state(stats_city, south, status="ESCALATED", category="pothole", filed_at=FILED)
    moved = _revise(moved, 3, complaint=filed.complaint, escalation_level=2)
    await _record(moved)
    await _record(placed)  # an older revision, replayed late, changes nothing
    wards = await _ward_figures(api, stats_city.slug)
    assert (wards[north.ward_id]["filed"], wards[south.ward_id]["filed"]) == (0, 1)
    assert wards[south.ward_id]["escalations_by_level"] == {"1": 0, "2": 1, "3": 0}
    zones = (await api.get("/v1/stats/wards", params=summary)).json()["zones"]
    assert {z["zone"]: z["filed"] for z in zones} == {"North": 0, "South": 1}

    done = _revise(
        moved,
        4,
        status=Status.RESOLVED,
        resolved_at=FILED + timedelta(hours=30),
    )
    await _record(done)
    await _record(done)  # a retry of the same revision, too
    body = (await api.get("/v1/stats/summary", params=summary)).json()
    assert (body["filed"], body["open"], body["resolved"], body["on_time_share"]) == (1, 0, 1, 1.0)
    assert abs(body["median_hours_to_resolve"] - 30) <= 3
    await _same_as_counted_again(stats_city.slug)

    reopened = _revise(done, 5, status=Status.REOPENED, resolved_at=None)
    await _record(reopened)
    body = (await api.get("/v1/stats/summary", params=summary)).json()
    assert (body["open"], body["resolved"], body["median_hours_to_resolve"]) == (1, 0, None)
    kept = await _same_as_counted_again(stats_city.slug)
    assert all(n >= 0 for values in kept.values() for n in values.values())


async def test_retries_of_a_case_at_the_same_moment_count_it_once(api, stats_city):
    ward = stats_city.wards[1]
    first = case_state(stats_city, ward, status="ASSIGNED", category="pothole", filed_at=FILED)
    first = _revise(first, 1)
    await asyncio.gather(*(_record(first, "filed") for _ in range(4)))
    later = [
        _revise(first, revision, status=Status.ESCALATED, escalation_level=revision - 1)
        for revision in (2, 3, 4)
    ]
    await asyncio.gather(*(_record(state) for state in later * 2))
    body = (await api.get("/v1/stats/summary", params={"city": stats_city.slug, **RANGE})).json()
    assert body["filed"] == 1
    assert body["escalations_by_level"] == {"1": 0, "2": 0, "3": 1}  # the newest revision won
    await _same_as_counted_again(stats_city.slug)
