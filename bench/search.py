"""Search latency through the service, embedded engine and (with --meili) Meilisearch.

    .venv/bin/python bench/search.py [--offers 100000] [--meili] [--repeat 30] [--db PATH]

The catalogue comes from bench/catalogue.py (built on first use, then reused). A fixed query set —
broad type-ahead, typos, text + 3 filters, a 30 km radius without text, facets only — runs through
the service exactly as `GET /v1/search` does (`app.search.results.search_page`: engine, exact total,
facets, then the 20 offers of the page read from the database), on a fresh database session per
call as a request has. With `--meili` (TEST_MEILI_URL / TEST_MEILI_KEY, e.g. from
`source scripts/services.sh; start_meili`), the same queries run through the service on
Meilisearch and straight to Meilisearch (the request body the adapter sends, over a plain httpx
client): the difference of the two is the adapter's overhead. Last line:

    RESULT offers=<n> embedded_p50_ms=… embedded_p95_ms=… meili_p50_ms=… meili_p95_ms=…
           meili_overhead_p50_ms=… embedded_vs_meili_p95=…
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import httpx  # noqa: E402
from catalogue import db_url, ensure_catalogue  # noqa: E402

from app.core.settings import Settings  # noqa: E402
from app.search.port import Filters, SearchQuery  # noqa: E402
from app.search.results import DEFAULT_RADIUS_KM, resolve_near, search_page  # noqa: E402
from app.search.service import SearchService  # noqa: E402
from app.search.text import query_words  # noqa: E402

QUERIES: list[tuple[str, dict]] = [
    ("type-ahead fr", {"q": "fr"}),
    ("type-ahead franç", {"q": "franç"}),
    ("typo fransais intensif", {"q": "fransais intensif"}),
    ("typo alphabetisaton", {"q": "alphabetisaton"}),
    ("text+3 filters", {"q": "francais", "level": "A1", "funder": "region", "departement": "93"}),
    ("radius 30 km, no text", {"near": "69123", "radius_km": 30}),
    ("facets only", {}),
]
KEY = b"bench-cursor-key-0123456789abcdef"


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * (len(s) - 1))))]


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    fn()  # warm-up
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def interleaved(fns: list[Callable[[], object]], repeat: int) -> list[list[float]]:
    for fn in fns:
        fn()  # warm-up
    out: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            t0 = time.perf_counter()
            fn()
            out[i].append((time.perf_counter() - t0) * 1000)
    return out


def idle(client) -> None:
    """Wait until Meilisearch has no task left (a rebuild ends with deletions and compaction)."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        tasks = client._call("GET", "/tasks?statuses=enqueued,processing&limit=1")
        if not tasks.get("results"):
            return
        time.sleep(0.5)


def through_service(service: SearchService, params: dict) -> Callable[[], object]:
    def run() -> dict:
        with service.database.session() as db:
            return search_page(db, service, KEY, **params)
    return run


def query_of(params: dict) -> SearchQuery:
    point = resolve_near(params["near"]) if params.get("near") else None
    filters = Filters(level=params.get("level"), funder=params.get("funder"), departement=params.get("departement"),
                      near=point, radius_km=(params.get("radius_km") or DEFAULT_RADIUS_KM) if point else None)
    return SearchQuery(words=tuple(query_words(params.get("q"))), filters=filters)


