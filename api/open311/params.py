"""What every Open311 route takes and checks: the shared query parameters and the caller.

A given `api_key` must be valid and within its rate limit (reading needs none, filing does);
a given `jurisdiction_id` must name a city CivicOps serves; a date range is at most 90 days.
`op_id` names a handler's operation per path, by the format of the path's extension.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from litestar import Request
from litestar.params import QueryParameter

from api.auth import resolve_token
from api.open311.render import Open311Error, parse_w3c
from records.apikeys import Principal
from records.geography import CityZones, UnknownCity

MAX_WINDOW = timedelta(days=90)
_SLUG = re.compile(r"^[a-z0-9-]{1,40}$")

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


def op_id(base: str) -> Any:
    """An operation id per path: the base plus the format of the path's extension."""

    def create(handler: Any, method: Any, components: list[Any]) -> str:
        """The operation id of one of the handler's paths."""
        last = str(components[-1]) if components else ""
        return base + ("Xml" if last.endswith(".xml") else "Json")

    return create


async def authenticate(request: Request, token: str | None, *, required: bool) -> Principal | None:
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


async def check_reader(
    request: Request, api_key: str | None, jurisdiction_id: str | None
) -> CityZones | None:
    """Before any read: a given api_key must be valid (and within its limit), and a given
    jurisdiction_id (a city slug) must be a city CivicOps serves."""
    await authenticate(request, api_key, required=False)
    if jurisdiction_id is None or not jurisdiction_id.strip():
        return None
    slug = jurisdiction_id.strip().lower()
    if _SLUG.match(slug):
        try:
            return await request.app.state.zones.city(slug)
        except UnknownCity:
            pass
    raise Open311Error(400, f"jurisdiction_id: CivicOps does not serve {jurisdiction_id!r}")


def listed(request: Request, name: str) -> list[str]:
    """A comma-separated query field, also when repeated (service_code=a&service_code=b)."""
    values = [v.strip() for raw in request.query_params.getall(name, []) for v in raw.split(",")]
    return [v for v in values if v]


def date_window(start_raw: str | None, end_raw: str | None) -> tuple[datetime, datetime]:
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
