"""Today's cleartext rows are sealed by the migration, on SQLite and on PostgreSQL, and nothing
is lost: each engine runs in a process of its own (the engine is chosen when piccolo_conf is
imported), migrates to the last step before issue 17, writes cleartext rows as that schema
held them, migrates the rest of the way, and reports what the tables then hold."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import asyncpg
import pytest

REPO = Path(__file__).resolve().parents[1]
BEFORE = "2026-12-03T09:00:00:000000"  # the last migration before issue 17
PEOPLE = [("Asha K", "+91 98450 12345", "asha@example.in"), ("ರವಿ", "080-2222 3333", None)]
WORDS = "Overflowing drain, call 97419 20461 or mail ravi.k@gmail.com"

_STORY = """
import asyncio, json, sys
from datetime import UTC, datetime

async def main():
    from piccolo.apps.migrations.commands.forwards import run_forwards
    from records import vault
    from records.db import prepare
    from settings import Settings

    vault.configure(Settings.from_env())
    await prepare()
    assert (await run_forwards(app_name="records", migration_id=sys.argv[1])).success
    from records.tables import CaseReport, Complaint
    people = json.loads(sys.argv[2])
    ids = []
    for name, phone, email in people:
        await Complaint.raw(
            "INSERT INTO reporter (name, phone, email, created_at) "
            "VALUES ({}, {}, {}, CURRENT_TIMESTAMP)", name, phone, email)
        rows = await Complaint.raw("SELECT max(id) AS id FROM reporter")
        ids.append(rows[0]["id"])
    now = datetime.now(UTC)
    for n, reporter in enumerate((ids[0], None)):
        await Complaint.insert(Complaint(
            tracking_id=f"BLR-MIGR{n}", workflow_id=f"complaint-BLR-MIGR{n}", city="bengaluru",
            category="drain_overflow", description=sys.argv[3], latitude=13.0, longitude=77.5,
            language="en", source="test", status="ASSIGNED", filed_at=now, updated_at=now,
            revision=1, reporter=reporter, address="Near 5th cross" if n else None))
    await CaseReport.insert(CaseReport(
        filing_id="BLR-MIGR9", tracking_id="BLR-MIGR0", kind="recomplaint", reporter=ids[1],
        source="test", description=sys.argv[3], latitude=13.0, longitude=77.5, filed_at=now))
    assert (await run_forwards(app_name="records", migration_id="all")).success

    raw = await Complaint.raw("SELECT * FROM reporter ORDER BY id")
    columns = sorted(raw[0])
    opened = await vault.open_reporters(r["id"] for r in raw)
    cases = await Complaint.select(Complaint.tracking_id, Complaint.description,
                                   Complaint.reporter).order_by(Complaint.tracking_id)
    filing = await CaseReport.select(CaseReport.description, CaseReport.reporter).first()
    text = json.dumps([raw, cases, filing], default=str, ensure_ascii=False)
    print(json.dumps({
        "columns": columns,
        "people": [[opened[i]["name"], opened[i]["phone"], opened[i]["email"]] for i in ids],
        "originals": {c["tracking_id"]: opened[c["reporter"]]["description"] for c in cases},
        "filing_original": opened[filing["reporter"]]["description"],
        "descriptions": [c["description"] for c in cases] + [filing["description"]],
        "dump": text,
    }, ensure_ascii=False))

asyncio.run(main())
"""


def _run(env: dict[str, str]) -> dict:
    """Run the story in a process of its own; what it printed."""
    done = subprocess.run(
        [sys.executable, "-c", _STORY, BEFORE, json.dumps(PEOPLE), WORDS],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=170, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _check(story: dict) -> None:
    """Sealed, masked, and nothing lost."""
    assert not {"name", "phone", "email"} & set(story["columns"])
    assert {"name_sealed", "phone_sealed", "email_sealed"} <= set(story["columns"])
    assert story["people"] == [list(p) for p in PEOPLE]
    for secret in ("Asha K", "98450 12345", "asha@example.in", "ರವಿ", "2222 3333",
                   "97419 20461", "ravi.k@gmail.com"):  # fmt: skip
        assert secret not in story["dump"], secret
    assert story["originals"] == {"BLR-MIGR0": WORDS, "BLR-MIGR1": WORDS}
    assert story["filing_original"] == WORDS
    assert all("[phone hidden]" in d and "[email hidden]" in d for d in story["descriptions"])


@pytest.mark.timeout(300)
async def test_a_migration_seals_cleartext_rows_on_sqlite_and_postgresql(tmp_path):
    base = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    on_sqlite = await asyncio.to_thread(_run, {**base, "CIVICOPS_VAR_DIR": str(tmp_path / "a")})
    _check(on_sqlite)

    admin = os.environ.get("CIVICOPS_TEST_PG", "postgres://postgres@127.0.0.1:5432/postgres")
    name = f"civicops_migr_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(admin)
    await conn.execute(f'CREATE DATABASE "{name}"')
    try:
        env = {**base, "CIVICOPS_VAR_DIR": str(tmp_path / "b"),
               "DATABASE_URL": admin.rsplit("/", 1)[0] + f"/{name}"}  # fmt: skip
        on_postgres = await asyncio.to_thread(_run, env)
    finally:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()
    _check(on_postgres)
    assert on_sqlite["people"] == on_postgres["people"]
