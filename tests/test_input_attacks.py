"""What an attacker sent, and what they get now: a 400 naming the field, never a 500 or a hang.

Each test reproduces a finding of the hardening review (issue 11) against the real stack.
"""

from __future__ import annotations

import asyncio
import json
import re

import pytest
from helpers import auth, in_malleshwaram, pothole, wait_for_status
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from domain.case import FindOfficialInput, ReassignRequest
from domain.roles import Role
from workflows.complaint import ComplaintWorkflow

HUGE = 99999999999999999999
DEEP = "[" * 1000 + "]" * 1000
PATH_IDS = {
    "tracking_id": "BLR-0000000000",
    "key_id": "000000000000",
    "webhook_id": "999999",
    "ref": "BLR-0000000000-ASG0",
    "token": "no-such-invitation",
    "action": "confirm",
    "hotspot_id": "000000000000",
    "reference": "PG-NOTHING",
}


def _json_post_routes(app) -> list[str]:  # type: ignore[no-untyped-def]
    paths = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if "POST" in handler.http_methods and not route.path.startswith("/open311"):
                path = re.sub(r"\{(\w+):\w+\}", lambda m: PATH_IDS[m.group(1)], route.path)
                paths.append(path)
    return sorted(set(paths))


async def test_json_nested_a_thousand_deep_is_a_400_on_every_json_route(api, api_keys):
    routes = _json_post_routes(api.app)
    assert "/v1/complaints" in routes and "/v1/notices/verify" in routes
    for path in routes:
        statuses = []
        for role in [None, *(r.value for r in Role)]:
            headers = {"Content-Type": "application/json", **(auth(api_keys[role]) if role else {})}
            resp = await api.post(path, content=DEEP, headers=headers)
            statuses.append(resp.status_code)
            assert resp.status_code != 500, (path, role, resp.text)
            if resp.status_code == 400:
                assert resp.json()["field"] == "body", (path, resp.text)
                assert "nested deeper" in resp.json()["detail"]
        assert 400 in statuses, f"no role reached the body check of {path}: {statuses}"


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("GET", "/v1/audit/entries?after=9223372036854775808", None, "after"),
        ("GET", f"/v1/supervisors/{HUGE}/score", None, "official_id"),
        ("POST", "/v1/apikeys", {"name": "x", "role": "supervisor", "official_id": HUGE},
         "official_id"),
        ("POST", "/v1/apikeys", {"name": "x", "role": "supervisor", "official_id": 2**31},
         "official_id"),
        ("POST", "/v1/complaints/BLR-0000000000/reassign", {"official_id": HUGE, "reason": "x"},
         "official_id"),
    ],
    ids=["audit-after", "score-path", "apikey-official-huge", "apikey-official-2^31", "reassign"],
)  # fmt: skip
async def test_integers_beyond_what_the_database_holds_are_a_400_naming_the_field(
    api, api_keys, method, path, body, field
):
    resp = await api.request(method, path, json=body, headers=auth(api_keys["admin"]))
    assert resp.status_code == 400, resp.text
    assert field in resp.json()["field"], resp.text


async def test_reassign_to_an_impossible_official_answers_at_once_and_the_case_still_moves(
    api, api_keys, temporal_env
):
    headers = auth(api_keys["citizen-app"])
    body = pothole(*in_malleshwaram(), description="Pothole that an attacker tries to wedge")
    tracking_id = (await api.post("/v1/complaints", json=body, headers=headers)).json()[
        "tracking_id"
    ]
    await wait_for_status(api, tracking_id, headers, "NOTICE_ISSUED")
    official = auth(api_keys["official"])
    resp = await asyncio.wait_for(
        api.post(
            f"/v1/complaints/{tracking_id}/reassign",
            json={"official_id": HUGE, "reason": "attack"},
            headers=official,
        ),
        timeout=10,
    )
    assert resp.status_code == 400 and resp.json()["field"] == "official_id"
    # Past the API, the workflow's own validator refuses it before it reaches history.
    handle = temporal_env.client.get_workflow_handle(f"complaint-{tracking_id}")
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await asyncio.wait_for(
            handle.execute_update(
                ComplaintWorkflow.reassign, ReassignRequest(HUGE, "attacker", "wedge it")
            ),
            timeout=10,
        )
    assert getattr(refused.value.cause, "type", None) == "BadInput"
    # And the case still answers its other updates.
    resp = await asyncio.wait_for(
        api.post(
            f"/v1/complaints/{tracking_id}/withdraw",
            json={"reason": "test finished"},
            headers=headers,
        ),
        timeout=20,
    )
    assert resp.status_code == 200 and resp.json()["status"] == "WITHDRAWN"


