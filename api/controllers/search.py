"""Search cases: `GET /v1/complaints` with filters, keyset pages and the matching Temporal query.

Every parameter is validated here (a 400 names it); unknown parameters are refused, so a typo
such as `statsu=` never silently lists everything. The query itself is built by
records/search.py (and its Temporal twin by workflows/visibility.py) from the validated values.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Annotated, Any
from urllib.parse import quote as url_quote
from urllib.parse import urlencode

import msgspec
from litestar import Controller, Request, get
from litestar.params import QueryParameter

from api import queries
from api.auth import current_principal, roles
from api.errors import FieldError
from api.scope import case_filter
from domain.access import EVERY_CASE
from domain.case import Status
from domain.categories import BY_CODE, UNCATEGORISED
from domain.roles import Role
from domain.sla import TOP_LEVEL
from records import search as case_search
from records.tables import Official
from workflows.visibility import visibility_query

SEARCHERS = roles(Role.CITIZEN_APP, Role.INTEGRATOR, Role.SUPERVISOR, Role.AUDITOR, Role.OFFICIAL)
IST = timezone(timedelta(hours=5, minutes=30), "IST")  # India has no daylight saving
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_LIST = 12  # values in one comma list
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
PARAMETERS = (
    "city",
    "ward",
    "zone",
    "status",
    "category",
    "supervisor",
    "level",
    "priority",
    "overdue",
    "filed_from",
    "filed_to",
    "cursor",
    "limit",
)
_DIGITS = re.compile(r"[0-9]{1,9}")  # ASCII only: int() would also take "٥" or "1_0"
_CITY = re.compile(r"[a-z][a-z0-9-]{1,39}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?")
_JOINERS = {"\u200c", "\u200d"}  # ZWNJ and ZWJ spell Indian scripts; other format chars are junk

Text = Annotated[str | None, QueryParameter(required=False)]


class WardBrief(msgspec.Struct):
    """The ward that holds the case."""

    id: str
    name: str
    zone: str


class AssigneeBrief(msgspec.Struct):
    """The official the case is now assigned to."""

    id: int
    name: str
    level: int | None


class CaseSummary(msgspec.Struct):
    """One case in a search result: no citizen's personal data."""

    tracking_id: str
    status: str
    category: str | None  # None while the case waits for its words or its triager
    city: str
    ward: WardBrief | None
    assignee: AssigneeBrief | None
    priority: str | None
    escalation_level: int
    filed_at: datetime
    sla_due_at: datetime | None
    overdue: bool
    url: str


class SearchPage(msgspec.Struct, omit_defaults=True):
    """A page of cases, newest filing first; follow next_url until it is null."""

    items: list[CaseSummary]
    next_cursor: str | None
    next_url: str | None
    temporal_query: str | None = None  # officials: the same search in the Temporal UI
    temporal_url: str | None = None


def _text(name: str, value: str, max_length: int) -> str:
    """A ward id or zone name: printable, no quotes or backslashes, within max_length."""
    if len(value) > max_length:
        raise FieldError(name, f"longer than {max_length} characters")
    for ch in value:
        if ch in _JOINERS:
            continue
        if ch in '"\\' or unicodedata.category(ch).startswith("C"):
            raise FieldError(name, f"contains a character not allowed here: {ch!r}")
    return value


def _int(name: str, value: str, low: int, high: int) -> int:
    """A whole number in ASCII digits within [low, high]."""
    if not _DIGITS.fullmatch(value) or not low <= int(value) <= high:
        raise FieldError(name, f"must be a whole number from {low} to {high}")
    return int(value)


def _list(name: str, value: str) -> list[str]:
    """The distinct items of a comma list, none empty."""
    items = [v.strip() for v in value.split(",")]
    if any(not v for v in items):
        raise FieldError(name, "has an empty item in its comma list")
    if len(items) > MAX_LIST:
        raise FieldError(name, f"at most {MAX_LIST} values")
    return list(dict.fromkeys(items))


def _statuses(value: str) -> tuple[str, ...]:
    """Case statuses, any letter case; 400 naming status for an unknown one."""
    known = {s.value for s in Status}
    out = []
    for item in _list("status", value):
        if item.upper() not in known:
            shown = item if len(item) <= 40 else item[:40] + "…"
            raise FieldError("status", f"unknown status {shown!r}; one of {', '.join(known)}")
        out.append(item.upper())
    return tuple(out)


