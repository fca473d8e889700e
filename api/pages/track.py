"""A case's public page, `/track/<id>`, and what only the holder of its citizen token may do.

The page shows the case's public timeline (statuses and times: no names, no numbers, no
exact spot), its signed notices with their verification links, and, once it is resolved,
Confirm and Reopen; while it is open, Withdraw. Each of those is a form with the CSRF token
of the page (double submit) and the citizen token, which the phone that filed it fills in
from its own store (api/static/app/track.js) or the citizen types. A forged or another
case's token is refused with the 403 page; nothing changes.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException
from litestar.params import Body, PathParameter
from litestar.response import Redirect, Template

from api.auth import PUBLIC
from api.controllers import privacy
from api.pages.handlers import NO_CACHE, Page, _page
from api.pages.signin import FORM_COOKIE, _field, _form_token, _same
from api.pages.staff import forbidden
from api.ratelimit import public_rate_guard
from api.updates import run_update
from domain import ids, text
from domain.case import CitizenFeedback, WithdrawRequest
from domain.states import Status
from records import citizens, projection
from records import notices as notice_records
from workflows.complaint import ComplaintWorkflow

FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
TrackingPath = Annotated[str, PathParameter(max_length=40)]
# The steps a citizen sees, by event kind; the others (classifier, reminders) are internal.
PUBLIC_STEPS = ("filed", "assigned", "notice_issued", "escalated", "recomplaint", "reassigned",
                "proof_accepted", "proof_rejected", "closed", "withdrawn", "categorized",
                "outside_city")  # fmt: skip
ACTIONS = ("confirm", "reopen", "withdraw", "forget")
ANSWERED = frozenset({Status.RESOLVED.value})
OPEN_TO_WITHDRAW = frozenset(
    s.value
    for s in Status
    if s not in (Status.RESOLVED, Status.CLOSED, Status.WITHDRAWN, Status.OUTSIDE_CITY)
)


def _tracking(page: Page, value: str) -> str | Template:
    """The canonical tracking id, or the 400 page naming it."""
    parsed = ids.parse_tracking_id(value)
    if parsed is None:
        message = ids.check_failure(value) or ids.NOT_AN_ID
        return _message(page, "track_bad_id", 400, field="tracking_id", detail=message)
    return parsed


def _message(page: Page, key: str, status: int, **extra: Any) -> Template:
    """The track page's short answer (bad id, unknown case), in the page's language."""
    return page.render("track.html", status_code=status, page_name="track", data="{}",
                       case=None, steps=[], notices=[], form_token="", done=None, error=None,
                       message=page.fmt.words[key].format(**extra), can_answer=False,
                       can_withdraw=False)  # fmt: skip


def _steps(page: Page, events: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The public timeline: each public step's time and status, oldest first."""
    words = page.fmt.words
    shown = []
    for event in events:
        if event["kind"] not in PUBLIC_STEPS:
            continue
        shown.append({"at": page.fmt.time(event["at"]), "iso": event["at"].isoformat(),
                      "what": words.get(f"step_{event['kind']}", event["kind"]),
                      "status": page.fmt.status(event["status"])})  # fmt: skip
    return shown


@get("/track/{tracking_id:str}", include_in_schema=False, opt=dict(PUBLIC),
     guards=[public_rate_guard])  # fmt: skip
async def track_page(request: Request, tracking_id: TrackingPath) -> Template:
    """A case's public timeline and notices, with Confirm / Reopen once it is resolved."""
    page = await _page(request, None)
    found = _tracking(page, tracking_id)
    if isinstance(found, Template):
        return found
    return await _show(request, page, found)


async def _show(
    request: Request, page: Page, tracking_id: str, error: str | None = None, status: int = 200
) -> Template:
    """Render the case (with an error line when an action was refused)."""
    case = await projection.load(tracking_id)
    if case is None:
        return _message(page, "track_unknown", 404, id=tracking_id)
    events = await projection.events(tracking_id)
    notices = [
        {
            "kind": n["kind"],
            "level": n["level"],
            "at": page.fmt.time(n["issued_at"]),
            "verify": n["qr_text"],
        }
        for n in await notice_records.for_complaint(tracking_id)
    ]
    token, cookies = _form_token(request)
    done = request.query_params.get("done")
    erasure = request.app.state.policy.privacy(case["city"]).erasure  # s.17(4): a city may keep
    if done == "forget" and not erasure:
        done = "forget_kept"
    shown = page.render(
        "track.html",
        status_code=status,
        page_name="track",
        data="{}",
        case=case,
        steps=_steps(page, events),
        notices=notices,
        form_token=token,
        done=page.fmt.words.get(f"track_done_{done}")
        if done in (*ACTIONS, "forget_kept")
        else None,
        erasure=erasure,
        error=error,
        message=None,
        can_answer=case["status"] in ANSWERED,
        can_withdraw=case["status"] in OPEN_TO_WITHDRAW,
    )
    shown.cookies = [*shown.cookies, *cookies]
    return shown


@post("/track/{tracking_id:str}/{action:str}", include_in_schema=False, opt=dict(PUBLIC),
      guards=[public_rate_guard])  # fmt: skip
async def track_action(
    request: Request,
    tracking_id: TrackingPath,
    action: Annotated[str, PathParameter(max_length=20)],
    data: FormData,
) -> Response[Any]:
    """Confirm, reopen or withdraw the case, or withdraw consent to keep one's personal data,
    for the holder of the case's citizen token only."""
    page = await _page(request, None)
    found = _tracking(page, tracking_id)
    if isinstance(found, Template):
        return found
    words = page.fmt.words
    if action not in ACTIONS:
        return _message(page, "track_bad_action", 404, action=action[:20])
    if not _same(_field(data, "csrf", 100), request.cookies.get(FORM_COOKIE, "")):
        return forbidden(page, words["signin_refused"])
    holder = await citizens.holder(found, _field(data, "token", 64))
    if holder is None:
        return forbidden(page, words["track_token_refused"])
    try:
        reason = text.clean(_field(data, "reason", 1000) or None, "reason",
                            required=action in ("reopen", "withdraw"))  # fmt: skip
    except HTTPException:
        return await _show(request, page, found, words["track_reason_needed"], 400)
    actor = citizens.citizen_actor(holder.device_sha256)
    client = request.app.state.temporal
    try:
        if action == "forget":  # consent withdrawn: messages stop, data erased (DPDP s.6(4))
            await privacy.withdraw_consent(await privacy.key_of(holder), actor)
        elif action == "withdraw":
            await run_update(client, found, ComplaintWorkflow.withdraw,
                             WithdrawRequest(reason or "", actor))  # fmt: skip
        else:
            await run_update(client, found, ComplaintWorkflow.feedback,
                             CitizenFeedback(action, actor, reason))  # fmt: skip
    except HTTPException as exc:
        return await _show(request, page, found, str(exc.detail), exc.status_code)
    return Redirect(f"/track/{found}?done={action}", status_code=303,
                    headers={"Cache-Control": NO_CACHE.to_header()})  # fmt: skip


TRACK_PAGES = [track_page, track_action]
