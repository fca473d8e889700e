"""Citizens' personal data is nowhere in the clear: not in the database, Temporal history or
search attributes, S3 object metadata, the logs, public and Open311 output, or notices.

Complaints are filed with known names, phones and emails (through the JSON API and Open311),
and with a phone, an email and an Aadhaar number written into the description; then a full
scan of every table, every history of the run's new workflows, every new S3 object's
metadata and every log record finds none of them. Officials see masks, and the originals
only for a stated purpose.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from datetime import UTC, datetime
from typing import Any

import pypdfium2 as pdfium
from helpers import auth, in_malleshwaram, pothole, wait_for_status
from open311_helpers import form
from piccolo.table import Table

from domain import pii
from records import tables, vault
from storage import s3 as s3_storage


def _aadhaar() -> str:
    """A 12-digit number that passes the Verhoeff check, as an Aadhaar number does."""
    body = str(random.randint(2, 9)) + "".join(random.choices("0123456789", k=10))
    return body + pii.verhoeff_digit(body)


def _mobile() -> str:
    """A mobile number no other test uses."""
    return "9" + "".join(random.choices("0123456789", k=9))


class _Logs(logging.Handler):
    """Every log record of the test, formatted with its exception."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record's text."""
        self.lines.append(self.format(record))


async def _dump() -> str:
    """Every row of every table, as text (a database dump)."""
    found = [t for t in vars(tables).values() if isinstance(t, type) and issubclass(t, Table)]
    parts = []
    for table in found:
        if table is Table or table.__module__ != tables.__name__:
            continue
        rows = await table.select()
        parts.append(json.dumps(rows, default=str, ensure_ascii=False))
    return "\n".join(parts)


async def _histories(client, since: datetime) -> str:  # type: ignore[no-untyped-def]
    """The history (with search attributes) of every workflow started since `since`."""
    query = f"StartTime > '{since.isoformat()}'"
    texts = []
    async for run in client.list_workflows(query):
        handle = client.get_workflow_handle(run.id, run_id=run.run_id)
        texts.append((await handle.fetch_history()).to_json())
        texts.append(json.dumps(dict(run.search_attributes), default=str))
    assert texts, "no workflow histories were read"
    return "\n".join(texts)


async def _metadata(settings, since: datetime) -> str:  # type: ignore[no-untyped-def]
    """Key, metadata and headers of every S3 object written since `since`."""
    s3 = s3_storage.client(settings)

    def read() -> str:
        parts = []
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=settings.s3_bucket)
        for page in pages:
            for item in page.get("Contents", []):
                if item["LastModified"] < since.replace(microsecond=0):
                    continue
                head = s3.head_object(Bucket=settings.s3_bucket, Key=item["Key"])
                parts.append(json.dumps([item["Key"], head.get("Metadata"), head.get(
                    "ContentDisposition"), head.get("ContentType")], default=str))  # fmt: skip
        return "\n".join(parts)

    return await asyncio.to_thread(read)


def _pdf_text(pdf: bytes) -> str:
    """The text of every page of a PDF."""
    document = pdfium.PdfDocument(pdf)
    return "\n".join(page.get_textpage().get_text_range() for page in document)


def _leaks(text: str, secrets: dict[str, str]) -> list[str]:
    """Which secrets appear in the text (digits are also looked for without spaces)."""
    squashed = text.replace(" ", "")
    return [
        label
        for label, value in secrets.items()
        if value in text
        or (value.replace(" ", "").isdigit() and value.replace(" ", "") in squashed)
    ]


