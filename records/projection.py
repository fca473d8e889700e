"""The complaint projection, its event log and the figures' rollups, written idempotently from
workflow revisions."""

from __future__ import annotations

from typing import Any

from domain.case import CaseEvent, CaseState, intake_record
from domain.ids import workflow_id
from domain.lifecycle import resolved_on_time
from domain.rollup import ROW_COLUMNS
from domain.stats import cells
from records import cases, rollup
from records.audit import AuditRecord
from records.db import Steps, locked, write
from records.tables import CaseSite, Complaint, ComplaintEvent

_UPDATED = [
    Complaint.status,
    Complaint.priority,
    Complaint.ward_id,
    Complaint.ward_name,
    Complaint.zone,
    Complaint.assignee,
    Complaint.assignee_name,
    Complaint.escalation_level,
    Complaint.location_match,
    Complaint.sla_due_at,
    Complaint.updated_at,
    Complaint.closed_reason,
    Complaint.revision,
    Complaint.sla_breaches,
    Complaint.recomplaints,
    Complaint.linked_to,
    Complaint.resolved_at,
    Complaint.resolved_by,
    Complaint.confirm_due_at,
    Complaint.closed_at,
    Complaint.resolved_on_time,
]


def _row(state: CaseState) -> Complaint:
    """The projection row of a case's state."""
    c, a = state.complaint, state.assignment
    h3_r7, h3_r8, h3_r9 = cells(c.latitude, c.longitude)
    return Complaint(
        tracking_id=c.tracking_id,
        workflow_id=workflow_id(c.tracking_id),
        city=c.city,
        category=c.category,
        description=c.description,
        latitude=c.latitude,
        longitude=c.longitude,
        address=c.address,
        language=c.language,
        source=c.source,
        status=state.status.value,
        priority=state.priority,
        ward_id=a.ward_id if a else None,
        ward_name=a.ward_name if a else None,
        zone=a.zone if a else None,
        assignee=a.official_id if a else None,
        assignee_name=a.official_name if a else None,
        escalation_level=state.escalation_level,
        location_match=a.match if a else None,
        reporter=c.reporter_id,
        filed_at=c.filed_at,
        sla_due_at=state.sla_due_at,
        updated_at=state.updated_at or c.filed_at,
        closed_reason=state.closed_reason,
        revision=state.revision,
        sla_breaches=state.sla_breaches,
        recomplaints=state.recomplaints,
        linked_to=state.linked_to,
        resolved_at=state.resolved_at,
        resolved_by=state.proof.official_id if state.proof else None,
        confirm_due_at=state.confirm_due_at,
        closed_at=state.closed_at,
        filed_by=c.filed_by,
        media_url=c.media_url,
        attributes=c.attributes,
        intake=intake_record(c),
        resolved_on_time=_on_time(state),
        h3_r7=h3_r7,
        h3_r8=h3_r8,
        h3_r9=h3_r9,
    )


def _on_time(state: CaseState) -> bool | None:
    """Whether the case's resolution met the SLA due when it was made (None: unresolved).

    The workflow's own verdict (domain.lifecycle): neither deadline passed while the resolver
    held the case, nor the one due then. A resolved case's deadline no longer moves, so every
    later revision gives the same answer; a reopened case has none until resolved again.
    """
    if state.resolved_at is None:
        return None
    return resolved_on_time(state.breaches_while_held, state.sla_due_at, state.resolved_at)


async def record(state: CaseState, event: CaseEvent) -> None:
    """Write one revision. Replays and retries change nothing; an older revision never wins."""
    await write(_record_steps(state, event), audit=[audit_record(state, event)])


def _record_steps(state: CaseState, event: CaseEvent) -> Steps[None]:
    """Log the event, upsert the projection row and, only if the row changed, move its
    contribution in the rollups from the old row to the new (records.rollup)."""
    tracking_id = state.complaint.tracking_id
    old = yield locked(  # a concurrent retry waits, then reads what this write made
        Complaint.select(*(getattr(Complaint, c) for c in ROW_COLUMNS)).where(
            Complaint.tracking_id == tracking_id
        )
    )
    yield ComplaintEvent.insert(
        ComplaintEvent(
            event_key=f"{tracking_id}:{event.revision}",
            tracking_id=tracking_id,
            revision=event.revision,
            kind=event.kind,
            status=event.status.value,
            at=event.at,
            actor=event.actor,
            detail=event.detail,
        )
    ).on_conflict(target=ComplaintEvent.event_key, action="DO NOTHING")
    row = _row(state)
    changed = (
        yield Complaint.insert(row)
        .on_conflict(
            target=Complaint.tracking_id,
            action="DO UPDATE",
            values=_UPDATED,
            where=Complaint.revision < state.revision,
        )
        .returning(Complaint.id)
    )
    queries: list[Any] = []
    if event.kind == "filed":
        queries += cases.register_queries(state)
    if state.is_terminal:  # re-complaints no longer attach; a closed case may be reopened
        queries.append(
            CaseSite.update(
                {CaseSite.ended_at: event.at, CaseSite.end_status: state.status.value}
            ).where((CaseSite.tracking_id == tracking_id) & CaseSite.ended_at.is_null())
        )
    if changed:  # last: a city's rollup rows are shared, so hold their locks briefly
        before = rollup.read_row(old[0]) if old else None
        queries += rollup.change_queries(before, rollup.row_of(row))
    for query in queries:  # noqa: UP028 (not `yield from`: a list takes no send())
        yield query


def audit_record(state: CaseState, event: CaseEvent) -> AuditRecord:
    """The audit entry of one case revision (a retry of the same revision appends nothing)."""
    tracking_id = state.complaint.tracking_id
    a = state.assignment
    return AuditRecord(
        action=f"case.{event.kind}",
        subject=tracking_id,
        actor=event.actor,
        detail={
            "revision": event.revision,
            "status": event.status.value,
            "level": state.escalation_level,
            "assignee": a.official_id if a else None,
            **event.detail,
        },
        dedupe_key=f"case:{tracking_id}:{event.revision}",
        at=event.at,
    )


async def load(tracking_id: str) -> dict[str, Any] | None:
    """The projection row of a complaint, or None."""
    return (
        await Complaint.select(
            *Complaint.all_columns(),
            Complaint.assignee.designation.as_alias("assignee_designation"),
        )
        .where(Complaint.tracking_id == tracking_id)
        .first()
        .output(load_json=True)  # intake and attributes as objects, on both engines
    )


async def events(tracking_id: str) -> list[dict[str, Any]]:
    """The event log of a complaint, oldest first."""
    return (
        await ComplaintEvent.select()
        .where(ComplaintEvent.tracking_id == tracking_id)
        .order_by(ComplaintEvent.revision)
        .output(load_json=True)
    )
