"""The people's pages in a real browser (Debian's chromium) against the served stack.

A citizen files with no signal and the complaint becomes exactly one case when the signal
returns, even when the answer is lost and the page reloaded; a supervisor signs in and
resolves a case with a real JPEG through the page; another supervisor gets the 403 page;
the filer's token confirms and a forged one is refused; the verify page tells a real notice
from one with one byte changed; a form without its CSRF token is refused. Every page stays
on 127.0.0.1 and axe-core finds nothing serious or critical on any of them.
"""

from __future__ import annotations

import asyncio
import io
import json
import uuid

import asyncpg
import httpx
from browser_helpers import axe_violations, describe
from browser_helpers import browser as browser  # fixture
from citizen_helpers import name_tag
from helpers import fresh_spot, photo
from pages_browser_helpers import (
    case_of,
    open_near,
    resolve_by_api,
    sign_in_as,
    site_photo,
    tab,
    until,
)
from PIL import Image

from storage import s3 as s3_storage

QUEUED = "#queue:not([hidden])"
FILED = "#mine a"


async def _clean(page) -> None:  # type: ignore[no-untyped-def]
    """Nothing left 127.0.0.1, nothing broke, and axe has nothing serious to say."""
    assert page.off_host() == [], page.off_host()
    violations = await axe_violations(page)
    assert violations == [], describe(violations)


async def _fits_a_phone(page) -> None:  # type: ignore[no-untyped-def]
    """At 360 px wide the page scrolls down only, never sideways."""
    await page.set_viewport_size({"width": 360, "height": 740})
    wide = await page.evaluate("() => document.documentElement.scrollWidth")
    assert wide <= 360, f"{page.url} is {wide} px wide on a 360 px phone"


async def _fill_report(page, spot: tuple, words: str) -> None:  # type: ignore[no-untyped-def]
    await page.fill("#lat", f"{spot[0]:.6f}")
    await page.fill("#lon", f"{spot[1]:.6f}")
    await page.fill("#description", words)
    await page.select_option("#category", "pothole")
    await page.click("#file")


async def test_a_complaint_filed_offline_becomes_one_case_when_the_signal_returns(
    browser, served_api
):
    spot = fresh_spot()
    async with tab(browser, workers=True) as page:
        await page.goto(served_api.url + "/report")
        await until(page, "() => navigator.serviceWorker.controller !== null")
        await page.context.set_offline(True)
        await page.reload()  # no signal: the service worker opens the page
        assert await page.text_content("h1") == "Report a problem"
        await _fill_report(page, spot, f"Pothole by the tank bund road {uuid.uuid4().hex[:6]}")
        await page.wait_for_selector(QUEUED)
        assert "1 complaint waiting to send" in await page.text_content("#queue")
        assert await open_near(served_api, *spot[:2]) == []
        await page.context.set_offline(False)
        await page.wait_for_selector(FILED, timeout=30_000)
        tracking_id = await page.text_content(FILED)
        assert "Your token:" in await page.text_content("#mine")
        await page.wait_for_selector(QUEUED, state="hidden")
        near = await open_near(served_api, *spot[:2], wait_for=1)
        assert [n["tracking_id"] for n in near] == [tracking_id]
        await _clean(page)


async def test_a_complaint_resent_after_a_lost_answer_and_a_reload_is_still_one_case(
    browser, served_api
):
    spot = fresh_spot()
    async with tab(browser) as page:
        lost = []

        async def lose_answer(route):  # type: ignore[no-untyped-def]
            await route.fetch()  # the server files it...
            lost.append(route.request.url)
            await route.abort()  # ...but the phone never hears back

        await page.route("**/report/send", lose_answer)
        await page.goto(served_api.url + "/report")
        await _fill_report(page, spot, f"Deep pothole at the school gate {uuid.uuid4().hex[:6]}")
        await until(
            page, "() => document.querySelector('#queue').textContent.includes('1 complaint')"
        )
        [case] = await _wait_near(served_api, spot)  # the server filed it
        assert lost
        await page.unroute("**/report/send")
        await page.reload()  # the queue survived in IndexedDB and is sent again
        await page.wait_for_selector(FILED, timeout=30_000)
        assert await page.text_content(FILED) == case["tracking_id"]
        assert len(await open_near(served_api, *spot[:2])) == 1


