"""The timeline in words: one English line per entry, times in IST, the printed trace, JSON.

SUMMARIES holds one function per entry kind, the case's steps (domain.states.EventKind) and
the timeline's own (EntryKind); tests/test_timeline_event_kinds.py fails on a step kind that
has none. A kind this code does not know (one retired from the workflow, say) still gets a
line: its name, and its actor.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import msgspec

from domain.categories import UNCATEGORISED
from domain.lifecycle import OUTSIDE_EVERY_WARD, REOPENED_PREFIX, EscalationCause
from domain.states import EventKind
from timeline.model import SYSTEM, CaseHistory, EntryKind

IST = timezone(timedelta(hours=5, minutes=30), "IST")  # India has no daylight saving time
# What an escalation's cause reads as, after "Escalated to ... (level n)".
_CAUSES: dict[str, str] = {
    EscalationCause.SLA_BREACH: "after the SLA breach",
    EscalationCause.RECOMPLAINTS: "after repeated re-complaints",
    EscalationCause.RECOMPLAINT_AFTER_BREACH: "on a re-complaint after an SLA breach",
}
_SILENCE_PREFIX = "closed: "  # domain.lifecycle.closed_by_silence() starts so; the line drops it

Detail = dict[str, Any]


def format_ist(value: datetime | str | None) -> str:
    """A time as officials read it: "2026-11-24 14:05:31 IST"."""
    moment = as_datetime(value)
    if moment is None:
        return "?"
    return moment.astimezone(IST).strftime("%Y-%m-%d %H:%M:%S IST")


def summarize(kind: str, actor: str, detail: Detail) -> str:
    """One readable English line for a timeline entry."""
    line = SUMMARIES.get(kind)
    if line is None:
        return words(kind).capitalize() + (f" by {actor}" if actor != SYSTEM else "")
    return line(actor, detail)


def render_text(history: CaseHistory) -> str:
    """The timeline as `civicops trace` prints it: a header, the runs, one line per entry."""
    lines = [
        f"{history.tracking_id}  {history.status or '?'}"
        + ("  (running)" if history.running else "")
        + (f"  held by {history.assignee.name}" if history.assignee else ""),
        f"Temporal UI: {history.temporal_ui_url}",
    ]
    for number, run in enumerate(history.runs, 1):
        lines.append(
            f"  run {number}: {run.run_id}  {run.outcome}, {run.events} events  "
            f"{run.temporal_ui_url}"
        )
    if not history.complete:
        lines.append("  (earlier runs are no longer in Temporal: the timeline starts later)")
    lines.append("")
    width = max((len(e.kind) for e in history.entries), default=10)
    actor_width = min(max((len(e.actor) for e in history.entries), default=6), 24)
    for entry in history.entries:
        lines.append(
            f"{entry.at_ist}  {entry.kind:<{width}}  {entry.actor:<{actor_width}}  {entry.summary}"
        )
    return "\n".join(lines)


def to_json(history: CaseHistory) -> str:
    """The timeline as JSON, the same shape the API answers with."""
    return json.dumps(msgspec.to_builtins(history), indent=2, ensure_ascii=False)


def as_datetime(value: Any) -> datetime | None:
    """A datetime (UTC if naive) from a datetime or an ISO 8601 string; None otherwise."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def words(value: Any) -> str:
    """A machine name as words: "sla_breach" -> "sla breach"."""
    return str(value or "").replace("_", " ")


# --- the case's steps (EventKind) -------------------------------------------------------------


def _official(d: Detail) -> str:
    """The holder the step names, or a neutral word."""
    return d.get("official") or "the assignee"


def _filed(actor: str, d: Detail) -> str:
    """Who filed what, where; and the level a linked case starts at."""
    where = f"{d.get('latitude')}, {d.get('longitude')}"
    if d.get("address"):
        where = f"{d['address']} ({where})"
    what = d.get("category")
    what = "category not yet known" if what == UNCATEGORISED else words(what)
    line = f"Filed by {actor}: {what} in {d.get('city')}, at {where}"
    return line + (f", starting at level {d['level']}" if d.get("level") else "")


def _assigned(actor: str, d: Detail) -> str:
    """The official found for the ward, with the ward and zone."""
    ward = " ".join(str(p) for p in (d.get("ward"), d.get("ward_name")) if p)
    text = f"Assigned to {_official(d)}"
    text += f", {d['designation']}" if d.get("designation") else ""
    text += f" (ward {ward}" if ward else ""
    text += f", {d['zone']} zone)" if ward and d.get("zone") else (")" if ward else "")
    return text


