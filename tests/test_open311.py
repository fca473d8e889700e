"""Open311 GeoReport v2 under /open311/v2: what an off-the-shelf Open311 client sees.

The field lists below are GeoReport v2's (http://wiki.open311.org/GeoReport_v2) and, for
request updates, FixMyStreet's extension (mysociety/fixmystreet, Open311::Endpoint::Role::
mySociety). Every response is checked against them, in JSON and in XML.
"""

from __future__ import annotations

import asyncio
import time
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from helpers import auth, in_malleshwaram, pothole

from domain.categories import CATEGORIES, Attribute, InvalidAttribute, check_attributes
from records.tables import ApiKey, Complaint, Reporter

SPEC = "http://wiki.open311.org/GeoReport_v2"
BASE = "/open311/v2"

# GeoReport v2, "GET Service List": the fields of one service.
SERVICE_FIELDS = [
    "service_code", "service_name", "description", "metadata", "type", "keywords", "group",
]  # fmt: skip
# "GET Service Definition": the definition and each attribute and value.
DEFINITION_FIELDS = ["service_code", "attributes"]
ATTRIBUTE_FIELDS = {
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
}  # fmt: skip  (plus "values" for the list datatypes)
DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}
VALUE_FIELDS = ["key", "name"]
# "POST Service Request" response.
POST_FIELDS = {"service_request_id", "token", "service_notice", "account_id"}
# "GET Service Requests" / "GET Service Request": one request.
REQUEST_FIELDS = [
    "service_request_id", "status", "status_notes", "service_name", "service_code",
    "description", "agency_responsible", "service_notice", "requested_datetime",
    "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat", "long",
    "media_url",
]  # fmt: skip
# "GET request_id from a token".
TOKEN_FIELDS = ["service_request_id", "token"]
# "Service Discovery".
DISCOVERY_FIELDS = ["changeset", "contact", "key_service", "endpoints"]
ENDPOINT_FIELDS = ["specification", "url", "changeset", "type", "formats"]
# "Errors".
ERROR_FIELDS = ["code", "description"]
# FixMyStreet's GET servicerequestupdates: one request_update.
UPDATE_FIELDS = {
    "update_id", "service_request_id", "status", "updated_datetime", "description", "media_url",
}  # fmt: skip
FMS_STATUSES = {
    "OPEN", "INVESTIGATING", "IN_PROGRESS", "ACTION_SCHEDULED", "FIXED", "CLOSED", "DUPLICATE",
    "NOT_COUNCILS_RESPONSIBILITY", "NO_FURTHER_ACTION", "INTERNAL_REFERRAL",
}  # fmt: skip


def xml_of(resp: httpx.Response, root: str) -> ET.Element:
    """The parsed XML body, checked to be UTF-8 text/xml under `root`."""
    assert resp.headers["content-type"].startswith("text/xml"), resp.headers["content-type"]
    assert resp.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    element = ET.fromstring(resp.content)
    assert element.tag == root, resp.text
    return element


def children(element: ET.Element, name: str) -> list[ET.Element]:
    """The items of the list element `name` under `element` (which must be there)."""
    found = element.find(name)
    assert found is not None, name
    return list(found)


def fields(element: ET.Element) -> list[str]:
    """The child element names, in order."""
    return [child.tag for child in element]


def assert_error(resp: httpx.Response, status: int, *names: str) -> str:
    """An Open311 error array of the status, whose description names each field."""
    assert resp.status_code == status, resp.text
    if resp.headers["content-type"].startswith("application/json"):
        [error] = resp.json()
        assert list(error) == ERROR_FIELDS and error["code"] == status
        description = error["description"]
    else:
        [error] = xml_of(resp, "errors")
        assert error.tag == "error" and fields(error) == ERROR_FIELDS
        assert error.findtext("code") == str(status)
        description = error.findtext("description") or ""
    for name in names:
        assert name in description, (name, description)
    return description


def form(key: str, lat: float, lon: float, **extra: str) -> dict[str, str]:
    """An Open311 POST form for a pothole at a point."""
    return {
        "api_key": key,
        "service_code": "pothole",
        "lat": str(lat),
        "long": str(lon),
        "description": "Deep pothole outside the temple, autos swerve into traffic",
        **extra,
    }


async def file(api: httpx.AsyncClient, body: dict[str, str], fmt: str = "json") -> dict[str, Any]:
    """POST requests.{fmt}; the one service request of the answer."""
    resp = await api.post(f"{BASE}/requests.{fmt}", data=body)
    assert resp.status_code == 200, resp.text
    if fmt == "json":
        [answer] = resp.json()
        return answer
    [request] = xml_of(resp, "service_requests")
    assert request.tag == "request"
    return {child.tag: child.text for child in request}


