"""`make vendor`: copy the browser libraries the pages and API docs load into api/static/vendor.

Each package is fetched from npm at the exact version pinned below (`npm pack`, which checks
the tarball against the registry's integrity hash), and only the files the pages load are
copied, with the package's licence files, into `api/static/vendor/<name>/`. The manifest
`api/static/vendor/manifest.json` records each package's version, tarball, integrity and
licence, and each copied file's path, size and SHA-256; `tests/test_vendor.py` checks the
folder against it. The copies are committed, so running CivicOps never needs Node: run this
again only to change a version (edit `PACKAGES`, run `make vendor`, commit the result).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

REPO = Path(__file__).resolve().parents[1]
VENDOR = REPO / "api" / "static" / "vendor"
MANIFEST = VENDOR / "manifest.json"


@dataclass(frozen=True)
class Package:
    """One npm package: its pinned version, the files copied (path in the package -> path in
    the vendor folder) and its licence files."""

    name: str
    version: str
    files: dict[str, str]
    licences: tuple[str, ...]


PACKAGES = (
    Package(
        "leaflet",
        "1.9.4",
        {
            "dist/leaflet.js": "leaflet.js",
            "dist/leaflet.css": "leaflet.css",
            # leaflet.css refers to these as url(images/...)
            "dist/images/layers.png": "images/layers.png",
            "dist/images/layers-2x.png": "images/layers-2x.png",
            "dist/images/marker-icon.png": "images/marker-icon.png",
            "dist/images/marker-icon-2x.png": "images/marker-icon-2x.png",
            "dist/images/marker-shadow.png": "images/marker-shadow.png",
        },
        ("LICENSE",),
    ),
    Package(
        "uplot",
        "1.6.32",
        {"dist/uPlot.iife.min.js": "uPlot.iife.min.js", "dist/uPlot.min.css": "uPlot.min.css"},
        ("LICENSE",),
    ),
    Package(
        "swagger-ui-dist",
        "5.35.0",
        {
            "swagger-ui-bundle.js": "swagger-ui-bundle.js",
            "swagger-ui.css": "swagger-ui.css",
            "favicon-32x32.png": "favicon-32x32.png",
        },
        # Apache-2.0 asks for the NOTICE; the bundle's own file lists what it bundles.
        ("LICENSE", "NOTICE", "swagger-ui-bundle.js.LICENSE.txt"),
    ),
    Package(
        "axe-core",
        "4.14.1",
        {"axe.min.js": "axe.min.js"},
        ("LICENSE", "LICENSE-3RD-PARTY.txt"),
    ),
    # The /verify page's camera scanner decodes a notice's QR code with it.
    Package("jsqr", "1.4.0", {"dist/jsQR.js": "jsQR.js"}, ("LICENSE",)),
)


def sha256(path: Path) -> str:
    """The hex SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _npm(*args: str, cwd: Path) -> object:
    """Run npm with --json and return what it printed, parsed."""
    done = subprocess.run(
        ["npm", *args, "--json"], cwd=cwd, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.exit(f"npm {' '.join(args)} failed:\n{done.stderr}")
    return json.loads(done.stdout)


def _fetch(package: Package, work: Path) -> tuple[Path, dict[str, str]]:
    """Download and unpack one package; return its folder and its registry entry."""
    spec = f"{package.name}@{package.version}"
    (packed,) = _npm("pack", spec, "--ignore-scripts", "--pack-destination", str(work), cwd=work)
    dist = _npm("view", spec, "dist", cwd=work)
    assert isinstance(packed, dict) and isinstance(dist, dict)
    if packed["version"] != package.version or packed["integrity"] != dist["integrity"]:
        sys.exit(f"{spec}: npm packed {packed['version']} {packed['integrity']}, registry says "
                 f"{dist['integrity']}")  # fmt: skip
    root = work / package.name
    with tarfile.open(work / packed["filename"]) as tar:
        tar.extractall(root, filter="data")  # refuses absolute paths and links out of root
    return root / "package", {"integrity": dist["integrity"], "tarball": dist["tarball"]}


def _copy(package: Package, source: Path) -> dict[str, object]:
    """Copy a package's files and licences into the vendor folder; return its manifest entry."""
    meta = json.loads((source / "package.json").read_text())
    files = []
    wanted = {**package.files, **{name: name for name in package.licences}}
    for inside, target in sorted(wanted.items(), key=lambda item: item[1]):
        src = source / inside
        if not src.is_file():
            sys.exit(f"{package.name}@{package.version} has no {inside}")
        dest = VENDOR / package.name / PurePosixPath(target)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
        files.append(
            {
                "path": f"{package.name}/{target}",
                "from": inside,
                "bytes": dest.stat().st_size,
                "sha256": sha256(dest),
            }
        )
    return {
        "name": package.name,
        "version": package.version,
        "licence": meta.get("license"),
        "licence_files": [f"{package.name}/{name}" for name in package.licences],
        "homepage": meta.get("homepage"),
        "files": files,
    }


def vendor() -> dict[str, object]:
    """Replace api/static/vendor with fresh copies of every pinned package and its manifest."""
    if shutil.which("npm") is None:
        sys.exit("make vendor needs npm (Node.js); running CivicOps does not")
    if VENDOR.exists():
        shutil.rmtree(VENDOR)
    VENDOR.mkdir(parents=True)
    entries = []
    with tempfile.TemporaryDirectory(prefix="civicops-vendor-") as tmp:
        for package in PACKAGES:
            source, registry = _fetch(package, Path(tmp))
            entry = _copy(package, source)
            entries.append({**entry, **registry})
    manifest = {
        "about": "Browser libraries copied from npm by scripts/vendor.py (make vendor); "
        "tests/test_vendor.py checks every file against this list.",
        "packages": entries,
    }
    MANIFEST.write_text(json.dumps(manifest, indent=2, sort_keys=False) + "\n")
    return manifest


def main() -> None:
    """Vendor every package and print what was copied."""
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    manifest = vendor()
    for entry in manifest["packages"]:  # type: ignore[attr-defined]
        size = sum(f["bytes"] for f in entry["files"])
        print(f"{entry['name']}@{entry['version']} ({entry['licence']}): "
              f"{len(entry['files'])} files, {size / 1024:.1f} KB")  # fmt: skip
    print(f"wrote {MANIFEST.relative_to(REPO)}")


if __name__ == "__main__":
    main()
