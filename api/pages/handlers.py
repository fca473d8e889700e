"""The pages: the city dashboard, a ward's page, and the officials' hotspots page.

Server-rendered (Jinja, api/pages/templates/), with the headline figures in the HTML itself,
so they show before any script runs; the scripts under api/static/app/ then draw the map and
the trend from the public /v1 routes. Nothing on a page identifies a citizen. A bad query
parameter gets a 400 page naming it; an unknown city or ward a 404 page. The pages are public
and limited per client address as the public /v1 routes are (api/ratelimit.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.datastructures import CacheControlHeader
from litestar.params import PathParameter
from litestar.response import Template

from api.auth import PUBLIC, api_key_guard, roles
from api.pages import view
from api.pages.figures import MIN_RESOLVED, city_figures, podium, rank
from api.pages.language import choose, offered, remember, switch_links
from api.ratelimit import public_rate_guard
from domain.categories import CATEGORIES
from domain.roles import Role
from domain.words import MONTHS, STATUS_NAMES, ui_words
from records import scores, wardcases
from records.geography import CityZones, UnknownCity, ZoneDirectory
from records.wardcases import CityFacts

NO_CACHE = CacheControlHeader(no_store=True)


@dataclass
class Page:
    """What every page knows: the city, its language and words, and the switch links."""

    city: CityFacts
    cities: list[CityFacts]
    language: str
    set_cookie: bool
    fmt: view.Formatter
    links: list[dict[str, str]]

    def context(self, **extra: Any) -> dict[str, Any]:
        """The template context: these facts plus the page's own."""
        return {
            "city": self.city,
            "cities": self.cities,
            "lang": self.language,
            "w": self.fmt.words,
            "fmt": self.fmt,
            "languages": self.links,
            "categories": [(c.code, self.fmt.category(c.code)) for c in CATEGORIES],
            **extra,
        }

    def render(self, template: str, status_code: int = 200, **extra: Any) -> Template:
        """The page, remembering a newly chosen language in its cookie."""
        return Template(
            template_name=template,
            context=self.context(**extra),
            status_code=status_code,
            cookies=[remember(self.language)] if self.set_cookie else [],
            headers={"Cache-Control": NO_CACHE.to_header()},
        )


async def _page(request: Request, slug: str | None) -> Page:
    """The city a page is about (`?city=` or the configured one) and its language."""
    known = await wardcases.cities()
    wanted = (slug or request.app.state.settings.city).strip().lower()
    city = next((c for c in known if c.slug == wanted), None)
    choices = offered(city.language if city else None)
    language, set_cookie = choose(request, choices)
    if city is None:
        raise view.BadParameter("city", f"CivicOps does not serve {wanted!r}", 404)
    fmt = view.Formatter(language)
    return Page(city, known, language, set_cookie, fmt, switch_links(request, choices, language))


def _error(request: Request, exc: view.BadParameter) -> Template:
    """A 400 or 404 page naming the parameter at fault (in the language the browser asks)."""
    language, _ = choose(request, ("en", "kn"))
    words = ui_words(language)
    return Template(
        template_name="error.html",
        context={"lang": language, "w": words, "field": exc.field, "message": exc.message},
        status_code=exc.status_code,
        headers={"Cache-Control": NO_CACHE.to_header()},
    )


def _category(value: str | None) -> str | None:
    """A category filter: a known code, or None for every category."""
    if not value:
        return None
    if value not in {c.code for c in CATEGORIES}:
        raise view.BadParameter("category", f"unknown category {value!r}")
    return value


async def _zones(request: Request, slug: str) -> CityZones:
    directory: ZoneDirectory = request.app.state.zones
    try:
        return await directory.city(slug)
    except UnknownCity:
        raise view.BadParameter("city", f"CivicOps does not serve {slug!r}", 404) from None


def _script_data(page: Page, chosen: view.Period, category: str | None, **extra: Any) -> Any:
    """The page-data block the scripts read: what to fetch, and the words they show."""
    return view.page_data(
        {
            "city": page.city.slug,
            "from": chosen.span.first.isoformat(),
            "to": chosen.span.last.isoformat(),
            "category": category,
            "interval": chosen.interval.value,
            "lang": page.language,
            "words": dict(page.fmt.words),
            "categories": {c.code: page.fmt.category(c.code) for c in CATEGORIES},
            "statuses": dict(STATUS_NAMES[page.language]),
            "months": list(MONTHS[page.language]),
            **extra,
        }
    )