def report(name: str, per_query: dict[str, list[float]]) -> tuple[float, float]:
    allv = [v for vs in per_query.values() for v in vs]
    print(f"\n{name}: p50 {pct(allv, 50):.2f} ms, p95 {pct(allv, 95):.2f} ms")
    for label, vs in per_query.items():
        print(f"  {label:<24} p50 {pct(vs, 50):7.2f}   p95 {pct(vs, 95):7.2f}")
    return pct(allv, 50), pct(allv, 95)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--offers", type=int, default=100_000)
    ap.add_argument("--meili", action="store_true", help="also Meilisearch (TEST_MEILI_URL / TEST_MEILI_KEY)")
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--db", default=None)
    ap.add_argument("--meili-index", default=None)
    args = ap.parse_args(argv)

    url = db_url(args.db, args.offers)
    ensure_catalogue(args.offers, url)
    base = Settings(database_url=url, _env_file=None, log_level="WARNING")

    # --- embedded ---
    from app.core.db import Database

    db = Database(url)
    emb = SearchService(base, db)
    t0 = time.perf_counter()
    emb.embedded.build()
    print(f"embedded index: {emb.engine.size} searchable offers built in {time.perf_counter() - t0:.1f} s "
          f"(process max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")
    for label, params in QUERIES:
        page = through_service(emb, params)()
        print(f"  {label:<24} total {page['total']:>7}  first: {page['items'][0].title[:60] if page['items'] else '-'}")
    e_runs = {label: timed(through_service(emb, p), args.repeat) for label, p in QUERIES}
    e50, e95 = report("embedded, through the service", e_runs)

    m50 = m95 = overhead = ratio = None
    if args.meili:
        mu, mk = os.environ.get("TEST_MEILI_URL"), os.environ.get("TEST_MEILI_KEY")
        if not mu:
            raise SystemExit("--meili needs TEST_MEILI_URL and TEST_MEILI_KEY (source scripts/services.sh; start_meili)")
        ms = SearchService(base.model_copy(update={"meili_url": mu, "meili_key": mk,
                                                   "meili_index": args.meili_index or f"bench_{args.offers}"}), db)
        t0 = time.perf_counter()
        n = ms.reindex()
        print(f"\nmeilisearch index: {n} offers rebuilt (temporary index + swap) in {time.perf_counter() - t0:.1f} s")
        idle(ms.engine.client)
        for label, params in QUERIES:
            page = through_service(ms, params)()
            print(f"  {label:<24} total {page['total']:>7}")
        direct = httpx.Client(base_url=mu, headers={"Authorization": f"Bearer {mk}", "Accept-Encoding": "identity"},
                              trust_env=False)
        uid = ms.engine.uid

        def straight(params: dict) -> Callable[[], object]:
            body = ms.engine.search_body(query_of(params))
            return lambda: direct.post(f"/indexes/{uid}/search", json=body).json()

        def adapter(params: dict) -> Callable[[], object]:
            q = query_of(params)

            def run() -> object:
                with db.session() as s:
                    return ms.search(s, q)
            return run

        # the three paths take turns, so a busy moment of the server weighs on all three alike
        m_runs, a_runs, d_runs = {}, {}, {}
        for label, p in QUERIES:
            m_runs[label], a_runs[label], d_runs[label] = interleaved(
                [through_service(ms, p), adapter(p), straight(p)], args.repeat)
        m50, m95 = report("meilisearch, through the service", m_runs)
        a50, _ = report("meilisearch, through the adapter (engine call, no database read)", a_runs)
        d50, _ = report("meilisearch, straight (same request bodies)", d_runs)
        # paired: each adapter call against the straight call that followed it
        overhead = pct([a - d for label in a_runs for a, d in zip(a_runs[label], d_runs[label], strict=True)], 50)
        print(f"\nadapter overhead p50 {overhead:.2f} ms (paired; adapter p50 {a50:.2f} - straight p50 {d50:.2f}); "
              f"whole service minus straight p50 {m50 - d50:.2f} ms "
              "(the difference is reading the page's offers from the database, the same for both engines)")
        ratio = e95 / m95
        ms.stop()
    fmt = lambda v: "na" if v is None else f"{v:.2f}"  # noqa: E731
    print(f"RESULT offers={args.offers} embedded_p50_ms={fmt(e50)} embedded_p95_ms={fmt(e95)} "
          f"meili_p50_ms={fmt(m50)} meili_p95_ms={fmt(m95)} meili_overhead_p50_ms={fmt(overhead)} "
          f"embedded_vs_meili_p95={fmt(ratio)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
