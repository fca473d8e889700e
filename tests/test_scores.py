"""Reward scores: the points policy, the idempotent ledger, IST months, ranking and access."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from helpers import auth
from temporalio.exceptions import ApplicationError

from activities.scores import ScoreActivities
from domain.scores import ScoreEvent, ScoreInput, period_of, points_for, tier_for
from records import scores as score_records
from records.apikeys import authenticate
from records.tables import Official, ScoreEntry, Zone

# Months no other test writes to: totals there are exactly what these tests record.
TOTALS_MONTH = datetime(2019, 3, 10, 6, 0, tzinfo=UTC)
BOARD_MONTH = datetime(2019, 4, 10, 6, 0, tzinfo=UTC)
API_BOARD_MONTH = datetime(2019, 6, 10, 6, 0, tzinfo=UTC)
SCRATCH_MONTH = datetime(2019, 8, 10, 6, 0, tzinfo=UTC)  # tests that check rows, not totals


def _tracking_id() -> str:
    """A tracking id no other test uses (the ledger is shared by the whole run)."""
    return "TST-" + uuid.uuid4().hex[:10].upper()


async def _supervisors(count: int, *, zone: str | None = None) -> list[dict]:
    """Level-0 officials from the roster, with their zone name, in id order."""
    query = Official.select(
        Official.id, Official.name, Official.zone.name.as_alias("zone_name")
    ).where(Official.level == 0, Official.active == True)  # noqa: E712
    if zone is not None:
        query = query.where(Official.zone.name == zone)
    rows = await query.order_by(Official.id).limit(count)
    assert len(rows) == count
    return rows


def _entry(
    official: dict,
    event: ScoreEvent,
    *,
    priority: int = 3,
    at: datetime = SCRATCH_MONTH,
    tracking_id: str | None = None,
    level: int = 0,
    occurrence: int = 0,
) -> ScoreInput:
    return ScoreInput(
        tracking_id=tracking_id or _tracking_id(),
        event=event.value,
        level=level,
        occurrence=occurrence,
        official_id=official["id"],
        official_name=official["name"],
        city="bengaluru",
        zone=official["zone_name"],
        ward_id="test",
        priority=priority,
        at=at,
    )


# --- the policy, without a database ------------------------------------------------------


def test_points_policy():
    assert [points_for("resolved_on_time", p) for p in (1, 2, 3, 4)] == [40, 30, 20, 10]
    assert points_for("resolved_late", 1) == -10
    assert points_for("escalated_away", 4) == -15
    assert points_for("reopened", 2) == -20
    assert points_for("citizen_confirmed", 3) == 10
    with pytest.raises(ValueError, match="unknown score event"):
        points_for("bribed", 1)
    with pytest.raises(ValueError, match="priority"):
        points_for("resolved_on_time", 5)


def test_tiers():
    cases = {
        -1: "Under review",
        0: "Unranked",
        29: "Unranked",
        30: "Bronze",
        74: "Bronze",
        75: "Silver",
        149: "Silver",
        150: "Gold",
        900: "Gold",
    }
    assert {total: tier_for(total) for total in cases} == cases


def test_periods_are_ist_months():
    assert period_of(datetime(2026, 11, 30, 18, 29, tzinfo=UTC)) == "2026-11"
    assert period_of(datetime(2026, 11, 30, 18, 30, tzinfo=UTC)) == "2026-12"  # 00:00 IST
    assert period_of(datetime(2026, 11, 30, 19, 0, tzinfo=UTC)) == "2026-12"
    assert period_of(datetime(2026, 12, 31, 18, 30, tzinfo=UTC)) == "2027-01"
    ist = datetime(2026, 12, 1, 0, 5, tzinfo=UTC) + timedelta(hours=5, minutes=30)
    assert period_of(ist.replace(tzinfo=None)) == "2026-12"  # naive means UTC


# --- the ledger in PostgreSQL ------------------------------------------------------------


async def test_ledger_totals_and_tiers(database):
    low, high = await _supervisors(2)
    case = _tracking_id()
    for event, priority in (
        (ScoreEvent.RESOLVED_ON_TIME, 2),
        (ScoreEvent.ESCALATED_AWAY, 2),
        (ScoreEvent.CITIZEN_CONFIRMED, 2),
    ):
        await score_records.record(
            _entry(low, event, priority=priority, tracking_id=case, at=TOTALS_MONTH)
        )
    for _ in range(4):  # 4 x P1 on time = 160
        await score_records.record(
            _entry(high, ScoreEvent.RESOLVED_ON_TIME, priority=1, at=TOTALS_MONTH)
        )

    score = await score_records.official_score(low["id"], "2019-03")
    assert score["total"] == 25
    assert score["tier"] == "Unranked"
    assert score["counts"] == {"resolved_on_time": 1, "escalated_away": 1, "citizen_confirmed": 1}
    assert sorted(e["points"] for e in score["entries"]) == [-15, 10, 30]
    assert {e["tracking_id"] for e in score["entries"]} == {case}
    assert score["monthly"]["2019-03"] == 25

    gold = await score_records.official_score(high["id"], "2019-03")
    assert (gold["total"], gold["tier"]) == (160, "Gold")

    everything = await score_records.official_score(low["id"], None)
    assert everything["period"] is None
    assert everything["tier_period"] == score_records.current_period()
    assert everything["total"] == sum(everything["monthly"].values())


async def test_recording_is_idempotent_even_concurrently(database):
    (official,) = await _supervisors(1)
    entry = _entry(official, ScoreEvent.RESOLVED_ON_TIME, priority=2)
    key = score_records.entry_key(entry)

    first = await score_records.record(entry)
    again = await asyncio.gather(*(score_records.record(entry) for _ in range(3)))
    assert [first, *again] == [30, 30, 30, 30]
    assert await ScoreEntry.count().where(ScoreEntry.entry_key == key) == 1

    activities = ScoreActivities()
    results = await asyncio.gather(*(activities.record_score(entry) for _ in range(3)))
    assert results == [30, 30, 30]
    rows = await ScoreEntry.select(ScoreEntry.points).where(
        ScoreEntry.tracking_id == entry.tracking_id
    )
    assert [r["points"] for r in rows] == [30]

    # The next occurrence of the same event is a new entry, not a retry.
    await score_records.record(_entry(official, ScoreEvent.RESOLVED_ON_TIME, priority=2,
                                      tracking_id=entry.tracking_id, occurrence=1))  # fmt: skip
    assert await ScoreEntry.count().where(ScoreEntry.tracking_id == entry.tracking_id) == 2


async def test_unknown_event_is_a_non_retryable_bad_input(database):
    (official,) = await _supervisors(1)
    entry = _entry(official, ScoreEvent.REOPENED)
    entry.event = "made_up"
    with pytest.raises(ApplicationError) as caught:
        await ScoreActivities().record_score(entry)
    assert caught.value.type == "BadInput"
    assert caught.value.non_retryable
    assert await ScoreEntry.count().where(ScoreEntry.tracking_id == entry.tracking_id) == 0


async def test_an_event_belongs_to_its_ist_month(database):
    (official,) = await _supervisors(1)
    at = datetime(2026, 11, 30, 19, 0, tzinfo=UTC)  # 00:30 IST on 1 December
    entry = _entry(official, ScoreEvent.CITIZEN_CONFIRMED, at=at)
    await score_records.record(entry)
    row = await ScoreEntry.select(ScoreEntry.period).where(
        ScoreEntry.tracking_id == entry.tracking_id
    )
    assert row == [{"period": "2026-12"}]
    december = await score_records.official_score(official["id"], "2026-12")
    november = await score_records.official_score(official["id"], "2026-11")
    assert entry.tracking_id in {e["tracking_id"] for e in december["entries"]}
    assert entry.tracking_id not in {e["tracking_id"] for e in november["entries"]}


async def _board_fixture(month: datetime) -> dict[str, dict]:
    """A scripted month: ties on total broken by penalties, then by official id."""
    # The demo city's zones: other tests import cities whose zone names sort first.
    rows = await (
        Zone.select(Zone.name).where(Zone.city.slug == "bengaluru").order_by(Zone.name).limit(2)
    )
    zones = [z["name"] for z in rows]
    first_zone = await _supervisors(3, zone=zones[0])
    (other,) = await _supervisors(1, zone=zones[1])
    a, b, c = first_zone
    script = {
        # 50 with no penalty: P1 on time + confirmed.
        "a": (a, [(ScoreEvent.RESOLVED_ON_TIME, 1), (ScoreEvent.CITIZEN_CONFIRMED, 1)]),
        # 50 with one penalty: P1 + P3 on time, one late resolution.
        "b": (
            b,
            [
                (ScoreEvent.RESOLVED_ON_TIME, 1),
                (ScoreEvent.RESOLVED_ON_TIME, 3),
                (ScoreEvent.RESOLVED_LATE, 2),
            ],
        ),
        # 50 with no penalty too, but a higher id than a: after a.
        "c": (c, [(ScoreEvent.RESOLVED_ON_TIME, 2), (ScoreEvent.RESOLVED_ON_TIME, 3)]),
        # Another zone: -20, under review.
        "d": (other, [(ScoreEvent.REOPENED, 2)]),
    }
    for official, events in script.values():
        for event, priority in events:
            await score_records.record(_entry(official, event, priority=priority, at=month))
    return {name: official for name, (official, _) in script.items()} | {
        "zone": {"name": zones[0]},
        "other_zone": {"name": zones[1]},
    }


async def test_leaderboard_order_and_zone_filter(database):
    people = await _board_fixture(BOARD_MONTH)
    board = await score_records.leaderboard(None, None, "2019-04", 50)
    assert [r["official_id"] for r in board] == [
        people["a"]["id"],
        people["c"]["id"],
        people["b"]["id"],
        people["d"]["id"],
    ]
    assert [r["rank"] for r in board] == [1, 2, 3, 4]
    assert [r["total"] for r in board] == [50, 50, 50, -20]
    assert [r["tier"] for r in board] == ["Bronze", "Bronze", "Bronze", "Under review"]
    assert [r["cases_resolved"] for r in board] == [1, 2, 3, 0]
    assert [r["penalties"] for r in board] == [0, 0, 1, 1]
    assert board[0]["level"] == 0 and board[0]["zone"] == people["zone"]["name"]

    zoned = await score_records.leaderboard(
        None, people["other_zone"]["name"].upper(), "2019-04", 50
    )
    assert [r["official_id"] for r in zoned] == [people["d"]["id"]]
    assert [
        r["official_id"] for r in await score_records.leaderboard("bengaluru", None, "2019-04", 2)
    ] == [
        people["a"]["id"],
        people["c"]["id"],
    ]
    assert await score_records.leaderboard("mumbai", None, "2019-04", 50) == []


# --- the API -----------------------------------------------------------------------------


async def test_leaderboard_endpoint(api, api_keys):
    people = await _board_fixture(API_BOARD_MONTH)
    for role in ("citizen-app", "integrator", "supervisor", "auditor", "official", "admin"):
        resp = await api.get(
            "/v1/leaderboard",
            params={"period": "2019-06", "zone": people["zone"]["name"], "limit": 2},
            headers=auth(api_keys[role]),
        )
        assert resp.status_code == 200, (role, resp.text)
        body = resp.json()
        assert body["period"] == "2019-06"
        assert [r["official_id"] for r in body["rows"]] == [people["a"]["id"], people["c"]["id"]]
        assert [r["rank"] for r in body["rows"]] == [1, 2]

    resp = await api.get("/v1/leaderboard", headers=auth(api_keys["auditor"]))
    assert resp.status_code == 200
    assert resp.json()["period"] == score_records.current_period()
    assert resp.json()["limit"] == 50

    for bad in ("0", "201", "x"):
        resp = await api.get(
            "/v1/leaderboard", params={"limit": bad}, headers=auth(api_keys["auditor"])
        )
        assert resp.status_code == 400, bad
        assert resp.json()["field"] == "limit"
    resp = await api.get(
        "/v1/leaderboard", params={"period": "2019-4"}, headers=auth(api_keys["auditor"])
    )
    assert (resp.status_code, resp.json()["field"]) == (400, "period")


async def test_score_endpoint_access_and_errors(api, api_keys):
    supervisor = await authenticate(api_keys["supervisor"])
    assert supervisor is not None and supervisor.official_id is not None
    own = supervisor.official_id
    other = await Official.select(Official.id).where(Official.id != own).first()
    case = _tracking_id()
    person = (
        await Official.select(Official.id, Official.name, Official.zone.name.as_alias("zone_name"))
        .where(Official.id == own)
        .first()
    )
    for event in (ScoreEvent.RESOLVED_ON_TIME, ScoreEvent.ESCALATED_AWAY):
        await score_records.record(
            _entry(person, event, priority=2, tracking_id=case, at=datetime(2019, 5, 3, tzinfo=UTC))
        )

    mine = await api.get(
        f"/v1/supervisors/{own}/score",
        params={"period": "2019-05"},
        headers=auth(api_keys["supervisor"]),
    )
    assert mine.status_code == 200, mine.text
    body = mine.json()
    assert body["official"]["id"] == own and body["official"]["level"] == 0
    assert body["official"]["ward_id"] and body["official"]["zone"]
    assert (body["period"], body["total"], body["tier"]) == ("2019-05", 15, "Unranked")
    assert [(e["tracking_id"], e["event"], e["points"]) for e in body["entries"]] == [
        (case, "escalated_away", -15),
        (case, "resolved_on_time", 30),
    ]
    assert {"period": "2019-05", "total": 15, "tier": "Unranked"} in body["monthly"]

    all_time = await api.get(f"/v1/supervisors/{own}/score", headers=auth(api_keys["official"]))
    assert all_time.status_code == 200
    assert all_time.json()["period"] is None
    assert all_time.json()["tier_period"] == score_records.current_period()

    resp = await api.get(
        f"/v1/supervisors/{other['id']}/score", headers=auth(api_keys["supervisor"])
    )
    assert resp.status_code == 403
    for role in ("auditor", "official", "admin"):
        resp = await api.get(f"/v1/supervisors/{other['id']}/score", headers=auth(api_keys[role]))
        assert resp.status_code == 200, role
    for role in ("citizen-app", "integrator"):
        resp = await api.get(f"/v1/supervisors/{own}/score", headers=auth(api_keys[role]))
        assert resp.status_code == 403, role

    resp = await api.get("/v1/supervisors/99999999/score", headers=auth(api_keys["official"]))
    assert resp.status_code == 404
    for bad in ("2019-13", "2019-5", "march", "2019-05-01"):
        resp = await api.get(
            f"/v1/supervisors/{own}/score",
            params={"period": bad},
            headers=auth(api_keys["auditor"]),
        )
        assert resp.status_code == 400, bad
        assert resp.json()["field"] == "period"
