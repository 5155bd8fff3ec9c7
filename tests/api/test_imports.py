"""POST /v1/imports/lheo, GET /v1/imports(/{id}), GET /v1/offers/{id}/source — on SQLite and PostgreSQL."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from tests.api.factories import offer_body
from tests.conftest import make_settings, unique

FIX = Path(__file__).resolve().parent.parent / "fixtures" / "lheo"
FEED = (FIX / "fle-2.3.xml").read_bytes()
XML = {"Content-Type": "application/xml"}


def post(api, source, body=FEED, role="sync", params=None, headers=None, scope=None):
    scope = scope or ({"source": source} if role == "sync" else {})
    auth = api.auth(role, **scope) if role else {}
    return api.post("/v1/imports/lheo", params={"source": source, **(params or {})}, content=body,
                    headers={**XML, **auth, **(headers or {})})


def offer_ids(api, source) -> dict[str, int]:
    out, cursor = {}, None
    while True:
        page = api.get("/v1/offers", params={"limit": 200, **({"cursor": cursor} if cursor else {})}).json()
        out.update({o["external_id"]: o["id"] for o in page["items"] if o["source"] == source})
        cursor = page["next_cursor"]
        if not cursor:
            return out


def test_import_then_reimport_is_a_no_op(api):
    source = unique("carif-api")
    r = post(api, source, params={"mode": "full"})
    assert r.status_code == 200, r.text
    report = r.json()
    for key in ("created", "updated", "unchanged", "withdrawn", "skipped", "rejected", "warnings", "import_id",
                "duration_ms", "dry_run", "mode"):
        assert key in report
    assert (report["created"], report["skipped"], report["mode"], report["dry_run"]) == (8, 1, "full", False)
    assert report["rejected"] == [{"ref": "11_AF_0093",
                                   "errors": ["session AF0093-S1 : la date de fin est avant la date de début"]}]
    assert {"ref": "32_AF_0006", "msg": "SIRET invalide ignoré : « 12345678901234 »"} in report["warnings"]
    ids = offer_ids(api, source)
    assert len(ids) == 8
    offer = api.get(f"/v1/offers/{ids['11_AF_0001']}").json()
    assert offer["kind"] == "fle_pro" and offer["sessions"][0]["location"]["city"] == "Saint-Denis"
    assert offer["source_updated_at"].startswith("2026-08-26T08:00:00")
    again = post(api, source, params={"mode": "full"}).json()
    assert (again["created"], again["updated"], again["unchanged"], again["withdrawn"]) == (0, 0, 8, 0)
    assert api.get(f"/v1/offers/{ids['11_AF_0001']}").json()["updated_at"] == offer["updated_at"]


def test_dry_run_and_gzip(api):
    source = unique("carif-api-dry")
    r = post(api, source, body=gzip.compress(FEED), params={"dry_run": "true"},
             headers={"Content-Type": "application/gzip"})
    assert r.status_code == 200, r.text
    assert r.json()["dry_run"] is True and r.json()["created"] == 8
    assert offer_ids(api, source) == {}


def test_who_may_import(api):
    source = unique("carif-api-auth")
    assert post(api, source, role=None).status_code == 401
    other = post(api, source, role="sync", scope={"source": "carif-autre"})  # a sync key of another source
    assert other.status_code == 403 and other.headers["content-type"].startswith("application/problem+json")
    assert post(api, source, role="adviser").status_code == 403
    assert post(api, source, role="provider", scope={"siret": "13002526500013"}).status_code == 403
    assert offer_ids(api, source) == {}
    assert post(api, source, role="admin").status_code == 200


@pytest.mark.parametrize(("name", "code"), [
    ("malformed.xml", "not_well_formed"), ("truncated.xml", "truncated"), ("not-lheo.xml", "not_lheo"),
    ("xxe.xml", "hostile"), ("billion-laughs.xml", "hostile"),
])
def test_bad_documents_are_400_and_change_nothing(api, name, code):
    source = unique("carif-api-bad")
    post(api, source)
    before = {ext: api.get(f"/v1/offers/{i}").json() for ext, i in offer_ids(api, source).items()}
    r = post(api, source, body=(FIX / name).read_bytes(), params={"mode": "full"})
    assert r.status_code == 400, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == 400 and body["code"] == code and body["detail"] and body["errors"][0]["loc"] == ["body"]
    after = {ext: api.get(f"/v1/offers/{i}").json() for ext, i in offer_ids(api, source).items()}
    assert after == before
    run = api.get(f"/v1/imports/{body['import_id']}", headers=api.auth("admin")).json()
    assert run["status"] == "refused" and run["error"]


def test_empty_body_is_400(api):
    r = post(api, unique("carif-api-empty"), body=b"")
    assert r.status_code == 400 and r.json()["code"] == "empty"


def test_bad_query_is_422(api):
    source = unique("carif-api-q")
    r = post(api, source, params={"mode": "everything"})
    assert r.status_code == 422
    r = api.post("/v1/imports/lheo", params={"source": "Not A Source"}, content=FEED, headers=api.auth("admin"))
    assert r.status_code == 422


def test_body_above_the_limit_is_413(database_url):
    app = create_app(make_settings(database_url, max_import_bytes=4096))
    with TestClient(app, raise_server_exceptions=False) as client:
        from app.auth.keys import create_key
        from app.reference.roles import Role

        with app.state.database.session(write=True) as db:
            key = create_key(db, role=Role.ADMIN, name="413")[1]
        r = client.post("/v1/imports/lheo", params={"source": "carif-big"}, content=FEED,
                        headers={"Authorization": f"Bearer {key}", **XML})
        assert r.status_code == 413 and r.headers["content-type"].startswith("application/problem+json")
        bomb = gzip.compress(b"<lheo xmlns='http://lheo.gouv.fr/2.3'><offres>" + b" " * 200_000 + b"</offres></lheo>")
        assert len(bomb) < 4096
        r = client.post("/v1/imports/lheo", params={"source": "carif-big"}, content=bomb,
                        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/gzip"})
        assert r.status_code == 413 and r.json()["code"] == "too_large"
    app.state.database.dispose()


def test_import_records_are_listed_for_admins(api):
    source = unique("carif-api-runs")
    first = post(api, source).json()
    second = post(api, source, params={"dry_run": "true"}).json()
    admin = api.auth("admin")
    page = api.get("/v1/imports", params={"source": source, "limit": 1}, headers=admin)
    assert page.status_code == 200
    body = page.json()
    assert [x["id"] for x in body["items"]] == [second["import_id"]] and body["next_cursor"]
    run = body["items"][0]
    assert run["dry_run"] and run["status"] == "succeeded" and run["mode"] == "delta"
    assert run["actor"]["role"] == "sync" and run["actor"]["channel"] == "api" and run["actor"]["key_id"]
    nxt = api.get("/v1/imports", params={"source": source, "limit": 1, "cursor": body["next_cursor"]}, headers=admin)
    assert [x["id"] for x in nxt.json()["items"]] == [first["import_id"]]
    assert nxt.json()["next_cursor"] is None
    foreign = api.get("/v1/imports", params={"source": "carif-other", "cursor": body["next_cursor"]}, headers=admin)
    assert foreign.status_code == 400
    one = api.get(f"/v1/imports/{first['import_id']}", headers=admin).json()
    assert one["counts"]["created"] == 8 and one["counts"]["skipped"] == 1 and one["counts"]["rejected"] == 1
    assert one["duration_ms"] >= 0 and one["finished_at"] and one["source"] == source
    assert api.get("/v1/imports", headers=api.auth("sync", source=source)).status_code == 403
    assert api.get("/v1/imports/999999", headers=admin).status_code == 404


def test_offer_source_is_private(api):
    source = unique("carif-api-src")
    post(api, source)
    oid = offer_ids(api, source)["11_AF_0001"]
    admin = api.get(f"/v1/offers/{oid}/source", headers=api.auth("admin"))
    assert admin.status_code == 200
    body = admin.json()
    assert body["format"] == "lheo-2.3" and body["raw"].startswith("<formation") and 'numero="11_AF_0001"' in body["raw"]
    assert "claire.martin" not in body["raw"]  # personal contact fields are not kept
    own = api.get(f"/v1/offers/{oid}/source", headers={**api.auth("sync", source=source), "Accept": "application/xml"})
    assert own.status_code == 200 and own.headers["content-type"].startswith("application/xml")
    assert own.text == body["raw"]
    assert api.get(f"/v1/offers/{oid}/source", headers=api.auth("sync", source="carif-autre")).status_code == 403
    assert api.get(f"/v1/offers/{oid}/source", headers=api.auth("adviser")).status_code == 403
    assert api.get(f"/v1/offers/{oid}/source").status_code == 401
    put = api.put(f"/v1/offers/{source}/{unique('PUT_')}", json=offer_body(), headers=api.auth("admin"))
    assert api.get(f"/v1/offers/{put.json()['id']}/source", headers=api.auth("admin")).status_code == 404
    assert api.get("/v1/offers/99999999/source", headers=api.auth("admin")).status_code == 404


def test_one_import_per_source_at_a_time(api):
    from datetime import UTC, datetime

    from app.imports.lock import ImportLock
    from app.imports.models import ImportRun

    source = unique("carif-api-busy")
    other = ImportLock(api.app.state.database, source)  # a live import elsewhere holds its source's lock
    assert other.acquire()
    try:
        with api.app.state.database.session(write=True) as db:
            db.add(ImportRun(source=source, mode="full", actor_name="other", actor_role="sync", status="running",
                            heartbeat_at=datetime.now(UTC)))
        r = post(api, source)
        assert r.status_code == 409 and r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["import_id"]
        assert post(api, source, params={"dry_run": "true"}).status_code == 200  # a dry run writes nothing: allowed
    finally:
        other.release()
    assert post(api, source).status_code == 200  # its process gone, its run is stale at once


def test_workers_over_http_and_an_interrupted_worker_is_503(database_url, monkeypatch):
    """IMPORT_WORKERS=2: the body goes to worker processes (same report as without); a worker killed
    at start → 503 problem, catalogue unchanged, the run recorded as failed."""
    from app.auth.keys import create_key
    from app.imports.lheo.workers import ParallelMapper
    from app.reference.roles import Role

    app = create_app(make_settings(database_url, import_workers=2))
    with TestClient(app, raise_server_exceptions=False) as client:
        with app.state.database.session(write=True) as db:
            key = create_key(db, role=Role.ADMIN, name="workers")[1]
        auth = {"Authorization": f"Bearer {key}", **XML}
        source = unique("carif-api-workers")
        r = client.post("/v1/imports/lheo", params={"source": source, "mode": "full"}, content=FEED, headers=auth)
        assert r.status_code == 200, r.text
        assert (r.json()["created"], r.json()["skipped"], len(r.json()["rejected"])) == (8, 1, 1)

        real_start = ParallelMapper._start

        def start_then_kill(self):
            real_start(self)
            self._procs[0].kill()

        monkeypatch.setattr(ParallelMapper, "_start", start_then_kill)
        other = unique("carif-api-killed")
        r = client.post("/v1/imports/lheo", params={"source": other}, content=FEED, headers=auth)
        assert r.status_code == 503 and r.headers["content-type"].startswith("application/problem+json")
        assert "n'a pas été modifié" in r.json()["detail"]
        runs = client.get("/v1/imports", params={"source": other}, headers=auth).json()["items"]
        assert runs[0]["status"] == "failed" and "MappingWorkerError" in runs[0]["error"]
        page = client.get("/v1/offers", params={"limit": 200}).json()
        assert not [o for o in page["items"] if o["source"] == other]
    app.state.database.dispose()
