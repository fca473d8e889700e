"""The case as the timeline knows it at a point in its history: where it is, who holds it.

The builder keeps one `CaseSoFar` as it walks the runs: seeded from each run's input (the
whole state travels across continue-as-new), moved on by each step's search attributes, and
told the facts history holds beside each step (the activities that completed since the last).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.states import EventKind
from timeline.events import Activity
from timeline.model import Assignee
from timeline.render import as_datetime

NO_ACTIVITY = Activity("", None, None)


@dataclass
class CaseSoFar:
    """Where the case is, who holds it, and what happened since its last step."""

    complaint: dict[str, Any] = field(default_factory=dict)
    status: str | None = None
    level: int = 0
    priority: str | None = None
    sla_due: datetime | None = None
    assignment: dict[str, Any] | None = None
    revision: int = 0
    notices: dict[str, dict[str, Any]] = field(default_factory=dict)  # issued, by number
    acts: list[Activity] = field(default_factory=list)  # activities since the last step
    timer_fired_at: datetime | None = None  # a timer fired since the last step

    def seed(self, state: dict[str, Any]) -> None:
        """Take the case's state from a run's input."""
        if not state:
            return
        self.complaint = dict(state.get("complaint") or {})
        self.revision = int(state.get("revision") or 0)
        if state.get("status") and self.revision:
            self.status = state["status"]
        self.level = int(state.get("escalation_level") or 0)
        priority = state.get("priority")
        self.priority = f"P{priority}" if priority else None
        self.sla_due = as_datetime(state.get("sla_due_at"))
        if isinstance(state.get("assignment"), dict):
            self.assignment = dict(state["assignment"])
        refs = [n for n in state.get("notices") or [] if isinstance(n, dict)]
        self.notices = {str(n.get("notice_id")): n for n in refs}

    def last(self, *types: str) -> Activity | None:
        """The last activity since the previous step (ledger entries aside), if of these types."""
        acts = [a for a in self.acts if a.type != "record_score"]
        if acts and (not types or acts[-1].type in types):
            return acts[-1]
        return None

    def found(self, activity_type: str) -> dict[str, Any] | None:
        """The result of the step's last activity, if it is of this type and found something."""
        return (self.last(activity_type) or NO_ACTIVITY).found

    def holder(self) -> dict[str, Any]:
        """The assignment of the official who holds the case ({} before it is assigned)."""
        return self.assignment or {}

    def describe_filing(self, detail: dict[str, Any]) -> None:
        """What the citizen reported, where, in which language, and when."""
        c = self.complaint
        for key in ("category", "city", "latitude", "longitude", "address", "language"):
            detail.setdefault(key, c.get(key))
        detail.setdefault("description", c.get("description"))
        detail.setdefault("filed_at", c.get("filed_at"))

    def describe_carried(self, kind: str, detail: dict[str, Any]) -> None:
        """Fill in a step an earlier run took (its run is gone) from the state carried over:
        what was filed, and the notices issued."""
        if kind == EventKind.FILED:
            filing: dict[str, Any] = {}
            self.describe_filing(filing)
            for key, value in filing.items():
                if value is not None:
                    detail.setdefault(key, value)
        elif kind == EventKind.NOTICE_ISSUED:
            ref = self.notices.get(str(detail.get("notice"))) or {}
            for key in ("level", "pdf_sha256"):
                if ref.get(key) is not None:
                    detail.setdefault(key, ref[key])

    def describe_assignee(self, detail: dict[str, Any], level: int) -> None:
        """Name the holder in a step's detail, where the step's event does not."""
        a = self.holder()
        detail.setdefault("official", a.get("official_name"))
        detail.setdefault("official_id", a.get("official_id"))
        detail.setdefault("designation", a.get("designation"))
        detail.setdefault("official_level", a.get("level", level))
        detail.setdefault("ward", a.get("ward_id"))
        detail.setdefault("ward_name", a.get("ward_name"))
        detail.setdefault("zone", a.get("zone"))

    def describe_photos(self, detail: dict[str, Any]) -> None:
        """The checked photos of accepted proof: role, hash, type, flags, distance."""
        verdict = self.found("verify_proof") or {}
        photos = [
            {k: p.get(k) for k in ("role", "sha256", "content_type", "flags", "distance_m")}
            for p in verdict.get("photos") or []
            if isinstance(p, dict)
        ]
        if photos:
            detail["photos"] = photos
            for p in photos:
                detail.setdefault(f"{p['role']}_sha256", p["sha256"])

    def follow_supervisor(self, value: Any) -> None:
        """Keep the holder in step with the Supervisor search attribute ("Name #id")."""
        if not isinstance(value, str) or " #" not in value:
            return
        name, _, number = value.rpartition(" #")
        if not number.isdigit():
            return
        if self.holder().get("official_id") != int(number):
            self.assignment = {"official_id": int(number), "official_name": name}

    def assignee(self) -> Assignee | None:
        """The current (or, for a closed case, the last) assignee."""
        a = self.assignment
        if not a or not isinstance(a.get("official_id"), int):
            return None
        return Assignee(
            official_id=a["official_id"],
            name=str(a.get("official_name") or ""),
            designation=a.get("designation"),
            level=a.get("level"),
            ward_id=a.get("ward_id"),
            ward_name=a.get("ward_name"),
            zone=a.get("zone"),
        )
