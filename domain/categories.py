"""The catalogue of India-specific civic complaint categories."""

from __future__ import annotations

from dataclasses import dataclass
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
