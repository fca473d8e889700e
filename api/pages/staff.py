"""Signed-in staff on the pages: a session stands for a Principal, so the pages apply the
API's own access rules (api/scope.py, domain/access.py) and role guards.

A page handler starts with `staff = await staff_only(request, Role.SUPERVISOR, ...)` inside
`try: ... except PageRefusal as exc: return exc.response`. Without a session the browser is
sent to sign in (and back); with the wrong role, or another supervisor's case, it gets the
403 page. State-changing forms check `staff.csrf_ok(form)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from litestar import Request, Response, get
from litestar.exceptions import PermissionDeniedException
from litestar.response import Redirect, Template

from api.auth import PUBLIC
from api.pages.handlers import NO_CACHE, Page, _page
from api.pages.signin import _field, _same, current_session
from api.ratelimit import public_rate_guard
from api.scope import require_assigned
from domain.roles import Role
from records import signin
from records.apikeys import Principal


class PageRefusal(Exception):
    """A page answer that ends the handler: to sign-in, or the 403 page."""

    def __init__(self, response: Response[Any]) -> None:
        super().__init__(response.status_code)
        self.response = response


def principal_of(session: signin.Session) -> Principal:
    """The Principal a signed-in official stands for: their role and official id, as their
    supervisor or official API key would carry them."""
    account = session.account
    return Principal(
        key_id=f"session-{session.session_id}",
        name=f"{account.name} (official {account.official_id}, web)",
        role=account.role,
        official_id=account.official_id,
        expires_at=session.expires_at,
    )


@dataclass(frozen=True)
class Staff:
    """A signed-in official on a page: the page, the session and the Principal."""

    page: Page
    session: signin.Session
    principal: Principal

    @property
    def csrf(self) -> str:
        """The token every state-changing form of this session carries."""
        return self.session.csrf

    def csrf_ok(self, form: dict[str, str]) -> bool:
        """Whether a form carries this session's CSRF token."""
        return _same(_field(form, "csrf", 100), self.session.csrf)

    def refuse_form(self) -> PageRefusal:
        """The 403 page for a form without its CSRF token."""
        return PageRefusal(forbidden(self.page, self.page.fmt.words["signin_refused"]))

    def require_case(self, assignee_id: int | None) -> None:
        """The 403 page when a supervisor opens a case assigned to someone else."""
        try:
            require_assigned(self.principal, assignee_id)
        except PermissionDeniedException:
            raise PageRefusal(forbidden(self.page, self.page.fmt.words["case_not_yours"])) from None

    def context(self) -> dict[str, Any]:
        """What every staff page's template is given about who is signed in."""
        return {"staff": self.session.account, "csrf": self.session.csrf,
                "staff_role": self.principal.role.value}  # fmt: skip


def forbidden(page: Page, message: str) -> Template:
    """The 403 page, in the page's language."""
    shown = page.render("forbidden.html", status_code=403, data="{}", page_name="staff",
                        message=message, staff=None)  # fmt: skip
    shown.headers = {**shown.headers, "Cache-Control": NO_CACHE.to_header()}
    return shown


async def staff_only(request: Request, *allowed: Role) -> Staff:
    """The signed-in official, if their role may open this page; else a PageRefusal."""
    session = await current_session(request)
    if session is None:
        target = request.url.path
        if request.url.query:
            target = f"{target}?{request.url.query}"
        raise PageRefusal(Redirect(f"/signin?next={_quoted(target)}", status_code=303))
    page = await _page(request, None)
    principal = principal_of(session)
    if principal.role not in {*allowed, Role.ADMIN}:
        raise PageRefusal(forbidden(page, page.fmt.words["page_not_for_role"]))
    return Staff(page, session, principal)


def _quoted(path: str) -> str:
    """A path for the `next` parameter."""
    return quote(path[:300], safe="/")


@get("/work", include_in_schema=False, opt=dict(PUBLIC), guards=[public_rate_guard])
async def work_page(request: Request) -> Response[Any]:
    """Where staff start: a supervisor's inbox, an official's overdue list."""
    try:
        staff = await staff_only(request, Role.SUPERVISOR, Role.OFFICIAL)
    except PageRefusal as exc:
        return exc.response
    target = "/work/inbox" if staff.principal.role == Role.SUPERVISOR else "/work/overdue"
    return Redirect(target, status_code=303)


STAFF_PAGES = [work_page]
