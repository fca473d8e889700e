"""The zonal officer's pages: overdue cases and escalations, case search, a case's timeline with
the reassign form, and the hotspots with their work orders.

Signed in with a session (api/pages/staff.py), never an API key: the session stands for the
official's Principal, and each page calls what its /v1 route calls: the search filters and
query of records/search.py, the timeline of `fetch_case_history`, `reassign_case`, the
clusters of records/hotspots.py and the work order's per-case moves. Every form that changes
a case carries the session's CSRF token. Bad input is a 4xx page naming the field, in the
page's language; a refusal by the case is a page with its message and its 4xx; never a 500.
The building blocks (rows, bounded fields, the roster as choices) are api/pages/official_parts.py.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.exceptions import HTTPException
from litestar.response import Redirect, Template
from temporalio.service import RPCError, RPCStatusCode

from api.auth import PUBLIC
from api.controllers import hotspots as orders
from api.controllers.complaints import check_tracking_id
from api.controllers.lifecycle import reassign_case
from api.controllers.search import parse_filters
from api.errors import FieldError
from api.pages.official_parts import (
    DEFAULT_SPOTS,
    PathText,
    Problem,
    bounded_text,
    case_row,
    choices,
    listed,
    near,
    official_number,
    params,
    render,
    spot_filters,
    spot_view,
    tracking_clause,
)
from api.pages.signin import FormData, _field
from api.pages.staff import PageRefusal, Staff, staff_only
from api.ratelimit import public_rate_guard
from api.scope import case_filter
from api.updates import RPC_TIMEOUT
from domain import hotspots, ids
from domain.case import Status
from domain.categories import BY_CODE
from domain.roles import Role
from records import hotspots as hotspot_records
from records import search as case_search
from records import wardcases
from records.tables import Complaint, Official
from timeline import CaseHistory, fetch_case_history

OVERDUE_LIMIT = 100  # rows each list shows; the count says how many there are in all
ESCALATION_LIMIT = 50
PAGE_SIZE = 25  # search results a page
MAX_PAGE = 40
HOTSPOT_LIMIT = 30  # hotspots the page lists, biggest first
REASON_MAX = 500  # as ReassignIn and WorkOrderIn bound theirs
NOTE_MAX = 500
WARD_MAX = 60  # as GET /v1/complaints bounds `ward`
_STATUSES = tuple(s.value for s in Status)
_HOTSPOT_ID = re.compile(rf"[a-z0-9_]{{1,40}}-[0-9a-f]{{{hotspots.ID_HASH_CHARS}}}")


@get(
    "/work/overdue",
    include_in_schema=False,
    opt=dict(PUBLIC),
    guards=[public_rate_guard],
)
async def overdue_page(request: Request) -> Response[Any]:
    """The zone's overdue open cases, most overdue first, and its recent escalations."""
    try:
        staff = await staff_only(request, Role.OFFICIAL)
    except PageRefusal as exc:
        return exc.response
    now, fmt, words = datetime.now(UTC), staff.page.fmt, staff.page.fmt.words
    row = await (
        Official.select(Official.zone.name.as_alias("zone"))
        .where(Official.id == (staff.principal.official_id or -1))
        .first()
    )
    zone = row["zone"] if row else None  # a city commissioner has no zone: the whole city
    base = case_search.Filters(now=now, city=staff.page.city.slug, zone=zone)
    late = case_search.conditions(replace(base, overdue=True))
    escalated = case_search.conditions(replace(base, statuses=case_search.OPEN_STATUSES))
    escalated.append(Complaint.escalation_level >= 1)
    scope = case_filter(staff.principal)  # none for an official: they see every case
    if scope is not None:
        late.append(scope)
        escalated.append(scope)
    late_rows, late_total = await listed(late, Complaint.sla_due_at, OVERDUE_LIMIT, True)
    up_rows, up_total = await listed(escalated, Complaint.updated_at, ESCALATION_LIMIT, False)
    covered = (
        words["off_scope_zone"].format(zone=fmt.place(zone))
        if zone
        else words["off_scope_city"].format(city=fmt.place(staff.page.city.name))
    )
    return render(staff, "off_overdue.html", scope=covered, overdue_total=late_total,
                  overdue=[case_row(staff, r, now) for r in late_rows], escalated_total=up_total,
                  escalated=[case_row(staff, r, now) for r in up_rows])  # fmt: skip


