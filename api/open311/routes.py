"""Open311 GeoReport v2 routes under /open311/v2, in JSON and XML, plus FixMyStreet's updates.

The format is the path's extension, as the spec has it. A collection has one static path per
format (`/services.json`, `/services.xml`), so the schema lists exactly what exists; an item's
last segment carries its id and the extension together (`/requests/BLR-7K3M9QX2AB.xml`),
since a path parameter cannot share a segment. Anything else under /open311/v2 is an Open311
404, and every error is an Open311 error array in the format asked for.

These routes sit outside the /v1 key guard: reading is public, and filing authenticates the
form's `api_key` itself (403 when missing, wrong, revoked or expired).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from litestar import Request, Response, Router, get, post, route
from litestar.enums import HttpMethod
from litestar.openapi.spec import OpenAPIMediaType, Operation, RequestBody, Schema
from litestar.openapi.spec.enums import OpenAPIType
from litestar.params import PathParameter, QueryParameter

from api.auth import PUBLIC, resolve_token
from api.filing import file_complaint
from api.open311 import reading
from api.open311.forms import complaint_from_form, one, read_form
from api.open311.render import (
    Open311Error,
    exception_handler,
    format_of,
    parse_w3c,
    render,
    split_format,
)
from domain import ids
from domain.categories import ATTRIBUTES, BY_CODE, CATEGORIES
from domain.roles import Role
from records.apikeys import Principal
from records.geography import CityZones, UnknownCity

SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-24T00:00:00+05:30"  # when the services (categories, attributes) last changed
MAX_WINDOW = timedelta(days=90)
MAX_IDS = 100
_SLUG = re.compile(r"^[a-z0-9-]{1,40}$")
FILERS = frozenset({Role.CITIZEN_APP, Role.INTEGRATOR, Role.OFFICIAL, Role.ADMIN})

ApiKey = Annotated[
    str | None,
    QueryParameter(
        name="api_key",
        required=False,
        description="An API key; optional for reading, but a key that is given must be valid.",
    ),
]
Jurisdiction = Annotated[
    str | None,
    QueryParameter(
        name="jurisdiction_id", required=False, description="A city slug, e.g. bengaluru"
    ),
]
StartDate = Annotated[
    str | None,
    QueryParameter(
        name="start_date",
        required=False,
        description="W3C datetime, e.g. 2026-11-01T00:00:00+05:30 (no offset means IST)",
    ),
]
EndDate = Annotated[
    str | None,
    QueryParameter(
        name="end_date", required=False, description="W3C datetime; ≤ 90 days after start"
    ),
]


def _op_id(base: str) -> Any:
    """An operation id per path: the base plus the format of the path's extension."""

    def create(handler: Any, method: Any, components: list[Any]) -> str:
        """The operation id of one of the handler's paths."""
        last = str(components[-1]) if components else ""
        return base + ("Xml" if last.endswith(".xml") else "Json")

    return create


@dataclass
class FormOperation(Operation):
    """The POST's body in the schema: Open311's form fields (the handler reads them itself)."""

    def __post_init__(self) -> None:
        """Describe the form body, which Litestar cannot see in the signature."""
        text = Schema(type=OpenAPIType.STRING)
        number = Schema(type=OpenAPIType.NUMBER)
        fields = {
            "api_key": text,
            "service_code": text,
            "lat": number,
            "long": number,
            "address_string": text,
            "description": Schema(type=OpenAPIType.STRING, max_length=4000),
            "media_url": text,
            "email": text,
            "first_name": text,
            "last_name": text,
            "phone": text,
            "device_id": text,
            "account_id": text,
            "jurisdiction_id": text,
            "attribute[CODE]": text,
        }
        form = Schema(
            type=OpenAPIType.OBJECT,
            properties=fields,  # type: ignore[arg-type]
            required=["api_key", "service_code", "lat", "long"],
        )
        self.request_body = RequestBody(
            content={
                "application/x-www-form-urlencoded": OpenAPIMediaType(schema=form),
                "multipart/form-data": OpenAPIMediaType(schema=form),
            },
            required=True,
            description="Form fields; attribute[CODE] repeats for a multivaluelist. "
            "lat and long are required: CivicOps does not geocode address_string.",
        )


async def _principal(request: Request, token: str | None, *, required: bool) -> Principal | None:
    """The caller of a valid api_key, within its rate limit; 403 for a missing or bad one."""
    token = (token or "").strip()
    if not token:
        if required:
            raise Open311Error(403, "api_key: required to file a request")
        return None
    if not token.isprintable() or len(token) > 200:
        raise Open311Error(403, "api_key: not a valid key")
    principal = await resolve_token(request.app.state, token)
    if principal is None:
        raise Open311Error(403, "api_key: not a valid key (wrong, revoked or expired)")
    request.app.state.rate_limiter.check(principal.key_id, principal.rate_per_minute)
    return principal


