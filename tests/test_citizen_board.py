"""The citizens' points on the pages: the report page's own points and pseudonym, and the
neighbourhood board, which shows chosen pseudonyms and nothing that identifies a phone."""

from __future__ import annotations

import asyncio
import re
import types
from datetime import UTC, datetime

from citizen_helpers import device_secret, grant_points, name_tag, report_form, report_item
from helpers import auth, fresh_spot, wait_for_status
from lifecycle_helpers import resolve

from records.citizens import device_hash, set_pseudonym

WARD = "12"  # no other test files in this ward (fresh_spot is in ward 65)


async def _grant(device: str, earned: int, ward: str = WARD) -> None:
    """Resolution points in Bengaluru, written by hand."""
    await grant_points(device, "resolved", "bengaluru", ward, earned)


def _board_rows(html: str) -> list[tuple[str, str]]:
    """(pseudonym, points) of each row of the board table."""
    body = html.split('id="board"', 1)[1].split("</table>", 1)[0]
    found = re.findall(r'<th scope="row">([^<]*)</th><td class="num">([^<]*)</td>', body)
    return [(name, points) for name, points in found]


async def test_the_ward_board_shows_chosen_pseudonyms_ranked_and_nothing_else(api):
    """Only devices that chose a name appear, by points; no hash, no tracking id."""
    tag = name_tag()
    devices = {name: device_secret() for name in ("asha", "babu", "shy")}
    await _grant(device_hash(devices["asha"]), 9000)
    await _grant(device_hash(devices["babu"]), 9500)
    await _grant(device_hash(devices["shy"]), 99000)  # never chose a pseudonym
    await set_pseudonym(devices["asha"], f"ಆಶಾ {tag}")
    await set_pseudonym(devices["babu"], f"Babu {tag}")

    page = await api.get(f"/board/bengaluru/{WARD}")
    assert page.status_code == 200, page.text
    mine = [row for row in _board_rows(page.text) if tag in row[0]]
    assert mine == [(f"Babu {tag}", "9,500"), (f"ಆಶಾ {tag}", "9,000")]
    for secret in devices.values():
        assert device_hash(secret)[:16] not in page.text and secret not in page.text
    assert "BLR-TEST" not in page.text and "99,000" not in page.text
    assert 'href="/report?city=bengaluru"' in page.text

    city = await api.get("/board/bengaluru")
    assert city.status_code == 200
    assert (f"Babu {tag}", "9,500") in _board_rows(city.text)
    other_ward = await api.get("/board/bengaluru/13")
    assert f"Babu {tag}" not in other_ward.text


async def test_the_board_speaks_kannada_and_names_a_wrong_ward_or_city(api):
    """The board is in both languages; a ward or city CivicOps lacks is a 404 naming it."""
    kannada = await api.get(f"/board/bengaluru/{WARD}?lang=kn")
    assert kannada.status_code == 200 and "ನೆರೆಹೊರೆಯ ಫಲಕ" in kannada.text
    assert "ಬ್ಯಾಡ್ಜ್‌ಗಳು" in kannada.text
    english = await api.get(f"/board/bengaluru/{WARD}?lang=en")
    assert "How points are earned" in english.text and "Ward regular" in english.text
    no_ward = await api.get("/board/bengaluru/999")
    assert no_ward.status_code == 404 and "ward" in no_ward.text
    no_city = await api.get("/board/atlantis")
    assert no_city.status_code == 404 and "atlantis" in no_city.text
    long_ward = await api.get("/board/bengaluru/" + "9" * 200)
    assert long_ward.status_code in (400, 404)


async def test_the_ward_picker_leads_to_the_ward_board(api):
    """The board's ward picker (a plain GET form) redirects to that ward's board."""
    picked = await api.get("/board/bengaluru?ward=12", follow_redirects=False)
    assert picked.status_code == 303 and picked.headers["location"] == "/board/bengaluru/12"
    whole = await api.get("/board/bengaluru?ward=", follow_redirects=False)
    assert whole.status_code == 303 and whole.headers["location"] == "/board/bengaluru"
    wrong = await api.get("/board/bengaluru?ward=nowhere", follow_redirects=False)
    assert wrong.status_code == 404
    ward_page = await api.get("/wards/bengaluru/12")
    assert 'href="/board/bengaluru/12"' in ward_page.text


