"""The vendored browser libraries are exactly what scripts/vendor.py copied from npm."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VENDOR = REPO / "api" / "static" / "vendor"
MANIFEST = json.loads((VENDOR / "manifest.json").read_text())


def _script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("vendor_script", REPO / "scripts" / "vendor.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _listed() -> dict[str, dict]:
    return {f["path"]: f for package in MANIFEST["packages"] for f in package["files"]}


def test_every_vendored_file_matches_its_hash_in_the_manifest():
    for path, entry in _listed().items():
        data = (VENDOR / path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], path
        assert len(data) == entry["bytes"], path


def test_no_file_in_the_vendor_folder_is_missing_from_the_manifest():
    files = {p.relative_to(VENDOR).as_posix() for p in VENDOR.rglob("*") if p.is_file()}
    present = files - {"manifest.json"}
    assert present == set(_listed()), sorted(present ^ set(_listed()))


def test_every_package_carries_its_licence():
    for package in MANIFEST["packages"]:
        assert package["licence"], package["name"]
        assert package["licence_files"], package["name"]
        listed = {f["path"] for f in package["files"]}
        for path in package["licence_files"]:
            assert path in listed, path
            assert (VENDOR / path).stat().st_size > 0, path
        assert any(Path(p).name.startswith("LICENSE") for p in package["licence_files"])


def test_the_manifest_records_the_pinned_versions_and_their_npm_tarballs():
    pinned = {p.name: p.version for p in _script().PACKAGES}
    recorded = {p["name"]: p["version"] for p in MANIFEST["packages"]}
    assert recorded == pinned
    for package in MANIFEST["packages"]:
        name, version = package["name"], package["version"]
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), (name, version)  # exact, not a range
        assert package["tarball"] == f"https://registry.npmjs.org/{name}/-/{name}-{version}.tgz"
        assert package["integrity"].startswith("sha512-"), name
        for entry in package["files"]:
            assert entry["path"].startswith(f"{name}/"), entry["path"]


def test_the_dashboard_libraries_leave_room_in_the_phone_budget():
    # Leaflet and uPlot are what the dashboard loads; the page's budget is 500 KB in all.
    files = _listed()
    dashboard = [
        "leaflet/leaflet.js",
        "leaflet/leaflet.css",
        "uplot/uPlot.iife.min.js",
        "uplot/uPlot.min.css",
    ]
    assert sum(files[path]["bytes"] for path in dashboard) < 250 * 1024


async def test_the_app_serves_the_copies_with_cache_headers_and_hides_its_folders():
    import httpx

    from api.app import create_app
    from api.headers import security_headers
    from settings import Settings

    app = security_headers(create_app(Settings.from_env()))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://civicops.test") as client:
        for path, entry in _listed().items():
            answer = await client.get(f"/static/vendor/{path}")
            assert answer.status_code == 200, path
            assert hashlib.sha256(answer.content).hexdigest() == entry["sha256"], path
            assert answer.headers["cache-control"] == "max-age=86400, public", path
        script = await client.get("/static/vendor/leaflet/leaflet.js")
        assert script.headers["content-type"].startswith("text/javascript")
        own = await client.get("/static/docs/swagger-init.js")
        assert own.status_code == 200 and own.headers["cache-control"] == "max-age=300, public"
        assert "script-src 'self'" in own.headers["content-security-policy"]
        for path in ("/static/vendor/nothing.js", "/static/docs/", "/static/vendor/leaflet",
                     "/static/%2e%2e/assets.py", "/static/vendor/..%2F..%2Fapp.py"):  # fmt: skip
            answer = await client.get(path)
            assert answer.status_code == 404, path
            assert str(REPO) not in answer.text and "api/static" not in answer.text, path
