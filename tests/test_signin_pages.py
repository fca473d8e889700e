"""Officials sign in to the pages: an invitation sets the password, sessions live in cookies a
script cannot read, every form carries a CSRF token, and wrong passwords lock the account.
Real app, real PostgreSQL; the browser is httpx (cookies kept per client)."""

from __future__ import annotations

import re
from dataclasses import replace

import httpx
import pytest
from helpers import civicops

from api.headers import is_page
from records import audit, signin
from records.tables import Official

PASSWORD = "monsoon drains at ward 65"


def hidden(html: str, name: str) -> str:
    """The value of a form's hidden input."""
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no hidden {name} in the page"
    return found.group(1)


def set_cookie(resp: httpx.Response, name: str) -> str:
    """The Set-Cookie header of one cookie."""
    header = next((v for v in resp.headers.get_list("set-cookie") if v.startswith(f"{name}=")), "")
    assert header, f"{name} was not set: {resp.headers.get_list('set-cookie')}"
    return header


@pytest.fixture
async def browser(api):  # type: ignore[no-untyped-def]
    """A client of its own (its own cookie jar) on the same app."""
    transport = httpx.ASGITransport(app=api.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://civicops.test") as client:
        yield client


@pytest.fixture
async def official() -> Official:
    """A supervisor on the roster, with a password of its own set through an invitation."""
    row = await Official.objects().where(Official.level == 0).order_by(Official.id).first()
    assert row is not None
    return row


async def set_password(browser: httpx.AsyncClient, official_id: int, password: str) -> None:
    """Follow an invitation link and set the password, as an official would."""
    token = await signin.invite(official_id, actor="test")
    form = await browser.get(f"/invite/{token}")
    assert form.status_code == 200, form.text
    done = await browser.post(
        f"/invite/{token}",
        data={"csrf": hidden(form.text, "csrf"), "password": password, "confirm": password},
    )
    assert done.status_code == 303 and done.headers["location"] == "/signin?welcome=1"


async def sign_in(browser: httpx.AsyncClient, official_id: int, password: str) -> httpx.Response:
    """Open the sign-in form and send it."""
    form = await browser.get("/signin?next=/me")
    assert form.status_code == 200
    return await browser.post(
        "/signin",
        data={"csrf": hidden(form.text, "csrf"), "next": "/me", "official": str(official_id),
              "password": password},
    )  # fmt: skip


async def test_an_invited_supervisor_sets_a_password_signs_in_and_out(browser, official):
    token = await signin.invite(official.id, actor="test")
    form = await browser.get(f"/invite/{token}")
    assert official.name in form.text and form.headers["cache-control"] == "no-store"
    form_cookie = set_cookie(form, "civicops_form").lower()
    assert "httponly" in form_cookie and "samesite=strict" in form_cookie
    csrf = hidden(form.text, "csrf")
    short = await browser.post(
        f"/invite/{token}", data={"csrf": csrf, "password": "short", "confirm": "short"}
    )
    assert short.status_code == 400 and 'data-field="password"' in short.text
    differ = await browser.post(
        f"/invite/{token}", data={"csrf": csrf, "password": PASSWORD, "confirm": PASSWORD + "!"}
    )
    assert differ.status_code == 400 and 'data-field="confirm"' in differ.text
    done = await browser.post(
        f"/invite/{token}", data={"csrf": csrf, "password": PASSWORD, "confirm": PASSWORD}
    )
    assert done.status_code == 303, done.text
    assert (await browser.get(f"/invite/{token}")).status_code == 404  # the link works once

    signed = await sign_in(browser, official.id, PASSWORD)
    assert signed.status_code == 303 and signed.headers["location"] == "/me"
    cookie = set_cookie(signed, "civicops_session").lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "max-age=" in cookie
    assert "secure" not in cookie  # plain http here; behind TLS it is Secure (below)
    me = await browser.get("/me")
    assert me.status_code == 200 and official.name in me.text
    assert all(is_page(p) for p in ("/signin", "/me", "/signout", f"/invite/{token}"))  # CSS
    kannada = await browser.get("/signin?lang=kn")
    assert "ಸೈನ್ ಇನ್" in kannada.text  # in the city's language too

    refused = await browser.post("/signout", data={})  # no CSRF token: refused
    assert refused.status_code == 403
    assert (await browser.get("/me")).status_code == 200  # still signed in
    out = await browser.post("/signout", data={"csrf": hidden(me.text, "csrf")})
    assert out.status_code == 303 and out.headers["location"] == "/signin"
    assert "max-age=0" in set_cookie(out, "civicops_session").lower()
    browser.cookies.set("civicops_session", signed.cookies["civicops_session"])  # kept a copy
    gone = await browser.get("/me")
    assert gone.status_code == 303 and gone.headers["location"] == "/signin?next=/me"


async def test_a_form_posted_without_its_csrf_token_is_refused(browser, official):
    await set_password(browser, official.id, PASSWORD)
    blind = await browser.post(
        "/signin", data={"official": str(official.id), "password": PASSWORD, "next": "/me"}
    )
    assert blind.status_code == 403
    assert "civicops_session" not in blind.headers.get("set-cookie", "")
    forged = await browser.post(
        "/signin",
        data={"csrf": "x" * 43, "official": str(official.id), "password": PASSWORD},
    )
    assert forged.status_code == 403


async def test_five_wrong_passwords_lock_the_account_and_every_attempt_is_audited(
    browser, official
):
    await set_password(browser, official.id, PASSWORD)
    for _ in range(signin.LOCK_AFTER):
        wrong = await sign_in(browser, official.id, "not the password at all")
        assert wrong.status_code in (401, 429)
    locked = await sign_in(browser, official.id, PASSWORD)  # even the right one, now
    assert locked.status_code == 429, locked.text
    assert int(locked.headers["retry-after"]) > 60
    await audit.seal()
    subject = f"official:{official.id}"
    actions = [e["action"] for e in await audit.entries(limit=1000, subject=subject)]
    assert actions.count("signin.failed") >= signin.LOCK_AFTER - 1
    assert "signin.lockout" in actions and "signin.locked" in actions
    assert not any(PASSWORD in str(e) for e in await audit.entries(limit=1000))


async def test_a_wrong_number_or_password_says_so_without_saying_which(browser, official):
    await set_password(browser, official.id, PASSWORD)
    for number, password in ((official.id, "wrong password here"), (2**31 - 2, PASSWORD),
                             ("abc", PASSWORD), ("9" * 40, PASSWORD)):  # fmt: skip
        resp = await sign_in(browser, number, password)  # type: ignore[arg-type]
        assert resp.status_code == 401 and 'role="alert"' in resp.text


async def test_after_sign_in_only_a_path_on_this_site_is_followed(browser, official):
    await set_password(browser, official.id, PASSWORD)
    form = await browser.get("/signin")
    for target, landed in (("//evil.example/x", "/me"), ("https://evil.example", "/me"),
                           ("/hotspots", "/hotspots")):  # fmt: skip
        resp = await browser.post(
            "/signin",
            data={"csrf": hidden(form.text, "csrf"), "next": target, "official": str(official.id),
                  "password": PASSWORD},
        )  # fmt: skip
        assert resp.status_code == 303 and resp.headers["location"] == landed


async def test_behind_tls_the_session_cookie_is_secure(
    settings, temporal_env, task_queue, official
):
    from api.app import create_app

    app = create_app(replace(settings, public_url="https://civicops.example"),
                     temporal=temporal_env.client, task_queue=task_queue)  # fmt: skip
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://civicops.example") as tls:
        await set_password(tls, official.id, PASSWORD)
        signed = await sign_in(tls, official.id, PASSWORD)
        assert signed.status_code == 303
        assert "secure" in set_cookie(signed, "civicops_session").lower()


async def test_civicops_officials_invite_prints_a_link_that_works_once(api, browser, official):
    made = await civicops("officials", "invite", str(official.id), "--hours", "2")
    assert made.returncode == 0, made.stderr
    link = made.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"https?://\S+/invite/[A-Za-z0-9_-]{40,}", link), link
    path = "/" + link.split("/", 3)[3]
    assert (await browser.get(path)).status_code == 200
    unknown = await civicops("officials", "invite", "2147483000")
    assert unknown.returncode != 0 and "2147483000" in unknown.stderr
