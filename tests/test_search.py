"""Officials, supervisors and apps search cases with GET /v1/complaints.

The answers are checked three ways: the API (the database projection), Temporal visibility
(the `temporal_query` the API returns, run with `list_workflows`) and the live state of each
case (its workflow query). All run against the real Temporal dev server, a real worker and
PostgreSQL. Every comparison is restricted to the cases the test itself filed.

Overdue cases: a case is overdue while its status is open and its SLA deadline has passed.
A running worker acts on the deadline at once (the case escalates and gets a new one), so a
case stays overdue only while nobody processes it. The overdue test files its cases through a
side worker with a policy of seconds-long windows, then stops that worker: the deadline passes
on the dev server's clock, which is the wall clock the API judges `overdue` by, and nothing
escalates the cases. (The time-skipping server is not used: its clock runs ahead of the wall
clock, and a skipped-to breach escalates instead of staying overdue.)
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import functools
import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from helpers import auth, fresh_spot, pothole, wait_for_status, wait_until

from domain.ids import new_tracking_id
from domain.roles import Role
from records.apikeys import create_key
from records.tables import Complaint, Official

IST = timezone(timedelta(hours=5, minutes=30))
Case = dict[str, Any]


@functools.cache
def _wards() -> dict[str, Any]:
    """The demo map's wards by ward id."""
    from cli.bootstrap import DEMO_LOOKUP, DEMO_WARDS
    from geo.geojson import read_wards

    wards = read_wards(
        DEMO_WARDS, ward_field="WARD_NO", name_field="WARD_NAME", zone_lookup=DEMO_LOOKUP
    )
    return {w.ward_id: w for w in wards}


def spots_in_a_fresh_ward(count: int) -> tuple[str, list[tuple[float, float]]]:
    """`count` points 80 m apart inside a ward no other test of this run files in."""
    from shapely.geometry import Point, shape

    step = 80 / 111_320
    while True:
        _, _, ward_id = fresh_spot()
        inner = shape(_wards()[ward_id].geometry).buffer(-0.0004)
        if inner.is_empty:
            continue
        west, south, east, north = inner.bounds
        points = []
        lat = south + step / 2
        while lat < north and len(points) < count:
            lon = west + step / 2
            while lon < east and len(points) < count:
                if inner.contains(Point(lon, lat)):
                    points.append((round(lat, 6), round(lon, 6)))
                lon += step / 0.974
            lat += step
        if len(points) == count:
            return ward_id, points


async def file(api: httpx.AsyncClient, key: str, spot: tuple[float, float], category: str) -> str:
    """File a complaint of a category at a spot; its tracking id."""
    body = pothole(*spot, category=category, description=f"{category} {uuid.uuid4().hex[:8]}")
    resp = await api.post("/v1/complaints", json=body, headers=auth(key))
    assert resp.status_code == 202, resp.text
    assert resp.json()["filing"] == "new", resp.json()
    return resp.json()["tracking_id"]


async def settled(api: httpx.AsyncClient, key: str, tracking_ids: list[str]) -> list[Case]:
    """Wait until each case has its Assignment notice; their live states."""
    return list(
        await asyncio.gather(
            *(wait_for_status(api, t, auth(key), "NOTICE_ISSUED", 30) for t in tracking_ids)
        )
    )


async def walk(
    api: httpx.AsyncClient, key: str, params: dict[str, str]
) -> tuple[list[Case], dict[str, Any]]:
    """Every page of a search, following next_url; the items and the first page."""
    resp = await api.get("/v1/complaints", params=params, headers=auth(key))
    assert resp.status_code == 200, (params, resp.text)
    first = page = resp.json()
    items = list(page["items"])
    while page["next_url"]:
        assert page["next_cursor"] in page["next_url"]
        target = urlsplit(page["next_url"])
        resp = await api.get(f"{target.path}?{target.query}", headers=auth(key))
        assert resp.status_code == 200, resp.text
        page = resp.json()
        items += page["items"]
    return items, first


