"""The browser libraries the hub serves (``hub/web/static/vendor``) are exactly what the pinned npm
packages build to, with their licences, and the manifest names them by the lock's integrity."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import needs_tool

ROOT = Path(__file__).resolve().parents[4]
VENDOR = ROOT / "hub" / "web" / "static" / "vendor" / "hpke"
ESBUILD = ROOT / "node_modules" / ".bin" / "esbuild"


@needs_tool(ESBUILD if ESBUILD.exists() else None, "esbuild and @hpke (npm ci at the root; .ci/run does it)")
def test_the_committed_files_are_what_npm_ci_installs_and_builds() -> None:
    checked = subprocess.run(
        [sys.executable, "tools/vendor_assets.py", "--check"], cwd=ROOT, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr


def test_the_manifest_pins_every_bundled_package_by_the_locks_integrity() -> None:
    manifest = json.loads((VENDOR / "manifest.json").read_text(encoding="utf-8"))
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))["packages"]
    pinned = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["devDependencies"]
    assert {"@hpke/core", "@hpke/dhkem-x25519"} <= {p["package"] for p in manifest["packages"]}
    for package in manifest["packages"]:
        locked = lock[f"node_modules/{package['package']}"]
        assert (package["version"], package["integrity"]) == (locked["version"], locked["integrity"])
        assert pinned.get(package["package"], package["version"]) == package["version"]
        assert (VENDOR / package["license_file"]).read_text(encoding="utf-8").startswith("MIT License")
