"""The pages keep the API's access rules: each person, signed in, gets what the access
matrix's "Pages, by session" table promises (docs/access-matrix.md)."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import httpx
import pytest
from helpers import auth, fresh_spot, pothole, wait_for_status

from records import signin
from records.tables import Official

MATRIX = Path(__file__).resolve().parents[1] / "docs" / "access-matrix.md"
ROW = re.compile(r"^\|\s*(GET|POST) `([^`]+)`\s*\|(.+)\|\s*$")
PEOPLE = ("anonymous", "supervisor", "other supervisor", "official")
PASSWORD = "a long enough pass phrase"


def _table() -> dict[tuple[str, str], dict[str, int]]:
    rows = {}
    for line in MATRIX.read_text().split("## Pages, by session", 1)[1].splitlines():
        if match := ROW.match(line):
            codes = [int(c.strip()) for c in match.group(3).split("|")]
            rows[(match.group(1), match.group(2))] = dict(zip(PEOPLE, codes, strict=True))
    return rows


async def _browser(api, official_id: int | None) -> httpx.AsyncClient:  # type: ignore[no-untyped-def]
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=api.app),
                               base_url="http://civicops.test")  # fmt: skip
    if official_id is not None:
        await signin.set_password(await signin.invite(official_id, actor="test"), PASSWORD)
        form = await client.get("/signin")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
        done = await client.post("/signin", data={"csrf": csrf, "official": str(official_id),
                                                  "password": PASSWORD})  # fmt: skip
        assert done.status_code == 303, done.text
    return client


@pytest.fixture
async def case(api, api_keys) -> dict:  # type: ignore[no-untyped-def]
    spot = fresh_spot()
    body = pothole(spot[0], spot[1], description=f"Pothole {uuid.uuid4().hex[:6]}")
    resp = await api.post("/v1/complaints", json=body, headers=auth(api_keys["citizen-app"]))
    assert resp.status_code == 202, resp.text
    tracking_id = resp.json()["tracking_id"]
    return await wait_for_status(api, tracking_id, auth(api_keys["official"]), "NOTICE_ISSUED")


async def test_each_person_gets_what_the_page_matrix_promises(api, case):
    """Signed-in supervisors, another supervisor and an official, page by page."""
    mine = case["assignee"]["id"]
    other = (
        await Official.select(Official.id)
        .where((Official.level == 0) & (Official.id != mine) & (Official.active.eq(True)))
        .first()
    )
    officer = await Official.select(Official.id).where(Official.level == 1).first()
    people = {"anonymous": None, "supervisor": mine, "other supervisor": other["id"],
              "official": officer["id"]}  # fmt: skip
    table = _table()
    assert len(table) >= 14
    wrong = []
    for person, official_id in people.items():
        client = await _browser(api, official_id)
        try:
            for (method, page), expected in table.items():
                path = page.replace("{case}", case["tracking_id"])
                resp = await client.request(method, path, data={} if method == "POST" else None)
                if resp.status_code != expected[person]:
                    wrong.append(f"{person} {method} {path}: {resp.status_code}, "
                                 f"matrix says {expected[person]}")  # fmt: skip
        finally:
            await client.aclose()
    assert not wrong, "\n".join(wrong)
