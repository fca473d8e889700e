"""The citizen's pages without a browser: the report page's routes, tokens, and /track."""

from __future__ import annotations

import re
import types
from datetime import UTC, datetime

from citizen_helpers import device_secret, report_form, report_item
from helpers import auth, fresh_spot, wait_for_status
from lifecycle_helpers import resolve

from domain import ids
from records.tables import CitizenToken, Complaint


async def _send(api, device: str, items: list[dict]) -> dict:  # type: ignore[no-untyped-def]
    body = {"device": device, "sent_at": datetime.now(UTC).isoformat(), "complaints": items}
    resp = await api.post("/report/send", json=body, headers=await report_form(api))
    assert resp.status_code == 200, resp.text
    return resp.json()


async def _form_field(api, path: str) -> str:  # type: ignore[no-untyped-def]
    page = await api.get(path)
    match = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert match, page.text[:500]
    return match.group(1)


async def test_report_page_opens_in_english_and_kannada(api):
    """The report page names its parts in both languages and loads its own script."""
    english = await api.get("/report")
    assert english.status_code == 200
    assert 'src="/static/app/report.js"' in english.text
    assert 'for="description"' in english.text and 'for="photo"' in english.text
    kannada = await api.get("/report?lang=kn")
    assert "ಸಮಸ್ಯೆ ವರದಿ ಮಾಡಿ" in kannada.text


async def test_service_worker_is_served_from_the_root_with_its_version(api):
    """The service worker's cache is named for the files it caches."""
    resp = await api.get("/sw.js")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/javascript")
    assert "__VERSION__" not in resp.text
    assert re.search(r'const VERSION = "[0-9a-f]{12}"', resp.text)


async def test_sending_without_the_form_token_is_refused(api):
    """Another site cannot file for a visitor: no form token, 403."""
    body = {"device": device_secret(), "sent_at": datetime.now(UTC).isoformat(),
            "complaints": [report_item(fresh_spot())]}  # fmt: skip
    resp = await api.post("/report/send", json=body)
    assert resp.status_code == 403
    assert "X-CivicOps-Form" in resp.json()["detail"]


async def test_a_bad_device_secret_is_a_400_naming_device(api):
    """The device secret must be a long random string."""
    body = {"device": "short", "sent_at": datetime.now(UTC).isoformat(),
            "complaints": [report_item(fresh_spot())]}  # fmt: skip
    resp = await api.post("/report/send", json=body, headers=await report_form(api))
    assert resp.status_code == 400
    assert "device" in resp.text


async def test_a_complaint_sent_three_times_is_one_case_with_one_token(api, api_keys):
    """Re-sending the phone's queue (lost answers, reloads) files each complaint once."""
    device, spot = device_secret(), fresh_spot()
    item = report_item(spot)
    answers = [await _send(api, device, [item]) for _ in range(3)]
    results = [a["results"][0] for a in answers]
    assert {r["result"] for r in results} == {"accepted"}
    assert len({r["tracking_id"] for r in results}) == 1
    assert len({r["token"] for r in results}) == 1
    assert results[0]["client_id"] == item["client_id"]
    tracking_id = results[0]["tracking_id"]
    await wait_for_status(api, tracking_id, auth(api_keys["official"]), "NOTICE_ISSUED")
    assert await Complaint.count().where(Complaint.tracking_id == tracking_id) == 1
    rows = await CitizenToken.select().where(CitizenToken.tracking_id == tracking_id)
    assert len(rows) == 1 and rows[0]["token_sha256"] != results[0]["token"]


async def test_track_page_shows_the_public_timeline_without_personal_data(api, api_keys):
    """Anyone with the id sees the steps and notices, never the description or the spot."""
    device, spot = device_secret(), fresh_spot()
    item = report_item(spot, description="Pothole outside house 12, call 9876543210")
    tracking_id = (await _send(api, device, [item]))["results"][0]["tracking_id"]
    await wait_for_status(api, tracking_id, auth(api_keys["official"]), "NOTICE_ISSUED")
    page = await api.get(f"/track/{tracking_id}")
    assert page.status_code == 200
    assert "9876543210" not in page.text and "house 12" not in page.text
    assert f"{spot[0]:.5f}" not in page.text
    assert "Signed notice issued" in page.text
    assert "/v1/notices/verify?qr=" in page.text
    assert 'action="/track/' in page.text and "/withdraw" in page.text


async def test_track_page_names_a_mistyped_id(api):
    """A mistyped id is a 400 page saying so; an unknown one a 404 page."""
    good = ids.new_tracking_id("BLR")
    swapped = good[:-2] + good[-1] + good[-2] if good[-1] != good[-2] else good[:-1] + "0"
    bad = await api.get(f"/track/{swapped}")
    assert bad.status_code == 400
    assert "tracking_id" in bad.text
    assert (await api.get("/track/nonsense")).status_code == 400


async def test_a_forged_token_cannot_withdraw_but_the_holders_can(api, api_keys):
    """Only the holder of the filing's token may withdraw; a forged one changes nothing."""
    device, spot = device_secret(), fresh_spot()
    result = (await _send(api, device, [report_item(spot)]))["results"][0]
    tracking_id, token = result["tracking_id"], result["token"]
    await wait_for_status(api, tracking_id, auth(api_keys["official"]), "NOTICE_ISSUED")
    csrf = await _form_field(api, f"/track/{tracking_id}")
    forged = await api.post(
        f"/track/{tracking_id}/withdraw",
        data={"csrf": csrf, "token": "A" * 26, "reason": "filed twice"},
    )
    assert forged.status_code == 403
    no_csrf = await api.post(
        f"/track/{tracking_id}/withdraw", data={"token": token, "reason": "filed twice"}
    )
    assert no_csrf.status_code == 403
    held = await api.post(
        f"/track/{tracking_id}/withdraw",
        data={"csrf": csrf, "token": token.lower(), "reason": "filed twice"},
    )
    assert held.status_code == 303, held.text
    await wait_for_status(api, tracking_id, auth(api_keys["official"]), "WITHDRAWN")


async def test_the_holder_confirms_a_resolved_case_and_it_closes(api, api_keys):
    """After proof, the filer's token confirms the fix; another case's token is refused."""
    device, spot = device_secret(), fresh_spot()
    first, other = (await _send(api, device, [report_item(spot), report_item(fresh_spot())]))[
        "results"
    ]
    tracking_id = first["tracking_id"]
    case = await wait_for_status(api, tracking_id, auth(api_keys["official"]), "NOTICE_ISSUED")
    await resolve(types.SimpleNamespace(api=api), tracking_id, case, spot)
    page = await api.get(f"/track/{tracking_id}")
    assert 'action="/track/' in page.text and "/confirm" in page.text
    csrf = await _form_field(api, f"/track/{tracking_id}")
    wrong = await api.post(
        f"/track/{tracking_id}/confirm", data={"csrf": csrf, "token": other["token"]}
    )
    assert wrong.status_code == 403
    done = await api.post(
        f"/track/{tracking_id}/confirm", data={"csrf": csrf, "token": first["token"]}
    )
    assert done.status_code == 303, done.text
    await wait_for_status(api, tracking_id, auth(api_keys["official"]), "CLOSED")
    shown = await api.get(f"/track/{tracking_id}?done=confirm")
    assert "you confirmed the fix" in shown.text
