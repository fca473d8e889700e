"""The JSON body gate: every JSON body is bounded and strictly typed before a handler sees it.

Litestar decodes a body with msgspec and then converts it leniently (`"13.0"` becomes a
float, the last of two duplicate keys wins), and a body nested a thousand deep raises
RecursionError, a 500. One `before_request` hook, for every route, checks a JSON body first:

1. at most 64 KB and parsed by the C `json` scanner, which is linear and turns runaway
   nesting into RecursionError (a 400), never a crash;
2. one walk over the parsed value: nesting depth, duplicate keys, NUL characters, integers
   outside the signed 64-bit range and non-finite numbers, each a 400 naming the field;
3. when the route declares a typed `data` body, a strict msgspec conversion into that type,
   so a string is never taken for a number; its errors name the field like Litestar's do.
"""

from __future__ import annotations

import json
import math
from typing import Any

import msgspec
from litestar import Request
from litestar.exceptions import ValidationException
from litestar.status_codes import HTTP_413_REQUEST_ENTITY_TOO_LARGE

from api.errors import FieldError
from domain import text

MAX_JSON_BYTES = 64 * 1024
MAX_DEPTH = 16  # the deepest body we define is 3 levels; 16 leaves room and stays cheap
INT_MAX = 2**63 - 1  # what PostgreSQL's bigint and SQLite's INTEGER can hold
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class _DuplicateKey(ValueError):
    """A JSON object names the same key twice."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return result


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def is_json(media_type: str) -> bool:
    """application/json, or a structured `+json` type such as application/merge-patch+json."""
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


def _data_type(request: Request) -> Any | None:
    """The type of the route's `data` body parameter, when it declares one."""
    field = request.route_handler.parsed_fn_signature.parameters.get("data")
    return None if field is None else field.annotation


def check_value(value: Any) -> None:
    """Walk decoded JSON once; FieldError naming the first field that breaks a bound."""
    stack: list[tuple[Any, str, int]] = [(value, "", 1)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                raise FieldError(path or "body", f"nested deeper than {MAX_DEPTH} levels")
            pairs = item.items() if isinstance(item, dict) else enumerate(item)
            for key, child in pairs:
                if isinstance(key, str) and "\x00" in key:
                    raise FieldError(path or "body", "a key contains a NUL character")
                name = f"{path}.{key}" if isinstance(key, str) and path else str(key)
                if isinstance(item, list):
                    name = f"{path}[{key}]" if path else f"[{key}]"
                stack.append((child, name, depth + 1))
        elif isinstance(item, str):
            if (why := text.problem(item)) is not None:
                raise FieldError(path or "body", why)
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int):
            if not -INT_MAX <= item <= INT_MAX:
                raise FieldError(path or "body", f"integer out of range (at most {INT_MAX})")
        elif isinstance(item, float) and not math.isfinite(item):
            raise FieldError(path or "body", "must be a finite number")


def parse(body: bytes, max_bytes: int = MAX_JSON_BYTES) -> Any:
    """Decode a JSON body within the bounds; FieldError (400/413) naming what is wrong.

    Malformed JSON raises ValueError: the caller decides how to report it.
    """
    if len(body) > max_bytes:
        raise FieldError(
            "body",
            f"a JSON body is at most {max_bytes // 1024} KB",
            status_code=HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    try:
        value = json.loads(body, object_pairs_hook=_no_duplicates)
    except RecursionError:
        raise FieldError("body", f"nested deeper than {MAX_DEPTH} levels") from None
    except _DuplicateKey as exc:
        raise FieldError(exc.key, "given more than once in one object") from None
    check_value(value)
    return value


def _strict(value: Any, target: Any) -> None:
    """Convert into the declared type without coercion; errors name the field."""
    try:
        msgspec.convert(value, target, strict=True, str_keys=True)
    except msgspec.ValidationError as exc:
        message = str(exc)
        raise ValidationException(
            detail=message, extra=[{"message": message, "source": "body"}]
        ) from None


async def json_gate(request: Request) -> None:
    """App-wide before_request hook: bound and strictly type-check every JSON body."""
    if request.method not in _BODY_METHODS:
        return
    target = _data_type(request)
    media_type = _media_type(request)
    if not is_json(media_type):
        if target is not None and not _is_form_route(request):
            raise FieldError("Content-Type", "must be application/json")
        return
    body = await request.body()
    if not body.strip():
        return  # the route reports a missing body its own way
    try:
        # A route may take more (a batch of queued complaints): it says so in its `opt`.
        value = parse(body, request.route_handler.opt.get("max_json_bytes", MAX_JSON_BYTES))
    except (ValueError, UnicodeDecodeError):
        return  # malformed: the body parser names it (400, field "body")
    if target is not None:
        _strict(value, target)


def _is_form_route(request: Request) -> bool:
    kwarg = request.route_handler.parsed_fn_signature.parameters["data"].kwarg_definition
    media = getattr(kwarg, "media_type", None)
    return media is not None and str(getattr(media, "value", media)) != "application/json"
