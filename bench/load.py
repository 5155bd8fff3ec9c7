"""Mixed adviser traffic against the real server: latency, server errors, overbooking.

    .venv/bin/python bench/load.py                              # SQLite, embedded search engine
    .venv/bin/python bench/load.py --backend postgresql         # throwaway PostgreSQL 15 + Meilisearch
    .venv/bin/python bench/load.py --postgres URL --meili-url URL --meili-key KEY   # servers you run
    .venv/bin/python bench/load.py --compare                    # SQLite, then PostgreSQL + Meilisearch

The demo catalogue scaled to 50,000 sessions (`bench/scale_demo.py`; built once and reused: a
copy of the SQLite file per run, a `TEMPLATE` database on PostgreSQL), 2 uvicorn workers with the
rate limiter on and its limits raised, loopback only. After a warm-up (not counted), exactly 16
concurrent keep-alive clients (`bench/http_load.run_mix`) send for 60 s (and at most
`--max-requests`) requests drawn from this mix:

    60 %  search 40 (text, filters, near + radius, facets) and suggest 20 (type-ahead prefixes)
    25 %  match (realistic profiles: homes drawn by population, levels, publics, distances)
    10 %  reads: an offer 5, a session 3, a page of offers of a département 2
     5 %  writes: a prescription 4 (on 200 sessions of 20 places), a places update 1 (on 200 others)

Afterwards the database is checked: on every prescribed session, places left + places held by
pending/accepted prescriptions must equal the 20 stated before the run, and no session anywhere
may have a negative count. `overbooked` counts places beyond the stated figure (or below zero).

Last line exactly:
    RESULT backend=<name> seconds=<n> requests=<n> errors_5xx=<n> p50_ms=<x> p95_ms=<x> p99_ms=<x> overbooked=<n>
or, with `--compare` (the same traffic on SQLite, then on PostgreSQL + Meilisearch, one after the
other in one invocation, each with its per-route lines; errors and overbooking summed over both):
    RESULT sqlite_p95_ms=<x> postgresql_p95_ms=<x> pg_vs_sqlite_p95=<x> errors_5xx=<n> overbooked=<n>
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import sqlite3
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import httpx  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from app.auth.keys import create_key  # noqa: E402
from app.catalogue.models import Offer, TrainingSession  # noqa: E402
from app.core.clock import paris_today  # noqa: E402
from app.core.db import Database  # noqa: E402
from app.prescriptions.models import Prescription  # noqa: E402
from app.reference.roles import Role  # noqa: E402
from bench.http_load import MixEntry, percentile, request_bytes, run_mix  # noqa: E402
from bench.live_server import LiveServer  # noqa: E402
from bench.match import profiles  # noqa: E402
from bench.scale_demo import db_url, ensure_scaled_demo  # noqa: E402

PRESCRIBED_SESSIONS = 200
UPDATED_SESSIONS = 200
STATED = 20
RAISED_LIMITS = {"RATE_LIMIT_ENABLED": "true", "RATE_LIMIT_PER_MINUTE": "100000000",
                 "RATE_LIMIT_SYNC_PER_MINUTE": "100000000", "RATE_LIMIT_ANON_PER_MINUTE": "100000000"}
QUERIES = ["français", "fle", "alphabétisation", "alpha", "fransais", "cours de français", "aide à domicile",
           "logistique", "hôtellerie restauration", "btp", "delf", "tcf", "cir", "ofii", "atelier sociolinguistique",
           "français professionnel", "propreté", "santé", "cuisine", "numérique", "bobigny", "marseille", "lyon",
           "lille", "toulouse", "saint-denis", "intensif", "soir", "femmes", "jeunes", "alphabetisat", "francais pr"]
PREFIXES = ["fr", "fra", "franc", "al", "alph", "aide", "aide à d", "log", "hôt", "cui", "del", "cir", "ateli", "bob",
            "mars", "lyo", "prop", "sant", "num", "fle p", "cours d", "int"]
LEVELS = ["A0", "A1.1", "A1", "A2", "B1"]
FUNDERS = ["bop104", "ofii", "region", "france_travail", "cpf"]
DEPARTEMENTS = ["93", "75", "13", "69", "59", "31", "33", "44", "67", "06", "92", "94", "95", "91", "77", "78"]
NEAR = ["93066", "75056", "13055", "69123", "59350", "31555", "33063", "44109", "67482", "06088", "93008", "92050"]


# --------------------------------------------------------------------------------------------
# Databases
# --------------------------------------------------------------------------------------------

def sqlite_copy(n_sessions: int, directory: str) -> str:
    """A fresh copy (sqlite3 backup: consistent, WAL included) of the cached scaled catalogue."""
    cached = db_url(None, n_sessions)
    ensure_scaled_demo(cached, n_sessions).dispose()
    target = f"{directory}/load.db"
    src = sqlite3.connect(cached.removeprefix("sqlite:///"))
    dst = sqlite3.connect(target)
    with dst:
        src.backup(dst)
    src.close()
    dst.close()
    return f"sqlite:///{target}"


def _pg_admin(url: str):
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(urlunsplit(parts._replace(scheme="postgresql", path="/postgres")), autocommit=True,
                           connect_timeout=10)


def pg_copy(server_url: str, n_sessions: int) -> str:
    """A throwaway database cloned from a cached template holding the scaled catalogue. The template's
    name carries the schema's head revision: a new migration builds a new one."""
    from alembic.script import ScriptDirectory
    from psycopg import sql

    from app.core.migrate import alembic_config

    parts = urlsplit(server_url)
    base = urlunsplit(parts._replace(scheme="postgresql+psycopg"))
    head = ScriptDirectory.from_config(alembic_config(base)).get_current_head()
    template = f"bench_demo_{n_sessions}_{paris_today():%G_w%V}_{head}"
    with _pg_admin(server_url) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (template,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(template + "_tmp")))
    if not exists:
        tmp_url = urlunsplit(urlsplit(base)._replace(path=f"/{template}_tmp"))
        ensure_scaled_demo(tmp_url, n_sessions).dispose()
        with _pg_admin(server_url) as conn:
            conn.execute(sql.SQL("ALTER DATABASE {} RENAME TO {}").format(sql.Identifier(template + "_tmp"),
                                                                          sql.Identifier(template)))
    name = "bench_load_" + secrets.token_hex(4)
    with _pg_admin(server_url) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template)))
    return urlunsplit(urlsplit(base)._replace(path=f"/{name}"))