def _notice_issued(actor: str, d: Detail) -> str:
    """The notice's number, kind and level, and who received it."""
    return (
        f"Notice {d.get('notice')} issued ({words(d.get('notice_kind'))}, "
        f"level {d.get('level')}) to {d.get('assignee') or 'the assignee'}"
    )


def _sla_breached(actor: str, d: Detail) -> str:
    """A deadline passed: pending, a reminder at the top, or below it (the case escalates)."""
    level = d.get("level")
    if d.get("pending"):
        return f"SLA breached: due {format_ist(d.get('due_at'))}; escalation pending"
    if d.get("reminder") is not None or d.get("next_due"):
        text = f"SLA breached at level {level}: {_official(d)} still holds the case"
        if d.get("reminder") is not None:
            text += f", reminder {d['reminder']}"
        return text + (f", next due {format_ist(d['next_due'])}" if d.get("next_due") else "")
    return (
        f"SLA breached: due {format_ist(d.get('due_at'))}, "
        f"not resolved by {_official(d)} (level {level})"
    )


def _escalated(actor: str, d: Detail) -> str:
    """Who holds the case one level up, and why it moved."""
    level = d.get("level")
    official = _official(d)
    who = " ".join(str(p) for p in (d.get("designation"), d.get("official")) if p)
    reason = str(d.get("reason") or "")
    if reason.startswith(REOPENED_PREFIX):
        why = f"as the case was reopened ({reason.removeprefix(REOPENED_PREFIX)})"
    else:
        why = _CAUSES.get(reason, reason and f"({reason})")
    if d.get("from_official") and d.get("from_official") == d.get("official"):
        return f"Escalated to level {level} {why}; {official} keeps the case".replace("  ", " ")
    return f"Escalated to {who or official} (level {level}) {why}".strip()


def _recomplaint(actor: str, d: Detail) -> str:
    """The re-complaint's number, who sent it, and how far from the case."""
    distance = d.get("distance_m")
    where = f", {distance} m away" if distance is not None else ""
    return f"Re-complaint #{d.get('count')} from {actor}{where}"


def _reassigned(actor: str, d: Detail) -> str:
    """Who moved the case from whom to whom, and why."""
    text = f"Reassigned by {actor} from {d.get('from_official')} to {_official(d)}"
    text += f", {d['designation']}" if d.get("designation") else ""
    return text + (f": {d['reason']}" if d.get("reason") else "")


def _proof_accepted(actor: str, d: Detail) -> str:
    """Whose proof resolved the case, on time or late, and its photos' hashes."""
    timing = "on time" if d.get("on_time") else "late"
    hashes = [
        f"{r} photo sha256 {str(d[f'{r}_sha256'])[:12]}…"
        for r in ("after", "before")
        if d.get(f"{r}_sha256")
    ]
    return f"Proof accepted from {_official(d)} ({timing})" + (
        f": {', '.join(hashes)}" if hashes else ""
    )


def _closed(actor: str, d: Detail) -> str:
    """Why the case closed."""
    return f"Closed: {str(d.get('reason') or 'done').removeprefix(_SILENCE_PREFIX)}"


# --- the timeline's own entries (EntryKind) ---------------------------------------------------


def _proof_submitted(actor: str, d: Detail) -> str:
    """Who submitted proof, and which photos."""
    roles = [r for r in ("after", "before") if d.get(f"{r}_key")]
    photos = " and ".join(roles) or "no"
    return f"Proof submitted by {actor}: {photos} photo" + ("s" if len(roles) > 1 else "")


def _history_truncated(actor: str, d: Detail) -> str:
    """Earlier runs are gone; what follows is what the oldest run carried."""
    return (
        "Earlier runs are past Temporal's retention; the steps that follow until this run "
        "began are the recent events its state carried"
    )


def _request_failed(actor: str, d: Detail) -> str:
    """A request the workflow refused, and why."""
    return f"{words(d.get('request')).capitalize()} by {actor} was refused: {d.get('message')}"


def _terminated(actor: str, d: Detail) -> str:
    """Who terminated the run, and why."""
    return f"Workflow terminated by {actor}" + (f": {d['reason']}" if d.get("reason") else "")


def _prioritized(actor: str, d: Detail) -> str:
    """The priority, and the model's risk and reasons when a model set it."""
    text = f"Prioritised {d.get('priority')}"
    if d.get("model") and d.get("model") != "rules":
        reasons = "; ".join(str(r) for r in d.get("reasons") or [])
        text += f" by model {d['model']} (breach risk {d.get('breach_risk')}: {reasons})"
    elif d.get("model") == "rules":
        text += " by the rules"
    return text