async def _search(staff: Staff, given: dict[str, str], now: datetime) -> dict[str, Any]:
    """One page of the search the parameters ask for (a Problem names a bad one)."""
    words = staff.page.fmt.words
    try:
        chosen = {k: given[k] for k in ("status", "category", "ward") if k in given}
        filters = await parse_filters(chosen, now)
    except FieldError as exc:
        raise Problem(exc.field, words[f"off_err_{exc.field}"].format(n=WARD_MAX)) from None
    filters = replace(filters, city=staff.page.city.slug)
    number = given.get("page", "1")
    if not (number.isascii() and number.isdigit() and 1 <= int(number) <= MAX_PAGE):
        raise Problem("page", words["off_err_page"].format(max=MAX_PAGE))
    page = int(number)
    scope, clause = case_filter(staff.principal), tracking_clause(staff, given.get("q"))
    if clause is not None:
        scope = clause if scope is None else scope & clause
    found = await case_search.search(filters, scope=scope, limit=page * PAGE_SIZE)
    kept = {k: v for k, v in given.items() if k != "page"}

    def link(number: int) -> str:
        """The search's URL at another page."""
        return "/work/search?" + urlencode({**kept, "page": str(number)})

    more = found.next is not None and page < MAX_PAGE
    return {"results": [case_row(staff, r, now) for r in found.rows[(page - 1) * PAGE_SIZE :]],
            "page": page, "prev_href": link(page - 1) if page > 1 else None,
            "next_href": link(page + 1) if more else None}  # fmt: skip


@get(
    "/work/search",
    include_in_schema=False,
    opt=dict(PUBLIC),
    guards=[public_rate_guard],
)
async def search_page(request: Request) -> Response[Any]:
    """Search the city's cases by complaint number, status, category and ward."""
    try:
        staff = await staff_only(request, Role.OFFICIAL)
    except PageRefusal as exc:
        return exc.response
    names = ("q", "status", "category", "ward", "page")
    typed = {n: (request.query_params.get(n) or "")[:100] for n in names}
    shown = {"typed": typed, "statuses": [(s, staff.page.fmt.status(s)) for s in _STATUSES],
             "example": ids.TRACKING_ID_EXAMPLE, "results": None, "page": 1,
             "prev_href": None, "next_href": None}  # fmt: skip
    try:
        given = params(staff, request.query_params, names)
        found = await _search(staff, given, datetime.now(UTC)) if given else {}
    except Problem as problem:
        shown["problem"] = problem.shown(staff.page.fmt.words["bad_request"])
        return render(staff, "off_search.html", problem.status, **shown)
    return render(staff, "off_search.html", **{**shown, **found})


# --- a case's timeline and the reassign form ---------------------------------------------------


def _case_problem(staff: Staff, field: str, message: str, status: int) -> PageRefusal:
    """The timeline page saying only what is wrong: a bad id, an unknown case, an outage."""
    title = staff.page.fmt.words["not_found" if status == 404 else "bad_request"]
    problem = Problem(field, message, status).shown(title)
    return PageRefusal(render(staff, "off_case.html", status, history=None, problem=problem))


def _tracking_id(staff: Staff, value: str) -> str:
    """The canonical tracking id of a path, or the 400 page naming it."""
    try:
        return check_tracking_id(value[:40])
    except FieldError:
        words = staff.page.fmt.words
        message = words["off_bad_id"].format(id=value[:40], example=ids.TRACKING_ID_EXAMPLE)
        raise _case_problem(staff, "tracking_id", message, 400) from None


async def _history(request: Request, staff: Staff, tracking_id: str) -> CaseHistory:
    """The case's timeline, as GET /v1/complaints/{id}/history builds it."""
    words = staff.page.fmt.words
    try:
        return await fetch_case_history(
            request.app.state.temporal,
            ids.workflow_id(tracking_id),
            ui_url=request.app.state.settings.effective_temporal_ui_url,
            rpc_timeout=RPC_TIMEOUT,
        )
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            message = words["off_no_case"].format(id=tracking_id)
            raise _case_problem(staff, "tracking_id", message, 404) from None
        raise _case_problem(staff, "tracking_id", words["off_unavailable"], 503) from None


