"""Cold start of a real server on the national bench catalogue: time to ready, first answers, memory.

    .venv/bin/python bench/coldstart.py [--offers 100000] [--workers 2] [--db PATH]

The catalogue comes from bench/catalogue.py (100,000 offers, ~300,000 sessions; built on first use
in bench/out/, then reused). `parcours-fle serve --workers N` starts as a real process on a free
loopback port (embedded search engine, SQLite). From the moment it is launched, /readyz is polled
on fresh connections; the server counts as ready when /readyz answers 200 and every worker has
logged both of its start-up builds (each worker answers /readyz for itself: a connection reaches
whichever worker accepts it). Then the first search and the first match are timed, then a few more
on fresh connections (so that every worker answers some), and each worker's memory is read from
/proc: RSS, and its private part (USS: what this worker alone holds; shared pages — libraries, a
file mapped by every worker — are counted once per host). Last line:

    RESULT offers=… sessions=… workers=N ready_s=… first_search_ms=… first_match_ms=…
           next_max_ms=… healthz_ms=… rss_per_worker_mb=… rss_mb=a,b uss_mb=a,b

(`next_max_ms`: the slowest of the following searches and matches; `healthz_ms`: the median of a
trivial request meanwhile — on a loaded machine, what any request costs.)

`rss_per_worker_mb` is what each worker beyond the first adds to the host: the largest USS among
the workers. Targets at 100,000 offers, 2 workers: ready ≤ 30 s, first search and match ≤ 1 s after
ready, ≤ 300 MB per worker beyond the first.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import httpx  # noqa: E402
from catalogue import db_url, ensure_catalogue  # noqa: E402
from live_server import free_port  # noqa: E402

from app.auth.keys import create_key  # noqa: E402
from app.reference.roles import Role  # noqa: E402

BUILDS = {"search-build", "snapshot-warm"}
SEARCH = {"q": "français intensif", "departement": "93"}
PROFILE = {"level": "A1", "literacy": "full", "home": {"insee": "93066"}, "sectors": ["btp"],
           "publics": ["jobseeker"], "start_within_days": 120}


def children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry))
    return out


def workers_of(pid: int) -> list[int]:
    """uvicorn's worker processes under `serve` (not multiprocessing's resource tracker)."""
    out = []
    for child in children(pid):
        try:
            cmd = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "resource_tracker" not in cmd:
            out.append(child)
    return sorted(out)


def memory_mb(pid: int) -> tuple[float, float]:
    """(RSS, USS) in MB from /proc/<pid>/smaps_rollup."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, _, rest = line.partition(":")
        fields[name.strip()] = int(rest.split()[0])
    return fields["Rss"] / 1024, (fields["Private_Clean"] + fields["Private_Dirty"]) / 1024


