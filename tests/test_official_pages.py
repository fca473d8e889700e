"""The zonal officer's pages, signed in with a session: overdue cases and escalations, case
search, a case's timeline with the reassign form, and the hotspots with their work orders.
Real app, PostgreSQL, Temporal and S3; the browser is httpx with its own cookie jar, signed in
through the sign-in form."""

from __future__ import annotations

import math
import re
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from helpers import auth, fresh_spot, pothole, wait_for_status
from search_helpers import _wards, eventually, file, settled

from domain.hotspots import METRES_PER_DEGREE, hotspot_id
from records import signin
from records.tables import Complaint, Official

PASSWORD = "monsoon drains at ward 65"
GARBAGE = "garbage_not_collected"


def hidden(html: str, name: str) -> str:
    """The value of a form's hidden input."""
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no hidden {name} in the page"
    return found.group(1)


@pytest.fixture
async def browser(api):  # type: ignore[no-untyped-def]
    """An office computer's browser: a client of its own (its own cookie jar) on the app."""
    transport = httpx.ASGITransport(app=api.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://civicops.test") as client:
        yield client


async def sign_in(browser: httpx.AsyncClient, official_id: int, target: str) -> None:
    """Set the official's password from an invitation, then sign in through the form."""
    token = await signin.invite(official_id, actor="test")
    await signin.set_password(token, PASSWORD)
    form = await browser.get(f"/signin?next={target}")
    assert form.status_code == 200, form.text
    done = await browser.post(
        "/signin",
        data={"csrf": hidden(form.text, "csrf"), "next": target,
              "official": str(official_id), "password": PASSWORD},
    )  # fmt: skip
    assert done.status_code == 303 and done.headers["location"] == target, done.text


async def zonal_officer(zone: str) -> int:
    """The zonal officer (level 1) of a zone."""
    row = await (
        Official.select(Official.id)
        .where((Official.level == 1) & (Official.zone.name == zone))
        .first()
    )
    assert row is not None, zone
    return row["id"]


async def new_case(api: httpx.AsyncClient, api_keys: dict[str, str]) -> dict:
    """File a pothole in a ward of its own and wait until its Assignment notice is issued."""
    lat, lon, _ = fresh_spot()
    body = pothole(lat, lon, description=f"Pothole {uuid.uuid4().hex[:8]}")
    filed = await api.post("/v1/complaints", json=body, headers=auth(api_keys["citizen-app"]))
    assert filed.status_code == 202, filed.text
    tracking_id = filed.json()["tracking_id"]
    return await wait_for_status(
        api, tracking_id, auth(api_keys["citizen-app"]), "NOTICE_ISSUED", timeout=60
    )


def triangle_in_a_fresh_ward(radius_m: float = 60) -> list[tuple[float, float]]:
    """Three points on a circle of radius_m (about 104 m apart: beyond the 50 m re-complaint
    rule, within the hotspot radius), 200 m or more inside a ward no other test files in."""
    from shapely.geometry import shape

    while True:
        _, _, ward_id = fresh_spot()
        inner = shape(_wards()[ward_id].geometry).buffer(-(radius_m + 200) / METRES_PER_DEGREE)
        if inner.is_empty:
            continue
        middle = inner.representative_point()
        across = METRES_PER_DEGREE * math.cos(math.radians(middle.y))
        return [
            (round(middle.y + radius_m * math.cos(a) / METRES_PER_DEGREE, 6),
             round(middle.x + radius_m * math.sin(a) / across, 6))
            for a in (0, 2 * math.pi / 3, 4 * math.pi / 3)
        ]  # fmt: skip


async def test_without_a_session_each_page_sends_the_browser_to_sign_in(browser):
    for path in ("/work/overdue", "/work/search", "/work/hotspots",
                 "/work/cases/BLR-0000000000/timeline"):  # fmt: skip
        resp = await browser.get(path)
        assert resp.status_code == 303, (path, resp.text)
        assert resp.headers["location"] == f"/signin?next={path}"
    posted = await browser.post("/work/cases/BLR-0000000000/reassign", data={"reason": "x"})
    assert posted.status_code == 303 and posted.headers["location"].startswith("/signin?next=")


async def test_a_supervisor_signed_in_gets_the_403_page(browser):
    supervisor = await Official.objects().where(Official.level == 0).order_by(Official.id).first()
    await sign_in(browser, supervisor.id, "/work/overdue")
    for path in ("/work/overdue", "/work/search?q=BLR", "/work/hotspots",
                 "/work/cases/BLR-0000000000/timeline"):  # fmt: skip
        resp = await browser.get(path)
        assert resp.status_code == 403, (path, resp.text)
        assert 'id="forbidden-message"' in resp.text
    kannada = await browser.get("/work/overdue?lang=kn")
    assert kannada.status_code == 403 and "ನಿಮಗೆ ಅನುಮತಿ ಇಲ್ಲ" in kannada.text


async def test_the_overdue_page_lists_the_zones_overdue_cases_and_escalations(
    api, api_keys, browser
):
    case = await new_case(api, api_keys)
    tracking_id = case["tracking_id"]
    # Three hours late, and escalated once, in the projection the page reads.
    await Complaint.update(
        {Complaint.sla_due_at: datetime.now(UTC) - timedelta(hours=3, minutes=5),
         Complaint.escalation_level: 1}
    ).where(Complaint.tracking_id == tracking_id)  # fmt: skip
    await sign_in(browser, await zonal_officer(case["ward"]["zone"]), "/work/overdue")
    page = await browser.get("/work/overdue")
    assert page.status_code == 200, page.text
    assert page.headers["cache-control"] == "no-store"
    html = page.text
    overdue = html[html.index('id="overdue"') : html.index('id="escalated-h"')]
    assert f'href="/work/cases/{tracking_id}/timeline"' in overdue
    assert "3.1 hours" in overdue and case["assignee"]["name"] in overdue
    assert case["ward"]["id"] in overdue and "Pothole" in overdue
    assert re.search(r'id="overdue-count">\d+ of \d+<', html)
    assert "<caption" in html and 'scope="col"' in html
    escalated = html[html.index('id="escalated-h"') :]
    assert f'data-tracking-id="{tracking_id}"' in escalated
    assert "<script>" not in html  # no inline script: the CSP allows only files of this host
    assert "/work/overdue" in (await browser.get("/work")).headers["location"]
    kannada = await browser.get("/work/overdue?lang=kn")
    assert kannada.status_code == 200 and tracking_id in kannada.text
    assert "ಗಡುವು ಮೀರಿದ ಪ್ರಕರಣಗಳು" in kannada.text and "3.1 ಗಂಟೆಗಳು" in kannada.text


async def test_search_finds_a_case_and_names_a_bad_parameter(api, api_keys, browser):
    case = await new_case(api, api_keys)
    tracking_id = case["tracking_id"]
    await sign_in(browser, await zonal_officer(case["ward"]["zone"]), "/work/search")
    blank = await browser.get("/work/search")
    assert (
        blank.status_code == 200
        and 'for="off-q"' in blank.text
        and 'id="results"' not in blank.text
    )
    found = await browser.get("/work/search", params={"q": tracking_id.lower(), "status": ""})
    assert found.status_code == 200, found.text
    assert f'href="/work/cases/{tracking_id}/timeline"' in found.text
    assert found.text.count('data-tracking-id="') == 1
    for beginning in (tracking_id[:8], tracking_id[:14], tracking_id[:7].replace("-", " ")):
        typed = await browser.get("/work/search", params={"q": beginning})
        assert typed.status_code == 200 and tracking_id in typed.text, beginning
    ward = await browser.get(
        "/work/search",
        params={"ward": case["ward"]["id"], "status": "notice_issued", "category": "pothole"},
    )
    assert ward.status_code == 200 and tracking_id in ward.text
    for params, field in [
        ({"status": "NOT_A_STATUS"}, "status"),
        ({"category": "litter"}, "category"),
        ({"q": "not an id!"}, "q"),
        ({"q": tracking_id[:-1] + ("0" if tracking_id[-1] != "0" else "1")}, "q"),  # mistyped
        ({"page": "0"}, "page"),
        ({"page": "٣"}, "page"),
        ({"ward": 'x"y'}, "ward"),
        ({"ward": "w" * 61}, "ward"),
    ]:
        resp = await browser.get("/work/search", params=params)
        assert resp.status_code == 400, (params, resp.text)
        assert f'data-field="{field}"' in resp.text, (params, resp.text)
    kannada = await browser.get("/work/search", params={"q": tracking_id, "lang": "kn"})
    assert kannada.status_code == 200 and "ಪ್ರಕರಣ ಹುಡುಕಿ" in kannada.text
    assert tracking_id in kannada.text
    bad = await browser.get("/work/search?status=NOPE&lang=kn")
    assert bad.status_code == 400 and "ತಿಳಿಯದ ಸ್ಥಿತಿ" in bad.text


async def test_the_timeline_shows_every_step_and_the_reassign_form_moves_the_case(
    api, api_keys, browser
):
    case = await new_case(api, api_keys)
    tracking_id, holder = case["tracking_id"], case["assignee"]["id"]
    await sign_in(browser, await zonal_officer(case["ward"]["zone"]), "/work/overdue")
    timeline = f"/work/cases/{tracking_id}/timeline"
    page = await browser.get(timeline)
    assert page.status_code == 200, page.text
    html = page.text
    assert 'data-kind="filed"' in html and 'data-kind="assigned"' in html
    assert re.search(r'<time datetime="[^"]+">[^<]+ IST</time>', html)
    assert 'for="off-official_id"' in html and 'for="off-reason"' in html
    assert f'data-official="{holder}"' in html and 'data-status="NOTICE_ISSUED"' in html
    assert f'<option value="{holder}"' not in html  # the holder is not offered again
    kannada = await browser.get(f"{timeline}?lang=kn")
    assert kannada.status_code == 200 and "ಪ್ರಕರಣವನ್ನು ಮರುನಿಯೋಜಿಸಿ" in kannada.text
    assert "ದಾಖಲಾಗಿದೆ" in kannada.text  # the filing step, named in Kannada

    target = await (
        Official.select(Official.id, Official.name)
        .where((Official.level == 0) & (Official.id != holder) & (Official.active == True))  # noqa: E712
        .first()
    )
    action = f"/work/cases/{tracking_id}/reassign"
    form = {"official_id": str(target["id"]), "reason": "ward boundary: the road is theirs"}
    blind = await browser.post(action, data=form)  # no CSRF token
    assert blind.status_code == 403 and 'id="forbidden-message"' in blind.text
    forged = await browser.post(action, data={**form, "csrf": "x" * 43})
    assert forged.status_code == 403
    csrf = hidden(html, "csrf")
    for reason in ("", "   ", "r" * 501):
        refused = await browser.post(action, data={**form, "csrf": csrf, "reason": reason})
        assert refused.status_code == 400, refused.text
        assert 'data-field="reason"' in refused.text and 'aria-invalid="true"' in refused.text
    nobody = await browser.post(action, data={**form, "csrf": csrf, "official_id": ""})
    assert nobody.status_code == 400 and 'data-field="official_id"' in nobody.text
    to_holder = await browser.post(action, data={**form, "csrf": csrf, "official_id": str(holder)})
    assert 400 <= to_holder.status_code < 500, to_holder.text  # the case refuses: a page, no 500
    assert 'id="error-message"' in to_holder.text
    unknown = await browser.post(action, data={**form, "csrf": csrf, "official_id": "99999999"})
    assert 400 <= unknown.status_code < 500 and 'id="error-message"' in unknown.text
    assert (await api.get(f"/v1/complaints/{tracking_id}", headers=auth(api_keys["official"]))
            ).json()["assignee"]["id"] == holder  # fmt: skip

    done = await browser.post(action, data={**form, "csrf": csrf})
    assert done.status_code == 303, done.text
    assert done.headers["location"] == f"{timeline}?reassigned=1"
    moved = await api.get(f"/v1/complaints/{tracking_id}", headers=auth(api_keys["official"]))
    assert moved.json()["assignee"]["id"] == target["id"]
    [event] = [e for e in moved.json()["events"] if e["kind"] == "reassigned"]
    assert event["detail"]["reason"] == form["reason"]
    shown = await browser.get(done.headers["location"])
    assert shown.status_code == 200 and 'id="case-notice"' in shown.text
    assert f'data-official="{target["id"]}"' in shown.text and target["name"] in shown.text
    assert 'data-kind="reassigned"' in shown.text

    malformed = await browser.get("/work/cases/not-an-id/timeline")
    assert malformed.status_code == 400 and 'data-field="tracking_id"' in malformed.text
    unknown_case = await browser.get("/work/cases/BLR-0000000000/timeline")
    assert unknown_case.status_code == 404 and "BLR-0000000000" in unknown_case.text


async def test_the_hotspots_page_issues_a_work_order_with_the_session(api, api_keys, browser):
    spots = triangle_in_a_fresh_ward()
    tracking_ids = [await file(api, api_keys["citizen-app"], spot, GARBAGE) for spot in spots]
    cases = await settled(api, api_keys["official"], tracking_ids)
    holder = cases[0]["assignee"]["id"]
    spot_id = hotspot_id(GARBAGE, tracking_ids)
    await sign_in(browser, await zonal_officer(cases[0]["ward"]["zone"]), "/work/hotspots")

    async def listed() -> str | None:
        page = await browser.get("/work/hotspots", params={"category": GARBAGE})
        assert page.status_code == 200, page.text
        return page.text if f'data-hotspot="{spot_id}"' in page.text else None

    html = await eventually(listed)
    assert f'action="/work/hotspots/{spot_id}/work-order"' in html
    assert all(f'href="/work/cases/{t}/timeline"' in html for t in tracking_ids)
    assert 'id="api-key"' not in html  # the session acts: no key to type
    kannada = await browser.get("/work/hotspots", params={"category": GARBAGE, "lang": "kn"})
    assert kannada.status_code == 200 and "ಹಾಟ್‌ಸ್ಪಾಟ್‌ಗಳು" in kannada.text
    for params, field in [({"radius_m": "10"}, "radius_m"), ({"min_cases": "x"}, "min_cases"),
                          ({"category": "litter"}, "category")]:  # fmt: skip
        bad = await browser.get("/work/hotspots", params=params)
        assert bad.status_code == 400 and f'data-field="{field}"' in bad.text, params

    target = await (
        Official.select(Official.id, Official.name)
        .where((Official.level == 0) & (Official.id != holder) & (Official.active == True))  # noqa: E712
        .first()
    )
    action = f"/work/hotspots/{spot_id}/work-order"
    form = {"official_id": str(target["id"]), "category": GARBAGE, "radius_m": "150",
            "min_cases": "3", "note": "one crew clears the stretch"}  # fmt: skip
    assert (await browser.post(action, data=form)).status_code == 403  # no CSRF token
    csrf = hidden(html, "csrf")
    gone = await browser.post(f"/work/hotspots/{GARBAGE}-000000000000/work-order",
                              data={**form, "csrf": csrf})  # fmt: skip
    assert gone.status_code == 409 and 'data-field="hotspot"' in gone.text
    junk = await browser.post("/work/hotspots/nothing/work-order", data={**form, "csrf": csrf})
    assert junk.status_code == 404 and 'data-field="hotspot"' in junk.text
    done = await browser.post(action, data={**form, "csrf": csrf})
    assert done.status_code == 200, done.text
    assert 'id="order-summary"' in done.text and target["name"] in done.text
    assert done.text.count('data-outcome="reassigned"') == 3
    for tracking_id in tracking_ids:
        case = (await api.get(f"/v1/complaints/{tracking_id}", headers=auth(api_keys["official"]))
                ).json()  # fmt: skip
        assert case["assignee"]["id"] == target["id"], case
        [moved] = [e for e in case["events"] if e["kind"] == "reassigned"]
        assert moved["detail"]["reason"] == "one crew clears the stretch"
