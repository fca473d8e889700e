"""A field volunteer with no signal queues complaints on a tablet and sends them in one batch
once back in range: each becomes exactly one case, dated when it was captured."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from helpers import auth, in_malleshwaram, wait_for_status, wait_until

from records.tables import Complaint


def queued(n: int, captured: datetime) -> list[dict]:
    """n complaints captured a minute apart, each at its own spot."""
    items = []
    for i in range(n):
        lat, lon = in_malleshwaram()
        items.append({
            "client_id": f"tab-{uuid.uuid4().hex[:12]}",
            "captured_at": (captured + timedelta(minutes=i)).isoformat(),
            "category": "garbage_not_collected",
            "description": f"Garbage not picked up for days at lane {i}",
            "latitude": lat,
            "longitude": lon,
            "language": "en",
        })  # fmt: skip
    return items


async def test_a_batch_sent_three_times_opens_each_case_once_dated_at_capture(api, api_keys):
    headers = auth(api_keys["citizen-app"])
    now = datetime.now(UTC)
    # The tablet's clock runs 2 hours slow: it says it captured 3 h ago and sends "now".
    skew = timedelta(hours=2)
    items = queued(30, now - skew - timedelta(hours=3))
    answers = []
    for _ in range(3):
        sent_at = (datetime.now(UTC) - skew).isoformat()
        resp = await api.post(
            "/v1/complaints/batch", json={"sent_at": sent_at, "complaints": items}, headers=headers
        )
        assert resp.status_code == 200, resp.text
        answers.append(resp.json())
    first = answers[0]
    assert (first["accepted"], first["rejected"]) == (30, 0)
    ids = [r["tracking_id"] for r in first["results"]]
    assert len(set(ids)) == 30
    for later in answers[1:]:
        assert [r["tracking_id"] for r in later["results"]] == ids
        assert all(r["result"] == "accepted" for r in later["results"])
    # A subset re-sent once more opens nothing either.
    resp = await api.post(
        "/v1/complaints/batch",
        json={"sent_at": (datetime.now(UTC) - skew).isoformat(), "complaints": items[5:9]},
        headers=headers,
    )
    assert [r["tracking_id"] for r in resp.json()["results"]] == ids[5:9]
    rows = await wait_rows(ids)
    assert sorted(r["tracking_id"] for r in rows) == sorted(ids)
    # Dated at capture on the server's clock: about 3 hours ago, not 5, not now.
    filed = {r["tracking_id"]: r["filed_at"] for r in rows}
    for i, tracking_id in enumerate(ids):
        expected = now - timedelta(hours=3) + timedelta(minutes=i)
        assert abs(filed[tracking_id] - expected) < timedelta(minutes=2), (i, filed[tracking_id])
    case = await wait_until(api, ids[0], api_keys["citizen-app"], lambda c: c["sla_due_at"])
    # The SLA window (24 h at P3, scaled by the priority) runs from capture, not from now.
    window = datetime.fromisoformat(case["sla_due_at"]) - filed[ids[0]]
    hours = {24 * f for f in (0.5, 0.75, 1.0, 1.5)}
    assert any(abs(window - timedelta(hours=h)) < timedelta(minutes=1) for h in hours), window
    assert case["intake"]["captured_at"] is not None


async def wait_rows(ids: list[str]) -> list[dict]:
    """The projection rows of the cases, once every one is recorded."""
    import asyncio

    for _ in range(100):
        rows = await Complaint.select(Complaint.tracking_id, Complaint.filed_at).where(
            Complaint.tracking_id.is_in(ids)
        )
        if len(rows) == len(ids):
            return rows
        await asyncio.sleep(0.1)
    raise AssertionError(f"only {len(rows)} of {len(ids)} cases recorded")


async def test_one_bad_item_is_refused_by_name_and_the_others_are_filed(api, api_keys):
    headers = auth(api_keys["citizen-app"])
    now = datetime.now(UTC)
    good = queued(3, now - timedelta(hours=1))
    old, future, typo, dupe = queued(4, now - timedelta(hours=1))
    old["captured_at"] = (now - timedelta(days=31)).isoformat()
    future["captured_at"] = (now + timedelta(minutes=30)).isoformat()
    typo["latitude"] = "twelve"
    dupe["client_id"] = good[0]["client_id"]
    naive = {**queued(1, now)[0], "captured_at": "2026-12-02T09:30:00"}
    unknown = {**queued(1, now)[0], "colour": "red"}
    batch = [good[0], old, good[1], future, typo, dupe, naive, unknown, good[2]]
    resp = await api.post(
        "/v1/complaints/batch",
        json={"sent_at": now.isoformat(), "complaints": batch},
        headers=headers,
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert (body["accepted"], body["rejected"]) == (3, 6)
    results = body["results"]
    assert [r["result"] for r in results] == [
        "accepted", "rejected", "accepted", "rejected", "rejected", "rejected", "rejected",
        "rejected", "accepted",
    ]  # fmt: skip
    fields = {
        r["index"]: (r["status_code"], r["field"]) for r in results if r["result"] == "rejected"
    }
    assert fields == {
        1: (422, "complaints[1].captured_at"),
        3: (422, "complaints[3].captured_at"),
        4: (400, "complaints[4].latitude"),
        5: (400, "complaints[5].client_id"),
        6: (400, "complaints[6].captured_at"),
        7: (400, "complaints[7].colour"),
    }
    assert results[1]["client_id"] == old["client_id"]


async def test_a_batch_is_bounded_and_needs_its_sent_time(api, api_keys):
    headers = auth(api_keys["citizen-app"])
    now = datetime.now(UTC).isoformat()
    items = queued(1, datetime.now(UTC))
    too_many = await api.post(
        "/v1/complaints/batch", json={"sent_at": now, "complaints": items * 101}, headers=headers
    )
    assert too_many.status_code == 400 and too_many.json()["field"] == "complaints"
    unsent = await api.post("/v1/complaints/batch", json={"complaints": items}, headers=headers)
    assert unsent.status_code == 400 and unsent.json()["field"] == "sent_at"
    empty = await api.post(
        "/v1/complaints/batch", json={"sent_at": now, "complaints": []}, headers=headers
    )
    assert empty.status_code == 400 and empty.json()["field"] == "complaints"
    public = await api.post("/v1/complaints/batch", json={"sent_at": now, "complaints": items})
    assert public.status_code == 401


async def test_a_tablet_whose_clock_was_reset_still_files_at_the_true_capture_time(api, api_keys):
    headers = auth(api_keys["citizen-app"])
    reset = datetime(1970, 1, 1, 5, 30, tzinfo=UTC)  # a flat battery sets the clock back
    [item] = queued(1, reset - timedelta(hours=3))
    resp = await api.post(
        "/v1/complaints/batch",
        json={"sent_at": reset.isoformat(), "complaints": [item]},
        headers=headers,
    )
    assert resp.status_code == 200, resp.text
    [result] = resp.json()["results"]
    assert result["result"] == "accepted", result
    case = await wait_for_status(api, result["tracking_id"], headers, "NOTICE_ISSUED")
    filed = datetime.fromisoformat(case["filed_at"])
    assert abs(filed - (datetime.now(UTC) - timedelta(hours=3))) < timedelta(minutes=2)


async def test_items_that_are_not_complaints_or_dates_no_calendar_holds_are_refused_alone(
    api, api_keys
):
    headers = auth(api_keys["citizen-app"])
    now = datetime.now(UTC)
    good, far = queued(2, now - timedelta(hours=1))
    far["captured_at"] = "0001-01-01T00:00:00+00:00"
    resp = await api.post(
        "/v1/complaints/batch",
        json={"sent_at": "9999-12-31T23:59:59+00:00", "complaints": [1, "x", None, far, good]},
        headers=headers,
    )
    assert resp.status_code == 200, resp.text
    results = resp.json()["results"]
    assert [(r["result"], r.get("field")) for r in results[:4]] == [
        ("rejected", "complaints[0]"),
        ("rejected", "complaints[1]"),
        ("rejected", "complaints[2]"),
        ("rejected", "complaints[3].captured_at"),
    ]
    assert [r["status_code"] for r in results[:4]] == [400, 400, 400, 422]
    # The device said it sent in year 9999: the good item was captured "an hour before" that.
    assert results[4]["result"] == "rejected" and results[4]["status_code"] == 422
