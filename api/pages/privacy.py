"""The privacy notice as a page (`/privacy`), in English and the city's language: what
CivicOps keeps about a citizen, why, for how long, who sees it, and the citizen's rights.

The same facts as `GET /v1/privacy/notice` (domain/privacy.py and the city's policy), so the
page and the API never disagree. Public, and limited per client address like the other pages.
"""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Template

from api.auth import PUBLIC
from api.pages.handlers import _page
from api.pages.view import page_data
from api.ratelimit import public_rate_guard
from domain.privacy import CURRENT_NOTICE, NOTICES


@get("/privacy", include_in_schema=False, opt=dict(PUBLIC), guards=[public_rate_guard])
async def privacy_page(request: Request) -> Template:
    """The privacy notice: what is kept and why, for how long, who sees it, your rights."""
    page = await _page(request, request.query_params.get("city"))
    policy = request.app.state.policy.privacy(page.city.slug)
    words = page.fmt.words
    purposes = [words[f"privacy_purpose_{p}"] for p in NOTICES[CURRENT_NOTICE]]
    return page.render(
        "privacy.html",
        page_name="privacy",
        data=page_data({}),
        version=CURRENT_NOTICE,
        purposes=purposes,
        basis=words[f"privacy_basis_{policy.legal_basis}"],
        policy=policy,
    )


PRIVACY_PAGES = [privacy_page]
