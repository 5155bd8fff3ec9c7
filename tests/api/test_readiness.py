"""`/readyz` tells the truth about this worker: 503 until its matching snapshot and embedded search
index are built (in the background, at start-up), 200 after; the first search and match after 200
use what was built instead of building (README § Operations)."""

from __future__ import annotations

import sqlite3
import time

from fastapi.testclient import TestClient

from app.auth.keys import create_key
from app.catalogue.demo import load_demo
from app.core.db import Database
from app.core.migrate import upgrade_to_head
from app.main import create_app
from app.reference.roles import Role
from tests.conftest import make_settings


def _wait(predicate, timeout: float = 60.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def _demo_database(tmp_path) -> tuple[str, str]:
    url = f"sqlite:///{tmp_path}/ready.db"
    upgrade_to_head(url)
    database = Database(url)
    load_demo(database)
    with database.session(write=True) as db:
        _, key = create_key(db, role=Role.ADVISER, name="ready")
    database.dispose()
    return url, key


def test_not_ready_until_this_workers_builds_are_done_and_first_requests_do_not_rebuild(tmp_path):
    url, key = _demo_database(tmp_path)
    app = create_app(make_settings(url))
    # Hold both start-up builds, as a long build on a national catalogue would.
    search_build = app.state.search.embedded._build_lock
    snapshot_build = app.state.snapshots._lock
    search_build.acquire()
    snapshot_build.acquire()
    with TestClient(app, raise_server_exceptions=False) as c:
        assert c.get("/healthz").status_code == 200  # the process is up...
        r = c.get("/readyz")  # ...but not ready
        assert r.status_code == 503 and r.headers["content-type"].startswith("application/problem+json")
        assert r.headers["retry-after"] == "1"
        body = r.json()
        assert body["type"].endswith("/warming-up") and body["status"] == 503
        assert body["matching"] == "building" and body["search"] == "building" and body["database"] == "ok"

        search_build.release()
        _wait(lambda: app.state.search.ready, what="the search index")
        body = c.get("/readyz").json()
        assert body["status"] == 503 and body["search"] == "ok" and body["matching"] == "building"

        snapshot_build.release()
        _wait(lambda: c.get("/readyz").status_code == 200, what="/readyz 200")
        body = c.get("/readyz").json()
        assert body["status"] == "ok" and body["matching"] == "ok" and body["search"] == "ok"

        snapshot = app.state.snapshots._snapshot
        index = app.state.search.engine._state
        assert snapshot is not None and snapshot.count > 0 and app.state.search.engine.size > 0
        r = c.get("/v1/search", params={"q": "français"})
        assert r.status_code == 200 and r.json()["total"] > 0
        r = c.post("/v1/match", json={"profile": {"level": "A1", "home": {"insee": "75056"},
                                                   "start_within_days": 365}},
                   headers={"Authorization": f"Bearer {key}"})
        assert r.status_code == 200 and r.json()["candidates"] == snapshot.count
        # built once, at start: the requests used those very objects
        assert app.state.snapshots._snapshot is snapshot
        assert app.state.search.engine._state is index
    app.state.database.dispose()


def test_a_failed_start_up_build_is_retried_in_the_background(tmp_path):
    """The database answers but holds no catalogue yet (migration still running): not ready, and
    ready without any request once it is there."""
    path = tmp_path / "late.db"
    sqlite3.connect(path).close()
    url = f"sqlite:///{path}"
    app = create_app(make_settings(url))
    with TestClient(app, raise_server_exceptions=False) as c:
        time.sleep(0.3)
        r = c.get("/readyz")
        assert r.status_code == 503 and r.json()["matching"] == "building"
        upgrade_to_head(url)
        _wait(lambda: c.get("/readyz").status_code == 200, 60, "/readyz 200 after the retry")
    app.state.database.dispose()
