"""Two hosts, one service: two `parcours-fle serve --workers 2` processes on different ports (as in
production, started together: each migrates first), one PostgreSQL database, one Meilisearch.

- a write on host A (offer, places, prescription) is found by search and matching on host B
  within a second — for search, plus the time Meilisearch itself spent processing the push (read
  from its task list: 0.7–0.8 s for one document on this loaded 2-core machine, 6 s for the
  first document of a new index, which the fixture therefore writes before any timing);
- concurrent prescriptions on both hosts never overbook a session;
- a key's rate budget is one budget across the hosts;
- one process of the deployment leads (runs the Meilisearch indexer and the expiry), all hosts'
  /readyz name it; killed, another host's process takes over both tasks.
"""

from __future__ import annotations

import itertools
import re
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import text

from app.auth.keys import create_key
from app.core.clock import utcnow
from app.core.db import Database
from app.reference.roles import Role
from bench.live_server import LiveServer
from tests.api.factories import offer_body, session_body
from tests.services import create_database, drop_database

pytestmark = [pytest.mark.postgres, pytest.mark.meili]

PER_KEY = 60  # adviser keys: one budget of 60 a minute across the hosts
VISIBLE_WITHIN = 1.0  # seconds, from the write's response on A to the read on B
LEADER_LOG = "is now the deployment's leader"
_refs = itertools.count(1)


@pytest.fixture(scope="module")
def deployment(postgres_url, meili):
    url = create_database(postgres_url)  # empty: the two `serve` migrate it, together
    index = f"hosts_{int(time.time() * 1000)}"
    env = {"MEILI_URL": meili.url, "MEILI_KEY": meili.key, "MEILI_INDEX": index, "LOG_LEVEL": "INFO",
           "RATE_LIMIT_ENABLED": "true", "RATE_LIMIT_PER_MINUTE": str(PER_KEY),
           "RATE_LIMIT_SYNC_PER_MINUTE": "100000", "RATE_LIMIT_ANON_PER_MINUTE": "100000",
           "EXPIRE_INTERVAL_SECONDS": "1"}
    hosts = [LiveServer(url, workers=2, env=env, command="serve", start_timeout=120) for _ in "AB"]
    database = Database(url)
    try:
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(LiveServer.start, hosts))
        oid, _ = _new_offer(hosts[0], _key(database, Role.SYNC, source="carif-hosts"), "Amorce", places=1)
        warm, _ = _until(lambda: oid in _search_ids(hosts[1], q="amorce"), 60, 0.2)
        assert warm, "the first push to Meilisearch never became searchable"
        yield hosts, database, MeiliTasks(meili, index)
    finally:
        for host in hosts:
            host.stop()
        database.dispose()
        drop_database(url)
        httpx.delete(f"{meili.url}/indexes/{index}", headers=meili.headers, trust_env=False)


class MeiliTasks:
    """Seconds Meilisearch spent processing this index's tasks enqueued since a moment."""

    def __init__(self, meili, index: str) -> None:
        self.meili, self.index = meili, index

    @staticmethod
    def now() -> str:
        return datetime.now(UTC).isoformat().replace("+00:00", "Z")

    def busy_since(self, since: str) -> float:
        r = httpx.get(f"{self.meili.url}/tasks", params={"indexUids": self.index, "afterEnqueuedAt": since},
                      headers=self.meili.headers, trust_env=False)
        durations = [t["duration"] for t in r.json()["results"] if t["duration"]]
        return sum(float(m[1] or 0) * 60 + float(m[2]) for d in durations
                   if (m := re.fullmatch(r"PT(?:(\d+)M)?([\d.]+)S", d)))


def _key(database: Database, role: Role, **scope) -> dict[str, str]:
    with database.session(write=True) as db:
        return {"Authorization": f"Bearer {create_key(db, role=role, name='hosts', **scope)[1]}"}


def _client(host: LiveServer, headers: dict | None = None) -> httpx.Client:
    return httpx.Client(base_url=host.url, headers=headers or {}, timeout=30, trust_env=False)


