"""Privacy rules under India's DPDP Act 2023: each city's policy, the notice, and who sees what.

- **Policy** (`[default.privacy]` / `[cities.<slug>.privacy]` in the policy file): the legal
  basis of processing contact details (`consent`, s.6, or `state_function`, s.7(b)-(c)),
  whether erasure is done at all (s.17(4) relieves the State, so a city may choose), how
  many days after a case closes its contact details are erased, the published grievance
  response time (Rule 14: at most 90 days), and the categories whose public points are
  coarsened (about 100 m).
- **Notice** (s.5): each version's purposes; a filing with contact details records the version
  shown and the purposes, and under `consent` it must say the citizen agreed.
- **Visibility** (Rule 6, masking and access control): what each role sees of each personal
  field. `docs/access-matrix.md` ("Personal data, by role") repeats it and a test checks both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.categories import BY_CODE

CONSENT, STATE_FUNCTION = "consent", "state_function"
LEGAL_BASES = (CONSENT, STATE_FUNCTION)
MAX_GRIEVANCE_DAYS = 90  # DPDP Rules 2025, Rule 14
COARSE_DEGREES = 0.001  # about 110 m of latitude: sensitive categories' public points

# Purposes a notice may name, and what the citizen is told each means.
PURPOSES: dict[str, str] = {
    "case_updates": "tell you what happens to your complaint",
    "site_visit": "let the ward's officials reach you to find the spot or check the fix",
    "grievance": "answer a grievance you lodge about your complaint or your data",
}
# Each published notice version and the purposes it named (new versions are appended).
NOTICES: dict[str, tuple[str, ...]] = {"2026-12-v1": tuple(PURPOSES)}
CURRENT_NOTICE = "2026-12-v1"
UNSTATED = "unstated"  # a filing (e.g. Open311) that did not say which notice it showed


class PrivacyPolicyError(ValueError):
    """A privacy policy value that cannot be used."""


@dataclass(frozen=True)
class PrivacyPolicy:
    """One city's privacy policy (module docstring)."""

    legal_basis: str = STATE_FUNCTION
    erasure: bool = True
    retention_days: int = 365
    grievance_days: int = 30
    sensitive_categories: frozenset[str] = frozenset({"public_toilet", "stray_animals"})

    @classmethod
    def parse(cls, where: str, table: dict[str, Any], base: PrivacyPolicy) -> PrivacyPolicy:
        """The policy a `[….privacy]` table sets over `base`; PrivacyPolicyError names the key."""
        unknown = set(table) - {
            "legal_basis",
            "erasure",
            "retention_days",
            "grievance_days",
            "sensitive_categories",
        }
        if unknown:
            raise PrivacyPolicyError(f"unknown key {where}.{sorted(unknown)[0]}")
        basis = table.get("legal_basis", base.legal_basis)
        if basis not in LEGAL_BASES:
            raise PrivacyPolicyError(f"{where}.legal_basis must be one of {list(LEGAL_BASES)}")
        erasure = table.get("erasure", base.erasure)
        if not isinstance(erasure, bool):
            raise PrivacyPolicyError(f"{where}.erasure must be true or false")
        days = table.get("retention_days", base.retention_days)
        if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 36500:
            raise PrivacyPolicyError(f"{where}.retention_days must be 1-36500 days")
        answer = table.get("grievance_days", base.grievance_days)
        if (
            not isinstance(answer, int)
            or isinstance(answer, bool)
            or not 1 <= answer <= MAX_GRIEVANCE_DAYS
        ):
            raise PrivacyPolicyError(f"{where}.grievance_days must be 1-{MAX_GRIEVANCE_DAYS}")
        sensitive = table.get("sensitive_categories", sorted(base.sensitive_categories))
        if not isinstance(sensitive, list) or any(c not in BY_CODE for c in sensitive):
            raise PrivacyPolicyError(f"{where}.sensitive_categories must list category codes")
        return cls(basis, erasure, days, answer, frozenset(sensitive))


def check_notice(
    policy: PrivacyPolicy, version: str | None, purposes: list[str] | None, consent: bool | None
) -> tuple[str, tuple[str, ...], str | None]:
    """(notice version, purposes, None) a filing with contact details records, or
    (…, field, message) for the first thing wrong with what it said."""
    if version is None:
        if policy.legal_basis == CONSENT:
            return UNSTATED, (), "reporter.notice_version"
        return UNSTATED, tuple(PURPOSES), None
    if version not in NOTICES:
        return version, (), "reporter.notice_version"
    offered = NOTICES[version]
    chosen = tuple(dict.fromkeys(purposes)) if purposes else offered
    if any(p not in offered for p in chosen):
        return version, chosen, "reporter.purposes"
    if policy.legal_basis == CONSENT and consent is not True:
        return version, chosen, "reporter.consent"
    return version, chosen, None


NOTICE_PROBLEMS = {
    "reporter.notice_version": f"must name the privacy notice shown: one of {list(NOTICES)} "
    "(GET /v1/privacy/notice)",
    "reporter.purposes": "must be purposes the notice names",
    "reporter.consent": "must be true: this city processes contact details with consent",
}


def coarse_point(
    category: str, lat: float, lon: float, policy: PrivacyPolicy
) -> tuple[float, float]:
    """The point the public sees: a sensitive category's snapped to a ~100 m grid."""
    if category not in policy.sensitive_categories:
        return lat, lon
    step = COARSE_DEGREES
    return round(round(lat / step) * step, 6), round(round(lon / step) * step, 6)


# --- who sees what ------------------------------------------------------------------------

MASKED, HIDDEN = "masked", "hidden"
REVEALED = "masked; clear for a stated purpose (audited)"
PERSONAL_FIELDS = ("name", "phone", "email", "original description")
_STAFF = {"name": REVEALED, "phone": REVEALED, "email": REVEALED,
          "original description": "hidden; clear for a stated purpose (audited)"}  # fmt: skip
# role -> field -> what the role sees through the API (the access-matrix table repeats it).
# Supervisors see only what their case needs (the masked description, the spot, the photos).
VISIBILITY: dict[str, dict[str, str]] = {
    "anonymous": dict.fromkeys(PERSONAL_FIELDS, HIDDEN),
    "citizen-app": dict.fromkeys(PERSONAL_FIELDS, HIDDEN),
    "integrator": dict.fromkeys(PERSONAL_FIELDS, HIDDEN),
    "supervisor": dict.fromkeys(PERSONAL_FIELDS, HIDDEN),
    "auditor": dict.fromkeys(PERSONAL_FIELDS, HIDDEN),
    "official": dict(_STAFF),
    "admin": dict(_STAFF),  # an admin key passes every role's guard (api/auth.py)
}