def pg_drop(url: str) -> None:
    from psycopg import sql

    with _pg_admin(url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(urlsplit(url).path.lstrip("/"))))


# --------------------------------------------------------------------------------------------
# The traffic
# --------------------------------------------------------------------------------------------

def choose_sessions(db: Database, rng: random.Random) -> tuple[list[int], list[int], list[int], list[int]]:
    """(sessions to prescribe on, sessions whose places are updated, offer ids, session ids to read)."""
    with db.session() as s:
        open_ids = list(s.execute(
            select(TrainingSession.id).join(Offer, Offer.id == TrainingSession.offer_id)
            .where(TrainingSession.status == "open", TrainingSession.withdrawn_at.is_(None),
                   Offer.withdrawn_at.is_(None)).order_by(TrainingSession.id)).scalars())
        offer_ids = list(s.execute(select(Offer.id).where(Offer.withdrawn_at.is_(None))).scalars())
    picked = rng.sample(open_ids, PRESCRIBED_SESSIONS + UPDATED_SESSIONS)
    return picked[:PRESCRIBED_SESSIONS], picked[PRESCRIBED_SESSIONS:], offer_ids, open_ids


def search_url(rng: random.Random) -> str:
    params: dict[str, str] = {}
    if rng.random() < 0.85:
        params["q"] = rng.choice(QUERIES)
    r = rng.random()
    if r < 0.25:
        params["level"] = rng.choice(LEVELS)
    elif r < 0.4:
        params["funder"] = rng.choice(FUNDERS)
    if rng.random() < 0.3:
        params["departement"] = rng.choice(DEPARTEMENTS)
    elif rng.random() < 0.3:
        params["near"] = rng.choice(NEAR)
        params["radius_km"] = str(rng.choice([5, 10, 20, 30]))
    if rng.random() < 0.2:
        params["has_places"] = "true"
    if not params:
        params["q"] = "français"
    return "/v1/search?" + "&".join(f"{k}={quote(v)}" for k, v in params.items())


