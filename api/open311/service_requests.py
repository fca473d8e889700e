"""Reading Open311 service requests: find them, fetch one, follow a token, list updates.

The queries are in `api.open311.reading`; these routes check their parameters and answer
in the format the path asks for.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Request, Response, get
from litestar.params import PathParameter, QueryParameter

from api.auth import PUBLIC
from api.open311 import reading
from api.open311.params import (
    ApiKey,
    EndDate,
    Jurisdiction,
    StartDate,
    check_reader,
    date_window,
    listed,
    op_id,
)
from api.open311.render import Open311Error, format_of, render, split_format
from domain import ids
from domain.categories import BY_CODE

MAX_IDS = 100


@get(
    ["/requests.json", "/requests.xml"],
    operation_id=op_id("open311ListRequests"),
    summary="Open311: find service requests",
    opt=PUBLIC,
)
async def list_requests(
    request: Request,
    api_key: ApiKey = None,
    jurisdiction_id: Jurisdiction = None,
    service_request_id: Annotated[
        str | None,
        QueryParameter(
            name="service_request_id",
            required=False,
            description="Comma-separated ids; when given, the other filters are ignored",
        ),
    ] = None,
    service_code: Annotated[
        str | None,
        QueryParameter(name="service_code", required=False, description="Comma-separated codes"),
    ] = None,
    start_date: StartDate = None,
    end_date: EndDate = None,
    status: Annotated[
        str | None,
        QueryParameter(name="status", required=False, description="open, closed or open,closed"),
    ] = None,
) -> Response[bytes]:
    """Requests newest first (at most 1000); by default those filed in the last 90 days."""
    fmt = format_of(request)
    city = await check_reader(request, api_key, jurisdiction_id)
    corporations: dict[str, str] = {}
    if service_request_id is not None:
        wanted = [v.upper() for v in listed(request, "service_request_id")]
        if len(wanted) > MAX_IDS:
            raise Open311Error(400, f"service_request_id: at most {MAX_IDS} ids")
        rows = await reading.find_requests(ids=[v for v in wanted if ids.is_tracking_id(v)])
    else:
        codes = listed(request, "service_code")
        for code in codes:
            if code not in BY_CODE:
                raise Open311Error(400, f"service_code: no service {code!r}; see services.{fmt}")
        statuses: set[str] = set()
        for value in listed(request, "status"):
            if value.lower() not in ("open", "closed"):
                raise Open311Error(400, f"status: {value!r} is not open or closed")
            is_open = value.lower() == "open"
            statuses |= reading.OPEN311_OPEN if is_open else reading.OPEN311_CLOSED
        start, end = date_window(start_date, end_date)
        rows = await reading.find_requests(
            codes=codes or None,
            statuses=statuses or None,
            start=start,
            end=end,
            city=city.city.slug if city else None,
        )
    body = [
        reading.request_fields(
            row,
            await reading.corporation_of(request.app.state, row["city"], corporations),
            request.app.state.settings.public_url,
            request.app.state.policy.privacy(row["city"]),
        )
        for row in rows
    ]
    return render(fmt, "service_requests", body)


@get(
    "/requests/{tracking_id:str}",
    operation_id="open311GetRequest",
    summary="Open311: one service request",
    opt=PUBLIC,
)
async def get_request(
    request: Request,
    tracking_id: Annotated[
        str, PathParameter(description="The request id and the format, e.g. BLR-7K3M9QX2AB.json")
    ],
    api_key: ApiKey = None,
    jurisdiction_id: Jurisdiction = None,
) -> Response[bytes]:
    """An array of the one request; 404 until the case is on record or for an unknown id."""
    raw_id, fmt = split_format(tracking_id, "service_request_id")
    await check_reader(request, api_key, jurisdiction_id)
    wanted = raw_id.strip().upper()
    rows = await reading.find_requests(ids=[wanted]) if ids.is_tracking_id(wanted) else []
    if not rows:
        raise Open311Error(404, f"service_request_id: no request {raw_id!r}")
    corporation = await reading.corporation_of(request.app.state, rows[0]["city"], {})
    public_url = request.app.state.settings.public_url
    privacy = request.app.state.policy.privacy(rows[0]["city"])
    return render(
        fmt,
        "service_requests",
        [reading.request_fields(rows[0], corporation, public_url, privacy)],
    )


@get(
    "/tokens/{token:str}",
    operation_id="open311GetToken",
    summary="Open311: the request a token became",
    opt=PUBLIC,
)
async def get_token(
    request: Request,
    token: Annotated[
        str,
        PathParameter(description="The token from a POST and the format, e.g. BLR-9F2K1M3QAB.xml"),
    ],
    api_key: ApiKey = None,
    jurisdiction_id: Jurisdiction = None,
) -> Response[bytes]:
    """The service_request_id a filing's token went to (for a re-complaint, the open case's)."""
    raw, fmt = split_format(token, "token")
    await check_reader(request, api_key, jurisdiction_id)
    wanted = raw.strip().upper()
    case_id = await reading.case_of_token(wanted) if ids.is_tracking_id(wanted) else None
    if case_id is None:
        raise Open311Error(404, f"token: no request was filed with token {raw!r}")
    return render(fmt, "service_requests", [{"service_request_id": case_id, "token": wanted}])


@get(
    ["/servicerequestupdates.json", "/servicerequestupdates.xml"],
    operation_id=op_id("open311ListRequestUpdates"),
    summary="FixMyStreet extension: request updates",
    opt=PUBLIC,
)
async def request_updates(
    request: Request,
    api_key: ApiKey = None,
    jurisdiction_id: Jurisdiction = None,
    start_date: StartDate = None,
    end_date: EndDate = None,
) -> Response[bytes]:
    """Each step of each case in the window, oldest first (at most 1000; default 90 days).

    status uses FixMyStreet's words: FILED and REOPENED are OPEN, TRIAGED is INVESTIGATING,
    ASSIGNED, NOTICE_ISSUED and ESCALATED are ACTION_SCHEDULED, RESOLVED and CLOSED are FIXED,
    WITHDRAWN is CLOSED and OUTSIDE_CITY is NOT_COUNCILS_RESPONSIBILITY; external_status_code
    is the CivicOps status itself.
    """
    fmt = format_of(request)
    city = await check_reader(request, api_key, jurisdiction_id)
    start, end = date_window(start_date, end_date)
    updates = await reading.find_updates(start, end, city.city.code if city else None)
    return render(fmt, "service_request_updates", updates)
