"""A phone that scans a notice's QR code lands on a page that says whether it is genuine;
an app asking the same URL for JSON gets the verdict as before. Real app, worker, S3."""

from __future__ import annotations

from helpers import auth
from test_notices import file_and_wait, qr_of

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


async def scanned_qr(api, api_keys) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """A real notice's tracking id and the query string its QR code holds."""
    tracking_id, _ = await file_and_wait(api, api_keys)
    pdf = await api.get(f"/v1/notices/{tracking_id}-ASG0.pdf", headers=auth(api_keys["auditor"]))
    return tracking_id, qr_of(pdf.content).split("qr=", 1)[1]


async def test_a_scanned_qr_opens_a_page_saying_valid_signed_by_key_for_the_complaint(
    api, api_keys
):
    tracking_id, qr = await scanned_qr(api, api_keys)
    page = await api.get("/v1/notices/verify", params={"qr": qr}, headers={"Accept": BROWSER})
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["vary"] == "Accept"
    assert "style-src 'self'" in page.headers["content-security-policy"]
    assert 'class="verdict valid"' in page.text and tracking_id in page.text
    assert "Valid: signed by key k" in page.text and f"for complaint {tracking_id}." in page.text
    # An app asking the same URL gets the verdict as JSON, as before.
    data = await api.get("/v1/notices/verify", params={"qr": qr})
    assert data.headers["content-type"].startswith("application/json")
    assert data.json()["valid"] is True


async def test_a_changed_or_unreadable_qr_opens_a_page_saying_why_not(api, api_keys):
    _, qr = await scanned_qr(api, api_keys)
    changed = qr[:-3] + ("AAA" if not qr.endswith("AAA") else "BBB")
    page = await api.get("/v1/notices/verify", params={"qr": changed}, headers={"Accept": BROWSER})
    assert page.headers["content-type"].startswith("text/html"), page.text
    assert 'class="verdict invalid"' in page.text
    junk = await api.get(
        "/v1/notices/verify", params={"qr": "not a notice"}, headers={"Accept": BROWSER}
    )
    assert junk.status_code == 400 and 'class="verdict invalid"' in junk.text
    kannada = await api.get(
        "/v1/notices/verify", params={"qr": qr, "lang": "kn"}, headers={"Accept": BROWSER}
    )
    assert "ಈ ನೋಟಿಸ್ ನಿಜವೇ?" in kannada.text