async def post_pairs(api: httpx.AsyncClient, pairs: list[tuple[str, str]]) -> httpx.Response:
    """POST requests.json with a form whose fields may repeat."""
    return await api.post(
        f"{BASE}/requests.json",
        content=str(httpx.QueryParams(pairs)),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )


async def read_back(api: httpx.AsyncClient, request_id: str, fmt: str = "json") -> httpx.Response:
    """GET requests/{id} until the case is on record (its workflow writes it at once)."""
    deadline = time.monotonic() + 20
    while True:
        resp = await api.get(f"{BASE}/requests/{request_id}.{fmt}")
        if resp.status_code == 200 or time.monotonic() > deadline:
            return resp
        await asyncio.sleep(0.1)


async def read_until(
    api: httpx.AsyncClient, request_id: str, check: Any, timeout: float = 30
) -> dict[str, Any]:
    """GET requests/{id}.json until check(request) holds."""
    deadline = time.monotonic() + timeout
    request: dict[str, Any] = {}
    while time.monotonic() < deadline:
        resp = await api.get(f"{BASE}/requests/{request_id}.json")
        if resp.status_code == 200:
            [request] = resp.json()
            if check(request):
                return request
        await asyncio.sleep(0.1)
    raise AssertionError(f"{request_id} never satisfied the check; last seen {request}")


def w3c(value: str) -> datetime:
    """A W3C datetime of a response, which must carry IST's offset."""
    assert value.endswith("+05:30"), value
    return datetime.fromisoformat(value)


# --- discovery and services ---------------------------------------------------------------


async def test_open311_discovery_points_clients_at_v2_in_json_and_xml(api):
    resp = await api.get(f"{BASE}/discovery.json")
    assert resp.status_code == 200
    body = resp.json()
    assert list(body) == DISCOVERY_FIELDS
    [endpoint] = body["endpoints"]
    assert list(endpoint) == ENDPOINT_FIELDS
    assert endpoint["specification"] == SPEC and endpoint["url"].endswith(BASE)
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    w3c(body["changeset"])

    root = xml_of(await api.get(f"{BASE}/discovery.xml"), "discovery")
    assert fields(root) == DISCOVERY_FIELDS
    [endpoint_xml] = children(root, "endpoints")
    assert endpoint_xml.tag == "endpoint" and fields(endpoint_xml) == ENDPOINT_FIELDS
    assert [f.tag for f in children(endpoint_xml, "formats")] == ["format", "format"]


async def test_open311_services_are_the_india_categories_with_the_spec_fields(api):
    resp = await api.get(f"{BASE}/services.json")
    assert resp.status_code == 200
    services = resp.json()
    assert [s["service_code"] for s in services] == [c.code for c in CATEGORIES]
    for service in services:
        assert list(service) == SERVICE_FIELDS
        assert service["type"] == "realtime" and service["metadata"] is True
    pothole_ = services[0]
    assert pothole_["service_name"] == "Pothole" and pothole_["group"] == "Roads"
    assert pothole_["keywords"] == "pothole, road damage, crater, gaddha"

    root = xml_of(await api.get(f"{BASE}/services.xml"), "services")
    assert {child.tag for child in root} == {"service"} and len(root) == len(CATEGORIES)
    first = root[0]
    assert fields(first) == SERVICE_FIELDS
    assert first.findtext("metadata") == "true"
    # Escaped on the way out, read back whole: "Roads & Infrastructure".
    assert "Roads & Infrastructure" in (first.findtext("description") or "")


async def test_open311_service_definition_lists_a_categorys_questions(api):
    resp = await api.get(f"{BASE}/services/pothole.json")
    assert resp.status_code == 200
    definition = resp.json()
    assert list(definition) == DEFINITION_FIELDS and definition["service_code"] == "pothole"
    size, main_road = definition["attributes"]
    for attribute in (size, main_road):
        assert set(attribute) - {"values"} == ATTRIBUTE_FIELDS
        assert attribute["datatype"] in DATATYPES and attribute["variable"] is True
    assert size["code"] == "size" and size["order"] == 1 and size["required"] is False
    assert [v["key"] for v in size["values"]] == ["small", "medium", "large"]
    assert all(list(v) == VALUE_FIELDS for v in size["values"])
    assert main_road["code"] == "on_main_road" and main_road["order"] == 2

    garbage = (await api.get(f"{BASE}/services/garbage_not_collected.json")).json()
    days = garbage["attributes"][0]
    assert days["datatype"] == "number" and "values" not in days
    assert days["datatype_description"]

    root = xml_of(await api.get(f"{BASE}/services/fallen_tree.xml"), "service_definition")
    assert fields(root) == DEFINITION_FIELDS
    [attribute] = children(root, "attributes")
    assert attribute.tag == "attribute"
    assert attribute.findtext("datatype") == "multivaluelist"
    values = children(attribute, "values")
    assert {v.tag for v in values} == {"value"} and fields(values[0]) == VALUE_FIELDS