def _transcribed(actor: str, d: Detail) -> str:
    """Who transcribed the voice note: a machine (with its confidence) or an operator."""
    if d.get("source") == "machine":
        return f"Voice note transcribed by {d.get('engine')} (confidence {d.get('confidence')})"
    return f"Voice note transcribed by {actor}"


def _needs_triage(actor: str, d: Detail) -> str:
    """No sure category: the classifier's guess, and when a person must pick one."""
    guess = (
        f" (best guess {words(d.get('suggested'))}, confidence {d.get('confidence')})"
        if d.get("suggested")
        else ""
    )
    due = format_ist(d.get("due_at"))
    return f"No sure category{guess}: waiting for the ward to pick one by {due}"


def _categorized(actor: str, d: Detail) -> str:
    """The category a person picked."""
    text = f"Category {words(d.get('category'))} picked by {actor}"
    return text + (f": {d['reason']}" if d.get("reason") else "")


SUMMARIES: dict[str, Callable[[str, Detail], str]] = {
    EventKind.AWAITING_TRANSCRIPT: lambda actor, d: (
        f"Voice note ({d.get('language')}) waiting for an operator to transcribe it by "
        f"{format_ist(d.get('due_at'))}"
    ),
    EventKind.TRANSCRIBED: _transcribed,
    EventKind.CLASSIFIED: lambda actor, d: (
        f"Category {words(d.get('category'))} chosen by the classifier "
        f"(confidence {d.get('confidence')})"
    ),
    EventKind.NEEDS_TRIAGE: _needs_triage,
    EventKind.CATEGORIZED: _categorized,
    EventKind.INTAKE_OVERDUE: lambda actor, d: (
        f"The {d.get('waiting_for')} was due {format_ist(d.get('was_due_at'))}; still waiting, "
        f"now due {format_ist(d.get('due_at'))}"
    ),
    EventKind.FILED: _filed,
    EventKind.PRIORITIZED: _prioritized,
    EventKind.ASSIGNED: _assigned,
    EventKind.OUTSIDE_CITY: lambda actor, d: f"Closed: {OUTSIDE_EVERY_WARD}",
    EventKind.NOTICE_ISSUED: _notice_issued,
    EventKind.NOTICE_FAILED: lambda actor, d: (
        f"Notice ({words(d.get('notice_kind'))}) could not be issued: {d.get('reason')}"
    ),
    EventKind.SLA_BREACHED: _sla_breached,
    EventKind.ESCALATED: _escalated,
    EventKind.RECOMPLAINT: _recomplaint,
    EventKind.REASSIGNED: _reassigned,
    EventKind.REPRIORITIZED: lambda actor, d: (
        f"Priority {d.get('from_priority')} -> {d.get('priority')} by {actor}: {d.get('reason')}"
        f" (SLA due {d.get('sla_due_at')})"
    ),
    EventKind.PROOF_REJECTED: lambda actor, d: f"Proof rejected: {d.get('reason')}",
    EventKind.PROOF_ACCEPTED: _proof_accepted,
    EventKind.CLOSED: _closed,
    EventKind.WITHDRAWN: lambda actor, d: f"Withdrawn by {actor}: {d.get('reason')}",
    EntryKind.SLA_DUE: lambda actor, d: (
        f"SLA due {format_ist(d.get('due_at'))}, with {_official(d)} (level {d.get('level')})"
    ),
    EntryKind.PROOF_SUBMITTED: _proof_submitted,
    EntryKind.CITIZEN_CONFIRMED: lambda actor, d: f"Citizen confirmed the fix (via {actor})",
    EntryKind.CITIZEN_REOPENED: lambda actor, d: (
        f"Citizen reopened the case (via {actor}): {d.get('reason')}"
    ),
    EntryKind.REQUEST_FAILED: _request_failed,
    EntryKind.SIGNAL: lambda actor, d: f"Signal {d.get('name')} received",
    EntryKind.UPDATE: lambda actor, d: f"Update {d.get('name')} from {actor}",
    EntryKind.UPDATED: lambda actor, d: f"Status {d.get('status')}",
    EntryKind.CONTINUED_AS_NEW: lambda actor, d: (
        f"History continued in a new run ({d.get('new_run_id')}); the case carries on"
    ),
    EntryKind.HISTORY_TRUNCATED: _history_truncated,
    EntryKind.TERMINATED: _terminated,
    EntryKind.FAILED: lambda actor, d: f"Workflow failed: {d.get('message')}",
    EntryKind.TIMED_OUT: lambda actor, d: "Timed out",
    EntryKind.CANCELED: lambda actor, d: "Canceled",
}
