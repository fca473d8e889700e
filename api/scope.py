"""Which cases an API key may see and act on.

Officials, auditors and admins see every case. A supervisor key sees and acts only on the
cases now assigned to its official. Citizen apps and integrators list only what they filed
(they may still follow any case by its tracking id, as a citizen with a receipt can).
"""

from __future__ import annotations

from typing import Any

from litestar.exceptions import PermissionDeniedException

from domain.roles import Role
from records.apikeys import Principal
from records.tables import Complaint

EVERY_CASE = frozenset({Role.ADMIN, Role.OFFICIAL, Role.AUDITOR})
OWN_FILINGS = frozenset({Role.CITIZEN_APP, Role.INTEGRATOR})


def case_filter(principal: Principal) -> Any | None:
    """A Piccolo `where` clause on Complaint limiting a listing to this key's cases."""
    if principal.role in EVERY_CASE:
        return None
    if principal.role == Role.SUPERVISOR:
        return Complaint.assignee == (principal.official_id or -1)
    return Complaint.filed_by == principal.key_id


def may_see(principal: Principal, *, assignee_id: int | None, filed_by: str | None) -> bool:
    """Whether a listing, a webhook or a history of this key may include the case."""
    if principal.role in EVERY_CASE:
        return True
    if principal.role == Role.SUPERVISOR:
        return assignee_id is not None and assignee_id == principal.official_id
    return filed_by is not None and filed_by == principal.key_id


def require_assigned(principal: Principal, assignee_id: int | None) -> None:
    """403 when a supervisor key reaches for a case assigned to another official."""
    if principal.role == Role.SUPERVISOR and (
        assignee_id is None or assignee_id != principal.official_id
    ):
        raise PermissionDeniedException(
            "this case is not assigned to your official: a supervisor key sees and acts only "
            "on the cases assigned to its official"
        )
