"""Citizens' points: what a case earns the devices that filed, confirmed or reopened it.

Live cases are filed through the API on the real workflow, with each filing's citizen token
stored as the web app stores it (records.citizens.remember_token); the rules themselves are
checked on event logs written by hand; the same story gives the same answers on SQLite (in
a process of its own, as the engine is chosen when piccolo_conf is imported).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import types
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from citizen_helpers import grant_points
from helpers import auth, fresh_spot, pothole, wait_for_status, wait_until
from lifecycle_helpers import resolve

from domain.ids import new_tracking_id
from domain.scores import IST
from records import points
from records.citizens import citizen_actor, device_hash, remember_token, set_pseudonym
from records.tables import CitizenPoints, Complaint, ComplaintEvent

REPO = Path(__file__).resolve().parents[1]


def _secret() -> str:
    """A device secret no other test uses."""
    return "d" * 22 + uuid.uuid4().hex[:12]


async def _file(api, key: str, spot: tuple, secret: str, filing: str = "new") -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """File a pothole at a spot and store the device's token; (tracking id, token)."""
    body = pothole(spot[0], spot[1], description=f"Pothole {uuid.uuid4().hex[:8]}")
    resp = await api.post("/v1/complaints", json=body, headers=auth(key))
    assert resp.status_code == 202, resp.text
    answer = resp.json()
    assert answer["filing"] == filing
    token = await remember_token(secret, answer["tracking_id"], uuid.uuid4().hex, filing)
    return answer["tracking_id"], token


async def _track(api, tracking_id: str, action: str, token: str, reason: str = "") -> None:  # type: ignore[no-untyped-def]
    """Confirm, reopen or withdraw from the track page with a citizen token."""
    page = await api.get(f"/track/{tracking_id}")
    match = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert match, page.text[:500]
    data = {"csrf": match.group(1), "token": token, "reason": reason}
    resp = await api.post(f"/track/{tracking_id}/{action}", data=data)
    assert resp.status_code == 303, resp.text


async def _recorded(tracking_id: str, status: str) -> None:
    """Wait until the case's projection row (what settle reads) has the status."""
    for _ in range(300):
        row = (
            await Complaint.select(Complaint.status)
            .where(Complaint.tracking_id == tracking_id)
            .first()
        )
        if row and row["status"] == status:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{tracking_id} never recorded {status}")


async def _settled(tracking_id: str, rows: int) -> None:
    """Wait until the record step has granted a closed case's points: `rows` ledger rows."""
    for _ in range(300):
        found = await CitizenPoints.count().where(CitizenPoints.tracking_id == tracking_id)
        if found >= rows:
            await asyncio.sleep(0.2)  # nothing more may follow
            assert (
                await CitizenPoints.count().where(CitizenPoints.tracking_id == tracking_id) == rows
            )
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{tracking_id} never earned {rows} ledger rows")


async def _ledger(**where: str) -> dict[str, tuple[str, int, str]]:
    """{event_key: (reason, points, tracking_id)} of the ledger rows matching column values."""
    query = CitizenPoints.select()
    for column, value in where.items():
        query = query.where(getattr(CitizenPoints, column) == value)
    return {r["event_key"]: (r["reason"], r["points"], r["tracking_id"]) for r in await query}


async def _confirm_by_app(api, tracking_id: str, key: str) -> None:  # type: ignore[no-untyped-def]
    """The filing app (not a citizen token) confirms the fix."""
    resp = await api.post(f"/v1/complaints/{tracking_id}/confirm", json={}, headers=auth(key))
    assert resp.status_code == 200, resp.text


# --- live cases on the real workflow ------------------------------------------------------


