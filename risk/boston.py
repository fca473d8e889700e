"""The City of Boston 311 file (as shipped in ../shared/data/complaints/) as filings and labels.

Each row becomes a `Filing` of what was known when it was opened, and its label: OnTime_Status
OVERDUE is a breach. Rows without a verdict (a blank status) are left out. The backlog of a
queue at a filing and the type's filings in the 7 days before are counted in one pass in
order of opening (a heap of close times per queue, a queue of open times per type), so
reading is linear in the rows, and uses only what had happened by the filing's minute.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from risk.features import MISSING, Filing, Surroundings

CITY_HALL = ("42.3594", "-71.0587")  # the placeholder point of rows that were never geocoded
NEVER = datetime.max
# US federal holidays of 2015 that fall in the shipped months (April to July).
HOLIDAYS = frozenset({date(2015, 5, 25), date(2015, 7, 3), date(2015, 7, 4)})


@dataclass(frozen=True)
class Labelled:
    """One case: its filing, whether it breached its SLA, and its id."""

    case_id: str
    filing: Filing
    breached: bool


def _time(text: str) -> datetime | None:
    return datetime.strptime(text, "%m/%d/%Y %I:%M:%S %p") if text else None


class BostonError(ValueError):
    """The file is not the Boston 311 CSV this reader knows."""


REQUIRED = ("CASE_ENQUIRY_ID", "OPEN_DT", "TARGET_DT", "CLOSED_DT", "OnTime_Status", "TYPE")


def read(path: Path) -> list[Labelled]:
    """Every row with a verdict, in order of opening."""
    rows = list(_rows(path))
    rows.sort(key=lambda r: (r[0], r[1]["CASE_ENQUIRY_ID"]))
    around = Surroundings()
    out = []
    for opened, row in rows:
        queue, kind = row.get("QUEUE", ""), row["TYPE"]
        backlog, recent = around.at(opened, queue, kind)
        target = _time(row["TARGET_DT"])
        filing = Filing(
            category=kind,
            filed_at=opened,
            queue=queue,
            area=row.get("neighborhood", "") or row.get("ward", ""),
            source=row.get("Source", ""),
            sla_hours=(target - opened).total_seconds() / 3600 if target else MISSING,
            backlog_open=backlog,
            category_last_7d=recent,
            description=row.get("CASE_TITLE", ""),
            located=(row.get("LATITUDE"), row.get("LONGITUDE")) != CITY_HALL,
            holiday=opened.date() in HOLIDAYS,
        )
        if row["OnTime_Status"] in ("ONTIME", "OVERDUE"):
            out.append(Labelled(row["CASE_ENQUIRY_ID"], filing, row["OnTime_Status"] == "OVERDUE"))
        around.add(opened, _time(row["CLOSED_DT"]) or NEVER, queue, kind)
    return out


def _rows(path: Path) -> Iterator[tuple[datetime, dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or ())]
        if missing:
            raise BostonError(f"{path}: not a Boston 311 file (no column {', '.join(missing)})")
        for line, row in enumerate(reader, start=2):
            try:
                opened = _time(row["OPEN_DT"])
            except ValueError:
                raise BostonError(
                    f"{path}:{line}: OPEN_DT {row['OPEN_DT']!r} is not a date"
                ) from None
            if opened is not None:
                yield opened, row