async def _wait_near(served, spot: tuple) -> list[dict]:  # type: ignore[no-untyped-def]
    near = await open_near(served, *spot[:2], wait_for=1)
    assert near, "the complaint never became a case"
    return near


async def _file_by_page(page, served, spot: tuple) -> str:  # type: ignore[no-untyped-def]
    await page.goto(served.url + "/report")
    await _fill_report(page, spot, f"Pothole near the ration shop {uuid.uuid4().hex[:6]}")
    await page.wait_for_selector(FILED, timeout=30_000)
    return await page.text_content(FILED)


async def test_a_supervisor_resolves_with_a_jpeg_and_another_gets_the_403_page(
    browser, served_api, tmp_path
):
    async with tab(browser) as citizen:
        tracking_id = await _file_by_page(citizen, served_api, fresh_spot())
    case = await case_of(served_api, tracking_id, "NOTICE_ISSUED")
    assignee = case["assignee"]["id"]
    async with tab(browser) as page:
        await sign_in_as(page, served_api, assignee)
        await page.goto(served_api.url + "/work/inbox")
        await page.click(f"a[href='/work/cases/{tracking_id}']")
        await page.wait_for_selector("#proof-form")
        await _clean(page)
        jpeg = tmp_path / "after.jpg"
        jpeg.write_bytes(site_photo(case))
        await page.set_input_files("#proof-after", str(jpeg))
        await page.click("#proof-form button[type=submit]")
        await page.wait_for_selector("#case-status[data-status=RESOLVED]", timeout=30_000)
        await case_of(served_api, tracking_id, "RESOLVED")
        for _ in range(30):  # the Closure certificate lands a moment after the proof
            await page.reload()
            if "Closure" in (await page.text_content("#notices") or ""):
                break
        assert "Closure" in await page.text_content("#notices")
    other = next(o for o in await _roster(served_api) if o["id"] != assignee and o["level"] == 0)
    async with tab(browser) as page:
        await sign_in_as(page, served_api, other["id"])
        answer = await page.goto(served_api.url + f"/work/cases/{tracking_id}")
        assert answer.status == 403
        assert "assigned to another supervisor" in await page.text_content("#forbidden-message")
        await _clean(page)


async def _roster(served) -> list[dict]:  # type: ignore[no-untyped-def]
    async with httpx.AsyncClient(base_url=served.url) as client:
        resp = await client.get(
            "/hotspots/officials", headers={"X-API-Key": served.keys["official"]}
        )
        assert resp.status_code == 200, resp.text
        return resp.json()["officials"]


