"""An auditor proves a notice genuine and unaltered with nothing but the public key."""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import notice_content
from reportlab.pdfgen import canvas

from cli.main import cli
from notices import pdfseal, signing
from notices.keys import KeyStore, SigningKeyError, load_public_keys
from notices.sealing import SealedNotice, seal_notice
from notices.verify import Keyring, Reason, match_qr, verify_pdf, verify_qr

PUBLIC_URL = "https://civicops.example"


@pytest.fixture
def store(tmp_path: Path) -> KeyStore:
    keys = KeyStore(tmp_path / "keys")
    keys.ensure()
    return keys


def issue(store: KeyStore, **overrides) -> SealedNotice:  # type: ignore[no-untyped-def]
    kid, key = store.signing_key()
    return seal_notice(notice_content(kid, **overrides), key, PUBLIC_URL)


def keyring(store: KeyStore) -> Keyring:
    return Keyring(store.public_keys().values())


def rejected(data: bytes, ring: Keyring) -> Reason | str:
    """The reason a changed file is refused: a verdict reason or the 4xx error class."""
    try:
        verdict = verify_pdf(data, ring)
    except (pdfseal.NotAPdf, pdfseal.Unsigned) as exc:
        return type(exc).__name__
    assert not verdict.valid, f"a changed file verified: {verdict.message}"
    assert verdict.reason is not None
    return verdict.reason


def flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def test_genuine_notice_is_valid_offline_with_key_date_and_complaint(store):
    sealed = issue(store)
    verdict = verify_pdf(sealed.pdf, keyring(store))
    assert verdict.valid, verdict.message
    assert verdict.message == (
        f"valid, signed by key {sealed.key_id} on 24 Nov 2026, 14:30 IST "
        "for complaint BLR-7K3M9QX2AB (notice BLR-7K3M9QX2AB-ASG0)"
    )
    assert verdict.checked == [
        "key",
        "payload_digest",
        "content_digest",
        "document_signature",
        "qr_signature",
    ]


def test_scanned_qr_string_verifies_offline_and_names_its_url(store):
    sealed = issue(store)
    assert sealed.qr_text.startswith(f"{PUBLIC_URL}/v1/notices/verify?qr=CVN1.BLR-7K3M9QX2AB-ASG0.")
    compact = sealed.qr_text.split("qr=", 1)[1]
    for text in (sealed.qr_text, compact):
        verdict = verify_qr(text, keyring(store))
        assert verdict.valid, verdict.message
        assert verdict.tracking_id == "BLR-7K3M9QX2AB"
        assert verdict.payload_sha256 == sealed.payload_sha256.hex()


def test_the_same_notice_signed_twice_is_byte_identical(store):
    assert issue(store).pdf == issue(store).pdf


def test_changing_any_byte_of_the_page_content_is_detected(store):
    sealed = issue(store)
    ring = keyring(store)
    signed_len = sealed.pdf.index(pdfseal.MARKER)
    # Every 101st byte of the rendered page (headers, fonts, text, the QR drawing) and
    # every byte of the last kilobyte before the signature section.
    positions = [*range(0, signed_len, 101), *range(max(0, signed_len - 1024), signed_len)]
    reasons = {rejected(flip(sealed.pdf, at), ring) for at in positions}
    assert reasons <= {Reason.CONTENT_ALTERED, "NotAPdf"}
    assert Reason.CONTENT_ALTERED in reasons


def test_changing_any_byte_of_the_signature_section_is_detected(store):
    sealed = issue(store)
    ring = keyring(store)
    start = sealed.pdf.index(pdfseal.MARKER)
    reasons = {rejected(flip(sealed.pdf, at), ring) for at in range(start, len(sealed.pdf))}
    allowed = {Reason.CONTENT_ALTERED, Reason.BAD_SIGNATURE, Reason.UNKNOWN_KEY, "Unsigned"}
    assert reasons <= allowed


def test_edited_payload_field_is_content_altered(store):
    sealed = issue(store)
    forged = sealed.pdf.replace(b'"assignee_name":"Lakshmi', b'"assignee_name":"Lakshmy')
    assert forged != sealed.pdf
    verdict = verify_pdf(forged, keyring(store))
    assert (verdict.valid, verdict.reason) == (False, Reason.CONTENT_ALTERED)
    assert "payload" in verdict.message


def _swap_b64_char(data: bytes, field: str) -> bytes:
    match = re.search(rb'"%s":"([A-Za-z0-9_-]+)"' % field.encode(), data)
    assert match
    at = match.start(1) + 10
    new = b"B" if data[at : at + 1] != b"B" else b"C"
    return data[:at] + new + data[at + 1 :]


@pytest.mark.parametrize("field", ["signature", "qr_signature"])
def test_altered_signature_is_bad_signature(store, field):
    sealed = issue(store)
    verdict = verify_pdf(_swap_b64_char(sealed.pdf, field), keyring(store))
    assert (verdict.valid, verdict.reason) == (False, Reason.BAD_SIGNATURE)


