"""Build the browser libraries the hub serves from the packages npm pinned, or check the committed ones.

The sealing script (``hub/web/static/sealing.js``) uses HPKE from ``@hpke/core`` and
``@hpke/dhkem-x25519``, pinned exactly in the root ``package.json`` with ``package-lock.json``. Their
ES modules import each other by bare names (``@hpke/common``), which a browser cannot resolve
without an import map, and an inline import map would need its own hole in the Content-Security-Policy.
So esbuild (pinned too) bundles what ``tools/hpke_entry.js`` exports into one ES module,
unminified so that it can be read, with the licences' comments at its end:

    hub/web/static/vendor/hpke/hpke.js
    hub/web/static/vendor/hpke/LICENSE-<package>.txt   each bundled package's LICENSE, as shipped
    hub/web/static/vendor/hpke/manifest.json           package, version, the lock's integrity, and
                                                        the SHA-256 of every file above

Usage, from the repository's root after ``npm ci``::

    python tools/vendor_assets.py           # (re)write hub/web/static/vendor/hpke
    python tools/vendor_assets.py --check   # exit 1 unless the committed files are what npm ci gives

The check (tests/unit/hub/web/test_vendor_assets.py runs it) builds into a temporary directory and
compares byte for byte, so a committed file edited by hand, or a lock changed without a rebuild, fails.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "hub" / "web" / "static" / "vendor" / "hpke"
ENTRY = "tools/hpke_entry.js"
BUNDLE = "hpke.js"
ESBUILD = ROOT / "node_modules" / ".bin" / "esbuild"
PACKAGES = ("@hpke/core", "@hpke/dhkem-x25519", "@hpke/common")
"""Everything that goes into the bundle: the two pinned packages and the one they both import."""
ESBUILD_OPTIONS = ("--bundle", "--format=esm", "--target=es2022", "--legal-comments=eof", "--charset=utf8")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _locked(lock: dict[str, Any], package: str) -> dict[str, Any]:
    entry = lock["packages"].get(f"node_modules/{package}")
    if entry is None:
        raise SystemExit(f"{package} is not in package-lock.json")
    return dict(entry)


def build(output: Path) -> None:
    """Write the bundle, the licences and the manifest into ``output`` from ``node_modules``."""
    if not ESBUILD.exists():
        raise SystemExit(f"{ESBUILD} is missing: run `npm ci` at the repository's root")
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    output.mkdir(parents=True, exist_ok=True)
    for stale in output.iterdir():
        stale.unlink()
    subprocess.run(  # relative paths: the bundle's comments name node_modules/..., not this machine
        [str(ESBUILD), ENTRY, *ESBUILD_OPTIONS, f"--outfile={output / BUNDLE}", "--log-level=warning"],
        cwd=ROOT,
        check=True,
    )
    packages = []
    for package in PACKAGES:
        installed = ROOT / "node_modules" / package
        version = json.loads((installed / "package.json").read_text(encoding="utf-8"))["version"]
        locked = _locked(lock, package)
        if locked["version"] != version:
            raise SystemExit(f"node_modules has {package} {version}, the lock {locked['version']}: npm ci")
        licence = f"LICENSE-{package.removeprefix('@').replace('/', '-')}.txt"
        shutil.copyfile(installed / "LICENSE", output / licence)
        packages.append(
            {
                "package": package,
                "version": version,
                "integrity": locked["integrity"],
                "license_file": licence,
                "license_sha256": _sha256(output / licence),
            }
        )
    manifest = {
        "bundle": BUNDLE,
        "bundle_sha256": _sha256(output / BUNDLE),
        "built_by": f"esbuild {_locked(lock, 'esbuild')['version']} {' '.join(ESBUILD_OPTIONS)} {ENTRY}",
        "packages": packages,
    }
    (output / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def differences(committed: Path, built: Path) -> list[str]:
    """What differs between the committed directory and a fresh build: file names, then bytes."""
    names = {p.name for p in committed.iterdir()} if committed.exists() else set()
    fresh = {p.name for p in built.iterdir()}
    problems = [f"{name}: not built from node_modules" for name in sorted(names - fresh)]
    problems += [f"{name}: missing from {committed}" for name in sorted(fresh - names)]
    problems += [
        f"{name}: differs from what npm ci and the build give"
        for name in sorted(names & fresh)
        if (committed / name).read_bytes() != (built / name).read_bytes()
    ]
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    if not args.check:
        build(OUTPUT)
        print(f"wrote {OUTPUT.relative_to(ROOT)}")
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        built = Path(scratch) / "hpke"
        build(built)
        problems = differences(OUTPUT, built)
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(f"{OUTPUT.relative_to(ROOT)} matches package-lock.json")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
