"""docs/privacy.md's inventory lists every personal-looking column of records/tables.py."""

from __future__ import annotations

import re
from pathlib import Path

from piccolo.table import Table

import records.tables
from domain.privacy import PrivacyPolicy

DOC = Path(__file__).resolve().parents[1] / "docs" / "privacy.md"
PERSONAL = re.compile(
    r"(^|_)(name|phone|email|address|mobile|aadhaar|contact|dob|birth|gender|pseudonym"
    r"|reporter|device)(_|$)"
)
INVENTORY_HEADER = [
    "item",
    "where stored",
    "table.column",
    "why",
    "who can see it",
    "kept for",
    "DPDP duty",
]
NOT_PERSONAL_HEADING = "Named like personal data, but not"
COLUMN_REF = re.compile(r"`([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)`")
NOT_STORED = "—"
MAX_GRIEVANCE_DAYS_BY_LAW = 90  # DPDP Rules 2025, Rule 14


def split_row(line: str) -> list[str]:
    """The cells of one Markdown table row (a `|` inside backticks does not split)."""
    cells, cell, quoted = [], "", False
    for ch in line.strip().strip("|"):
        if ch == "`":
            quoted = not quoted
        if ch == "|" and not quoted:
            cells.append(cell.strip())
            cell = ""
        else:
            cell += ch
    return [*cells, cell.strip()]


def markdown_tables(text: str) -> list[tuple[str, list[str], list[list[str]]]]:
    """Every table in the text as (the heading above it, its header cells, its body rows)."""
    found: list[tuple[str, list[str], list[list[str]]]] = []
    heading, lines = "", text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
        is_table = (
            line.startswith("|")
            and i + 1 < len(lines)
            and re.fullmatch(r"\|(\s*:?-+:?\s*\|)+", lines[i + 1].strip())
        )
        if not is_table:
            i += 1
            continue
        header, rows = split_row(line), []
        i += 2
        while i < len(lines) and lines[i].startswith("|"):
            rows.append(split_row(lines[i]))
            i += 1
        found.append((heading, header, rows))
    return found


def doc_tables() -> list[tuple[str, list[str], list[list[str]]]]:
    """The tables of docs/privacy.md."""
    return markdown_tables(DOC.read_text(encoding="utf-8"))


def inventory_rows() -> list[dict[str, str]]:
    """The rows of the inventory table, by column."""
    tables = [rows for _, header, rows in doc_tables() if header == INVENTORY_HEADER]
    assert len(tables) == 1, f"docs/privacy.md needs one table headed {INVENTORY_HEADER}"
    return [dict(zip(INVENTORY_HEADER, row, strict=True)) for row in tables[0]]


def not_personal_rows() -> list[list[str]]:
    """The rows of the "Named like personal data, but not" table."""
    tables = [rows for heading, _, rows in doc_tables() if heading == NOT_PERSONAL_HEADING]
    assert len(tables) == 1, f"docs/privacy.md needs one table under '{NOT_PERSONAL_HEADING}'"
    return tables[0]


def refs(cell: str) -> set[str]:
    """The `table.column` names a cell gives."""
    return {f"{t}.{c}" for t, c in COLUMN_REF.findall(cell)}


def listed_personal() -> set[str]:
    """The columns the inventory lists as personal data."""
    return set().union(*(refs(row["table.column"]) for row in inventory_rows()))


def listed_not_personal() -> set[str]:
    """The columns listed as named like personal data, but not."""
    return set().union(*(refs(row[0]) for row in not_personal_rows()))


def database_columns() -> dict[str, set[str]]:
    """Each table records/tables.py defines (create_table_class ones too): its column names."""
    return {
        value._meta.tablename: {column._meta.name for column in value._meta.columns}
        for value in vars(records.tables).values()
        if isinstance(value, type) and issubclass(value, Table) and value is not Table
    }


def test_a_new_personal_column_must_be_listed_in_the_privacy_inventory():
    """Each column named like personal data is in the inventory or in the "but not" table."""
    listed = listed_personal() | listed_not_personal()
    unlisted = sorted(
        f"{table}.{column}"
        for table, columns in database_columns().items()
        for column in columns
        if PERSONAL.search(column) and f"{table}.{column}" not in listed
    )
    assert unlisted == [], (
        f"docs/privacy.md lists neither as personal data nor as '{NOT_PERSONAL_HEADING}': "
        f"{unlisted}"
    )


def test_every_column_the_privacy_inventory_names_exists():
    """No row of either table names a table or column that records/tables.py lacks."""
    existing = {f"{t}.{c}" for t, columns in database_columns().items() for c in columns}
    stale = sorted((listed_personal() | listed_not_personal()) - existing)
    assert stale == [], f"docs/privacy.md names columns that do not exist: {stale}"
    for row in inventory_rows():
        rest = COLUMN_REF.sub("", row["table.column"]).replace(",", "").strip()
        assert rest in ("", NOT_STORED), (
            f"inventory row {row['item']!r}: table.column must be `table.column` names or "
            f"{NOT_STORED}, not {row['table.column']!r}"
        )
    for row in not_personal_rows():
        assert len(refs(row[0])) == 1, f"'{NOT_PERSONAL_HEADING}' row {row} names no column"


def test_no_column_is_listed_both_as_personal_data_and_not():
    """A column is personal data or it is not: the two tables never share one."""
    both = sorted(listed_personal() & listed_not_personal())
    assert both == [], f"docs/privacy.md lists these as personal data and as not: {both}"


def stated_days(setting: str) -> int:
    """The default number of days the doc's policy table states for a setting."""
    for _, header, rows in doc_tables():
        if header[:2] != ["setting", "default"]:
            continue
        for row in rows:
            if row[0] == f"`{setting}`":
                match = re.fullmatch(r"(\d+) days?", row[1])
                assert match, f"docs/privacy.md: {setting}'s default {row[1]!r} is not 'N days'"
                return int(match.group(1))
    raise AssertionError(f"docs/privacy.md's policy table has no row for `{setting}`")


def test_the_privacy_doc_states_the_grievance_time_and_retention_the_code_uses():
    """The published grievance time is at most 90 days and both defaults match the code's."""
    policy = PrivacyPolicy()
    grievance = stated_days("grievance_days")
    assert grievance <= MAX_GRIEVANCE_DAYS_BY_LAW, f"a {grievance}-day grievance time breaks R14"
    assert grievance == policy.grievance_days, (
        f"docs/privacy.md says {grievance} days, PrivacyPolicy() {policy.grievance_days}"
    )
    retention = stated_days("retention_days")
    assert retention == policy.retention_days, (
        f"docs/privacy.md says {retention} days, PrivacyPolicy() {policy.retention_days}"
    )