async def agree(
    api: httpx.AsyncClient,
    temporal: Any,
    key: str,
    params: dict[str, str],
    own: dict[str, Case],
    expect: Callable[[Case], bool],
    timeout: float = 30.0,
) -> set[str]:
    """Poll until the API, Temporal visibility and the cases' live state name the same cases
    among `own` for a search, or fail saying how they differ."""
    expected = {t for t, case in own.items() if expect(case)}
    deadline = time.monotonic() + timeout
    while True:
        items, first = await walk(api, key, {**params, "limit": "100"})
        found = {i["tracking_id"] for i in items} & set(own)
        query = first["temporal_query"]
        listed = {
            w.id.removeprefix("complaint-") async for w in temporal.list_workflows(query)
        } & set(own)
        if found == expected == listed:
            return expected
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{params}: API {sorted(found)}, Temporal {sorted(listed)}, "
                f"live state {sorted(expected)} (query {query})"
            )
        await asyncio.sleep(0.2)


async def eventually(check: Callable[[], Any], timeout: float = 30.0) -> Any:
    """Await check() until it returns something truthy (the projection is written by an
    activity, a moment after the workflow moves); fail after timeout."""
    deadline = time.monotonic() + timeout
    while not (result := await check()):
        assert time.monotonic() < deadline, "the condition never held"
        await asyncio.sleep(0.2)
    return result


def _at(case: Case, key: str) -> datetime:
    """A datetime field of a case view."""
    return datetime.fromisoformat(case[key])