async def test_the_filer_confirms_with_the_token_and_a_forged_token_is_refused(browser, served_api):
    async with tab(browser) as citizen:
        tracking_id = await _file_by_page(citizen, served_api, fresh_spot())
        case = await case_of(served_api, tracking_id, "NOTICE_ISSUED")
        await resolve_by_api(served_api, case)
        await case_of(served_api, tracking_id, "RESOLVED")
        async with tab(browser) as stranger:  # no token on this phone: they type a guess
            await stranger.goto(served_api.url + f"/track/{tracking_id}")
            await stranger.fill("#token-confirm", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
            await stranger.click("#confirm")
            assert "not this complaint's" in await stranger.text_content("#forbidden-message")
        await citizen.goto(served_api.url + f"/track/{tracking_id}")
        await until(citizen, "() => document.querySelector('#token-confirm').value.length > 0")
        await _clean(citizen)
        await citizen.click("#confirm")
        await citizen.wait_for_selector("#track-done")
        assert (await case_of(served_api, tracking_id, "CLOSED"))["status"] == "CLOSED"


async def test_the_verify_page_says_valid_for_a_notice_and_invalid_for_one_byte_changed(
    browser, served_api, tmp_path
):
    async with tab(browser) as citizen:
        tracking_id = await _file_by_page(citizen, served_api, fresh_spot())
    case = await case_of(served_api, tracking_id, "NOTICE_ISSUED")
    async with httpx.AsyncClient(base_url=served_api.url) as client:
        pdf = await client.get(
            f"/v1/notices/{case['notices'][0]['notice_id']}.pdf",
            headers={"X-API-Key": served_api.keys["official"]},
        )
        assert pdf.status_code == 200, pdf.text
    good = tmp_path / "notice.pdf"
    good.write_bytes(pdf.content)
    changed = bytearray(pdf.content)
    middle = len(changed) // 2
    changed[middle] = (changed[middle] + 1) % 256
    bad = tmp_path / "changed.pdf"
    bad.write_bytes(bytes(changed))
    async with tab(browser) as page:
        await page.goto(served_api.url + "/verify")
        await _clean(page)
        await page.set_input_files("#pdf-file", str(good))
        await page.click("#pdf-check")
        await until(page, "() => document.querySelector('#verdict').textContent.includes('Valid:')")
        assert tracking_id in await page.text_content("#verdict")
        await page.set_input_files("#pdf-file", str(bad))
        await page.click("#pdf-check")
        await until(
            page, "() => !document.querySelector('#verdict').textContent.includes('Valid:')"
        )
        assert "Valid:" not in await page.text_content("#verdict")


async def test_a_form_posted_without_its_csrf_token_is_refused(browser, served_api):
    async with tab(browser) as page:
        await page.goto(served_api.url + "/signin")
        await _clean(page)
        await page.evaluate("document.querySelector('input[name=csrf]').remove()")
        await page.fill("#official", "1")
        await page.fill("#password", "whatever it is")
        async with page.expect_navigation() as answer:
            await page.click("button[type=submit]")
        assert (await answer.value).status == 403


async def test_every_page_stays_local_and_passes_axe(browser, served_api):
    async with tab(browser) as page:
        for path in ("/report", "/report?lang=kn", "/verify", "/signin", "/board/bengaluru",
                     "/board/bengaluru/65?lang=kn", "/privacy", "/privacy?lang=kn"):  # fmt: skip
            await page.goto(served_api.url + path)
            await _clean(page)
            await _fits_a_phone(page)


async def test_a_citizen_chooses_a_board_pseudonym_on_the_report_page(browser, served_api):
    name = f"Asha {name_tag()}"
    async with tab(browser) as page:
        await page.goto(served_api.url + "/report")
        await until(
            page,
            "() => document.getElementById('points-total').textContent.includes('No points yet')",
        )
        await page.fill("#pseudonym", "98450 12345")
        await page.click("#pseudonym-save")
        await until(
            page,
            "() => document.getElementById('pseudonym').getAttribute('aria-invalid') === 'true'",
        )
        assert "at most four digits" in await page.text_content("#pseudonym-state")
        await page.fill("#pseudonym", name)
        await page.click("#pseudonym-save")
        await until(
            page, "() => document.getElementById('pseudonym-state').textContent.includes('Saved')"
        )
        assert name in await page.text_content("#pseudonym-state")
        await page.reload()  # the server keeps it for this phone
        await until(page, f"() => document.getElementById('pseudonym').value === {name!r}")
        await _clean(page)
        await page.click("#board-link")
        await page.wait_for_selector("#board-empty")  # no points yet: not on the board
        assert name not in await page.content()


async def test_every_staff_page_fits_a_360_px_phone_and_passes_axe(browser, served_api):
    async with tab(browser) as citizen:
        tracking_id = await _file_by_page(citizen, served_api, fresh_spot())
        case = await case_of(served_api, tracking_id, "NOTICE_ISSUED")
        await citizen.goto(served_api.url + f"/track/{tracking_id}")
        await _clean(citizen)
        await _fits_a_phone(citizen)
    officer = next(o for o in await _roster(served_api) if o["level"] == 1)
    for official_id, paths in (
        (case["assignee"]["id"], ("/work/inbox", f"/work/cases/{tracking_id}", "/work/score")),
        (officer["id"], ("/work/overdue", f"/work/search?q={tracking_id}",
                         f"/work/cases/{tracking_id}/timeline", "/work/hotspots")),
    ):  # fmt: skip
        async with tab(browser) as page:
            await sign_in_as(page, served_api, official_id)
            for path in paths:
                answer = await page.goto(served_api.url + path)
                assert answer.status == 200, path
                await _clean(page)
                await _fits_a_phone(page)
                await page.set_viewport_size({"width": 390, "height": 844})


async def test_a_keyboard_reaches_the_report_form_in_reading_order(browser, served_api):
    async with tab(browser) as page:
        await page.goto(served_api.url + "/report")
        await page.keyboard.press("Tab")
        assert await page.evaluate("() => document.activeElement.className") == "skip"
        reached = []
        for _ in range(60):
            await page.keyboard.press("Tab")
            reached.append(await page.evaluate("() => document.activeElement.id"))
            if reached[-1] == "file":
                break
        form = [i for i in reached if i in ("locate", "lat", "lon", "description", "category",
                                            "photo", "file")]  # fmt: skip
        assert form == ["locate", "lat", "lon", "description", "category", "photo", "file"]
        labels = await page.evaluate(
            """() => ["lat", "lon", "description", "category", "photo", "pseudonym"].map(
                (id) => document.querySelector(`label[for=${id}]`)?.textContent.trim() || "")"""
        )
        assert all(labels), labels


async def _original_photo(served, settings, tracking_id: str) -> bytes:  # type: ignore[no-untyped-def]
    """The photo as the phone uploaded it: the case's first attachment, read from S3."""
    conn = await asyncpg.connect(served.env["DATABASE_URL"])
    try:
        for _ in range(75):  # the case is recorded a moment after the page has its id
            intake = await conn.fetchval(
                "SELECT intake FROM complaint WHERE tracking_id = $1", tracking_id
            )
            if intake:
                break
            await asyncio.sleep(0.2)
    finally:
        await conn.close()
    [attachment] = json.loads(intake)["attachments"]
    assert attachment["kind"] == "photo" and attachment["content_type"] == "image/jpeg"
    s3 = s3_storage.client(settings)
    found = await asyncio.to_thread(s3.get_object, Bucket=settings.s3_bucket, Key=attachment["key"])
    return found["Body"].read()


async def test_a_photo_taken_offline_waits_with_its_complaint_and_arrives_shrunk_without_exif(
    browser, served_api, settings, tmp_path
):
    spot = fresh_spot()
    camera = tmp_path / "camera.jpg"
    camera.write_bytes(photo(gps=spot[:2], taken="2026:12:03 09:15:00", size=2400))
    async with tab(browser, workers=True) as page:
        await page.goto(served_api.url + "/report")
        await until(page, "() => navigator.serviceWorker.controller !== null")
        await page.context.set_offline(True)
        await page.set_input_files("#photo", str(camera))
        await _fill_report(page, spot, f"Garbage heap by the park gate {uuid.uuid4().hex[:6]}")
        await page.wait_for_selector(QUEUED)
        await page.reload()  # the photo waits in IndexedDB, not in the page
        await page.wait_for_selector(QUEUED)
        await page.context.set_offline(False)
        await page.wait_for_selector(FILED, timeout=30_000)
        tracking_id = await page.text_content(FILED)
    uploaded = Image.open(io.BytesIO(await _original_photo(served_api, settings, tracking_id)))
    assert max(uploaded.size) == 1600  # shrunk on the phone before it waited
    assert not uploaded.getexif(), "the phone's canvas drops EXIF (and its GPS) before upload"
    case = await case_of(served_api, tracking_id)
    [public] = case["intake"]["photos"]
    async with httpx.AsyncClient() as client:
        shown = await client.get(public)
    assert shown.status_code == 200 and not Image.open(io.BytesIO(shown.content)).getexif()


async def test_a_voice_note_recorded_on_the_page_is_filed_with_the_complaint(browser, served_api):
    spot = fresh_spot()
    async with tab(browser) as page:
        await page.context.grant_permissions(["microphone"])
        await page.goto(served_api.url + "/report")
        await page.click("#record")
        await until(
            page, "() => document.getElementById('record').getAttribute('aria-pressed') === 'true'"
        )
        await page.wait_for_timeout(1500)
        await page.click("#record")
        await until(
            page,
            "() => document.getElementById('voice-state').textContent === 'Voice note recorded.'",
        )
        await _fill_report(page, spot, f"Drain overflowing near the market {uuid.uuid4().hex[:6]}")
        await page.wait_for_selector(FILED, timeout=30_000)
        tracking_id = await page.text_content(FILED)
        await _clean(page)
    case = await case_of(served_api, tracking_id)
    voice = case["intake"]["voice_note"]
    assert voice is not None and voice["duration_s"] > 0.5, voice
