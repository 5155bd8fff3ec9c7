"""Search latency through the service, embedded engine and (with --meili) Meilisearch.

    .venv/bin/python bench/search.py [--offers 100000] [--meili] [--keep-index] [--repeat 30] [--db PATH]

The catalogue comes from bench/catalogue.py (built on first use, then reused). A fixed query set —
broad type-ahead, typos, text + 3 filters, a 30 km radius without text, facets only — runs through
the service exactly as `GET /v1/search` does (`app.search.results.search_page`: engine, exact total,
facets, then the 20 offers of the page through the worker's offer cache; `--offers-from-db` reads
them from the database on every call instead), on a fresh database session per call as a request
has. With `--meili` (TEST_MEILI_URL / TEST_MEILI_KEY, e.g. from `source scripts/services.sh;
start_meili`), taking turns within each query:
- through the service on Meilisearch (`meili_*`);
- through the adapter alone, and straight to Meilisearch with the adapter's bodies (their paired
  difference is `meili_overhead_p50_ms`);
- the **bare** query (`bare_*`): the same q, filters, radius, sort, exact page and facets, sent to a
  plain index of the same offers — one document per offer, Meilisearch's default settings plus the
  filterable/sortable attributes the query needs — i.e. what Meilisearch itself costs for it;
- the same bodies through the official `meilisearch` client, when installed (dev extra):
  `official_client_extra_p50_ms`, paired against plain httpx.
`--keep-index` reuses both indexes from an earlier run when the service's is at the current
`index_version()` (a rebuild at 100k takes minutes). Last line:

    RESULT offers=<n> embedded_p50_ms=… embedded_p95_ms=… meili_p50_ms=… meili_p95_ms=… bare_p50_ms=…
           bare_p95_ms=… meili_vs_bare_p95=… meili_overhead_p50_ms=… official_client_extra_p50_ms=…
           embedded_vs_meili_p95=…
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
from app.matching.store import SnapshotStore  # noqa: E402
from app.search.meili import MeiliClient, MeiliEngine, index_version, to_meili  # noqa: E402
from app.search.models import SearchIndexerState  # noqa: E402
from app.search.port import Filters, SearchQuery  # noqa: E402
from app.search.results import DEFAULT_RADIUS_KM, cached_offers, resolve_near, search_page  # noqa: E402
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


def through_service(service: SearchService, params: dict, store: SnapshotStore | None) -> Callable[[], object]:
    """As `GET /v1/search` runs it: the page's offers through the worker's offer cache (`store`), or
    read from the database on every call when `store` is None (--offers-from-db)."""
    loader = cached_offers(store) if store is not None else None

    def run() -> dict:
        with service.database.session() as db:
            return search_page(db, service, KEY, offers=loader, **params)
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

BARE_SETTINGS = {  # Meilisearch's defaults, plus what the queries need to be valid and exact
    "filterableAttributes": ["kind", "modality", "funders", "sectors", "levels", "departements", "has_places", "_geo"],
    "sortableAttributes": ["quality", "_geo"],
    "pagination": {"maxTotalHits": 10_000_000},
}


def bare_body(engine: MeiliEngine, q: SearchQuery) -> dict:
    """The same query straight to the bare index: the adapter's body without what only the
    service's index needs (the `primary` filter, `distinct`)."""
    body = {k: v for k, v in engine.search_body(q).items() if k != "distinct"}
    body["filter"] = [f for f in body.get("filter", []) if f != "primary = true"]
    if not body["filter"]:
        del body["filter"]
    return body