def build_mix(base: str, keys: dict[str, str], prescribed: list[int], updated: list[int], offer_ids: list[int],
              session_ids: list[int], seed: int) -> list[MixEntry]:
    rng = random.Random(seed)
    adviser = {"Authorization": f"Bearer {keys['adviser']}"}
    admin = {"Authorization": f"Bearer {keys['admin']}"}
    searches = [request_bytes("GET", base + search_url(rng), headers=adviser) for _ in range(500)]
    suggests = [request_bytes("GET", f"{base}/v1/suggest?q={quote(p)}", headers=adviser) for p in PREFIXES]
    matches = [request_bytes("POST", base + "/v1/match", body, adviser) for body in profiles(500, seed=seed)]
    run = secrets.token_hex(3)

    def pick(pool: list[bytes]):
        return lambda i, r: pool[r.randrange(len(pool))]

    return [
        MixEntry(40, "search", pick(searches)),
        MixEntry(20, "suggest", pick(suggests)),
        MixEntry(25, "match", pick(matches)),
        MixEntry(5, "read offer", lambda i, r: request_bytes("GET", f"{base}/v1/offers/{r.choice(offer_ids)}",
                                                             headers=adviser)),
        MixEntry(3, "read session", lambda i, r: request_bytes("GET", f"{base}/v1/sessions/{r.choice(session_ids)}",
                                                               headers=adviser)),
        MixEntry(2, "list offers", lambda i, r: request_bytes(
            "GET", f"{base}/v1/offers?limit=20&departement={r.choice(DEPARTEMENTS)}", headers=adviser)),
        MixEntry(4, "prescribe", lambda i, r: request_bytes(
            "POST", base + "/v1/prescriptions",
            {"session_id": r.choice(prescribed), "jobseeker_ref": f"LOAD-{run}-{i}", "publics": ["cir_signatory"]},
            adviser)),
        MixEntry(1, "places", lambda i, r: request_bytes(
            "PUT", f"{base}/v1/sessions/{r.choice(updated)}/places", {"places_available": r.randint(0, 30)}, admin)),
    ]


def connection_split(server: LiveServer) -> list[int]:
    """Established connections to the server's port held by each uvicorn worker (Linux /proc).

    The workers share one listening socket and whichever wakes first accepts: 16 keep-alive clients
    connecting at once split at random (8/8 … 12/4) and keep that split for the whole run. A
    lopsided split leaves one worker queueing twice as many clients as the other, which shows in
    the tail latencies; it is printed so that a run can be read with it."""
    try:
        workers = [int(p) for p in Path(f"/proc/{server.proc.pid}/task/{server.proc.pid}/children").read_text().split()]
        inodes = set()
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            for line in Path(table).read_text().splitlines()[1:]:
                f = line.split()
                if int(f[1].split(":")[1], 16) == server.port and f[3] == "01":  # local port, ESTABLISHED
                    inodes.add(f[9])
        split = []
        for pid in workers:
            fds = Path(f"/proc/{pid}/fd")
            split.append(sum(1 for fd in fds.iterdir()
                             if fd.is_symlink() and os.readlink(fd).removeprefix("socket:[").rstrip("]") in inodes))
        return sorted(split, reverse=True)[:server.workers]  # (the supervisor's other child: a resource tracker)
    except OSError:
        return []


def overbooking(db: Database, prescribed: list[int]) -> tuple[int, int, int]:
    """(places beyond the stated figure or below zero, prescribed sessions where left + held != stated,
    sessions anywhere with a negative count)."""
    with db.session() as s:
        left = dict(s.execute(select(TrainingSession.id, TrainingSession.places_available)
                              .where(TrainingSession.id.in_(prescribed))).all())
        held = dict(s.execute(select(Prescription.session_id, func.count())
                              .where(Prescription.session_id.in_(prescribed), Prescription.place_held.is_(True),
                                     Prescription.status.in_(["pending", "accepted"]))
                              .group_by(Prescription.session_id)).all())
        negative = s.execute(select(func.count()).select_from(TrainingSession)
                             .where(TrainingSession.places_available < 0)).scalar_one()
    over = mismatched = 0
    for sid in prescribed:
        n_left, n_held = left[sid], held.get(sid, 0)
        over += max(0, n_held + max(n_left, 0) - STATED) + max(0, -n_left)
        mismatched += int(n_left + n_held != STATED)
    return over + negative, mismatched, negative