async def test_open311_unknown_service_codes_ids_tokens_and_formats_are_404_error_arrays(api):
    assert_error(await api.get(f"{BASE}/services/potholes.json"), 404, "service_code")
    assert_error(await api.get(f"{BASE}/services/potholes.xml"), 404, "service_code")
    assert_error(await api.get(f"{BASE}/requests/BLR-0000000000.json"), 404, "service_request_id")
    assert_error(await api.get(f"{BASE}/requests/not-an-id.xml"), 404, "service_request_id")
    assert_error(await api.get(f"{BASE}/tokens/BLR-0000000000.xml"), 404, "token")
    assert_error(await api.get(f"{BASE}/services/pothole.yaml"), 404, "format")
    assert_error(await api.get(f"{BASE}/requests/BLR-0000000000"), 404, "format")
    assert_error(await api.get(f"{BASE}/services.html"), 404, "path")
    assert_error(await api.get(f"{BASE}/requests"), 404, "path")
    assert_error(await api.get(f"{BASE}/nothing/here.json"), 404, "path")


# --- filing ---------------------------------------------------------------------------------


async def test_open311_client_files_a_pothole_and_reads_it_back_as_xml(api, api_keys):
    lat, lon = in_malleshwaram()
    body = form(
        api_keys["citizen-app"],
        lat,
        lon,
        address_string="15th Cross, Malleshwaram",
        media_url="https://photos.example.org/pothole-1.jpg",
        **{"attribute[size]": "large", "attribute[on_main_road]": "yes"},
    )
    answer = await file(api, body, "xml")
    assert set(answer) == POST_FIELDS
    request_id = answer["service_request_id"]
    assert request_id and request_id.startswith("BLR-")
    assert answer["token"] == request_id  # a new case: the filing is the case
    assert answer["service_notice"] and answer["account_id"] is None

    resp = await read_back(api, request_id, "xml")
    assert resp.status_code == 200, resp.text
    [request] = xml_of(resp, "service_requests")
    assert request.tag == "request" and fields(request) == REQUEST_FIELDS
    assert request.findtext("service_request_id") == request_id
    assert request.findtext("status") == "open"
    assert request.findtext("service_code") == "pothole"
    assert request.findtext("service_name") == "Pothole"
    assert request.findtext("description") == body["description"]
    assert request.findtext("address") == "15th Cross, Malleshwaram"
    assert request.findtext("media_url") == "https://photos.example.org/pothole-1.jpg"
    assert float(request.findtext("lat") or 0) == lat
    assert float(request.findtext("long") or 0) == lon
    assert "Bruhat Bengaluru Mahanagara Palike" in (request.findtext("agency_responsible") or "")
    w3c(request.findtext("requested_datetime") or "")
    # The answers were checked and stored with the case, as the JSON door stores them.
    row = await Complaint.select(Complaint.attributes).where(
        Complaint.tracking_id == request_id
    ).first().output(load_json=True)  # fmt: skip
    assert row["attributes"] == {"size": "large", "on_main_road": "yes"}


async def test_open311_request_json_has_string_ids_w3c_times_and_the_ward_once_assigned(
    api, api_keys
):
    lat, lon = in_malleshwaram()
    answer = await file(api, form(api_keys["integrator"], lat, lon))
    assert isinstance(answer["service_request_id"], str) and isinstance(answer["token"], str)
    request = await read_until(
        api, answer["service_request_id"], lambda r: r["expected_datetime"] is not None
    )
    assert list(request) == REQUEST_FIELDS
    assert isinstance(request["service_request_id"], str)
    assert isinstance(request["lat"], float) and isinstance(request["long"], float)
    assert request["address_id"] is None and request["zipcode"] is None
    requested, updated = w3c(request["requested_datetime"]), w3c(request["updated_datetime"])
    assert requested <= updated <= w3c(request["expected_datetime"])
    # Assigned to ward 65: the ward names the agency, and the address when none was given.
    assert "ward 65" in request["agency_responsible"]
    assert "West zone" in request["agency_responsible"]
    assert "Kadu Malleshwar" in request["address"]
    assert request["status"] == "open" and request["status_notes"]