def test_a_changed_padding_bit_in_a_signature_is_not_ignored(store):
    sealed = issue(store)
    sig = signing.b64url(sealed.signature)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    # 64 bytes take 86 characters; the last carries 2 data bits and 4 padding bits, so a
    # lenient decoder reads this twin as the very same signature.
    twin = sig[:-1] + alphabet[alphabet.index(sig[-1]) ^ 1]
    forged = sealed.pdf.replace(sig.encode(), twin.encode())
    assert forged != sealed.pdf
    verdict = verify_pdf(forged, keyring(store))
    assert (verdict.valid, verdict.reason) == (False, Reason.CONTENT_ALTERED)


def test_notice_signed_with_another_key_under_this_key_id_is_bad_signature(store, tmp_path):
    other = KeyStore(tmp_path / "other")
    other.ensure()
    kid, _ = store.signing_key()
    forged = seal_notice(notice_content(kid), other.signing_key()[1], PUBLIC_URL)
    verdict = verify_pdf(forged.pdf, keyring(store))
    assert (verdict.valid, verdict.reason) == (False, Reason.BAD_SIGNATURE)
    qr = verify_qr(forged.qr_text, keyring(store))
    assert (qr.valid, qr.reason) == (False, Reason.BAD_SIGNATURE)


def test_notice_from_an_unpublished_key_is_unknown_key(store, tmp_path):
    other = KeyStore(tmp_path / "other")
    other.ensure()
    sealed = issue(other)
    verdict = verify_pdf(sealed.pdf, keyring(store))
    assert (verdict.valid, verdict.reason) == (False, Reason.UNKNOWN_KEY)
    assert verify_qr(sealed.qr_text, keyring(store)).reason == Reason.UNKNOWN_KEY


def test_one_notices_qr_replayed_against_another_notices_pdf_is_rejected(store):
    first = issue(store)
    second = issue(store, tracking_id="BLR-8M4N0RY3BC")
    ring = keyring(store)
    verdict = match_qr(verify_pdf(second.pdf, ring), verify_qr(first.qr_text, ring))
    assert (verdict.valid, verdict.reason) == (False, Reason.PAYLOAD_MISMATCH)
    assert "BLR-7K3M9QX2AB-ASG0" in verdict.message
    # Transplanting the first notice's signature section onto the second page fails too.
    at1, at2 = first.pdf.index(pdfseal.MARKER), second.pdf.index(pdfseal.MARKER)
    transplanted = second.pdf[:at2] + first.pdf[at1:]
    assert rejected(transplanted, ring) == Reason.CONTENT_ALTERED


def test_rotation_keeps_old_notices_valid_and_revocation_invalidates_them(store):
    old = issue(store)
    old_kid = old.key_id
    new_kid = store.rotate()
    assert new_kid != old_kid and store.signing_key()[0] == new_kid
    newer = issue(store)
    assert newer.key_id == new_kid
    assert verify_pdf(old.pdf, keyring(store)).valid
    store.revoke(old_kid, "laptop lost")
    verdict = verify_pdf(old.pdf, keyring(store))
    assert (verdict.valid, verdict.reason) == (False, Reason.REVOKED_KEY)
    assert "laptop lost" in verdict.message
    assert verify_qr(old.qr_text, keyring(store)).reason == Reason.REVOKED_KEY
    assert verify_pdf(newer.pdf, keyring(store)).valid


def test_revoking_the_signing_key_replaces_it(store):
    kid = store.signing_key()[0]
    replacement = store.revoke(kid, "compromised")
    assert replacement and replacement != kid
    assert store.signing_key()[0] == replacement
    statuses = {k["kid"]: k["status"] for k in store.jwks()["keys"]}
    assert statuses == {kid: "revoked", replacement: "active"}


def test_private_key_file_is_owner_only_and_encrypted_with_a_passphrase(tmp_path):
    plain = KeyStore(tmp_path / "plain")
    kid = plain.ensure()
    key_file = tmp_path / "plain" / f"{kid}.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "plain").stat().st_mode) == 0o700
    assert b"BEGIN PRIVATE KEY" in key_file.read_bytes()

    locked = KeyStore(tmp_path / "locked", passphrase="correct horse battery")
    kid = locked.ensure()
    pem = (tmp_path / "locked" / f"{kid}.key").read_bytes()
    assert b"BEGIN ENCRYPTED PRIVATE KEY" in pem
    with pytest.raises(SigningKeyError, match="CIVICOPS_SIGNING_KEY_PASSPHRASE"):
        KeyStore(tmp_path / "locked").private_key(kid)
    with pytest.raises(SigningKeyError, match="wrong passphrase"):
        KeyStore(tmp_path / "locked", passphrase="wrong").private_key(kid)
    assert KeyStore(tmp_path / "locked", passphrase="correct horse battery").signing_key()[0] == kid


