"""Every catalogue write reaches the index (CONTRACT § Search box: visible when the write's
response returns on the embedded engine, within a second on Meilisearch)."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from app.main import create_app
from tests.api.factories import offer_body, session_body
from tests.conftest import make_settings, unique

ADMIN = "admin"


def put(sapi, ext, body):
    r = sapi.put(f"/v1/offers/carif-idf/{ext}", json=body, headers=sapi.auth(ADMIN))
    assert r.status_code in (200, 201), r.text
    return r.json()


def visible(sapi, q: str, **params) -> set[int]:
    return {i["id"] for i in sapi.search(q=q, limit=100, **params)["items"]}


def test_put_update_delete_reach_the_index(sapi):
    ext = unique("SYNC_")
    offer = put(sapi, ext, offer_body(title="Français et maraîchage zanzibarite"))
    assert visible(sapi, "zanzibarite") == {offer["id"]}
    put(sapi, ext, offer_body(title="Français et maraîchage quetzalcoatlite"))
    assert visible(sapi, "zanzibarite") == set()
    assert visible(sapi, "quetzalcoatlite") == {offer["id"]}
    assert sapi.delete(f"/v1/offers/carif-idf/{ext}", headers=sapi.auth(ADMIN)).status_code == 204
    assert visible(sapi, "quetzalcoatlite") == set()
    put(sapi, ext, offer_body(title="Français et maraîchage quetzalcoatlite"))  # published again
    assert visible(sapi, "quetzalcoatlite") == {offer["id"]}


def test_places_update_reaches_has_places(sapi):
    ext = unique("SYNC_")
    offer = put(sapi, ext, offer_body(title="Atelier ornithorynque", sessions=[session_body("S", places_available=0)]))
    assert visible(sapi, "ornithorynque", has_places="true") == set()
    sid = offer["sessions"][0]["id"]
    r = sapi.put(f"/v1/sessions/{sid}/places", json={"places_available": 3}, headers=sapi.auth(ADMIN))
    assert r.status_code == 200, r.text
    assert visible(sapi, "ornithorynque", has_places="true") == {offer["id"]}


def test_closing_every_session_hides_the_offer(sapi):
    ext = unique("SYNC_")
    body = offer_body(title="Atelier pangolinesque", sessions=[session_body("S1"), session_body("S2")])
    offer = put(sapi, ext, body)
    assert visible(sapi, "pangolinesque") == {offer["id"]}
    put(sapi, ext, offer_body(title="Atelier pangolinesque", sessions=[session_body("S1", status="closed"),
                                                                       session_body("S2", status="cancelled")]))
    assert visible(sapi, "pangolinesque") == set()
    put(sapi, ext, offer_body(title="Atelier pangolinesque", sessions=[session_body("S1", status="suspended")]))
    assert visible(sapi, "pangolinesque") == {offer["id"]}


def test_a_write_is_searchable_in_time(sapi):
    """Embedded: at once. Meilisearch: the target is one second; measured here ~0.2–0.4 s, but a
    loaded machine can stall a task, so the test allows 5 s and reports the time."""
    ext = unique("SYNC_")
    t0 = time.monotonic()
    offer = put(sapi, ext, offer_body(title="Cours axolotlien"))
    if sapi.service.indexer is None:
        r = sapi.client.get("/v1/search", params={"q": "axolotlien"}).json()
        assert [i["id"] for i in r["items"]] == [offer["id"]]
        return
    while True:
        r = sapi.client.get("/v1/search", params={"q": "axolotlien"})
        if r.status_code == 200 and r.json()["items"]:
            break
        assert r.status_code in (200, 503), r.text  # 503 while a brand-new index gets its settings
        assert time.monotonic() - t0 < 5, "not searchable after 5 s"
        time.sleep(0.02)
    print(f"searchable on Meilisearch after {time.monotonic() - t0:.2f} s")


def test_other_workers_see_writes_at_once(sapi):
    """Two app instances (two uvicorn workers) on one database: a write through one is found
    through the other as soon as its response has returned on the embedded engine (each worker
    has its own index), once the indexer has pushed it on Meilisearch (one shared index)."""
    other = create_app(make_settings(sapi.app.state.settings.database_url,
                                     meili_url=sapi.app.state.settings.meili_url,
                                     meili_key=sapi.app.state.settings.meili_key,
                                     meili_index=sapi.app.state.settings.meili_index))
    with TestClient(other) as client:
        client.get("/v1/search", params={"q": "x"})  # built before the write
        ext = unique("SYNC_")
        offer = put(sapi, ext, offer_body(title="Cours de français capybaresque"))
        sapi.settle()  # immediate on the embedded engine
        r = client.get("/v1/search", params={"q": "capybaresque"}).json()
        assert [i["id"] for i in r["items"]] == [offer["id"]]
        assert sapi.delete(f"/v1/offers/carif-idf/{ext}", headers=sapi.auth(ADMIN)).status_code == 204
        sapi.settle()
        assert client.get("/v1/search", params={"q": "capybaresque"}).json()["total"] == 0
    other.state.database.dispose()
