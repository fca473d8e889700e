"""Open311 bodies in JSON or XML, Open311 error arrays, and W3C datetimes in IST.

One tree of dicts and lists is encoded either way. In XML a list is named for its parent and
each item for what it holds (`<services><service>…`), as GeoReport v2 shows; every value is
set as element text through ElementTree, which escapes it, after characters XML 1.0 cannot
carry at all are replaced.
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from api.errors import FieldError
from domain.text import TextError
from records.db import UNAVAILABLE

log = logging.getLogger("civicops.api")

IST = timezone(timedelta(hours=5, minutes=30), "IST")
# Litestar adds "; charset=utf-8" to text/xml itself.
FORMATS: dict[str, str] = {"json": "application/json; charset=utf-8", "xml": "text/xml"}
# The element name of one item of each list, as GeoReport v2 and FixMyStreet's extension name it.
ITEM_NAMES: dict[str, str] = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "service_requests": "request",
    "service_request_updates": "request_update",
    "errors": "error",
}
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_FORMAT = re.compile(r"\.([A-Za-z0-9]+)$")

# Field names of the JSON door, as an Open311 client knows them.
OPEN311_FIELDS: dict[str, str] = {
    "category": "service_code",
    "latitude": "lat",
    "longitude": "long",
    "address": "address_string",
    "city": "jurisdiction_id",
    "reporter.name": "first_name",
    "reporter.phone": "phone",
    "reporter.email": "email",
}


class Open311Error(HTTPException):
    """An Open311 error: the status code and a description that names the field at fault."""

    def __init__(
        self, status_code: int, description: str, headers: dict[str, str] | None = None
    ) -> None:
        """An error with its HTTP status, description and headers (Retry-After)."""
        super().__init__(detail=description, status_code=status_code, headers=headers)


def split_format(segment: str, what: str) -> tuple[str, str]:
    """("BLR-7K3M9QX2AB", "xml") from "BLR-7K3M9QX2AB.xml"; 404 for a missing or unknown one."""
    match = _FORMAT.search(segment)
    if match is None or match.group(1).lower() not in FORMATS:
        raise Open311Error(
            404, f"format: add .json or .xml to the {what} (e.g. {what}.xml); no such format"
        )
    return segment[: match.start()], match.group(1).lower()


def format_of(request: Request) -> str:
    """The format a request's path asks for: "json" for .json, else "xml" (the spec's own)."""
    match = _FORMAT.search(request.url.path)
    return "json" if match and match.group(1).lower() == "json" else "xml"


def w3c(value: datetime | None) -> str | None:
    """A W3C datetime in IST with its offset, e.g. 2026-11-24T19:02:45+05:30."""
    return value.astimezone(IST).isoformat(timespec="seconds") if value else None


_SPACE_FOR_PLUS = re.compile(r"^(\S+T[\d:.]+) (\d{2}:?\d{2})$")


def parse_w3c(field: str, raw: str) -> datetime:
    """A W3C datetime from a query; no offset means IST, and a "+" sent unescaped is mended."""
    text = _SPACE_FOR_PLUS.sub(r"\1+\2", raw.strip())
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise Open311Error(
            400, f"{field}: {raw!r} is not a W3C datetime such as 2026-11-01T00:00:00+05:30"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=IST)


def to_xml(root: str, body: Any) -> bytes:
    """The body as a UTF-8 XML document under `root`."""
    element = ET.Element(root)
    _fill(element, root, body)
    text = ET.tostring(element, encoding="unicode", short_empty_elements=True)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + text.encode()


def _fill(element: ET.Element, name: str, value: Any) -> None:
    """Set `value` into `element`: lists as named items, dicts as children, text escaped."""
    if isinstance(value, list):
        item = ITEM_NAMES[name]
        for entry in value:
            _fill(ET.SubElement(element, item), item, entry)
    elif isinstance(value, dict):
        for key, entry in value.items():
            _fill(ET.SubElement(element, key), key, entry)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = _NOT_XML.sub("\ufffd", str(value))


def render(
    fmt: str, root: str, body: Any, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response[bytes]:
    """An Open311 response: the bare body in JSON, the body under `root` in XML."""
    content = msgspec.json.encode(body) if fmt == "json" else to_xml(root, body)
    return Response(content, status_code=status_code, media_type=FORMATS[fmt], headers=headers)


def error_response(fmt: str, status_code: int, description: str, **headers: str) -> Response[bytes]:
    """An Open311 error array of one error."""
    body = [{"code": status_code, "description": description}]
    return render(fmt, "errors", body, status_code, headers or None)


def open311_field(field: str) -> str:
    """The name an Open311 client sent for a field of the JSON door."""
    if field.startswith("attributes."):
        return f"attribute[{field.removeprefix('attributes.')}]"
    return OPEN311_FIELDS.get(field, field)


def exception_handler(request: Request, exc: Exception) -> Response[bytes]:
    """Every error under /open311/v2 as an Open311 error array, in the format asked for."""
    fmt = format_of(request)
    if isinstance(exc, Open311Error):
        return error_response(fmt, exc.status_code, exc.detail, **(exc.headers or {}))
    if isinstance(exc, FieldError):
        # A point outside every ward is 422 on the JSON door; Open311 knows only 400 for input.
        status = 400 if exc.status_code == 422 else exc.status_code
        return error_response(fmt, status, f"{open311_field(exc.field)}: {exc.message}")
    if isinstance(exc, TextError):
        return error_response(fmt, 400, f"{open311_field(exc.field)}: {exc.message}")
    if isinstance(exc, ValidationException):
        extra = exc.extra if isinstance(exc.extra, list) else []
        keys = [str(e.get("key")) for e in extra if isinstance(e, dict) and e.get("key")]
        named = f"{', '.join(keys)}: " if keys else ""
        return error_response(fmt, 400, f"{named}{exc.detail}")
    if isinstance(exc, UNAVAILABLE):
        log.warning("database unavailable on %s %s: %r", request.method, request.url.path, exc)
        return error_response(
            fmt, 503, "the database is briefly unavailable; retry shortly", **{"Retry-After": "5"}
        )
    if isinstance(exc, HTTPException):
        return error_response(fmt, exc.status_code, exc.detail, **dict(exc.headers or {}))
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(fmt, 500, "internal error; it has been logged")
