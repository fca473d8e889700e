"""The rollups of the public figures: kept in step with the projection, or counted again.

`change_queries` gives the upserts that move one complaint's contribution from its old
projection row to its new one (domain.rollup says what a row counts where). The projection
write runs them in its own transaction, only when its row really changed, so a retried or
replayed revision changes nothing and no figure is ever counted twice. `rebuild` counts
every complaint again: the migration's backfill, the last step of a bulk load, a repair.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from domain import rollup
from domain.rollup import ROW_COLUMNS, Delta
from records.tables import Complaint, ComplaintHeat, ComplaintRollup

FIGURE_KEY = ("city", "span", "first_day", "category", "ward_id", "zone")
HEAT_KEY = ("city", "first_day", "category", "resolution", "cell")
_BATCH_ROWS = 500  # rows a statement: 3,000 parameters, well under either engine's limit
_READ_BATCH = 5_000


def row_of(complaint: Complaint) -> dict[str, Any]:
    """The columns of a projection row that its contribution depends on."""
    return {name: getattr(complaint, name) for name in ROW_COLUMNS}


def read_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """A projection row as read back from either engine, timestamps as datetimes."""
    out = {name: row[name] for name in ROW_COLUMNS}
    for name in ("filed_at", "resolved_at"):
        out[name] = rollup.as_aware(out[name])
    return out


def _upsert(table: str, key: Sequence[str], rows: dict[Any, Delta]) -> list[Any]:
    """Statements adding each row's deltas to `table` (a missing row starts at zero). Rows go
    in key order, so two writers touching the same rows lock them in the same order. Only
    the keys are parameters: the counts are integers of our own, written as literals (binding
    a hundred parameters a row cost more than the writing)."""
    if not rows:
        return []
    columns = sorted({c for delta in rows.values() for c in delta})
    quoted = ", ".join(f'"{n}"' for n in (*key, *columns))
    sets = ", ".join(f'"{c}" = {table}."{c}" + excluded."{c}"' for c in columns)
    marks = ", ".join(["{}"] * len(key))
    ordered = sorted(rows.items())
    queries = []
    for start in range(0, len(ordered), _BATCH_ROWS):
        chunk = ordered[start : start + _BATCH_ROWS]
        values = ", ".join(
            f"({marks}, {', '.join(str(int(delta.get(c, 0))) for c in columns)})"
            for _, delta in chunk
        )
        sql = (
            f"INSERT INTO {table} ({quoted}) VALUES {values} "
            f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {sets}"
        )
        queries.append(Complaint.raw(sql, *(v for k, _ in chunk for v in k)))
    return queries


def change_queries(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> list[Any]:
    """The upserts that replace row `old`'s contribution (None: none yet) by row `new`'s."""
    figures, heat = rollup.changes(old, new)
    return _upsert("complaint_rollup", FIGURE_KEY, figures) + _upsert(
        "complaint_heat", HEAT_KEY, heat
    )


async def rebuild(city: str | None = None) -> int:
    """Count every complaint (of one city, or all) again and replace its rollup rows, while
    nothing else records; the number of complaints counted."""
    figures: dict[Any, Delta] = defaultdict(dict)
    heat: dict[Any, Delta] = defaultdict(dict)
    columns = ", ".join(f'"{c}"' for c in ROW_COLUMNS)
    only = "" if city is None else " AND city = {}"
    last, counted = 0, 0
    while True:
        rows = await Complaint.raw(
            f"SELECT id, {columns} FROM complaint WHERE id > {{}}{only} ORDER BY id "
            f"LIMIT {_READ_BATCH}",
            last,
            *([] if city is None else [city]),
        )
        if not rows:
            break
        for raw in rows:
            rollup.tally(read_row(raw), figures, heat)
        last, counted = rows[-1]["id"], counted + len(rows)
    async with Complaint._meta.db.transaction():
        for table in (ComplaintRollup, ComplaintHeat):
            if city is None:
                await table.delete(force=True)
            else:
                await table.delete().where(table.city == city)
        for query in _upsert("complaint_rollup", FIGURE_KEY, figures) + _upsert(
            "complaint_heat", HEAT_KEY, heat
        ):
            await query
    return counted