async def test_a_verified_fix_earns_points_on_closing_and_never_twice(api, api_keys):
    citizen, official = api_keys["citizen-app"], auth(api_keys["official"])
    secret, spot = _secret(), fresh_spot()
    device = device_hash(secret)
    tracking_id, token = await _file(api, citizen, spot, secret)
    case = await wait_for_status(api, tracking_id, official, "NOTICE_ISSUED")
    assert await points.settle(tracking_id) == 0  # work due: nothing yet
    await resolve(types.SimpleNamespace(api=api), tracking_id, case, spot)
    await _recorded(tracking_id, "RESOLVED")
    assert await points.settle(tracking_id) == 0  # may still be reopened or withdrawn
    await _track(api, tracking_id, "confirm", token)
    await _recorded(tracking_id, "CLOSED")
    await _settled(tracking_id, 2)  # the workflow's record step granted them on closing

    again = await asyncio.gather(*(points.settle(tracking_id) for _ in range(3)))
    assert again == [0, 0, 0] and [await points.settle(tracking_id) for _ in range(2)] == [0, 0]
    filed = (
        await Complaint.select(Complaint.filed_at)
        .where(Complaint.tracking_id == tracking_id)
        .first()
    )["filed_at"]
    hour = filed.astimezone(IST).strftime("%Y-%m-%dT%H")
    assert await _ledger(device_sha256=device) == {
        f"resolved:{device[:16]}:{hour}": ("resolved", points.RESOLVED_POINTS, tracking_id),
        f"answered:{tracking_id}:{device[:16]}": ("answered", points.ANSWERED_POINTS, tracking_id),
    }
    mine = await points.balance(device)
    assert mine["total"] == points.RESOLVED_POINTS + points.ANSWERED_POINTS
    assert mine["counts"] == {"resolved": 1, "answered": 1}
    assert mine["badges"] == ["first_fix", "closed_the_loop"] == await points.badges(device)
    assert [e["tracking_id"] for e in mine["entries"]] == [tracking_id, tracking_id]
    assert mine["entries"][0]["ward"] == spot[2] and mine["entries"][0]["city"] == "bengaluru"


async def test_withdrawn_cases_earn_nothing_even_after_proof(api, api_keys):
    citizen, official = api_keys["citizen-app"], auth(api_keys["official"])
    secret, spot = _secret(), fresh_spot()
    device = device_hash(secret)
    proved, token = await _file(api, citizen, spot, secret)
    case = await wait_for_status(api, proved, official, "NOTICE_ISSUED")
    await resolve(types.SimpleNamespace(api=api), proved, case, spot)
    await _recorded(proved, "RESOLVED")
    await _track(api, proved, "withdraw", token, reason="it was a duplicate")  # RESOLVED ->
    early, _ = await _file(api, citizen, fresh_spot(), secret)
    resp = await api.post(
        f"/v1/complaints/{early}/withdraw", json={"reason": "filed in error"}, headers=auth(citizen)
    )
    assert resp.status_code == 200, resp.text
    for tracking_id in (proved, early):
        await _recorded(tracking_id, "WITHDRAWN")
        assert await asyncio.gather(*(points.settle(tracking_id) for _ in range(2))) == [0, 0]
    assert await _ledger(device_sha256=device) == {}
    assert await points.balance(device) == {
        "total": 0,
        "counts": {},
        "badges": [],
        "entry_count": 0,
        "entries": [],
    }


async def test_re_complaints_by_others_earn_the_first_reporter_by_the_same_device_nothing(
    api, api_keys
):
    citizen, official = api_keys["citizen-app"], auth(api_keys["official"])
    first, other, alone = _secret(), _secret(), _secret()
    spot_a, spot_b = fresh_spot(), fresh_spot()
    followed, _ = await _file(api, citizen, spot_a, first)
    lone, _ = await _file(api, citizen, spot_b, alone)
    for tracking_id in (followed, lone):
        await wait_for_status(api, tracking_id, official, "NOTICE_ISSUED")
    joined, other_token = await _file(api, citizen, spot_a, other, filing="recomplaint")
    again, _ = await _file(api, citizen, spot_b, alone, filing="recomplaint")
    assert (joined, again) == (followed, lone)
    for tracking_id, spot in ((followed, spot_a), (lone, spot_b)):
        case = await wait_until(
            api, tracking_id, api_keys["official"], lambda c: c["recomplaints"] == 1
        )
        await resolve(types.SimpleNamespace(api=api), tracking_id, case, spot)
        await _recorded(tracking_id, "RESOLVED")
    await _track(api, followed, "confirm", other_token)  # the re-complainer confirms
    await _confirm_by_app(api, lone, citizen)
    for tracking_id, rows in ((followed, 3), (lone, 1)):
        await _recorded(tracking_id, "CLOSED")
        await _settled(tracking_id, rows)
    assert await asyncio.gather(points.settle(followed), points.settle(lone)) == [0, 0]

    case_a = await _ledger(tracking_id=followed)
    assert sorted((r, p) for r, p, _ in case_a.values()) == [
        ("answered", points.ANSWERED_POINTS),
        ("first", points.FIRST_POINTS),
        ("resolved", points.RESOLVED_POINTS),
    ]
    assert f"first:{followed}" in case_a
    assert await _ledger(device_sha256=device_hash(other)) == {
        f"answered:{followed}:{device_hash(other)[:16]}": ("answered", 3, followed)
    }
    lone_rows = await _ledger(device_sha256=device_hash(alone))
    assert [r for r, _, _ in lone_rows.values()] == ["resolved"]  # no first, no answered
    assert (await points.balance(device_hash(first)))["badges"] == ["first_fix", "first_reporter"]

    # The ward's board: the first reporter chose a name, the re-complainer did not.
    await set_pseudonym(first, "Asha K")
    shown = await points.board("bengaluru", spot_a[2])
    assert shown == [{"rank": 1, "pseudonym": "Asha K", "points": 15, "fixes": 1}]
    city = await points.board(" Bengaluru ", None, limit=100)
    assert any(r["pseudonym"] == "Asha K" and r["points"] == 15 for r in city)
    text = json.dumps(city)
    for secret in (first, other, alone):
        assert device_hash(secret)[:16] not in text and secret not in text


