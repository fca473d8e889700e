"""The auditor's `/verify` page: check a notice by its PDF, its QR code (camera) or QR text.

With no `qr` the page is the tool: a PDF the script (api/static/app/verify.js) posts to
`POST /v1/notices/verify`, a camera scanner that decodes the QR code in the browser (jsQR,
vendored) and opens the URL it holds when that is this site's verdict page, and a plain form
for the QR code's text. With `?qr=` it is the same verdict `GET /v1/notices/verify?qr=` gives
a browser, with the tool below it. Public, and limited per client address like the other pages.
"""

from __future__ import annotations

from collections.abc import Mapping

from litestar import Request, get
from litestar.response import Template
from markupsafe import Markup

# A module import, not its names: api.controllers.notices imports api.pages (the verdict
# page), so this module may be loaded while that one is still half-loaded.
import api.controllers.notices as notice_routes
from api.auth import PUBLIC
from api.pages.verify import verdict_page
from api.pages.view import page_data
from api.ratelimit import public_rate_guard
from domain.words import MONTHS

JSQR = "/static/vendor/jsqr/jsQR.js"  # loaded by the script when the camera starts
VERIFY_API = "/v1/notices/verify"
# Besides the verify_* words, the script shows these.
SCRIPT_WORDS = ("tracking_id",)


def tool_data(words: Mapping[str, str], language: str) -> Markup:
    """The page-data block verify.js reads: where to post, the QR reader, and its words."""
    shown = {k: v for k, v in words.items() if k.startswith("verify_") or k in SCRIPT_WORDS}
    return page_data(
        {
            "lang": language,
            "words": shown,
            "months": list(MONTHS[language]),
            "verify": VERIFY_API,
            "jsqr": JSQR,
            "max_bytes": notice_routes.MAX_PDF_BYTES,
        }
    )


@get(
    "/verify",
    include_in_schema=False,
    name="verify-tool",
    opt=dict(PUBLIC),
    guards=[public_rate_guard],
)
async def verify_tool(request: Request) -> Template:
    """The verify tool; with `?qr=`, the verdict on that QR string above it."""
    qr = (request.query_params.get("qr") or "").strip()
    if qr:
        shown = await notice_routes.qr_verdict_page(request, qr)
    else:
        shown = await verdict_page(request, None)
    shown.context.update(tool=True, data=tool_data(shown.context["w"], shown.context["lang"]))
    return shown


AUDIT_PAGES = [verify_tool]
