"""What an Open311 client discovers under /open311/v2: endpoints, services, their questions."""

from __future__ import annotations

import pytest
from helpers import auth, in_malleshwaram, pothole
from open311_helpers import (
    ATTRIBUTE_FIELDS,
    BASE,
    DATATYPES,
    DEFINITION_FIELDS,
    DISCOVERY_FIELDS,
    ENDPOINT_FIELDS,
    SERVICE_FIELDS,
    SPEC,
    VALUE_FIELDS,
    assert_error,
    children,
    fields,
    w3c,
    xml_of,
)

from domain.categories import CATEGORIES, Attribute, InvalidAttribute, check_attributes

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
