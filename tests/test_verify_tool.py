"""The auditor's /verify page: the tool (PDF upload, camera scanner, pasted QR text) in English
and Kannada, and with `?qr=` the same verdict the QR's own URL gives. Real app, worker, S3."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from test_verify_page import BROWSER, scanned_qr

from domain.staff_words import STAFF_UI

JSQR = "/static/vendor/jsqr/jsQR.js"
VENDOR = Path(__file__).resolve().parents[1] / "api" / "static" / "vendor"


def page_data(html: str) -> dict:
    """The page-data block the script reads."""
    block = re.search(r'<script type="application/json" id="page-data">(.*?)</script>', html, re.S)
    assert block, "no page-data block"
    return json.loads(block.group(1))


async def test_the_tool_is_a_public_page_with_a_label_for_every_input_in_english_and_kannada(api):
    for lang in ("en", "kn"):
        page = await api.get("/verify", params={"lang": lang}, headers={"Accept": BROWSER})
        assert page.status_code == 200, page.text
        assert page.headers["content-type"].startswith("text/html")
        assert "script-src 'self'" in page.headers["content-security-policy"]
        html = page.text
        words = STAFF_UI[lang]
        assert f'<html lang="{lang}">' in html
        for key in ("verify_title", "verify_pdf_h", "verify_camera_h", "verify_paste_h"):
            assert words[key] in html, (lang, key)
        # No verdict yet, but the region it will appear in is there and polite.
        assert 'id="verdict" class="verify-verdict" aria-live="polite"' in html
        assert 'class="verdict' not in html
        # Every input has its label: the PDF, the pasted QR text (the camera has a name).
        for field in ("pdf-file", "qr-text"):
            assert f'<label for="{field}">' in html and f'id="{field}"' in html, field
        assert f'aria-label="{words["verify_camera_label"]}"' in html
        assert 'type="file" id="pdf-file" name="file" accept="application/pdf' in html
        # The paste form works without the script: a GET to this page.
        assert '<form method="get" action="/verify"' in html and 'name="qr"' in html
        # The script is a file (the policy forbids inline script); the words it shows come
        # from the catalogue, in the page's language.
        assert '<script type="module" src="/static/app/verify.js"></script>' in html
        data = page_data(html)
        assert data["lang"] == lang and data["verify"] == "/v1/notices/verify"
        assert data["words"]["verify_signed"] == words["verify_signed"]
        assert {k for k in words if k.startswith("verify_")} <= set(data["words"])


async def test_the_page_loads_the_vendored_qr_reader_and_the_app_serves_both_scripts(api):
    page = await api.get("/verify", headers={"Accept": BROWSER})
    assert JSQR in page.text and page_data(page.text)["jsqr"] == JSQR
    reader = await api.get(JSQR)
    assert reader.status_code == 200
    assert reader.headers["content-type"].startswith("text/javascript")
    assert 'root["jsQR"] = factory()' in reader.text  # the UMD build: window.jsQR
    manifest = json.loads((VENDOR / "manifest.json").read_text())
    [jsqr] = [p for p in manifest["packages"] if p["name"] == "jsqr"]
    [entry] = [f for f in jsqr["files"] if f["path"] == "jsqr/jsQR.js"]
    assert hashlib.sha256(reader.content).hexdigest() == entry["sha256"]
    script = await api.get("/static/app/verify.js")
    assert script.status_code == 200
    assert "window.jsQR" in script.text and 'body.append("file"' in script.text


async def test_a_real_notices_qr_on_the_page_says_valid_signed_by_key_for_the_complaint(
    api, api_keys
):
    tracking_id, qr = await scanned_qr(api, api_keys)
    page = await api.get("/verify", params={"qr": qr}, headers={"Accept": BROWSER})
    assert page.status_code == 200, page.text
    assert 'class="verdict valid"' in page.text and tracking_id in page.text
    said = re.search(r'<p id="verdict-message">(.*?)</p>', page.text, re.S)
    assert said and said.group(1).startswith("Valid: signed by key k")
    assert "{" not in said.group(1) and f"for complaint {tracking_id}." in said.group(1)
    assert " IST" in said.group(1) or "2026" in said.group(1)  # the date, in India time
    # The same verdict the QR's own URL gives, with the tool below it.
    own = await api.get("/v1/notices/verify", params={"qr": qr}, headers={"Accept": BROWSER})
    message = re.search(r'<p id="verdict-message">(.*?)</p>', own.text, re.S)
    assert message and message.group(0) in page.text
    assert 'id="pdf-file"' in page.text and 'id="pdf-file"' not in own.text
    assert '<a href="/verify">' in own.text  # the QR's page leads to the tool
    kannada = await api.get("/verify", params={"qr": qr, "lang": "kn"}, headers={"Accept": BROWSER})
    assert 'class="verdict valid"' in kannada.text
    assert STAFF_UI["kn"]["verify_valid"] in kannada.text
    opening = STAFF_UI["kn"]["verify_signed"].split("{")[0]
    assert f'<p id="verdict-message">{opening}{tracking_id}' in kannada.text  # in Kannada
    assert STAFF_UI["kn"]["verify_pdf_h"] in kannada.text


async def test_a_qr_changed_by_one_byte_says_invalid_and_a_foreign_string_says_why(api, api_keys):
    _, qr = await scanned_qr(api, api_keys)
    position = len(qr) - 5  # inside the signature
    changed = qr[:position] + ("A" if qr[position] != "A" else "B") + qr[position + 1 :]
    assert len(changed) == len(qr) and changed != qr
    page = await api.get("/verify", params={"qr": changed}, headers={"Accept": BROWSER})
    assert page.status_code == 200, page.text
    assert 'class="verdict invalid"' in page.text and 'class="verdict valid"' not in page.text
    assert "invalid:" in page.text
    junk = await api.get("/verify", params={"qr": "not a notice"}, headers={"Accept": BROWSER})
    assert junk.status_code == 400 and 'class="verdict invalid"' in junk.text
    assert 'id="qr-text"' in junk.text  # and the tool, to try again


async def test_a_pasted_qr_link_is_checked_too(api, api_keys):
    tracking_id, qr = await scanned_qr(api, api_keys)
    public_url = api.app.state.settings.public_url
    link = f"{public_url}/v1/notices/verify?qr={qr}"
    page = await api.get("/verify", params={"qr": f"  {link}\n"}, headers={"Accept": BROWSER})
    assert page.status_code == 200 and 'class="verdict valid"' in page.text, page.text
    assert f"for complaint {tracking_id}" in page.text
