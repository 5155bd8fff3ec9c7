"""`POST /v1/match` at national scale, through the real server.

    .venv/bin/python bench/match.py [--sessions 100000] [--profiles 500] [--seconds 20]

Builds (or reuses) a synthetic national catalogue (bench/catalogue.py: communes drawn by
population, ~3 sessions per offer), starts the real server (one uvicorn worker, loopback), and
measures in one run:
- 500 realistic profiles sent one at a time (p50, p95): homes drawn by population from the
  communes file, `max_distance_km` from {5, 10, 20, 30}, half free on weekday mornings, levels,
  literacy and publics in realistic proportions;
- the framework floor: a bare endpoint of the same app returning a constant (`/healthz`);
- throughput of both with exactly 8 concurrent keep-alive clients for 20 s each.
Last line exactly:
    RESULT sessions=<n> p50_ms=<x> p95_ms=<x> bare_p50_ms=<x> rps=<x> bare_rps=<x> rps_vs_bare=<x>
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from sqlalchemy import func, select  # noqa: E402

from app.auth.keys import create_key  # noqa: E402
from app.catalogue.models import Offer, TrainingSession  # noqa: E402
from app.reference import communes  # noqa: E402
from app.reference.roles import Role  # noqa: E402
from bench.catalogue import db_url, ensure_catalogue  # noqa: E402
from bench.http_load import percentile, request_bytes, run_load  # noqa: E402
from bench.live_server import LiveServer  # noqa: E402

LEVELS = [("A0", 0.15), ("A1.1", 0.2), ("A1", 0.3), ("A2", 0.2), ("B1", 0.12), ("B2", 0.03)]
PUBLICS = [(["cir_signatory", "jobseeker"], 0.45), (["bpi", "jobseeker"], 0.2), (["immigrant"], 0.15),
           (["cir_signatory", "women"], 0.1), (["under_26", "immigrant"], 0.1)]
SECTORS = ["services_a_la_personne", "hotellerie_restauration", "btp", "proprete", "logistique", "sante", "commerce"]


def _pick(rng: random.Random, weighted):
    return rng.choices([x for x, _ in weighted], [w for _, w in weighted])[0]


def profiles(n: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    pool = [c for c in communes.all_communes() if c.population]
    homes = rng.choices(pool, weights=[c.population for c in pool], k=n)
    out = []
    for i, home in enumerate(homes):
        level = _pick(rng, LEVELS)
        p = {"level": level, "home": {"insee": home.insee}, "max_distance_km": rng.choice([5, 10, 20, 30]),
             "publics": _pick(rng, PUBLICS)}
        if level in ("A0", "A1.1"):
            p["literacy"] = rng.choice(["none", "partial", "full"])
        if i % 2 == 0:
            p["availability"] = [{"day": d, "start": "08:30", "end": "12:30"} for d in ["mon", "tue", "wed", "thu", "fri"]]
        if rng.random() < 0.6:
            p["sectors"] = [rng.choice(SECTORS)]
        if rng.random() < 0.2:
            p["needs_childcare"] = True
        out.append({"profile": p, "limit": 20})
    return out


async def sequential(base: str, reqs: list[bytes]) -> list[float]:
    from bench.http_load import _read_response

    host, port = base.split("//")[1].split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    lat = []
    try:
        for data in reqs:
            t0 = time.perf_counter()
            writer.write(data)
            status, body = await _read_response(reader)
            lat.append((time.perf_counter() - t0) * 1000)
            if status != 200:
                raise SystemExit(f"match answered {status}: {body[:300]!r}")
    finally:
        writer.close()
    return lat


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=100_000)
    ap.add_argument("--profiles", type=int, default=500)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--db", default=None)
    args = ap.parse_args(argv)

    n_offers = max(1, round(args.sessions / 3))
    url = db_url(args.db, n_offers)
    db = ensure_catalogue(n_offers, url)
    with db.session(write=True) as s:
        sessions = s.execute(select(func.count()).select_from(TrainingSession).join(Offer)
                             .where(Offer.withdrawn_at.is_(None), TrainingSession.withdrawn_at.is_(None))).scalar_one()
        _, key = create_key(s, role=Role.ADVISER, name="bench match")
    db.dispose()
    headers = {"Authorization": f"Bearer {key}"}
    bodies = profiles(args.profiles)
    with LiveServer(url, workers=1) as server:
        match_reqs = [request_bytes("POST", server.url + "/v1/match", b, headers) for b in bodies]
        bare_req = request_bytes("GET", server.url + "/healthz")
        t0 = time.perf_counter()
        asyncio.run(sequential(server.url, match_reqs[:1]))  # first match builds the snapshot
        print(f"snapshot built on first match in {time.perf_counter() - t0:.2f} s ({sessions} sessions)", file=sys.stderr)
        asyncio.run(sequential(server.url, match_reqs[:50]))  # warm-up
        lat = asyncio.run(sequential(server.url, match_reqs))
        bare = asyncio.run(sequential(server.url, [bare_req] * 500))
        load = asyncio.run(run_load(server.url, lambda i: match_reqs[i % len(match_reqs)], concurrency=8,
                                    seconds=args.seconds))
        bare_load = asyncio.run(run_load(server.url, lambda i: bare_req, concurrency=8, seconds=args.seconds))
    if load.errors or bare_load.errors:
        print(f"errors: match {load.statuses} bare {bare_load.statuses}", file=sys.stderr)
    sample = json.loads(json.dumps(bodies[0]))
    print(f"profile example: {sample}", file=sys.stderr)
    print(f"match under load: p50 {percentile(load.latencies_ms, 50):.1f} ms, p95 {percentile(load.latencies_ms, 95):.1f} ms,"
          f" statuses {load.statuses}", file=sys.stderr)
    rps, bare_rps = load.rps, bare_load.rps
    print(f"RESULT sessions={sessions} p50_ms={percentile(lat, 50):.2f} p95_ms={percentile(lat, 95):.2f} "
          f"bare_p50_ms={percentile(bare, 50):.2f} rps={rps:.1f} bare_rps={bare_rps:.1f} "
          f"rps_vs_bare={rps / bare_rps:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
