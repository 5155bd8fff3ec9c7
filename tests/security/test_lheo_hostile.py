"""Hostile XML through `POST /v1/imports/lheo` → 4xx and the catalogue unchanged, on SQLite and
PostgreSQL. The fixtures' XXE and billion laughs are in tests/api/test_imports.py
(test_bad_documents_are_400_and_change_nothing); these are the other shapes of the same attacks."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from tests.conftest import make_settings, unique

FIX = Path(__file__).resolve().parent.parent / "fixtures" / "lheo"
FEED = (FIX / "fle-2.3.xml").read_bytes()
NS = b'xmlns="http://lheo.gouv.fr/2.3"'
SECRET_FILE_MARK = b"root:"  # /etc/passwd's first line


def doc(prolog: bytes, formation_title: bytes = b"FLE", extra: bytes = b"") -> bytes:
    return (b'<?xml version="1.0" encoding="UTF-8"?>\n' + prolog + b"\n<lheo " + NS + extra + b"><offres>"
            b'<formation numero="H_1"><domaine-formation><code-FORMACODE ref="V13">15235</code-FORMACODE>'
            b"</domaine-formation><intitule-formation>" + formation_title + b"</intitule-formation></formation>"
            b"</offres></lheo>")


HOSTILE = {
    "external_dtd": doc(b'<!DOCTYPE lheo SYSTEM "file:///etc/passwd">'),
    "external_dtd_http": doc(b'<!DOCTYPE lheo SYSTEM "http://127.0.0.1:1/evil.dtd">'),
    "parameter_entity": doc(b'<!DOCTYPE lheo [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>'),
    "xxe_http": doc(b'<!DOCTYPE lheo [<!ENTITY x SYSTEM "http://127.0.0.1:1/x">]>', b"&x;"),
    "quadratic_blowup": doc(b'<!DOCTYPE lheo [<!ENTITY a "' + b"A" * 50_000 + b'">]>', b"&a;" * 50_000),
    "xinclude": doc(b"", b'<xi:include href="file:///etc/passwd" parse="text"/>',
                    b' xmlns:xi="http://www.w3.org/2001/XInclude"'),
    "nested_100k": b'<?xml version="1.0"?><lheo ' + NS + b"><offres>" + b"<x>" * 100_000 + b"</x>" * 100_000
                   + b"</offres></lheo>",
    "nul_reference": doc(b"", b"FLE &#0;"),
    "raw_nul": doc(b"", b"FLE \x00"),
    "invalid_utf8": doc(b"", b"FLE \xff\xfe"),
    "wrong_encoding_declared": doc(b"", b"FLE").replace(b"UTF-8", b"UTF-32"),
    "processing_instruction_stylesheet": doc(b'<?xml-stylesheet type="text/xsl" href="file:///etc/passwd"?>'),
}


def post(api, source, body, **params):
    return api.post("/v1/imports/lheo", params={"source": source, "mode": "full", **params}, content=body,
                    headers={**api.auth("sync", source=source), "Content-Type": "application/xml"})


def catalogue_of(api, source) -> dict:
    out, cursor = {}, None
    while True:
        page = api.get("/v1/offers", params={"limit": 200, **({"cursor": cursor} if cursor else {})}).json()
        out.update({o["external_id"]: o for o in page["items"] if o["source"] == source})
        if not (cursor := page["next_cursor"]):
            return out


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_documents_change_nothing_and_read_no_file(api, name):
    source = unique("carif-hostile")
    assert post(api, source, FEED).status_code == 200
    before = catalogue_of(api, source)
    r = post(api, source, HOSTILE[name])
    assert r.status_code < 500, r.text
    assert SECRET_FILE_MARK not in r.content
    if r.status_code == 200:
        # Some shapes are harmless, well-formed LHÉO once nothing external is loaded (an external DTD
        # is never fetched, XInclude never processed): the import may run, but with no file content.
        for offer in catalogue_of(api, source).values():
            assert "root:" not in offer["title"] and "xi:include" not in offer["title"]
        return
    assert r.status_code == 400 and r.headers["content-type"].startswith("application/problem+json")
    assert catalogue_of(api, source) == before


@pytest.mark.parametrize("name", ["parameter_entity", "xxe_http", "quadratic_blowup", "nested_100k", "nul_reference",
                                  "raw_nul", "invalid_utf8"])
def test_these_are_refused(api, name):
    source = unique("carif-refused")
    r = post(api, source, HOSTILE[name])
    assert r.status_code == 400, r.text
    assert r.json()["code"] in {"hostile", "not_well_formed"}


def test_gzip_bomb_is_413_and_changes_nothing(database_url):
    """1 MB of gzip that inflates to 1 GB: refused once the inflated size passes 5 × MAX_IMPORT_BYTES,
    without inflating the rest."""
    app = create_app(make_settings(database_url, max_import_bytes=64 * 1024))
    bomb = gzip.compress(doc(b"", b"FLE " + b" " * (50 * 1024 * 1024)), compresslevel=9)
    assert len(bomb) < 64 * 1024
    with TestClient(app, raise_server_exceptions=False) as client:
        from app.auth.keys import create_key
        from app.reference.roles import Role

        with app.state.database.session(write=True) as db:
            key = create_key(db, role=Role.SYNC, source="carif-bomb", name="bomb")[1]
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/gzip"}
        ok = client.post("/v1/imports/lheo", params={"source": "carif-bomb"}, content=gzip.compress(FEED),
                         headers=headers)
        assert ok.status_code == 200, ok.text
        count = len(client.get("/v1/offers", params={"limit": 200}).json()["items"])
        r = client.post("/v1/imports/lheo", params={"source": "carif-bomb", "mode": "full"}, content=bomb,
                        headers=headers)
        assert r.status_code == 413 and r.json()["code"] == "too_large", r.text
        assert len(client.get("/v1/offers", params={"limit": 200}).json()["items"]) == count
