"""An Open311 client finds and follows service requests, never seeing who reported them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from helpers import auth, in_malleshwaram
from open311_helpers import (
    BASE,
    FMS_STATUSES,
    REQUEST_FIELDS,
    UPDATE_FIELDS,
    assert_error,
    fields,
    file,
    form,
    read_back,
    read_until,
    w3c,
    xml_of,
)

from records import vault
from records.tables import Reporter

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
    # The contact details went to the Reporter table, sealed, and only there.
    found = await vault.keys_of(None, contact["email"])  # found by the email's blind index
    rows = await Reporter.select(Reporter.id).where(Reporter.citizen_key.is_in(found or [-1]))
    stored = list((await vault.open_reporters(r["id"] for r in rows)).values())
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
    # The same updates, in the same order (the case may have taken another step since).
    xml_ids = [u.findtext("update_id") for u in ours_xml]
    assert xml_ids[: len(ours)] == [u["update_id"] for u in ours]
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
