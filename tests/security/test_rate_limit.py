"""Abuse limits (app/api/ratelimit.py): per key on match, search, suggest and writes; per client address
without a valid key; 429 problem+json with Retry-After; health and metrics never limited; one
budget for all the workers of a host."""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from app.auth.keys import create_key, revoke_key
from app.core.migrate import upgrade_to_head
from app.core.rate_buckets import WINDOW_SECONDS, MemoryBuckets, PostgresBuckets, SharedBuckets
from app.main import create_app
from app.reference.roles import Role
from bench.live_server import LiveServer
from tests.api.factories import offer_body
from tests.conftest import make_settings, unique, wait_warm
from tests.services import create_database, drop_database

PER_KEY, PER_SYNC, PER_ADDRESS = 5, 8, 3


@pytest.fixture
def limited(database_url, tmp_path):
    """An app with small limits and its own buckets file; yields (client factory, key factory)."""
    settings = make_settings(database_url, rate_limit_enabled=True, rate_limit_per_minute=PER_KEY,
                             rate_limit_sync_per_minute=PER_SYNC, rate_limit_anon_per_minute=PER_ADDRESS,
                             rate_limit_file=tmp_path / "buckets.sqlite3", trusted_proxies=["10.0.0.1"])
    app = create_app(settings)
    clients = []

    def client(address: str = "192.0.2.10", **kw) -> TestClient:
        c = TestClient(app, raise_server_exceptions=False, client=(address, 40000), **kw)
        c.__enter__()
        clients.append(c)
        return c

    def key(role: Role = Role.ADVISER, **scope) -> dict[str, str]:
        with app.state.database.session(write=True) as db:
            return {"Authorization": f"Bearer {create_key(db, role=role, name='rl', **scope)[1]}"}

    yield app, client, key
    for c in clients:
        c.__exit__(None, None, None)
    app.state.database.dispose()


def assert_429(r) -> int:
    assert r.status_code == 429, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-request-id"]
    body = r.json()
    assert body["status"] == 429 and body["type"].endswith("/too-many-requests") and "minute" in body["detail"]
    retry = int(r.headers["retry-after"])
    assert 1 <= retry <= 60 and body["retry_after"] == retry
    return retry


def test_per_key_on_search_suggest_match_and_writes(limited):
    app, client, key = limited
    c, adviser, other = client(), key(), key()
    calls = [lambda: c.get("/v1/search", params={"q": "fle"}, headers=adviser),
             lambda: c.get("/v1/suggest", params={"q": "fle"}, headers=adviser),
             lambda: c.post("/v1/match", json={"profile": {"level": "A1", "home": {"insee": "93066"}}}, headers=adviser),
             lambda: c.post("/v1/prescriptions", json={"session_id": 999999, "jobseeker_ref": "FT-1"}, headers=adviser),
             lambda: c.get("/v1/search", headers=adviser)]
    assert [call().status_code for call in calls] == [200, 200, 200, 404, 200]  # one budget of 5 for all
    assert_429(c.get("/v1/search", headers=adviser))
    assert_429(c.post("/v1/match", json={}, headers=adviser))  # refused before the body is validated
    assert c.get("/v1/search", headers=other).status_code == 200  # another key has its own budget
    # Other authenticated reads are not limited per key:
    assert all(c.get("/v1/offers", headers=adviser).status_code == 200 for _ in range(3 * PER_KEY))
    assert c.get("/v1/prescriptions", headers=adviser).status_code == 200


def test_writes_of_every_method_count(limited, database_url):
    _, client, key = limited
    c, admin = client(), key(Role.ADMIN)
    source = "carif-idf"
    ext = unique("RL_")
    statuses = [c.put(f"/v1/offers/{source}/{ext}", json=offer_body(), headers=admin).status_code,
                c.put(f"/v1/offers/{source}/{ext}", json=offer_body(), headers=admin).status_code,
                c.patch("/v1/prescriptions/999999", json={"status": "cancelled"}, headers=admin).status_code,
                c.post("/v1/entries", json={"entries": []}, headers=admin).status_code,
                c.delete(f"/v1/offers/{source}/{ext}", headers=admin).status_code]
    assert statuses[:3] == [201, 200, 404] and statuses[4] == 204, statuses
    assert_429(c.delete(f"/v1/offers/{source}/{ext}", headers=admin))


def test_sync_keys_have_their_own_rate(limited):
    _, client, key = limited
    c, sync = client(), key(Role.SYNC, source="carif-rl")
    ok = [c.delete(f"/v1/offers/carif-rl/{unique('X')}", headers=sync).status_code for _ in range(PER_SYNC)]
    assert ok == [404] * PER_SYNC
    assert_429(c.delete("/v1/offers/carif-rl/X", headers=sync))


def test_without_a_key_per_client_address(limited):
    _, client, _ = limited
    a, b = client("192.0.2.20"), client("192.0.2.21")
    assert [a.get("/v1/offers").status_code for _ in range(PER_ADDRESS)] == [200] * PER_ADDRESS
    assert_429(a.get("/v1/reference/levels"))
    assert_429(a.get("/"))  # the page too
    assert b.get("/v1/offers").status_code == 200  # another address has its own budget


