"""The citizens' points: what a case earned the devices that filed, confirmed or reopened it.

A citizen has no account (records/citizens.py): points belong to a device, known only by the
SHA-256 of its secret, through the citizen tokens (CitizenToken) its filings were given.
`settle` reads a case's projection row (Complaint), its event log (ComplaintEvent) and its
tokens, and appends what the case has earned to the ledger (CitizenPoints) with
`ON CONFLICT (event_key) DO NOTHING`: every award has one key, so calling it after every case
event, any number of times and concurrently, grants nothing twice (the records/scores.py
pattern). The ledger is append-only and nothing is ever taken back, so nothing is granted
before it is final.

**When.** Only a CLOSED case earns. CLOSED is terminal, and the state machine
(domain/states.py) reaches it only from RESOLVED, which only accepted proof reaches; until
then a case may still be reopened (by its citizen or a re-complaint) or withdrawn (from any
live status, RESOLVED included). A *verified resolution* is a `closed` event (the citizen
confirmed, or did not answer within the confirmation window) after a `proof_accepted` event
with no reopening (an `escalated` event with status REOPENED) between the two. Cases that
end WITHDRAWN (withdrawn, a duplicate, filed in error) or OUTSIDE_CITY (rejected: no ward
holds the spot) never close, and earn nothing. Every award is dated when the case closed,
in the case's city and ward.

**Awards** (`reason`: points, event key; `<device16>` is the first 16 hex of the device's
hash, as in `citizen_actor`):

- `resolved`: RESOLVED_POINTS to the original filer's device (its token's filing is "new"),
  key `resolved:<device16>:<yyyy-mm-ddThh>`, the IST hour the case was filed. **A burst
  earns once:** a device earns resolution points at most once per IST hour of filing, so
  five reports of one problem filed within an hour that all get fixed earn as one; the
  unique key itself enforces it (the row names whichever case settled first).
- `answered`: ANSWERED_POINTS to each device that holds a token of the case (filing "new" or
  "recomplaint") and, from the web app (the event's actor is `citizen_actor(device)`),
  confirmed the fix (`closed` with detail confirmed=true) or reopened it (`escalated` with
  status REOPENED) and was proved right (a later `proof_accepted`: new proof); once per
  device and case, key `answered:<tracking id>:<device16>`.
- `first`: FIRST_POINTS to the original filer when others followed: a token of the case
  with filing "recomplaint" from another device, or a `recomplaint` event filed through
  another app than the case (its actor, the filing app's name, differs from the case's
  source; the same app's re-complaints are told apart by their tokens only); key
  `first:<tracking id>`. Re-complaints from the first reporter's own device earn nothing.

Tokens of "linked" filings (a new case reopening a closed one) earn nothing, nor do
re-complaint tokens earn resolution points.

**Badges** (BADGES) are milestones read off the ledger; **the board** ranks devices of a
ward or a city by points under the pseudonym they chose, and leaves off those with none.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from piccolo.query.functions.aggregate import Count, Sum

from domain.scores import IST
from domain.states import EventKind, Status
from records.citizens import citizen_actor
from records.db import write
from records.tables import CitizenPoints, CitizenProfile, CitizenToken, Complaint, ComplaintEvent

__all__ = [
    "ANSWERED_POINTS",
    "BADGES",
    "FIRST_POINTS",
    "RESOLVED_POINTS",
    "Award",
    "Badge",
    "awards",
    "badges",
    "balance",
    "board",
    "citizen_actor",
    "settle",
]

RESOLVED_POINTS = 10  # the filer's report was fixed and the fix verified
ANSWERED_POINTS = 3  # the citizen confirmed the fix, or reopened it and was proved right
FIRST_POINTS = 5  # the first to report a problem that other citizens then reported too

RESOLVED, ANSWERED, FIRST = "resolved", "answered", "first"  # CitizenPoints.reason
NEW, RECOMPLAINT = "new", "recomplaint"  # CitizenToken.filing that may earn ("linked" never)
MAX_ENTRIES = 200  # ledger entries returned with a device's balance, newest first
MAX_BOARD = 100  # rows a board shows at most
_CHUNK = 500  # devices per pseudonym lookup

Row = Mapping[str, Any]

ENTRY_COLUMNS = (
    CitizenPoints.reason,
    CitizenPoints.points,
    CitizenPoints.tracking_id,
    CitizenPoints.city,
    CitizenPoints.ward,
    CitizenPoints.at,
)


@dataclass(frozen=True)
class Award:
    """Points a case earned one device, under the ledger key that makes granting them once."""

    event_key: str
    device_sha256: str
    points: int
    reason: str


def ist_hour(at: datetime) -> str:
    """The IST hour an instant falls in, as "yyyy-mm-ddThh" (a naive time is taken as UTC)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(IST).strftime("%Y-%m-%dT%H")


def resolution_key(device_sha256: str, filed_at: datetime) -> str:
    """The key of a device's resolution points: one per device per IST hour of filing."""
    return f"{RESOLVED}:{device_sha256[:16]}:{ist_hour(filed_at)}"


