"""The catalogue of India-specific civic complaint categories."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum


class Priority(IntEnum):
    """P1 is the most urgent; the number is what officials say aloud."""

    P1 = 1
    P2 = 2
    P3 = 3
    P4 = 4


@dataclass(frozen=True)
class Category:
    """One kind of civic problem a citizen can report."""

    code: str
    name: str
    group: str
    department: str
    default_priority: Priority
    sla_hours: int
    keywords: tuple[str, ...]


CATEGORIES: tuple[Category, ...] = (
    Category(
        "pothole",
        "Pothole",
        "Roads",
        "Roads & Infrastructure",
        Priority.P3,
        72,
        ("pothole", "road damage", "crater", "gaddha"),
    ),
    Category(
        "waterlogging",
        "Waterlogging",
        "Storm water",
        "Storm Water Drains",
        Priority.P2,
        12,
        ("flooding", "water logging", "stagnant water", "underpass flooded"),
    ),
    Category(
        "drain_overflow",
        "Drain or sewer overflow",
        "Storm water",
        "Sewerage",
        Priority.P2,
        24,
        ("sewage", "manhole", "drain blocked", "overflowing drain", "nala"),
    ),
    Category(
        "garbage_not_collected",
        "Garbage not collected",
        "Solid waste",
        "Solid Waste Management",
        Priority.P3,
        24,
        ("garbage", "waste pickup", "door to door", "kasa"),
    ),
    Category(
        "waste_not_segregated",
        "Waste not segregated",
        "Solid waste",
        "Solid Waste Management",
        Priority.P4,
        48,
        ("segregation", "wet waste", "dry waste"),
    ),
    Category(
        "streetlight_out",
        "Streetlight not working",
        "Electrical",
        "Electrical",
        Priority.P3,
        48,
        ("streetlight", "street light", "dark street", "lamp"),
    ),
    Category(
        "stray_animals",
        "Stray animals",
        "Public health",
        "Animal Husbandry",
        Priority.P3,
        48,
        ("stray dog", "dog bite", "cattle on road", "monkey"),
    ),
    Category(
        "fallen_tree",
        "Fallen tree or branch",
        "Forest & parks",
        "Forest Cell",
        Priority.P2,
        12,
        ("tree fall", "branch", "uprooted tree"),
    ),
    Category(
        "water_supply",
        "No water supply or leak",
        "Water",
        "Water Supply",
        Priority.P2,
        24,
        ("no water", "pipe burst", "leak", "contaminated water"),
    ),
    Category(
        "illegal_dumping",
        "Illegal dumping or garbage black spot",
        "Solid waste",
        "Solid Waste Management",
        Priority.P3,
        48,
        ("black spot", "debris", "construction waste"),
    ),
    Category(
        "public_toilet",
        "Public toilet unclean or locked",
        "Public health",
        "Health",
        Priority.P3,
        24,
        ("toilet", "urinal", "sulabh", "washroom"),
    ),
    Category(
        "mosquito_breeding",
        "Mosquito breeding",
        "Public health",
        "Health",
        Priority.P2,
        48,
        ("mosquito", "dengue", "fogging", "larvae"),
    ),
)

BY_CODE: dict[str, Category] = {c.code: c for c in CATEGORIES}
# The category of a case filed without one, until the classifier or a person picks it. It is
# no catalogue code, so no policy, re-complaint match or per-category figure is taken from it.
UNCATEGORISED = "uncategorised"


# --- Questions a category asks (Open311 service attributes) ------------------------------
#
# Every question is optional: a citizen reporting a pothole from a moving auto cannot be
# made to measure it, and older apps that send no answers keep working. The answers travel
# with the complaint (`attributes`) through both doors, the JSON API and Open311.

ATTRIBUTE_DATATYPES = frozenset(
    {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}
)
MAX_ANSWER_CHARS = 200  # the JSON API's limit on one answer


@dataclass(frozen=True)
class Attribute:
    """One question of a category, in Open311's terms (a service definition attribute)."""

    code: str
    datatype: str  # one of ATTRIBUTE_DATATYPES
    description: str  # the question, as a form shows it
    values: tuple[tuple[str, str], ...] = ()  # (key, name) for the list datatypes
    required: bool = False
    datatype_description: str | None = None
    bounds: tuple[float, float] | None = None  # inclusive range of a number


