"""The citizen's report page, offline first, and the routes its script calls.

Citizens need no account. The page files through this server, which holds the web app's
`citizen-app` key (records/citizens.py); the browser never sees a key. Each route is limited
per client address (settings.web_filings_per_minute for sends and uploads), and every JSON
POST carries the double-submit form token (header `X-CivicOps-Form`, equal to the
`civicops_form` cookie that `GET /report/token` sets), so another site cannot post for a
visitor.

The script (api/static/app/report.js) keeps each complaint in IndexedDB with its client id
and capture time until `POST /report/send` answers for it, so a complaint made with no signal
is sent when the signal returns, and re-sending it never opens a second case. The device's
own secret namespaces its client ids and derives each filing's citizen token.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.exceptions import HTTPException, PermissionDeniedException
from litestar.params import JSONBody
from litestar.response import Template
from msgspec import Meta

from api.auth import PUBLIC
from api.controllers.batch import MAX_BATCH_BYTES, BatchIn, file_batch
from api.controllers.stats import nearby_cases
from api.controllers.uploads import MAX_MULTIPART_BYTES, UploadsOut, _receive
from api.controllers.words import ClassifyIn, ClassifyOut, classify_text
from api.errors import FieldError
from api.pages.board import badge_words
from api.pages.handlers import NO_CACHE, _page
from api.pages.signin import FORM_COOKIE, _form_token, _same
from api.pages.view import page_data
from api.ratelimit import RateLimiter, public_rate_guard
from domain.categories import CATEGORIES
from domain.words import STATUS_NAMES
from records import citizens, points
from records.apikeys import Principal

STATIC = Path(__file__).resolve().parents[1] / "static" / "app"
MAX_WEB_ITEMS = 20  # a phone's queue is sent 20 at a time
CLIENT_ID_MAX = 40
PSEUDONYM_SENT_MAX = 100  # characters accepted before spaces are folded (24 kept)
SHOWN_ENTRIES = 20  # ledger entries the report page lists
SHELL_FILES = ("app.css", "report.js", "outbox.js", "format.js", "track.js", "points.js", "sw.js")


class WebBatchIn(msgspec.Struct, forbid_unknown_fields=True):
    """What the report page sends: its device secret, its clock, and queued complaints."""

    device: Annotated[str, Meta(min_length=citizens.DEVICE_MIN, max_length=citizens.DEVICE_MAX)]
    sent_at: datetime
    complaints: Annotated[list[Any], Meta(min_length=1, max_length=MAX_WEB_ITEMS)]


class WebResult(msgspec.Struct, omit_defaults=True):
    """One queued complaint's answer, with the filing's citizen token when it was filed."""

    index: int
    client_id: str | None
    result: str
    tracking_id: str | None = None
    filing: str | None = None
    category: str | None = None
    token: str | None = None
    status_code: int | None = None
    field: str | None = None
    detail: str | None = None


class WebBatchOut(msgspec.Struct):
    """One answer per queued complaint, in the order sent."""

    accepted: int
    rejected: int
    results: list[WebResult]


class DeviceIn(msgspec.Struct, forbid_unknown_fields=True):
    """The report page's device secret, which alone names its points."""

    device: Annotated[str, Meta(min_length=citizens.DEVICE_MIN, max_length=citizens.DEVICE_MAX)]


class PseudonymIn(msgspec.Struct, forbid_unknown_fields=True):
    """A device's choice of board name; empty or null takes it off the board."""

    device: Annotated[str, Meta(min_length=citizens.DEVICE_MIN, max_length=citizens.DEVICE_MAX)]
    pseudonym: Annotated[str, Meta(max_length=PSEUDONYM_SENT_MAX)] | None = None


class PointsOut(msgspec.Struct):
    """A device's points: its total, badge codes, board name and latest ledger entries."""

    total: int
    badges: list[str]
    counts: dict[str, int]
    pseudonym: str | None
    entries: list[dict[str, Any]]