async def test_open311_filing_a_multivaluelist_and_a_multipart_form(api, api_keys):
    lat, lon = in_malleshwaram()
    body = form(api_keys["citizen-app"], lat, lon, service_code="fallen_tree")
    pairs = [*body.items(), ("attribute[blocking]", "road"), ("attribute[blocking]", "vehicle")]
    resp = await post_pairs(api, pairs)
    assert resp.status_code == 200, resp.text
    tree_id = resp.json()[0]["service_request_id"]
    await read_back(api, tree_id)
    row = await Complaint.select(Complaint.attributes).where(
        Complaint.tracking_id == tree_id
    ).first().output(load_json=True)  # fmt: skip
    assert row["attributes"] == {"blocking": "road,vehicle"}

    lat, lon = in_malleshwaram()
    boundary = "civicops0boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
        for k, v in form(api_keys["citizen-app"], lat, lon).items()
    ]
    multipart = "".join(parts) + f"--{boundary}--\r\n"
    resp = await api.post(
        f"{BASE}/requests.json",
        content=multipart.encode(),
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert resp.status_code == 200, resp.text
    # A photo must be a media_url: an uploaded file is refused, naming its field.
    lat, lon = in_malleshwaram()
    resp = await api.post(
        f"{BASE}/requests.json",
        data=form(api_keys["citizen-app"], lat, lon),
        files={"media": ("p.jpg", b"\xff\xd8\xff", "image/jpeg")},
    )
    assert_error(resp, 400, "media", "media_url")


async def test_open311_re_complaint_joins_the_open_case_and_its_token_resolves_to_it(api, api_keys):
    lat, lon = in_malleshwaram()
    first = await file(api, form(api_keys["citizen-app"], lat, lon))
    case_id = first["service_request_id"]
    assert (await read_back(api, case_id)).status_code == 200
    again = await file(api, form(api_keys["integrator"], lat + 0.0001, lon), "xml")
    assert again["service_request_id"] == case_id
    token = again["token"]
    assert token and token != case_id
    assert case_id in (again["service_notice"] or "")

    resp = await api.get(f"{BASE}/tokens/{token}.json")
    assert resp.status_code == 200
    assert resp.json() == [{"service_request_id": case_id, "token": token}]
    [request] = xml_of(await api.get(f"{BASE}/tokens/{token}.xml"), "service_requests")
    assert fields(request) == TOKEN_FIELDS
    assert request.findtext("service_request_id") == case_id
    # A new case's token is its own id.
    resp = await api.get(f"{BASE}/tokens/{case_id}.json")
    assert resp.json() == [{"service_request_id": case_id, "token": case_id}]
    # The case counts the second report.
    request = await read_until(api, case_id, lambda r: "2 citizens" in r["status_notes"])
    assert request["status"] == "open"


# --- finding requests -----------------------------------------------------------------------


async def test_open311_requests_filter_by_ids_codes_status_and_dates(api, api_keys):
    key = api_keys["citizen-app"]
    lat, lon = in_malleshwaram()
    pothole_id = (await file(api, form(key, lat, lon)))["service_request_id"]
    lat, lon = in_malleshwaram()
    garbage_id = (await file(api, form(key, lat, lon, service_code="garbage_not_collected")))[
        "service_request_id"
    ]
    for request_id in (pothole_id, garbage_id):
        assert (await read_back(api, request_id)).status_code == 200
    withdrawn = await api.post(
        f"/v1/complaints/{garbage_id}/withdraw",
        json={"reason": "filed twice by mistake"},
        headers=auth(key),
    )
    assert withdrawn.status_code == 200, withdrawn.text
    garbage = await read_until(api, garbage_id, lambda r: r["status"] == "closed")
    assert garbage["status_notes"] == "Withdrawn: filed twice by mistake"

    async def ids(fmt: str = "json", **params: str) -> list[str]:
        resp = await api.get(f"{BASE}/requests.{fmt}", params=params)
        assert resp.status_code == 200, resp.text
        if fmt == "xml":
            root = xml_of(resp, "service_requests")
            assert all(r.tag == "request" and fields(r) == REQUEST_FIELDS for r in root)
            return [r.findtext("service_request_id") or "" for r in root]
        assert all(list(r) == REQUEST_FIELDS for r in resp.json())
        return [r["service_request_id"] for r in resp.json()]

    # service_request_id: a comma list, newest first, other filters ignored.
    both = f"{pothole_id},{garbage_id}"
    assert await ids(service_request_id=both) == [garbage_id, pothole_id]
    assert await ids("xml", service_request_id=both, status="open") == [garbage_id, pothole_id]
    assert await ids(service_request_id=f"{pothole_id},BLR-0000000000,nonsense") == [pothole_id]
    # The default window is the last 90 days, newest first.
    everything = await ids()
    assert everything.index(garbage_id) < everything.index(pothole_id)
    # service_code and status, as comma lists.
    potholes = await ids(service_code="pothole")
    assert pothole_id in potholes and garbage_id not in potholes
    assert {pothole_id, garbage_id} <= set(await ids(service_code="pothole,garbage_not_collected"))
    assert pothole_id in await ids(status="open") and garbage_id not in await ids(status="open")
    closed = await ids("xml", status="closed")
    assert garbage_id in closed and pothole_id not in closed
    assert {pothole_id, garbage_id} <= set(await ids(status="open,closed"))
    # Dates: W3C datetimes with any offset; a window without today finds neither.
    now = datetime.now(UTC)
    around = {
        "start_date": (now - timedelta(hours=1)).isoformat(),
        "end_date": (now + timedelta(hours=1)).astimezone().isoformat(),
    }
    assert {pothole_id, garbage_id} <= set(await ids(**around))
    last_month = {
        "start_date": (now - timedelta(days=40)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end_date": (now - timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%S+05:30"),
    }
    assert not {pothole_id, garbage_id} & set(await ids(**last_month))
    assert {pothole_id, garbage_id} <= set(await ids(jurisdiction_id="bengaluru"))


async def test_open311_requests_refuse_bad_filters_naming_them(api):
    def get(**params: str) -> Any:
        return api.get(f"{BASE}/requests.json", params=params)

    now = datetime.now(UTC)
    wide = {"start_date": (now - timedelta(days=91)).isoformat(), "end_date": now.isoformat()}
    assert_error(await get(**wide), 400, "start_date", "end_date", "90 days")
    backwards = {"start_date": now.isoformat(), "end_date": (now - timedelta(days=1)).isoformat()}
    assert_error(await get(**backwards), 400, "end_date")
    assert_error(await get(start_date="yesterday"), 400, "start_date")
    assert_error(await get(end_date="2026-13-45"), 400, "end_date")
    assert_error(await get(status="pending"), 400, "status")
    assert_error(await get(service_code="pothole,potholes"), 400, "service_code")
    too_many = ",".join(f"BLR-{i:010d}" for i in range(101))
    assert_error(await get(service_request_id=too_many), 400, "service_request_id")
    resp = await api.get(f"{BASE}/requests.xml", params={"status": "pending"})
    assert_error(resp, 400, "status")
    assert_error(await get(jurisdiction_id="atlantis"), 400, "jurisdiction_id")


async def test_open311_odd_input_is_a_4xx_error_array_never_a_500(api, api_keys):
    lat, lon = in_malleshwaram()
    odd_queries = [
        ("requests.json", {"start_date": "9999-12-31T23:59:59+00:00"}, 400),
        ("requests.xml", {"end_date": "0001-01-01T00:00:00+00:00"}, 400),
        ("servicerequestupdates.json", {"start_date": "9999-12-31"}, 400),
        ("requests.json", {"jurisdiction_id": "bengaluru\x00"}, 400),
        ("requests.json", {"service_code": "pothole\x00"}, 400),
        ("requests.json", {"status": "\x00"}, 400),
        ("requests.json", {"start_date": "\x00"}, 400),
        ("services.xml", {"api_key": "cvk_\x00_x"}, 403),
        ("requests.json", {"api_key": "x" * 5000}, 403),
    ]
    for path, params, status in odd_queries:
        assert_error(await api.get(f"{BASE}/{path}", params=params), status)
    # Only the ids that can be tracking ids are looked up.
    resp = await api.get(f"{BASE}/requests.json", params={"service_request_id": "\x00,%,'"})
    assert resp.status_code == 200 and resp.json() == []
    assert_error(await api.get(f"{BASE}/requests/%00.json"), 404)
    assert_error(await api.get(f"{BASE}/tokens/%25%27.xml"), 404)
    key = api_keys["citizen-app"]
    nul = form(key, lat, lon, description="pothole\x00")
    assert_error(await api.post(f"{BASE}/requests.json", data=nul), 400, "description")
    assert_error(
        await api.post(f"{BASE}/requests.json", data=form(key, lat, lon) | {"lat": "1e999"}),
        400,
        "lat",
    )
    huge = form(key, lat, lon, description="z" * 100_000)
    resp = await api.post(f"{BASE}/requests.xml", data=huge)
    assert 400 <= resp.status_code < 500
    assert_error(resp, resp.status_code)
    bad_utf8 = b"api_key=" + key.encode() + b"&service_code=pothole&description=%ff%fe"
    resp = await api.post(
        f"{BASE}/requests.json",
        content=bad_utf8,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert 400 <= resp.status_code < 500, resp.text


# --- keys and roles -------------------------------------------------------------------------


async def test_open311_filing_needs_a_valid_api_key_of_a_role_that_files(api, api_keys):
    from domain.roles import Role
    from records.apikeys import create_key

    lat, lon = in_malleshwaram()
    no_key = form("", lat, lon)
    del no_key["api_key"]
    assert_error(await api.post(f"{BASE}/requests.json", data=no_key), 403, "api_key")
    good = api_keys["citizen-app"]
    for bad in (good[:-2] + "xx", "cvk_nothere_secret", "not-a-key"):
        resp = await api.post(f"{BASE}/requests.xml", data=form(bad, lat, lon))
        assert_error(resp, 403, "api_key")
    token, row = await create_key("open311 soon revoked", Role.INTEGRATOR)
    await ApiKey.update({ApiKey.revoked_at: datetime.now(UTC)}).where(ApiKey.id == row.id)
    assert_error(await api.post(f"{BASE}/requests.json", data=form(token, lat, lon)), 403)
    for role in ("auditor", "supervisor"):
        resp = await api.post(f"{BASE}/requests.json", data=form(api_keys[role], lat, lon))
        assert_error(resp, 403, "api_key", role)
    for role in ("official", "admin"):
        lat, lon = in_malleshwaram()
        await file(api, form(api_keys[role], lat, lon))
    # Reading needs no key, but a key that is given must be valid.
    assert (await api.get(f"{BASE}/requests.json")).status_code == 200
    resp = await api.get(f"{BASE}/requests.json", params={"api_key": api_keys["auditor"]})
    assert resp.status_code == 200
    assert_error(await api.get(f"{BASE}/requests.xml", params={"api_key": "nope"}), 403, "api_key")


async def test_open311_over_the_rate_limit_is_a_429_error_array(api):
    from domain.roles import Role
    from records.apikeys import create_key

    token, row = await create_key("open311 slow app", Role.CITIZEN_APP)
    await ApiKey.update({ApiKey.rate_per_minute: 1}).where(ApiKey.id == row.id)
    params = {"api_key": token}
    assert (await api.get(f"{BASE}/services.json", params=params)).status_code == 200
    limited = await api.get(f"{BASE}/requests.xml", params=params)
    assert_error(limited, 429, "rate limit")
    assert int(limited.headers["retry-after"]) >= 1
    lat, lon = in_malleshwaram()
    assert_error(await api.post(f"{BASE}/requests.json", data=form(token, lat, lon)), 429)


# --- bad input ------------------------------------------------------------------------------


async def test_open311_bad_forms_get_400_naming_the_open311_field(api, api_keys):
    key = api_keys["citizen-app"]
    lat, lon = in_malleshwaram()

    async def post(body: dict[str, str], fmt: str = "json") -> httpx.Response:
        return await api.post(f"{BASE}/requests.{fmt}", data=body)

    no_code = form(key, lat, lon)
    del no_code["service_code"]
    assert_error(await post(no_code), 400, "service_code")
    assert_error(await post(form(key, lat, lon, service_code="potholes")), 400, "service_code")
    address_only = {"api_key": key, "service_code": "pothole", "address_string": "MG Road"}
    assert_error(await post(address_only, "xml"), 400, "lat", "long", "geocod")
    lat_only = form(key, lat, lon)
    del lat_only["long"]
    assert_error(await post(lat_only), 400, "long")
    assert_error(await post(form(key, lat, lon) | {"lat": "north"}), 400, "lat")
    assert_error(await post(form(key, lat, lon) | {"long": "nan"}), 400, "long")
    assert_error(await post(form(key, 95.0, lon)), 400, "lat")
    # Delhi: a real place, but no ward of Bengaluru.
    assert_error(await post(form(key, 28.6139, 77.2090)), 400, "lat", "outside every ward")
    long_text = form(key, lat, lon, description="x" * 4001)
    assert_error(await post(long_text, "xml"), 400, "description", "4000")
    assert (await post(form(key, *in_malleshwaram(), description="y" * 4000))).status_code == 200
    assert_error(await post(form(key, lat, lon, email="not-an-email")), 400, "email")
    assert_error(await post(form(key, lat, lon, phone="call me")), 400, "phone")
    assert_error(await post(form(key, lat, lon, media_url="ftp://x/y.jpg")), 400, "media_url")
    assert_error(await post(form(key, lat, lon, address_string="a" * 301)), 400, "address_string")
    nowhere = form(key, lat, lon, jurisdiction_id="atlantis")
    assert_error(await post(nowhere), 400, "jurisdiction_id")
    # attribute[CODE]: unknown codes, values off the list, numbers out of range.
    colour = form(key, lat, lon, **{"attribute[colour]": "black"})
    assert_error(await post(colour), 400, "attribute[colour]")
    huge = form(key, lat, lon, **{"attribute[size]": "huge"})
    assert_error(await post(huge, "xml"), 400, "attribute[size]", "small, medium, large")
    days = form(key, lat, lon, service_code="garbage_not_collected", **{"attribute[days]": "999"})
    assert_error(await post(days), 400, "attribute[days]")
    twice = [*form(key, lat, lon).items(), ("lat", str(lat))]
    resp = await post_pairs(api, twice)
    assert_error(resp, 400, "lat")


async def test_open311_xml_bodies_are_refused_before_being_parsed(api, api_keys):
    lat, lon = in_malleshwaram()
    entities = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    bomb = (
        f'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">{entities}]>'
        f"<service_request><api_key>{api_keys['citizen-app']}</api_key>"
        f"<service_code>pothole</service_code><lat>{lat}</lat><long>{lon}</long>"
        "<description>&lol9;</description></service_request>"
    )
    for content_type in ("application/xml", "text/xml", "application/json", ""):
        started = time.monotonic()
        resp = await api.post(
            f"{BASE}/requests.xml", content=bomb.encode(), headers={"content-type": content_type}
        )
        assert time.monotonic() - started < 1.0
        assert_error(resp, 400, "Content-Type", "x-www-form-urlencoded")
    # Sent as a form it is only text, never expanded, and it files nothing.
    started = time.monotonic()
    resp = await api.post(
        f"{BASE}/requests.json",
        content=bomb.encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert time.monotonic() - started < 1.0
    assert 400 <= resp.status_code < 500


async def test_open311_xml_escapes_markup_and_drops_characters_xml_cannot_hold(api, api_keys):
    lat, lon = in_malleshwaram()
    text = 'Pothole <b>"deep"</b> & wide ]]> <!-- x --> \x01 ಗುಂಡಿ'
    answer = await file(api, form(api_keys["citizen-app"], lat, lon, description=text))
    resp = await read_back(api, answer["service_request_id"], "xml")
    [request] = xml_of(resp, "service_requests")
    assert request.findtext("description") == text.replace("\x01", "\ufffd")
    assert b"<b>" not in resp.content
    [as_json] = (await api.get(f"{BASE}/requests/{answer['service_request_id']}.json")).json()
    assert as_json["description"] == text


# --- personal data --------------------------------------------------------------------------


async def test_open311_never_shows_the_citizens_contact_details(api, api_keys):
    key = api_keys["citizen-app"]
    key_id = key.split("_")[1]
    lat, lon = in_malleshwaram()
    contact = {
        "first_name": "Radhika",
        "last_name": "Venkataraman",
        "email": "radhika.v@example.in",
        "phone": "+91 98450 12345",
        "device_id": "device-7f3a9c",
        "account_id": "acct-5521-radhika",
    }
    answer = await file(api, form(key, lat, lon, **contact))
    request_id = answer["service_request_id"]
    await read_until(api, request_id, lambda r: r["expected_datetime"] is not None)
    again = await file(api, form(key, lat, lon, **contact), "xml")
    # The contact details went to the Reporter table, and only there.
    stored = await Reporter.select().where(Reporter.email == contact["email"])
    assert len(stored) == 2 and stored[0]["name"] == "Radhika Venkataraman"

    since = (datetime.now(UTC) - timedelta(minutes=10)).isoformat()
    bodies = [str(answer), str(again)]
    for fmt in ("json", "xml"):
        for path in (
            f"requests/{request_id}.{fmt}",
            f"requests.{fmt}?service_request_id={request_id}",
            f"requests.{fmt}",
            f"tokens/{again['token']}.{fmt}",
            f"servicerequestupdates.{fmt}?start_date={since}",
            f"services.{fmt}",
        ):
            resp = await api.get(f"{BASE}/{path}".replace("+", "%2B"))
            assert resp.status_code == 200, (path, resp.text)
            bodies.append(resp.text)
    assert any(request_id in body for body in bodies[2:])
    secrets = [*contact.values(), "Radhika", "Venkataraman", "9845012345", key_id, key, "key:"]
    for body in bodies:
        for secret in secrets:
            assert secret not in body, (secret, body[:300])


# --- FixMyStreet's request updates ----------------------------------------------------------


async def test_open311_servicerequestupdates_follow_a_case_in_fixmystreet_words(api, api_keys):
    lat, lon = in_malleshwaram()
    started = datetime.now(UTC) - timedelta(seconds=5)
    answer = await file(api, form(api_keys["citizen-app"], lat, lon))
    request_id = answer["service_request_id"]
    await read_until(api, request_id, lambda r: r["expected_datetime"] is not None)
    params = {"start_date": started.isoformat()}

    resp = await api.get(f"{BASE}/servicerequestupdates.json", params=params)
    assert resp.status_code == 200
    ours = [u for u in resp.json() if u["service_request_id"] == request_id]
    assert len(ours) >= 3  # received, prioritised, assigned (and its notice)
    for update in ours:
        assert UPDATE_FIELDS <= set(update), update
        assert update["status"] in FMS_STATUSES and update["description"]
        assert isinstance(update["update_id"], str)
        w3c(update["updated_datetime"])
    assert ours[0]["status"] == "OPEN" and ours[0]["update_id"] == f"{request_id}-1"
    assert "ACTION_SCHEDULED" in {u["status"] for u in ours}
    assert len({u["update_id"] for u in ours}) == len(ours)
    stamps = [w3c(u["updated_datetime"]) for u in resp.json()]
    assert stamps == sorted(stamps)  # oldest first: a client resumes from the last one

    root = xml_of(
        await api.get(f"{BASE}/servicerequestupdates.xml", params=params),
        "service_request_updates",
    )
    ours_xml = [u for u in root if u.findtext("service_request_id") == request_id]
    assert {u.tag for u in root} == {"request_update"}
    assert [u.findtext("update_id") for u in ours_xml] == [u["update_id"] for u in ours]
    assert UPDATE_FIELDS <= set(fields(ours_xml[0]))
    # Asked again, the same steps carry the same ids.
    again = (await api.get(f"{BASE}/servicerequestupdates.json", params=params)).json()
    assert {u["update_id"] for u in ours} <= {u["update_id"] for u in again}
    # Withdrawn through the JSON door: the last update says so, as FixMyStreet's CLOSED.
    withdrawn = await api.post(
        f"/v1/complaints/{request_id}/withdraw",
        json={"reason": "duplicate of an older report"},
        headers=auth(api_keys["citizen-app"]),
    )
    assert withdrawn.status_code == 200, withdrawn.text
    await read_until(api, request_id, lambda r: r["status"] == "closed")
    resp = await api.get(
        f"{BASE}/servicerequestupdates.json", params=params | {"jurisdiction_id": "bengaluru"}
    )
    last = [u for u in resp.json() if u["service_request_id"] == request_id][-1]
    assert last["status"] == "CLOSED" and last["external_status_code"] == "WITHDRAWN"
    assert last["description"] == "Withdrawn: duplicate of an older report"
    now = datetime.now(UTC)
    wide = {"start_date": (now - timedelta(days=100)).isoformat(), "end_date": now.isoformat()}
    assert_error(await api.get(f"{BASE}/servicerequestupdates.xml", params=wide), 400, "90 days")


def test_every_civicops_status_maps_to_open311_and_fixmystreet_words():
    from api.open311.reading import FMS_STATUS, OPEN311_CLOSED, OPEN311_OPEN
    from domain.case import Status

    assert OPEN311_OPEN | OPEN311_CLOSED == {s.value for s in Status}
    assert not OPEN311_OPEN & OPEN311_CLOSED
    assert OPEN311_CLOSED == {"CLOSED", "WITHDRAWN", "OUTSIDE_CITY"}
    assert set(FMS_STATUS) == set(Status) and set(FMS_STATUS.values()) <= FMS_STATUSES


# --- the JSON door asks the same questions ---------------------------------------------------


async def test_json_api_checks_category_questions_as_open311_does(api, api_keys):
    headers = auth(api_keys["citizen-app"])
    resp = await api.post(
        "/v1/complaints",
        json=pothole(*in_malleshwaram(), attributes={"size": "huge"}),
        headers=headers,
    )
    assert resp.status_code == 400 and resp.json()["field"] == "attributes.size"
    resp = await api.post(
        "/v1/complaints",
        json=pothole(*in_malleshwaram(), attributes={"colour": "black"}),
        headers=headers,
    )
    assert resp.status_code == 400 and resp.json()["field"] == "attributes.colour"
    resp = await api.post(
        "/v1/complaints",
        json=pothole(*in_malleshwaram(), attributes={"size": " medium ", "on_main_road": ""}),
        headers=headers,
    )
    assert resp.status_code == 202, resp.text


def test_required_questions_and_each_datatype_are_checked():
    questions = (
        Attribute("ward_no", "number", "Ward number", required=True, bounds=(1, 250)),
        Attribute("seen_at", "datetime", "When did you see it?"),
        Attribute("note", "text", "Anything else?"),
    )
    with pytest.raises(InvalidAttribute) as missing:
        check_attributes(questions, {"note": "by the school"})
    assert missing.value.code == "ward_no" and "required" in missing.value.message
    with pytest.raises(InvalidAttribute) as blank:
        check_attributes(questions, {"ward_no": "  "})
    assert blank.value.code == "ward_no"
    with pytest.raises(InvalidAttribute) as when:
        check_attributes(questions, {"ward_no": "65", "seen_at": "last tuesday"})
    assert when.value.code == "seen_at"
    with pytest.raises(InvalidAttribute) as infinite:
        check_attributes(questions, {"ward_no": "inf"})
    assert infinite.value.code == "ward_no"
    answers = {"ward_no": "65", "seen_at": "2026-11-24T08:00:00+05:30", "note": " ok "}
    assert check_attributes(questions, answers) == {**answers, "note": "ok"}


async def test_openapi_lists_each_open311_format_and_the_post_form(api):
    spec = (await api.get("/schema/openapi.json")).json()
    paths = spec["paths"]
    for name in ("discovery", "services", "requests", "servicerequestupdates"):
        assert {f"{BASE}/{name}.json", f"{BASE}/{name}.xml"} <= set(paths)
    post = paths[f"{BASE}/requests.xml"]["post"]
    form_schema = post["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    assert {"api_key", "service_code", "lat", "long"} <= set(form_schema["properties"])
    assert not any("{rest" in path for path in paths)
