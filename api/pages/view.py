"""What a page needs besides its data: the period chosen, numbers and dates in the page's
language, the page-data block the scripts read, and the Jinja set-up."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig
from markupsafe import Markup

from domain import formats
from domain.stats import DayRange, Interval, today_ist
from domain.words import category_name, place_name, status_name, ui_words

TEMPLATES = Path(__file__).resolve().parent / "templates"
# Period choices: (query value, word key, trend interval).
PERIODS: tuple[tuple[str, str, Interval], ...] = (
    ("month", "period_month", Interval.DAY),
    ("last_month", "period_last_month", Interval.DAY),
    ("90d", "period_90d", Interval.WEEK),
    ("year", "period_year", Interval.MONTH),
)


class BadParameter(ValueError):
    """A query parameter a page cannot use; the page answers 400 (or 404) naming it."""

    def __init__(self, field: str, message: str, status_code: int = 400) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.status_code = status_code


@dataclass(frozen=True)
class Period:
    """The days a page counts and the length of one point of its trend."""

    key: str
    span: DayRange
    interval: Interval


def period(value: str | None, now: datetime) -> Period:
    """The period a `period` query value names (default: this month, to today)."""
    key = value or "month"
    today = today_ist(now)
    if key == "month":
        first = today.replace(day=1)
    elif key == "last_month":
        last = today.replace(day=1) - timedelta(days=1)
        return Period(key, DayRange(last.replace(day=1), last), Interval.DAY)
    elif key == "90d":
        first = today - timedelta(days=89)
    elif key == "year":
        first = today - timedelta(days=364)
    else:
        choices = ", ".join(p[0] for p in PERIODS)
        raise BadParameter("period", f"period must be one of {choices}")
    interval = next(p[2] for p in PERIODS if p[0] == key)
    return Period(key, DayRange(first, today), interval)


class Formatter:
    """Numbers, durations, dates and names in one page language (see domain/formats.py)."""

    def __init__(self, language: str, now: datetime | None = None) -> None:
        self.language = language
        self.words = ui_words(language)
        self.now = now or datetime.now(UTC)

    def num(self, value: int | None) -> str:
        """A count with lakh grouping."""
        return formats.DASH if value is None else formats.grouped(int(value))

    def dec(self, value: float | None, digits: int = 2) -> str:
        """A decimal with lakh grouping."""
        return formats.DASH if value is None else formats.decimal(value, digits)

    def pct(self, share: float | None) -> str:
        """A share as a percentage."""
        return formats.percent(share)

    def hours(self, hours: float | None) -> str:
        """A duration given in hours."""
        return formats.duration(hours, self.words)

    def day(self, value: date | datetime | str) -> str:
        """A calendar day (IST)."""
        day = date.fromisoformat(value) if isinstance(value, str) else value
        return formats.ist_day(day, self.language)

    def time(self, moment: datetime) -> str:
        """An instant (IST)."""
        return formats.ist_time(moment, self.language)

    def age(self, moment: datetime) -> str:
        """How long ago an instant was."""
        return formats.age(self.now - moment, self.words)

    def category(self, code: str) -> str:
        """A category's name."""
        return category_name(code, self.language)

    def status(self, status: str) -> str:
        """A status's name."""
        return status_name(status, self.language)

    def place(self, name: str | None) -> str:
        """A city or zone name."""
        return place_name(name, self.language) if name else formats.DASH


def page_data(data: dict[str, Any]) -> Markup:
    """JSON for a `<script type="application/json">` block: `<` escaped, so no tag ends it."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace("&", "\\u0026"))


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    """Litestar's template support over api/pages/templates, autoescaped, strict."""
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return TemplateConfig(engine=JinjaTemplateEngine.from_environment(environment))
