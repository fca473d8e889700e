"""Typed search attributes that make cases findable in the Temporal UI and CLI."""

from __future__ import annotations

from temporalio.client import Client
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
    return [f"--search-attribute={key.name}={kinds[key.indexed_value_type.name]}" for key in ALL]


async def ensure_registered(client: Client) -> list[str]:
    """Register any missing attribute on an existing cluster; returns the names it added."""
    from temporalio.api.enums.v1 import IndexedValueType
    from temporalio.api.operatorservice.v1 import (
        AddSearchAttributesRequest,
        ListSearchAttributesRequest,
    )

    namespace = client.namespace
    existing = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=namespace)
    )
    missing = {
        key.name: IndexedValueType.ValueType(key.indexed_value_type)
        for key in ALL
        if key.name not in existing.custom_attributes
    }
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=namespace, search_attributes=missing)
        )
    return sorted(missing)