def _device(device: str) -> str:
    """The device secret, or a 400 naming `device`."""
    if not citizens.device_ok(device):
        raise FieldError("device", "must be 22-64 base64url characters")
    return device


def _limit(request: Request) -> None:
    """429 when this client address has sent too many filings this minute."""
    state = request.app.state
    limiter: RateLimiter | None = getattr(state, "web_filing_limiter", None)
    if limiter is None:
        limiter = state.web_filing_limiter = RateLimiter(state.settings.web_filings_per_minute)
    address = request.client.host if request.client else "unknown"
    limiter.check(f"web:{address}", holder="this client address")


def _form_checked(request: Request) -> None:
    """403 unless the request repeats the form cookie in its X-CivicOps-Form header."""
    if not _same(request.headers.get("x-civicops-form", ""), request.cookies.get(FORM_COOKIE, "")):
        raise PermissionDeniedException(
            "X-CivicOps-Form: missing or stale form token; load /report/token and retry"
        )


async def _web(request: Request) -> Principal:
    """The web app's key, made the caller of this request (as the API guard would)."""
    try:
        principal = await citizens.web_principal()
    except citizens.WebKeyRevoked as exc:
        raise HTTPException(str(exc), status_code=503) from None
    request.state.principal = principal
    return principal


def _namespaced(device: str, index: int, raw: Any) -> tuple[str | None, Any]:
    """The item with its client id prefixed by the device's hash (so only this device's
    re-sends match it), and the client id as the phone knows it."""
    if not isinstance(raw, dict):
        return None, raw
    said = raw.get("client_id")
    if not isinstance(said, str):
        return None, raw
    if not 1 <= len(said) <= CLIENT_ID_MAX:
        raise FieldError(f"complaints[{index}].client_id", f"must be 1-{CLIENT_ID_MAX} characters")
    prefix = citizens.device_hash(device)[:16]
    return said, {**raw, "client_id": f"w{prefix}.{said}"}


@get("/report", include_in_schema=False, opt=dict(PUBLIC), guards=[public_rate_guard])
async def report_page(request: Request) -> Template:
    """The report page: pin the spot, say the problem, add a photo, file (even offline)."""
    page = await _page(request, request.query_params.get("city"))
    words = page.fmt.words
    data = page_data(
        {
            "city": page.city.slug,
            "lang": page.language,
            "words": dict(words),
            "categories": {c.code: page.fmt.category(c.code) for c in CATEGORIES},
            "statuses": dict(STATUS_NAMES[page.language]),
            "badges": {b["code"]: b["title"] for b in badge_words(words)},
        }
    )
    return page.render("report.html", page_name="report", data=data)


@get("/report/token", include_in_schema=False, opt=dict(PUBLIC), guards=[public_rate_guard])
async def report_token(request: Request) -> Response[dict[str, str]]:
    """A form token for the page's script, in its cookie and in the answer (double submit)."""
    token, cookies = _form_token(request)
    return Response(
        {"token": token}, cookies=cookies, headers={"Cache-Control": NO_CACHE.to_header()}
    )


@post(
    "/report/send",
    include_in_schema=False,
    opt={**PUBLIC, "max_json_bytes": MAX_BATCH_BYTES},
    request_max_body_size=MAX_BATCH_BYTES,
    guards=[public_rate_guard],
    status_code=200,
)
async def report_send(request: Request, data: JSONBody[WebBatchIn]) -> WebBatchOut:
    """File the phone's queued complaints; one answer each, with its citizen token."""
    _form_checked(request)
    _limit(request)
    _device(data.device)
    principal = await _web(request)
    pairs = [_namespaced(data.device, i, raw) for i, raw in enumerate(data.complaints)]
    answer = await file_batch(request, principal, BatchIn(data.sent_at, [p[1] for p in pairs]))
    results = []
    for result, (said, _) in zip(answer.results, pairs, strict=True):
        token = None
        if result.tracking_id and result.client_id and result.filing:
            token = await citizens.remember_token(
                data.device, result.tracking_id, result.client_id, result.filing
            )
        results.append(
            WebResult(
                result.index,
                said if said is not None else result.client_id,
                result.result,
                tracking_id=result.tracking_id,
                filing=result.filing,
                category=result.category,
                token=token,
                status_code=result.status_code,
                field=result.field,
                detail=result.detail,
            )
        )
    return WebBatchOut(answer.accepted, answer.rejected, results)


