"""PostgreSQL stopped (`pg_ctl stop -m fast`: connections cut) and started again under traffic, the
app left running.

During the outage every request that needs the database gets a clean 503 problem+json
(`database-unavailable`, `Retry-After`), never a 500 or a hang; requests that do not (`/healthz`)
still answer. When the database is back the app serves again by itself (the pool's pre-ping
replaces the dead connections), and places + held prescriptions still add up.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx
import pytest

from app.catalogue.demo import load_demo
from app.core.db import Database
from tests.api.factories import offer_body, session_body
from tests.faults.helpers import PG_BIN, Postgres, client, new_database, start_app, wait_for

pytestmark = pytest.mark.faults

PLACES = 6


@dataclass
class Traffic:
    calls: list[tuple[float, str, int | str, dict]] = field(default_factory=list)  # (t, op, status, info)
    stop: threading.Event = field(default_factory=threading.Event)


def _loop(url: str, keys: dict[str, str], sids: list[int], name: str, t: Traffic) -> None:
    i = 0
    with client(url, keys["adviser"], timeout=60) as c:
        while not t.stop.is_set():
            i += 1
            op = ("read", "search", "match", "prescribe", "health")[i % 5]
            try:
                if op == "read":
                    r = c.get(f"/v1/sessions/{sids[i % len(sids)]}")
                elif op == "search":
                    r = c.get("/v1/search", params={"q": "français", "limit": 5})
                elif op == "match":
                    r = c.post("/v1/match", json={"profile": {"level": "A1", "home": {"insee": "93066"}}, "limit": 5})
                elif op == "prescribe":
                    r = c.post("/v1/prescriptions", json={"session_id": sids[i % len(sids)],
                                                          "jobseeker_ref": f"PG-{name}-{i}"})
                    if r.status_code == 201 and i % 2:
                        t.calls.append((time.monotonic(), op, r.status_code, {}))
                        op = "cancel"
                        r = c.patch(f"/v1/prescriptions/{r.json()['id']}", json={"status": "cancelled"})
                else:
                    r = c.get("/healthz")
            except httpx.HTTPError as exc:  # the app must answer: a transport error is a failure
                t.calls.append((time.monotonic(), op, type(exc).__name__, {}))
                continue
            info = {}
            if r.status_code >= 500:
                info = {"ctype": r.headers.get("content-type", ""), "retry": r.headers.get("retry-after"),
                        "body": r.json() if r.headers.get("content-type", "").endswith("json") else r.text[:200]}
            t.calls.append((time.monotonic(), op, r.status_code, info))
            time.sleep(0.01)


def _consistent(url: str, sids: list[int]) -> list[str]:
    import psycopg

    from tests.services import psycopg_url

    with psycopg.connect(psycopg_url(url)) as conn:
        left = dict(conn.execute("SELECT id, places_available FROM session WHERE id = ANY(%s)", (sids,)).fetchall())
        held = dict(conn.execute("SELECT session_id, count(*) FROM prescription WHERE place_held "
                                 "AND status IN ('pending', 'accepted') GROUP BY session_id").fetchall())
    return [f"session {s}: {left[s]} + {held.get(s, 0)} != {PLACES}" for s in sids if left[s] + held.get(s, 0) != PLACES]


def test_postgres_restart_under_traffic_fails_cleanly_and_recovers(tmp_path):
    if not (PG_BIN / "initdb").exists():
        from tests.services import require_or_skip

        require_or_skip("PostgreSQL", f"{PG_BIN}/initdb is missing")
    pg = Postgres().init()
    server = None
    try:
        keys = new_database(pg.url, admin={}, adviser={"organisation": "Mission locale"})
        db = Database(pg.url)
        load_demo(db)
        db.dispose()
        server = start_app(pg.url)
        with client(server.url, keys["admin"]) as c:
            r = c.put("/v1/offers/carif-idf/PG-RESTART", json=offer_body(
                sessions=[session_body(f"S{i}", capacity=PLACES, places_available=PLACES) for i in range(8)]))
            assert r.status_code == 201, r.text
            sids = [s["id"] for s in r.json()["sessions"]]

        traffic = Traffic()
        threads = [threading.Thread(target=_loop, args=(server.url, keys, sids, str(n), traffic)) for n in range(6)]
        for th in threads:
            th.start()
        try:
            time.sleep(2)
            down_at = time.monotonic()
            pg.stop("fast")
            time.sleep(3)
            pg.start()
            up_at = time.monotonic()
            # Recovered: every kind of request succeeds again, with the same app processes.
            for op in ("read", "search", "match", "prescribe"):
                wait_for(lambda op=op: any(c[1] == op and c[0] > up_at and c[2] in (200, 201) for c in traffic.calls),
                         60, f"a successful {op} after the restart")
            time.sleep(1)
        finally:
            traffic.stop.set()
            for th in threads:
                th.join(timeout=120)

        by_status = Counter((c[1], c[2]) for c in traffic.calls)
        print(f"outage {up_at - down_at:.1f} s; {sorted(by_status.items(), key=str)}")
        failures = [c for c in traffic.calls if c[2] not in (200, 201, 409, 503)]
        assert failures == [], failures[:5]
        outage = [c for c in traffic.calls if c[2] == 503]
        assert outage, "no request met the outage"
        for _, op, _, info in outage:
            assert op != "health", "/healthz needs no database"
            assert info["ctype"].startswith("application/problem+json") and info["retry"], info
            assert info["body"]["type"].endswith("database-unavailable") and info["body"]["status"] == 503, info
        # No 503 long after the database came back.
        late = [c for c in outage if c[0] > up_at + 30]
        assert late == [], late[:3]
        assert server.proc.poll() is None  # the same server, never restarted
        assert _consistent(pg.url, sids) == []
    finally:
        if server is not None:
            server.stop()
        pg.destroy()