class InvalidAttribute(ValueError):
    """An answer that cannot be accepted; `code` names the question at fault."""

    def __init__(self, code: str, message: str) -> None:
        """The question's code and what is wrong with the answer."""
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


_YES_NO = (("yes", "Yes"), ("no", "No"))

ATTRIBUTES: dict[str, tuple[Attribute, ...]] = {
    "pothole": (
        Attribute(
            "size",
            "singlevaluelist",
            "How big is the pothole?",
            (
                ("small", "Small (smaller than a dinner plate)"),
                ("medium", "Medium (up to a two-wheeler's wheel)"),
                ("large", "Large (wider than a car's wheel)"),
            ),
        ),
        Attribute("on_main_road", "singlevaluelist", "Is it on a main road or bus route?", _YES_NO),
    ),
    "waterlogging": (
        Attribute(
            "depth",
            "singlevaluelist",
            "How deep is the water?",
            (("ankle", "Ankle deep"), ("knee", "Knee deep"), ("waist", "Waist deep or more")),
        ),
        Attribute("traffic_blocked", "singlevaluelist", "Is traffic blocked?", _YES_NO),
    ),
    "drain_overflow": (
        Attribute("sewage", "singlevaluelist", "Is it sewage (foul smell)?", _YES_NO),
        Attribute(
            "manhole_open", "singlevaluelist", "Is a manhole cover open or missing?", _YES_NO
        ),
    ),
    "garbage_not_collected": (
        Attribute(
            "days",
            "number",
            "For how many days has garbage not been collected?",
            datatype_description="A whole number of days, 0 to 365",
            bounds=(0, 365),
        ),
        Attribute(
            "collection",
            "singlevaluelist",
            "Which collection was missed?",
            (("door_to_door", "Door-to-door pickup"), ("community_bin", "Community bin")),
        ),
    ),
    "waste_not_segregated": (
        Attribute(
            "source",
            "singlevaluelist",
            "Where does the unsegregated waste come from?",
            (
                ("household", "Household"),
                ("apartment", "Apartment complex"),
                ("shop", "Shop or restaurant"),
                ("market", "Market"),
            ),
        ),
    ),
    "streetlight_out": (
        Attribute(
            "pole_number",
            "string",
            "Number painted on the pole, if you can see it",
            datatype_description="As painted, e.g. BESCOM 12/345",
        ),
        Attribute(
            "lights_out",
            "number",
            "How many lights in a row are out?",
            datatype_description="A whole number, 1 to 100",
            bounds=(1, 100),
        ),
    ),
    "stray_animals": (
        Attribute(
            "animal",
            "singlevaluelist",
            "Which animal?",
            (
                ("dog", "Dogs"),
                ("cattle", "Cattle"),
                ("monkey", "Monkeys"),
                ("pig", "Pigs"),
                ("other", "Other"),
            ),
        ),
        Attribute("bite", "singlevaluelist", "Has anyone been bitten?", _YES_NO),
    ),
    "fallen_tree": (
        Attribute(
            "blocking",
            "multivaluelist",
            "What does it block or touch?",
            (
                ("road", "The road"),
                ("footpath", "The footpath"),
                ("vehicle", "A vehicle"),
                ("power_line", "Power lines"),
            ),
        ),
    ),
    "water_supply": (
        Attribute(
            "issue",
            "singlevaluelist",
            "What is wrong?",
            (
                ("no_supply", "No water"),
                ("low_pressure", "Low pressure"),
                ("leak", "Leak or burst pipe"),
                ("contaminated", "Dirty or smelly water"),
            ),
        ),
        Attribute(
            "hours_without",
            "number",
            "For how many hours has there been no water?",
            datatype_description="A number of hours, 0 to 720",
            bounds=(0, 720),
        ),
    ),
    "illegal_dumping": (
        Attribute(
            "waste_type",
            "multivaluelist",
            "What is dumped?",
            (
                ("household", "Household waste"),
                ("construction", "Construction debris"),
                ("garden", "Garden waste"),
                ("plastic", "Plastic"),
                ("medical", "Medical waste"),
            ),
        ),
    ),
    "public_toilet": (
        Attribute(
            "problem",
            "multivaluelist",
            "What is the problem?",
            (
                ("dirty", "Dirty"),
                ("locked", "Locked"),
                ("no_water", "No water"),
                ("broken", "Broken fittings"),
                ("no_light", "No light"),
            ),
        ),
    ),
    "mosquito_breeding": (
        Attribute(
            "site",
            "singlevaluelist",
            "Where are mosquitoes breeding?",
            (
                ("stagnant_water", "Stagnant water"),
                ("open_drain", "Open drain"),
                ("construction_site", "Construction site"),
                ("containers", "Tyres, pots or containers"),
            ),
        ),
        Attribute(
            "fever_cases", "singlevaluelist", "Are there fever or dengue cases nearby?", _YES_NO
        ),
    ),
}