async def test_names_phones_and_emails_are_nowhere_in_the_clear(
    api, api_keys, settings, temporal_env
):
    since = datetime.now(UTC)
    logs = _Logs()
    logging.getLogger().addHandler(logs)
    level = logging.getLogger().level
    logging.getLogger().setLevel(logging.DEBUG)
    try:
        phone, written, aadhaar = _mobile(), _mobile(), _aadhaar()
        tag = "".join(random.choices("abcdefghijklmnopqrstuvwxyz", k=8))
        secrets = {
            "name": f"Zoravar Kittur{tag}",
            "phone": f"+91 {phone[:5]} {phone[5:]}",
            "email": f"zoravar.{tag}@example.in",
            "phone in the description": f"{written[:5]} {written[5:]}",
            "email in the description": f"kittur.{tag}@gmail.com",
            "Aadhaar in the description": f"{aadhaar[:4]} {aadhaar[4:8]} {aadhaar[8:]}",
            "Open311 name": f"Hemavathi{tag}",
            "Open311 phone": "+91 8" + "".join(random.choices("0123456789", k=9)),
        }
        citizen = auth(api_keys["citizen-app"])
        words = (
            f"Deep pothole by the bus stop. Call me on {secrets['phone in the description']} "
            f"or write to {secrets['email in the description']}, Aadhaar "
            f"{secrets['Aadhaar in the description']}"
        )
        body = pothole(
            *in_malleshwaram(),
            description=words,
            reporter={"name": secrets["name"], "phone": secrets["phone"],
                      "email": secrets["email"], "notice_version": "2026-12-v1"},
        )  # fmt: skip
        filed = await api.post("/v1/complaints", json=body, headers=citizen)
        assert filed.status_code == 202, filed.text
        tracking_id = filed.json()["tracking_id"]
        open311 = await api.post(
            "/open311/v2/requests.json",
            data=form(
                api_keys["citizen-app"],
                *in_malleshwaram(),
                first_name=secrets["Open311 name"],
                last_name="K",
                phone=secrets["Open311 phone"],
            ),
        )
        assert open311.status_code in (200, 201), open311.text
        other = open311.json()[0]["service_request_id"]
        case = await wait_for_status(api, tracking_id, citizen, "NOTICE_ISSUED")
        await wait_for_status(api, other, citizen, "NOTICE_ISSUED")
        assert "[phone hidden]" in case["description"] and "[Aadhaar hidden]" in case["description"]

        official = auth(api_keys["official"])
        notice = await api.get(
            f"/v1/notices/{case['notices'][0]['notice_id']}.pdf", headers=official
        )
        shown = [
            (await api.get(f"/v1/complaints/{tracking_id}", headers=official)).text,
            (await api.get(f"/open311/v2/requests/{tracking_id}.json")).text,
            (await api.get(f"/open311/v2/requests/{other}.json")).text,
            (await api.get(f"/v1/complaints/{tracking_id}/history", headers=official)).text,
            _pdf_text(notice.content),
            (await api.get(f"/v1/complaints/{tracking_id}/contact", headers=official)).text,
        ]
        places = {
            "the database": await _dump(),
            "Temporal history": await _histories(temporal_env.client, since),
            "S3 metadata": await _metadata(settings, since),
            "the logs": "\n".join(logs.lines),
            "the API, Open311 and notices": "\n".join(shown),
        }
    finally:
        logging.getLogger().removeHandler(logs)
        logging.getLogger().setLevel(level)
    for place in ("the database", "Temporal history", "S3 metadata"):  # the scans saw the case
        assert tracking_id in places[place], place
    assert logs.lines, "no log records were captured"
    leaks = {place: _leaks(text, secrets) for place, text in places.items()}
    assert leaks == {place: [] for place in places}, leaks
    # …and yet nothing is lost: an official who states a purpose reads it all back.
    revealed = await api.get(
        f"/v1/complaints/{tracking_id}/contact",
        params={"purpose": "call back to find the spot"},
        headers=official,
    )
    assert set(_leaks(revealed.text, secrets)) >= {"name", "phone", "email"}  # the scan works
    [contact] = revealed.json()["contacts"]
    assert (contact["name"], contact["phone"], contact["email"]) == (
        secrets["name"],
        secrets["phone"],
        secrets["email"],
    )
    assert contact["original_description"] == words
    assert contact["notice_version"] == "2026-12-v1" and contact["legal_basis"] == "state_function"


async def test_a_citizens_filings_are_found_by_the_blind_index_each_under_its_own_key(
    api, api_keys
):
    phone = _mobile()
    citizen = auth(api_keys["citizen-app"])
    for spelling in (f"+91 {phone}", f"0{phone[:5]}-{phone[5:]}"):
        body = pothole(
            *in_malleshwaram(), reporter={"phone": spelling, "notice_version": "2026-12-v1"}
        )
        assert (await api.post("/v1/complaints", json=body, headers=citizen)).status_code == 202
    found = await vault.keys_of(phone, None)  # however the number was spelt
    assert len(found) == 2
    reporters = await tables.Reporter.select(tables.Reporter.id).where(
        tables.Reporter.citizen_key.is_in(found)
    )
    assert len(reporters) == 2
    opened = await vault.open_reporters(r["id"] for r in reporters)
    assert sorted(p["phone"] for p in opened.values()) == sorted(
        [f"+91 {phone}", f"0{phone[:5]}-{phone[5:]}"]
    )


async def test_an_unknown_privacy_notice_version_is_a_400_naming_it(api, api_keys):
    body = pothole(
        *in_malleshwaram(), reporter={"phone": "+91 " + _mobile(), "notice_version": "v0"}
    )
    resp = await api.post("/v1/complaints", json=body, headers=auth(api_keys["citizen-app"]))
    assert resp.status_code == 400 and "reporter.notice_version" in resp.text


def _consent_city(api) -> Any:  # type: ignore[no-untyped-def]
    """Bengaluru under a policy whose legal basis is consent (returns the policy it replaced)."""
    from domain.sla import PolicyBook

    before = api.app.state.policy
    api.app.state.policy = PolicyBook(
        {"cities": {"bengaluru": {"privacy": {"legal_basis": "consent"}}}}
    )
    return before


async def test_a_consent_city_refuses_contact_details_without_consent(api, api_keys):
    before = _consent_city(api)
    citizen = auth(api_keys["citizen-app"])
    try:
        for reporter, field in (
            ({"phone": "+91 " + _mobile()}, "reporter.notice_version"),
            ({"phone": "+91 " + _mobile(), "notice_version": "2026-12-v1"}, "reporter.consent"),
            ({"phone": "+91 " + _mobile(), "notice_version": "2026-12-v1", "consent": True,
              "purposes": ["marketing"]}, "reporter.purposes"),
        ):  # fmt: skip
            body = pothole(*in_malleshwaram(), reporter=reporter)
            resp = await api.post("/v1/complaints", json=body, headers=citizen)
            assert resp.status_code == 400 and field in resp.text, (field, resp.text)
        agreed = {"phone": "+91 " + _mobile(), "notice_version": "2026-12-v1", "consent": True,
                  "purposes": ["case_updates"]}  # fmt: skip
        resp = await api.post(
            "/v1/complaints", json=pothole(*in_malleshwaram(), reporter=agreed), headers=citizen
        )
        assert resp.status_code == 202, resp.text
        [key_id] = await vault.keys_of(agreed["phone"], None)
        row = await tables.Reporter.select().where(tables.Reporter.citizen_key == key_id).first()
        assert (row["legal_basis"], row["purposes"]) == ("consent", "case_updates")
    finally:
        api.app.state.policy = before
