"""The ward supervisor's pages: the inbox, a case with its notices and proof form, the score.

Signed in with a session (api/pages/staff.py), never an API key: the session stands for the
official's Principal, so each page applies the API's own rules. The inbox lists the open cases
the supervisor holds (an official: the city's), overdue first and then by SLA deadline. A case
page shows the API's case view (`read_case`, api/controllers/complaints.py); a supervisor who
opens another's case gets the 403 page. The proof form posts its photos here (multipart, with
the session's CSRF token): they are checked as a filing's photos are, stored under the case's
proof prefix as a presigned upload would name them, and submitted through the workflow's
`submit_proof` update as the signed-in official (api/pages/supervisor_proof.py). A notice's
signed PDF is streamed to the case's holder. Bad input is a 4xx page naming the field, in the
page's language; never a 500.
"""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

from litestar import Request, Response, get, post
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import PathParameter
from litestar.response import Redirect, Template

from api.attachments import in_storage
from api.auth import PUBLIC
from api.controllers.complaints import check_tracking_id, read_case
from api.errors import FieldError
from api.pages.staff import PageRefusal, Staff, staff_only
from api.pages.supervisor_proof import (
    MAX_FORM_BYTES,
    MAX_MB,
    NOTE_MAX,
    FormProblem,
    read_form,
    submit_proof_form,
)
from api.pages.view import page_data
from api.ratelimit import public_rate_guard
from api.schemas import ComplaintView
from api.scope import case_filter
from domain import formats, ids
from domain.access import holds_case
from domain.proof import ALLOWED_TYPES
from domain.roles import Role
from domain.scores import TIERS, tier_for
from domain.words import MONTHS
from notices.i18n import labels
from notices.model import NoticeKind
from records import notices as notice_records
from records import projection
from records import scores as score_records
from records import search as case_search
from records.apikeys import Principal
from records.tables import Complaint
from storage import uploads

INBOX_LIMIT = 200  # rows the inbox lists; the count says how many there are in all
RECENT_ENTRIES = 50  # ledger entries the score page lists
MAX_NOTICE_BYTES = 10 * 1024 * 1024  # a signed notice PDF is far smaller; a bound all the same
_STAFF = (Role.SUPERVISOR, Role.OFFICIAL)
PathText = Annotated[str, PathParameter()]  # checked by the handler, so a bad one is a page
_SCRIPT_WORDS = (
    "sup_overdue_by",
    "sup_due_in",
    "sup_span_minutes",
    "sup_span_hours",
    "sup_span_days",
)
_CASE_BLANKS: dict[str, Any] = {"case": None, "problem": None, "error": None, "notice": None}
_INBOX_COLUMNS = (
    Complaint.tracking_id,
    Complaint.status,
    Complaint.category,
    Complaint.priority,
    Complaint.ward_id,
    Complaint.ward_name,
    Complaint.sla_due_at,
)


# --- what the pages show ------------------------------------------------------------------


