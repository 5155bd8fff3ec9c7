"""Meilisearch stopped (`kill -9`) while the catalogue is written, then started again on the same
port and data directory.

While it is down: every write succeeds (writes never call the engine), `/readyz` answers 503
problem+json with `"search": "down"`, `/v1/search` and `/v1/suggest` answer 503 problem+json
(`search-unavailable`, never a 500), and everything that does not need the engine (reads, match,
prescriptions) keeps working. When it is back, the indexer pushes what changed meanwhile: the new
offer is found, the withdrawn one is gone, `/readyz` is 200 `ok` with no lag.
"""

from __future__ import annotations

import pytest

from app.catalogue.demo import load_demo
from app.core.db import Database
from tests.api.factories import offer_body
from tests.faults.helpers import (
    MEILI_BIN,
    Meili,
    assert_problem,
    client,
    new_database,
    sqlite_url,
    start_app,
    wait_for,
)

pytestmark = pytest.mark.faults


def _search_ids(c, q: str) -> set[int] | None:
    r = c.get("/v1/search", params={"q": q, "limit": 100})
    return {o["id"] for o in r.json()["items"]} if r.status_code == 200 else None


def test_meilisearch_down_writes_go_on_and_the_index_catches_up(tmp_path):
    if not MEILI_BIN.exists():
        from tests.services import require_or_skip

        require_or_skip("Meilisearch", f"{MEILI_BIN} is missing (npm ci)")
    meili = Meili(tmp_path / "meili")
    meili.start()
    url = sqlite_url(tmp_path)
    keys = new_database(url, admin={}, adviser={"organisation": "France Travail"})
    db = Database(url)
    load_demo(db)
    db.dispose()
    server = start_app(url, env={"MEILI_URL": meili.url, "MEILI_KEY": meili.key, "MEILI_INDEX": "faults"})
    try:
        with client(server.url, keys["admin"]) as admin, client(server.url, keys["adviser"]) as adviser:
            wait_for(lambda: admin.get("/readyz").json().get("search_lag") == 0
                     and admin.get("/readyz").status_code == 200, 120, "the first push to Meilisearch")
            before = wait_for(lambda: _search_ids(admin, "alphabetisation"), 60, "search results")
            victim = sorted(before)[0]
            victim_offer = admin.get(f"/v1/offers/{victim}").json()

            meili.kill()
            # Writes of every kind go on.
            r = admin.put("/v1/offers/carif-idf/MEILI-DOWN-1",
                          json=offer_body(title="Zorglub : français pour la logistique"))
            assert r.status_code == 201, r.text
            new_id, sid = r.json()["id"], r.json()["sessions"][0]["id"]
            assert admin.put(f"/v1/sessions/{sid}/places", json={"places_available": 9}).status_code == 200
            r = adviser.post("/v1/prescriptions", json={"session_id": sid, "jobseeker_ref": "MEILI-DOWN"})
            assert r.status_code == 201, r.text
            r = admin.delete(f"/v1/offers/{victim_offer['source']}/{victim_offer['external_id']}")
            assert r.status_code == 204, r.text
            # Reads and matching do not need the engine.
            assert admin.get(f"/v1/offers/{new_id}").json()["sessions"][0]["places_available"] == 8
            r = adviser.post("/v1/match", json={"profile": {"level": "A1", "home": {"insee": "93066"}}})
            assert r.status_code == 200, r.text
            # The search box says the engine is down, cleanly.
            body = assert_problem(admin.get("/v1/search", params={"q": "zorglub"}), 503)
            assert body["type"].endswith("search-unavailable")
            assert_problem(admin.get("/v1/suggest", params={"q": "zorg"}), 503)
            ready = wait_for(lambda: admin.get("/readyz") if admin.get("/readyz").status_code == 503 else None,
                             60, "/readyz to report the engine down")
            assert_problem(ready, 503)
            assert ready.json()["search"] == "down" and ready.json()["database"] == "ok"

            meili.start()
            wait_for(lambda: new_id in (_search_ids(admin, "zorglub") or set()), 120, "the new offer in search")
            wait_for(lambda: victim not in (_search_ids(admin, "alphabetisation") or {victim}), 60,
                     "the withdrawn offer out of search")
            ready = wait_for(lambda: (r := admin.get("/readyz")).status_code == 200 and r.json()["search_lag"] == 0
                             and r, 60, "/readyz ok")
            assert ready.json()["status"] == "ok", ready.json()
            suggestions = admin.get("/v1/suggest", params={"q": "zorgl"}).json()["suggestions"]
            assert new_id in {s["offer_id"] for s in suggestions}
    finally:
        server.stop()
        meili.stop()