async def test_a_burst_of_five_filings_in_one_hour_earns_resolution_points_once(api, api_keys):
    citizen, official = api_keys["citizen-app"], auth(api_keys["official"])
    secret = _secret()
    device = device_hash(secret)
    now = datetime.now(UTC)
    hour = now.astimezone(IST).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    spots = [fresh_spot() for _ in range(5)]
    items = [
        {
            **pothole(s[0], s[1], description=f"Pothole {uuid.uuid4().hex[:8]}"),
            "client_id": uuid.uuid4().hex,
            "captured_at": (hour + timedelta(minutes=10 + i)).isoformat(),
        }
        for i, s in enumerate(spots)
    ]
    resp = await api.post(
        "/v1/complaints/batch",
        headers=auth(citizen),
        json={"sent_at": datetime.now(UTC).isoformat(), "complaints": items},
    )
    assert resp.status_code == 200, resp.text
    results = resp.json()["results"]
    assert [r["filing"] for r in results] == ["new"] * 5
    cases = [r["tracking_id"] for r in results]
    for item, tracking_id in zip(items, cases, strict=True):
        await remember_token(secret, tracking_id, item["client_id"], "new")
    for tracking_id, spot in zip(cases, spots, strict=True):
        case = await wait_for_status(api, tracking_id, official, "NOTICE_ISSUED")
        await resolve(types.SimpleNamespace(api=api), tracking_id, case, spot)
        await _recorded(tracking_id, "RESOLVED")
        await _confirm_by_app(api, tracking_id, citizen)  # the app: no answered points
    for tracking_id in cases:
        await _recorded(tracking_id, "CLOSED")
    filed = await Complaint.select(Complaint.filed_at).where(Complaint.tracking_id.is_in(cases))
    assert {points.ist_hour(r["filed_at"]) for r in filed} == {hour.strftime("%Y-%m-%dT%H")}

    rows: dict[str, tuple[str, int, str]] = {}
    for _ in range(100):  # each case's record step settles it; the burst earns once
        rows = await _ledger(device_sha256=device)
        if rows:
            break
        await asyncio.sleep(0.1)
    assert sum(await asyncio.gather(*(points.settle(t) for t in cases))) == 0
    rows = await _ledger(device_sha256=device)
    assert list(rows) == [f"resolved:{device[:16]}:{hour.strftime('%Y-%m-%dT%H')}"]
    [(reason, earned, tracking_id)] = rows.values()
    assert (reason, earned) == ("resolved", points.RESOLVED_POINTS) and tracking_id in cases


