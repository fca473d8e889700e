"""One place that maps errors to HTTP responses: every client error names the field at fault."""

from __future__ import annotations

import logging
import re
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_500_INTERNAL_SERVER_ERROR,
    HTTP_503_SERVICE_UNAVAILABLE,
)

from domain.text import TextError
from records.db import UNAVAILABLE

log = logging.getLogger("civicops.api")


class FieldError(HTTPException):
    """A client error about one named field (status 400 unless given)."""

    status_code = HTTP_400_BAD_REQUEST

    def __init__(self, field: str, message: str, *, status_code: int | None = None) -> None:
        super().__init__(detail=f"{field}: {message}", status_code=status_code)
        self.field = field
        self.message = message


_AT_PATH = re.compile(r"\s*-\s*at `\$\.?([^`]*)`$")
_NAMED_FIELD = re.compile(r"(?:unknown|missing required) field `([^`]+)`")


def _field_errors(exc: ValidationException) -> list[dict[str, str]]:
    errors: list[dict[str, str]] = []
    extra = exc.extra if isinstance(exc.extra, list) else []
    for item in extra:
        if not isinstance(item, dict):
            continue
        message = str(item.get("message", exc.detail))
        key = item.get("key")
        match = _AT_PATH.search(message)
        if match:
            key = key or match.group(1) or "body"
            message = message[: match.start()]
        unknown = _NAMED_FIELD.search(message)
        if unknown:
            key = f"{key}.{unknown.group(1)}" if key and key != "data" else unknown.group(1)
        if not key or key == "data":
            key = "body"
        errors.append({"field": str(key), "message": message})
    if not errors:
        field = "body"
        if "content-type" in exc.detail.lower():
            field = "Content-Type"
        errors.append({"field": field, "message": exc.detail})
    return errors


def _body(status: int, detail: str, errors: list[dict[str, str]] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"status_code": status, "detail": detail}
    if errors:
        body["field"] = errors[0]["field"]
        body["errors"] = errors
    return body


def exception_handler(request: Request, exc: Exception) -> Response:
    """Render any exception as JSON; unexpected ones are logged and never leak internals."""
    headers: dict[str, str] = {}
    if isinstance(exc, FieldError):
        status = exc.status_code
        content = _body(status, exc.detail, [{"field": exc.field, "message": exc.message}])
    elif isinstance(exc, TextError):  # the free-text rule, wherever a handler applied it
        status = HTTP_400_BAD_REQUEST
        content = _body(status, str(exc), [{"field": exc.field, "message": exc.message}])
    elif isinstance(exc, ValidationException):
        status = HTTP_400_BAD_REQUEST
        errors = _field_errors(exc)
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        content = _body(status, detail, errors)
    elif isinstance(exc, UNAVAILABLE):
        log.warning("database unavailable on %s %s: %r", request.method, request.url.path, exc)
        status = HTTP_503_SERVICE_UNAVAILABLE
        content = _body(status, "the database is briefly unavailable; retry shortly")
        headers = {"Retry-After": "5"}
    elif isinstance(exc, HTTPException):
        status = exc.status_code
        # A 400 that is not about one field is about the body as a whole (e.g. malformed JSON).
        errors = [{"field": "body", "message": exc.detail}] if status == 400 else None
        content = _body(status, exc.detail, errors)
        headers = dict(exc.headers or {})
    else:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        status = HTTP_500_INTERNAL_SERVER_ERROR
        content = _body(status, "internal error; it has been logged")
    return Response(content=content, status_code=status, media_type=MediaType.JSON, headers=headers)
