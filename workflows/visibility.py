"""A case search in Temporal's list-filter language, for `list_workflows` and the Temporal UI.

The same `domain.search.Filters` the database answers (records/search.py), written over the
search attributes the workflow keeps (workflows/search_attributes.py), so both give the same
cases. The query is built from validated values, each quoted and escaped here, never pasted
from raw input.
"""

from __future__ import annotations

from datetime import datetime

from domain.search import OPEN_STATUSES, Filters, iso
from workflows import search_attributes as sa

WORKFLOW_TYPE = "ComplaintWorkflow"


def quote(value: str) -> str:
    """A double-quoted string literal for a Temporal list filter, backslash-escaped."""
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        raise ValueError("control characters cannot be searched for")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _when(value: datetime) -> str:
    """A datetime literal for a Temporal list filter."""
    return quote(iso(value).replace("+00:00", "Z"))


def _one_of(name: str, values: tuple[str, ...]) -> str:
    """`Name = "v"` for one value, `Name IN ("a", "b")` for several."""
    if len(values) == 1:
        return f"{name} = {quote(values[0])}"
    return f"{name} IN ({', '.join(quote(v) for v in values)})"


def visibility_query(f: Filters) -> str:
    """The filters over CivicOps' search attributes, for `list_workflows` or the Temporal UI.

    Only the current run of each case is matched (a continued-as-new run is left out), so each
    case appears once, as it does in the projection.
    """
    parts = [
        f"WorkflowType = {quote(WORKFLOW_TYPE)}",
        'ExecutionStatus != "ContinuedAsNew"',
    ]
    if f.city is not None:
        parts.append(f"{sa.CITY.name} = {quote(f.city)}")
    if f.ward is not None:
        parts.append(f"{sa.WARD.name} = {quote(f.ward)}")
    if f.zone is not None:
        parts.append(f"{sa.ZONE.name} = {quote(f.zone)}")
    if f.statuses:
        parts.append(_one_of(sa.STATUS.name, f.statuses))
    if f.categories:
        parts.append(_one_of(sa.CATEGORY.name, f.categories))
    if f.supervisor is not None:
        if f.supervisor_name is None:
            raise ValueError("the supervisor's name is needed: Temporal holds 'Name #id'")
        value = sa.supervisor_value(f.supervisor_name, int(f.supervisor))
        parts.append(f"{sa.SUPERVISOR.name} = {quote(value)}")
    if f.level is not None:
        parts.append(f"{sa.ESCALATION_LEVEL.name} = {int(f.level)}")
    if f.priority is not None:
        parts.append(f"{sa.PRIORITY.name} = {quote(f'P{int(f.priority)}')}")
    if f.overdue is True:
        parts.append(_one_of(sa.STATUS.name, OPEN_STATUSES))
        parts.append(f"{sa.SLA_DUE_AT.name} < {_when(f.now)}")
    elif f.overdue is False:
        not_open = ", ".join(quote(s) for s in OPEN_STATUSES)
        parts.append(
            f"({sa.STATUS.name} NOT IN ({not_open}) OR {sa.SLA_DUE_AT.name} IS NULL "
            f"OR {sa.SLA_DUE_AT.name} >= {_when(f.now)})"
        )
    if f.filed_from is not None:
        parts.append(f"{sa.FILED_AT.name} >= {_when(f.filed_from)}")
    if f.filed_until is not None:
        parts.append(f"{sa.FILED_AT.name} < {_when(f.filed_until)}")
    return " AND ".join(parts)