def _until(predicate, timeout: float, every: float = 0.02):
    """Poll `predicate` until truthy; (value, seconds taken), or (None, timeout)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        value = predicate()
        if value:
            return value, time.monotonic() - t0
        time.sleep(every)
    return None, timeout


def _ready(host: LiveServer) -> dict:
    with _client(host) as c:
        return c.get("/readyz").json()


def _leader_pid(hosts) -> tuple[int, LiveServer]:
    names = {_ready(h)["leader"] for h in hosts}
    assert len(names) == 1 and None not in names, names  # every host names the same leader
    pid = int(names.pop().rsplit(":", 1)[1])
    owners = [h for h in hosts if pid in h.worker_pids()]
    assert len(owners) == 1, (pid, [h.worker_pids() for h in hosts])
    return pid, owners[0]


def _search_ids(host: LiveServer, **params) -> set[int]:
    with _client(host) as c:
        r = c.get("/v1/search", params={"limit": 50, **params})
    return {o["id"] for o in r.json()["items"]} if r.status_code == 200 else set()


def _matched(host: LiveServer, adviser: dict) -> dict[int, int]:
    """session id → places, for the sessions a profile near 93066 is matched with."""
    with _client(host, adviser) as c:
        r = c.post("/v1/match", json={"profile": {"level": "A1", "literacy": "full", "home": {"insee": "93066"}},
                                      "limit": 50})
    assert r.status_code == 200, r.text
    return {m["session"]["id"]: m["session"]["places_available"] for m in r.json()["results"]}


def _new_offer(host: LiveServer, sync: dict, word: str, places: int) -> tuple[int, int]:
    with _client(host, sync) as c:
        r = c.put(f"/v1/offers/carif-hosts/{word}",
                  json=offer_body(title=f"{word} : français pour la logistique",
                                  sessions=[session_body(places_available=places, capacity=20)]))
    assert r.status_code == 201, r.text
    return r.json()["id"], r.json()["sessions"][0]["id"]


def _prescribe(host: LiveServer, adviser: dict, sid: int) -> httpx.Response:
    with _client(host, adviser) as c:
        return c.post("/v1/prescriptions", json={"session_id": sid, "jobseeker_ref": f"FT-H{next(_refs)}"})


def test_both_hosts_ready_with_one_leader(deployment):
    hosts, database, _ = deployment
    ready, _ = _until(lambda: all(_ready(h).get("search_lag") == 0 and _ready(h)["leader"] for h in hosts), 30, 0.2)
    assert ready, [_ready(h) for h in hosts]
    pid, _ = _leader_pid(hosts)
    logs = "".join(h.stderr_tail(10**7) for h in hosts)
    assert logs.count(LEADER_LOG) == 1, logs[-3000:]  # one of the four processes, once
    with database.session() as db:  # the indexer's lease is the leader's
        owner = db.execute(text("SELECT owner FROM search_indexer")).scalar_one()
    assert owner.split(":")[1] == str(pid)


def test_a_write_on_one_host_is_searched_and_matched_on_the_other_within_a_second(deployment):
    (a, b), database, tasks = deployment
    sync = _key(database, Role.SYNC, source="carif-hosts")
    adviser = _key(database, Role.ADVISER, organisation="France Travail")
    written: dict[str, int] = {}

    def write_then(write, searched, matched, what: str) -> None:
        since = tasks.now()
        write()
        ok, took = _until(matched, VISIBLE_WITHIN)
        assert ok, f"{what}: not matched on B after {took:.2f} s"
        ok, took = _until(searched, VISIBLE_WITHIN + 15)
        meili = tasks.busy_since(since)
        assert ok and took <= VISIBLE_WITHIN + meili, f"{what}: searched on B after {took:.2f} s (Meilisearch {meili:.2f} s)"

    def places(n: int) -> None:
        with _client(a, sync) as c:
            assert c.put(f"/v1/sessions/{written['sid']}/places", json={"places_available": n}).status_code == 200

    def new_offer() -> None:
        written["oid"], written["sid"] = _new_offer(a, sync, "Zyxophone", places=3)

    def prescribe() -> None:
        places(2)
        assert _prescribe(a, _key(database, Role.ADVISER, organisation="France Travail"), written["sid"]).status_code == 201

    def has_places() -> bool:
        return written["oid"] in _search_ids(b, q="zyxophone", has_places="true")

    write_then(new_offer, has_places, lambda: _matched(b, adviser).get(written["sid"]) == 3, "an offer written on A")
    write_then(lambda: places(0), lambda: not has_places(), lambda: written["sid"] not in _matched(b, adviser),
               "places = 0 on A")
    write_then(prescribe, has_places, lambda: _matched(b, adviser).get(written["sid"]) == 1,
               "places = 2 then a prescription on A")


def test_no_overbooking_across_hosts(deployment):
    (a, b), database, _ = deployment
    _, sid = _new_offer(a, _key(database, Role.SYNC, source="carif-hosts"), "Overbook", places=5)
    advisers = [_key(database, Role.ADVISER, organisation="France Travail") for _ in range(4)]
    jobs = [((a, b)[i % 2], advisers[i % 4]) for i in range(20)]  # 10 per host, 5 per key
    with ThreadPoolExecutor(10) as pool:
        statuses = list(pool.map(lambda job: _prescribe(job[0], job[1], sid).status_code, jobs))
    assert statuses.count(201) == 5 and statuses.count(409) == 15, statuses
    with _client(b) as c:
        offer = c.get(f"/v1/sessions/{sid}").json()
    assert offer["places_available"] == 0


def test_a_keys_budget_is_shared_by_the_hosts(deployment):
    (a, b), database, _ = deployment
    adviser = _key(database, Role.ADVISER, organisation="France Travail")
    statuses = {a.url: [], b.url: []}
    t0 = time.monotonic()
    with _client(a, adviser) as ca, _client(b, adviser) as cb:
        for i in range(2 * PER_KEY):  # each host alone would accept all of them (60 each)
            c = (ca, cb)[i % 2]
            statuses[str(c.base_url).rstrip("/")].append(c.get("/v1/search", params={"q": "fle"}).status_code)
    refill = int(time.monotonic() - t0) + 1  # one token a second comes back meanwhile
    ok = sum(s.count(200) for s in statuses.values())
    assert PER_KEY <= ok <= PER_KEY + refill, (ok, statuses)
    assert all(429 in s for s in statuses.values())  # refused on both hosts


def test_the_leader_killed_another_host_takes_over_indexer_and_expiry(deployment):
    hosts, database, _ = deployment
    _, leader_host = _leader_pid(hosts)
    other = next(h for h in hosts if h is not leader_host)
    sync = _key(database, Role.SYNC, source="carif-hosts")
    _, sid = _new_offer(other, sync, "Relais", places=4)
    r = _prescribe(other, _key(database, Role.ADVISER, organisation="France Travail"), sid)
    assert r.status_code == 201, r.text
    pid = r.json()["id"]

    leader_host.kill()
    new_leader, took = _until(lambda: (_ready(other)["leader"] or "").endswith(
        tuple(f":{p}" for p in other.worker_pids())), 10, 0.1)
    assert new_leader, f"no process of the surviving host took the lead: {_ready(other)}"
    assert other.stderr_tail(10**7).count(LEADER_LOG) == 1

    # Expiry runs on the new leader…
    with database.session(write=True) as db:
        db.execute(text("UPDATE prescription SET expires_at = :t WHERE id = :id"),
                   {"t": utcnow() - timedelta(minutes=1), "id": pid})
    admin = _key(database, Role.ADMIN)
    with _client(other, admin) as c:
        expired, _ = _until(lambda: c.get(f"/v1/prescriptions/{pid}").json()["status"] == "expired", 10, 0.1)
    assert expired, "the new leader does not expire prescriptions"
    # …and so does the indexer.
    oid, _ = _new_offer(other, sync, "Quokkaphone", places=2)
    found, _ = _until(lambda: oid in _search_ids(other, q="quokkaphone"), 20, 0.1)  # liveness, not latency
    assert found, "the new leader does not push to Meilisearch"