async def _reader(
    request: Request, api_key: str | None, jurisdiction_id: str | None
) -> CityZones | None:
    """Before any read: a given api_key must be valid (and within its limit), and a given
    jurisdiction_id (a city slug) must be a city CivicOps serves."""
    await _principal(request, api_key, required=False)
    if jurisdiction_id is None or not jurisdiction_id.strip():
        return None
    slug = jurisdiction_id.strip().lower()
    if _SLUG.match(slug):
        try:
            return await request.app.state.zones.city(slug)
        except UnknownCity:
            pass
    raise Open311Error(400, f"jurisdiction_id: CivicOps does not serve {jurisdiction_id!r}")


def _listed(request: Request, name: str) -> list[str]:
    """A comma-separated query field, also when repeated (service_code=a&service_code=b)."""
    values = [v.strip() for raw in request.query_params.getall(name, []) for v in raw.split(",")]
    return [v for v in values if v]


def _window(start_raw: str | None, end_raw: str | None) -> tuple[datetime, datetime]:
    """The requested date range: the last 90 days by default, never wider than 90 days."""
    start = parse_w3c("start_date", start_raw) if start_raw else None
    end = parse_w3c("end_date", end_raw) if end_raw else None
    if start is None and end is None:
        end = datetime.now(UTC)
    try:
        if start is None:
            assert end is not None
            start = end - MAX_WINDOW
        if end is None:
            end = start + MAX_WINDOW
    except OverflowError:
        raise Open311Error(400, "start_date, end_date: outside the calendar") from None
    if end < start:
        raise Open311Error(400, "end_date: must not be before start_date")
    if end - start > MAX_WINDOW:
        raise Open311Error(400, "start_date, end_date: at most 90 days apart")
    return start, end


def _service(code: str) -> dict[str, Any]:
    """One category as a GeoReport v2 service."""
    category = BY_CODE[code]
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": f"{category.name}: reported to {category.department}; "
        f"a ward official is due to act within {category.sla_hours} hours.",
        "metadata": bool(ATTRIBUTES.get(code)),
        "type": "realtime",
        "keywords": ", ".join(category.keywords),
        "group": category.group,
    }