async def test_looking_up_an_official_id_the_database_cannot_hold_fails_without_retrying(
    settings, database
):
    from activities.case import CaseActivities
    from records.geography import ZoneDirectory

    activities = CaseActivities(ZoneDirectory(nearest_max_m=settings.nearest_ward_max_m))
    data = FindOfficialInput("BLR-0000000000", "bengaluru", "65", 0, official_id=HUGE)
    with pytest.raises(ApplicationError) as failed:
        await ActivityEnvironment().run(activities.find_official, data)
    assert failed.value.non_retryable and failed.value.type == "BadInput"


async def test_an_out_of_range_value_the_database_rejects_is_non_retryable(database):
    """The activity wrapper turns an input the database cannot hold into a permanent error."""
    from activities.running import resilient
    from records.tables import Official

    @resilient
    async def lookup(official_id: int) -> object:
        return await Official.objects().get(Official.id == official_id)

    with pytest.raises(ApplicationError) as failed:
        await ActivityEnvironment().run(lookup, HUGE)
    assert failed.value.non_retryable and failed.value.type == "BadInput"


def _filing(**fields: object) -> str:
    return json.dumps(pothole(*in_malleshwaram(), **fields))


@pytest.mark.parametrize(
    ("raw", "field", "message"),
    [
        ('{"category":"pothole","description":"x","latitude":"13.0035","longitude":77.5709}',
         "latitude", "got `str`"),
        ('{"category":"pothole","category":"garbage_not_collected","description":"x",'
         '"latitude":13.0035,"longitude":77.5709}', "category", "more than once"),
        (_filing(description="Pothole\u0000 at the gate"), "description", "NUL"),
        (_filing(description="\u200b\u200c\u200d\ufeff\u2060"), "description", "visible"),
        (_filing(description="ok", address="\ud800"), "address", "surrogate"),
        (_filing(description="ok", reporter={"name": "\u200b"}, colour=None), "colour", "nknown"),
        ('{"category":"pothole","description":"x","latitude":13.0035,"longitude":77.5709,'
         '"attributes":{"size":' + str(2**64) + "}}", "attributes.size", "out of range"),
    ],
    ids=["latitude-as-string", "duplicate-category", "nul", "zero-width-only", "lone-surrogate",
         "unknown-field", "huge-int"],
)  # fmt: skip
async def test_a_filing_that_is_not_what_it_claims_is_a_400_naming_the_field(
    api, api_keys, raw, field, message
):
    headers = {**auth(api_keys["citizen-app"]), "Content-Type": "application/json"}
    resp = await api.post("/v1/complaints", content=raw.encode("utf-8", "surrogatepass"),
                          headers=headers)  # fmt: skip
    assert resp.status_code == 400, resp.text
    assert resp.json()["field"] == field, resp.text
    assert message in resp.json()["detail"], resp.text


@pytest.mark.parametrize("route", ["withdraw", "reopen", "reassign"])
async def test_a_reason_made_only_of_invisible_characters_is_refused(api, api_keys, route):
    body: dict[str, object] = {"reason": "\u200b \u2060"}
    if route == "reassign":
        body["official_id"] = 1
    resp = await api.post(
        f"/v1/complaints/BLR-0000000000/{route}", json=body, headers=auth(api_keys["official"])
    )
    assert resp.status_code == 400 and resp.json()["field"] == "reason", resp.text


async def test_open311_refuses_a_nul_and_files_an_invisible_description_as_blank(api, api_keys):
    lat, lon = in_malleshwaram()
    form = {
        "api_key": api_keys["citizen-app"],
        "service_code": "pothole",
        "lat": str(lat),
        "long": str(lon),
        "description": "pothole\x00",
    }
    resp = await api.post("/open311/v2/requests.json", data=form)
    assert resp.status_code == 400 and resp.json()[0]["description"].startswith("description")
    # GeoReport v2's description is optional: invisible text is no description at all.
    resp = await api.post("/open311/v2/requests.json", data={**form, "description": "\u200b"})
    assert resp.status_code == 200, resp.text
    tracking_id = resp.json()[0]["service_request_id"]
    headers = auth(api_keys["citizen-app"])
    case = await wait_for_status(api, tracking_id, headers, "NOTICE_ISSUED")
    assert case["description"] == "Pothole"
