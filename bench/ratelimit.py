"""What one rate-limit decision costs, per place the buckets could live — the measurement behind
the choice in app/api/ratelimit.py (SECURITY.md § Abuse limits, docs/trust.md § Several hosts).

    .venv/bin/python bench/ratelimit.py                         # memory, shared SQLite file, in-request cost
    .venv/bin/python bench/ratelimit.py --backend postgresql    # + PostgresBuckets, throwaway PostgreSQL 15
    .venv/bin/python bench/ratelimit.py --postgres URL          # + PostgresBuckets, on that server

- memory: a dict and a lock in each process (what each uvicorn worker would have alone);
- shared file: `SharedBuckets`, the SQLite file all workers of a host share (SQLite deployments),
  from 1 process, then 4 processes hammering one bucket at once;
- postgres: `PostgresBuckets`, the UNLOGGED table every host shares (PostgreSQL deployments), in a
  scratch database on the server: 1 thread; 8 threads of one process on 8 keys and on one key;
  2 processes × 4 threads on one key (two hosts, one busy key);
- the single-thread figures of the three stores are taken in alternating rounds, so the machine's
  noise hits them alike, and compared as same-run ratios;
- in a request: median of `GET /v1/search` (authenticated, so limited) with the limiter on and off,
  interleaved, on SQLite (file) and, with PostgreSQL, on PostgreSQL (its table); and the
  worker-thread hop FastAPI adds for the (sync) dependency either way.

Last line: `RESULT memory_median_us=… shared_file_median_us=… shared_file_p99_us=… [postgres_median_us=…
postgres_p99_us=… pg_vs_file=… pg_vs_memory=… pg_request_overhead_us=…] thread_hop_us=…
request_overhead_us=…`.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import secrets
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.core.rate_buckets import STORE_ERRORS, MemoryBuckets, PostgresBuckets, SharedBuckets  # noqa: E402

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


def _pg_worker(url: str, threads: int, n: int, queue) -> None:
    queue.put(pg_threads(url, threads, n, same_key=True)[0])


def pg_threads(url: str, threads: int, n: int, *, same_key: bool) -> tuple[list[float], float]:
    """`threads` threads of this process sharing one `PostgresBuckets` (its pool of 4 + 4)."""
    store = PostgresBuckets(url)
    time_store(store, 200)
    lat: list[float] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        try:
            mine = time_store(store, n // threads, "hot" if same_key else f"k:{i}")
        except STORE_ERRORS as exc:  # in the server: that request counted in memory (app/api/ratelimit.py)
            print(f"  a thread stopped: {type(exc).__name__}: {exc}", flush=True)
            return
        with lock:
            lat.extend(mine)

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    t0 = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - t0
    store.close()
    return lat, elapsed


def postgres_concurrency(url: str) -> None:
    for same in (False, True):
        lat, elapsed = pg_threads(url, 8, N // 4, same_key=same)
        summary(f"postgres, 8 threads of one process, {'one key' if same else '8 keys'}", lat, elapsed)
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_pg_worker, args=(url, 4, N // 8, queue)) for _ in range(2)]
    t0 = time.perf_counter()
    for p in procs:
        p.start()
    lat = [x for _ in procs for x in queue.get()]
    for p in procs:
        p.join()
    summary("postgres, 2 processes × 4 threads on one key (two hosts)", lat, time.perf_counter() - t0)


class ScratchDatabase:
    """A database created on the given PostgreSQL server for this run, migrated, dropped at the end."""

    def __init__(self, server_url: str) -> None:
        from sqlalchemy.engine import make_url

        self.server = make_url(server_url).set(drivername="postgresql+psycopg")
        self.name = "bench_rl_" + secrets.token_hex(4)
        self.url = self.server.set(database=self.name).render_as_string(hide_password=False)

    def _admin(self, sql: str) -> None:
        import psycopg

        admin = self.server.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql)

    def __enter__(self) -> str:
        from app.core.migrate import upgrade_to_head

        self._admin(f'CREATE DATABASE "{self.name}"')
        upgrade_to_head(self.url)
        return self.url

    def __exit__(self, *exc) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def alternating(stores: dict[str, object], rounds: int = 10) -> dict[str, list[float]]:
    """Single-thread latency of each store, in alternating rounds (same machine noise for all)."""
    lat: dict[str, list[float]] = {name: [] for name in stores}
    for store in stores.values():
        time_store(store, 500)
    for _ in range(rounds):
        for name, store in stores.items():
            lat[name] += time_store(store, N // rounds)
    return lat


def in_request(tmp: Path, url: str | None = None) -> float:
    """GET /v1/search (authenticated, so limited) with the limiter on and off, alternating request by
    request in one app (`limiter.enabled` is read per request), so machine noise hits both alike.
    SQLite with its buckets file, or the PostgreSQL database `url` with its buckets table."""
    from fastapi.testclient import TestClient

    from app.auth.keys import create_key
    from app.core.migrate import upgrade_to_head
    from app.core.settings import Settings
    from app.main import create_app
    from app.reference.roles import Role

    where = "PostgreSQL table" if url else "SQLite file"
    if url is None:
        url = f"sqlite:///{tmp}/bench.db"
        upgrade_to_head(url)
    app = create_app(Settings(database_url=url, _env_file=None, log_level="WARNING", expire_interval_seconds=0,
                              rate_limit_enabled=True, rate_limit_per_minute=10**9,
                              rate_limit_file=None if url.startswith("postgresql") else tmp / "req.sqlite3"))
    lat: dict[bool, list[float]] = {True: [], False: []}
    with TestClient(app) as client:
        with app.state.database.session(write=True) as s:
            headers = {"Authorization": f"Bearer {create_key(s, role=Role.ADVISER, name='bench')[1]}"}
        for i in range(3000):
            enabled = i % 2 == 0
            app.state.limiter.enabled = enabled
            t0 = time.perf_counter()
            client.get("/v1/search", headers=headers)
            if i >= 500:
                lat[enabled].append(time.perf_counter() - t0)
    app.state.database.dispose()
    off, on = statistics.median(lat[False]) * 1e6, statistics.median(lat[True]) * 1e6
    print(f"{'GET /v1/search, limiter off / on (' + where + ')':58s} median {off:7.0f} µs / {on:7.0f} µs",
          flush=True)
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
    parser.add_argument("--postgres", help="SQLAlchemy or libpq URL of a PostgreSQL server to measure against "
                                           "(a scratch database is created there)")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite",
                        help="postgresql: also measure PostgresBuckets on a throwaway PostgreSQL 15")
    args = parser.parse_args()
    stop_pg = None
    server = args.postgres
    if server is None and args.backend == "postgresql":
        from bench.services import Postgres

        print("starting a throwaway PostgreSQL 15…", file=sys.stderr, flush=True)
        pg = Postgres().init()
        stop_pg, server = pg.destroy, pg.url
    try:
        result = measure(server)
    finally:
        if stop_pg is not None:
            stop_pg()
    print("RESULT " + " ".join(f"{k}={v}" for k, v in result.items()))


def measure(server: str | None) -> dict[str, str]:
    with tempfile.TemporaryDirectory() as tmpdir, contextlib.ExitStack() as stack:
        tmp = Path(tmpdir)
        stores: dict[str, object] = {"memory": MemoryBuckets(), "file": SharedBuckets(tmp / "buckets.sqlite3")}
        pg_url = None
        if server:
            pg_url = stack.enter_context(ScratchDatabase(server))
            stores["postgres"] = PostgresBuckets(pg_url)
        lat = alternating(stores)
        med = {name: summary(f"{name}, 1 thread (alternating rounds)", values) for name, values in lat.items()}
        for store in stores.values():
            if not isinstance(store, MemoryBuckets):
                store.close()
        shared_processes(tmp / "buckets.sqlite3", 4)
        out = {"memory_median_us": f"{med['memory'][0]:.1f}", "shared_file_median_us": f"{med['file'][0]:.1f}",
               "shared_file_p99_us": f"{med['file'][1]:.1f}"}
        if pg_url:
            postgres_concurrency(pg_url)
            out.update(postgres_median_us=f"{med['postgres'][0]:.1f}", postgres_p99_us=f"{med['postgres'][1]:.1f}",
                       pg_vs_file=f"{med['postgres'][0] / med['file'][0]:.1f}",
                       pg_vs_memory=f"{med['postgres'][0] / med['memory'][0]:.0f}",
                       pg_request_overhead_us=f"{in_request(tmp, pg_url):.0f}")
        out["thread_hop_us"] = f"{thread_hop():.0f}"
        out["request_overhead_us"] = f"{in_request(tmp):.0f}"
    return out


if __name__ == "__main__":
    main()