async def test_officials_find_the_same_cases_as_temporal_visibility(api, api_keys, temporal_env):
    official, citizen = api_keys["official"], api_keys["citizen-app"]
    ward1, spots1 = spots_in_a_fresh_ward(4)
    ward2, spots2 = spots_in_a_fresh_ward(2)
    plan = [
        (spots1[0], "pothole"),
        (spots1[1], "streetlight_out"),
        (spots1[2], "garbage_not_collected"),
        (spots1[3], "pothole"),
        (spots2[0], "pothole"),
        (spots2[1], "drain_overflow"),
    ]
    tracking_ids = []
    for spot, category in plan:  # one after another, so filing times are apart
        tracking_ids.append(await file(api, citizen, spot, category))
    cases = await settled(api, official, tracking_ids)
    escalated, kept, withdrawn, moved, _, _ = tracking_ids
    s1, s2 = cases[0]["assignee"]["id"], cases[4]["assignee"]["id"]
    assert s1 != s2 and cases[0]["ward"]["id"] == ward1 and cases[4]["ward"]["id"] == ward2

    # Withdraw one, hand one to ward 2's supervisor, escalate one with three re-complaints.
    resp = await api.post(
        f"/v1/complaints/{withdrawn}/withdraw", json={"reason": "duplicate"}, headers=auth(official)
    )
    assert resp.status_code == 200 and resp.json()["status"] == "WITHDRAWN", resp.text
    withdrawn_case = resp.json()  # live state; once ended, a case is read from the projection
    resp = await api.post(
        f"/v1/complaints/{moved}/reassign",
        json={"official_id": s2, "reason": "ward 2's team has the equipment"},
        headers=auth(official),
    )
    assert resp.status_code == 200, resp.text
    for _ in range(3):
        body = pothole(*spots1[0], description=f"still there {uuid.uuid4().hex[:6]}")
        resp = await api.post("/v1/complaints", json=body, headers=auth(api_keys["integrator"]))
        assert resp.json()["tracking_id"] == escalated, resp.text
    await wait_until(
        api,
        escalated,
        official,
        lambda c: c["escalation_level"] == 1 and f"{escalated}-ESC1" in str(c["notices"]),
    )
    await wait_until(api, moved, official, lambda c: c["assignee"]["id"] == s2)
    own = {t: await wait_until(api, t, official, bool) for t in tracking_ids if t != withdrawn}
    own[withdrawn] = withdrawn_case
    zonal = own[escalated]["assignee"]["id"]
    assert own[escalated]["status"] == "ESCALATED" and own[escalated]["assignee"]["level"] == 1
    assert own[withdrawn]["status"] == "WITHDRAWN"
    zone1 = own[kept]["ward"]["zone"]

    filed = sorted(_at(c, "filed_at") for c in own.values())
    # Dev-server visibility compares datetimes to about a millisecond: bounds keep clear.
    assert all(later - earlier > timedelta(milliseconds=5) for earlier, later in pairwise(filed))
    start = filed[0] + (filed[1] - filed[0]) / 2  # from the 2nd filing
    end = filed[3] + (filed[4] - filed[3]) / 2  # to the 4th
    in_range = {"filed_from": start.astimezone(IST).isoformat(), "filed_to": end.isoformat()}
    day = filed[0].astimezone(IST).date().isoformat()

    checks: list[tuple[dict[str, str], Callable[[Case], bool]]] = [
        ({"ward": ward1}, lambda c: c["ward"]["id"] == ward1),
        ({"ward": ward2}, lambda c: c["ward"]["id"] == ward2),
        ({"zone": zone1}, lambda c: c["ward"]["zone"] == zone1),
        ({"status": "NOTICE_ISSUED"}, lambda c: c["status"] == "NOTICE_ISSUED"),
        ({"status": "withdrawn,ESCALATED"}, lambda c: c["status"] in ("WITHDRAWN", "ESCALATED")),
        ({"category": "pothole"}, lambda c: c["category"] == "pothole"),
        (
            {"category": "pothole,drain_overflow"},
            lambda c: c["category"] in ("pothole", "drain_overflow"),
        ),
        ({"supervisor": str(s1)}, lambda c: c["assignee"]["id"] == s1),
        ({"supervisor": str(s2)}, lambda c: c["assignee"]["id"] == s2),
        ({"supervisor": str(zonal)}, lambda c: c["assignee"]["id"] == zonal),
        ({"level": "1"}, lambda c: c["escalation_level"] == 1),
        ({"level": "0"}, lambda c: c["escalation_level"] == 0),
        ({"priority": "P3"}, lambda c: c["priority"] == "P3"),
        ({"overdue": "true"}, lambda c: False),
        ({"overdue": "false"}, lambda c: True),
        (
            {"city": "bengaluru", "category": "drain_overflow"},
            lambda c: c["category"] == "drain_overflow",
        ),
        (in_range, lambda c: start <= _at(c, "filed_at") <= end),
        (
            {"filed_from": day, "filed_to": day},
            lambda c: _at(c, "filed_at").astimezone(IST).date().isoformat() == day,
        ),
        (
            {"ward": ward1, "status": "NOTICE_ISSUED", "category": "pothole"},
            lambda c: (
                c["ward"]["id"] == ward1
                and c["status"] == "NOTICE_ISSUED"
                and c["category"] == "pothole"
            ),
        ),
        (
            {"zone": zone1, "level": "0", "category": "pothole,streetlight_out"},
            lambda c: (
                c["ward"]["zone"] == zone1
                and c["escalation_level"] == 0
                and c["category"] in ("pothole", "streetlight_out")
            ),
        ),
        (
            {"supervisor": str(s2), "ward": ward1, "status": "NOTICE_ISSUED,ESCALATED"},
            lambda c: (
                c["assignee"]["id"] == s2
                and c["ward"]["id"] == ward1
                and c["status"] in ("NOTICE_ISSUED", "ESCALATED")
            ),
        ),
    ]
    results = {}
    for params, expect in checks:
        results[json.dumps(params)] = await agree(
            api, temporal_env.client, official, params, own, expect
        )
    # The filters tell the cases apart, so agreeing means something.
    assert results[json.dumps({"ward": ward1})] == {escalated, kept, withdrawn, moved}
    assert results[json.dumps({"supervisor": str(s2)})] == {moved, *tracking_ids[4:]}
    assert results[json.dumps({"supervisor": str(zonal)})] == {escalated}
    assert results[json.dumps({"level": "1"})] == {escalated}
    assert len(results[json.dumps(in_range)]) == 3
    assert results[json.dumps(checks[-1][0])] == {moved}

    # The summary carries what an official needs, and no citizen's details.
    items, first = await walk(api, official, {"ward": ward1})
    [summary] = [i for i in items if i["tracking_id"] == escalated]
    assert summary["ward"] == own[escalated]["ward"]
    assignee = {"id": zonal, "name": own[escalated]["assignee"]["name"], "level": 1}
    assert summary["assignee"] == assignee
    assert summary["status"] == "ESCALATED" and summary["escalation_level"] == 1
    assert summary["overdue"] is False and summary["url"].endswith(f"/v1/complaints/{escalated}")
    assert set(summary) == {"tracking_id", "status", "category", "city", "ward", "assignee"} | {
        "priority",
        "escalation_level",
        "filed_at",
        "sla_due_at",
        "overdue",
        "url",
    }
    link = urlsplit(first["temporal_url"])
    assert link.path == "/namespaces/default/workflows"
    assert parse_qs(link.query)["query"] == [first["temporal_query"]]


