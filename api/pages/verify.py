"""The verdict page: what a phone shows after scanning a notice's QR code.

`GET /v1/notices/verify?qr=…` is where every notice's QR code leads. A browser (whose Accept
header puts text/html before JSON) gets this page; an app or a script gets the same verdict
as JSON. The page says, in English and the city's language, "valid, signed by key K on DATE
for complaint C" or why not, and links the case's public status.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Request
from litestar.response import Template

from api.headers import page_policy
from api.pages.handlers import NO_CACHE, _page
from api.pages.view import Formatter
from api.schemas import VerdictView


def wants_html(request: Request) -> bool:
    """True when the client prefers HTML to JSON (a browser), by its Accept header."""
    best = request.accept.best_match(["application/json", "text/html"], default="application/json")
    return best == "text/html"


def sentence(fmt: Formatter, verdict: VerdictView) -> str:
    """ "Valid: signed by key K on DATE for complaint C", or why not, in the page's language
    (the words api/static/app/verify.js says for an uploaded PDF)."""
    words = fmt.words
    if verdict.valid:
        values = {"key": verdict.key_id, "complaint": verdict.tracking_id}
        if not verdict.issued_at:
            return words["verify_signed_undated"].format(**values)
        issued = datetime.fromisoformat(verdict.issued_at)
        return words["verify_signed"].format(**values, date=fmt.time(issued))
    return words.get(f"verify_reason_{verdict.reason}") or words["verify_invalid"]


async def verdict_page(
    request: Request, verdict: VerdictView | None, error: str | None = None, status: int = 200
) -> Template:
    """The verdict as a page (or, for a QR string that cannot be read, why not)."""
    page = await _page(request, None)
    said = sentence(page.fmt, verdict) if verdict else error
    context: dict[str, Any] = {"verdict": verdict, "error": error, "data": "{}",
                               "page_name": "verify", "sentence": said}  # fmt: skip
    shown = page.render("verify.html", status_code=status, **context)
    shown.media_type = "text/html"  # the route's own answers are JSON; this one is a page
    shown.headers = {
        **shown.headers,
        "Cache-Control": NO_CACHE.to_header(),
        "Content-Security-Policy": page_policy(),  # a page, though it lives under /v1
        "Vary": "Accept",
    }
    return shown