async def test_a_pseudonym_is_chosen_refused_when_it_is_a_number_and_dropped(api):
    """A name in any script is kept; a phone number or markup is a 400 naming pseudonym."""
    device = device_secret()
    await _grant(device_hash(device), 8000)
    form = await report_form(api)
    tag = name_tag()
    chosen = await api.post(
        "/report/pseudonym", json={"device": device, "pseudonym": f"  ರವಿ   {tag} "}, headers=form
    )
    assert chosen.status_code == 200, chosen.text
    assert chosen.json() == {"pseudonym": f"ರವಿ {tag}"}
    assert (f"ರವಿ {tag}", "8,000") in _board_rows((await api.get(f"/board/bengaluru/{WARD}")).text)
    for bad in ("98450 12345", "<script>x</script>", "a", "x" * 25, "me@example.com"):
        refused = await api.post(
            "/report/pseudonym", json={"device": device, "pseudonym": bad}, headers=form
        )
        assert refused.status_code == 400, (bad, refused.text)
        assert refused.json()["detail"].startswith("pseudonym:")
    too_long = await api.post(
        "/report/pseudonym", json={"device": device, "pseudonym": "y" * 5000}, headers=form
    )
    assert too_long.status_code == 400 and "pseudonym" in too_long.text
    dropped = await api.post(
        "/report/pseudonym", json={"device": device, "pseudonym": ""}, headers=form
    )
    assert dropped.json() == {"pseudonym": None}
    assert tag not in (await api.get(f"/board/bengaluru/{WARD}")).text


async def test_points_and_pseudonyms_need_the_form_token_and_a_real_device(api):
    """Another site cannot read or rename a phone's points; a bad device is a 400."""
    device = device_secret()
    assert (await api.post("/report/points", json={"device": device})).status_code == 403
    rename = await api.post("/report/pseudonym", json={"device": device, "pseudonym": "Zed"})
    assert rename.status_code == 403
    form = await report_form(api)
    for body, field in (
        ({"device": "short"}, "device"),
        ({"device": "!" * 30}, "device"),
        ({"device": device, "extra": 1}, "extra"),
        ({}, "device"),
    ):
        resp = await api.post("/report/points", json=body, headers=form)
        assert resp.status_code == 400, (body, resp.text)
        assert field in resp.text
    fresh = await api.post("/report/points", json={"device": device}, headers=form)
    assert fresh.status_code == 200
    assert fresh.json() == {
        "total": 0,
        "badges": [],
        "counts": {},
        "pseudonym": None,
        "entries": [],
    }


async def test_a_citizen_who_files_and_confirms_on_the_pages_sees_points_and_badges(api, api_keys):
    """File from the report page, the fix is proved, the citizen confirms with the token:
    the report page then shows 13 points, two badges and the case in the ledger."""
    device, spot = device_secret(), fresh_spot()
    body = {"device": device, "sent_at": datetime.now(UTC).isoformat(),
            "complaints": [report_item(spot)]}  # fmt: skip
    sent = await api.post("/report/send", json=body, headers=await report_form(api))
    assert sent.status_code == 200, sent.text
    [result] = sent.json()["results"]
    tracking_id, token = result["tracking_id"], result["token"]
    official = auth(api_keys["official"])
    case = await wait_for_status(api, tracking_id, official, "NOTICE_ISSUED")
    await resolve(types.SimpleNamespace(api=api), tracking_id, case, spot)
    await wait_for_status(api, tracking_id, official, "RESOLVED")
    page = await api.get(f"/track/{tracking_id}")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    done = await api.post(f"/track/{tracking_id}/confirm", data={"csrf": csrf, "token": token})
    assert done.status_code == 303, done.text
    await wait_for_status(api, tracking_id, official, "CLOSED")

    form = await report_form(api)
    mine: dict = {}
    for _ in range(100):  # the record step settles the points as the case closes
        mine = (await api.post("/report/points", json={"device": device}, headers=form)).json()
        if mine["total"] == 13:
            break
        await asyncio.sleep(0.1)
    assert mine["total"] == 13, mine
    assert mine["badges"] == ["first_fix", "closed_the_loop"]
    assert mine["counts"] == {"resolved": 1, "answered": 1}
    assert {e["tracking_id"] for e in mine["entries"]} == {tracking_id}
    assert {e["ward"] for e in mine["entries"]} == {spot[2]}
    report = await api.get("/report")
    assert 'id="points-total"' in report.text and 'href="/board/bengaluru"' in report.text
    assert 'for="pseudonym"' in report.text
