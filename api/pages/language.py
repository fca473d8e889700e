"""Which language a page is rendered in, the switch between them, and how it is remembered.

A city's pages are offered in English and the city's own language (City.language) when the
word catalogue has it (domain/words.py). The choice is, in order: `?lang=` (the switch's
links, which also set the cookie), the `civicops_lang` cookie, the browser's
Accept-Language, then English. The cookie lets the server render the chosen language on
every later page, so nothing flickers from one language to the other.
"""

from __future__ import annotations

from urllib.parse import urlencode

from litestar import Request
from litestar.datastructures import Cookie

from domain.words import LANGUAGE_NAMES, ui_language

COOKIE = "civicops_lang"
COOKIE_SECONDS = 365 * 24 * 3600


def offered(city_language: str | None) -> tuple[str, ...]:
    """English, and the city's language when the pages are written in it."""
    local = ui_language(city_language)
    return ("en",) if local == "en" else ("en", local)


def _accepted(header: str, choices: tuple[str, ...]) -> str | None:
    """The first of `choices` an Accept-Language header prefers (by q, then order)."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        base = tag.strip().split("-")[0].lower()
        if base in choices and q > 0:
            ranked.append((-q, position, base))
    return min(ranked)[2] if ranked else None


def choose(request: Request, choices: tuple[str, ...]) -> tuple[str, bool]:
    """(language, whether the cookie should be set): the query, cookie, browser, English."""
    asked = request.query_params.get("lang")
    if asked in choices:
        return asked, request.cookies.get(COOKIE) != asked
    kept = request.cookies.get(COOKIE)
    if kept in choices:
        return kept, False
    browser = _accepted(request.headers.get("accept-language", ""), choices)
    return browser or "en", False


def remember(language: str) -> Cookie:
    """The cookie that keeps a chosen language for a year (HttpOnly, SameSite=Lax)."""
    return Cookie(
        key=COOKIE,
        value=language,
        max_age=COOKIE_SECONDS,
        path="/",
        httponly=True,
        samesite="lax",
    )


def switch_links(request: Request, choices: tuple[str, ...], current: str) -> list[dict[str, str]]:
    """One link per offered language: the same page and query, with `lang` set."""
    links = []
    query = {k: v for k, v in request.query_params.items() if k != "lang"}
    for code in choices:
        href = request.url.path + "?" + urlencode({**query, "lang": code})
        links.append(
            {"code": code, "name": LANGUAGE_NAMES[code], "href": href, "current": code == current}
        )
    return links