async def test_a_citizen_who_reopens_and_is_proved_right_earns_answered(api, api_keys):
    citizen, official = api_keys["citizen-app"], auth(api_keys["official"])
    secret, spot = _secret(), fresh_spot()
    device = device_hash(secret)
    tracking_id, token = await _file(api, citizen, spot, secret)
    case = await wait_for_status(api, tracking_id, official, "NOTICE_ISSUED")
    await resolve(types.SimpleNamespace(api=api), tracking_id, case, spot)
    await _recorded(tracking_id, "RESOLVED")
    await _track(api, tracking_id, "reopen", token, reason="The pothole is back after rain")
    case = await wait_until(
        api,
        tracking_id,
        api_keys["official"],
        lambda c: c["status"] == "REOPENED" and c["escalation_level"] == 1,
    )
    await _recorded(tracking_id, "REOPENED")
    assert await points.settle(tracking_id) == 0
    await resolve(types.SimpleNamespace(api=api), tracking_id, case, spot)  # new proof
    await _recorded(tracking_id, "RESOLVED")
    await _confirm_by_app(api, tracking_id, citizen)
    await _recorded(tracking_id, "CLOSED")
    reopen = await ComplaintEvent.select(ComplaintEvent.actor).where(
        (ComplaintEvent.tracking_id == tracking_id) & (ComplaintEvent.kind == "escalated")
    )
    assert {r["actor"] for r in reopen} == {citizen_actor(device)}
    await _settled(tracking_id, 2)
    assert await points.settle(tracking_id) == 0
    assert sorted(r for r, _, _ in (await _ledger(device_sha256=device)).values()) == [
        "answered",
        "resolved",
    ]


# --- the rules on event logs written by hand ------------------------------------------------

FILED_AT = datetime(2026, 11, 30, 18, 20, tzinfo=UTC)  # 23:50 IST


def _case(status: str = "CLOSED", source: str = "web app") -> dict[str, Any]:
    return {"tracking_id": "BLR-TEST", "status": status, "filed_at": FILED_AT, "source": source}


def _event(revision: int, kind: str, status: str, actor: str = "system", **detail: Any) -> dict:
    return {
        "revision": revision,
        "kind": kind,
        "status": status,
        "actor": actor,
        "at": FILED_AT + timedelta(hours=revision),
        "detail": detail,
    }


def _resolved_log(*middle: dict, closer: str = "system", confirmed: bool = False) -> list[dict]:
    """filed, assigned, what happens in between, proof accepted, closed."""
    n = len(middle)
    return [
        _event(1, "filed", "FILED"),
        _event(2, "assigned", "ASSIGNED"),
        *middle,
        _event(3 + n, "proof_accepted", "RESOLVED", "key:sup"),
        _event(4 + n, "closed", "CLOSED", closer, confirmed=confirmed),
    ]


FILER, OTHER = "f" * 64, "0" * 64


def test_only_a_verified_close_earns_and_linked_filings_never():
    log = _resolved_log()
    tokens = [{"device_sha256": FILER, "filing": "new"}]
    assert points.awards(_case("RESOLVED"), log[:-1], tokens) == []
    assert points.awards(_case("WITHDRAWN"), log[:-1], tokens) == []
    assert points.awards(_case(), log, [{"device_sha256": FILER, "filing": "linked"}]) == []
    [award] = points.awards(_case(), log, tokens)  # silence closed it: verified all the same
    assert award == points.Award(f"resolved:{FILER[:16]}:2026-11-30T23", FILER, 10, "resolved")
    reopened_after = [*log[:-1], _event(5, "escalated", "REOPENED"), log[-1] | {"revision": 6}]
    assert points.verified_close(reopened_after) is None
    assert points.ist_hour(datetime(2026, 11, 30, 18, 30, tzinfo=UTC)) == "2026-12-01T00"


def test_a_reopener_proved_right_and_a_confirmer_answer_once_each():
    reopen = _event(
        3, "escalated", "REOPENED", citizen_actor(OTHER), reason="reopened: still there"
    )
    proof = _event(4, "proof_accepted", "RESOLVED", "key:sup")
    log = _resolved_log(
        _event(2, "proof_accepted", "RESOLVED"),
        reopen,
        proof,
        closer=citizen_actor(FILER),
        confirmed=True,
    )
    log = [dict(e, revision=i) for i, e in enumerate(log, start=1)]
    tokens = [
        {"device_sha256": FILER, "filing": "new"},
        {"device_sha256": OTHER, "filing": "recomplaint"},
        {"device_sha256": OTHER, "filing": "recomplaint"},
    ]
    keys = [a.event_key for a in points.awards(_case(), log, tokens)]
    assert keys == sorted(
        [
            f"answered:BLR-TEST:{FILER[:16]}",
            f"answered:BLR-TEST:{OTHER[:16]}",
            "first:BLR-TEST",
            f"resolved:{FILER[:16]}:2026-11-30T23",
        ]
    )
    confirmed_by_app = _resolved_log(closer="key:app", confirmed=True)
    assert [a.reason for a in points.awards(_case(), confirmed_by_app, tokens[:1])] == ["resolved"]


