#!/usr/bin/env python3
"""Re-fetch the vendored front-end libraries of the web explorer and rewrite their manifest.

The explorer ships cytoscape.js and Chart.js as committed files under ``src/casegraph/web/static/vendor/``
rather than fetching them at build or run time: wheels build offline, the server never talks to a CDN, and
the page's CSP (``script-src 'self'``) holds.  This script is how those files change: it runs ``npm pack``
for each pinned package, checks the tarball against the integrity the npm registry publishes (SRI sha512),
extracts only the files we ship, and writes ``vendor.json`` (name, version, tarball URL, integrity, sha256
of every shipped file), which ``tests/test_web_assets.py`` re-hashes.

Usage: ``python scripts/update_vendor.py`` (needs ``npm`` and access to the npm registry).  To move to a new
version, edit :data:`PACKAGES` and run it again; delete the old version's folder yourself.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

VENDOR = Path(__file__).resolve().parents[1] / "src" / "casegraph" / "web" / "static" / "vendor"


@dataclass(frozen=True)
class Package:
    """A pinned npm package and the files of its tarball we ship (path in the tarball -> file name)."""

    name: str
    version: str
    files: dict[str, str]

    @property
    def folder(self) -> str:
        return f"{self.name.replace('.', '')}-{self.version}"


class Entry(TypedDict):
    """One package in vendor.json: what was fetched, from where, its npm integrity and the sha256 of each shipped file."""

    name: str
    version: str
    tarball: str
    integrity: str
    files: dict[str, str]


PACKAGES = (
    Package("cytoscape", "3.34.4", {"package/dist/cytoscape.min.js": "cytoscape.min.js", "package/LICENSE": "LICENSE"}),
    Package("chart.js", "4.6.1", {"package/dist/chart.umd.min.js": "chart.umd.min.js", "package/LICENSE.md": "LICENSE.md"}),
)


def npm(*args: str, cwd: Path) -> str:
    """Run npm and return its standard output; a failure stops the script with npm's own message."""
    done = subprocess.run(["npm", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"npm {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def sri_sha512(data: bytes) -> str:
    """The Subresource Integrity string npm publishes for a tarball."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


def fetch(package: Package, work: Path) -> Entry:
    """Download one package, verify it, write its shipped files and return its manifest entry."""
    spec = f"{package.name}@{package.version}"
    dist = json.loads(npm("view", spec, "dist", "--json", cwd=work))
    packed = json.loads(npm("pack", spec, "--json", "--pack-destination", str(work), cwd=work))[0]
    tarball = work / packed["filename"]
    actual = sri_sha512(tarball.read_bytes())
    if actual != dist["integrity"]:
        sys.exit(f"{spec}: tarball integrity {actual} differs from the registry's {dist['integrity']}")
    target = VENDOR / package.folder
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    shipped: dict[str, str] = {}
    with tarfile.open(tarball, "r:gz") as archive:
        for member, name in package.files.items():
            source = archive.extractfile(member)  # only the named regular files: nothing else is unpacked
            if source is None:
                sys.exit(f"{spec}: {member} is not a regular file in the tarball")
            data = source.read()
            (target / name).write_bytes(data)
            shipped[f"{package.folder}/{name}"] = hashlib.sha256(data).hexdigest()
    return {"name": package.name, "version": package.version, "tarball": dist["tarball"],
            "integrity": dist["integrity"], "files": shipped}


def main() -> None:
    VENDOR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="casegraph-vendor-") as tmp:
        entries = [fetch(package, Path(tmp)) for package in PACKAGES]
    manifest = VENDOR / "vendor.json"
    manifest.write_text(json.dumps({"packages": entries}, indent=2) + "\n", encoding="utf-8")
    for entry in entries:
        print(f"{entry['name']} {entry['version']}: {', '.join(entry['files'])}")
    print(f"wrote {manifest}")


if __name__ == "__main__":
    main()