class BuildLog:
    """The workers' "start-up build done" lines, read as the log grows."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.done: dict[int, set[str]] = {}

    def read(self) -> dict[int, set[str]]:
        with self.path.open("rb") as f:
            f.seek(self.offset)
            data = f.read()
        end = data.rfind(b"\n") + 1
        self.offset += end
        for line in data[:end].decode(errors="replace").splitlines():
            if "start-up build done" in line:
                rec = json.loads(line)
                self.done.setdefault(rec.get("pid", 0), set()).add(rec.get("event", ""))
        return self.done


def timed(fn) -> tuple[float, httpx.Response]:
    t0 = time.perf_counter()
    r = fn()
    return (time.perf_counter() - t0) * 1000, r


def run(url: str, workers: int, timeout: float) -> dict:
    database_env = url
    from app.core.db import Database

    database = Database(url)
    with database.session(write=True) as db:
        _, key = create_key(db, role=Role.ADVISER, name="coldstart bench")
    database.dispose()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DATABASE_URL": database_env, "SECRET_KEY": "coldstart-bench-secret",
           "EXPIRE_INTERVAL_SECONDS": "0", "LOG_LEVEL": "INFO", "RATE_LIMIT_ENABLED": "false",
           "NO_PROXY": "127.0.0.1,localhost"}
    env.pop("MEILI_URL", None)
    log = Path(tempfile.mkstemp(prefix="coldstart-", suffix=".log")[1])
    cmd = [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", str(workers)]
    t0 = time.monotonic()
    with log.open("wb") as err:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
    try:
        return _measure(proc, base, key, workers, t0, timeout, log)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.unlink(missing_ok=True)


def _fresh(method: str, url: str, **kw) -> httpx.Response:
    """One request on a new connection (so that it may reach any worker)."""
    with httpx.Client(trust_env=False, timeout=120) as c:
        return c.request(method, url, **kw)


def _measure(proc, base, key, workers, t0, timeout, log: Path) -> dict:
    seen_503 = False
    builds = BuildLog(log)
    while True:
        if proc.poll() is not None:
            raise SystemExit(f"serve exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        if time.monotonic() - t0 > timeout:
            raise SystemExit(f"not ready within {timeout} s:\n{log.read_text(errors='replace')[-3000:]}")
        pids = workers_of(proc.pid)
        try:
            status = _fresh("GET", base + "/readyz").status_code
        except httpx.HTTPError:
            status = None
        seen_503 |= status == 503
        done = builds.read()
        if status == 200 and len(pids) == workers and all(done.get(p, set()) >= BUILDS for p in pids):
            break
        time.sleep(0.2)  # the bench must not steal the CPU the workers build with
    ready_s = time.monotonic() - t0
    auth = {"Authorization": f"Bearer {key}"}
    search_ms, r = timed(lambda: _fresh("GET", base + "/v1/search", params=SEARCH))
    assert r.status_code == 200, r.text
    match_ms, r = timed(lambda: _fresh("POST", base + "/v1/match", json={"profile": PROFILE}, headers=auth))
    assert r.status_code == 200, r.text
    nxt, health = [], []
    for _ in range(3 * workers):  # the steady state, and a trivial endpoint: same-run yardsticks
        nxt.append(timed(lambda: _fresh("GET", base + "/v1/search", params=SEARCH))[0])
        nxt.append(timed(lambda: _fresh("POST", base + "/v1/match", json={"profile": PROFILE}, headers=auth))[0])
        health.append(timed(lambda: _fresh("GET", base + "/healthz"))[0])
    mem = [memory_mb(p) for p in pids]
    return {"ready_s": ready_s, "first_search_ms": search_ms, "first_match_ms": match_ms, "next_max_ms": max(nxt),
            "healthz_ms": sorted(health)[len(health) // 2],
            "rss": [m[0] for m in mem], "uss": [m[1] for m in mem], "seen_503": seen_503,
            "candidates": r.json()["candidates"]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--offers", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--db", default=None, help="SQLAlchemy URL or a file path (default bench/out/catalogue-N.db)")
    ap.add_argument("--timeout", type=float, default=300.0, help="give up when not ready after this many seconds")
    args = ap.parse_args(argv)
    url = db_url(args.db, args.offers)
    ensure_catalogue(args.offers, url)
    got = run(url, args.workers, args.timeout)
    for i, (rss, uss) in enumerate(zip(got["rss"], got["uss"], strict=True)):
        print(f"worker {i + 1}: rss_mb={rss:.0f} uss_mb={uss:.0f}", file=sys.stderr)
    print(f"/readyz answered 503 while building: {got['seen_503']}", file=sys.stderr)
    print(f"RESULT offers={args.offers} sessions={got['candidates']} workers={args.workers} "
          f"ready_s={got['ready_s']:.1f} first_search_ms={got['first_search_ms']:.0f} "
          f"first_match_ms={got['first_match_ms']:.0f} next_max_ms={got['next_max_ms']:.0f} "
          f"healthz_ms={got['healthz_ms']:.0f} "
          f"rss_per_worker_mb={max(got['uss']):.0f} rss_mb={','.join(f'{x:.0f}' for x in got['rss'])} "
          f"uss_mb={','.join(f'{x:.0f}' for x in got['uss'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