def test_another_apps_re_complaint_follows_the_first_reporter_and_the_same_apps_does_not():
    tokens = [
        {"device_sha256": FILER, "filing": "new"},
        {"device_sha256": FILER, "filing": "recomplaint"},
    ]
    same_app = _resolved_log(_event(3, "recomplaint", "ASSIGNED", "web app", filing="X"))
    other_app = _resolved_log(_event(3, "recomplaint", "ASSIGNED", "Open311 partner", filing="Y"))
    assert [a.reason for a in points.awards(_case(), same_app, tokens)] == ["resolved"]
    assert [a.reason for a in points.awards(_case(), other_app, tokens)] == ["first", "resolved"]


# --- badges and the board, from the ledger ------------------------------------------------


async def test_badges_appear_at_their_milestones(database):
    device, city = device_hash(_secret()), f"pts-{uuid.uuid4().hex[:8]}"
    assert await points.badges(device) == []
    await grant_points(device, "resolved", city, "4", 5)
    assert await points.badges(device) == ["first_fix"]
    for _ in range(8):
        await grant_points(device, "resolved", city, "4", 5)
    await grant_points(device, "resolved", city, "5", 5)
    assert await points.badges(device) == ["first_fix"]  # 9 fixes in ward 4, 1 in ward 5
    await grant_points(device, "resolved", city, "4", 5)
    assert await points.badges(device) == ["first_fix", "ten_confirmed_ward"]
    await grant_points(device, "first", city, "4", 5)
    await grant_points(device, "answered", city, "4", 3)
    assert "hundred_points" not in await points.badges(device)  # 63 points
    await grant_points(device, "resolved", city, "5", 37)
    assert await points.badges(device) == [b.code for b in points.BADGES]
    assert len(points.BADGES) == 5
    mine = await points.balance(device)
    assert (mine["total"], mine["entry_count"], len(mine["entries"])) == (100, 14, 14)
    assert mine["counts"] == {"resolved": 12, "first": 1, "answered": 1}


async def test_the_board_shows_only_chosen_pseudonyms_ranked(database):
    city = f"pts-{uuid.uuid4().hex[:8]}"
    secrets = {name: _secret() for name in ("asha", "babu", "nobody", "chitra")}
    devices = {name: device_hash(s) for name, s in secrets.items()}
    for name, earned, ward in (
        ("asha", 20, "1"),
        ("babu", 30, "2"),
        ("nobody", 99, "1"),
        ("chitra", 20, "1"),
        ("chitra", 5, "2"),
    ):
        await grant_points(devices[name], "resolved", city, ward, earned)
    await grant_points(devices["asha"], "resolved", city, "1", 0)  # a second fix, no points
    await set_pseudonym(secrets["asha"], "Asha")
    await set_pseudonym(secrets["babu"], "Babu")
    await set_pseudonym(secrets["chitra"], "Chitra")
    ward = await points.board(city, "1")
    assert ward == [
        {"rank": 1, "pseudonym": "Asha", "points": 20, "fixes": 2},  # more fixes breaks the tie
        {"rank": 2, "pseudonym": "Chitra", "points": 20, "fixes": 1},
    ]
    whole = await points.board(city.upper(), None)
    assert [(r["pseudonym"], r["points"]) for r in whole] == [
        ("Babu", 30),
        ("Chitra", 25),
        ("Asha", 20),
    ]
    assert [r["pseudonym"] for r in await points.board(city, None, limit=1)] == ["Babu"]
    await set_pseudonym(secrets["babu"], None)  # a device may drop its name: off the board
    assert [r["pseudonym"] for r in await points.board(city, None)] == ["Chitra", "Asha"]
    text = json.dumps(whole)
    assert not any(
        d[:16] in text or s in text for d, s in zip(devices.values(), secrets.values(), strict=True)
    )
    assert await points.board(city, "9") == []


# --- the same story on both engines ---------------------------------------------------------


