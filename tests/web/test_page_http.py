"""The adviser page over plain HTTP: French HTML, a strict CSP on the page and its files, nothing
inline, nothing from another host, every local reference served."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.core.migrate import upgrade_to_head
from app.main import create_app
from app.web.page import STATIC_DIR
from tests.conftest import make_settings

# XML namespace names are identifiers, never fetched.
NAMESPACES = re.compile(r"http://www\.w3\.org/(2000/svg|1999/xlink|1999/xhtml|XML/1998/namespace)")
ABSOLUTE_URL = re.compile(r"(?:https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
TEXT_SUFFIXES = {".html", ".js", ".css", ".svg"}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('web')}/page.db"
    upgrade_to_head(url)
    app = create_app(make_settings(url, public_catalogue=False))
    with TestClient(app) as c:
        yield c
    app.state.database.dispose()


def csp_directives(header: str) -> dict[str, list[str]]:
    out = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def assert_strict_csp(header: str | None) -> None:
    assert header, "no Content-Security-Policy header"
    d = csp_directives(header)
    assert d["default-src"] == ["'self'"]
    assert d["script-src"] == ["'self'"]
    assert d["style-src"] == ["'self'"]
    assert d["connect-src"] == ["'self'"]
    assert d["font-src"] == ["'self'"]
    assert set(d["img-src"]) <= {"'self'", "data:"}
    assert d["frame-ancestors"] == ["'none'"]
    assert d["base-uri"] == ["'none'"]
    assert d["form-action"] == ["'self'"]
    for value in ("'unsafe-inline'", "'unsafe-eval'", "*", "http:", "https:", "blob:"):
        assert value not in header.split(), f"{value} in CSP"


def static_files() -> list[Path]:
    return sorted(p for p in STATIC_DIR.rglob("*") if p.is_file())


def test_page_is_french_html_with_strict_csp(client):
    r = client.get("/")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert re.search(r"<html[^>]*\blang=\"fr\"", r.text)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in r.text
    assert_strict_csp(r.headers.get("content-security-policy"))
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert client.head("/").status_code == 200


def test_page_needs_no_key_even_with_a_private_catalogue(client):
    # The client fixture runs with PUBLIC_CATALOGUE=false: the page itself still loads.
    assert client.get("/v1/search").status_code == 401
    assert client.get("/").status_code == 200
    assert client.get("/static/js/app.js").status_code == 200


def test_no_inline_script_style_or_handlers():
    html = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    for script in re.findall(r"<script\b[^>]*>", html):
        assert 'src="/static/' in script and 'type="module"' in script, script
    assert "<style" not in html
    assert not re.search(r"\sstyle\s*=", html)
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler"
    assert "javascript:" not in html
    for js in STATIC_DIR.glob("js/*.js"):
        text = js.read_text(encoding="utf-8")
        assert "innerHTML" not in text and "insertAdjacentHTML" not in text and "eval(" not in text, js.name
        assert ".style." not in text and "setAttribute(\"style\"" not in text, js.name
        assert "localStorage" not in text, f"{js.name}: the key is kept in sessionStorage only"


def test_no_reference_to_another_host():
    offenders = []
    for path in static_files():
        if path.suffix not in TEXT_SUFFIXES:
            continue
        text = NAMESPACES.sub("", path.read_text(encoding="utf-8"))
        if path.suffix == ".css":
            text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)  # licence banners
        offenders += [f"{path.relative_to(STATIC_DIR)}: {m}" for m in ABSOLUTE_URL.findall(text)]
    assert not offenders, offenders


def test_every_local_reference_is_served(client):
    html = client.get("/").text
    refs = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
    assert len(refs) >= 10
    for ref in refs:
        r = client.get(ref)
        assert r.status_code == 200, ref
        assert_strict_csp(r.headers.get("content-security-policy"))
    # ES modules: every relative import exists, served as JavaScript.
    for js in STATIC_DIR.glob("js/*.js"):
        for target in re.findall(r'from "\./([a-z-]+\.js)"', js.read_text(encoding="utf-8")):
            r = client.get(f"/static/js/{target}")
            assert r.status_code == 200, f"{js.name} imports {target}"
            assert "javascript" in r.headers["content-type"]
    # Every icon a vendored DSFR stylesheet points at is shipped (fonts: the faces listed in vendor_dsfr).
    for css in (STATIC_DIR / "dsfr").rglob("*.css"):
        for ref in re.findall(r"url\((?:['\"])?(\.\./[^)'\"]+)", css.read_text(encoding="utf-8")):
            if "/fonts/" in ref:
                continue
            assert (css.parent / ref).resolve().is_file(), f"{css.name}: {ref}"
    for face in ("Regular", "Medium", "Bold"):
        assert (STATIC_DIR / "dsfr" / "fonts" / f"Marianne-{face}.woff2").is_file()


def test_static_files_are_compressed_and_revalidated(client):
    r = client.get("/static/dsfr/core/core.main.min.css", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200
    assert r.headers.get("content-encoding") == "gzip"
    assert r.headers["cache-control"] == "no-cache" and r.headers.get("etag")


def test_static_cannot_escape_its_folder(client):
    for path in ("/static/../page.py", "/static/%2e%2e/page.py", "/static/..%2fpage.py", "/static/nope.js"):
        assert client.get(path).status_code == 404, path


def test_page_is_not_in_the_api_schema(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert "/" not in paths
    assert not any(p.startswith("/static") for p in paths)


def test_vendored_dsfr_version_matches_the_pin():
    root = STATIC_DIR.parent.parent.parent
    pinned = json.loads((root / "package.json").read_text())["dependencies"]["@gouvfr/dsfr"]
    assert (STATIC_DIR / "dsfr" / "VERSION").read_text().strip() == pinned
    assert (STATIC_DIR / "dsfr" / "LICENSE.md").is_file()


def test_vendored_dsfr_is_an_exact_copy_of_the_pinned_package():
    """When node_modules is there (scripts/test.sh runs npm ci), the copy matches it byte for byte."""
    dist = STATIC_DIR.parent.parent.parent / "node_modules" / "@gouvfr" / "dsfr" / "dist"
    version = (STATIC_DIR / "dsfr" / "VERSION").read_text().strip()
    if not dist.is_dir() or json.loads((dist.parent / "package.json").read_text())["version"] != version:
        pytest.skip("node_modules/@gouvfr/dsfr at the pinned version is not installed")
    for path in (STATIC_DIR / "dsfr").rglob("*"):
        rel = path.relative_to(STATIC_DIR / "dsfr")
        if path.is_file() and rel.parts[0] in {"core", "component", "fonts", "icons"}:
            assert path.read_bytes() == (dist / rel).read_bytes(), rel
