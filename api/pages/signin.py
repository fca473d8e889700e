"""Officials sign in to the pages: passwords set from a single-use invitation, then sessions.

- **Passwords**, hashed with scrypt (records/signin.py), are set from a single-use link that
  `civicops officials invite ID` makes (`/invite/<token>`, valid 72 hours).
- **Sessions** live in a cookie that is `HttpOnly`, `SameSite=Lax`, and `Secure` when the
  public URL is https. They end after 12 hours, at sign-out, or when the password is set
  again; the database holds only the token's SHA-256.
- **CSRF**: every form that changes state carries a token. Before sign-in it is a random
  value held in a `SameSite=Strict` cookie and repeated in the form (double submit); after
  sign-in it is the session's own token. A form without it, or with another, is a 403 page.
- **Lockout**: five wrong passwords in a row lock the account for 15 minutes (429 with
  Retry-After); every attempt is in the audit chain, never the password.

API keys stay for machines: these cookies open the pages, never the /v1 routes.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.enums import RequestEncodingType
from litestar.params import Body, PathParameter
from litestar.response import Redirect, Template

from api.auth import PUBLIC
from api.pages.handlers import NO_CACHE, Page, _page
from api.ratelimit import public_rate_guard
from domain.ids import MAX_ROW_ID
from domain.roles import Role
from records import signin

SESSION_COOKIE = "civicops_session"
FORM_COOKIE = "civicops_form"  # the double-submit CSRF token of forms shown before sign-in
FORM_SECONDS = 3600
_BLANKS = {"gone": None, "error": None, "field": None, "notice": None, "official": None,
           "account": None}  # fmt: skip
FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
TOKEN = Annotated[str, PathParameter(max_length=100)]


def _secure(request: Request) -> bool:
    """Cookies are Secure when people reach CivicOps over TLS."""
    return str(request.app.state.settings.public_url).startswith("https://")


def _cookie(request: Request, name: str, value: str, seconds: int, same_site: str) -> Cookie:
    """A cookie no script can read, sent only to this site."""
    return Cookie(
        key=name,
        value=value,
        max_age=seconds,
        path="/",
        httponly=True,
        secure=_secure(request),
        samesite=same_site,  # type: ignore[arg-type]
    )


def _field(form: dict[str, str], name: str, limit: int) -> str:
    """A form field, bounded (what is longer is cut, and then fails its own check)."""
    value = form.get(name, "")
    return value[:limit] if isinstance(value, str) else ""


def _same(a: str, b: str) -> bool:
    """Tokens compared in constant time; an empty one never matches."""
    return bool(a) and bool(b) and hmac.compare_digest(a.encode(), b.encode())


def _next_path(value: str | None) -> str:
    """Where to go after sign-in: a path on this site only (never //host or a URL)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value[:300]
    return "/me"


async def current_session(request: Request) -> signin.Session | None:
    """The signed-in official's session from the cookie, or None."""
    token = request.cookies.get(SESSION_COOKIE)
    return await signin.current(token) if token else None


def _render(
    page: Page, template: str, status: int = 200, cookies: list[Cookie] | None = None, **extra: Any
) -> Template:
    """A staff page, never cached, with the page's language cookie and `cookies`."""
    context = {**_BLANKS, **extra}  # the templates' optional parts, absent unless given
    shown = page.render(template, status_code=status, data="{}", page_name="staff", **context)
    shown.cookies = [*shown.cookies, *(cookies or [])]
    shown.headers = {**shown.headers, "Cache-Control": NO_CACHE.to_header()}
    return shown


def _form_token(request: Request) -> tuple[str, list[Cookie]]:
    """The pre-sign-in CSRF token: the cookie's, or a new one (and its cookie)."""
    held = request.cookies.get(FORM_COOKIE, "")
    if 20 <= len(held) <= 100:
        return held, []
    token = secrets.token_urlsafe(32)
    return token, [_cookie(request, FORM_COOKIE, token, FORM_SECONDS, "strict")]


def _refused(page: Page) -> Template:
    """The 403 page for a form sent without its CSRF token (or with another's)."""
    return _render(page, "signin.html", 403, error=page.fmt.words["signin_refused"],
                   form_token="", next_path="/me")  # fmt: skip


@get("/signin", include_in_schema=False, opt=dict(PUBLIC), guards=[public_rate_guard])
async def signin_page(request: Request) -> Template:
    """The sign-in form for supervisors and officials."""
    page = await _page(request, None)
    token, cookies = _form_token(request)
    notice = page.fmt.words["signin_welcome"] if request.query_params.get("welcome") else None
    return _render(page, "signin.html", cookies=cookies, form_token=token, notice=notice,
                   next_path=_next_path(request.query_params.get("next")))  # fmt: skip


@post("/signin", include_in_schema=False, opt=dict(PUBLIC), guards=[public_rate_guard])
async def signin_post(request: Request, data: FormData) -> Response[Any]:
    """Check the number and password; a session cookie and on to the page asked for."""
    page = await _page(request, None)
    if not _same(_field(data, "csrf", 100), request.cookies.get(FORM_COOKIE, "")):
        return _refused(page)
    token = request.cookies.get(FORM_COOKIE, "")
    next_path = _next_path(_field(data, "next", 300))
    number = _field(data, "official", 12).strip()
    password = _field(data, "password", signin.PASSWORD_MAX + 1)
    official = int(number) if number.isdigit() and 0 < int(number) <= MAX_ROW_ID else None
    client = request.client.host if request.client else None
    outcome = (
        await signin.sign_in(official, password, client=client)
        if official is not None
        else signin.SignIn(None, None)
    )
    if outcome.account is None:
        words = page.fmt.words
        if outcome.locked_until is not None:
            until = page.fmt.time(outcome.locked_until)
            wait = max(int((outcome.locked_until - datetime.now(UTC)).total_seconds()), 1)
            shown = _render(page, "signin.html", 429, error=words["signin_locked"].format(
                until=until), form_token=token, next_path=next_path, official=number)  # fmt: skip
            shown.headers = {**shown.headers, "Retry-After": str(wait)}
            return shown
        return _render(page, "signin.html", 401, error=words["signin_wrong"], form_token=token,
                       next_path=next_path, official=number)  # fmt: skip
    session_token, session = await signin.open_session(outcome.account, client=client)
    seconds = int((session.expires_at - datetime.now(UTC)).total_seconds())
    return Redirect(
        next_path,
        status_code=303,
        cookies=[_cookie(request, SESSION_COOKIE, session_token, seconds, "lax")],
        headers={"Cache-Control": NO_CACHE.to_header()},
    )


@get("/me", include_in_schema=False, opt=dict(PUBLIC), guards=[public_rate_guard])
async def me_page(request: Request) -> Response[Any]:
    """Who is signed in, until when, and the sign-out button."""
    session = await current_session(request)
    if session is None:
        return Redirect("/signin?next=/me", status_code=303)
    page = await _page(request, None)
    words = page.fmt.words
    role = words["role_supervisor" if session.account.role == Role.SUPERVISOR else "role_official"]
    return _render(page, "me.html", account=session.account, role=role,
                   until=page.fmt.time(session.expires_at), csrf=session.csrf)  # fmt: skip


@post("/signout", include_in_schema=False, opt=dict(PUBLIC), guards=[public_rate_guard])
async def signout_post(request: Request, data: FormData) -> Response[Any]:
    """End the session (its CSRF token required) and forget the cookie."""
    session = await current_session(request)
    if session is None:
        return Redirect("/signin", status_code=303)
    if not _same(_field(data, "csrf", 100), session.csrf):
        return _refused(await _page(request, None))
    await signin.close(
        request.cookies[SESSION_COOKIE], actor=f"official:{session.account.official_id}"
    )
    gone = _cookie(request, SESSION_COOKIE, "", 0, "lax")
    return Redirect("/signin", status_code=303, cookies=[gone])


@get("/invite/{token:str}", include_in_schema=False, opt=dict(PUBLIC), guards=[public_rate_guard])
async def invite_page(request: Request, token: TOKEN) -> Template:
    """The form where an invited official sets a password (404 once used or expired)."""
    page = await _page(request, None)
    account = await signin.invite_account(token)
    if account is None:
        return _render(page, "invite.html", 404, gone=page.fmt.words["invite_gone"])
    form_token, cookies = _form_token(request)
    return _render(page, "invite.html", cookies=cookies, account=account, form_token=form_token,
                   min_length=signin.PASSWORD_MIN)  # fmt: skip


@post("/invite/{token:str}", include_in_schema=False, opt=dict(PUBLIC), guards=[public_rate_guard])
async def invite_post(request: Request, token: TOKEN, data: FormData) -> Response[Any]:
    """Set the password once; then on to the sign-in form."""
    page = await _page(request, None)
    if not _same(_field(data, "csrf", 100), request.cookies.get(FORM_COOKIE, "")):
        return _refused(page)
    account = await signin.invite_account(token)
    if account is None:
        return _render(page, "invite.html", 404, gone=page.fmt.words["invite_gone"])
    password = _field(data, "password", signin.PASSWORD_MAX + 1)
    again = _field(data, "confirm", signin.PASSWORD_MAX + 1)
    shown = {"account": account, "form_token": request.cookies.get(FORM_COOKIE, ""),
             "min_length": signin.PASSWORD_MIN}  # fmt: skip
    if password != again:
        return _render(page, "invite.html", 400, field="confirm",
                       error=page.fmt.words["passwords_differ"], **shown)  # fmt: skip
    try:
        await signin.set_password(
            token, password, client=request.client.host if request.client else None
        )
    except signin.WeakPassword as exc:
        return _render(page, "invite.html", 400, field="password", error=str(exc), **shown)
    except signin.InvalidLink:
        return _render(page, "invite.html", 404, gone=page.fmt.words["invite_gone"])
    return Redirect("/signin?welcome=1", status_code=303)


SIGNIN_PAGES = [signin_page, signin_post, me_page, signout_post, invite_page, invite_post]
