"""A third party verifies notices from docs/notice-format.md alone, and the doc cannot go stale."""

from __future__ import annotations

import ast
import base64
import hashlib
import importlib.util
import itertools
import json
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import independent_verifier as iv
import pytest
from helpers import notice_content

from notices import pdfseal, signing
from notices.keys import KeyStore
from notices.model import NoticeKind, notice_id
from notices.sealing import SealedNotice, seal_notice

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "notice-format.md"
PUBLIC_URL = "https://civicops.example"


def _vector_script() -> ModuleType:
    """scripts/notice_test_vector.py, imported from its path."""
    spec = importlib.util.spec_from_file_location(
        "notice_test_vector", REPO / "scripts" / "notice_test_vector.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def _doc_blocks() -> dict[str, str]:
    """The vector's code blocks in the document, by their `vector:<name>` label."""
    text = DOC.read_text(encoding="utf-8")
    pattern = re.compile(r"<!-- vector:(\S+) -->\n```[a-z]*\n(.*?)\n```", re.DOTALL)
    return {name: body for name, body in pattern.findall(text)}


def _issue(store: KeyStore, **overrides) -> SealedNotice:  # type: ignore[no-untyped-def]
    """A rendered, signed notice from the store's current key."""
    kid, key = store.signing_key()
    return seal_notice(notice_content(kid, **overrides), key, PUBLIC_URL)


def _published(store: KeyStore) -> dict[str, iv.Key]:
    """The keys as a third party gets them: the JWKS as JSON text."""
    return iv.load_jwks(json.loads(json.dumps(store.jwks())))


@pytest.fixture
def store(tmp_path: Path) -> KeyStore:
    """A key folder of its own with one signing key."""
    keys = KeyStore(tmp_path / "keys")
    keys.ensure()
    return keys


def test_the_documented_test_vector_is_what_the_code_makes_now():
    script = _vector_script()
    documented = script.document_vector(DOC.read_text(encoding="utf-8"))
    assert documented, "docs/notice-format.md has lost its test vector section"
    assert documented == script.markdown(script.make_vector()), (
        "docs/notice-format.md is stale: run scripts/notice_test_vector.py --write"
    )


def test_the_documented_test_vector_verifies_by_the_document_alone():
    blocks = _doc_blocks()
    keys = iv.load_jwks({"keys": [json.loads(blocks["jwk"])]})
    sealed = base64.b64decode(blocks["sealed-base64"])
    # The literal listings are the same bytes as the base64 (LF line ends, spaces kept).
    assert (blocks["page"] + "\n" + blocks["section"] + "\n").encode("utf-8") == sealed
    envelope = iv.verify_notice(sealed, blocks["qr-text"], keys)
    assert iv.verify_qr(blocks["qr-compact"], keys).notice_id == "BLR-7K3M9QX2AB-ASG0"
    payload = blocks["payload"].encode("utf-8")
    assert iv.canonical(envelope["payload"]) == payload
    digest = hashlib.sha256(payload).digest()
    assert iv.qr_message("BLR-7K3M9QX2AB-ASG0", envelope["key_id"], digest) == bytes.fromhex(
        blocks["qr-message"].replace("\n", "")
    )
    page = blocks["page"].encode("ascii") + b"\n"
    document = iv.document_message(digest, hashlib.sha256(page).digest())
    assert document == bytes.fromhex(blocks["doc-message"].replace("\n", ""))
    assert iv.canonical(envelope) == blocks["envelope"].encode("utf-8")


@pytest.mark.parametrize("language", ["kn", "hi", "ta", "en"])
def test_a_rendered_notice_verifies_by_the_document_alone(store, language):
    sealed = _issue(store, language=language)
    envelope = iv.verify_notice(sealed.pdf, sealed.qr_text, _published(store))
    assert envelope["notice_id"] == "BLR-7K3M9QX2AB-ASG0"
    assert envelope["payload"]["language"] == language


def test_a_closure_certificate_verifies_by_the_document_alone(store):
    sealed = _issue(
        store,
        kind=NoticeKind.CLOSURE,
        level=1,
        resolved_at=datetime(2026, 11, 26, 6, 30, tzinfo=UTC),
        proof=("after:" + "ab" * 32, "before:" + "cd" * 32),
    )
    envelope = iv.verify_notice(sealed.pdf, sealed.qr_text, _published(store))
    assert envelope["payload"]["proof"][0].startswith("after:")


def test_rotation_keeps_old_notices_valid_and_revocation_ends_them(store):
    old = _issue(store)
    old_kid = old.key_id
    store.rotate()
    keys = _published(store)
    iv.verify_notice(old.pdf, old.qr_text, keys)  # retired, still valid
    assert {k["kid"]: k["status"] for k in store.jwks()["keys"]}[old_kid] == "retired"
    store.revoke(old_kid, "laptop stolen")
    with pytest.raises(iv.Rejected, match="revoked"):
        iv.verify_pdf(old.pdf, _published(store))
    with pytest.raises(iv.Rejected, match="revoked"):
        iv.verify_qr(old.qr_text, _published(store))


def test_any_changed_byte_fails_the_independent_verifier(store):
    sealed = _issue(store)
    keys = _published(store)
    section = sealed.pdf.rindex(iv.MARKER)
    positions = [*range(0, len(sealed.pdf), 89), *range(section - 300, len(sealed.pdf))]
    for at in positions:
        changed = sealed.pdf[:at] + bytes([sealed.pdf[at] ^ 0x20]) + sealed.pdf[at + 1 :]
        with pytest.raises(iv.Rejected):
            iv.verify_pdf(changed, keys)
    with pytest.raises(iv.Rejected):
        iv.verify_pdf(sealed.pdf + b"\n", keys)
    for cut in (1, 7, 100, len(sealed.pdf) - section):
        with pytest.raises(iv.Rejected):
            iv.verify_pdf(sealed.pdf[:-cut], keys)


def test_a_changed_qr_string_fails_the_independent_verifier(store):
    sealed = _issue(store)
    keys = _published(store)
    compact = sealed.qr_text.split("qr=", 1)[1]
    for at in range(len("CVN1."), len(compact)):
        if compact[at] == ".":
            continue
        swapped = "B" if compact[at] != "B" else "C"
        with pytest.raises(iv.Rejected):
            iv.verify_qr(compact[:at] + swapped + compact[at + 1 :], keys)
    other = _issue(store, tracking_id="BLR-0000000001")
    with pytest.raises(iv.Rejected, match="another notice"):
        iv.verify_notice(sealed.pdf, other.qr_text, keys)


def test_the_independent_verifier_imports_nothing_from_civicops():
    tree = ast.parse(Path(iv.__file__).read_text(encoding="utf-8"))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0 and node.module
            roots.add(node.module.split(".")[0])
    third_party = roots - set(sys.stdlib_module_names) - {"__future__"}
    assert third_party == {"cryptography"}, third_party


def test_notice_numbers_follow_the_documented_grammar_and_the_api_accepts_them():
    from api.controllers.notices import NOTICE_ID_RE

    tracking = r"[A-Z]{3}-[0-9A-HJKMNP-TV-Z]{10,11}"
    documented = re.compile(rf"{tracking}-(ASG|ESC|SLA|CLS)[0-9]{{1,2}}(-[1-9][0-9]{{0,3}})?")
    for kind, tracking_id in itertools.product(NoticeKind, ("BLR-7K3M9QX2AB", "BLR-7K3M9QX2ABN")):
        for level, seq in ((0, 0), (3, 0), (3, 1), (12, 40)):
            number = notice_id(tracking_id, kind, level, seq)
            assert documented.fullmatch(number), number
            assert NOTICE_ID_RE.match(number), f"the API refuses notice number {number}"
            assert iv.is_id(number)


def test_the_documented_limits_and_strings_are_the_codes():
    text = DOC.read_text(encoding="utf-8")
    assert iv.MAX_SECTION == pdfseal.MAX_SECTION and f"{pdfseal.MAX_SECTION:,}" in text
    assert iv.MAX_ENVELOPE == pdfseal.MAX_ENVELOPE and f"{pdfseal.MAX_ENVELOPE:,}" in text
    assert f"nested at most {pdfseal.MAX_DEPTH} deep" in text
    assert iv.MARKER == pdfseal.MARKER
    assert f"more than {signing.MAX_QR_TEXT:,} characters" in text
    assert signing.qr_message("N", "K", b"d") == iv.qr_message("N", "K", b"d")
    assert signing.doc_message(b"d", b"c") == iv.document_message(b"d", b"c")
