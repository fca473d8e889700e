"""The ward supervisor's pages, signed in with a session: the inbox (overdue first), a case
with its notices and the proof form, and the score. Real app, PostgreSQL, Temporal and S3;
the browser is httpx with its own cookie jar, signed in through the sign-in form."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from helpers import auth, fresh_spot, photo, pothole, spot_nearby, wait_for_status

from domain.proof import MAX_PROOF_BYTES
from records import signin
from records.tables import Complaint, Official, ProofPhoto

PASSWORD = "monsoon drains at ward 65"
FAKE_PHOTO = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def hidden(html: str, name: str) -> str:
    """The value of a form's hidden input."""
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no hidden {name} in the page"
    return found.group(1)


@pytest.fixture
async def browser(api):  # type: ignore[no-untyped-def]
    """A phone's browser: a client of its own (its own cookie jar) on the same app."""
    transport = httpx.ASGITransport(app=api.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://civicops.test") as client:
        yield client


async def sign_in(browser: httpx.AsyncClient, official_id: int) -> None:
    """Set the official's password from an invitation, then sign in through the form."""
    token = await signin.invite(official_id, actor="test")
    await signin.set_password(token, PASSWORD)
    form = await browser.get("/signin?next=/work/inbox")
    assert form.status_code == 200, form.text
    done = await browser.post(
        "/signin",
        data={"csrf": hidden(form.text, "csrf"), "next": "/work/inbox",
              "official": str(official_id), "password": PASSWORD},
    )  # fmt: skip
    assert done.status_code == 303 and done.headers["location"] == "/work/inbox", done.text


async def new_case(api: httpx.AsyncClient, api_keys: dict[str, str], spot: tuple) -> dict:
    """File a pothole at a spot and wait until its Assignment notice is issued."""
    body = pothole(spot[0], spot[1], description=f"Pothole {uuid.uuid4().hex[:8]}")
    filed = await api.post("/v1/complaints", json=body, headers=auth(api_keys["citizen-app"]))
    assert filed.status_code == 202, filed.text
    tracking_id = filed.json()["tracking_id"]
    return await wait_for_status(
        api, tracking_id, auth(api_keys["citizen-app"]), "NOTICE_ISSUED", timeout=60
    )


def site_photo(case: dict) -> bytes:
    """A JPEG taken at the spot a minute after the case's last step (EXIF in India time)."""
    at = datetime.fromisoformat(case["updated_at"]) + timedelta(hours=5, minutes=31)
    return photo(gps=(case["latitude"], case["longitude"]), taken=at.strftime("%Y:%m:%d %H:%M:%S"))


async def test_without_a_session_each_page_sends_the_browser_to_sign_in(browser):
    for path in ("/work/inbox", "/work/score", "/work/cases/BLR-0000000000"):
        resp = await browser.get(path)
        assert resp.status_code == 303, (path, resp.text)
        assert resp.headers["location"] == f"/signin?next={path}"
    posted = await browser.post("/work/cases/BLR-0000000000/proof", files={"after": b"x"})
    assert posted.status_code == 303 and posted.headers["location"].startswith("/signin?next=")


async def test_the_inbox_lists_the_supervisors_open_cases_overdue_first(api, api_keys, browser):
    spot = fresh_spot()
    later = await new_case(api, api_keys, spot)
    late = await new_case(api, api_keys, (*spot_nearby(spot), spot[2]))
    assert later["assignee"]["id"] == late["assignee"]["id"]
    # One case is made three hours late (in the projection the inbox reads), the other not.
    await Complaint.update(
        {Complaint.sla_due_at: datetime.now(UTC) - timedelta(hours=3, minutes=5)}
    ).where(Complaint.tracking_id == late["tracking_id"])
    await sign_in(browser, late["assignee"]["id"])
    page = await browser.get("/work/inbox")
    assert page.status_code == 200, page.text
    assert page.headers["cache-control"] == "no-store"
    html = page.text
    first, second = html.index(late["tracking_id"]), html.index(later["tracking_id"])
    assert first < second  # overdue first
    assert f'href="/work/cases/{late["tracking_id"]}"' in html
    assert "overdue by 3 h" in html and re.search(r"due in \d+ (h|d|min)", html)
    assert re.search(r"<time datetime=\"[^\"]+\" data-countdown", html)
    assert 'href="/work/score"' in html and "/static/app/case.js" in html
    assert "<script>" not in html  # no inline script: the CSP allows only files of this host
    kannada = await browser.get("/work/inbox?lang=kn")
    assert "ನನ್ನ ಪ್ರಕರಣಗಳು" in kannada.text and "ಗಡುವು ಮೀರಿ 3 ಗಂಟೆ" in kannada.text


async def test_a_case_page_shows_the_case_and_another_supervisor_gets_403(api, api_keys, browser):
    mine = await new_case(api, api_keys, fresh_spot())
    theirs = await new_case(api, api_keys, fresh_spot())
    assert mine["assignee"]["id"] != theirs["assignee"]["id"]
    await sign_in(browser, mine["assignee"]["id"])
    page = await browser.get(f"/work/cases/{mine['tracking_id']}")
    assert page.status_code == 200, page.text
    html = page.text
    assert mine["description"] in html and 'data-status="NOTICE_ISSUED"' in html
    assert f"geo:{mine['latitude']:.6f},{mine['longitude']:.6f}" in html
    assert mine["ward"]["id"] in html
    assert 'accept="image/*' in html and 'capture="environment"' in html
    assert 'for="proof-after"' in html and 'id="proof-after"' in html  # labelled inputs
    kannada = await browser.get(f"/work/cases/{mine['tracking_id']}?lang=kn")
    assert kannada.status_code == 200 and "ಕೆಲಸ ಮುಗಿದ ಪುರಾವೆ ಸಲ್ಲಿಸಿ" in kannada.text
    pdf_link = re.search(r'href="(/work/cases/[^"]+-ASG0\.pdf)"', html)
    assert pdf_link, "no link to the Assignment notice's PDF"
    pdf = await browser.get(pdf_link.group(1))
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")

    other = await browser.get(f"/work/cases/{theirs['tracking_id']}")
    assert other.status_code == 403 and 'id="forbidden-message"' in other.text
    their_pdf = f"/work/cases/{theirs['tracking_id']}/notices/{theirs['tracking_id']}-ASG0.pdf"
    assert (await browser.get(their_pdf)).status_code == 403
    csrf = hidden(html, "csrf")
    proof = await browser.post(
        f"/work/cases/{theirs['tracking_id']}/proof",
        data={"csrf": csrf},
        files={"after": ("after.jpg", site_photo(theirs), "image/jpeg")},
    )
    assert proof.status_code == 403, proof.text

    unknown = await browser.get("/work/cases/BLR-0000000000")
    assert unknown.status_code == 404 and "BLR-0000000000" in unknown.text
    malformed = await browser.get("/work/cases/not-an-id")
    assert malformed.status_code == 400 and 'data-field="tracking_id"' in malformed.text


async def test_proof_through_the_form_resolves_the_case_with_a_closure_certificate(
    api, api_keys, browser
):
    case = await new_case(api, api_keys, fresh_spot())
    tracking_id = case["tracking_id"]
    await sign_in(browser, case["assignee"]["id"])
    page = await browser.get(f"/work/cases/{tracking_id}")
    csrf = hidden(page.text, "csrf")
    action = f"/work/cases/{tracking_id}/proof"
    jpeg = ("after.jpg", site_photo(case), "image/jpeg")

    blind = await browser.post(action, files={"after": jpeg})  # no CSRF token
    assert blind.status_code == 403, blind.text
    forged = await browser.post(action, data={"csrf": "x" * 43}, files={"after": jpeg})
    assert forged.status_code == 403

    too_big = b"\xff\xd8\xff" + bytes(MAX_PROOF_BYTES)
    huge = await browser.post(
        action, data={"csrf": csrf}, files={"after": ("after.jpg", too_big, "image/jpeg")}
    )
    assert huge.status_code == 413 and 'data-field="after"' in huge.text
    fake = await browser.post(
        action, data={"csrf": csrf}, files={"after": ("after.jpg", FAKE_PHOTO, "image/jpeg")}
    )
    assert fake.status_code == 415, fake.text
    assert 'data-field="after"' in fake.text and 'aria-invalid="true"' in fake.text
    nothing = ("", b"", "application/octet-stream")  # a file input left empty, as browsers send it
    empty = await browser.post(
        action, data={"csrf": csrf, "note": "done"}, files={"after": nothing}
    )
    assert empty.status_code == 400 and 'data-field="after"' in empty.text
    long_note = await browser.post(
        action, data={"csrf": csrf, "note": "n" * 1001}, files={"after": jpeg}
    )
    assert long_note.status_code == 400 and 'data-field="note"' in long_note.text
    assert not await ProofPhoto.exists().where(ProofPhoto.tracking_id == tracking_id)

    done = await browser.post(
        action, data={"csrf": csrf, "note": "Filled and rolled"}, files={"after": jpeg}
    )
    assert done.status_code == 303, done.text
    assert done.headers["location"] == f"/work/cases/{tracking_id}?proof=accepted"
    [stored] = await ProofPhoto.select(ProofPhoto.s3_key).where(
        ProofPhoto.tracking_id == tracking_id
    )
    assert re.fullmatch(rf"proofs/{tracking_id}/after-[0-9a-f]{{32}}\.jpg", stored["s3_key"])
    deadline = time.monotonic() + 30
    while True:  # the Closure certificate may land a moment after the case resolves
        shown = await browser.get(done.headers["location"])
        assert shown.status_code == 200, shown.text
        if 'data-kind="closure"' in shown.text or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    assert 'data-status="RESOLVED"' in shown.text and 'id="case-notice"' in shown.text
    assert 'data-kind="closure"' in shown.text and "Closure Certificate" in shown.text
    assert f"{tracking_id}-CLS0.pdf" in shown.text
    resolved = await wait_for_status(api, tracking_id, auth(api_keys["official"]), "RESOLVED")
    assert resolved["notices"][-1]["notice_id"] == f"{tracking_id}-CLS0"

    again = await browser.post(action, data={"csrf": csrf}, files={"after": jpeg})
    assert again.status_code == 409 and 'data-field="after"' in again.text  # no longer due

    deadline = time.monotonic() + 30
    while True:  # the ledger entry is written by the case's scoring step
        score = await browser.get("/work/score")
        assert score.status_code == 200, score.text
        if tracking_id in score.text or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    assert tracking_id in score.text and "Resolved on time" in score.text


async def test_the_score_page_shows_points_and_tier_in_english_and_kannada(api, browser):
    supervisor = await Official.objects().where(Official.level == 0).order_by(Official.id).first()
    assert supervisor is not None
    await sign_in(browser, supervisor.id)
    english = await browser.get("/work/score")
    assert english.status_code == 200, english.text
    assert "My score" in english.text and 'id="score-tier"' in english.text
    assert re.search(r"Gold from 150", english.text)
    kannada = await browser.get("/work/score?lang=kn")
    assert kannada.status_code == 200 and '<html lang="kn">' in kannada.text
    assert "ನನ್ನ ಅಂಕಗಳು" in kannada.text and "ಶ್ರೇಣಿ" in kannada.text


async def test_an_official_above_the_wards_sees_the_citys_open_cases(api, api_keys, browser):
    case = await new_case(api, api_keys, fresh_spot())
    official = await Official.objects().where(Official.level > 0).order_by(Official.id).first()
    assert official is not None
    await sign_in(browser, official.id)
    inbox = await browser.get("/work/inbox")
    assert inbox.status_code == 200 and "Open cases of the city" in inbox.text
    assert re.search(r"of [0-9,]+ open cases", inbox.text)  # the city's, however many
    page = await browser.get(f"/work/cases/{case['tracking_id']}")
    assert page.status_code == 200 and 'id="proof-refusal"' in page.text  # not the assignee
