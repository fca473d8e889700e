"""An Open311 client files service requests: the answer, the keys it needs, bad forms refused."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import httpx
from helpers import in_malleshwaram
from open311_helpers import (
    BASE,
    POST_FIELDS,
    REQUEST_FIELDS,
    TOKEN_FIELDS,
    assert_error,
    fields,
    file,
    form,
    post_pairs,
    read_back,
    read_until,
    w3c,
    xml_of,
)

from records.tables import ApiKey, Complaint

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