def _is_reopen(event: Row) -> bool:
    """Whether an event reopened the case (an escalation into REOPENED)."""
    return event["kind"] == EventKind.ESCALATED and event["status"] == Status.REOPENED


def verified_close(events: Sequence[Row]) -> Row | None:
    """The `closed` event of a verified resolution (proof accepted, not reopened since), or None."""
    closed = next((e for e in reversed(events) if e["kind"] == EventKind.CLOSED), None)
    if closed is None:
        return None
    proofs = [
        e["revision"]
        for e in events
        if e["kind"] == EventKind.PROOF_ACCEPTED and e["revision"] < closed["revision"]
    ]
    if not proofs:
        return None
    last = max(proofs)
    if any(_is_reopen(e) and last < e["revision"] < closed["revision"] for e in events):
        return None
    return closed


def answered(device_sha256: str, events: Sequence[Row]) -> bool:
    """Whether the device confirmed the fix, or reopened the case and new proof followed."""
    actor = citizen_actor(device_sha256)
    for event in events:
        if event["actor"] != actor:
            continue
        detail = event["detail"] if isinstance(event["detail"], Mapping) else {}
        if event["kind"] == EventKind.CLOSED and detail.get("confirmed") is True:
            return True
        if _is_reopen(event) and any(
            e["kind"] == EventKind.PROOF_ACCEPTED and e["revision"] > event["revision"]
            for e in events
        ):
            return True
    return False


def followed(filer: str, case: Row, events: Sequence[Row], tokens: Sequence[Row]) -> bool:
    """Whether others re-complained: another device's token, or another app's filing."""
    if any(t["filing"] == RECOMPLAINT and t["device_sha256"] != filer for t in tokens):
        return True
    return any(e["kind"] == EventKind.RECOMPLAINT and e["actor"] != case["source"] for e in events)


def awards(case: Row, events: Sequence[Row], tokens: Sequence[Row]) -> list[Award]:
    """What a case has earned (module docstring), sorted by key; none unless verified closed.

    `case` needs status, filed_at and source; `events` (oldest first) revision, kind, status,
    actor and detail; `tokens` (oldest first) device_sha256 and filing.
    """
    if case["status"] != Status.CLOSED or verified_close(events) is None:
        return []
    filer = next((t["device_sha256"] for t in tokens if t["filing"] == NEW), None)
    tracking_id = case["tracking_id"]
    found: list[Award] = []
    if filer is not None:
        key = resolution_key(filer, case["filed_at"])
        found.append(Award(key, filer, RESOLVED_POINTS, RESOLVED))
        if followed(filer, case, events, tokens):
            found.append(Award(f"{FIRST}:{tracking_id}", filer, FIRST_POINTS, FIRST))
    holders = dict.fromkeys(t["device_sha256"] for t in tokens if t["filing"] in (NEW, RECOMPLAINT))
    for device in holders:
        if answered(device, events):
            key = f"{ANSWERED}:{tracking_id}:{device[:16]}"
            found.append(Award(key, device, ANSWERED_POINTS, ANSWERED))
    return sorted(found, key=lambda a: a.event_key)  # one lock order for concurrent settles


async def settle(tracking_id: str) -> int:
    """Append what the case has earned to the ledger (idempotent); how many rows were new."""
    case = (
        await Complaint.select(
            Complaint.tracking_id,
            Complaint.status,
            Complaint.city,
            Complaint.ward_id,
            Complaint.filed_at,
            Complaint.source,
        )
        .where(Complaint.tracking_id == tracking_id)
        .first()
    )
    if case is None or case["status"] != Status.CLOSED:
        return 0  # not final yet (or withdrawn, or outside the city): nothing to grant
    events = (
        await ComplaintEvent.select(
            ComplaintEvent.revision,
            ComplaintEvent.kind,
            ComplaintEvent.status,
            ComplaintEvent.at,
            ComplaintEvent.actor,
            ComplaintEvent.detail,
        )
        .where(ComplaintEvent.tracking_id == tracking_id)
        .order_by(ComplaintEvent.revision)
        .output(load_json=True)
    )
    tokens = (
        await CitizenToken.select(CitizenToken.device_sha256, CitizenToken.filing)
        .where(CitizenToken.tracking_id == tracking_id)
        .order_by(CitizenToken.created_at)
        .order_by(CitizenToken.id)
    )
    found = awards(case, events, tokens)
    closed = verified_close(events)
    if not found or closed is None:
        return 0
    inserts = [
        CitizenPoints.insert(
            CitizenPoints(
                event_key=a.event_key,
                device_sha256=a.device_sha256,
                points=a.points,
                reason=a.reason,
                tracking_id=tracking_id,
                city=case["city"],
                ward=case["ward_id"],
                at=closed["at"],
            )
        )
        .on_conflict(target=CitizenPoints.event_key, action="DO NOTHING")
        .returning(CitizenPoints.id)
        for a in found
    ]
    results = await write(inserts)
    return sum(len(rows) for rows in results)


# --- badges -------------------------------------------------------------------------------


def _count(rows: Sequence[Row], reason: str) -> int:
    """How many ledger rows have this reason."""
    return sum(1 for r in rows if r["reason"] == reason)


