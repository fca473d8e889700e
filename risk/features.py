"""What the model may know of a complaint: only what is known when it is filed.

A `Filing` holds those facts, whatever the source (the Boston 311 file, a city's own
projection, a complaint being prioritised now); `FEATURES` names the columns the model sees,
and `vector` turns a filing into them. Categorical facts become codes of the artefact's own
vocabulary (unseen values are missing, which xgboost handles), so a model and its features
travel together. Nothing here reads a closure, a status or a date after filing: a test
changes every such field of a source row and checks the vector does not move.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from domain.categories import BY_CODE
from domain.stats import IST

CATEGORICAL = ("category", "queue", "area", "source")
# Cues in the description: risk to life or to many people, and signs of a repeat.
CUES: dict[str, re.Pattern[str]] = {
    "cue_danger": re.compile(
        r"\b(accident|injur\w*|danger\w*|electrocut\w*|live wire|collaps\w*|fallen|fire)\b", re.I
    ),
    "cue_vulnerable": re.compile(r"\b(child\w*|school|hospital|elderly|ambulance)\b", re.I),
    "cue_health": re.compile(r"\b(dengue|malaria|sewage|rat\w*|rodent\w*|needle\w*|dead)\b", re.I),
    "cue_repeat": re.compile(r"\b(again|still|repeated\w*|weeks?|months?|third time)\b", re.I),
}
NUMERIC = (
    "hour",
    "weekday",
    "weekend_or_holiday",
    "sla_hours",
    "backlog_open",
    "category_last_7d",
    "recomplaints",
    "description_words",
    "no_location",
    *CUES,
)
FEATURES = (*CATEGORICAL, *NUMERIC)
MISSING = math.nan


@dataclass(frozen=True)
class Filing:
    """What is known of a complaint when it is filed (times in the city's own clock)."""

    category: str
    filed_at: datetime  # local wall-clock time of filing
    queue: str = ""  # the team it goes to (Boston's QUEUE; CivicOps: the category)
    area: str = ""  # ward or neighbourhood
    source: str = ""  # channel: app, phone, web, staff...
    sla_hours: float = MISSING  # the window that applied at filing (the category's default)
    backlog_open: int = 0  # cases of the same queue still open at filing
    category_last_7d: int = 0  # filings of the category in the 7 days before
    recomplaints: int = 0
    description: str = ""
    located: bool = True
    holiday: bool = False


def civicops_filing(
    category: str,
    filed_at: datetime,
    ward: str,
    source: str,
    description: str,
    backlog_open: int,
    category_last_7d: int,
) -> Filing:
    """A CivicOps complaint's filing, the same for training (records/riskhistory.py) and for
    the prioritize step (activities/risk.py), so the model sees what it was trained on."""
    known = BY_CODE.get(category)
    return Filing(
        category=category,
        filed_at=filed_at.astimezone(IST).replace(tzinfo=None),
        queue=category,
        area=ward,
        source=source,
        sla_hours=float(known.sla_hours) if known else MISSING,
        backlog_open=backlog_open,
        category_last_7d=category_last_7d,
        description=description,
    )


class Surroundings:
    """What earlier cases say at a filing, fed in order of filing: how many of the same group
    (queue or ward) were still open, and how many of the category were filed in the 7 days
    before. Linear in the cases: a heap of end times per group, a queue per category."""

    def __init__(self) -> None:
        self._ends: dict[str, list[datetime]] = defaultdict(list)
        self._week: dict[str, deque[datetime]] = defaultdict(deque)

    def at(self, filed: datetime, group: str, category: str) -> tuple[int, int]:
        """(open in the group, filed of the category in the 7 days before) at `filed`."""
        ends, week = self._ends[group], self._week[category]
        while ends and ends[0] <= filed:
            heapq.heappop(ends)
        while week and week[0] < filed - timedelta(days=7):
            week.popleft()
        return len(ends), len(week)

    def add(self, filed: datetime, ended: datetime, group: str, category: str) -> None:
        """Count a case filed at `filed` that stops being open at `ended`."""
        heapq.heappush(self._ends[group], ended)
        self._week[category].append(filed)


@dataclass
class Vocabulary:
    """Codes of each categorical feature's values, fixed when a model is trained."""

    codes: dict[str, dict[str, int]] = field(default_factory=dict)

    @classmethod
    def learn(cls, filings: Sequence[Filing]) -> Vocabulary:
        """Codes in order of first appearance (so the same data gives the same codes)."""
        vocab = cls({name: {} for name in CATEGORICAL})
        for f in filings:
            for name in CATEGORICAL:
                values = vocab.codes[name]
                values.setdefault(getattr(f, name), len(values))
        return vocab

    def code(self, name: str, value: str) -> float:
        """A value's code, or missing if the model never saw it."""
        found = self.codes.get(name, {}).get(value)
        return MISSING if found is None else float(found)

    def as_json(self) -> dict[str, dict[str, int]]:
        """The vocabulary as the artefact stores it."""
        return self.codes


def vector(f: Filing, vocab: Vocabulary) -> list[float]:
    """The model's inputs for one filing, in FEATURES order."""
    text = f.description or ""
    values = [vocab.code(name, getattr(f, name)) for name in CATEGORICAL]
    values += [
        float(f.filed_at.hour),
        float(f.filed_at.weekday()),
        float(f.holiday or f.filed_at.weekday() >= 5),
        float(f.sla_hours),
        float(f.backlog_open),
        float(f.category_last_7d),
        float(f.recomplaints),
        float(len(text.split())),
        float(not f.located),
        *(float(bool(pattern.search(text))) for pattern in CUES.values()),
    ]
    return values


def describe(name: str, f: Filing) -> str:
    """A feature's value as a person reads it in a reason ("ward backlog 41 open")."""
    if name in CATEGORICAL:
        return f"{name} {getattr(f, name) or '(none)'}"
    words = {
        "hour": f"filed at {f.filed_at.hour:02d}h",
        "weekday": f"filed on a {f.filed_at.strftime('%A')}",
        "weekend_or_holiday": "filed on a weekend or holiday"
        if f.holiday or f.filed_at.weekday() >= 5
        else "filed on a working day",
        "sla_hours": f"SLA window {f.sla_hours:g} h",
        "backlog_open": f"backlog {f.backlog_open} open",
        "category_last_7d": f"{f.category_last_7d} of the category in 7 days",
        "recomplaints": f"{f.recomplaints} re-complaints",
        "description_words": f"description of {len((f.description or '').split())} words",
        "no_location": "no exact location" if not f.located else "located",
    }
    if name in CUES:
        return name.replace("cue_", "words about ") + (
            "" if CUES[name].search(f.description or "") else " (none)"
        )
    return words[name]