@get("/", include_in_schema=False, name="dashboard", opt=dict(PUBLIC), guards=[public_rate_guard])
async def dashboard(request: Request) -> Template:
    """The city dashboard: headline figures, the ward map, the trend, the rankings."""
    try:
        page = await _page(request, request.query_params.get("city"))
        chosen = view.period(request.query_params.get("period"), datetime.now(UTC))
        category = _category(request.query_params.get("category"))
        zones = await _zones(request, page.city.slug)
    except view.BadParameter as exc:
        return _error(request, exc)
    figures = await city_figures(zones, chosen.span, category, chosen.interval)
    ranked = rank(figures.wards)
    best, worst = podium(ranked)
    settings = request.app.state.settings
    supervisors = []
    if page.city.slug in settings.public_supervisor_scores:
        board = await scores.leaderboard(page.city.slug, None, scores.current_period(), 100)
        supervisors = [row for row in board if row["level"] == 0][:10]
    data = _script_data(page, chosen, category, tiles=settings.map_tile_url)
    return page.render(
        "dashboard.html",
        page_name="dashboard",
        period=chosen,
        periods=view.PERIODS,
        category=category,
        figures=figures,
        ward_count=len(zones.shapes),
        ranked_zones=rank(figures.zones),
        best=best,
        worst=worst,
        ranked_count=len(ranked),
        min_resolved=MIN_RESOLVED,
        supervisors=supervisors,
        as_of=datetime.now(UTC),
        data=data,
    )


@get(
    "/wards/{city:str}/{ward:str}",
    include_in_schema=False,
    name="ward",
    opt=dict(PUBLIC),
    guards=[public_rate_guard],
)
async def ward_page(
    request: Request,
    city: Annotated[str, PathParameter(max_length=40)],
    ward: Annotated[str, PathParameter(max_length=60)],
) -> Template:
    """One ward: its figures for the period, its rank, and its latest cases (no personal
    data: tracking id, category, status and age only)."""
    try:
        page = await _page(request, city)
        chosen = view.period(request.query_params.get("period"), datetime.now(UTC))
        category = _category(request.query_params.get("category"))
        zones = await _zones(request, page.city.slug)
        if ward not in zones.wards:
            message = page.fmt.words["no_ward"].format(city=page.city.name, ward=ward)
            raise view.BadParameter("ward", message, 404)
    except view.BadParameter as exc:
        return _error(request, exc)
    figures = await city_figures(zones, chosen.span, category)
    row = figures.ward(ward)
    ranked = rank(figures.wards)
    place = next((r["rank"] for r in ranked if r["ward_id"] == ward), None)
    recent = await wardcases.recent_cases(page.city.slug, ward)
    data = _script_data(page, chosen, category, ward=ward, tiles=None)
    words = page.fmt.words
    name = zones.wards[ward][1]
    title = f"{words['ward']} {ward}" if name in ("", ward) else words["ward_title"]
    return page.render(
        "ward.html",
        page_name="ward",
        ward_title=title.format(id=ward, name=name),
        period=chosen,
        periods=view.PERIODS,
        category=category,
        ward=row,
        summary=row,
        place=place,
        ranked_count=len(ranked),
        recent=recent,
        as_of=datetime.now(UTC),
        data=data,
    )


@get(
    "/hotspots",
    include_in_schema=False,
    name="hotspots",
    opt=dict(PUBLIC),
    guards=[public_rate_guard],
)
async def hotspots_page(request: Request) -> Template:
    """The officials' hotspots page; the key is typed in and kept in the tab's session."""
    try:
        page = await _page(request, request.query_params.get("city"))
    except view.BadParameter as exc:
        return _error(request, exc)
    chosen = view.period(None, datetime.now(UTC))
    data = _script_data(page, chosen, None)
    return page.render("hotspots.html", page_name="hotspots", data=data)


@get(
    "/hotspots/officials",
    include_in_schema=False,
    guards=[api_key_guard],
    opt=roles(Role.OFFICIAL, Role.AUDITOR),
    name="hotspot-officials",
)
async def hotspot_officials(request: Request) -> Response[Any]:
    """The city's active officials, for choosing who receives a work order (official keys)."""
    slug = (request.query_params.get("city") or request.app.state.settings.city).lower()
    if slug not in {c.slug for c in await wardcases.cities()}:
        return Response(
            {"detail": f"city: CivicOps does not serve {slug!r}", "field": "city"},
            status_code=404,
            headers={"Cache-Control": "no-store"},
        )
    officials = await wardcases.roster(slug)
    return Response({"officials": officials}, headers={"Cache-Control": "no-store"})


PAGES = [dashboard, ward_page, hotspots_page, hotspot_officials]