def validate_attributes(category_code: str, attributes: dict[str, str]) -> dict[str, str]:
    """The answers to a category's questions, normalised; InvalidAttribute names a bad one."""
    if category_code not in BY_CODE:
        raise ValueError(f"unknown category {category_code!r}")
    return check_attributes(ATTRIBUTES.get(category_code, ()), attributes)


def check_attributes(
    questions: tuple[Attribute, ...], attributes: dict[str, str]
) -> dict[str, str]:
    """Check answers against questions: unknown codes, values off the list, missing required.

    An empty answer counts as no answer. A multivaluelist answer is its keys, comma-separated.
    """
    by_code = {q.code: q for q in questions}
    answers: dict[str, str] = {}
    for code, raw in attributes.items():
        question = by_code.get(code)
        if question is None:
            known = ", ".join(by_code) or "none"
            raise InvalidAttribute(code, f"not a question of this service (its questions: {known})")
        value = raw.strip()
        if value:
            answers[code] = _check_answer(question, value)
    for question in questions:
        if question.required and question.code not in answers:
            raise InvalidAttribute(question.code, "required")
    return answers


def _check_answer(question: Attribute, value: str) -> str:
    """One answer, normalised, or InvalidAttribute."""
    code = question.code
    if len(value) > MAX_ANSWER_CHARS:
        raise InvalidAttribute(code, f"at most {MAX_ANSWER_CHARS} characters")
    keys = [key for key, _ in question.values]
    if question.datatype == "singlevaluelist":
        if value not in keys:
            raise InvalidAttribute(code, f"{value!r} is not one of {', '.join(keys)}")
        return value
    if question.datatype == "multivaluelist":
        chosen = [v.strip() for v in value.split(",") if v.strip()]
        for v in chosen:
            if v not in keys:
                raise InvalidAttribute(code, f"{v!r} is not one of {', '.join(keys)}")
        return ",".join(dict.fromkeys(chosen))
    if question.datatype == "number":
        try:
            number = float(value)
        except ValueError:
            raise InvalidAttribute(code, f"{value!r} is not a number") from None
        if not math.isfinite(number):
            raise InvalidAttribute(code, "must be a finite number")
        if question.bounds and not question.bounds[0] <= number <= question.bounds[1]:
            low, high = question.bounds
            raise InvalidAttribute(code, f"must be between {low:g} and {high:g}")
        return value
    if question.datatype == "datetime":
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise InvalidAttribute(code, f"{value!r} is not an ISO 8601 date and time") from None
        return value
    return value  # string, text
