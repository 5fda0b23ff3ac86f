"""Copy the files the hub serves itself from ``tools/assets/node_modules`` into
``hub/web/static/vendor/<package>/``, with their licence and a ``manifest.json``.

The hub loads nothing from a CDN (issue 18): what a page needs from npm is pinned in
``tools/assets/package.json`` and its lock, installed with ``npm ci --prefix tools/assets``, and
copied here by hand when the pin changes::

    npm ci --prefix tools/assets --ignore-scripts
    python tools/assets/vendor.py

Each package's manifest records its version and the lock's integrity (the tarball's ``sha512``),
and for each copied file where it came from in the package and its ``sha256``, so
``tests/unit/hub/web/test_vendored_assets.py`` can check that the committed copies are exactly what
the lock installs, and the hub can give each file an address that changes with its bytes.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path

ASSETS = Path(__file__).resolve().parent
REPO = ASSETS.parents[1]
VENDOR = REPO / "hub" / "web" / "static" / "vendor"
MANIFEST = "manifest.json"

FILES: dict[str, dict[str, str]] = {
    # RapiDoc: the API documentation at /schema (hub.web.api_docs); one script, no fonts fetched
    # (load-fonts="false"), no inline script needed.
    "rapidoc": {
        "rapidoc-min.js": "dist/rapidoc-min.js",
        "rapidoc-min.js.LICENSE.txt": "dist/rapidoc-min.js.LICENSE.txt",  # what the bundle includes
        "LICENSE.txt": "LICENSE.txt",
    },
}
"""Per package: the name a file has under ``vendor/<package>/`` and its path inside the package."""


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def locked(package: str, lock: Path = ASSETS / "package-lock.json") -> dict[str, str]:
    """The lock's version and integrity of ``package`` (a direct dependency)."""
    entry = json.loads(lock.read_text())["packages"][f"node_modules/{package}"]
    return {"version": entry["version"], "integrity": entry["integrity"]}


def vendor(package: str, files: dict[str, str], node_modules: Path = ASSETS / "node_modules") -> None:
    source, target = node_modules / package, VENDOR / package
    installed = json.loads((source / "package.json").read_text())["version"]
    pinned = locked(package)
    if installed != pinned["version"]:
        sys.exit(f"{package} {installed} is installed, the lock says {pinned['version']}: run npm ci first")
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for name, inside in files.items():
        shutil.copyfile(source / inside, target / name)
    manifest = {
        "package": package,
        **pinned,
        "files": {name: {"from": inside, "sha256": sha256(target / name)} for name, inside in files.items()},
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")


if __name__ == "__main__":
    for package, files in FILES.items():
        vendor(package, files)
        print(f"copied {package} into {VENDOR / package}")