async def synthetic_story(tag: str) -> dict[str, Any]:
    """Three cases written as the record step writes them, settled three times concurrently;
    what the ledger, balances and board then say (also run on SQLite)."""
    city, ward = f"pts-{tag}", "7"
    first, other, quitter = ("d" * 22 + tag + s for s in ("f", "o", "q"))
    filed = datetime(2026, 11, 2, 4, 40, tzinfo=UTC)  # 10:10 IST
    stories = {
        "followed": [
            ("filed", "FILED", "system", {}),
            ("recomplaint", "ASSIGNED", "web app", {}),
            ("proof_accepted", "RESOLVED", "key:sup", {}),
            ("closed", "CLOSED", citizen_actor(device_hash(other)), {"confirmed": True}),
        ],
        "reopened": [
            ("filed", "FILED", "system", {}),
            ("proof_accepted", "RESOLVED", "k", {}),
            ("escalated", "REOPENED", citizen_actor(device_hash(first)), {}),
            ("proof_accepted", "RESOLVED", "k", {}),
            ("closed", "CLOSED", "system", {"confirmed": False}),
        ],
        "withdrawn": [
            ("filed", "FILED", "system", {}),
            ("proof_accepted", "RESOLVED", "k", {}),
            ("withdrawn", "WITHDRAWN", "web app", {"reason": "duplicate"}),
        ],
    }
    settled = {}
    for n, (name, log) in enumerate(stories.items()):
        tracking_id = new_tracking_id("BLR")
        at = filed + timedelta(minutes=n)
        await Complaint.insert(
            Complaint(
                tracking_id=tracking_id,
                workflow_id=f"complaint-{tracking_id}",
                city=city,
                category="pothole",
                description="x",
                latitude=13.0,
                longitude=77.5,
                language="en",
                source="web app",
                status=log[-1][1],
                ward_id=ward,
                filed_at=at,
                updated_at=at,
                revision=len(log),
            )
        )
        for revision, (kind, status, actor, detail) in enumerate(log, start=1):
            await ComplaintEvent.insert(
                ComplaintEvent(
                    event_key=f"{tracking_id}:{revision}",
                    tracking_id=tracking_id,
                    revision=revision,
                    kind=kind,
                    status=status,
                    at=at + timedelta(hours=revision),
                    actor=actor,
                    detail=detail,
                )
            )
        await remember_token(quitter if name == "withdrawn" else first, tracking_id, "c0", "new")
        if name == "followed":
            await remember_token(other, tracking_id, "c1", "recomplaint")
        settled[name] = await asyncio.gather(*(points.settle(tracking_id) for _ in range(3)))
    await set_pseudonym(first, "Asha")

    def plain(balance: dict[str, Any]) -> dict[str, Any]:
        entries = [
            {**e, "at": e["at"].astimezone(UTC).isoformat(), "tracking_id": None, "city": None}
            for e in balance["entries"]
        ]
        return {**balance, "entries": entries}

    return {
        "settled": {name: sum(counts) for name, counts in settled.items()},
        "first": plain(await points.balance(device_hash(first))),
        "other": plain(await points.balance(device_hash(other))),
        "quitter": plain(await points.balance(device_hash(quitter))),
        "ward": await points.board(city, ward),
        "city": await points.board(city, None),
    }


def _check_story(story: dict[str, Any]) -> None:
    assert story["settled"] == {"followed": 3, "reopened": 1, "withdrawn": 0}
    assert story["first"]["total"] == 10 + 5 + 3
    assert story["first"]["counts"] == {"resolved": 1, "first": 1, "answered": 1}
    assert story["first"]["badges"] == ["first_fix", "first_reporter", "closed_the_loop"]
    assert (story["other"]["total"], story["other"]["badges"]) == (3, ["closed_the_loop"])
    assert story["quitter"]["total"] == 0
    assert (
        story["ward"]
        == story["city"]
        == [{"rank": 1, "pseudonym": "Asha", "points": 18, "fixes": 1}]
    )


_ON_SQLITE = """
import asyncio, json, sys
sys.path.insert(0, "tests")

async def main():
    from cli.bootstrap import migrate
    from settings import Settings
    await migrate(Settings.from_env())
    import test_citizen_points as t
    print(json.dumps(await t.synthetic_story(sys.argv[1])))

asyncio.run(main())
"""


@pytest.mark.timeout(180)
async def test_the_same_story_gives_the_same_points_on_sqlite_and_postgresql(tmp_path, database):
    on_postgres = json.loads(json.dumps(await synthetic_story(uuid.uuid4().hex[:8])))
    _check_story(on_postgres)
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["CIVICOPS_VAR_DIR"] = str(tmp_path / "var")
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-c", _ON_SQLITE, "sqlite1"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=170,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    on_sqlite = json.loads(done.stdout.strip().splitlines()[-1])
    assert (tmp_path / "var" / "civicops.sqlite").exists()
    _check_story(on_sqlite)
    assert on_sqlite == on_postgres