def test_files_that_are_not_signed_notices_are_refused(store):
    ring = keyring(store)
    with pytest.raises(pdfseal.NotAPdf):
        verify_pdf(b"hello, this is not a PDF", ring)
    sealed = issue(store)
    with pytest.raises(pdfseal.NotAPdf):
        verify_pdf(sealed.pdf[:2000], ring)  # cut off
    plain = _plain_pdf()
    with pytest.raises(pdfseal.Unsigned):
        verify_pdf(plain, ring)


def _plain_pdf() -> bytes:
    import io

    buf = io.BytesIO()
    page = canvas.Canvas(buf)
    page.drawString(72, 720, "An ordinary PDF")
    page.save()
    return buf.getvalue()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("CVN1.BLR-7K3M9QX2AB-ASG0.k1.not*base64.AAAA", "digest is not base64url"),
        ("CVN1.BLR-7K3M9QX2AB-ASG0.k1.AAAA.AAAA", "digest must be 32 bytes"),
        ("hello", "qr must look like"),
        ("https://civicops.example/v1/notices/verify", "no qr= parameter"),
        ("x" * 3000, "longer than"),
    ],
)
def test_qr_strings_that_are_not_notices_are_refused_with_the_reason(text, message):
    with pytest.raises(ValueError, match=message):
        signing.parse_qr(text)


def test_cli_verifies_offline_with_a_published_jwks_or_pem(store, tmp_path):
    sealed = issue(store)
    pdf = tmp_path / "notice.pdf"
    pdf.write_bytes(sealed.pdf)
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(store.jwks()))
    runner = CliRunner()
    result = runner.invoke(cli, ["verify", str(pdf), "--public-key", str(jwks)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == verify_pdf(sealed.pdf, keyring(store)).message

    from cryptography.hazmat.primitives import serialization

    pem = tmp_path / "key.pem"
    pem.write_bytes(
        store.public_keys()[sealed.key_id].public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    assert len(load_public_keys(pem)) == 1
    result = runner.invoke(cli, ["verify", str(pdf), "--public-key", str(pem), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["valid"] is True

    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(flip(sealed.pdf, 5000))
    result = runner.invoke(cli, ["verify", str(tampered), "--public-key", str(jwks)])
    assert result.exit_code == 1
    assert result.output.startswith("invalid: the page content was changed")

    result = runner.invoke(cli, ["verify", "--qr", sealed.qr_text, "--public-key", str(jwks)])
    assert result.exit_code == 0 and result.output.startswith("valid, signed by key")

    plain = tmp_path / "plain.pdf"
    plain.write_bytes(_plain_pdf())
    result = runner.invoke(cli, ["verify", str(plain), "--public-key", str(jwks)])
    assert result.exit_code == 2 and "no CivicOps notice signature" in result.output


def test_cli_keys_rotate_revoke_list_and_export(tmp_path, database, monkeypatch):
    folder = tmp_path / "cli-keys"
    monkeypatch.setenv("CIVICOPS_KEYS_DIR", str(folder))
    runner = CliRunner()
    first = runner.invoke(cli, ["keys", "rotate"])
    assert first.exit_code == 0, first.output
    kid1 = first.output.split()[-1]
    kid2 = runner.invoke(cli, ["keys", "rotate"]).output.split()[-1]
    revoked = runner.invoke(cli, ["keys", "revoke", kid1, "--reason", "test"])
    assert revoked.exit_code == 0 and f"key {kid1} revoked" in revoked.output
    listing = runner.invoke(cli, ["keys", "list"]).output
    assert re.search(rf"{kid1}\s+revoked", listing) and re.search(rf"{kid2}\s+active", listing)
    exported = json.loads(runner.invoke(cli, ["keys", "export"]).output)
    assert {k["kid"]: k["status"] for k in exported["keys"]} == {kid1: "revoked", kid2: "active"}
    assert all("d" not in k for k in exported["keys"])  # never the private part
    unknown = runner.invoke(cli, ["keys", "revoke", "k00000000-deadbeef"])
    assert unknown.exit_code == 2 and "no key" in unknown.output
    assert os.environ["CIVICOPS_KEYS_DIR"] == str(folder)


def test_closure_certificate_signs_its_proof_and_older_notices_keep_their_payload(store):
    from datetime import UTC, datetime

    from notices.model import NoticeContent

    kid = store.ensure()
    plain = notice_content(kid)
    assert "proof" not in plain.payload() and "resolved_at" not in plain.payload()
    closure = notice_content(
        kid,
        kind="closure",
        resolved_at=datetime(2026, 11, 26, 6, 5, tzinfo=UTC),
        proof=("after:" + "ab" * 32,),
    )
    assert closure.payload()["proof"] == ["after:" + "ab" * 32]
    assert NoticeContent.from_payload(closure.payload()) == closure
    assert NoticeContent.from_payload(plain.payload()) == plain
    sealed = seal_notice(closure, store.private_key(kid), "https://civicops.example")
    verdict = verify_pdf(sealed.pdf, keyring(store))
    assert verdict.valid, verdict.message
