"""The audit trail: every state change, sign-off, key operation and read of a citizen's
contact details is chained, and tampering with any row is named by `civicops audit verify`."""

from __future__ import annotations

import asyncio
import time
from contextlib import asynccontextmanager
from typing import Any

from helpers import auth, civicops, in_malleshwaram, pothole, wait_for_status

from records import audit as audit_log
from records.tables import AuditEntry


async def _entries(subject: str) -> list[dict[str, Any]]:
    await audit_log.seal()
    return await audit_log.entries(0, 10_000, subject)


@asynccontextmanager
async def tampered(seq: int, **changes: Any):  # type: ignore[no-untyped-def]
    """Edit one audit row directly in the database, and put it back afterwards."""
    original = await AuditEntry.select().where(AuditEntry.seq == seq).first()
    assert original is not None
    await AuditEntry.update({getattr(AuditEntry, k): v for k, v in changes.items()}).where(
        AuditEntry.seq == seq
    )
    try:
        yield original
    finally:
        await AuditEntry.update({getattr(AuditEntry, k): original[k] for k in changes}).where(
            AuditEntry.seq == seq
        )


async def test_a_case_leaves_a_chained_trail_from_filing_to_its_signed_notice(api, api_keys):
    headers = auth(api_keys["citizen-app"])
    resp = await api.post("/v1/complaints", json=pothole(*in_malleshwaram()), headers=headers)
    tracking_id = resp.json()["tracking_id"]
    case = await wait_for_status(api, tracking_id, headers, "NOTICE_ISSUED")
    notice_id = case["notices"][0]["notice_id"]

    # The status is the workflow's own; its record step commits the entry a moment later.
    deadline = time.monotonic() + 10
    trail = await _entries(tracking_id)
    while len(trail) < 4 and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        trail = await _entries(tracking_id)
    assert [e["action"] for e in trail] == [
        "case.filed",
        "case.prioritized",
        "case.assigned",
        "case.notice_issued",
    ]
    assert [e["detail"]["revision"] for e in trail] == [1, 2, 3, 4]
    assert trail[0]["actor"] == "test-citizen-app"
    assert trail[2]["detail"]["assignee"] == case["assignee"]["id"]
    [signed] = await _entries(notice_id)
    assert signed["action"] == "notice.signed"
    notice = (await api.get(f"/v1/notices/{notice_id}", headers=headers)).json()
    assert signed["detail"]["pdf_sha256"] == notice["pdf_sha256"]
    assert signed["detail"]["signature"] == notice["signature"]
    # No citizen's contact details in the trail (the description is not copied either).
    assert all("description" not in e["detail"] for e in trail)

    # Each entry carries the previous entry's hash; the whole chain verifies.
    for entry in [*trail, signed]:
        before = await AuditEntry.select().where(AuditEntry.seq == entry["seq"] - 1).first()
        assert entry["prev_hash"] == (before["entry_hash"] if before else audit_log.GENESIS)
    verdict = await audit_log.verify()
    assert verdict.ok, verdict.reason

    head = (await api.get("/v1/audit/head")).json()  # public: no key needed
    assert head["seq"] >= signed["seq"] and len(head["entry_hash"]) == 64


async def test_editing_one_audit_row_is_named_by_audit_verify(api, api_keys):
    admin = auth(api_keys["admin"])
    created = await api.post(
        "/v1/apikeys", json={"name": "tamper target", "role": "integrator"}, headers=admin
    )
    assert created.status_code == 201, created.text
    key_id = created.json()["key"]["key_id"]
    [entry] = await _entries(key_id)
    assert entry["action"] == "apikey.create" and entry["actor"].startswith("key:")

    ok = await civicops("audit", "verify")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.startswith("OK:")

    # Someone quietly upgrades the key's role in the log.
    forged = {**entry["detail"], "role": "admin"}
    async with tampered(entry["seq"], detail=forged):
        broken = await civicops("audit", "verify")
        assert broken.returncode == 1
        assert f"BROKEN at entry {entry['seq']}" in broken.stdout
        assert "apikey.create" in broken.stdout and key_id in broken.stdout
        verdict = (await api.get("/v1/audit/verify", headers=auth(api_keys["auditor"]))).json()
        assert verdict["ok"] is False and verdict["broken_seq"] == entry["seq"]

    # A re-hashed forgery is caught by the next link instead.
    async with tampered(entry["seq"], actor="key:nobody", entry_hash="f" * 64):
        broken = await civicops("audit", "verify")
        assert broken.returncode == 1
        assert f"BROKEN at entry {entry['seq']}" in broken.stdout
    assert (await civicops("audit", "verify")).returncode == 0