async def test_official_finds_overdue_potholes_in_a_zone(
    api, api_keys, temporal_env, settings, tmp_path
):
    from api.app import create_app
    from worker import build_worker

    official, citizen = api_keys["official"], api_keys["citizen-app"]
    ward, (late_pothole, late_light, on_time) = spots_in_a_fresh_ward(3)
    policy = tmp_path / "policy.toml"
    policy.write_text(
        "[default]\nmin_hours = 0.001\n\n"
        "[default.base_hours]\npothole = 0.006\nstreetlight_out = 0.006\n"  # ~22 s at P3
    )
    queue = f"search-late-{uuid.uuid4().hex[:8]}"
    side_app = create_app(
        dataclasses.replace(settings, policy_file=policy),
        temporal=temporal_env.client,
        task_queue=queue,
    )
    transport = httpx.ASGITransport(app=side_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://civicops.test") as side:
        async with build_worker(temporal_env.client, queue, settings):
            late = [
                await file(side, citizen, late_pothole, "pothole"),
                await file(side, citizen, late_light, "streetlight_out"),
            ]
            late_cases = await settled(side, official, late)
        # The side worker has stopped: nobody acts on these deadlines, so they pass.
    fine = await file(api, citizen, on_time, "pothole")
    [fine_case] = await settled(api, official, [fine])
    due = max(_at(c, "sla_due_at") for c in late_cases)
    assert due - datetime.now(UTC) < timedelta(seconds=25), "the side policy should apply"
    await asyncio.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()) + 0.5)
    try:
        own = {c["tracking_id"]: c for c in [*late_cases, fine_case]}
        zone = fine_case["ward"]["zone"]
        assert all(c["ward"]["zone"] == zone for c in own.values())

        def is_overdue(c: Case) -> bool:
            return c["status"] in ("ASSIGNED", "NOTICE_ISSUED", "ESCALATED", "REOPENED") and (
                _at(c, "sla_due_at") < datetime.now(UTC)
            )

        found = await agree(
            api,
            temporal_env.client,
            official,
            {"overdue": "true", "zone": zone, "category": "pothole"},
            own,
            lambda c: is_overdue(c) and c["category"] == "pothole",
        )
        assert found == {late[0]}
        found = await agree(
            api, temporal_env.client, official, {"overdue": "true", "zone": zone}, own, is_overdue
        )
        assert found == set(late)
        found = await agree(
            api,
            temporal_env.client,
            official,
            {"overdue": "false", "ward": ward},
            own,
            lambda c: not is_overdue(c),
        )
        assert found == {fine}
        items, _ = await walk(api, official, {"overdue": "true", "ward": ward})
        assert {i["tracking_id"] for i in items} == set(late)
        assert all(i["overdue"] and i["status"] == "NOTICE_ISSUED" for i in items)
    finally:
        for tracking_id in late:  # nobody will run them again
            await temporal_env.client.get_workflow_handle(f"complaint-{tracking_id}").terminate(
                "test finished"
            )


