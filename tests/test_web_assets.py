"""The web explorer's files, without a browser: vendored libraries intact, nothing loaded from elsewhere, no HTML sinks.

The page runs under ``script-src 'self'`` and ``connect-src 'self'``, so an asset URL pointing at a CDN would
simply break in the browser; these checks say which file and line did it before anyone opens a page.  The
vendored files are pinned by ``vendor.json`` (written by ``scripts/update_vendor.py``): a hand edit or a
truncated copy shows up here as a sha256 mismatch.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

WEB = Path(__file__).resolve().parents[1] / "src" / "casegraph" / "web"
STATIC = WEB / "static"
VENDOR = STATIC / "vendor"
MANIFEST = json.loads((VENDOR / "vendor.json").read_text(encoding="utf-8"))
OUR_FILES = [WEB / "index.html", STATIC / "app.js", STATIC / "app.css"]

#: Places where a URL makes the browser fetch something: HTML src/href attributes, CSS url() and @import,
#: JS import/import()/fetch()/XHR open/new Worker, and srcset.  Prose and licence comments are not asset URLs.
ASSET_URL = re.compile(
    r"""(?ix)
    (?:\b(?:src|href|srcset|action|poster|data)\s*=\s*["']?\s*
     |\burl\(\s*["']?
     |@import\s+(?:url\(\s*)?["']
     |\bimport\s*(?:\(\s*)?["']
     |\bfrom\s+["']
     |\bfetch\(\s*["'`]
     |\.open\(\s*["'][A-Z]+["']\s*,\s*["'`]
     |\bnew\s+(?:Shared)?Worker\(\s*["'`]
     |\bimportScripts\(\s*["'`]
    )
    (?:https?:)?//""")
#: Assignments and calls that parse a string as HTML.
HTML_SINKS = re.compile(r"\.(?:innerHTML|outerHTML)\s*\+?=|\binsertAdjacentHTML\s*\(|\bdocument\.write(?:ln)?\s*\(")
#: Ways of turning a string into code, which the CSP (no 'unsafe-eval') would refuse anyway.
EVAL = re.compile(r"\beval\s*\(|\bnew\s+Function\s*\(|\bset(?:Timeout|Interval)\s*\(\s*[\"'`]")


def _shipped() -> list[tuple[str, str]]:
    return [(path, digest) for package in MANIFEST["packages"] for path, digest in package["files"].items()]


@pytest.mark.parametrize(("path", "digest"), _shipped(), ids=[p for p, _ in _shipped()])
def test_vendored_file_matches_manifest(path: str, digest: str) -> None:
    file = VENDOR / path
    assert file.is_file(), f"{file} is listed in vendor.json but missing: run scripts/update_vendor.py"
    actual = hashlib.sha256(file.read_bytes()).hexdigest()
    assert actual == digest, f"{file} differs from vendor.json: run scripts/update_vendor.py"


def test_manifest_describes_each_package() -> None:
    """Name, version, registry tarball, npm integrity and a licence file for every package: what an audit asks."""
    for package in MANIFEST["packages"]:
        name, version = package["name"], package["version"]
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), package
        assert package["tarball"] == f"https://registry.npmjs.org/{name}/-/{name.split('/')[-1]}-{version}.tgz"
        assert re.fullmatch(r"sha512-[A-Za-z0-9+/]{86}==", package["integrity"]), package
        assert any(Path(p).name.upper().startswith("LICENSE") for p in package["files"]), f"{name}: no licence file shipped"


def test_every_vendored_file_is_in_the_manifest() -> None:
    listed = {VENDOR / path for path, _ in _shipped()}
    on_disk = {p for p in VENDOR.rglob("*") if p.is_file() and p.name != "vendor.json"}
    assert on_disk == listed, f"unlisted: {sorted(map(str, on_disk - listed))}; missing: {sorted(map(str, listed - on_disk))}"


def test_page_loads_the_vendored_libraries() -> None:
    """index.html names exactly the files the manifest pins, so an upgrade cannot leave the page on the old path."""
    html = (WEB / "index.html").read_text(encoding="utf-8")
    scripts = set(re.findall(r'<script src="/static/vendor/([^"]+)"', html))
    assert scripts and scripts <= {path for path, _ in _shipped()}, scripts


@pytest.mark.parametrize("file", [p for p in sorted(WEB.rglob("*")) if p.suffix in {".html", ".js", ".css"}],
                         ids=lambda p: str(p.relative_to(WEB)))
def test_no_remote_asset_urls(file: Path) -> None:
    """Every HTML, JS and CSS file under web/, the vendored ones too (their licence comments name URLs in prose)."""
    text = file.read_text(encoding="utf-8")
    hits = [f"line {text.count(chr(10), 0, m.start()) + 1}: {text[m.start():m.end() + 40]!r}" for m in ASSET_URL.finditer(text)]
    assert not hits, f"{file.name} loads from another origin: {hits}"


def test_asset_url_pattern_catches_what_it_must() -> None:
    """The scan above is only as good as its pattern: it must flag these and leave licence prose alone."""
    flagged = ['<script src="https://cdn.example/x.js">', "<link href='//cdn.example/a.css'>", "url(https://x/y.png)",
               '@import "https://x/y.css";', 'import x from "https://x/y.js"', 'fetch("http://x/api")', 'fetch(`https://x`)',
               'xhr.open("GET", "https://x/")', 'new Worker("https://x/w.js")']
    for sample in flagged:
        assert ASSET_URL.search(sample), sample
    for sample in ["/* Released under the MIT License, https://www.chartjs.org */", '<a href="#/query">', 'fetch("/api/x")']:
        assert not ASSET_URL.search(sample), sample


@pytest.mark.parametrize("file", OUR_FILES, ids=lambda p: p.name)
def test_no_html_sinks_or_eval(file: Path) -> None:
    """Data reach the page only through textContent/createElement/setAttribute; the CSP forbids eval besides."""
    text = file.read_text(encoding="utf-8")
    assert not HTML_SINKS.findall(text), f"{file.name} parses strings as HTML: {HTML_SINKS.findall(text)}"
    assert not EVAL.findall(text), f"{file.name} turns strings into code: {EVAL.findall(text)}"


def test_no_inline_scripts_styles_or_handlers() -> None:
    """``script-src 'self'`` ignores inline scripts and on*= attributes: the page must not depend on any."""
    html = (WEB / "index.html").read_text(encoding="utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script> in index.html"
    assert not re.search(r"\son[a-z]+\s*=", html, re.I), "inline event handler in index.html"
    assert "javascript:" not in html.lower()
