"""How long each official has: the case policy (SLA hours, ladder, confirmation, re-complaints).

The policy is read from a TOML file (the packaged `domain/policy.toml`, or CIVICOPS_POLICY_FILE)
when the API starts, and each case carries its own copy in the workflow input: a case keeps
the rules it was filed under, and the workflow computes its deadlines deterministically.
"""

import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from domain.categories import BY_CODE, Priority
from domain.privacy import PrivacyPolicy, PrivacyPolicyError

DEFAULT_POLICY_FILE = Path(__file__).with_name("policy.toml")
TOP_LEVEL = 3  # L0 supervisor, L1 zonal officer, L2 zonal commissioner, L3 city commissioner

# P1 halves the base window, P4 gives half as long again; P3 is the category's base.
PRIORITY_FACTOR: dict[Priority, float] = {
    Priority.P1: 0.5,
    Priority.P2: 0.75,
    Priority.P3: 1.0,
    Priority.P4: 1.5,
}


def sla_window(category: str, priority: int) -> timedelta:
    """The built-in SLA window for a category at a priority (cases filed before policies)."""
    hours = BY_CODE[category].sla_hours * PRIORITY_FACTOR[Priority(priority)]
    return timedelta(hours=hours)


def sla_due(category: str, priority: int, assigned_at: datetime) -> datetime:
    """When the work is due, counted from assignment, under the built-in windows."""
    return assigned_at + sla_window(category, priority)


@dataclass
class SlaPolicy:
    """The rules one case runs under; JSON-friendly, as it travels in workflow input."""

    base_hours: float  # the category's window at P3, level 0
    priority_factors: list[float] = field(default_factory=lambda: [0.5, 0.75, 1.0, 1.5])
    escalation_factor: float = 0.5  # each level up gets this fraction of the window below
    min_hours: float = 2.0
    reminder_hours: float = 24.0  # at L3 the case stays, and a reminder repeats this often
    confirm_hours: float = 72.0  # the citizen's window to confirm or reopen
    recomplaint_threshold: int = 3  # every K-th re-complaint escalates the case at once
    proof_max_distance_m: float = 200.0  # photo GPS further than this is flagged
    transcription_hours: float = 4.0  # a voice note's human transcript is due within this
    triage_hours: float = 8.0  # a case with no sure category is sorted within this

    def window(self, priority: int, level: int = 0) -> timedelta:
        """The SLA window at a priority and escalation level (shorter as the case climbs)."""
        if level >= TOP_LEVEL:
            return timedelta(hours=self.reminder_hours)
        hours = self.base_hours * self.priority_factors[priority - 1]
        hours *= self.escalation_factor**level
        return timedelta(hours=max(hours, self.min_hours))


@dataclass(frozen=True)
class IntakeRules:
    """How the API decides a new filing is a re-complaint of an open or recently closed case."""

    recomplaint_radius_m: float = 50.0
    reopen_window_days: float = 30.0


class PolicyError(ValueError):
    """The policy file is unusable; the message names the key."""


_SLA_KEYS = {
    "escalation_factor",
    "min_hours",
    "reminder_hours",
    "confirm_hours",
    "recomplaint_threshold",
    "proof_max_distance_m",
    "transcription_hours",
    "triage_hours",
}
_INTAKE_KEYS = {"recomplaint_radius_m", "reopen_window_days"}
_TABLES = {"priority_factor", "base_hours", "privacy"}


def _positive(where: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise PolicyError(f"{where} must be a positive number, not {value!r}")
    return float(value)


class PolicyBook:
    """Every city's case policy: defaults, overridden per city."""

    def __init__(self, document: dict[str, Any], source: str = "<policy>") -> None:
        self.source = source
        default = document.get("default", {})
        cities = document.get("cities", {})
        if not isinstance(default, dict) or not isinstance(cities, dict):
            raise PolicyError(f"{source}: [default] and [cities.*] must be tables")
        self._default = self._check("default", default)
        self._cities = {
            slug: self._check(f"cities.{slug}", table) for slug, table in cities.items()
        }
        try:
            base = PrivacyPolicy.parse(
                "default.privacy", default.get("privacy", {}), PrivacyPolicy()
            )
            self._privacy = {
                slug: PrivacyPolicy.parse(f"cities.{slug}.privacy", table.get("privacy", {}), base)
                for slug, table in cities.items()
            }
        except PrivacyPolicyError as exc:
            raise PolicyError(f"{source}: {exc}") from None
        self._privacy_default = base

    @classmethod
    def load(cls, path: Path | None = None) -> "PolicyBook":
        """Read a policy file (the packaged default when path is None)."""
        path = path or DEFAULT_POLICY_FILE
        try:
            document = tomllib.loads(path.read_text())
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise PolicyError(f"{path}: {exc}") from exc
        return cls(document, str(path))

    def _check(self, where: str, table: dict[str, Any]) -> dict[str, Any]:
        unknown = set(table) - _SLA_KEYS - _INTAKE_KEYS - _TABLES
        if unknown:
            raise PolicyError(f"{self.source}: unknown key {where}.{sorted(unknown)[0]}")
        out: dict[str, Any] = {}
        for key in (_SLA_KEYS | _INTAKE_KEYS) & set(table):
            out[key] = _positive(f"{where}.{key}", table[key])
        if "recomplaint_threshold" in out:
            out["recomplaint_threshold"] = int(out["recomplaint_threshold"])
        factors = table.get("priority_factor", {})
        for name, value in factors.items():
            if name not in {p.name for p in Priority}:
                raise PolicyError(f"{self.source}: {where}.priority_factor.{name} is not P1–P4")
            out[f"priority:{name}"] = _positive(f"{where}.priority_factor.{name}", value)
        for code, value in table.get("base_hours", {}).items():
            if code not in BY_CODE:
                raise PolicyError(f"{self.source}: {where}.base_hours.{code} is not a category")
            out[f"base:{code}"] = _positive(f"{where}.base_hours.{code}", value)
        return out

    def _get(self, city: str, key: str, fallback: Any = None) -> Any:
        return self._cities.get(city, {}).get(key, self._default.get(key, fallback))

    def sla(self, city: str, category: str) -> SlaPolicy:
        """The policy a new case of this category in this city runs under."""
        base = self._get(city, f"base:{category}", float(BY_CODE[category].sla_hours))
        factors = [self._get(city, f"priority:{p.name}", PRIORITY_FACTOR[p]) for p in Priority]
        kwargs = {k: self._get(city, k) for k in _SLA_KEYS if self._get(city, k) is not None}
        return SlaPolicy(base_hours=base, priority_factors=factors, **kwargs)

    def privacy(self, city: str) -> PrivacyPolicy:
        """The privacy policy of a city (domain/privacy.py)."""
        return self._privacy.get(city, self._privacy_default)

    def intake(self, city: str) -> IntakeRules:
        """The re-complaint rules of a city."""
        kwargs = {k: self._get(city, k) for k in _INTAKE_KEYS if self._get(city, k) is not None}
        return IntakeRules(**kwargs)