async def test_deleting_an_audit_row_is_named_as_a_missing_entry(database):
    await audit_log.append(audit_log.AuditRecord("test.deleted", "x-1", "test"))
    await audit_log.append(audit_log.AuditRecord("test.after", "x-2", "test"))
    [victim] = await _entries("x-1")
    row = await AuditEntry.select().where(AuditEntry.seq == victim["seq"]).first()
    await AuditEntry.delete().where(AuditEntry.seq == victim["seq"])
    try:
        verdict = await audit_log.verify()
        assert not verdict.ok and verdict.broken_seq == victim["seq"]
        assert "missing" in (verdict.reason or "")
    finally:
        await AuditEntry.insert(AuditEntry(**{k: v for k, v in row.items() if k != "id"}))
    assert (await audit_log.verify()).ok


async def test_a_published_head_exposes_a_consistently_rewritten_chain(api, database):
    await audit_log.append(audit_log.AuditRecord("test.published", "head-1", "test"))
    published = (await api.get("/v1/audit/head")).json()
    verified = await civicops("audit", "verify", "--expect-head", published["entry_hash"])
    assert verified.returncode == 0

    # Rewrite the newest entry and re-hash it: the chain alone still verifies...
    last = await AuditEntry.select().where(AuditEntry.seq == published["seq"]).first()
    rehashed = audit_log.entry_hash(
        seq=last["seq"], at=last["at"], actor="someone else", action=last["action"],
        subject=last["subject"], detail=last["detail"], dedupe_key=last["dedupe_key"],
        prev_hash=last["prev_hash"],
    )  # fmt: skip
    async with tampered(last["seq"], actor="someone else", entry_hash=rehashed):
        assert (await audit_log.verify()).ok
        # ...but the head kept elsewhere is no longer in it.
        result = await civicops("audit", "verify", "--expect-head", published["entry_hash"])
        assert result.returncode == 1 and "no longer in the chain" in result.stdout


async def test_concurrent_appends_form_one_unbroken_chain(database):
    before = (await audit_log.head())["seq"]
    await asyncio.gather(
        *(
            audit_log.append(audit_log.AuditRecord("test.burst", f"burst-{i}", "test"))
            for i in range(30)
        )
    )
    after = await audit_log.head()
    assert after["seq"] == before + 30
    assert (await audit_log.verify()).ok


async def test_a_retried_case_write_is_audited_once(api, api_keys):
    from records import projection

    headers = auth(api_keys["citizen-app"])
    resp = await api.post("/v1/complaints", json=pothole(*in_malleshwaram()), headers=headers)
    tracking_id = resp.json()["tracking_id"]
    await wait_for_status(api, tracking_id, headers, "NOTICE_ISSUED")
    state = await api.app.state.temporal.get_workflow_handle(  # type: ignore[attr-defined]
        f"complaint-{tracking_id}"
    ).query("status")
    before = len(await _entries(tracking_id))
    from domain.case import CaseState

    typed = api.app.state.temporal.data_converter.payload_converter  # type: ignore[attr-defined]
    case = typed.from_payloads(typed.to_payloads([state]), [CaseState])[0]
    await projection.record(case, case.recent_events[-1])  # what a retried activity does
    assert len(await _entries(tracking_id)) == before


