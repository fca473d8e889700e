"""What the Open311 tests share: GeoReport v2's field lists, and a client's requests and checks.

The field lists below are GeoReport v2's (http://wiki.open311.org/GeoReport_v2) and, for
request updates, FixMyStreet's extension (mysociety/fixmystreet, Open311::Endpoint::Role::
mySociety). Every response is checked against them, in JSON and in XML.
"""

from __future__ import annotations

import asyncio
import time
import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any

import httpx

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
