"""Each role sees of a citizen's personal data what the access matrix's "Personal data, by
role" table says (and domain/privacy.py VISIBILITY), read back through the real API."""

from __future__ import annotations

import random
import re
from pathlib import Path

from helpers import auth, in_malleshwaram, pothole, wait_for_status

from domain.privacy import PERSONAL_FIELDS, VISIBILITY

MATRIX = Path(__file__).resolve().parents[1] / "docs" / "access-matrix.md"
ROLES = ("anonymous", "citizen-app", "integrator", "supervisor", "auditor", "official", "admin")


def _table() -> dict[str, dict[str, str]]:
    """role -> field -> what the matrix's personal-data table promises."""
    text = MATRIX.read_text().split("## Personal data, by role", 1)[1]
    shown: dict[str, dict[str, str]] = {role: {} for role in ROLES}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == len(ROLES) + 1 and cells[0] in PERSONAL_FIELDS:
            for role, value in zip(ROLES, cells[1:], strict=True):
                shown[role][cells[0]] = value
    return shown


def test_the_matrix_and_the_rules_say_the_same_for_every_role_and_field():
    assert _table() == {role: dict(VISIBILITY[role]) for role in ROLES}


def _seen(text: str, value: str) -> bool:
    return value in text or value.replace(" ", "") in text.replace(" ", "")


async def test_each_role_sees_personal_data_as_the_matrix_says(api, api_keys):
    digits = "9" + "".join(random.choices("0123456789", k=9))
    written = "8" + "".join(random.choices("0123456789", k=9))
    clear = {
        "name": "Saraswathi Hegde",
        "phone": f"+91 {digits[:5]} {digits[5:]}",
        "email": f"saras.{digits}@example.in",
        "original description": f"Water logging, call {written}",
    }
    body = pothole(*in_malleshwaram(), description=clear["original description"],
                   reporter={"name": clear["name"], "phone": clear["phone"],
                             "email": clear["email"], "notice_version": "2026-12-v1"})  # fmt: skip
    filed = await api.post("/v1/complaints", json=body, headers=auth(api_keys["citizen-app"]))
    tracking_id = filed.json()["tracking_id"]
    await wait_for_status(api, tracking_id, auth(api_keys["official"]), "NOTICE_ISSUED")
    masks = {"name": "S. H.", "phone": f"+91 {digits[:2]}XXX XX{digits[-3:]}",
             "email": "s" + "•" * 8 + "@example.in", "original description": None}  # fmt: skip
    promised = _table()
    for role in ROLES:
        headers = auth(api_keys[role]) if role != "anonymous" else {}
        case = await api.get(f"/v1/complaints/{tracking_id}", headers=headers)
        plain = await api.get(f"/v1/complaints/{tracking_id}/contact", headers=headers)
        purpose = {"purpose": "visibility test"}
        told = await api.get(f"/v1/complaints/{tracking_id}/contact", params=purpose,
                             headers=headers)  # fmt: skip
        for field in PERSONAL_FIELDS:
            rule = promised[role][field]
            assert not _seen(case.text, clear[field]), (role, field, "in the case")
            if rule == "hidden":
                assert plain.status_code in (401, 403) and told.status_code in (401, 403), role
                continue
            assert plain.status_code == 200 and told.status_code == 200, (role, plain.text)
            assert not _seen(plain.text, clear[field]), (role, field, "without a purpose")
            [shown] = plain.json()["contacts"]
            if masks[field]:
                assert shown[field] == masks[field], (role, field, shown)
            assert re.search("clear for a stated purpose", rule)
            assert _seen(told.text, clear[field]), (role, field, "with a purpose")
