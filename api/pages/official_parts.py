"""What the zonal officer's pages (api/pages/official.py) are built from: a field they cannot
use, reading and bounding parameters and form fields, a case or a hotspot as a row, and the
roster as the choices of a form. No routes and no I/O here but the one projection listing.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from litestar.params import PathParameter
from litestar.response import Template

from api.errors import FieldError
from api.pages.signin import _field
from api.pages.staff import Staff
from api.queries import category as category_param
from api.queries import whole_number
from domain import formats, hotspots, ids, text
from records import search as case_search
from records.tables import Complaint

PARAM_MAX = 60  # characters of one query parameter
PathText = Annotated[str, PathParameter()]  # checked by the handler, so a bad one is a page
DEFAULT_SPOTS = (None, hotspots.DEFAULT_RADIUS_M, hotspots.DEFAULT_MIN_CASES)
SPOT_BOUNDS = {
    "radius_m": (hotspots.DEFAULT_RADIUS_M, hotspots.MIN_RADIUS_M, hotspots.MAX_RADIUS_M),
    "min_cases": (hotspots.DEFAULT_MIN_CASES, hotspots.MIN_MIN_CASES, hotspots.MAX_MIN_CASES),
}
_BODY = re.compile(r"[0-9A-HJKMNP-TV-Z]{0,11}")  # Crockford base32, after the aliases
_SEPARATORS = str.maketrans("", "", " \t-")
_ALIASES = str.maketrans("OIL", "011")
_BLANKS: dict[str, Any] = {"problem": None, "notice": None, "order": None}
_COLUMNS = tuple(getattr(Complaint, name) for name in (
    "tracking_id", "status", "category", "ward_id", "ward_name", "assignee_name",
    "escalation_level", "sla_due_at", "updated_at"))  # fmt: skip


class Problem(Exception):
    """A field a page cannot use: its name, the message in the page's language, the status."""

    def __init__(self, field: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.field, self.message, self.status = field, message, status

    def shown(self, title: str) -> dict[str, str]:
        """What the templates show of it."""
        return {"field": self.field, "message": self.message, "title": title}


def render(staff: Staff, template: str, status: int = 200, **extra: Any) -> Template:
    """An official's page, never cached (no script: everything is in the HTML)."""
    return staff.page.render(template, status_code=status, data="{}", page_name="staff",
                             **staff.context(), **{**_BLANKS, **extra})  # fmt: skip


def params(staff: Staff, source: Any, names: tuple[str, ...]) -> dict[str, str]:
    """The named parameters that are given and not empty (others, such as `lang`, are the
    page's own), each at most PARAM_MAX characters; a Problem names one that is longer."""
    found = {}
    for name in names:
        value = source.get(name)
        value = value.strip() if isinstance(value, str) else ""
        if len(value) > PARAM_MAX:
            raise Problem(name, staff.page.fmt.words["off_err_long"].format(n=PARAM_MAX))
        if value:
            found[name] = value
    return found


def official_number(staff: Staff, form: dict[str, str]) -> int:
    """The official a form names (`official_id`); a Problem when it names none."""
    number = _field(form, "official_id", 12).strip()
    if not (number.isascii() and number.isdigit() and ids.is_row_id(int(number))):
        raise Problem("official_id", staff.page.fmt.words["off_err_official"])
    return int(number)


def bounded_text(staff: Staff, form: dict[str, str], name: str, limit: int, *,
                 required: bool) -> str:  # fmt: skip
    """A free-text field ("" when absent); a Problem when it is required and missing, longer
    than `limit`, or holds characters nothing can store (a NUL, a lone surrogate)."""
    words, raw = staff.page.fmt.words, _field(form, name, limit + 1)
    try:
        value = text.clean(raw, name, required=required) or ""
    except text.TextError:
        if required and not raw.strip():
            raise Problem(name, words[f"off_err_{name}"]) from None
        value, raw = "", "x" * (limit + 1)
    if len(raw) > limit:
        raise Problem(name, words[f"off_err_{name}_long"].format(n=limit))
    return value


def tracking_clause(staff: Staff, q: str | None) -> Any | None:
    """The condition a typed complaint number sets: the case itself, or the cases whose
    number begins so; a Problem names `q` when it is neither."""
    if q is None:
        return None
    words = staff.page.fmt.words
    exact = ids.parse_tracking_id(q)
    if exact is not None:  # a 10-character body is an old id, or a new one's beginning
        checked = len(exact) == len(ids.TRACKING_ID_EXAMPLE)
        return (
            Complaint.tracking_id == exact if checked else Complaint.tracking_id.like(f"{exact}%")
        )
    if ids.check_failure(q) == ids.MISTYPED:
        raise Problem("q", words["off_err_q_mistyped"])
    typed = q.translate(_SEPARATORS).upper()
    city, body = typed[:3], typed[3:].translate(_ALIASES)
    if not (len(city) == 3 and city.isascii() and city.isalpha() and _BODY.fullmatch(body)):
        raise Problem("q", words["off_err_q"].format(value=q, example=ids.TRACKING_ID_EXAMPLE))
    return Complaint.tracking_id.like(f"{city}-{body}%")


async def listed(where: list[Any], order: Any, limit: int, ascending: bool) -> tuple[list, int]:
    """At most `limit` projection rows that meet every condition, and how many do in all."""
    total = await Complaint.count().where(*where)
    rows = await (
        Complaint.select(*_COLUMNS)
        .where(*where)
        .order_by(order, ascending=ascending)
        .order_by(Complaint.tracking_id)
        .limit(limit)
    )
    return rows, total


def case_row(staff: Staff, row: dict[str, Any], now: datetime) -> dict[str, Any]:
    """One case as the lists show it: no description, no reporter, no exact place."""
    fmt, words = staff.page.fmt, staff.page.fmt.words
    due, changed, filed = row.get("sla_due_at"), row.get("updated_at"), row.get("filed_at")
    late = case_search.is_overdue(row["status"], due, now)

    def moment(value: datetime | None) -> dict[str, str] | None:
        """An instant as the page shows it (IST) and as <time datetime> carries it."""
        return {"text": fmt.time(value), "iso": value.isoformat()} if value else None

    return {
        "tracking_id": row["tracking_id"],
        "href": f"/work/cases/{row['tracking_id']}/timeline",
        "status": row["status"],
        "status_name": fmt.status(row["status"]),
        "category": fmt.category(row["category"]) if row["category"] else formats.DASH,
        "ward": row["ward_id"] or formats.DASH,
        "ward_name": row["ward_name"] or "",
        "assignee": row["assignee_name"] or words["nobody"],
        "level": row["escalation_level"] or 0,
        "overdue_by": fmt.hours((now - due).total_seconds() / 3600) if late and due else None,
        "due": moment(due),
        "changed": moment(changed),
        "filed": moment(filed),
    }


def _choice(official: dict[str, Any], staff: Staff) -> dict[str, Any]:
    """An official as a choice of the forms: "Name · designation · Ward 65"."""
    fmt = staff.page.fmt
    where = official["ward_id"] and f"{fmt.words['ward']} {official['ward_id']}"
    where = where or (fmt.place(official["zone"]) if official["zone"] else "")
    parts = (official["name"], official["designation"], where)
    return {"id": official["id"], "label": " · ".join(p for p in parts if p)}


def near(official: dict[str, Any], wards: Any, zones: Any) -> bool:
    """Whether an official works in these wards (a supervisor) or zones (above the wards)."""
    return official["ward_id"] in wards if official["ward_id"] else official["zone"] in zones


def choices(staff: Staff, close: list, others: list) -> list[tuple[str, list]]:
    """The officials to choose from as two groups, near ones first, leaving out empty ones."""
    titles = ("off_near_officials", "off_other_officials")
    return [(staff.page.fmt.words[t], [_choice(o, staff) for o in group])
            for t, group in zip(titles, (close, others), strict=True) if group]  # fmt: skip


def spot_filters(staff: Staff, source: Any) -> tuple[str | None, int, int]:
    """The hotspot filters: category, radius_m and min_cases (a Problem names a bad one)."""
    words = staff.page.fmt.words
    given = params(staff, source, ("category", *SPOT_BOUNDS))
    try:
        code = category_param(given)
        radius, least = (whole_number(given, n, *bounds) for n, bounds in SPOT_BOUNDS.items())
    except FieldError as exc:
        if exc.field == "category":
            raise Problem("category", words["off_err_category"]) from None
        _, low, high = SPOT_BOUNDS[exc.field]
        raise Problem(exc.field, words["off_err_number"].format(low=low, high=high)) from None
    return code, radius, least


def spot_view(staff: Staff, spot: hotspots.Hotspot, roster: list) -> dict[str, Any]:
    """One hotspot as the page shows it, with the officials its work order may go to: those
    of its wards and zones, then the officials above the wards."""
    fmt, words = staff.page.fmt, staff.page.fmt.words
    zones = {c.zone for c in spot.cases if c.zone}
    close = [o for o in roster if near(o, spot.wards, zones)]
    senior = [o for o in roster if o["level"] >= 1 and o not in close]
    name, oldest = fmt.category(spot.category), spot.oldest_sla_due_at
    cases = [{"tracking_id": c.tracking_id, "status_name": fmt.status(c.status),
              "ward": c.ward_id or formats.DASH, "ward_name": c.ward_name or "",
              "due": fmt.time(c.sla_due_at) if c.sla_due_at else formats.DASH,
              "assignee": c.assignee_name or words["nobody"]} for c in spot.cases]  # fmt: skip
    return {"id": spot.id, "cases": cases, "wards": ", ".join(spot.wards) or formats.DASH,
            "heading": words["hotspot_heading"].format(category=name, n=fmt.num(len(cases))),
            "oldest": fmt.time(oldest) if oldest else formats.DASH,
            "groups": choices(staff, close, senior)}  # fmt: skip