def test_ipv6_clients_are_counted_per_64(limited):
    _, client, _ = limited
    hosts = [client(f"2001:db8:1:2::{i}") for i in range(1, PER_ADDRESS + 2)]
    assert [h.get("/v1/offers").status_code for h in hosts[:PER_ADDRESS]] == [200] * PER_ADDRESS
    assert_429(hosts[-1].get("/v1/offers"))  # same /64
    assert client("2001:db8:1:3::1").get("/v1/offers").status_code == 200


def test_a_wrong_key_counts_against_the_address(limited):
    _, client, _ = limited
    c = client("192.0.2.30")
    wrong = {"Authorization": "Bearer pfle_deadbeef_" + "x" * 43}
    assert [c.get("/v1/search", headers=wrong).status_code for _ in range(PER_ADDRESS)] == [401] * PER_ADDRESS
    assert_429(c.get("/v1/search", headers=wrong))  # guessing keys is throttled like anonymous reads
    assert_429(c.post("/v1/match", json={}))  # and so is calling an adviser route without a key


def test_x_forwarded_for_only_from_a_trusted_proxy(limited):
    _, client, _ = limited
    direct = client("192.0.2.40")
    spoofed = [direct.get("/v1/offers", headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code
               for i in range(PER_ADDRESS + 1)]
    assert spoofed[-1] == 429  # an untrusted peer cannot pick a new address for each request
    proxy = client("10.0.0.1")  # TRUSTED_PROXIES
    for i in range(PER_ADDRESS + 1):  # each forwarded client has its own budget behind the proxy
        assert proxy.get("/v1/offers", headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code == 200
    for _ in range(PER_ADDRESS):
        proxy.get("/v1/offers", headers={"X-Forwarded-For": "203.0.113.9, 10.0.0.1"})
    assert_429(proxy.get("/v1/offers", headers={"X-Forwarded-For": "203.0.113.9"}))


def test_health_readiness_and_metrics_are_never_limited(limited):
    app, client, _ = limited
    c = client("192.0.2.50")
    wait_warm(app)
    for _ in range(3 * PER_ADDRESS):
        assert c.get("/healthz").status_code == 200
        assert c.get("/readyz").status_code == 200
        assert c.get("/metrics").status_code == 200
    assert c.get("/v1/offers").status_code == 200  # and they used none of the address's budget


def test_revoking_a_key_takes_effect_at_once(limited):
    app, client, key = limited
    c, headers = client(), key()
    assert c.get("/v1/search", headers=headers).status_code == 200
    with app.state.database.session(write=True) as db:
        revoke_key(db, headers["Authorization"].split("_")[1])
    assert c.get("/v1/search", headers=headers).status_code == 401


def test_disabled_limiter_never_refuses(database_url, tmp_path):
    app = create_app(make_settings(database_url, rate_limit_enabled=False, rate_limit_anon_per_minute=1,
                                   rate_limit_file=tmp_path / "b.sqlite3"))
    with TestClient(app) as c:
        assert all(c.get("/v1/offers").status_code == 200 for _ in range(5))
    assert not (tmp_path / "b.sqlite3").exists()


def test_429_is_documented_on_limited_routes_only():
    import yaml

    from app.openapi_export import openapi_yaml

    paths = yaml.safe_load(openapi_yaml())["paths"]
    assert "429" in paths["/v1/search"]["get"]["responses"]
    assert "429" in paths["/v1/prescriptions"]["post"]["responses"]
    for exempt in ("/healthz", "/readyz", "/metrics"):
        assert "429" not in paths[exempt]["get"]["responses"]


# --- the buckets themselves ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def buckets_pg_url(postgres_url):
    """A PostgreSQL database migrated to head (the UNLOGGED rate_bucket table), for this module."""
    url = create_database(postgres_url)
    upgrade_to_head(url)
    yield url
    drop_database(url)


@pytest.fixture(params=["memory", "shared", pytest.param("postgres", marks=pytest.mark.postgres)])
def buckets(request, tmp_path):
    if request.param == "postgres":
        store = PostgresBuckets(request.getfixturevalue("buckets_pg_url"))
    else:
        store = MemoryBuckets() if request.param == "memory" else SharedBuckets(tmp_path / "b.sqlite3")
    yield store
    if not isinstance(store, MemoryBuckets):
        store.close()


def test_gcra_burst_then_steady_rate(buckets):
    t, per_minute = 1_000_000.0, 60  # one token a second, 60 at once
    assert all(buckets.hit("k", per_minute, t).allowed for _ in range(per_minute))
    refused = buckets.hit("k", per_minute, t)
    assert not refused.allowed and refused.retry_after == 1
    assert not buckets.hit("k", per_minute, t + 0.5).allowed  # refusals cost nothing…
    assert buckets.hit("k", per_minute, t + 1.0).allowed  # …and one more token a second later
    assert not buckets.hit("k", per_minute, t + 1.0).allowed
    assert buckets.hit("other", per_minute, t).allowed
    # After a full window idle, the whole burst is back:
    assert all(buckets.hit("k", per_minute, t + 1 + WINDOW_SECONDS).allowed for _ in range(per_minute))


def test_retry_after_is_the_wait_for_one_token(buckets):
    t = 5_000_000.0
    for _ in range(3):
        buckets.hit("slow", 3, t)  # 3 a minute: a token every 20 s
    refused = buckets.hit("slow", 3, t)
    assert not refused.allowed and refused.retry_after == 20
    assert not buckets.hit("slow", 3, t + 19).allowed
    assert buckets.hit("slow", 3, t + 20).allowed


@pytest.mark.postgres
def test_postgres_buckets_are_one_budget_for_every_host(buckets_pg_url):
    """Two stores on one database, as two hosts: 60 a minute in all. The one that saw a refusal
    refuses on its own until the next token is due, and never longer than the database would."""
    host_a, host_b = PostgresBuckets(buckets_pg_url), PostgresBuckets(buckets_pg_url)
    try:
        t, key = 7_000_000.0, f"k:{unique()}"
        allowed = [(host_a if i % 2 else host_b).hit(key, 60, t).allowed for i in range(60)]
        assert all(allowed)
        assert not host_a.hit(key, 60, t).allowed and not host_b.hit(key, 60, t + 0.5).allowed
        assert host_b.hit(key, 60, t + 1.0).allowed  # the token of the next second, once…
        assert not host_a.hit(key, 60, t + 1.0).allowed  # …for both hosts
        assert host_a.hit(key, 60, t + 2.0).allowed
    finally:
        host_a.close()
        host_b.close()


@pytest.mark.postgres
def test_a_deployment_on_postgres_counts_in_the_database(buckets_pg_url):
    from app.api.ratelimit import Limiter

    limiter = Limiter(make_settings(buckets_pg_url, rate_limit_enabled=True))
    assert isinstance(limiter.store, PostgresBuckets)
    limiter.close()
    per_host = Limiter(make_settings(buckets_pg_url, rate_limit_file=Path("/tmp/x.sqlite3")))
    assert isinstance(per_host.store, SharedBuckets)  # RATE_LIMIT_FILE: each host counts alone


def test_an_unreachable_database_falls_back_to_memory(caplog):
    from app.api.ratelimit import Limiter

    limiter = Limiter(make_settings("postgresql+psycopg://nobody:x@127.0.0.1:9/none", rate_limit_enabled=True))
    assert isinstance(limiter.store, PostgresBuckets)
    limiter.check("k:1", 2)
    limiter.check("k:1", 2)
    with pytest.raises(Exception) as refused:
        limiter.check("k:1", 2)
    assert getattr(refused.value, "status", None) == 429


def _hammer(path: str, n: int, queue) -> None:
    store = SharedBuckets(path)
    queue.put(sum(store.hit("shared-key", 100, time.time()).allowed for _ in range(n)))
    store.close()


def test_workers_share_one_budget(tmp_path):
    """Four processes on one file: 100 a minute in all, not 100 each."""
    path = tmp_path / "shared.sqlite3"
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_hammer, args=(path, 60, queue)) for _ in range(4)]
    for p in procs:
        p.start()
    allowed = sum(queue.get(timeout=60) for _ in procs)
    for p in procs:
        p.join(timeout=30)
    assert 100 <= allowed <= 102  # + the tokens refilled during the run (one each 0.6 s)