@post(
    "/report/upload",
    include_in_schema=False,
    opt=dict(PUBLIC),
    request_max_body_size=MAX_MULTIPART_BYTES,
    guards=[public_rate_guard],
    status_code=201,
)
async def report_upload(request: Request) -> UploadsOut:
    """Store a queued complaint's photos and voice note (multipart), as the API's upload does."""
    _form_checked(request)
    _limit(request)
    await _web(request)
    return await _receive(request)


@post("/report/classify", include_in_schema=False, opt=dict(PUBLIC), guards=[public_rate_guard],
      status_code=200)  # fmt: skip
async def report_classify(request: Request, data: JSONBody[ClassifyIn]) -> ClassifyOut:
    """Propose a category for what the citizen typed."""
    _form_checked(request)
    return await classify_text(data)


@get("/report/nearby", include_in_schema=False, opt=dict(PUBLIC), guards=[public_rate_guard])
async def report_nearby(request: Request) -> Response[Any]:
    """Open complaints near the pin, so the citizen can follow one instead of filing."""
    found = await nearby_cases(request)
    return Response(found, headers={"Cache-Control": NO_CACHE.to_header()})


@post("/report/points", include_in_schema=False, opt=dict(PUBLIC), guards=[public_rate_guard],
      status_code=200)  # fmt: skip
async def report_points(request: Request, data: JSONBody[DeviceIn]) -> PointsOut:
    """This phone's points, badges and board name (only the phone's secret names them)."""
    _form_checked(request)
    digest = citizens.device_hash(_device(data.device))
    mine = await points.balance(digest)
    entries = [
        {
            "reason": e["reason"],
            "points": e["points"],
            "tracking_id": e["tracking_id"],
            "ward": e["ward"],
            "at": e["at"].isoformat(),
        }
        for e in mine["entries"][:SHOWN_ENTRIES]
    ]
    name = await citizens.pseudonym(digest)
    return PointsOut(mine["total"], mine["badges"], mine["counts"], name, entries)


@post("/report/pseudonym", include_in_schema=False, opt=dict(PUBLIC),
      guards=[public_rate_guard], status_code=200)  # fmt: skip
async def report_pseudonym(request: Request, data: JSONBody[PseudonymIn]) -> dict[str, str | None]:
    """Choose, change or drop this phone's name on the neighbourhood board."""
    _form_checked(request)
    device = _device(data.device)
    try:
        name = await citizens.set_pseudonym(device, (data.pseudonym or "").strip() or None)
    except ValueError as exc:
        raise FieldError("pseudonym", str(exc)) from None
    return {"pseudonym": name}


def _version() -> str:
    """A short hash of the files the service worker caches: a new one replaces the cache."""
    digest = hashlib.sha256()
    for name in SHELL_FILES:
        digest.update((STATIC / name).read_bytes())
    return digest.hexdigest()[:12]


@get("/sw.js", include_in_schema=False, opt=dict(PUBLIC), media_type="text/javascript")
async def service_worker(request: Request) -> Response[bytes]:
    """The service worker, served from the root so that it may cache the whole app."""
    body = (STATIC / "sw.js").read_bytes().replace(b"__VERSION__", _version().encode())
    return Response(
        body,
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"},
    )


REPORT_PAGES = [
    report_page,
    report_token,
    report_send,
    report_upload,
    report_classify,
    report_nearby,
    report_points,
    report_pseudonym,
    service_worker,
]
