"""Open311 discovery and the service catalogue: the complaint categories and their questions."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.params import PathParameter

from api.auth import PUBLIC
from api.open311.params import ApiKey, Jurisdiction, check_reader, op_id
from api.open311.render import Open311Error, format_of, render, split_format
from domain.categories import ATTRIBUTES, BY_CODE, CATEGORIES

SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-24T00:00:00+05:30"  # when the services (categories, attributes) last changed


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
    operation_id=op_id("open311Discovery"),
    summary="Open311 service discovery",
    opt=PUBLIC,
)
async def discovery(
    request: Request, api_key: ApiKey = None, jurisdiction_id: Jurisdiction = None
) -> Response[bytes]:
    """Where this GeoReport v2 endpoint is, what it speaks and whom to ask for a key."""
    await check_reader(request, api_key, jurisdiction_id)
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
    operation_id=op_id("open311ListServices"),
    summary="Open311 services (complaint categories)",
    opt=PUBLIC,
)
async def services(
    request: Request, api_key: ApiKey = None, jurisdiction_id: Jurisdiction = None
) -> Response[bytes]:
    """The complaint categories as Open311 services; metadata is true when one asks questions."""
    await check_reader(request, api_key, jurisdiction_id)
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
    await check_reader(request, api_key, jurisdiction_id)
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
