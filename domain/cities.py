"""Cities CivicOps knows how to serve: code, corporation and the local language of notices."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class CitySpec:
    """Static facts about a city; its wards and roster live in the database."""

    slug: str
    code: str
    name: str
    corporation: str
    language: str
    timezone: str = "Asia/Kolkata"


KNOWN_CITIES: dict[str, CitySpec] = {
    c.slug: c
    for c in (
        CitySpec("bengaluru", "BLR", "Bengaluru", "Bruhat Bengaluru Mahanagara Palike", "kn"),
        CitySpec("mumbai", "MUM", "Mumbai", "Brihanmumbai Municipal Corporation", "mr"),
        CitySpec("pune", "PUN", "Pune", "Pune Municipal Corporation", "mr"),
        CitySpec("ahmedabad", "AMD", "Ahmedabad", "Ahmedabad Municipal Corporation", "gu"),
        CitySpec("bhopal", "BPL", "Bhopal", "Bhopal Municipal Corporation", "hi"),
        CitySpec("jaipur", "JAI", "Jaipur", "Jaipur Municipal Corporation", "hi"),
        CitySpec("kolkata", "KOL", "Kolkata", "Kolkata Municipal Corporation", "bn"),
        CitySpec("coimbatore", "CBE", "Coimbatore", "Coimbatore City Municipal Corporation", "ta"),
        CitySpec("chandigarh", "CHD", "Chandigarh", "Municipal Corporation Chandigarh", "hi"),
        CitySpec("hyderabad", "HYD", "Hyderabad", "Greater Hyderabad Municipal Corporation", "te"),
    )
}


def spec_for(slug: str, **overrides: str) -> CitySpec:
    """The known spec for a city slug, with overrides; an unknown city needs code and name."""
    code = overrides.get("code")
    if code and not re.fullmatch(r"[A-Z]{3}", code):
        raise ValueError(
            f"--code must be three capital letters (tracking ids start with it): {code!r}"
        )
    if not re.fullmatch(r"[a-z][a-z0-9-]{1,39}", slug):
        raise ValueError(f"city slug must be lower-case letters, digits or '-': {slug!r}")
    base = KNOWN_CITIES.get(slug)
    if base is None:
        missing = [f for f in ("code", "name", "corporation", "language") if not overrides.get(f)]
        if missing:
            raise ValueError(f"unknown city {slug!r}: give --{' --'.join(missing)}")
        return CitySpec(slug=slug, **{k: v for k, v in overrides.items() if v})
    fields = {k: v for k, v in overrides.items() if v}
    return CitySpec(**{**base.__dict__, **fields})
