"""Every /v1 route is guarded: no key is 401, a wrong role is 403, public routes need no key."""

from __future__ import annotations

from datetime import UTC, datetime

from helpers import auth, in_malleshwaram, pothole

from records.tables import ApiKey

# Anyone holding a notice may verify it, with the published keys: auditors need no account.
PUBLIC_PATHS = {
    "/health",
    "/v1/categories",
    "/v1/zones",
    "/v1/keys",
    "/v1/notices/verify",
    "/v1/audit/head",  # published so copies kept elsewhere make tampering evident
    # Public figures: counts and shares with no personal data, rate-limited per address.
    "/v1/stats/summary",
    "/v1/stats/wards",
    "/v1/stats/trends",
    "/v1/stats/heatmap",
    # Which breach-risk model sets priorities, and its scores beside the baseline's.
    "/v1/models",
    # The privacy notice, and the citizen's rights: the citizen token proves control.
    "/v1/privacy/notice",
    "/v1/privacy/access",
    "/v1/privacy/correct",
    "/v1/privacy/erase",
    "/v1/privacy/withdraw",
}
# A path whose methods differ: citizens lodge a grievance (token), officials list them.
PUBLIC_METHODS = {("POST", "/v1/privacy/grievances")}
# The dashboard's pages and their assets: HTML and files anyone may open, no personal data.
PUBLIC_PAGES = {"/", "/wards/{city:str}/{ward:str}", "/hotspots"}
# The staff sign-in pages need no key: they check the session cookie and the CSRF token.
PUBLIC_PAGES |= {"/signin", "/signout", "/me", "/invite/{token:str}"}
# The people's pages (issue 16) read no key either: staff pages check the session and CSRF
# (tests/test_page_access.py), citizens' pages the form token and the citizen token.
PUBLIC_PAGES |= {"/report", "/report/token", "/report/send", "/report/upload", "/report/classify",
                 "/report/nearby", "/sw.js", "/verify", "/track/{tracking_id:str}",
                 "/track/{tracking_id:str}/{action:str}", "/report/points", "/report/pseudonym",
                 "/board/{city:str}", "/board/{city:str}/{ward:str}", "/privacy"}  # fmt: skip
PUBLIC_PREFIXES_PAGES = ("/work",)
# Public copies of filed photos (EXIF stripped, named by their hash) are for everyone.
PUBLIC_PREFIXES = ("/open311/v2", "/static/", "/v1/media/")
# The one keyed route outside /v1: the hotspots page's roster of officials.
KEYED_PAGE_ROUTES = {"/hotspots/officials"}


def _routes(app):  # type: ignore[no-untyped-def]
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if route.path.startswith("/schema") or handler.http_methods == {"OPTIONS"}:
                continue
            yield route.path, handler


async def test_every_v1_route_declares_who_may_call_it(api):
    seen = set()
    for path, handler in _routes(api.app):
        seen.add(path)
        # Open311 routes check the api_key form field themselves (Open311 answers 403).
        if (
            path in PUBLIC_PATHS | PUBLIC_PAGES
            or path.startswith(PUBLIC_PREFIXES)
            or path.startswith(PUBLIC_PREFIXES_PAGES)
            or any((m, path) in PUBLIC_METHODS for m in handler.http_methods)
        ):
            assert handler.opt.get("public") is True, path
        else:
            assert path.startswith("/v1/") or path in KEYED_PAGE_ROUTES, f"{path} is outside /v1"
            assert handler.opt.get("roles"), f"{path} has no roles: it would be open to all"
    assert PUBLIC_PATHS | PUBLIC_PAGES | KEYED_PAGE_ROUTES <= seen


async def test_calls_without_a_key_are_401_and_name_the_header(api):
    for path, handler in _routes(api.app):
        if handler.opt.get("public") is True or path in PUBLIC_PATHS:
            continue
        concrete = (
            path.replace("{tracking_id:str}", "BLR-0000000000")
            .replace("{ref:str}", "BLR-0000000000-ASG0")
            .replace("{official_id:int}", "1")
        )
        for method in handler.http_methods:
            resp = await api.request(method, concrete, json={})
            assert resp.status_code == 401, (method, path, resp.text)
            assert "API key" in resp.json()["detail"]


async def test_a_wrong_or_malformed_key_is_401(api, api_keys):
    good = api_keys["citizen-app"]
    for bad in (good[:-2] + "xx", "cvk_nothere_secret", "not-a-key", good + " extra"):
        resp = await api.post("/v1/complaints", json=pothole(*in_malleshwaram()), headers=auth(bad))
        assert resp.status_code == 401, bad


async def test_roles_that_may_not_file_get_403(api, api_keys):
    for role in ("auditor", "supervisor"):
        resp = await api.post(
            "/v1/complaints", json=pothole(*in_malleshwaram()), headers=auth(api_keys[role])
        )
        assert resp.status_code == 403, role
    for role in ("citizen-app", "integrator", "official", "admin"):
        resp = await api.post(
            "/v1/complaints", json=pothole(*in_malleshwaram()), headers=auth(api_keys[role])
        )
        assert resp.status_code == 202, role


async def test_x_api_key_header_works_too(api, api_keys):
    resp = await api.get(
        "/v1/complaints/BLR-0000000000", headers={"X-API-Key": api_keys["auditor"]}
    )
    assert resp.status_code == 404


async def test_revoked_key_is_401(api, database):
    from domain.roles import Role
    from records.apikeys import create_key

    token, row = await create_key("soon revoked", Role.INTEGRATOR)
    await ApiKey.update({ApiKey.revoked_at: datetime.now(UTC)}).where(ApiKey.id == row.id)
    resp = await api.post("/v1/complaints", json=pothole(*in_malleshwaram()), headers=auth(token))
    assert resp.status_code == 401


async def test_keys_are_stored_only_as_hashes(database):
    from domain.roles import Role
    from records.apikeys import create_key

    token, row = await create_key("hash check", Role.AUDITOR)
    stored = await ApiKey.select().where(ApiKey.id == row.id).first()
    secret = token.split("_", 2)[2]
    assert all(secret not in str(v) for v in stored.values())
