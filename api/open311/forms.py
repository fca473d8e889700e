"""POST requests: read the form an Open311 client sends and turn it into a ComplaintCreate.

Only form bodies are read. Anything else (XML above all: no entity expansion, no parser) is
refused from its Content-Type before a byte of the body is looked at.
"""

from __future__ import annotations

import math
import re
from urllib.parse import parse_qsl

import msgspec
from litestar import Request
from litestar.datastructures import UploadFile

from api.open311.render import Open311Error, open311_field
from api.schemas import ComplaintCreate
from domain import text
from domain.categories import BY_CODE

MAX_FIELDS = 200
MAX_DESCRIPTION = 4000
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]{1,60})\](?:\[\])?$")
_AT_PATH = re.compile(r"\s*-\s*at `\$\.([A-Za-z_]+)(?:\.([A-Za-z_]+))?[^`]*`$")
# Single-valued fields; a client that sends one twice is told so rather than guessed at.
SINGLE = (
    "api_key",
    "jurisdiction_id",
    "service_code",
    "lat",
    "long",
    "address_string",
    "address_id",
    "email",
    "device_id",
    "account_id",
    "first_name",
    "last_name",
    "phone",
    "description",
    "media_url",
)

Form = dict[str, list[str]]


async def read_form(request: Request) -> Form:
    """The form fields of a POST, each with all its values; 400 for any other body."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in FORM_TYPES:
        raise Open311Error(
            400,
            "Content-Type: send the request as application/x-www-form-urlencoded (or "
            f"multipart/form-data), not {content_type or 'nothing'}",
        )
    form: Form = {}
    if content_type == FORM_TYPES[0]:
        try:
            pairs = parse_qsl(
                (await request.body()).decode("utf-8"),
                keep_blank_values=True,
                max_num_fields=MAX_FIELDS,
                errors="strict",
            )
        except UnicodeDecodeError:
            raise Open311Error(400, "body: the form must be UTF-8") from None
        except ValueError:
            raise Open311Error(400, f"body: at most {MAX_FIELDS} fields") from None
    else:
        multipart = await request.form()
        pairs = []
        for key, value in multipart.multi_items():
            if isinstance(value, UploadFile):
                raise Open311Error(
                    400, f"{key}: file uploads are not accepted; send a photo's media_url"
                )
            pairs.append((key, str(value)))
        if len(pairs) > MAX_FIELDS:
            raise Open311Error(400, f"body: at most {MAX_FIELDS} fields")
    for key, value in pairs:
        name = key.replace("\x00", "")
        if "\x00" in key:  # PostgreSQL text cannot hold NUL
            raise Open311Error(400, f"{name}: must not contain NUL characters")
        if (why := text.problem(value)) is not None:  # the rule the JSON door applies too
            raise Open311Error(400, f"{name}: {why}")
        form.setdefault(key, []).append(value)
    return form


def one(form: Form, name: str) -> str | None:
    """A single-valued field, stripped; None when absent or blank."""
    values = form.get(name) or []
    if len(values) > 1:
        raise Open311Error(400, f"{name}: given {len(values)} times; send it once")
    value = values[0].strip() if values else ""
    return value if text.is_visible(value) else None  # invisible characters only: blank


def _coordinate(form: Form, name: str) -> float:
    """lat or long as a finite number; 400 naming it otherwise."""
    raw = one(form, name)
    if raw is None:
        raise Open311Error(400, f"{name}: required with {'long' if name == 'lat' else 'lat'}")
    try:
        value = float(raw)
    except ValueError:
        raise Open311Error(400, f"{name}: {raw!r} is not a number") from None
    if not math.isfinite(value):
        raise Open311Error(400, f"{name}: must be a finite number")
    return value


def _attributes(form: Form) -> dict[str, str]:
    """attribute[CODE] fields; repeated ones (a multivaluelist) are joined with commas."""
    answers: dict[str, str] = {}
    for key, values in form.items():
        match = _ATTRIBUTE.match(key)
        if match is None:
            if key.startswith("attribute"):
                raise Open311Error(400, f"{key}: not an attribute; send attribute[CODE]=value")
            continue
        code = match.group(1)
        if any("," in v for v in values) and len(values) > 1:
            raise Open311Error(400, f"attribute[{code}]: send each value once, or one list")
        answers[code] = ",".join(v.strip() for v in values if v.strip())
    return answers


def complaint_from_form(form: Form) -> ComplaintCreate:
    """The complaint an Open311 form describes; 400 naming the Open311 field at fault."""
    for name in SINGLE:
        one(form, name)  # refuses a field sent twice
    code = one(form, "service_code")
    if code is None:
        raise Open311Error(400, "service_code: required; see services.json for the codes")
    category = BY_CODE.get(code)
    if category is None:
        raise Open311Error(400, f"service_code: no service {code!r}; see services.json")
    has_point = one(form, "lat") is not None or one(form, "long") is not None
    if not has_point:
        given = "address_string" if one(form, "address_string") else "address_id"
        raise Open311Error(
            400,
            "lat, long: required. A request is placed in its ward by its coordinates, and "
            f"CivicOps has no geocoder to place a {given} honestly",
        )
    latitude, longitude = _coordinate(form, "lat"), _coordinate(form, "long")
    description = one(form, "description")
    if description is not None and len(description) > MAX_DESCRIPTION:
        raise Open311Error(
            400, f"description: at most {MAX_DESCRIPTION} characters (got {len(description)})"
        )
    payload: dict[str, object] = {
        "category": code,
        # GeoReport v2 makes the description optional: the service's name says what it is.
        "description": description or category.name,
        "latitude": latitude,
        "longitude": longitude,
    }
    if address := one(form, "address_string"):
        payload["address"] = address
    if city := one(form, "jurisdiction_id"):
        payload["city"] = city
    if media_url := one(form, "media_url"):
        payload["media_url"] = media_url
    if attributes := _attributes(form):
        payload["attributes"] = attributes
    name = " ".join(p for p in (one(form, "first_name"), one(form, "last_name")) if p)
    reporter = {"name": name, "phone": one(form, "phone"), "email": one(form, "email")}
    if any(reporter.values()):
        payload["reporter"] = {k: v for k, v in reporter.items() if v}
    try:
        return msgspec.convert(payload, ComplaintCreate)
    except msgspec.ValidationError as exc:
        raise Open311Error(400, _explain(str(exc))) from None


def _explain(message: str) -> str:
    """A msgspec error about a JSON-door field, told in the client's Open311 field names."""
    match = _AT_PATH.search(message)
    if match is None:
        return f"body: {message}"
    field = match.group(1) + (f".{match.group(2)}" if match.group(2) else "")
    name = open311_field(field)
    if field == "reporter.name":
        name = "first_name, last_name"
    elif field == "attributes":
        name = "attribute"
    return f"{name}: {message[: match.start()]}"
