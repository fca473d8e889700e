"""How a complaint's breach risk and its category's severity set its priority (P1–P4).

The category's default priority is its severity. A risk of HIGH_RISK or more moves the case
one step more urgent; below LOW_RISK, a routine category (default P3 or P4) moves one step
less urgent, but a severe one (P1, P2) never does. Words about risk to life move it one step
more urgent, as the rules always have. The rules alone (no model) are the same with no risk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from domain.categories import BY_CODE, Priority

HIGH_RISK = 0.5
LOW_RISK = 0.1
RULES = "rules"  # the model name of a decision made without a model
# Words that make a report more urgent whatever its category: risk to life or to many people.
_URGENT = re.compile(
    r"\b(accident|injur\w*|electrocut\w*|live wire|child\w*|school|hospital|ambulance|"
    r"collaps\w*|dengue|malaria|sewage in (?:house|home)|open manhole)\b",
    re.IGNORECASE,
)


def urgent_words(description: str) -> bool:
    """Whether the description speaks of risk to life or to many people."""
    return bool(_URGENT.search(description))


@dataclass
class Reason:
    """One reason for a risk: a feature's value and its push on the log-odds."""

    text: str  # "backlog 41 open"
    weight: float  # +0.5

    def __str__(self) -> str:
        return f"{self.text}: {self.weight:+.1f}"


@dataclass
class RiskDecision:
    """The prioritize step's answer: the priority and why (all of it is workflow history)."""

    priority: int
    model: str = RULES  # the model id, or "rules"
    probability: float | None = None
    reasons: list[Reason] = field(default_factory=list)

    def detail(self) -> dict[str, object]:
        """What the `prioritized` event records of it."""
        out: dict[str, object] = {"priority": f"P{self.priority}", "model": self.model}
        if self.probability is not None:
            out["breach_risk"] = round(self.probability, 3)
            out["reasons"] = [str(r) for r in self.reasons]
        return out


def decide(category: str, urgent_words: bool, probability: float | None) -> int:
    """The priority of a case of `category`, given its breach risk (None: the rules)."""
    default = int(BY_CODE[category].default_priority)
    priority = default
    if probability is not None:
        if probability >= HIGH_RISK:
            priority -= 1
        elif probability < LOW_RISK and default >= int(Priority.P3):
            priority += 1
    if urgent_words:
        priority = min(priority, default - 1)
    return max(int(Priority.P1), min(int(Priority.P4), priority))
