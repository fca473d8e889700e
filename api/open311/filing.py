"""Filing an Open311 service request: the POST form, authenticated by its own `api_key`.

A filing goes through the same door as the JSON API's (`api.filing.file_complaint`); its
form fields are read and checked by `api.open311.forms`.
"""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Request, Response, post
from litestar.openapi.spec import OpenAPIMediaType, Operation, RequestBody, Schema
from litestar.openapi.spec.enums import OpenAPIType

from api.auth import PUBLIC
from api.filing import file_complaint
from api.open311 import reading
from api.open311.forms import complaint_from_form, one, read_form
from api.open311.params import authenticate, op_id
from api.open311.render import Open311Error, format_of, render
from domain.roles import Role

FILERS = frozenset({Role.CITIZEN_APP, Role.INTEGRATOR, Role.OFFICIAL, Role.ADMIN})


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


@post(
    ["/requests.json", "/requests.xml"],
    operation_id=op_id("open311CreateRequest"),
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
    principal = await authenticate(
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
