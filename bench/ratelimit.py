"""What one rate-limit decision costs, per place the buckets could live — the measurement behind
the choice in app/api/ratelimit.py (SECURITY.md § Abuse limits).

    .venv/bin/python bench/ratelimit.py                    # memory, shared SQLite file, in-request cost
    .venv/bin/python bench/ratelimit.py --postgres URL     # + an UPSERT per request in PostgreSQL

- memory: a dict and a lock in each process (what each uvicorn worker would have alone);
- shared file: `SharedBuckets`, the SQLite file all workers of a host share (the chosen store),
  from 1 process, then 4 processes hammering one bucket at once;
- postgres: the same GCRA as one `INSERT … ON CONFLICT DO UPDATE … RETURNING` in the catalogue
  database (a logged and an UNLOGGED table), from 1 and 8 connections;
- in a request: median of `GET /v1/search` (authenticated, so limited) with the limiter on and off,
  interleaved; and the worker-thread hop FastAPI adds for the (sync) dependency either way.

Prints one line per case and, last, `RESULT shared_file_median_us=<x> shared_file_p99_us=<x>
thread_hop_us=<x> request_overhead_us=<x>`.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.core.rate_buckets import MemoryBuckets, SharedBuckets  # noqa: E402

N = 20_000


def summary(name: str, lat: list[float], elapsed: float | None = None) -> tuple[float, float]:
    lat = sorted(lat)
    med, p99 = statistics.median(lat) * 1e6, lat[int(len(lat) * 0.99) - 1] * 1e6
    rate = f" {len(lat) / elapsed:8.0f}/s" if elapsed else ""
    print(f"{name:58s} median {med:7.1f} µs   p99 {p99:8.1f} µs{rate}", flush=True)
    return med, p99


def time_store(store, n: int, bucket: str = "k:1") -> list[float]:
    lat = []
    for _ in range(n):
        t0 = time.perf_counter()
        store.hit(bucket, 10**9, time.time())
        lat.append(time.perf_counter() - t0)
    return lat


def _worker(path: str, n: int, queue) -> None:
    store = SharedBuckets(Path(path))
    queue.put(time_store(store, n, "hot"))
    store.close()


def shared_processes(path: Path, procs: int) -> None:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    workers = [ctx.Process(target=_worker, args=(str(path), N // procs, queue)) for _ in range(procs)]
    for w in workers:
        w.start()
    lat = [x for _ in workers for x in queue.get()]
    for w in workers:
        w.join()
    summary(f"shared file, {procs} processes on one bucket at once", lat)


PG_SQL = """INSERT INTO {t} (id, tat) VALUES (%(id)s, %(now)s + %(iv)s)
ON CONFLICT (id) DO UPDATE SET tat = greatest({t}.tat, %(now)s) + %(iv)s
WHERE greatest({t}.tat, %(now)s) + %(iv)s - %(now)s <= 60 RETURNING tat"""


def postgres(url: str) -> None:
    import psycopg

    url = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_rl, bench_rl_u")
        conn.execute("CREATE TABLE bench_rl (id text PRIMARY KEY, tat double precision NOT NULL)")
        conn.execute("CREATE UNLOGGED TABLE bench_rl_u (id text PRIMARY KEY, tat double precision NOT NULL)")
    try:
        for table in ("bench_rl", "bench_rl_u"):
            for conns in (1, 8):
                lat: list[float] = []
                lock = threading.Lock()

                def run(i: int, table=table, conns=conns, lat=lat, lock=lock) -> None:
                    mine = []
                    with psycopg.connect(url, autocommit=True) as c:
                        for _ in range(N // 4 // conns):
                            t0 = time.perf_counter()
                            c.execute(PG_SQL.format(t=table), {"id": "hot", "now": time.time(), "iv": 1e-9}).fetchall()
                            mine.append(time.perf_counter() - t0)
                    with lock:
                        lat.extend(mine)

                threads = [threading.Thread(target=run, args=(i,)) for i in range(conns)]
                t0 = time.perf_counter()
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                kind = "UNLOGGED" if table.endswith("_u") else "logged"
                summary(f"postgres {kind} table, {conns} connection(s), one bucket", lat, time.perf_counter() - t0)
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DROP TABLE IF EXISTS bench_rl, bench_rl_u")


def in_request(tmp: Path) -> float:
    """GET /v1/search (authenticated, so limited) with the limiter on and off, alternating request by
    request in one app (`limiter.enabled` is read per request), so machine noise hits both alike."""
    from fastapi.testclient import TestClient

    from app.auth.keys import create_key
    from app.core.migrate import upgrade_to_head
    from app.core.settings import Settings
    from app.main import create_app
    from app.reference.roles import Role

    url = f"sqlite:///{tmp}/bench.db"
    upgrade_to_head(url)
    app = create_app(Settings(database_url=url, _env_file=None, log_level="WARNING", expire_interval_seconds=0,
                              rate_limit_enabled=True, rate_limit_per_minute=10**9,
                              rate_limit_file=tmp / "req.sqlite3"))
    lat: dict[bool, list[float]] = {True: [], False: []}
    with TestClient(app) as client:
        with app.state.database.session(write=True) as s:
            headers = {"Authorization": f"Bearer {create_key(s, role=Role.ADVISER, name='bench')[1]}"}
        for i in range(6000):
            enabled = i % 2 == 0
            app.state.limiter.enabled = enabled
            t0 = time.perf_counter()
            client.get("/v1/search", headers=headers)
            if i >= 1000:
                lat[enabled].append(time.perf_counter() - t0)
    app.state.database.dispose()
    off, on = statistics.median(lat[False]) * 1e6, statistics.median(lat[True]) * 1e6
    print(f"{'GET /v1/search, limiter off / on (interleaved)':58s} median {off:7.0f} µs / {on:7.0f} µs", flush=True)
    return on - off


def thread_hop() -> float:
    """The dependency is sync (it may look the key up), so FastAPI runs it in a worker thread."""
    import anyio
    from anyio import to_thread

    lat: list[float] = []

    async def run() -> None:
        for _ in range(5000):
            t0 = time.perf_counter()
            await to_thread.run_sync(lambda: None)
            lat.append(time.perf_counter() - t0)

    anyio.run(run)
    return summary("one worker-thread hop (a sync dependency)", lat)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", help="SQLAlchemy or libpq URL of a PostgreSQL database to measure against")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        summary("memory (per process)", time_store(MemoryBuckets(), N))
        store = SharedBuckets(tmp / "buckets.sqlite3")
        time_store(store, 1000)
        med, p99 = summary("shared file, 1 process", time_store(store, N))
        store.close()
        shared_processes(tmp / "buckets.sqlite3", 4)
        if args.postgres:
            postgres(args.postgres)
        hop = thread_hop()
        overhead = in_request(tmp)
    print(f"RESULT shared_file_median_us={med:.1f} shared_file_p99_us={p99:.1f} thread_hop_us={hop:.0f} "
          f"request_overhead_us={overhead:.0f}")


if __name__ == "__main__":
    main()
