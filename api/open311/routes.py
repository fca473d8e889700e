"""Open311 GeoReport v2 routes under /open311/v2, in JSON and XML, plus FixMyStreet's updates.

The format is the path's extension, as the spec has it. A collection has one static path per
format (`/services.json`, `/services.xml`), so the schema lists exactly what exists; an item's
last segment carries its id and the extension together (`/requests/BLR-7K3M9QX2AB.xml`),
since a path parameter cannot share a segment. Anything else under /open311/v2 is an Open311
404, and every error is an Open311 error array in the format asked for.

These routes sit outside the /v1 key guard: reading is public, and filing authenticates the
form's `api_key` itself (403 when missing, wrong, revoked or expired).

The routes live by what they do: `catalogue` (discovery, services and their questions),
`service_requests` (finding and following requests), `filing` (the POST); `params` holds the
parameters and checks they share. This module assembles the router and answers every other
path under /open311/v2.
"""

from __future__ import annotations

from litestar import Request, Response, Router, route
from litestar.enums import HttpMethod

from api.auth import PUBLIC
from api.open311.catalogue import discovery, service_definition, services
from api.open311.filing import create_request
from api.open311.render import Open311Error, exception_handler
from api.open311.service_requests import get_request, get_token, list_requests, request_updates


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
