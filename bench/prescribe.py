"""Prescriptions under load, through real HTTP: no overbooking, and how fast.

    .venv/bin/python bench/prescribe.py                       # SQLite (a temporary file)
    .venv/bin/python bench/prescribe.py --postgres URL        # PostgreSQL: a throwaway database on that server

A server with 2 uvicorn workers; 100 sessions of 5 places each; exactly 50 concurrent clients for
20 s: most prescribe on random sessions, the others cancel a held prescription and prescribe again
on the same session. Afterwards the database is checked: on every session, the places held by
active prescriptions plus the places left must equal the 5 it started with, and never more than 5
may be held. `overbooked` counts the places beyond capacity (held beyond 5, negative counts, or
places that appeared from nowhere); it must be 0.

The last line is exactly:
    RESULT backend=<name> requests=<n> held=<n> refused_full=<n> overbooked=<n> p95_ms=<x>
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
from sqlalchemy import func  # noqa: E402
from sqlmodel import select  # noqa: E402

from app.auth.keys import create_key  # noqa: E402
from app.catalogue.models import TrainingSession  # noqa: E402
from app.core.db import Database  # noqa: E402
from app.core.migrate import upgrade_to_head  # noqa: E402
from app.prescriptions.models import Prescription  # noqa: E402
from app.reference.roles import Role  # noqa: E402
from bench.live_server import LiveServer  # noqa: E402

OFFERS = 10


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)  # HTTP status, or the transport error's name
    held: int = 0
    refused_full: int = 0
    cancelled: int = 0


def sqlalchemy_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme in ("postgresql", "postgres"):
        parts = parts._replace(scheme="postgresql+psycopg")
    return urlunsplit(parts)


def _admin(url: str):
    import psycopg

    parts = urlsplit(url)
    dsn = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    return psycopg.connect(dsn, autocommit=True, connect_timeout=10)


def create_pg_database(url: str) -> str:
    from psycopg import sql

    name = "bench_" + secrets.token_hex(5)
    with _admin(url) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return urlunsplit(urlsplit(sqlalchemy_url(url))._replace(path="/" + name))


def drop_pg_database(url: str) -> None:
    from psycopg import sql

    name = urlsplit(url).path.lstrip("/")
    with _admin(url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def offer(i: int, sessions: int, places: int) -> dict:
    return {
        "title": f"FLE à visée professionnelle — banc d'essai {i}",
        "summary": "Offre de test de charge.",
        "kind": "fle_pro",
        "organisation": {"name": "Organisme de test", "siret": "13002526500013"},
        "funders": ["bop104"],
        "entry_level": {"min": "A1", "max": "A2"},
        "target_level": "A2",
        "literacy_accepted": ["full"],
        "sectors": ["services_a_la_personne"],
        "rome_codes": ["K1302"],
        "formacodes": ["15235"],
        "modality": "in_person",
        "hours_total": 200,
        "hours_per_week": 10,
        "publics": [],
        "audience": ["immigrant"],
        "childcare": None,
        "cost_to_learner": 0,
        "certification": None,
        "sessions": [{"external_id": f"S{j}", "start_date": "2027-01-11", "end_date": "2027-04-30",
                      "schedule": [], "location": {"insee": "93066"}, "capacity": places,
                      "places_available": places, "status": "open"} for j in range(sessions)],
    }


async def run_load(server: LiveServer, key: str, session_ids: list[int], *, clients: int, cancellers: int,
                   duration: float) -> Stats:
    stats = Stats()
    held: list[tuple[int, int]] = []  # (prescription id, session id) of active holds
    refs = itertools.count(1)
    rnd = random.Random(7)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=server.url, headers={"Authorization": f"Bearer {key}"}, limits=limits,
                                 timeout=60, trust_env=False) as client:
        end = time.monotonic() + duration

        async def call(method: str, url: str, body: dict) -> httpx.Response | None:
            t0 = time.perf_counter()
            try:
                r = await client.request(method, url, json=body)
            except httpx.TransportError as exc:  # counted, reported, and the client goes on
                stats.statuses[type(exc).__name__] += 1
                return None
            stats.latencies.append((time.perf_counter() - t0) * 1000)
            stats.statuses[r.status_code] += 1
            return r

        async def prescribe(sid: int) -> None:
            r = await call("POST", "/v1/prescriptions", {"session_id": sid, "jobseeker_ref": f"BENCH-{next(refs)}",
                                                         "publics": ["cir_signatory"]})
            if r is None:
                return
            if r.status_code == 201 and r.json()["place_held"]:
                stats.held += 1
                held.append((r.json()["id"], sid))
            elif r.status_code == 409 and r.json().get("code") == "session_full":
                stats.refused_full += 1

        async def prescriber() -> None:
            while time.monotonic() < end:
                await prescribe(rnd.choice(session_ids))

        async def canceller() -> None:
            while time.monotonic() < end:
                if not held:
                    await prescribe(rnd.choice(session_ids))
                    continue
                pid, sid = held.pop(rnd.randrange(len(held)))
                r = await call("PATCH", f"/v1/prescriptions/{pid}", {"status": "cancelled", "reason": "banc d'essai"})
                if r is not None and r.status_code == 200:
                    stats.cancelled += 1
                await prescribe(sid)

        await asyncio.gather(*[prescriber() for _ in range(clients - cancellers)],
                             *[canceller() for _ in range(cancellers)])
    return stats


def overbooking(db: Database, session_ids: list[int], places: int) -> tuple[int, int]:
    """(places beyond capacity, sessions where held + left != places)."""
    with db.session() as s:
        left = dict(s.execute(select(TrainingSession.id, TrainingSession.places_available)
                              .where(TrainingSession.id.in_(session_ids))).all())
        holds = dict(s.execute(
            select(Prescription.session_id, func.count())
            .where(Prescription.session_id.in_(session_ids), Prescription.place_held.is_(True),
                   Prescription.status.in_(["pending", "accepted"]))
            .group_by(Prescription.session_id)).all())
    over = mismatched = 0
    for sid in session_ids:
        n_left, n_held = left[sid], holds.get(sid, 0)
        over += max(0, n_held + max(n_left, 0) - places) + max(0, -n_left)
        mismatched += int(n_held + n_left != places)
    return over, mismatched


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--postgres", metavar="URL", help="PostgreSQL server URL (a throwaway database is created on it)")
    ap.add_argument("--duration", type=float, default=20.0)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--cancellers", type=int, default=10, help="clients that cancel and prescribe again")
    ap.add_argument("--sessions", type=int, default=100)
    ap.add_argument("--places", type=int, default=5)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    if not 0 <= args.cancellers < args.clients or args.sessions % OFFERS:
        ap.error("need 0 <= cancellers < clients, and sessions a multiple of 10")

    tmp = None
    if args.postgres:
        backend, url = "postgresql", create_pg_database(args.postgres)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="bench-prescribe-")
        backend, url = "sqlite", f"sqlite:///{tmp.name}/bench.db"
    try:
        upgrade_to_head(url)
        db = Database(url)
        with db.session(write=True) as s:
            admin = create_key(s, role=Role.ADMIN, name="bench admin")[1]
            adviser = create_key(s, role=Role.ADVISER, name="bench adviser", organisation="France Travail")[1]
        with LiveServer(url, workers=args.workers) as server:
            session_ids: list[int] = []
            with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {admin}"}, timeout=60,
                              trust_env=False) as c:
                for i in range(OFFERS):
                    r = c.put(f"/v1/offers/carif-bench/BENCH-{i}", json=offer(i, args.sessions // OFFERS, args.places))
                    r.raise_for_status()
                    session_ids += [s["id"] for s in r.json()["sessions"]]
            print(f"{backend}: {args.workers} uvicorn workers, {len(session_ids)} sessions × {args.places} places, "
                  f"{args.clients} clients ({args.cancellers} cancel and prescribe again) for {args.duration:g} s",
                  flush=True)
            stats = asyncio.run(run_load(server, adviser, session_ids, clients=args.clients,
                                         cancellers=args.cancellers, duration=args.duration))
        over, mismatched = overbooking(db, session_ids, args.places)
        db.dispose()
    finally:
        if args.postgres:
            drop_pg_database(url)
        if tmp is not None:
            tmp.cleanup()
    requests = sum(n for k, n in stats.statuses.items() if isinstance(k, int))
    p95 = statistics.quantiles(stats.latencies, n=100)[94] if len(stats.latencies) >= 2 else 0.0
    print(f"statuses {dict(sorted(stats.statuses.items(), key=str))}; cancelled {stats.cancelled}; "
          f"{requests / args.duration:.0f} requests/s; median {statistics.median(stats.latencies):.1f} ms")
    print(f"consistency: held + left == {args.places} on {len(session_ids) - mismatched}/{len(session_ids)} sessions")
    print(f"RESULT backend={backend} requests={requests} held={stats.held} refused_full={stats.refused_full} "
          f"overbooked={over} p95_ms={p95:.1f}")
    failures = [k for k in stats.statuses if not isinstance(k, int) or k >= 500]
    return 0 if over == 0 and mismatched == 0 and not failures else 1


if __name__ == "__main__":
    raise SystemExit(main())
