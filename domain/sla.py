"""How long the responsible official has: category base hours scaled by priority."""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.categories import BY_CODE, Priority

# P1 halves the base window, P4 gives half as long again; P3 is the category's base.
PRIORITY_FACTOR: dict[Priority, float] = {
    Priority.P1: 0.5,
    Priority.P2: 0.75,
    Priority.P3: 1.0,
    Priority.P4: 1.5,
}


def sla_window(category: str, priority: int) -> timedelta:
    """The SLA window for a category at a priority."""
    hours = BY_CODE[category].sla_hours * PRIORITY_FACTOR[Priority(priority)]
    return timedelta(hours=hours)


def sla_due(category: str, priority: int, assigned_at: datetime) -> datetime:
    """When the work is due, counted from assignment."""
    return assigned_at + sla_window(category, priority)
