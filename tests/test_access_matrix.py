"""Every route in the app, called with every role's key, answers what docs/access-matrix.md says.

The matrix is the written contract: a route added without a row (or a row left behind for a
removed route) fails `test_every_route_has_a_row_in_the_access_matrix`. Each cell is the
status code of a probe: the route's path with ids that do not exist and an empty JSON body,
so an allowed role gets past the guard and is stopped by validation (400) or lookup (404),
and a refused one is stopped by the guard (401 without a key, 403 for a wrong role).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import auth
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from api.errors import FieldError
from api.updates import refusal
from domain.access import Refusal
from domain.roles import Role

MATRIX = Path(__file__).resolve().parents[1] / "docs" / "access-matrix.md"
ROLES = ["anonymous", *(r.value for r in Role)]
PARAMS = {
    "tracking_id": "BLR-0000000000",
    "ref": "BLR-0000000000-ASG0",
    "official_id": "999999",
    "key_id": "000000000000",
    "webhook_id": "999999",
    "code": "no_such_service",
    "token": "BLR-0000000000",
    "rest": "nothing.json",
    "city": "nowhere",
    "reference": "PG-NOTHING",
    "ward": "0",
    "file_path": "nothing.js",
    "name": "0" * 64 + ".jpg",
    "hotspot_id": "000000000000",
    "action": "confirm",
}
ROW = re.compile(r"^\|\s*(GET|POST|PUT|PATCH|DELETE)\s*\|\s*`([^`]+)`\s*\|(.+)\|\s*$")


def _matrix() -> dict[tuple[str, str], dict[str, int]]:
    rows: dict[tuple[str, str], dict[str, int]] = {}
    for line in MATRIX.read_text().splitlines():
        match = ROW.match(line)
        if not match:
            continue
        method, path, cells = match.groups()
        codes = [c.strip() for c in cells.split("|")][: len(ROLES)]
        assert len(codes) == len(ROLES), line
        key = (method, path)
        assert key not in rows, f"two rows for {method} {path}"
        rows[key] = {role: int(code) for role, code in zip(ROLES, codes, strict=True)}
    return rows


def _routes(app) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    found = set()
    for route in app.routes:
        if route.path.startswith("/schema"):
            continue
        path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)
        for handler in getattr(route, "route_handlers", []):
            for method in handler.http_methods - {"OPTIONS", "HEAD"}:
                found.add((method, path))
    return found


def _concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: PARAMS[m.group(1)], path)


async def test_every_route_has_a_row_in_the_access_matrix(api):
    routes, rows = _routes(api.app), set(_matrix())
    assert not routes - rows, f"routes missing from {MATRIX.name}: {sorted(routes - rows)}"
    assert not rows - routes, f"rows for routes that do not exist: {sorted(rows - routes)}"


@pytest.mark.parametrize("role", ROLES)
async def test_each_role_gets_the_status_the_access_matrix_promises(api, api_keys, role):
    headers = {} if role == "anonymous" else auth(api_keys[role])
    wrong = []
    for (method, path), expected in sorted(_matrix().items()):
        resp = await api.request(method, _concrete(path), json={}, headers=headers)
        assert resp.status_code != 500, (method, path, resp.text)
        if resp.status_code != expected[role]:
            wrong.append(f"{method} {path}: {resp.status_code}, matrix says {expected[role]}")
    assert not wrong, "\n".join(wrong)


FORM_ROW = re.compile(r"^\|\s*POST\s+`(/open311/[^`]+)`\s*\|(.+)\|\s*$")


def _form_matrix() -> dict[str, dict[str, int]]:
    rows = {}
    for line in MATRIX.read_text().splitlines():
        if match := FORM_ROW.match(line):
            codes = [c.strip() for c in match.group(2).split("|")]
            rows[match.group(1)] = {r: int(c) for r, c in zip(ROLES, codes, strict=True)}
    return rows


async def test_open311_filing_by_form_api_key_follows_the_access_matrix(api, api_keys):
    rows = _form_matrix()
    assert set(rows) == {"/open311/v2/requests.json", "/open311/v2/requests.xml"}
    wrong = []
    for path, expected in rows.items():
        for role in ROLES:
            form = {"lat": "13.0", "long": "77.57", "description": "probe"}
            if role != "anonymous":
                form["api_key"] = api_keys[role]
            resp = await api.post(path, data=form)
            if resp.status_code != expected[role]:
                wrong.append(
                    f"{role} POST {path}: {resp.status_code}, matrix says {expected[role]}"
                )
    assert not wrong, "\n".join(wrong)


REFUSAL_ROW = re.compile(r"^\|\s*`(\w+)`\s*\|\s*(\d{3})\s*\|")


def test_each_refusal_from_the_case_gets_the_status_the_access_matrix_promises():
    rows = {m.group(1): int(m.group(2)) for line in MATRIX.read_text().splitlines()
            if (m := REFUSAL_ROW.match(line))}  # fmt: skip
    assert set(rows) == {r.value for r in Refusal}
    for kind, status in rows.items():
        field = ("reason",) if kind == Refusal.BAD_INPUT else ()
        answer = refusal(WorkflowUpdateFailedError(ApplicationError("no", *field, type=kind)))
        assert answer.status_code == status, kind
        if field:
            assert isinstance(answer, FieldError) and answer.field == "reason"
