"""Meilisearch specifics: the thin client, settings at start-up, outage handling, the single
indexer, zero-downtime rebuild. Needs the real server (TEST_MEILI_URL; CI runs it)."""

from __future__ import annotations

import contextlib
import secrets
import socket
import time

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.cli import cli
from app.core.db import Database
from app.core.migrate import upgrade_to_head
from app.main import create_app
from app.search.meili import MeiliClient, MeiliEngine, index_settings, settings_differ
from app.search.models import SearchIndexerState
from app.search.port import SearchQuery
from app.search.service import MeiliIndexer, SearchService
from tests.api.factories import offer_body
from tests.conftest import make_settings

pytestmark = pytest.mark.meili


@pytest.fixture
def db_url(tmp_path):
    url = f"sqlite:///{tmp_path}/meili.db"
    upgrade_to_head(url)
    return url


@pytest.fixture
def uid(meili):
    name = "t_" + secrets.token_hex(4)
    yield name
    client = MeiliClient(meili.url, meili.key)
    for u in (name, name + "__rebuild"):
        with contextlib.suppress(Exception):
            client.wait(client.delete_index(u))
    client.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _settings(db_url, meili, uid, **kw):
    return make_settings(db_url, meili_url=meili.url, meili_key=meili.key, meili_index=uid, **kw)


def test_client_is_thin_httpx_with_identity_encoding(meili):
    client = MeiliClient(meili.url, meili.key)
    assert client.http.headers["accept-encoding"] == "identity"
    assert client.healthy()
    assert MeiliClient("http://127.0.0.1:1", "x").healthy() is False


def test_settings_are_applied_at_start_up(db_url, meili, uid):
    app = create_app(_settings(db_url, meili, uid))
    with TestClient(app):
        client = MeiliClient(meili.url, meili.key)
        deadline = time.monotonic() + 10
        while client.get_index(uid) is None or settings_differ(client.get_settings(uid), index_settings()):
            assert time.monotonic() < deadline, "settings not applied"
            time.sleep(0.05)
        got = client.get_settings(uid)
        assert "les" in got["stopWords"] and got["distinctAttribute"] is None
        assert {"primary", "offer_id"} <= set(got["filterableAttributes"])
        assert got["synonyms"]["pole emploi"] == ["france travail"]
        assert got["typoTolerance"]["minWordSizeForTypos"] == {"oneTypo": 5, "twoTypos": 9}
        assert got["localizedAttributes"] == [{"attributePatterns": ["*"], "locales": ["fra"]}]
        assert {"levels", "departements", "has_places", "_geo"} <= set(got["filterableAttributes"])
    app.state.database.dispose()


def test_writes_succeed_while_meilisearch_is_down_and_are_pushed_when_it_returns(db_url, meili, uid):
    down = create_app(make_settings(db_url, meili_url=f"http://127.0.0.1:{_free_port()}", meili_key="x",
                                    meili_index=uid))
    with TestClient(down, raise_server_exceptions=False) as c:
        key = c.app.state  # noqa: F841  (the app is up)
        from app.auth.keys import create_key
        from app.reference.roles import Role

        with down.state.database.session(write=True) as db:
            _, admin = create_key(db, role=Role.ADMIN, name="t")
        r = c.put("/v1/offers/carif-idf/DOWN_1", json=offer_body(title="Cours tatouinesque"),
                  headers={"Authorization": f"Bearer {admin}"})
        assert r.status_code == 201, r.text
        ready = c.get("/readyz")
        assert ready.status_code == 503 and ready.json()["search"] == "down"
        assert ready.headers["content-type"].startswith("application/problem+json")
        r = c.get("/v1/search", params={"q": "tatouinesque"})
        assert r.status_code == 503 and r.json()["status"] == 503
        assert c.get("/v1/suggest", params={"q": "tatou"}).status_code == 503
        time.sleep(0.3)
    down.state.database.dispose()
    database = Database(db_url)
    with database.session() as db:
        row = db.get(SearchIndexerState, uid)
        assert row is not None and row.pushed_seq == 0 and row.last_error  # the outage was recorded
    # Meilisearch is back: the lag is pushed
    service = SearchService(_settings(db_url, meili, uid), database)
    assert service.indexer.push_pending() == 1
    with database.session() as db:
        hits = service.search(db, SearchQuery(words=("tatouinesque",)))
        assert hits.total == 1
        assert service.status(db).state == "ok" and service.status(db).lag == 0
    service.stop()
    database.dispose()


def test_one_indexer_at_a_time(db_url, meili, uid):
    database = Database(db_url)
    client = MeiliClient(meili.url, meili.key)
    a = MeiliIndexer(MeiliEngine(client, uid), database, owner="a")
    b = MeiliIndexer(MeiliEngine(client, uid), database, owner="b")
    assert a.acquire() and a.acquire()  # renewing is fine
    assert not b.acquire()
    assert b.step() == 0  # does nothing without the lease
    a.release()
    assert b.acquire() and not a.acquire()
    client.close()
    database.dispose()