@get(
    ["/discovery.json", "/discovery.xml"],
    operation_id=_op_id("open311Discovery"),
    summary="Open311 service discovery",
    opt=PUBLIC,
)
async def discovery(
    request: Request, api_key: ApiKey = None, jurisdiction_id: Jurisdiction = None
) -> Response[bytes]:
    """Where this GeoReport v2 endpoint is, what it speaks and whom to ask for a key."""
    await _reader(request, api_key, jurisdiction_id)
    public_url = request.app.state.settings.public_url
    body = {
        "changeset": CHANGESET,
        "contact": f"The CivicOps operators of this city, at {public_url}",
        "key_service": "API keys are issued by the city's CivicOps administrator "
        "(civicops apikeys create --role citizen-app); reading needs no key.",
        "endpoints": [
            {
                "specification": SPEC_URL,
                "url": f"{public_url}/open311/v2",
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(format_of(request), "discovery", body)


@get(
    ["/services.json", "/services.xml"],
    operation_id=_op_id("open311ListServices"),
    summary="Open311 services (complaint categories)",
    opt=PUBLIC,
)
async def services(
    request: Request, api_key: ApiKey = None, jurisdiction_id: Jurisdiction = None
) -> Response[bytes]:
    """The complaint categories as Open311 services; metadata is true when one asks questions."""
    await _reader(request, api_key, jurisdiction_id)
    return render(format_of(request), "services", [_service(c.code) for c in CATEGORIES])


@get(
    "/services/{code:str}",
    operation_id="open311GetServiceDefinition",
    summary="Open311 service definition (a category's questions)",
    opt=PUBLIC,
)
async def service_definition(
    request: Request,
    code: Annotated[
        str, PathParameter(description="The service code and the format, e.g. pothole.json")
    ],
    api_key: ApiKey = None,
    jurisdiction_id: Jurisdiction = None,
) -> Response[bytes]:
    """A category's questions (attributes): 404 for an unknown service code."""
    service_code, fmt = split_format(code, "service_code")
    await _reader(request, api_key, jurisdiction_id)
    if service_code not in BY_CODE:
        raise Open311Error(404, f"service_code: no service {service_code!r}; see services.{fmt}")
    attributes = [
        {
            "variable": True,
            "code": a.code,
            "datatype": a.datatype,
            "required": a.required,
            "datatype_description": a.datatype_description,
            "order": order,
            "description": a.description,
            **({"values": [{"key": k, "name": n} for k, n in a.values]} if a.values else {}),
        }
        for order, a in enumerate(ATTRIBUTES.get(service_code, ()), start=1)
    ]
    body = {"service_code": service_code, "attributes": attributes}
    return render(fmt, "service_definition", body)


@post(
    ["/requests.json", "/requests.xml"],
    operation_id=_op_id("open311CreateRequest"),
    summary="Open311: file a service request",
    status_code=200,
    opt=PUBLIC,
    operation_class=FormOperation,
)
async def create_request(request: Request) -> Response[bytes]:
    """File a complaint from an Open311 form, exactly as the JSON door files one.

    A report of an open case's problem within 50 m joins that case: service_request_id is the
    case's, and token is this report's own (tokens/{token} resolves it).
    """
    fmt = format_of(request)
    form = await read_form(request)
    principal = await _principal(
        request, one(form, "api_key") or request.query_params.get("api_key"), required=True
    )
    assert principal is not None
    if principal.role not in FILERS:
        raise Open311Error(403, f"api_key: a {principal.role.value} key may not file requests")
    data = complaint_from_form(form)
    filed = await file_complaint(request.app.state, principal, data, idempotency_key=None)
    if filed.filing == "recomplaint":
        notice = (
            f"An open request for the same problem is nearby: this report was added to "
            f"{filed.tracking_id}, which it helps escalate."
        )
    elif filed.filing == "linked":
        notice = (
            f"A request here was closed recently: this report reopens it as {filed.tracking_id}, "
            "one officer higher up."
        )
    else:
        notice = reading.service_notice(data.category.value)
    body = [
        {
            "service_request_id": filed.tracking_id,
            "token": filed.filing_id,
            "service_notice": notice,
            "account_id": None,
        }
    ]
    return render(fmt, "service_requests", body)


@get(
    ["/requests.json", "/requests.xml"],
    operation_id=_op_id("open311ListRequests"),
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
    city = await _reader(request, api_key, jurisdiction_id)
    corporations: dict[str, str] = {}
    if service_request_id is not None:
        wanted = [v.upper() for v in _listed(request, "service_request_id")]
        if len(wanted) > MAX_IDS:
            raise Open311Error(400, f"service_request_id: at most {MAX_IDS} ids")
        rows = await reading.find_requests(ids=[v for v in wanted if ids.is_tracking_id(v)])
    else:
        codes = _listed(request, "service_code")
        for code in codes:
            if code not in BY_CODE:
                raise Open311Error(400, f"service_code: no service {code!r}; see services.{fmt}")
        statuses: set[str] = set()
        for value in _listed(request, "status"):
            if value.lower() not in ("open", "closed"):
                raise Open311Error(400, f"status: {value!r} is not open or closed")
            is_open = value.lower() == "open"
            statuses |= reading.OPEN311_OPEN if is_open else reading.OPEN311_CLOSED
        start, end = _window(start_date, end_date)
        rows = await reading.find_requests(
            codes=codes or None,
            statuses=statuses or None,
            start=start,
            end=end,
            city=city.city.slug if city else None,
        )
    body = [
        reading.request_fields(
            row, await reading.corporation_of(request.app.state, row["city"], corporations)
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
    await _reader(request, api_key, jurisdiction_id)
    wanted = raw_id.strip().upper()
    rows = await reading.find_requests(ids=[wanted]) if ids.is_tracking_id(wanted) else []
    if not rows:
        raise Open311Error(404, f"service_request_id: no request {raw_id!r}")
    corporation = await reading.corporation_of(request.app.state, rows[0]["city"], {})
    return render(fmt, "service_requests", [reading.request_fields(rows[0], corporation)])


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
    await _reader(request, api_key, jurisdiction_id)
    wanted = raw.strip().upper()
    case_id = await reading.case_of_token(wanted) if ids.is_tracking_id(wanted) else None
    if case_id is None:
        raise Open311Error(404, f"token: no request was filed with token {raw!r}")
    return render(fmt, "service_requests", [{"service_request_id": case_id, "token": wanted}])


@get(
    ["/servicerequestupdates.json", "/servicerequestupdates.xml"],
    operation_id=_op_id("open311ListRequestUpdates"),
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
    city = await _reader(request, api_key, jurisdiction_id)
    start, end = _window(start_date, end_date)
    updates = await reading.find_updates(start, end, city.city.code if city else None)
    return render(fmt, "service_request_updates", updates)


@route(
    # The router does not fall back from an item's node to "/{rest:path}", so the bare names
    # of the item collections (a client that forgot the extension) are caught here too.
    ["/", "/{rest:path}", "/services", "/requests", "/tokens"],
    http_method=[HttpMethod.GET, HttpMethod.POST],
    include_in_schema=False,
    opt=PUBLIC,
)
async def not_found(request: Request) -> Response[bytes]:
    """Any other path under /open311/v2: an Open311 404 naming what exists."""
    raise Open311Error(
        404,
        "path: no such Open311 resource; use discovery, services, services/{code}, requests, "
        "requests/{id}, tokens/{token} or servicerequestupdates, each ending .json or .xml",
    )


router = Router(
    "/open311/v2",
    route_handlers=[
        discovery,
        services,
        service_definition,
        create_request,
        list_requests,
        get_request,
        get_token,
        request_updates,
        not_found,
    ],
    exception_handlers={Exception: exception_handler},
    tags=["open311"],
)
