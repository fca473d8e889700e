"""Query parameters read strictly: each known, given once, not empty, and bounded; a bad one
answers 400 naming it (an unknown city 404). Shared by search, the figures and hotspots."""

from __future__ import annotations

import re

from litestar import Request

from api.errors import FieldError
from domain.categories import BY_CODE
from records.geography import CityZones, UnknownCity, ZoneDirectory

_CITY = re.compile(r"[a-z][a-z0-9-]{1,39}")
_DIGITS = re.compile(r"[0-9]{1,9}")  # ASCII only: int() would also take "٥" or "1_0"
_NUMBER = re.compile(r"[+-]?[0-9]{1,3}(\.[0-9]{1,17})?")


def _shown(value: str) -> str:
    """A client's text as an answer may quote it: at most 40 characters."""
    return value if len(value) <= 40 else value[:40] + "…"


def single(request: Request, known: tuple[str, ...], *, repeat_hint: str = "") -> dict[str, str]:
    """The query parameters, each given once and known; 400 naming any other (so a typo
    never silently answers for the defaults)."""
    seen: dict[str, str] = {}
    for name, value in request.query_params.multi_items():
        if name not in known:
            raise FieldError(_shown(name), f"unknown query parameter; known: {', '.join(known)}")
        if name in seen:
            raise FieldError(name, "given more than once" + repeat_hint)
        seen[name] = value.strip()
        if not seen[name]:
            raise FieldError(name, "must not be empty (leave the parameter out instead)")
    return seen


def whole_number(params: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    """A whole number in ASCII digits within [low, high], or the default when not given."""
    if name not in params:
        return default
    value = params[name]
    if not _DIGITS.fullmatch(value) or not low <= int(value) <= high:
        raise FieldError(name, f"must be a whole number from {low} to {high}")
    return int(value)


def number(params: dict[str, str], name: str, low: float, high: float) -> float:
    """A required decimal number within [low, high]."""
    if name not in params:
        raise FieldError(name, "required")
    value = params[name]
    if not _NUMBER.fullmatch(value) or not low <= float(value) <= high:
        raise FieldError(name, f"must be a number from {low:g} to {high:g}")
    return float(value)


def choice(params: dict[str, str], name: str, allowed: tuple[str, ...], default: str) -> str:
    """One of a few words, any letter case; 400 naming the parameter for anything else."""
    value = params.get(name, default).lower()
    if value not in allowed:
        raise FieldError(name, f"must be one of {', '.join(allowed)}")
    return value


def category(params: dict[str, str]) -> str | None:
    """A category code, any letter case, or None for all; 400 naming category otherwise."""
    if "category" not in params:
        return None
    code = params["category"].lower()
    if code not in BY_CODE:
        raise FieldError("category", f"unknown category {_shown(code)!r} (see /v1/categories)")
    return code


async def city(request: Request, params: dict[str, str]) -> CityZones:
    """The city's map (the server's city by default); 400 for a malformed slug, 404 naming
    city for one CivicOps does not serve."""
    slug = params.get("city", request.app.state.settings.city).lower()
    if not _CITY.fullmatch(slug):
        raise FieldError("city", "must be a city slug such as bengaluru")
    directory: ZoneDirectory = request.app.state.zones
    try:
        return await directory.city(slug)
    except UnknownCity:
        raise FieldError("city", f"CivicOps does not serve {slug!r}", status_code=404) from None