async def seed_rows(filed_by: str, when: list[datetime]) -> list[Complaint]:
    """Withdrawn pothole cases written straight into the projection (no workflow), for
    pagination edge cases such as equal filing times."""
    rows = [
        Complaint(
            tracking_id=new_tracking_id("BLR"),
            workflow_id="complaint-seeded",
            city="bengaluru",
            category="pothole",
            description="seeded for the pager",
            latitude=13.0,
            longitude=77.5,
            language="en",
            source="test",
            status="WITHDRAWN",
            filed_at=at,
            updated_at=at,
            filed_by=filed_by,
        )
        for at in when
    ]
    await Complaint.insert(*rows)
    return rows


async def test_pages_have_no_duplicates_or_gaps_while_complaints_arrive(api, api_keys):
    token, key = await create_key("search pager", Role.INTEGRATOR)
    base = datetime.now(UTC) - timedelta(hours=2)
    tied = base + timedelta(minutes=5)  # four cases filed in the same microsecond
    when = [tied] * 4 + [base + timedelta(minutes=m) for m in (1, 2, 3, 7, 9)]
    rows = await seed_rows(key.key_id, when)
    expected = [
        r.tracking_id for r in sorted(rows, key=lambda r: (r.filed_at, r.tracking_id), reverse=True)
    ]
    try:
        _, spots = spots_in_a_fresh_ward(3)
        seen: list[str] = []
        resp = await api.get("/v1/complaints", params={"limit": "2"}, headers=auth(token))
        pages = 0
        while True:
            assert resp.status_code == 200, resp.text
            page = resp.json()
            assert len(page["items"]) <= 2 and "temporal_query" not in page
            seen += [i["tracking_id"] for i in page["items"]]
            if pages < len(spots):  # a new complaint arrives between pages
                await file(api, token, spots[pages], "pothole")
            pages += 1
            if not page["next_url"]:
                break
            target = urlsplit(page["next_url"])
            resp = await api.get(f"{target.path}?{target.query}", headers=auth(token))
        assert len(seen) == len(set(seen)), "a case appeared twice"
        assert [t for t in seen if t in expected] == expected, "a case was skipped or misordered"

        # Once the new filings are recorded, a fresh walk has them first, then the rest.
        async def everything() -> list[str]:
            items, _ = await walk(api, token, {"limit": "3"})
            return [i["tracking_id"] for i in items]

        async def all_recorded() -> list[str] | None:
            listed = await everything()
            return listed if len(listed) == len(expected) + len(spots) else None

        listed = await eventually(all_recorded)
        assert listed[len(spots) :] == expected and len(set(listed)) == len(listed)
    finally:
        await Complaint.delete().where(Complaint.filed_by == key.key_id)


async def test_a_supervisor_sees_only_cases_assigned_to_its_official(api, api_keys):
    official, citizen = api_keys["official"], api_keys["citizen-app"]
    ward, spots = spots_in_a_fresh_ward(3)
    tracking_ids = [await file(api, citizen, spot, "pothole") for spot in spots]
    cases = await settled(api, official, tracking_ids)
    mine = cases[0]["assignee"]["id"]
    other = (
        await Official.select(Official.id)
        .where((Official.level == 0) & (Official.id != mine))
        .first()
    )
    resp = await api.post(
        f"/v1/complaints/{tracking_ids[2]}/reassign",
        json={"official_id": other["id"], "reason": "closer crew"},
        headers=auth(official),
    )
    assert resp.status_code == 200, resp.text
    token, _ = await create_key("search supervisor", Role.SUPERVISOR, mine)

    async def only_its_own() -> dict[str, Any] | None:
        items, page = await walk(api, token, {"ward": ward})
        return page if {i["tracking_id"] for i in items} == set(tracking_ids[:2]) else None

    assert "temporal_query" not in await eventually(only_its_own)
    everything, _ = await walk(api, token, {"limit": "100"})
    assert everything and all(i["assignee"]["id"] == mine for i in everything)
    # Asking for another supervisor's cases does not widen what the key sees.
    theirs, _ = await walk(api, token, {"supervisor": str(other["id"])})
    assert theirs == []
    # An official with the same filter does see the reassigned case.
    items, _ = await walk(api, official, {"supervisor": str(other["id"]), "ward": ward})
    assert {i["tracking_id"] for i in items} == {tracking_ids[2]}