def _categories(value: str) -> tuple[str, ...]:
    """Category codes; 400 naming category for an unknown one."""
    out = []
    for item in _list("category", value):
        if item.lower() not in BY_CODE:
            shown = item if len(item) <= 40 else item[:40] + "…"
            raise FieldError("category", f"unknown category {shown!r} (see /v1/categories)")
        out.append(item.lower())
    return tuple(out)


def _priority(value: str) -> int:
    """P1 to P4 (or 1 to 4) as a number."""
    match = re.fullmatch(r"[Pp]?([1-4])", value)
    if not match:
        raise FieldError("priority", "must be P1, P2, P3 or P4")
    return int(match.group(1))


def _bool(name: str, value: str) -> bool:
    """true/false, 1/0 or yes/no."""
    lowered = value.lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise FieldError(name, "must be true or false")


def _instant(name: str, value: str, *, end: bool) -> datetime:
    """A bound of the filing range in UTC. A bare date is that whole day in India (IST); a
    datetime without an offset is India time. filed_to includes the day or instant given."""
    if _DATE.fullmatch(value):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise FieldError(name, "not a real date (YYYY-MM-DD)") from None
        start = datetime.combine(day, time(), IST)
        moment = start + timedelta(days=1) if end else start
    else:
        # An unencoded "+05:30" arrives as " 05:30": a form of the offset, not an error.
        value = re.sub(r"(T[0-9:.]+) (\d{2}:\d{2})$", r"\1+\2", value)
        if not _DATETIME.fullmatch(value):
            raise FieldError(
                name, "must be a date (2026-01-31) or an ISO datetime (2026-01-31T18:30:00+05:30)"
            )
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise FieldError(name, "not a real date and time") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=IST)
        if end:
            moment += timedelta(microseconds=1)  # half-open range: [from, to + 1 µs)
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise FieldError(name, f"must fall between {EARLIEST_YEAR} and {LATEST_YEAR}")
    return moment.astimezone(UTC)


async def _supervisor(value: str) -> tuple[int, str]:
    """The official id and name; 400 when no official has that id."""
    official_id = _int("supervisor", value, 1, 999_999_999)
    row = await Official.select(Official.name).where(Official.id == official_id).first()
    if row is None:
        raise FieldError("supervisor", f"no official with id {official_id}")
    return official_id, row["name"]


async def parse_filters(params: dict[str, str], now: datetime) -> case_search.Filters:
    """Validated filters from single-valued query parameters (a 400 names the one at fault)."""
    f = case_search.Filters(now=now)
    if "city" in params:
        if not _CITY.fullmatch(params["city"].lower()):
            raise FieldError("city", "must be a city slug such as bengaluru")
        f = replace(f, city=params["city"].lower())
    if "ward" in params:
        f = replace(f, ward=_text("ward", params["ward"], 60))
    if "zone" in params:
        f = replace(f, zone=_text("zone", params["zone"], 120))
    if "status" in params:
        f = replace(f, statuses=_statuses(params["status"]))
    if "category" in params:
        f = replace(f, categories=_categories(params["category"]))
    if "level" in params:
        f = replace(f, level=_int("level", params["level"], 0, TOP_LEVEL))
    if "priority" in params:
        f = replace(f, priority=_priority(params["priority"]))
    if "overdue" in params:
        f = replace(f, overdue=_bool("overdue", params["overdue"]))
    if "filed_from" in params:
        f = replace(f, filed_from=_instant("filed_from", params["filed_from"], end=False))
    if "filed_to" in params:
        f = replace(f, filed_until=_instant("filed_to", params["filed_to"], end=True))
    if f.filed_from and f.filed_until:
        if f.filed_until <= f.filed_from:
            raise FieldError("filed_to", "is before filed_from")
        if f.filed_until - f.filed_from > case_search.MAX_RANGE + timedelta(microseconds=1):
            raise FieldError("filed_to", "the range may span at most 366 days")
    if "supervisor" in params:
        official_id, name = await _supervisor(params["supervisor"])
        f = replace(f, supervisor=official_id, supervisor_name=name)
    return f


