"""Which cases an API key may see and act on, in HTTP terms: listing filters and 403s.

The rules themselves are pure functions in domain/access.py, which the workflow and the
webhook fan-out share. Officials, auditors and admins see every case. A supervisor key sees
and acts only on the cases now assigned to its official. Citizen apps and integrators list
only what they filed (they may still follow any case by its tracking id, as a citizen with a
receipt can).
"""

from __future__ import annotations

from typing import Any

from litestar.exceptions import PermissionDeniedException

from domain.access import EVERY_CASE, holds_case
from domain.roles import Role
from records.apikeys import Principal
from records.tables import Complaint


def case_filter(principal: Principal) -> Any | None:
    """A Piccolo `where` clause on Complaint limiting a listing to this key's cases."""
    if principal.role in EVERY_CASE:
        return None
    if principal.role == Role.SUPERVISOR:
        return Complaint.assignee == (principal.official_id or -1)
    return Complaint.filed_by == principal.key_id


def require_assigned(principal: Principal, assignee_id: int | None) -> None:
    """403 when a supervisor key reaches for a case assigned to another official."""
    if principal.role == Role.SUPERVISOR and not holds_case(principal.official_id, assignee_id):
        raise PermissionDeniedException(
            "this case is not assigned to your official: a supervisor key sees and acts only "
            "on the cases assigned to its official"
        )
