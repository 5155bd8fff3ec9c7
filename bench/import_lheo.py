"""LHÉO import benchmark: parse floor, first import, unchanged re-import, peak RSS, writer lock.

    .venv/bin/python bench/import_lheo.py --offers 20000 [--out-dir bench/out] [--database-url URL]

1. Builds (or reuses) the synthetic national feed `bench/out/lheo-<N>.xml` with bench/gen_lheo.py.
2. The floor: lxml `iterparse` of the file, one `formation` at a time, reading the text (and the
   attributes) of every element the importer reads, clearing as it goes — what any streaming LHÉO
   importer pays before doing anything.
3. The first import (`app.imports.service.run_import`, mode full, default settings: the feed is
   mapped by one worker process per CPU, at most 4) into a fresh SQLite database (or
   `--database-url`), then a re-import of the unchanged file. CPU is printed for this process and
   for its workers; peak RSS counts this process plus, per worker, the largest child process.
4. Meanwhile a separate process plays a places update: it opens a write transaction every 20 ms
   (BEGIN IMMEDIATE on SQLite, the catalogue counter row lock on PostgreSQL) and records how long it
   waited; the longest wait is printed, with the import's own publish-transaction time.
Last line: RESULT offers=… parse_s=… import_s=… reimport_s=… import_vs_parse=… reimport_vs_parse=…
import_cpu_vs_parse=… reimport_cpu_vs_parse=… peak_rss_mb=… (wall-clock seconds and ratios, then CPU ratios:
CPU seconds of the importer and all its mapping workers together ÷ CPU seconds of the parse floor, both
measured in this run — steadier than wall-clock on a shared machine).

PostgreSQL: `--database-url postgresql+psycopg://…` (an empty database; `source scripts/services.sh;
start_postgres` gives a throwaway one in $TEST_DATABASE_URL).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from lxml import etree  # noqa: E402

NS = "http://lheo.gouv.fr/2.3"
ANCHOR = date(2026, 9, 1)

# Every element whose text the importer reads (app.imports.lheo mapper), and the attributes it reads.
READ_TAGS = frozenset(f"{{{NS}}}{t}" for t in """
intitule-formation objectif-formation contenu-formation code-FORMACODE code-ROME raison-sociale nom-organisme
SIRET code-financeur extra nb-places-financees code-public-vise info-public-vise conditions-specifiques
rythme-formation modalites-recrutement infos-perimetre-recrutement modalites-pedagogiques modalites-enseignement
nombre-heures-total nombre-heures-centre nombre-heures-entreprise code-perimetre-recrutement frais-restants
prix-total-TTC detail-conditions-prise-en-charge latitude longitude code-INSEE-commune codepostal
modalites-entrees-sorties debut fin etat-recrutement nb-places capacite-simultanee""".split())  # noqa: SIM905
READ_ATTRS = ("numero", "horodatage-modification", "datemaj", "info")


def parse_floor(path: Path) -> tuple[float, float, int]:
    """(wall s, cpu s, formations)."""
    t0, c0 = time.perf_counter(), time.process_time()
    n = chars = 0
    for _event, formation in etree.iterparse(str(path), events=("end",), tag=f"{{{NS}}}formation",
                                             resolve_entities=False, no_network=True, load_dtd=False):
        for el in formation.iter():
            if el.tag in READ_TAGS:
                chars += len(el.text or "")
            for a in READ_ATTRS:
                el.get(a)
        n += 1
        formation.clear(keep_tail=True)
        parent = formation.getparent()
        while formation.getprevious() is not None:
            del parent[0]
    return time.perf_counter() - t0, time.process_time() - c0, n


def _probe(url: str, stop, out) -> None:
    """A places-update stand-in: a tiny write transaction every 20 ms; reports the longest wait."""
    from app.catalogue.stamps import next_change_seq
    from app.core.db import Database

    db = Database(url)
    waits: list[float] = []
    while not stop.is_set():
        t0 = time.perf_counter()
        with db.session(write=True) as s:
            next_change_seq(s)  # what every catalogue write does first (SQLite: BEGIN IMMEDIATE already waited)
        waits.append(time.perf_counter() - t0)
        time.sleep(0.02)
    db.dispose()
    waits.sort()
    out.put({"n": len(waits), "max": waits[-1] if waits else 0.0,
             "p99": waits[int(len(waits) * 0.99)] if waits else 0.0})


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed_import(db, path: Path, url: str, *, probe: bool) -> tuple[float, float, object, dict | None, float, float]:
    from app.imports.report import Actor
    from app.imports.service import run_import

    stop = out = proc = None
    if probe:
        ctx = mp.get_context("spawn")
        stop, out = ctx.Event(), ctx.Queue()
        proc = ctx.Process(target=_probe, args=(url, stop, out), daemon=True)
        proc.start()
        time.sleep(1.5)  # let it import and settle
    t0, c0, k0 = time.perf_counter(), time.process_time(), _children_cpu()
    report = run_import(db, path, source="carif-bench", actor=Actor(name="bench", role="admin", channel="cli"),
                        mode="full", today=ANCHOR, max_bytes=64 * 1024**3)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    children = _children_cpu() - k0  # the mapping workers (waited for when the import ends)
    # The largest child reaped so far: the workers of this import (the probe is reaped below).
    children_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    waits = None
    if proc is not None:
        stop.set()
        waits = out.get(timeout=60)
        proc.join(timeout=10)
    return wall, cpu, report, waits, children, children_rss_mb


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--offers", type=int, default=20_000, help="actions in the feed (default 20000)")
    ap.add_argument("--out-dir", type=Path, default=ROOT / "bench" / "out")
    ap.add_argument("--database-url", default=None, help="default: a fresh SQLite file in --out-dir")
    ap.add_argument("--no-probe", action="store_true", help="do not run the concurrent writer probe")
    args = ap.parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)

    feed = args.out_dir / f"lheo-{args.offers}.xml"
    if not feed.exists():
        sys.path.insert(0, str(ROOT / "bench"))
        import gen_lheo

        tmp = feed.with_suffix(".xml.part")
        gen_lheo.main(["--offers", str(args.offers), "--out", str(tmp), "--anchor", ANCHOR.isoformat()])
        tmp.rename(feed)
    size_mb = feed.stat().st_size / 1e6

    from app.core.db import Database
    from app.core.migrate import upgrade_to_head

    url = args.database_url
    if url is None:
        db_path = args.out_dir / f"import-{args.offers}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{db_path}"
    upgrade_to_head(url)
    db = Database(url)
    with db.session(write=True) as s:  # a --database-url may hold a previous run: start from no offer
        from sqlalchemy import text

        s.execute(text("DELETE FROM offer WHERE source = 'carif-bench'"))  # sessions, links, sources cascade

    parse_s, parse_cpu, formations = parse_floor(feed)
    print(f"feed: {feed} ({size_mb:.0f} MB, {formations} formations, {args.offers} actions)")
    print(f"parse floor: {parse_s:.2f} s wall, {parse_cpu:.2f} s cpu")

    import_s, import_cpu, first, waits, children_cpu, worker_mb = timed_import(db, feed, url, probe=not args.no_probe)
    print(f"first import: {import_s:.2f} s wall, {import_cpu:.2f} s cpu — created {first.created}, "
          f"skipped {first.skipped}, rejected {first.rejected_total}, warnings {first.warnings_total}")
    print(f"first import publish transaction: {first.publish_ms} ms")
    if waits:
        print(f"concurrent writer during the first import: {waits['n']} transactions, longest wait "
              f"{waits['max'] * 1000:.0f} ms, p99 {waits['p99'] * 1000:.0f} ms")
    reimport_s, reimport_cpu, again, _waits, reimport_children, _rss = timed_import(db, feed, url, probe=False)
    print(f"re-import: {reimport_s:.2f} s wall, {reimport_cpu:.2f} s cpu — unchanged {again.unchanged}, "
          f"updated {again.updated}, created {again.created}; publish {again.publish_ms} ms")
    assert again.created == again.updated == again.withdrawn == 0, "a re-import of the same feed must be a no-op"
    db.dispose()

    from app.imports.service import auto_workers

    # Memory of the whole first import: this process plus its mapping workers, the largest worker
    # counted once per worker (an upper bound: they peak at different moments).
    workers = auto_workers(feed)
    own_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rss_mb = own_mb + workers * worker_mb
    print(f"peak RSS: importer {own_mb:.0f} MB, largest mapping worker {worker_mb:.0f} MB, "
          f"{workers} worker(s): at most {rss_mb:.0f} MB in all")
    print(f"cpu (this process only; workers' CPU in 'children'): import {import_cpu:.2f} s, "
          f"children {children_cpu:.2f} s, total/parse {(import_cpu + children_cpu) / parse_cpu:.2f}")
    # The workers are reaped when the import ends, so RUSAGE_CHILDREN holds their CPU by then.
    assert workers == 0 or children_cpu > 0, "the mapping workers' CPU was not counted"
    import_cpu_ratio = (import_cpu + children_cpu) / parse_cpu
    reimport_cpu_ratio = (reimport_cpu + reimport_children) / parse_cpu
    print(f"cpu ratios (importer + workers): import {import_cpu_ratio:.2f}, re-import {reimport_cpu_ratio:.2f}")
    print(f"RESULT offers={args.offers} parse_s={parse_s:.2f} import_s={import_s:.2f} reimport_s={reimport_s:.2f} "
          f"import_vs_parse={import_s / parse_s:.2f} reimport_vs_parse={reimport_s / parse_s:.2f} "
          f"import_cpu_vs_parse={import_cpu_ratio:.2f} reimport_cpu_vs_parse={reimport_cpu_ratio:.2f} "
          f"peak_rss_mb={rss_mb:.0f}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    raise SystemExit(main())