async def test_a_citizen_app_lists_only_what_it_filed(api, api_keys):
    token, _ = await create_key("search citizen app", Role.CITIZEN_APP)
    ward, spots = spots_in_a_fresh_ward(4)
    others = [await file(api, api_keys["citizen-app"], spot, "pothole") for spot in spots[:2]]
    own = [await file(api, token, spot, "pothole") for spot in spots[2:]]
    await settled(api, api_keys["official"], others + own)
    for params in ({}, {"ward": ward}, {"category": "pothole", "status": "NOTICE_ISSUED"}):

        async def listed(params: dict[str, str] = params) -> dict[str, Any] | None:
            items, page = await walk(api, token, params)
            return page if sorted(i["tracking_id"] for i in items) == sorted(own) else None

        assert "temporal_query" not in await eventually(listed)
    # An auditor reads everything in the ward, and gets the Temporal query too.

    async def audited() -> dict[str, Any] | None:
        items, page = await walk(api, api_keys["auditor"], {"ward": ward})
        return page if {i["tracking_id"] for i in items} == set(others + own) else None

    page = await eventually(audited)
    assert page["temporal_query"].startswith('WorkflowType = "ComplaintWorkflow"')
    assert (
        page["temporal_url"].startswith("http")
        and "/namespaces/default/workflows?query=" in (page["temporal_url"])
    )


