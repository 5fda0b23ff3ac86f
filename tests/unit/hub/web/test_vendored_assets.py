"""The files the hub serves from npm packages (``hub/web/static/vendor/<package>/``) are exactly
what ``tools/assets/package-lock.json`` pins: each package's manifest names the lock's version and
integrity, and the sha256 of every committed file, which must also be the sha256 of the same file
as ``npm ci --prefix tools/assets`` installs it (.ci/run does; on a developer's machine without
it that last check skips, in CI it fails)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import needs_tool

REPO = Path(__file__).resolve().parents[4]
ASSETS = REPO / "tools" / "assets"
VENDOR = REPO / "hub" / "web" / "static" / "vendor"
NODE_MODULES = ASSETS / "node_modules"
PINNED = json.loads((ASSETS / "package.json").read_text())["dependencies"]
MANIFESTS = sorted(path for path in VENDOR.glob("*/manifest.json") if path.parent.name in PINNED)
"""The packages ``tools/assets`` pins; ``vendor/hpke`` is built from the root package.json
(``tools/vendor_assets.py``, checked by ``test_vendor_assets.py``)."""
installed = needs_tool(
    NODE_MODULES if NODE_MODULES.is_dir() else None,
    "tools/assets/node_modules (npm ci --prefix tools/assets; .ci/run does it)",
)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def manifest(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


def test_something_is_vendored() -> None:
    assert [path.parent.name for path in MANIFESTS] == ["rapidoc"]


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.parent.name)
def test_the_manifest_names_what_the_lock_pins(path: Path) -> None:
    vendored = manifest(path)
    package = vendored["package"]
    assert package == path.parent.name
    lock = json.loads((ASSETS / "package-lock.json").read_text())["packages"]
    assert vendored["version"] == lock[f"node_modules/{package}"]["version"]
    assert vendored["integrity"] == lock[f"node_modules/{package}"]["integrity"]
    assert lock[""]["dependencies"][package] == vendored["version"], "pinned exactly in package.json"


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.parent.name)
def test_every_committed_file_is_in_the_manifest_with_its_hash_and_a_licence(path: Path) -> None:
    files = manifest(path)["files"]
    committed = {child.name for child in path.parent.iterdir()} - {"manifest.json"}
    assert committed == set(files), "a file is vendored without its hash, or listed and missing"
    for name, described in files.items():
        assert sha256(path.parent / name) == described["sha256"], name
    assert any(name.upper().startswith("LICENSE") for name in files), "vendored with its licence"


@installed
@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.parent.name)
def test_the_committed_files_are_what_npm_ci_installs(path: Path) -> None:
    vendored = manifest(path)
    package = NODE_MODULES / vendored["package"]
    assert package.is_dir(), f"{package} is missing: run npm ci --prefix tools/assets"
    assert json.loads((package / "package.json").read_text())["version"] == vendored["version"]
    for name, described in vendored["files"].items():
        assert sha256(package / described["from"]) == described["sha256"], (
            f"{name} differs from {described['from']} as installed: run python tools/assets/vendor.py"
        )