def ensure_bare(client: MeiliClient, uid: str, db, keep: bool) -> None:
    """The bare index: one document per offer (its primary document: same data), default settings."""
    from app.search.documents import load_documents

    if keep and client.get_index(uid) is not None and client.stats(uid)["numberOfDocuments"] > 0:
        return
    if client.get_index(uid) is not None:
        client.wait(client.delete_index(uid), timeout=120)
    client.wait(client.create_index(uid, "id"), timeout=30)
    client.wait(client.update_settings(uid, BARE_SETTINGS), timeout=120)
    with db.session() as s:
        docs = [d for doc in load_documents(s).values() for d in to_meili(doc, 0) if d["primary"]]
    last = None
    for i in range(0, len(docs), 5000):
        last = client.add_documents(uid, docs[i:i + 5000])
    client.wait(last, timeout=1200)


def official_client(url: str, key: str, uid: str):
    """The official `meilisearch` client (dev dependency, measured here), or None when absent."""
    try:
        import meilisearch
    except ImportError:
        return None
    index = meilisearch.Client(url, key, timeout=10, custom_headers={"Accept-Encoding": "identity"}).index(uid)
    return lambda body: index.search(body["q"], {k: v for k, v in body.items() if k != "q"})


def bench_meili(args, base: Settings, db, store: SnapshotStore | None) -> dict[str, float | None]:
    mu, mk = os.environ.get("TEST_MEILI_URL"), os.environ.get("TEST_MEILI_KEY")
    if not mu:
        raise SystemExit("--meili needs TEST_MEILI_URL and TEST_MEILI_KEY (source scripts/services.sh; start_meili)")
    uid = args.meili_index or f"bench_{args.offers}"
    ms = SearchService(base.model_copy(update={"meili_url": mu, "meili_key": mk, "meili_index": uid}), db)
    client = ms.engine.client
    t0 = time.perf_counter()
    with db.session() as s:
        row = s.get(SearchIndexerState, uid)
        current = row is not None and row.index_version == index_version() and client.get_index(uid) is not None
    if args.keep_index and current:
        ms.indexer.push_pending()
        print(f"\nmeilisearch index {uid}: kept (version {index_version()})")
    else:
        n = ms.reindex()
        print(f"\nmeilisearch index {uid}: {n} offers rebuilt (temporary index + swap) in {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    ensure_bare(client, uid + "_bare", db, args.keep_index)
    print(f"bare index {uid}_bare ready in {time.perf_counter() - t0:.1f} s (one document per offer, default settings)")
    idle(client)
    with db.session() as s:
        ms.search(s, SearchQuery())  # this process sees the live index's version
    direct = httpx.Client(base_url=mu, headers={"Authorization": f"Bearer {mk}", "Accept-Encoding": "identity"},
                          trust_env=False)
    official = official_client(mu, mk, uid)

    def post(index: str, body: dict) -> Callable[[], object]:
        return lambda: direct.post(f"/indexes/{index}/search", json=body).json()

    def adapter(q: SearchQuery) -> Callable[[], object]:
        def run() -> object:
            with db.session() as s:
                return ms.search(s, q)
        return run

    for label, params in QUERIES:
        q = query_of(params)
        page = through_service(ms, params, store)()
        bare = post(uid + "_bare", bare_body(ms.engine, q))()
        print(f"  {label:<24} total {page['total']:>7}   bare index total {bare['totalHits']:>7}")
    # the paths take turns, so a busy moment of the machine weighs on all alike
    names = ["service", "adapter", "straight", "bare"] + (["official"] if official else [])
    runs: dict[str, dict[str, list[float]]] = {n: {} for n in names}
    for label, p in QUERIES:
        q = query_of(p)
        body = ms.engine.search_body(q)
        fns = [through_service(ms, p, store), adapter(q), post(uid, body), post(uid + "_bare", bare_body(ms.engine, q))]
        if official:
            fns.append(lambda body=body: official(body))
        for n, vs in zip(names, interleaved(fns, args.repeat), strict=True):
            runs[n][label] = vs
    m50, m95 = report("meilisearch, through the service", runs["service"])
    a50, _ = report("meilisearch, through the adapter (engine call, no offers read)", runs["adapter"])
    d50, _ = report("meilisearch, straight (the adapter's request bodies)", runs["straight"])
    b50, b95 = report("bare Meilisearch, same query (one document per offer, default settings)", runs["bare"])
    for label in runs["service"]:
        print(f"  {label:<24} service p95 / bare p95 {pct(runs['service'][label], 95) / pct(runs['bare'][label], 95):5.2f}")

    def paired(a: str, b: str) -> float:
        return pct([x - y for label in runs[a] for x, y in zip(runs[a][label], runs[b][label], strict=True)], 50)

    overhead = paired("adapter", "straight")
    extra = paired("official", "straight") if official else None
    print(f"\nadapter overhead p50 {overhead:.2f} ms (paired; adapter p50 {a50:.2f} - straight p50 {d50:.2f}); "
          f"whole service minus straight p50 {m50 - d50:.2f} ms (the page's offers)")
    if extra is not None:
        print(f"official `meilisearch` client, same bodies: {extra:+.2f} ms p50 over straight httpx (paired)")
    ms.stop()
    return {"meili_p50_ms": m50, "meili_p95_ms": m95, "bare_p50_ms": b50, "bare_p95_ms": b95,
            "meili_vs_bare_p95": m95 / b95, "meili_overhead_p50_ms": overhead, "official_extra_p50_ms": extra}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--offers", type=int, default=100_000)
    ap.add_argument("--meili", action="store_true", help="also Meilisearch (TEST_MEILI_URL / TEST_MEILI_KEY)")
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--db", default=None)
    ap.add_argument("--meili-index", default=None)
    ap.add_argument("--keep-index", action="store_true",
                    help="reuse the Meilisearch indexes of an earlier run when their version matches")
    ap.add_argument("--offers-from-db", action="store_true",
                    help="read the page's offers from the database on every call (no worker offer cache)")
    args = ap.parse_args(argv)

    url = db_url(args.db, args.offers)
    ensure_catalogue(args.offers, url)
    base = Settings(database_url=url, _env_file=None, log_level="WARNING")

    # --- embedded ---
    from app.core.db import Database

    db = Database(url)
    store = None if args.offers_from_db else SnapshotStore()
    emb = SearchService(base, db)
    t0 = time.perf_counter()
    emb.embedded.build()
    print(f"embedded index: {emb.engine.size} searchable offers built in {time.perf_counter() - t0:.1f} s "
          f"(process max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")
    for label, params in QUERIES:
        page = through_service(emb, params, store)()
        print(f"  {label:<24} total {page['total']:>7}  first: {page['items'][0].title[:60] if page['items'] else '-'}")
    e_runs = {label: timed(through_service(emb, p, store), args.repeat) for label, p in QUERIES}
    e50, e95 = report("embedded, through the service", e_runs)

    m50 = m95 = overhead = ratio = None
    meili: dict[str, float | None] = {}
    if args.meili:
        meili = bench_meili(args, base, db, store)
        m50, m95, overhead = meili["meili_p50_ms"], meili["meili_p95_ms"], meili["meili_overhead_p50_ms"]
        ratio = e95 / m95
    fmt = lambda v: "na" if v is None else f"{v:.2f}"  # noqa: E731
    print(f"RESULT offers={args.offers} embedded_p50_ms={fmt(e50)} embedded_p95_ms={fmt(e95)} "
          f"meili_p50_ms={fmt(m50)} meili_p95_ms={fmt(m95)} bare_p50_ms={fmt(meili.get('bare_p50_ms'))} "
          f"bare_p95_ms={fmt(meili.get('bare_p95_ms'))} meili_vs_bare_p95={fmt(meili.get('meili_vs_bare_p95'))} "
          f"meili_overhead_p50_ms={fmt(overhead)} official_client_extra_p50_ms={fmt(meili.get('official_extra_p50_ms'))} "
          f"embedded_vs_meili_p95={fmt(ratio)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