async def _timeline_page(
    request: Request, staff: Staff, tracking_id: str, status: int = 200, **extra: Any
) -> Template:
    """The timeline page of a case, with its reassign form (and an error or notice)."""
    history = await _history(request, staff, tracking_id)
    fmt, words, holder = staff.page.fmt, staff.page.fmt.words, history.assignee
    entries = [{"at": fmt.time(e.at), "iso": e.at.isoformat(), "kind": e.kind,
                "kind_name": words.get(f"off_kind_{e.kind}", e.kind.replace("_", " ")),
                "actor": e.actor, "summary": e.summary} for e in history.entries]  # fmt: skip
    groups: list = []
    closed = words["off_reassign_closed"].format(status=fmt.status(history.status or "?"))
    if history.running and history.status in case_search.OPEN_STATUSES:
        closed = None
        place = await Complaint.select(Complaint.ward_id, Complaint.zone).where(
            Complaint.tracking_id == tracking_id
        ).first() or {"ward_id": None, "zone": None}
        held = holder.official_id if holder else None
        roster = [o for o in await wardcases.roster(staff.page.city.slug) if o["id"] != held]
        close = [o for o in roster if near(o, {place["ward_id"]}, {place["zone"]})]
        groups = choices(staff, close, [o for o in roster if o not in close])
    if extra.pop("reassigned", False) and holder:
        extra["notice"] = words["off_reassigned"].format(name=holder.name)
    typed = extra.pop("typed", {"official_id": "", "reason": ""})
    return render(staff, "off_case.html", status, history=history, entries=entries,
                  holder=holder, status_name=fmt.status(history.status or "?"), groups=groups,
                  closed=closed, reason_max=REASON_MAX, typed=typed,
                  action=f"/work/cases/{tracking_id}/reassign", **extra)  # fmt: skip


@get(
    "/work/cases/{tracking_id:str}/timeline",
    include_in_schema=False,
    opt=dict(PUBLIC),
    guards=[public_rate_guard],
)
async def timeline_page(request: Request, tracking_id: PathText) -> Response[Any]:
    """A case's whole timeline (every step, who and when, IST) and the reassign form."""
    try:
        staff = await staff_only(request, Role.OFFICIAL)
        canonical = _tracking_id(staff, tracking_id)
        done = bool(request.query_params.get("reassigned"))
        return await _timeline_page(request, staff, canonical, reassigned=done)
    except PageRefusal as exc:
        return exc.response


@post(
    "/work/cases/{tracking_id:str}/reassign",
    include_in_schema=False,
    opt=dict(PUBLIC),
    guards=[public_rate_guard],
)
async def reassign_post(request: Request, tracking_id: PathText, data: FormData) -> Response[Any]:
    """Hand the case to another official as the signed-in official; back to the timeline."""
    try:
        staff = await staff_only(request, Role.OFFICIAL)
        canonical = _tracking_id(staff, tracking_id)
        if not staff.csrf_ok(data):
            raise staff.refuse_form()
        title = staff.page.fmt.words["off_reassign_refused"]
        typed = {n: _field(data, n, REASON_MAX + 1) for n in ("official_id", "reason")}
        try:
            official_id = official_number(staff, data)
            reason = bounded_text(staff, data, "reason", REASON_MAX, required=True)
            await reassign_case(
                request.app.state.temporal, canonical, official_id, staff.principal.name, reason
            )
        except Problem as problem:
            return await _timeline_page(request, staff, canonical, problem.status,
                                        problem=problem.shown(title), typed=typed)  # fmt: skip
        except HTTPException as exc:  # the case refused: api/updates.py says why, and the code
            named = isinstance(exc, FieldError)
            shown = Problem(exc.field if named else "official_id",
                            exc.message if named else str(exc.detail)).shown(title)  # fmt: skip
            return await _timeline_page(request, staff, canonical, exc.status_code,
                                        problem=shown, typed=typed)  # fmt: skip
    except PageRefusal as exc:
        return exc.response
    return Redirect(f"/work/cases/{canonical}/timeline?reassigned=1", status_code=303)


# --- hotspots and their work orders ---------------------------------------------------------


async def _hotspots_page(
    request: Request, staff: Staff, chosen: tuple[str | None, int, int], status: int = 200,
    **extra: Any,
) -> Template:  # fmt: skip
    """The hotspots page: the clusters the filters find, each with its work-order form."""
    code, radius, least = chosen
    cases = await hotspot_records.open_cases(staff.page.city.slug, code)
    found = await asyncio.to_thread(hotspots.find_hotspots, cases, radius, least)
    roster = await wardcases.roster(staff.page.city.slug)
    spots = [spot_view(staff, spot, roster) for spot in found[:HOTSPOT_LIMIT]]
    return render(staff, "off_hotspots.html", status, spots=spots, total=len(found),
                  chosen={"category": code or "", "radius_m": radius, "min_cases": least},
                  bounds=hotspots, note_max=NOTE_MAX, **extra)  # fmt: skip