# --------------------------------------------------------------------------------------------

@dataclass
class Outcome:
    ok: bool
    backend: str
    p95_ms: float
    errors: int
    overbooked: int


def run(args: argparse.Namespace) -> Outcome:
    rng = random.Random(args.seed)
    tmp = tempfile.TemporaryDirectory(prefix="bench-load-")
    services = []  # throwaway servers started here, stopped at the end
    pg_url = meili = None
    env = dict(RAISED_LIMITS)
    try:
        if args.postgres or args.backend == "postgresql":
            from bench.services import Meili, Postgres

            server_url = args.postgres
            if server_url is None:
                print("starting a throwaway PostgreSQL 15 and Meilisearch…", file=sys.stderr, flush=True)
                pg = Postgres().init()
                services.append(pg.destroy)
                server_url = pg.url
            if args.meili_url:
                meili_url, meili_key = args.meili_url, args.meili_key
            else:
                meili = Meili().start()
                services.append(meili.stop)
                meili_url, meili_key = meili.url, meili.key
            backend = "postgresql+meilisearch"
            t0 = time.perf_counter()
            url = pg_url = pg_copy(server_url, args.sessions)
            env.update(MEILI_URL=meili_url, MEILI_KEY=meili_key, MEILI_INDEX="load_" + secrets.token_hex(3))
        else:
            backend = "sqlite"
            t0 = time.perf_counter()
            url = sqlite_copy(args.sessions, tmp.name)
        print(f"{backend}: catalogue of {args.sessions} sessions ready in {time.perf_counter() - t0:.0f} s",
              file=sys.stderr, flush=True)

        db = Database(url)
        with db.session(write=True) as s:
            keys = {"admin": create_key(s, role=Role.ADMIN, name="load admin")[1],
                    "adviser": create_key(s, role=Role.ADVISER, name="load adviser", organisation="France Travail")[1]}
        prescribed, updated, offer_ids, session_ids = choose_sessions(db, rng)

        with LiveServer(url, workers=args.workers, env=env, start_timeout=300) as server:
            with httpx.Client(base_url=server.url, timeout=600, trust_env=False,
                              headers={"Authorization": f"Bearer {keys['admin']}"}) as c:
                for sid in prescribed + updated:  # the figure stated before the run
                    r = c.put(f"/v1/sessions/{sid}/places", json={"places_available": STATED})
                    r.raise_for_status()
                t0 = time.perf_counter()
                c.get("/v1/search", params={"q": "français"}).raise_for_status()  # index built (embedded)
                c.post("/v1/match", json={"profile": {"level": "A1", "home": {"insee": "93066"}}},
                       headers={"Authorization": f"Bearer {keys['adviser']}"}).raise_for_status()
                if "MEILI_URL" in env:
                    deadline = time.monotonic() + 900
                    while time.monotonic() < deadline:
                        ready = c.get("/readyz")
                        if ready.status_code == 200 and ready.json().get("search_lag") == 0:
                            break
                        time.sleep(1)
                    else:
                        raise SystemExit(f"Meilisearch did not catch up: {ready.text}")
                print(f"search index and match snapshot ready in {time.perf_counter() - t0:.0f} s", file=sys.stderr,
                      flush=True)
            mix = build_mix(server.url, keys, prescribed, updated, offer_ids, session_ids, args.seed)
            if args.warmup > 0:
                asyncio.run(run_mix(server.url, mix, concurrency=args.clients, seconds=args.warmup, seed=args.seed + 1,
                                    stagger=args.stagger))
            print(f"{args.clients} clients × {args.seconds:g} s against {args.workers} workers…", file=sys.stderr,
                  flush=True)
            split: list[int] = []
            sampler = threading.Timer(min(5.0, args.seconds / 2), lambda: split.extend(connection_split(server)))
            sampler.start()
            result = asyncio.run(run_mix(server.url, mix, concurrency=args.clients, seconds=args.seconds,
                                         max_requests=args.max_requests, seed=args.seed, stagger=args.stagger))
            sampler.join()
            server_log = server.stderr_tail(2000)
        over, mismatched, negative = overbooking(db, prescribed)
        db.dispose()
    finally:
        if pg_url:
            pg_drop(pg_url)
        for stop in reversed(services):
            stop()
        tmp.cleanup()

    lat = result.latencies_ms
    print(f"{result.requests} requests in {result.seconds:.1f} s ({result.rps:.0f}/s); statuses "
          f"{dict(sorted(result.statuses.items()))}; transport errors {result.transport_errors}; "
          f"connections per worker {'/'.join(map(str, split)) or '?'}; load average {os.getloadavg()[0]:.1f}")
    for kind, values in sorted(result.by_kind.items(), key=lambda kv: -len(kv[1])):
        print(f"  {kind:<13} {len(values):>7}  p50 {percentile(values, 50):7.1f} ms  p95 {percentile(values, 95):7.1f} ms"
              f"  p99 {percentile(values, 99):7.1f} ms  {json.dumps(result.kind_statuses[kind], sort_keys=True)}")
    print(f"places: {PRESCRIBED_SESSIONS - mismatched}/{PRESCRIBED_SESSIONS} prescribed sessions with left + held "
          f"== {STATED}; {negative} negative counts")
    if result.errors:
        print(f"server log (end):\n{server_log}", file=sys.stderr)
    print(f"{'RESULT' if not args.compare else ' ':<6} backend={backend} seconds={round(result.seconds)} "
          f"requests={result.requests} errors_5xx={result.errors} p50_ms={percentile(lat, 50):.1f} "
          f"p95_ms={percentile(lat, 95):.1f} p99_ms={percentile(lat, 99):.1f} overbooked={over}", flush=True)
    ok = result.errors == 0 and over == 0 and mismatched == 0 and result.transport_errors == 0
    return Outcome(ok, backend, percentile(lat, 95), result.errors + result.transport_errors, over)