def test_reindex_rebuilds_through_a_temporary_index(db_url, meili, uid, monkeypatch):
    app = create_app(_settings(db_url, meili, uid))
    with TestClient(app) as c:
        from app.auth.keys import create_key
        from app.reference.roles import Role

        with app.state.database.session(write=True) as db:
            _, admin = create_key(db, role=Role.ADMIN, name="t")
        for i in range(3):
            r = c.put(f"/v1/offers/carif-idf/RE_{i}", json=offer_body(title=f"Cours wombatesque {i}"),
                      headers={"Authorization": f"Bearer {admin}"})
            assert r.status_code == 201
    app.state.database.dispose()
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("MEILI_URL", meili.url)
    monkeypatch.setenv("MEILI_KEY", meili.key)
    monkeypatch.setenv("MEILI_INDEX", uid)
    result = CliRunner().invoke(cli, ["reindex"])
    assert result.exit_code == 0, result.output
    assert "3 offres" in result.output
    client = MeiliClient(meili.url, meili.key)
    assert client.get_index(uid + "__rebuild") is None
    res = client.search(uid, {"q": "wombatesque", "page": 1, "hitsPerPage": 10})
    assert res["totalHits"] == 3
    client.close()


def test_push_pending_for_batch_writers(db_url, meili, uid):
    from app.catalogue.schemas import OfferIn
    from app.catalogue.service import upsert_offer
    from app.search.service import push_pending

    database = Database(db_url)
    with database.session(write=True) as db:  # what a CLI import does: write straight to the database
        upsert_offer(db, "carif-idf", "CLI_1", OfferIn(**offer_body(title="Cours ocelotesque")))
    down = make_settings(db_url, meili_url=f"http://127.0.0.1:{_free_port()}", meili_index=uid)
    assert push_pending(down, database) == 0  # Meilisearch down: the import still succeeds
    assert push_pending(_settings(db_url, meili, uid), database) == 1
    client = MeiliClient(meili.url, meili.key)
    assert client.search(uid, {"q": "ocelotesque", "page": 1, "hitsPerPage": 5})["totalHits"] == 1
    client.close()
    assert push_pending(make_settings(db_url), database) == 0  # embedded: nothing to push
    database.dispose()


def test_a_changed_index_version_rebuilds_through_a_swap_and_old_index_answers_meanwhile(db_url, meili, uid):
    from app.catalogue.schemas import OfferIn
    from app.catalogue.service import upsert_offer
    from app.search.meili import index_version

    database = Database(db_url)
    with database.session(write=True) as db:
        for i in range(3):
            upsert_offer(db, "carif-idf", f"V_{i}", OfferIn(**offer_body(title=f"Cours loutresque {i}")))
    settings = _settings(db_url, meili, uid)
    first = SearchService(settings, database)
    assert first.indexer.push_pending() == 3
    first.stop()
    # Make the live index what an older release built: distinct attribute, no `primary` field.
    client = MeiliClient(meili.url, meili.key)
    old = {**index_settings(), "distinctAttribute": "offer_id",
           "filterableAttributes": [a for a in index_settings()["filterableAttributes"] if a != "primary"]}
    client.wait(client.update_settings(uid, old))
    with database.session(write=True) as db:
        db.get(SearchIndexerState, uid).index_version = None
    # A new process: until the rebuild, it queries in the form any shape answers.
    service = SearchService(settings, database)
    with database.session() as db:
        hits = service.search(db, SearchQuery(words=("loutresque",)))
    assert hits.total == 3 and service.engine.live_current is False
    assert service.indexer.step() == 0  # the first round rebuilds (nothing left to push after)
    with database.session() as db:
        assert db.get(SearchIndexerState, uid).index_version == index_version()
        hits = service.search(db, SearchQuery(words=("loutresque",)))
    assert hits.total == 3 and service.engine.live_current is True
    got = client.get_settings(uid)
    assert got["distinctAttribute"] is None and "primary" in got["filterableAttributes"]
    assert client.get_index(uid + "__rebuild") is None
    # Same version at the next start: no rebuild (the index keeps its documents' stamps).
    stamp = client.search(uid, {"q": "loutresque", "limit": 1, "attributesToRetrieve": ["stamp"]})["hits"][0]["stamp"]
    service.stop()
    again = SearchService(settings, database)
    assert again.indexer.step() == 0
    assert client.search(uid, {"q": "loutresque", "limit": 1, "attributesToRetrieve": ["stamp"]})["hits"][0]["stamp"] == stamp
    again.stop()
    client.close()
    database.dispose()
