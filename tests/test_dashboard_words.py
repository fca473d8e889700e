"""The word catalogue and the Indian number and date formats (no browser, no services)."""

from __future__ import annotations

import re
import string
from datetime import UTC, date, datetime, timedelta

import pytest

from api.pages.language import _accepted, offered
from domain import formats
from domain.categories import CATEGORIES
from domain.states import Status
from domain.words import (
    CATEGORY_NAMES,
    MONTHS,
    STATUS_NAMES,
    UI,
    UI_LANGUAGES,
    category_name,
    ui_language,
)
from notices import i18n

KANNADA = re.compile("[\u0c80-\u0cff]")
NEUTRAL = {"nav_api"}  # the same word in every language


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_page_language_has_every_string_with_the_same_placeholders():
    assert set(UI) == set(UI_LANGUAGES)
    for language in UI_LANGUAGES:
        assert set(UI[language]) == set(UI["en"]), language
        for key, text in UI[language].items():
            assert text.strip(), (language, key)
            assert _fields(text) == _fields(UI["en"][key]), (language, key)


def test_the_kannada_strings_are_kannada():
    for key, text in UI["kn"].items():
        if key not in NEUTRAL:
            assert KANNADA.search(text), key
    assert all(KANNADA.search(name) for name in STATUS_NAMES["kn"].values())
    assert all(KANNADA.search(m) for m in MONTHS["kn"])


def test_the_notices_and_the_pages_name_categories_from_one_table():
    codes = {c.code for c in CATEGORIES}
    for language in i18n.SUPPORTED:
        assert set(CATEGORY_NAMES[language]) == codes, language
        assert dict(i18n.labels(language).categories) == dict(CATEGORY_NAMES[language])
    assert category_name("pothole", "kn") == i18n.labels("kn").category("pothole")
    assert category_name("pothole", "ml") == "Pothole"  # no Malayalam: English
    assert set(STATUS_NAMES["en"]) == {s.value for s in Status} == set(STATUS_NAMES["kn"])


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (999, "999"),
        (1000, "1,000"),
        (99999, "99,999"),
        (100000, "1,00,000"),
        (12345678, "1,23,45,678"),
        (1234567890, "1,23,45,67,890"),
        (-1234567, "-12,34,567"),
    ],
)
def test_counts_are_grouped_in_lakhs_and_crores(value, text):
    assert formats.grouped(value) == text


def test_decimals_percentages_and_durations():
    assert formats.decimal(1234567.25) == "12,34,567.3"  # half up, as format.js
    assert formats.decimal(81.25) == "81.3"
    assert formats.decimal(3.0) == "3"
    assert formats.decimal(-0.04) == "0"
    assert formats.percent(0.8125) == "81.3%"
    assert formats.percent(1.0) == "100%"
    assert formats.percent(None) == formats.DASH
    assert formats.duration(18.25, UI["en"]) == "18.3 hours"
    assert formats.duration(72, UI["en"]) == "3 days"
    assert formats.duration(72, UI["kn"]) == "3 ದಿನಗಳು"
    assert formats.age(timedelta(minutes=90), UI["en"]) == "1 hour"
    assert formats.age(timedelta(days=3, hours=5), UI["en"]) == "3 days"
    assert formats.age(timedelta(hours=30), UI["kn"]) == "1 ದಿನ"


def test_dates_are_ist_days_in_the_page_language():
    late = datetime(2026, 12, 31, 20, 0, tzinfo=UTC)  # already 1 January in India
    assert formats.ist_day(late, "en") == "1 Jan 2027"
    assert formats.ist_day(date(2026, 12, 2), "kn") == "2 ಡಿಸೆಂಬರ್ 2026"
    assert formats.ist_time(late, "en") == "1 Jan 2027, 01:30 IST"
    assert formats.ist_day(date(2026, 3, 5), "ta") == "5 Mar 2026"  # no Tamil pages: English


def test_languages_offered_and_chosen_from_the_browser():
    assert offered("kn") == ("en", "kn")
    assert offered("mr") == ("en",)  # the pages are not written in Marathi yet
    assert ui_language("kn-IN") == "kn"
    assert _accepted("kn-IN,kn;q=0.9,en;q=0.8", ("en", "kn")) == "kn"
    assert _accepted("en-IN,en;q=0.9,kn;q=0.8", ("en", "kn")) == "en"
    assert _accepted("hi;q=1, kn;q=0.5", ("en", "kn")) == "kn"
    assert _accepted("kn;q=0, fr", ("en", "kn")) is None
    assert _accepted("kn;q=junk", ("en", "kn")) is None