def compare(args: argparse.Namespace) -> int:
    """SQLite, then PostgreSQL + Meilisearch, with the same traffic; the ratio of their p95."""
    outcomes = []
    for backend in ("sqlite", "postgresql"):
        print(f"--- {backend}", flush=True)
        outcomes.append(run(argparse.Namespace(**{**vars(args), "backend": backend,
                                                  "postgres": args.postgres if backend == "postgresql" else None})))
    lite, pg = outcomes
    ratio = pg.p95_ms / lite.p95_ms if lite.p95_ms else float("inf")
    print(f"RESULT sqlite_p95_ms={lite.p95_ms:.1f} postgresql_p95_ms={pg.p95_ms:.1f} pg_vs_sqlite_p95={ratio:.2f} "
          f"errors_5xx={lite.errors + pg.errors} overbooked={lite.overbooked + pg.overbooked}")
    return 0 if lite.ok and pg.ok else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite",
                    help="postgresql: PostgreSQL + Meilisearch (throwaway servers unless given below)")
    ap.add_argument("--postgres", metavar="URL", help="PostgreSQL server URL (a throwaway database is made on it)")
    ap.add_argument("--meili-url", metavar="URL")
    ap.add_argument("--meili-key", metavar="KEY")
    ap.add_argument("--sessions", type=int, default=50_000)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--warmup", type=float, default=15.0, help="seconds of the same traffic before measuring")
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--stagger", type=float, default=0.05,
                    help="seconds between two clients connecting (0: all at once; see connection_split)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--max-requests", type=int, default=1_000_000)
    ap.add_argument("--compare", action="store_true",
                    help="run SQLite, then PostgreSQL + Meilisearch (throwaway servers unless given), and print the "
                         "ratio of their p95")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    if args.meili_url and not args.meili_key:
        ap.error("--meili-url needs --meili-key")
    if args.compare:
        return compare(args)
    return 0 if run(args).ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
