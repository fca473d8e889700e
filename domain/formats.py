"""Numbers and dates as Indians read them: lakh grouping and India Standard Time; pure.

`grouped(12345678)` is "1,23,45,678" (the last three digits, then pairs). Dates are IST
calendar days ("2 Dec 2026"), times are IST ("2 Dec 2026, 14:05 IST"). The pages' script
api/static/app/format.js mirrors these functions, so a figure drawn in the browser reads the
same as one rendered on the server (tests/test_dashboard_words.py checks both).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

from domain.words import MONTHS, ui_language

IST = timezone(timedelta(hours=5, minutes=30), "IST")
DASH = "—"  # what a figure with no value shows


def grouped(value: int) -> str:
    """An integer with Indian digit grouping: 1,23,45,678."""
    sign, digits = ("-", str(-value)) if value < 0 else ("", str(value))
    if len(digits) <= 3:
        return sign + digits
    head, tail = digits[:-3], digits[-3:]
    pairs = []
    while len(head) > 2:
        pairs.insert(0, head[-2:])
        head = head[:-2]
    return sign + ",".join([head, *pairs, tail])


def decimal(value: float, digits: int = 1) -> str:
    """A number with lakh grouping and at most `digits` decimals ("12,345.5", "3").

    The number's shortest decimal form is rounded half up (81.25 -> 81.3), as format.js does.
    """
    exact = Decimal(repr(abs(float(value))))
    text = f"{exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP):f}"
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0")
    sign = "-" if value < 0 and (int(whole) or frac) else ""
    return sign + grouped(int(whole)) + (f".{frac}" if frac else "")


def percent(share: float | None) -> str:
    """A share (0..1) as a percentage with one decimal at most ("87.5%"); a dash for None."""
    return DASH if share is None else f"{decimal(share * 100)}%"


def duration(hours: float | None, words: Mapping[str, str]) -> str:
    """Hours as people say them: "18.5 hours" under two days, then "3.2 days"."""
    if hours is None:
        return DASH
    if hours < 48:
        return words["hours"].format(n=decimal(hours))
    return words["days"].format(n=decimal(hours / 24))


def age(elapsed: timedelta, words: Mapping[str, str]) -> str:
    """How long ago: whole hours under a day ("5 hours"), then whole days ("3 days")."""
    hours = max(int(elapsed.total_seconds() // 3600), 0)
    if hours < 24:
        return words["hour_one"] if hours == 1 else words["hours"].format(n=grouped(hours))
    days = hours // 24
    return words["day_one"] if days == 1 else words["days"].format(n=grouped(days))


def ist_day(day: date | datetime, language: str) -> str:
    """A calendar day in IST: "2 Dec 2026" (month names in the page's language)."""
    if isinstance(day, datetime):
        day = day.astimezone(IST).date()
    month = MONTHS[ui_language(language)][day.month - 1]
    return f"{day.day} {month} {day.year}"


def ist_time(moment: datetime, language: str) -> str:
    """An instant in IST: "2 Dec 2026, 14:05 IST"."""
    local = moment.astimezone(IST)
    return f"{ist_day(local.date(), language)}, {local:%H:%M} IST"
