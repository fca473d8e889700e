"""A supervisor or a citizen app searching GET /v1/complaints sees only the cases it may see."""

from __future__ import annotations

from typing import Any

from helpers import auth
from search_helpers import eventually, file, settled, spots_in_a_fresh_ward, walk

from domain.roles import Role
from records.apikeys import create_key
from records.tables import Official


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
