"""Who may call the API: every API key carries exactly one role."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """API roles, from the design card's users."""

    CITIZEN_APP = "citizen-app"  # files and follows complaints on behalf of citizens
    INTEGRATOR = "integrator"  # a city's system or a vendor starting and tracking cases
    SUPERVISOR = "supervisor"  # bound to one official; acts on the cases assigned to them
    AUDITOR = "auditor"  # reads and verifies, changes nothing
    OFFICIAL = "official"  # traces, searches, reassigns and withdraws cases
    ADMIN = "admin"  # everything, including keys and city data
