"""Who may see and act on a case, and how a refusal is named: rules the API and workflow share.

Officials, auditors and admins see every case. A supervisor key is bound to one official
and sees and acts only on the cases that official holds. Citizen apps and integrators list,
confirm, reopen and withdraw only what they filed: the API puts the caller's key id on such
a request (`own_filings_key`) and the workflow checks it against the case (`may_act_as_filer`),
because only the workflow knows who filed the case.

A refused update carries a `Refusal` as its ApplicationError type; api/updates.py maps each
to its HTTP status (403, 422 naming the field, 409, 503).
"""

from enum import StrEnum
from typing import Protocol

from domain.roles import Role

EVERY_CASE = frozenset({Role.ADMIN, Role.OFFICIAL, Role.AUDITOR})
OWN_FILINGS = frozenset({Role.CITIZEN_APP, Role.INTEGRATOR})


class Refusal(StrEnum):
    """Why a case refused an update. The values are ApplicationError types: recorded
    histories and retry policies' non_retryable_error_types hold them, so they never change."""

    FORBIDDEN = "Forbidden"  # 403: not the caller's case to act on
    BAD_INPUT = "BadInput"  # 422: a named field is wrong
    CONFLICT = "Conflict"  # 409: the case is not in a state that allows it
    UNAVAILABLE = "Unavailable"  # 503: an outage outlasted the update's own retries


class Caller(Protocol):
    """What the rules need to know of an API key (records.apikeys.Principal is one)."""

    @property
    def role(self) -> Role:
        """The key's role."""
        ...

    @property
    def key_id(self) -> str:
        """The key's id, as a case's `filed_by` records it."""
        ...

    @property
    def official_id(self) -> int | None:
        """The official a supervisor key is bound to."""
        ...


def own_filings_key(caller: Caller) -> str | None:
    """The key id to put on a request when this caller may act only on what it filed."""
    return caller.key_id if caller.role in OWN_FILINGS else None


def is_filer(key_id: str, filed_by: str | None) -> bool:
    """Whether the key `key_id` filed the case (cases filed without a key have no filer)."""
    return filed_by is not None and key_id == filed_by


def may_act_as_filer(restricted_to: str | None, filed_by: str | None) -> bool:
    """Whether a request limited to its own filings (`restricted_to`, a key id) may act on a
    case filed by `filed_by`; a request not so limited (None) may act on any case."""
    return restricted_to is None or is_filer(restricted_to, filed_by)


def holds_case(official_id: int | None, assignee_id: int | None) -> bool:
    """Whether the official `official_id` is the one the case is now assigned to."""
    return assignee_id is not None and official_id == assignee_id


def may_see(caller: Caller, *, assignee_id: int | None, filed_by: str | None) -> bool:
    """Whether a listing, a webhook or a history for this key may include the case."""
    if caller.role in EVERY_CASE:
        return True
    if caller.role == Role.SUPERVISOR:
        return holds_case(caller.official_id, assignee_id)
    return is_filer(caller.key_id, filed_by)