async def test_officials_see_contacts_masked_and_a_reveal_is_audited_with_its_purpose(
    api, api_keys
):
    headers = auth(api_keys["citizen-app"])
    body = pothole(*in_malleshwaram(), reporter={"name": "Asha K", "phone": "+91 98450 12345"})
    tracking_id = (await api.post("/v1/complaints", json=body, headers=headers)).json()[
        "tracking_id"
    ]
    await wait_for_status(api, tracking_id, headers, "NOTICE_ISSUED")
    url = f"/v1/complaints/{tracking_id}/contact"

    # The case itself never shows them; only officials may ask, and must say why.
    case = (await api.get(f"/v1/complaints/{tracking_id}", headers=headers)).text
    assert "Asha" not in case and "98450" not in case
    for role in ("citizen-app", "integrator", "supervisor", "auditor"):
        resp = await api.get(url, params={"purpose": "site visit"}, headers=auth(api_keys[role]))
        assert resp.status_code == 403, role
    official = auth(api_keys["official"])
    masked = await api.get(url, headers=official)  # no purpose: masks only, nothing audited
    assert masked.status_code == 200, masked.text
    [shown] = masked.json()["contacts"]
    assert (shown["name"], shown["phone"], shown["masked"]) == ("A. K.", "+91 98XXX XX345", True)
    assert "Asha" not in masked.text and "12345" not in masked.text
    blank = await api.get(url, params={"purpose": "     "}, headers=official)
    assert blank.status_code == 400 and "purpose" in blank.text
    assert not [e for e in await _entries(tracking_id) if e["action"] == "personal_data.read"]

    resp = await api.get(
        url, params={"purpose": "call back to locate the pothole"}, headers=official
    )
    assert resp.status_code == 200, resp.text
    [contact] = resp.json()["contacts"]
    assert (contact["name"], contact["phone"]) == ("Asha K", "+91 98450 12345")
    [read] = [e for e in await _entries(tracking_id) if e["action"] == "personal_data.read"]
    assert read["actor"].endswith("test-official")
    assert read["detail"]["purpose"] == "call back to locate the pothole"
    assert "Asha" not in str(read["detail"])  # the log says who looked, not what they saw


async def test_revoking_a_key_is_audited_and_takes_effect_at_once(api, api_keys):
    admin = auth(api_keys["admin"])
    created = (
        await api.post(
            "/v1/apikeys", json={"name": "vendor to revoke", "role": "integrator"}, headers=admin
        )
    ).json()
    token, key_id = created["token"], created["key"]["key_id"]
    assert (await api.get("/v1/apikeys/me", headers=auth(token))).status_code == 200
    resp = await api.post(
        f"/v1/apikeys/{key_id}/revoke", json={"reason": "contract ended"}, headers=admin
    )
    assert resp.status_code == 200 and resp.json()["state"] == "revoked"
    assert (await api.get("/v1/apikeys/me", headers=auth(token))).status_code == 401
    actions = [e["action"] for e in await _entries(key_id)]
    assert actions == ["apikey.create", "apikey.revoke"]
    again = await api.post(f"/v1/apikeys/{key_id}/revoke", json={"reason": "twice"}, headers=admin)
    assert again.status_code == 404


async def test_entries_left_pending_by_a_crash_are_chained_by_the_next_verify(database):
    from records.db import write
    from records.tables import AuditPending

    await audit_log.seal()
    # A worker wrote a change and its entry, then died before its sealer ran.
    await write([], audit=[audit_log.AuditRecord("test.pending", "crash-1", "test")])
    for task in list(audit_log._sealers.values()):
        task.cancel()
    assert await AuditPending.exists()
    result = await civicops("audit", "verify")
    assert result.returncode == 0, result.stdout + result.stderr
    assert not await AuditPending.exists()
    [entry] = await audit_log.entries(0, 10, "crash-1")
    assert entry["action"] == "test.pending"


async def test_the_signing_key_bootstrap_publishes_is_on_the_chain_once(settings, database):
    from cli.bootstrap import bootstrap
    from notices.keys import KeyStore

    kid = KeyStore.from_settings(settings).ensure()
    await bootstrap(settings, demo=False)  # a second bootstrap appends nothing new
    entries = [e for e in await _entries(kid) if e["action"] == "signing_key.publish"]
    assert len(entries) == 1 and entries[0]["actor"] == "bootstrap"


async def test_a_stalled_sealer_does_not_hang_an_operator_creating_a_key(database):
    import asyncpg

    from records.tables import AuditPending

    await audit_log.seal()
    # Another process took the chain's lock and stopped (paused, swapped out, debugged).
    holder = await asyncpg.connect(database)
    try:
        await holder.execute("SELECT pg_advisory_lock(hashtext('civicops:audit'))")
        created = await civicops("apikeys", "create", "--role", "integrator", "--name", "stall")
        assert created.returncode == 0, created.stderr
        key_id = created.stdout.strip().splitlines()[-1].split("_", 2)[1]
        # The key exists and its entry is committed, waiting for the chain.
        [waiting] = await AuditPending.select().where(AuditPending.subject == key_id)
        assert waiting["action"] == "apikey.create"
    finally:
        await holder.close()  # the stalled holder goes away, and its lock with it
    result = await civicops("audit", "verify")
    assert result.returncode == 0, result.stdout + result.stderr
    [entry] = await audit_log.entries(0, 10, key_id)
    assert entry["action"] == "apikey.create"