@get(
    "/work/hotspots",
    include_in_schema=False,
    opt=dict(PUBLIC),
    guards=[public_rate_guard],
)
async def hotspots_page(request: Request) -> Response[Any]:
    """The city's hotspots for the signed-in official, with a work-order form for each."""
    try:
        staff = await staff_only(request, Role.OFFICIAL)
        try:
            chosen = spot_filters(staff, request.query_params)
        except Problem as problem:
            shown = problem.shown(staff.page.fmt.words["bad_request"])
            return await _hotspots_page(request, staff, DEFAULT_SPOTS, problem.status,
                                        problem=shown)  # fmt: skip
        return await _hotspots_page(request, staff, chosen)
    except PageRefusal as exc:
        return exc.response


async def _order_spot(staff: Staff, hotspot_id: str, radius: int, least: int) -> hotspots.Hotspot:
    """The hotspot a work order is for, as it is now; a Problem when the id names none (404)
    or its cases have changed since the page showed it (409)."""
    words, code = staff.page.fmt.words, hotspot_id.rpartition("-")[0]
    if not _HOTSPOT_ID.fullmatch(hotspot_id) or code not in BY_CODE:
        raise Problem("hotspot", words["off_bad_hotspot"].format(id=hotspot_id), 404)
    cases = await hotspot_records.open_cases(staff.page.city.slug, code)
    found = await asyncio.to_thread(hotspots.find_hotspots, cases, radius, least)
    spot = next((s for s in found if s.id == hotspot_id), None)
    if spot is None:
        raise Problem("hotspot", words["off_hotspot_gone"], 409)
    return spot


@post(
    "/work/hotspots/{hotspot_id:str}/work-order",
    include_in_schema=False,
    opt=dict(PUBLIC),
    guards=[public_rate_guard],
)
async def work_order_post(request: Request, hotspot_id: PathText, data: FormData) -> Response[Any]:
    """Hand every case of the hotspot to one official, each through its workflow's reassign
    update, as POST /v1/hotspots/work-orders does; the page then lists each case's result."""
    try:
        staff = await staff_only(request, Role.OFFICIAL)
        if not staff.csrf_ok(data):
            raise staff.refuse_form()
        words, chosen = staff.page.fmt.words, DEFAULT_SPOTS
        try:
            chosen = spot_filters(staff, data)
            official_id = official_number(staff, data)
            note = bounded_text(staff, data, "note", NOTE_MAX, required=False)
            spot = await _order_spot(staff, hotspot_id[:60], chosen[1], chosen[2])
            official = await orders._official(official_id)
        except (Problem, FieldError) as exc:  # FieldError: no active official with the number
            status = exc.status if isinstance(exc, Problem) else exc.status_code
            shown = Problem(exc.field, exc.message).shown(words["off_error_title"])
            return await _hotspots_page(request, staff, chosen, status, problem=shown)
        request.state.principal = staff.principal  # the moves and the audit act as this official
        members = [c.tracking_id for c in spot.cases][: orders.MAX_WORK_ORDER]
        reason = note or f"work order: {len(members)} cases of one hotspot"
        gate = asyncio.Semaphore(orders.PARALLEL_MOVES)

        async def one(tracking_id: str) -> orders.WorkOrderResult:
            """Move one case, a few at a time."""
            async with gate:
                return await orders._move(request, tracking_id, official.id, reason)

        results = list(await asyncio.gather(*(one(t) for t in members)))
        await orders._audit(request, official, reason, results)
        counts = {k: staff.page.fmt.num(sum(r.outcome == k for r in results))
                  for k in ("reassigned", "unchanged", "refused")}  # fmt: skip
        order = {"name": official.name,
                 "summary": words["order_done"].format(name=official.name, **counts),
                 "results": [{"tracking_id": r.tracking_id, "outcome": r.outcome,
                              "outcome_name": words[f"outcome_{r.outcome}"],
                              "detail": r.detail or ""} for r in results]}  # fmt: skip
        return await _hotspots_page(request, staff, chosen, order=order)
    except PageRefusal as exc:
        return exc.response


OFFICIAL_PAGES = [overdue_page, search_page, timeline_page, reassign_post, hotspots_page,
                  work_order_post]  # fmt: skip