def _most_in_one_ward(rows: Sequence[Row], reason: str) -> int:
    """The most rows with this reason in any one ward (of a city)."""
    wards = Counter((r["city"], r["ward"]) for r in rows if r["reason"] == reason and r["ward"])
    return max(wards.values(), default=0)


@dataclass(frozen=True)
class Badge:
    """A milestone read off a device's ledger rows: its code, its name and what earns it."""

    code: str
    title: str
    rule: str
    earned: Callable[[Sequence[Row]], bool]


BADGES: tuple[Badge, ...] = (
    Badge(
        "first_fix",
        "First fix",
        "a problem you reported was fixed, and the fix verified",
        lambda rows: _count(rows, RESOLVED) >= 1,
    ),
    Badge(
        "first_reporter",
        "First reporter",
        "you were the first to report a problem that others then reported too",
        lambda rows: _count(rows, FIRST) >= 1,
    ),
    Badge(
        "closed_the_loop",
        "Closed the loop",
        "you confirmed a fix, or reopened one and were proved right",
        lambda rows: _count(rows, ANSWERED) >= 1,
    ),
    Badge(
        "ten_confirmed_ward",
        "Ward regular",
        "ten verified fixes of your reports in one ward",
        lambda rows: _most_in_one_ward(rows, RESOLVED) >= 10,
    ),
    Badge(
        "hundred_points",
        "Hundred points",
        "a hundred points in all",
        lambda rows: sum(r["points"] for r in rows) >= 100,
    ),
)


def badges_of(rows: Sequence[Row]) -> list[str]:
    """The codes of the badges these ledger rows earn, in BADGES order."""
    return [b.code for b in BADGES if b.earned(rows)]


async def _rows(device_sha256: str) -> list[dict[str, Any]]:
    """A device's ledger rows, newest first."""
    return (
        await CitizenPoints.select(*ENTRY_COLUMNS)
        .where(CitizenPoints.device_sha256 == device_sha256)
        .order_by(CitizenPoints.at, ascending=False)
        .order_by(CitizenPoints.id, ascending=False)
    )


async def badges(device_sha256: str) -> list[str]:
    """The codes of the badges a device has earned, in BADGES order."""
    return badges_of(await _rows(device_sha256))


async def balance(device_sha256: str) -> dict[str, Any]:
    """A device's points: total, counts (per reason), badges, entry_count and entries (newest
    first, at most MAX_ENTRIES, each reason, points, tracking_id, city, ward, at)."""
    rows = await _rows(device_sha256)
    return {
        "total": sum(r["points"] for r in rows),
        "counts": dict(Counter(r["reason"] for r in rows)),
        "badges": badges_of(rows),
        "entry_count": len(rows),
        "entries": rows[:MAX_ENTRIES],
    }


# --- the neighbourhood board ----------------------------------------------------------------


async def _pseudonyms(devices: Sequence[str]) -> dict[str, str]:
    """The pseudonyms the given devices chose; devices with none are left out."""
    names: dict[str, str] = {}
    for start in range(0, len(devices), _CHUNK):
        rows = await CitizenProfile.select(
            CitizenProfile.device_sha256, CitizenProfile.pseudonym
        ).where(
            CitizenProfile.device_sha256.is_in(list(devices[start : start + _CHUNK])),
            CitizenProfile.pseudonym.is_not_null(),
        )
        names.update({r["device_sha256"]: r["pseudonym"] for r in rows if r["pseudonym"]})
    return names


async def board(city: str, ward: str | None, limit: int = 20) -> list[dict[str, Any]]:
    """A ward's (or, with no ward, a city's) devices ranked by points: rank, pseudonym,
    points and fixes (verified resolutions), top `limit` (1-100).

    Only the pseudonym a device chose is shown, never its hash; devices with none are left off.
    Ties go to more fixes, then to the pseudonym in alphabetical order.
    """
    query = CitizenPoints.select(
        CitizenPoints.device_sha256,
        CitizenPoints.reason,
        Sum(CitizenPoints.points, alias="total"),
        Count(CitizenPoints.id, alias="entries"),
    ).where(CitizenPoints.city == city.strip().lower())
    if ward is not None and ward.strip():
        query = query.where(CitizenPoints.ward == ward.strip())
    rows = await query.group_by(CitizenPoints.device_sha256, CitizenPoints.reason)
    totals: Counter[str] = Counter()
    fixes: Counter[str] = Counter()
    for row in rows:
        totals[row["device_sha256"]] += int(row["total"] or 0)
        if row["reason"] == RESOLVED:
            fixes[row["device_sha256"]] += int(row["entries"])
    names = await _pseudonyms(sorted(totals))
    shown = [d for d in totals if d in names and totals[d] > 0]
    shown.sort(key=lambda d: (-totals[d], -fixes[d], names[d].casefold(), names[d], d))
    top = shown[: max(1, min(limit, MAX_BOARD))]
    return [
        {"rank": rank, "pseudonym": names[d], "points": totals[d], "fixes": fixes[d]}
        for rank, d in enumerate(top, start=1)
    ]
