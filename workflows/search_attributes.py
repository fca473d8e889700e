"""Typed search attributes that make cases findable in the Temporal UI and CLI."""

from __future__ import annotations

from temporalio.common import SearchAttributeKey

CITY = SearchAttributeKey.for_keyword("City")
WARD = SearchAttributeKey.for_keyword("Ward")
ZONE = SearchAttributeKey.for_keyword("Zone")
CATEGORY = SearchAttributeKey.for_keyword("Category")
STATUS = SearchAttributeKey.for_keyword("CaseStatus")
SUPERVISOR = SearchAttributeKey.for_keyword("Supervisor")
PRIORITY = SearchAttributeKey.for_keyword("Priority")
ESCALATION_LEVEL = SearchAttributeKey.for_int("EscalationLevel")
FILED_AT = SearchAttributeKey.for_datetime("FiledAt")
SLA_DUE_AT = SearchAttributeKey.for_datetime("SlaDueAt")

ALL: list[SearchAttributeKey] = [
    CITY,
    WARD,
    ZONE,
    CATEGORY,
    STATUS,
    SUPERVISOR,
    PRIORITY,
    ESCALATION_LEVEL,
    FILED_AT,
    SLA_DUE_AT,
]


def supervisor_value(name: str, official_id: int) -> str:
    """The Supervisor attribute: readable, and unique even when two officials share a name."""
    return f"{name} #{official_id}"


def cli_flags() -> list[str]:
    """`--search-attribute Name=Type` flags for `temporal server start-dev`."""
    kinds = {"KEYWORD": "Keyword", "INT": "Int", "DATETIME": "Datetime"}
    return [
        f"--search-attribute={key.name}={kinds[key.indexed_value_type.name]}" for key in ALL
    ]
