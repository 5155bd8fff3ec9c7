"""Real processes for fault tests: the app (uvicorn), Meilisearch and PostgreSQL, each started on a
free loopback port in a temporary directory and stopped (or killed) by the test itself."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from app.auth.keys import create_key
from app.core.db import Database
from app.core.migrate import upgrade_to_head
from app.reference.roles import Role
from bench.live_server import LiveServer
from bench.services import MEILI_BIN, PG_BIN, Meili, Postgres  # noqa: F401 - re-exported for the tests

ROOT = Path(__file__).resolve().parents[2]
PROBLEM = "application/problem+json"
VOLATILE = {"id", "offer_id", "created_at", "updated_at", "places_updated_at"}


def wait_for(predicate: Callable[[], object], timeout: float, what: str, every: float = 0.1):
    """Poll until `predicate()` is truthy; return its value. Generous timeouts: the machine is shared."""
    deadline = time.monotonic() + timeout
    last_exc: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except AssertionError:
            raise
        except Exception as exc:  # noqa: BLE001 - the service may be starting
            last_exc = exc
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what} (last error: {last_exc!r})")


def client(url: str, key: str | None = None, timeout: float = 60) -> httpx.Client:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.Client(base_url=url, headers=headers, timeout=timeout, trust_env=False)


def assert_problem(r: httpx.Response, *statuses: int) -> dict:
    assert r.status_code in statuses, f"{r.status_code} {r.text[:500]}"
    assert r.headers["content-type"].startswith(PROBLEM), r.headers["content-type"]
    body = r.json()
    assert body["status"] == r.status_code and body["type"] and body["title"] and body["detail"], body
    return body


# --------------------------------------------------------------------------------------------
# The app
# --------------------------------------------------------------------------------------------

def sqlite_url(directory: Path) -> str:
    return f"sqlite:///{directory}/app.core.db"


def sqlite_path(url: str) -> str:
    return url.removeprefix("sqlite:///")


def new_database(url: str, **key_scopes: dict) -> dict[str, str]:
    """Migrate and create one key per role asked for: `new_database(url, admin={}, adviser={...})`."""
    upgrade_to_head(url)
    db = Database(url)
    try:
        with db.session(write=True) as s:
            return {role: create_key(s, role=Role(role), name=f"faults {role}", **scope)[1]
                    for role, scope in key_scopes.items()}
    finally:
        db.dispose()


def start_app(url: str, *, workers: int = 2, env: dict[str, str] | None = None) -> LiveServer:
    return LiveServer(url, workers=workers, env={"RATE_LIMIT_ENABLED": "false", **(env or {})},
                      start_timeout=120).start()


def kill9(server: LiveServer) -> None:
    """SIGKILL to the whole process group: the uvicorn supervisor and its workers, no clean-up."""
    assert server.proc is not None
    os.killpg(server.proc.pid, signal.SIGKILL)
    server.proc.wait(timeout=30)
    server.stop()  # closes its log file (the process is gone)


def integrity_check(path: str) -> str:
    with sqlite3.connect(path, timeout=60) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


def sql(path: str, query: str, *args) -> list[tuple]:
    """A read on the app's SQLite file, next to the running server (WAL: readers do not block)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=60)
    try:
        return conn.execute(query, args).fetchall()
    finally:
        conn.close()


def canonical(item: dict) -> dict:
    """An offer as GET returns it, without what changes on every write (ids, timestamps)."""
    out = {k: v for k, v in item.items() if k not in VOLATILE}
    out["sessions"] = sorted(({k: v for k, v in s.items() if k not in VOLATILE} for s in item.get("sessions", [])),
                             key=lambda s: s["external_id"])
    return out


def catalogue_fingerprint(url: str) -> dict[tuple[str, str], str]:
    """(source, external_id) → content hash of every live offer, read through the public API."""
    out: dict[tuple[str, str], str] = {}
    cursor = None
    with client(url) as c:
        while True:
            r = c.get("/v1/offers", params={"limit": 200, **({"cursor": cursor} if cursor else {})})
            assert r.status_code == 200, r.text
            page = r.json()
            for item in page["items"]:
                blob = json.dumps(canonical(item), sort_keys=True, ensure_ascii=False).encode()
                out[(item["source"], item["external_id"])] = hashlib.sha256(blob).hexdigest()
            cursor = page["next_cursor"]
            if not cursor:
                return out
