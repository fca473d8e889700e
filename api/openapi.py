"""The served OpenAPI document, completed so it lists every answer the API can give.

Litestar documents each handler's success answer and a 400. The rest is cross-cutting, so
it is added here, once, to the generated document (schemathesis checks the result in CI):

- every operation may answer 503 (a service is briefly down); every /v1 one 429 (limited
  per key, or per client address when public); one behind the key guard also 401 and 403;
  one with a path parameter 404; one with a body 413 and 422;
- errors are `Error` objects (`status_code`, `detail`, `field`, `errors`) under /v1, and
  Open311 error arrays (`[{"code", "description"}]`) under /open311/v2;
- Open311 answers in the format of the path's extension: `text/xml` for `.xml` paths,
  `application/json` arrays and objects for `.json` ones, both for item paths whose last
  segment carries the extension.

Answers particular to one handler (409 for a case in the wrong state, 415 for the verify
route's media types) are declared on the handler with `answers(...)`.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import msgspec
from litestar import Litestar, Request, Router
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, Operation, RequestBody, Schema
from litestar.openapi.spec.enums import OpenAPIType

from api.auth import PUBLIC

DESCRIPTIONS = {
    400: "Bad input: the field at fault is named",
    401: "Missing, wrong, revoked or expired API key",
    403: "This key may not do this",
    404: "No such resource",
    409: "The case is not in a state that allows this",
    413: "Body too large",
    415: "Unsupported media type",
    422: "Well-formed, but refused: the field at fault is named",
    429: "Rate limit exceeded: retry after Retry-After seconds",
    503: "A service is briefly unavailable: retry after Retry-After seconds",
}


class FieldMessage(msgspec.Struct):
    """One field at fault and what is wrong with it."""

    field: str
    message: str


class Error(msgspec.Struct):
    """Every /v1 error: the status, a message, and the field at fault when there is one."""

    status_code: int
    detail: str
    field: str | None = None
    errors: list[FieldMessage] | None = None


@dataclass
class VerifyOperation(Operation):
    """The verify route reads its body itself: a PDF, a form with the PDF and/or QR, or JSON."""

    def __post_init__(self) -> None:
        """Describe the three bodies the route accepts."""
        pdf = Schema(type=OpenAPIType.STRING, format="binary")
        qr = Schema(type=OpenAPIType.STRING, max_length=2048)
        form = Schema(type=OpenAPIType.OBJECT, properties={"file": pdf, "qr": qr})
        json_body = Schema(type=OpenAPIType.OBJECT, properties={"qr": qr}, required=["qr"])
        self.request_body = RequestBody(
            content={
                "multipart/form-data": OpenAPIMediaType(schema=form),
                "application/pdf": OpenAPIMediaType(schema=pdf),
                "application/json": OpenAPIMediaType(schema=json_body),
            },
            required=True,
            description="The notice PDF (at most 10 MB) and/or the string its QR code holds.",
        )


def answers(*codes: int) -> dict[int, ResponseSpec]:
    """Error answers one handler gives beyond the cross-cutting ones, for `responses=`."""
    return {
        code: ResponseSpec(data_container=Error, description=DESCRIPTIONS[code]) for code in codes
    }


_ERROR_REF = {"$ref": "#/components/schemas/Error"}
_TEXT = {"type": "string"}
_NULLABLE_TEXT = {"oneOf": [{"type": "string"}, {"type": "null"}]}
_OPEN311_ERRORS = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["code", "description"],
        "properties": {"code": {"type": "integer"}, "description": _TEXT},
    },
}


def _objects(required: list[str], **properties: Any) -> dict[str, Any]:
    return {
        "type": "array",
        "items": {"type": "object", "required": required, "properties": properties},
    }


_SERVICE_REQUEST = {
    "service_request_id": _TEXT,
    "status": {"type": "string", "enum": ["open", "closed"]},
    "status_notes": _TEXT,
    "service_name": _TEXT,
    "service_code": _TEXT,
    "description": _TEXT,
    "agency_responsible": _TEXT,
    "service_notice": _TEXT,
    "requested_datetime": _TEXT,
    "updated_datetime": _NULLABLE_TEXT,
    "expected_datetime": _NULLABLE_TEXT,
    "address": _NULLABLE_TEXT,
    "address_id": _NULLABLE_TEXT,
    "zipcode": _NULLABLE_TEXT,
    "lat": {"type": "number"},
    "long": {"type": "number"},
    "media_url": _NULLABLE_TEXT,
}
# The JSON body of each Open311 operation's success answer, by the operation id's stem.
OPEN311_BODIES: dict[str, dict[str, Any]] = {
    "open311Discovery": {
        "type": "object",
        "required": ["changeset", "contact", "endpoints"],
        "properties": {
            "changeset": _TEXT,
            "contact": _TEXT,
            "key_service": _TEXT,
            "endpoints": _objects(["specification", "url", "formats"]),
        },
    },
    "open311ListServices": _objects(
        ["service_code", "service_name", "metadata", "type"],
        service_code=_TEXT,
        service_name=_TEXT,
        description=_TEXT,
        metadata={"type": "boolean"},
        type=_TEXT,
        keywords=_TEXT,
        group=_TEXT,
    ),
    "open311GetServiceDefinition": {
        "type": "object",
        "required": ["service_code", "attributes"],
        "properties": {"service_code": _TEXT, "attributes": _objects(["code", "datatype"])},
    },
    "open311ListRequests": _objects(["service_request_id", "status"], **_SERVICE_REQUEST),
    "open311GetRequest": _objects(["service_request_id", "status"], **_SERVICE_REQUEST),
    "open311CreateRequest": _objects(
        ["service_request_id", "token"],
        service_request_id=_TEXT,
        token=_TEXT,
        service_notice=_TEXT,
        account_id=_NULLABLE_TEXT,
    ),
    "open311GetToken": _objects(["service_request_id", "token"]),
    "open311ListRequestUpdates": _objects(
        ["update_id", "service_request_id", "status", "updated_datetime"],
        update_id=_TEXT,
        service_request_id=_TEXT,
        status=_TEXT,
        updated_datetime=_TEXT,
        description=_NULLABLE_TEXT,
        external_status_code=_TEXT,
    ),
}


def _stem(operation_id: str) -> str:
    for suffix in ("Json", "Xml"):
        if operation_id.endswith(suffix) and operation_id[: -len(suffix)] in OPEN311_BODIES:
            return operation_id[: -len(suffix)]
    return operation_id


def _formats(path: str) -> tuple[str, ...]:
    """The formats an Open311 path answers in: its extension, or both for an item path."""
    if path.endswith(".xml"):
        return ("xml",)
    if path.endswith(".json"):
        return ("json",)
    return ("json", "xml")


def _open311(path: str, operation: dict[str, Any]) -> None:
    formats = _formats(path)
    body = OPEN311_BODIES.get(_stem(operation.get("operationId", "")), {"type": "object"})
    codes = {"400", "403", "429", "503"}
    if "{" in path:
        codes.add("404")
    responses = operation.setdefault("responses", {})
    for code in codes | set(responses):
        schema = body if code.startswith("2") else _OPEN311_ERRORS
        content: dict[str, Any] = {}
        if "json" in formats:
            content["application/json"] = {"schema": schema}
        if "xml" in formats:
            content["text/xml"] = {"schema": _TEXT}
        description = responses.get(code, {}).get("description") or DESCRIPTIONS.get(
            int(code), "OK"
        )
        responses[code] = {"description": description, "content": content}


def _v1(path: str, operation: dict[str, Any], *, public: bool) -> None:
    codes = {503}
    if path.startswith("/v1/") or not public:  # public /v1 routes are limited per address
        codes.add(429)
    if not public:
        codes |= {401, 403}
    if "{" in path:
        codes.add(404)
    if "requestBody" in operation:
        codes |= {413, 422}
    responses = operation.setdefault("responses", {})
    for code in sorted(codes):
        responses.setdefault(
            str(code),
            {
                "description": DESCRIPTIONS[code],
                "content": {"application/json": {"schema": copy.deepcopy(_ERROR_REF)}},
            },
        )
    for code, response in responses.items():  # Litestar's own 400 has another shape
        if code.startswith(("4", "5")):
            for media in (response.get("content") or {}).values():
                media["schema"] = copy.deepcopy(_ERROR_REF)


def _html_verdicts(document: dict[str, Any]) -> None:
    """Where a QR code leads, a browser gets the verdict as a page (content negotiation)."""
    operation = document.get("paths", {}).get("/v1/notices/verify", {}).get("get")
    if not operation:
        return
    page = {"text/html": {"schema": {"type": "string"}}}
    for code in ("200", "400", "422"):
        response = operation.get("responses", {}).get(code)
        if response is not None:
            response.setdefault("content", {}).update(copy.deepcopy(page))


def _public_operations(app: Litestar) -> set[tuple[str, str]]:
    found = set()
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if all(handler.opt.get(k) == v for k, v in PUBLIC.items()):
                for method in handler.http_methods:
                    found.add((method.lower(), route.path_format or "/"))
    return found


def schema_router(path: str = "/schema") -> Router:
    """The router the docs and the schema are served from: it completes the document first.

    The document is built on the first request for it (building it costs about 0.15 s, which
    every app the tests create would otherwise pay), and completed then, once.
    """

    async def completed(request: Request) -> None:
        complete(request.app)

    return Router(path, route_handlers=[], include_in_schema=False, before_request=completed)


def complete(app: Litestar) -> None:
    """Complete the app's OpenAPI document in place, once (it is then served as it is)."""
    from litestar._openapi.plugin import OpenAPIPlugin  # the plugin that caches the document

    if getattr(app.state, "openapi_complete", False):
        return
    app.state.openapi_complete = True
    document = app.plugins.get(OpenAPIPlugin).provide_openapi_schema()
    public = _public_operations(app)
    components = document.setdefault("components", {}).setdefault("schemas", {})
    error = msgspec.json.schema(Error, ref_template="#/components/schemas/{name}")
    components.update(error.get("$defs", {}))  # Error and FieldMessage
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            if path.startswith("/open311"):
                _open311(path, operation)
            else:
                _v1(path, operation, public=(method, path) in public)
    _html_verdicts(document)