def _summary(row: dict[str, Any], now: datetime, public_url: str) -> CaseSummary:
    """The compact view of one projection row."""
    ward = (
        WardBrief(row["ward_id"], row["ward_name"] or "", row["zone"] or "")
        if row["ward_id"]
        else None
    )
    assignee = (
        AssigneeBrief(row["assignee"], row["assignee_name"] or "", row["assignee_level"])
        if row["assignee"] is not None
        else None
    )
    return CaseSummary(
        tracking_id=row["tracking_id"],
        status=row["status"],
        category=None if row["category"] == UNCATEGORISED else row["category"],
        city=row["city"],
        ward=ward,
        assignee=assignee,
        priority=f"P{row['priority']}" if row["priority"] else None,
        escalation_level=row["escalation_level"] or 0,
        filed_at=row["filed_at"],
        sla_due_at=row["sla_due_at"],
        overdue=case_search.is_overdue(row["status"], row["sla_due_at"], now),
        url=f"{public_url}/v1/complaints/{row['tracking_id']}",
    )


class SearchController(Controller):
    """Find cases by ward, zone, status, category, supervisor, level, deadline and filing date."""

    path = "/v1/complaints"
    tags = ["complaints"]

    @get("/", operation_id="searchComplaints", opt=SEARCHERS, summary="Search complaints")
    async def search(
        self,
        request: Request,
        city: Text = None,
        ward: Text = None,
        zone: Text = None,
        status: Annotated[
            str | None, QueryParameter(description="A status or a comma list, e.g. ASSIGNED")
        ] = None,
        category: Annotated[
            str | None, QueryParameter(description="A category code or a comma list")
        ] = None,
        supervisor: Annotated[
            str | None, QueryParameter(description="Official id of the current assignee")
        ] = None,
        level: Annotated[str | None, QueryParameter(description="Escalation level, 0–3")] = None,
        priority: Annotated[str | None, QueryParameter(description="P1 to P4")] = None,
        overdue: Annotated[
            str | None, QueryParameter(description="true: open cases past their SLA deadline")
        ] = None,
        filed_from: Annotated[
            str | None, QueryParameter(description="Date (a whole day in IST) or ISO datetime")
        ] = None,
        filed_to: Annotated[
            str | None, QueryParameter(description="Inclusive; a date means to that day's end")
        ] = None,
        cursor: Annotated[str | None, QueryParameter(description="next_cursor of a page")] = None,
        limit: Annotated[str | None, QueryParameter(description="Cases per page, 1–100")] = None,
    ) -> SearchPage:
        """Cases the caller may see, newest filing first, a page at a time.

        Officials, auditors and admins search every case and also get the same search as a
        Temporal list filter; a supervisor key sees only its official's cases, citizen apps
        and integrators only what they filed.
        """
        params = queries.single(
            request, PARAMETERS, repeat_hint=" (status and category take a comma list)"
        )
        principal = current_principal(request)
        filters = await parse_filters(params, datetime.now(UTC))
        size = _int("limit", params["limit"], 1, MAX_LIMIT) if "limit" in params else DEFAULT_LIMIT
        after = None
        if "cursor" in params:
            try:
                after, filters = case_search.decode_cursor(params["cursor"], filters)
            except case_search.CursorError as exc:
                raise FieldError("cursor", str(exc)) from None
        page = await case_search.search(
            filters, scope=case_filter(principal), limit=size, after=after
        )
        settings = request.app.state.settings
        next_cursor = case_search.encode_cursor(filters, page.next) if page.next else None
        next_url = None
        if next_cursor:
            following = {k: v for k, v in params.items() if k != "cursor"}
            following["cursor"] = next_cursor
            next_url = f"{settings.public_url}/v1/complaints?{urlencode(following)}"
        result = SearchPage(
            [_summary(r, filters.now, settings.public_url) for r in page.rows],
            next_cursor,
            next_url,
        )
        if principal.role in EVERY_CASE:
            query = visibility_query(filters)
            namespace = url_quote(settings.temporal_namespace, safe="")
            result.temporal_query = query
            result.temporal_url = (
                f"{settings.effective_temporal_ui_url}/namespaces/{namespace}/workflows"
                f"?query={url_quote(query, safe='')}"
            )
        return result
