"""The neighbourhood board: a ward's (or a city's) citizens ranked by points, by pseudonym only.

Points belong to devices, never to people (records/points.py): the board shows the pseudonym a
device chose on the report page, and leaves off every device that chose none. No hash, no
tracking id and no place finer than the ward is shown. The page is public and limited per
client address like the other public pages.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated
from urllib.parse import quote

from litestar import Request, Response, get
from litestar.params import PathParameter
from litestar.response import Redirect, Template

from api.auth import PUBLIC
from api.pages import view
from api.pages.handlers import Page, _error, _page, _zones
from api.ratelimit import public_rate_guard
from geo.zones import natural_key
from records import points

BOARD_ROWS = 50  # pseudonyms a board shows


def badge_words(words: Mapping[str, str]) -> list[dict[str, str]]:
    """Every badge's code, name and rule in the page's language (records.points.BADGES order)."""
    return [
        {"code": b.code, "title": words[f"badge_{b.code}"], "rule": words[f"badge_{b.code}_rule"]}
        for b in points.BADGES
    ]


@get(
    ["/board/{city:str}", "/board/{city:str}/{ward:str}"],
    include_in_schema=False,
    name="board",
    opt=dict(PUBLIC),
    guards=[public_rate_guard],
)
async def board_page(
    request: Request,
    city: Annotated[str, PathParameter(max_length=40)],
    ward: Annotated[str | None, PathParameter(max_length=60)] = None,
) -> Template | Response[None]:
    """A ward's or a city's neighbourhood board: rank, pseudonym, points and verified fixes."""
    try:
        page = await _page(request, city)
        zones = await _zones(request, page.city.slug)
        picked = request.query_params.get("ward")
        if ward is None and picked is not None:  # the ward picker's GET form
            if picked and picked not in zones.wards:
                raise view.BadParameter("ward", _no_ward(page, picked), 404)
            where = f"/board/{page.city.slug}" + (f"/{quote(picked, safe='')}" if picked else "")
            return Redirect(where, status_code=303)
        if ward is not None and ward not in zones.wards:
            raise view.BadParameter("ward", _no_ward(page, ward), 404)
    except view.BadParameter as exc:
        return _error(request, exc)
    words = page.fmt.words
    if ward is None:
        title = words["board_city_title"].format(city=page.fmt.place(page.city.name))
    else:
        title = words["board_ward_title"].format(id=ward, name=zones.wards[ward][1] or ward)
    rows = await points.board(page.city.slug, ward, BOARD_ROWS)
    wards = sorted(zones.wards.items(), key=lambda item: natural_key(item[0]))
    return page.render(
        "board.html",
        page_name="board",
        data=view.page_data({"city": page.city.slug}),
        board_title=title,
        ward=ward,
        wards=[(ward_id, facts[1]) for ward_id, facts in wards],
        rows=rows,
        badges=badge_words(words),
        earn={
            "resolved": points.RESOLVED_POINTS,
            "answered": points.ANSWERED_POINTS,
            "first": points.FIRST_POINTS,
        },
    )


def _no_ward(page: Page, ward: str) -> str:
    """The 404 sentence for a ward the city does not have."""
    return page.fmt.words["no_ward"].format(city=page.city.name, ward=ward)


BOARD_PAGES = [board_page]