def _forged(cursor: str, **change: Any) -> str:
    """A cursor with some of its fields changed, encoded the way the server encodes."""
    raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    raw.update(change)
    encoded = json.dumps(raw, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(encoded).decode().rstrip("=")


BAD = [
    # (query string, field the 400 names)
    ("statsu=ASSIGNED", "statsu"),
    ("status=DONE", "status"),
    ("status=ASSIGNED,", "status"),
    ("status=ASSIGNED&status=ESCALATED", "status"),
    ("category=potholes", "category"),
    ("supervisor=abc", "supervisor"),
    ("supervisor=12.5", "supervisor"),
    ("supervisor=%D9%A5", "supervisor"),  # an Arabic-Indic five: int() would take it
    ("supervisor=999999999", "supervisor"),
    ("level=4", "level"),
    ("level=-1", "level"),
    ("level=one", "level"),
    ("priority=P5", "priority"),
    ("overdue=maybe", "overdue"),
    ("filed_from=2026-13-01", "filed_from"),
    ("filed_from=2026-02-30", "filed_from"),
    ("filed_from=yesterday", "filed_from"),
    ("filed_to=2026-01-01T25:00:00", "filed_to"),
    ("filed_from=1999-12-31", "filed_from"),
    ("filed_from=2026-02-01&filed_to=2026-01-01", "filed_to"),
    ("filed_from=2024-01-01&filed_to=2025-06-01", "filed_to"),
    ("limit=0", "limit"),
    ("limit=101", "limit"),
    ("limit=ten", "limit"),
    ("cursor=not-a-cursor", "cursor"),
    ("cursor=" + "A" * 500, "cursor"),
    ("ward=", "ward"),
    ("city=Bengaluru!", "city"),
    ("zone=" + "W" * 121, "zone"),
]


@pytest.mark.parametrize(("query", "field"), BAD, ids=[q[:40] for q, _ in BAD])
async def test_bad_search_parameters_are_400_naming_the_parameter(api, api_keys, query, field):
    resp = await api.get(f"/v1/complaints?{query}", headers=auth(api_keys["official"]))
    assert resp.status_code == 400, resp.text
    assert resp.json()["field"] == field, resp.json()


async def test_a_tampered_or_borrowed_cursor_is_400(api, api_keys):
    official = auth(api_keys["official"])
    await seed_rows("cursor-test", [datetime.now(UTC) - timedelta(days=1)] * 2)
    try:
        await _check_cursors(api, official)
    finally:
        await Complaint.delete().where(Complaint.filed_by == "cursor-test")


async def _check_cursors(api: httpx.AsyncClient, official: dict[str, str]) -> None:
    resp = await api.get("/v1/complaints?limit=1&category=pothole", headers=official)
    cursor = resp.json()["next_cursor"]
    assert cursor
    ok = await api.get(f"/v1/complaints?limit=1&category=pothole&cursor={cursor}", headers=official)
    assert ok.status_code == 200, ok.text
    for forged in (
        _forged(cursor, id="BLR-0000000000' OR 1=1"),
        _forged(cursor, at="2026-01-01"),
        _forged(cursor, at="2026-01-01T00:00:00+05:30"),
        _forged(cursor, extra=1),
        _forged(cursor, v=2),
        cursor[:-2],
        cursor + "==",
    ):
        resp = await api.get(
            "/v1/complaints", params={"category": "pothole", "cursor": forged}, headers=official
        )
        assert resp.status_code == 400 and resp.json()["field"] == "cursor", (forged, resp.text)
    # A cursor belongs to the search that issued it.
    borrowed = f"/v1/complaints?limit=1&category=fallen_tree&cursor={cursor}"
    resp = await api.get(borrowed, headers=official)
    assert resp.status_code == 400 and "different search" in resp.json()["detail"]


INJECTIONS = [
    {"ward": "' OR 1=1 --"},
    {"ward": "65' OR '1'='1"},
    {"zone": 'x" OR CaseStatus != "'},
    {"zone": "West\\"},
    {"zone": "West\x00"},
    {"zone": "\u202eWest"},
    {"zone": "West); DROP TABLE complaint; --"},
    {"ward": "६५"},
    {"ward": "\ufffd\ufffd"},
    {"city": "bengaluru' OR 1=1"},
    {"category": "pothole' OR 1=1 --"},
    {"status": 'ASSIGNED") OR ("1"="1'},
    {"supervisor": "1 OR 1=1"},
    {"level": "0 OR 1=1"},
    {"filed_from": "2026-01-01' OR 1=1"},
    {"zone": "W" * 5000},
]


@pytest.mark.parametrize("params", INJECTIONS, ids=[repr(p)[:40] for p in INJECTIONS])
async def test_injection_attempts_find_nothing_and_never_fail(api, api_keys, temporal_env, params):
    resp = await api.get("/v1/complaints", params=params, headers=auth(api_keys["official"]))
    assert resp.status_code in (200, 400), resp.text
    if resp.status_code == 200:
        page = resp.json()
        assert page["items"] == []
        # The Temporal query holds the value as one quoted string: it matches nothing either.
        assert [w async for w in temporal_env.client.list_workflows(page["temporal_query"])] == []


async def test_percent_encoded_junk_in_the_query_string_is_never_a_500(api, api_keys):
    for raw in ("zone=%FF%FE", "ward=%ED%A0%80", "zone=%00", "%FF=1", "ward=%25%27%22"):
        resp = await api.get(f"/v1/complaints?{raw}", headers=auth(api_keys["official"]))
        assert resp.status_code in (200, 400), (raw, resp.text)
        if resp.status_code == 200:
            assert resp.json()["items"] == [], raw
