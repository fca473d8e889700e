"""The privacy keys: a deployment's new set from the command line, and a master key rotation
that rewraps every data key while every sealed field still opens."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from records import vault
from records.sealing import MasterKeys
from records.tables import CitizenKey

REPO = Path(__file__).resolve().parents[1]


def test_new_keys_prints_a_set_the_settings_accept():
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "privacy", "new-keys", "--id", "m7"],
        cwd=REPO, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = dict(line.split("=", 1) for line in done.stdout.strip().splitlines())
    keys = MasterKeys.parse(
        lines["CIVICOPS_PRIVACY_MASTER_KEYS"],
        lines["CIVICOPS_PRIVACY_MASTER_KEY_ID"],
        lines["CIVICOPS_PRIVACY_INDEX_KEY"],
    )
    assert keys.current == "m7" and set(keys.keys) == {"m7"} and len(keys.index_key) >= 32


async def test_a_rotated_master_key_rewraps_every_data_key_and_nothing_is_lost(database):
    before = vault.keyring()
    phone = "+91 9000012345"
    sealed = await vault.sealed_reporter(
        vault.Contact(name="Nanda", phone=phone), legal_basis="state_function",
        notice_version="2026-12-v1", purposes=("case_updates",),
    )  # fmt: skip
    assert sealed is not None
    [row] = await sealed.__class__.insert(sealed).returning(sealed.__class__.id)
    rotated = before.with_new_key(f"r{len(before.keys)}")
    vault.install(rotated)
    try:
        assert await vault.rewrap_all() >= 1
        key = await CitizenKey.select().where(CitizenKey.id == sealed.citizen_key).first()
        assert key["master_key_id"] == rotated.current and key["wrapped"].startswith(
            rotated.current
        )
        opened = await vault.open_reporters([row["id"]])
        assert (opened[row["id"]]["name"], opened[row["id"]]["phone"]) == ("Nanda", phone)
        assert await vault.rewrap_all() == 0  # nothing left under the old key
    finally:  # back under the session's key, which the keyring file still holds
        vault.install(MasterKeys(before.current, dict(rotated.keys), before.index_key))
        await vault.rewrap_all()
        vault.install(before)
