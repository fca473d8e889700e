"""An official's search of GET /v1/complaints finds what Temporal visibility and the cases say."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from helpers import auth, pothole, wait_until
from search_helpers import Case, file, settled, spots_in_a_fresh_ward, walk

# The answers are checked three ways: the API (the database projection), Temporal visibility
# (the `temporal_query` the API returns, run with `list_workflows`) and the live state of each
# case (its workflow query).

IST = timezone(timedelta(hours=5, minutes=30))


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


# Overdue cases: a case is overdue while its status is open and its SLA deadline has passed.
# A running worker acts on the deadline at once (the case escalates and gets a new one), so a
# case stays overdue only while nobody processes it. The overdue test files its cases through a
# side worker with a policy of seconds-long windows, then stops that worker: the deadline passes
# on the dev server's clock, which is the wall clock the API judges `overdue` by, and nothing
# escalates the cases. (The time-skipping server is not used: its clock runs ahead of the wall
# clock, and a skipped-to breach escalates instead of staying overdue.)
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