def test_a_broken_file_falls_back_to_memory(tmp_path, caplog):
    from app.api.ratelimit import Limiter

    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    settings = make_settings("sqlite://", rate_limit_enabled=True, rate_limit_per_minute=2,
                             rate_limit_file=blocker / "b.sqlite3")
    limiter = Limiter(settings)
    limiter.check("k:1", 2)
    limiter.check("k:1", 2)
    with pytest.raises(Exception) as refused:
        limiter.check("k:1", 2)
    assert getattr(refused.value, "status", None) == 429


# --- through real uvicorn workers ----------------------------------------------------------------------


def test_two_uvicorn_workers_share_the_budget(database_url, tmp_path):
    with LiveServer(database_url, workers=2, env={
            "RATE_LIMIT_ENABLED": "true", "RATE_LIMIT_PER_MINUTE": "20", "RATE_LIMIT_ANON_PER_MINUTE": "10",
            "RATE_LIMIT_FILE": str(tmp_path / "live.sqlite3")}) as server:
        from app.core.db import Database

        with Database(database_url).session(write=True) as db:
            key = create_key(db, role=Role.ADVISER, name="live rl")[1]

        def one(_):  # a new connection each time: the kernel spreads them over both workers
            with httpx.Client(trust_env=False, timeout=10) as c:
                return c.get(server.url + "/v1/search", headers={"Authorization": f"Bearer {key}"}).status_code

        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(one, range(60)))
        assert 20 <= statuses.count(200) <= 22 and statuses.count(429) >= 38, statuses
        with httpx.Client(trust_env=False, timeout=10) as c:
            anon = [c.get(server.url + "/v1/offers").status_code for _ in range(15)]
        assert anon.count(200) in (10, 11) and anon[-1] == 429