def span(seconds: float, words: Any) -> str:
    """A stretch of time as the countdown says it: minutes, hours under two days, then days."""
    minutes = max(int(seconds // 60), 1)
    if minutes < 60:
        return words["sup_span_minutes"].format(n=minutes)
    hours = minutes // 60
    if hours < 48:
        return words["sup_span_hours"].format(n=hours)
    return words["sup_span_days"].format(n=formats.grouped(hours // 24))


def countdown(due: datetime | None, now: datetime, words: Any) -> dict[str, Any]:
    """A deadline as the pages show it: "overdue by 3 h" or "due in 5 h", and whether late."""
    if due is None:
        return {"text": words["sup_no_deadline"], "overdue": False, "iso": None}
    seconds = (due - now).total_seconds()
    late = seconds < 0
    said = words["sup_overdue_by" if late else "sup_due_in"].format(span=span(abs(seconds), words))
    return {"text": said, "overdue": late, "iso": due.astimezone(UTC).isoformat()}


def _render(staff: Staff, template: str, status: int = 200, **extra: Any) -> Template:
    """A supervisor page, never cached, with the countdown words the page's script reads."""
    words = staff.page.fmt.words
    data = page_data({"lang": staff.page.language, "words": {k: words[k] for k in _SCRIPT_WORDS}})
    return staff.page.render(
        template, status_code=status, data=data, page_name="staff", **staff.context(), **extra
    )


def _problem(staff: Staff, field_name: str, message: str, status: int) -> PageRefusal:
    """The case page saying only what is wrong: an unknown case, a bad id, an outage."""
    title_key = "sup_not_found_title" if status == 404 else "bad_request"
    words = staff.page.fmt.words
    problem = {"field": field_name, "message": message, "title": words[title_key]}
    return PageRefusal(
        _render(staff, "sup_case.html", status, **{**_CASE_BLANKS, "problem": problem})
    )


def _tracking_id(staff: Staff, value: str) -> str:
    """The canonical tracking id of a path, or the 400 page naming it."""
    try:
        return check_tracking_id(value[:40])
    except FieldError:
        message = staff.page.fmt.words["sup_bad_id"].format(
            id=value[:40], example=ids.TRACKING_ID_EXAMPLE
        )
        raise _problem(staff, "tracking_id", message, 400) from None


async def _read(request: Request, staff: Staff, tracking_id: str) -> ComplaintView:
    """The case as the API reads it, if it is this official's to see; else a problem page."""
    words = staff.page.fmt.words
    try:
        view, assignee_id = await read_case(
            request.app.state.temporal, tracking_id, request.app.state.settings.public_url
        )
    except NotFoundException:
        raise _problem(
            staff, "tracking_id", words["sup_not_found"].format(id=tracking_id), 404
        ) from None
    except HTTPException:
        raise _problem(staff, "tracking_id", words["sup_unavailable"], 503) from None
    staff.require_case(assignee_id)
    return view


async def open_cases(
    principal: Principal, city: str, now: datetime, limit: int = INBOX_LIMIT
) -> tuple[list[dict[str, Any]], int]:
    """The open cases a principal may see in a city, soonest deadline first (so the overdue
    come first), those without a deadline last: at most `limit`, and how many in all."""
    filters = case_search.Filters(now=now, city=city, statuses=case_search.OPEN_STATUSES)
    where = case_search.conditions(filters)
    scope = case_filter(principal)
    if scope is not None:
        where.append(scope)
    total = await Complaint.count().where(*where)
    rows = await (
        Complaint.select(*_INBOX_COLUMNS)
        .where(*where, Complaint.sla_due_at.is_not_null())
        .order_by(Complaint.sla_due_at, Complaint.tracking_id)
        .limit(limit)
    )
    if len(rows) < limit:
        rows += await (
            Complaint.select(*_INBOX_COLUMNS)
            .where(*where, Complaint.sla_due_at.is_null())
            .order_by(Complaint.filed_at, Complaint.tracking_id)
            .limit(limit - len(rows))
        )
    return rows, total


def _case_context(staff: Staff, view: ComplaintView, now: datetime) -> dict[str, Any]:
    """What sup_case.html shows of a case: its facts, place, photos, notices and proof form."""
    fmt, words = staff.page.fmt, staff.page.fmt.words
    kinds = {k.value: labels(staff.page.language).title(k) for k in NoticeKind}
    notices = [
        {
            "id": n.notice_id,
            "title": kinds.get(n.kind, n.kind),
            "kind": n.kind,
            "issued": fmt.time(n.issued_at),
            "issued_iso": n.issued_at.isoformat(),
            "href": f"/work/cases/{view.tracking_id}/notices/{n.notice_id}.pdf",
        }
        for n in view.notices
    ]
    is_open = view.status in case_search.OPEN_STATUSES
    holder = view.assignee.id if view.assignee else None
    proof_refusal = None
    if not is_open:
        proof_refusal = words["sup_proof_closed"].format(status=fmt.status(view.status))
    elif not holds_case(staff.principal.official_id, holder):
        proof_refusal = words["sup_proof_not_yours"]
    lat, lon = f"{view.latitude:.6f}", f"{view.longitude:.6f}"
    return {
        "case": view,
        "category_name": fmt.category(view.category) if view.category else formats.DASH,
        "status_name": fmt.status(view.status),
        "due": countdown(view.sla_due_at, now, words) if is_open else None,
        "due_at": fmt.time(view.sla_due_at) if view.sla_due_at else formats.DASH,
        "filed_at": fmt.time(view.filed_at),
        "coordinates": f"{lat}, {lon}",
        "geo_href": f"geo:{lat},{lon}?q={lat},{lon}",
        "osm_href": f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=18/{lat}/{lon}",
        "photos": [urlsplit(u).path for u in (view.intake.photos if view.intake else [])],
        "notices": notices,
        "certificate_soon": view.status == "RESOLVED"
        and not any(n.kind == NoticeKind.CLOSURE.value for n in view.notices),
        "resolved": words["sup_resolved_on"].format(
            when=fmt.time(view.resolved_at), until=fmt.time(view.confirm_due_at)
        )
        if view.resolved_at and view.confirm_due_at
        else None,
        "proof_refusal": proof_refusal,
        "proof_action": f"/work/cases/{view.tracking_id}/proof",
        "max_mb": MAX_MB,
        "note_max": NOTE_MAX,
        "accept": ",".join(["image/*", *ALLOWED_TYPES]),
    }


async def _case_page(
    request: Request,
    staff: Staff,
    tracking_id: str,
    status: int = 200,
    error: dict[str, str] | None = None,
    notice: str | None = None,
) -> Template:
    """The case page, with a form error or a notice when there is one."""
    view = await _read(request, staff, tracking_id)
    context = _case_context(staff, view, datetime.now(UTC))
    return _render(
        staff,
        "sup_case.html",
        status,
        **{**_CASE_BLANKS, **context, "error": error, "notice": notice},
    )


# --- the routes ------------------------------------------------------------------------------


@get("/work/inbox", include_in_schema=False, opt=dict(PUBLIC), guards=[public_rate_guard])
async def inbox_page(request: Request) -> Response[Any]:
    """The signed-in official's open cases, overdue first, then by SLA deadline."""
    try:
        staff = await staff_only(request, *_STAFF)
    except PageRefusal as exc:
        return exc.response
    fmt, now = staff.page.fmt, datetime.now(UTC)
    rows, total = await open_cases(staff.principal, staff.page.city.slug, now)
    cases = [
        {
            "tracking_id": r["tracking_id"],
            "category": fmt.category(r["category"]),
            "status": r["status"],
            "status_name": fmt.status(r["status"]),
            "ward": r["ward_id"] or formats.DASH,
            "ward_name": r["ward_name"] or "",
            "priority": f"P{r['priority']}" if r["priority"] else formats.DASH,
            "due": countdown(r["sla_due_at"], now, fmt.words),
            "due_at": fmt.time(r["sla_due_at"]) if r["sla_due_at"] else "",
        }
        for r in rows
    ]
    lead = (
        "sup_inbox_lead" if staff.principal.role == Role.SUPERVISOR else "sup_inbox_lead_official"
    )
    return _render(
        staff,
        "sup_inbox.html",
        cases=cases,
        total=total,
        lead=fmt.words[lead],
        overdue=sum(c["due"]["overdue"] for c in cases),
    )


@get(
    "/work/cases/{tracking_id:str}",
    include_in_schema=False,
    opt=dict(PUBLIC),
    guards=[public_rate_guard],
)
async def case_page(request: Request, tracking_id: PathText) -> Response[Any]:
    """One case: its facts, deadline, place, photos, notices and the proof form."""
    try:
        staff = await staff_only(request, *_STAFF)
        canonical = _tracking_id(staff, tracking_id)
        words = staff.page.fmt.words
        done = request.query_params.get("proof") == "accepted"
        return await _case_page(
            request, staff, canonical, notice=words["sup_proof_accepted"] if done else None
        )
    except PageRefusal as exc:
        return exc.response


@post(
    "/work/cases/{tracking_id:str}/proof",
    include_in_schema=False,
    opt=dict(PUBLIC),
    guards=[public_rate_guard],
    request_max_body_size=MAX_FORM_BYTES,
)
async def proof_post(request: Request, tracking_id: PathText) -> Response[Any]:
    """Take the proof form: photos checked and stored, then submitted to the case; accepted
    proof goes on to the case page (303), anything else is the case page saying why."""
    try:
        staff = await staff_only(request, *_STAFF)
        canonical = _tracking_id(staff, tracking_id)
        try:
            form = await read_form(request)
            if not staff.csrf_ok(form.fields):
                raise staff.refuse_form()
            await submit_proof_form(request, staff, canonical, form)
        except FormProblem as problem:
            words = staff.page.fmt.words
            error = {
                "field": problem.field_name,
                "message": words[problem.key].format(**problem.values),
            }
            return await _case_page(request, staff, canonical, problem.http_status, error=error)
    except PageRefusal as exc:
        return exc.response
    return Redirect(f"/work/cases/{canonical}?proof=accepted", status_code=303)


@get(
    "/work/cases/{tracking_id:str}/notices/{name:str}",
    include_in_schema=False,
    opt=dict(PUBLIC),
    guards=[public_rate_guard],
)
async def notice_pdf(request: Request, tracking_id: PathText, name: PathText) -> Response[Any]:
    """A notice of the case as its signed PDF, for the official who holds the case (or the
    one it is addressed to), as GET /v1/notices/{id}.pdf serves it to their API key."""
    try:
        staff = await staff_only(request, *_STAFF)
        canonical = _tracking_id(staff, tracking_id)
        notice_id = name[:48].removesuffix(".pdf").upper()
        row = await notice_records.get(notice_id) if name.endswith(".pdf") else None
        missing = staff.page.fmt.words["sup_not_found"].format(id=notice_id)
        if row is None or row["tracking_id"] != canonical:
            raise _problem(staff, "notice", missing, 404)
        if row["assignee"] != staff.principal.official_id:
            case = await projection.load(canonical)
            staff.require_case(case["assignee"] if case else None)
        settings = request.app.state.settings
        try:
            data = await in_storage(
                uploads.read_bounded,
                request.app.state.s3,
                settings.s3_bucket,
                row["s3_key"],
                MAX_NOTICE_BYTES,
            )
        except HTTPException:
            raise _problem(staff, "notice", staff.page.fmt.words["sup_unavailable"], 503) from None
        digest = await asyncio.to_thread(lambda: hashlib.sha256(data or b"").hexdigest())
        if data is None or digest != row["pdf_sha256"]:
            raise _problem(staff, "notice", staff.page.fmt.words["sup_unavailable"], 503)
    except PageRefusal as exc:
        return exc.response
    return Response(
        data,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{row["notice_id"]}.pdf"',
            "ETag": f'"{row["pdf_sha256"]}"',
            "Cache-Control": "private, no-store",
        },
    )


@get("/work/score", include_in_schema=False, opt=dict(PUBLIC), guards=[public_rate_guard])
async def score_page(request: Request) -> Response[Any]:
    """The signed-in official's score: this month's points and tier, by month, the ledger."""
    try:
        staff = await staff_only(request, *_STAFF)
    except PageRefusal as exc:
        return exc.response
    fmt, words = staff.page.fmt, staff.page.fmt.words
    official_id = staff.principal.official_id or 0
    person = await score_records.official(official_id)
    score = await score_records.official_score(official_id, None)
    months = MONTHS[staff.page.language]

    def month(period: str) -> str:
        """A "YYYY-MM" period as people say it."""
        year, number = period.split("-")
        return f"{months[int(number) - 1]} {year}"

    def tier(name: str) -> str:
        """A tier in the page's language."""
        return words.get(f"sup_tier_{name.lower().replace(' ', '_')}", name)

    entries = [
        {
            **e,
            "event_name": words.get(f"sup_event_{e['event']}", e["event"]),
            "when": fmt.time(e["at"]),
            "iso": e["at"].isoformat(),
        }
        for e in score["entries"][:RECENT_ENTRIES]
    ]
    rule = ", ".join(
        words["sup_tier_floor"].format(tier=tier(t), points=fmt.num(n)) for t, n in TIERS
    )
    return _render(
        staff,
        "sup_score.html",
        name=person["name"] if person else staff.session.account.name,
        designation=person["designation"] if person else staff.session.account.designation,
        period=month(score["tier_period"]),
        current_total=fmt.num(score["current_total"]),
        tier=tier(score["tier"]),
        tier_code=score["tier"].lower().replace(" ", "-"),
        tier_rule=words["sup_tier_rule"].format(rule=rule),
        all_time=fmt.num(score["total"]),
        monthly=[(month(p), fmt.num(t), tier(tier_for(t))) for p, t in score["monthly"].items()],
        entries=entries,
        entry_count=score["entry_count"],
    )


SUPERVISOR_PAGES = [inbox_page, case_page, proof_post, notice_pdf, score_page]
