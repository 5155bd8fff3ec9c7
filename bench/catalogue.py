"""A national-scale synthetic catalogue in a database, for benchmarks.

    .venv/bin/python bench/catalogue.py --offers 100000 [--db bench/out/catalogue-100000.db] [--seed 1]

Offers come from `bench/gen_lheo.iter_actions` (what the LHÉO mapper produces for a synthetic
national feed: real communes drawn by population, realistic shares of statuses, unknown levels,
places…), with more varied titles than the feed's ~50 templates (rhythm, public, place: « Cours de
FLE — intensif (Bobigny) »), so the search vocabulary looks like a real catalogue's. They are
loaded through `app.catalogue.service.upsert_offers` (the batched path imports use), 500 per
transaction. A database already holding the requested number of offers is reused.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from gen_lheo import iter_actions  # noqa: E402

from app.catalogue.schemas import OfferIn  # noqa: E402
from app.catalogue.service import OfferWrite, upsert_offers  # noqa: E402
from app.core.db import Database  # noqa: E402
from app.core.migrate import upgrade_to_head  # noqa: E402
from app.reference import communes  # noqa: E402

SOURCES = ["carif-idf", "carif-ara", "carif-paca", "carif-hdf", "carif-ge", "carif-occ", "carif-naq",
           "carif-bret", "carif-pdl", "carif-norm", "carif-bfc", "carif-cvl"]
RHYTHMS = ["intensif", "extensif", "cours du soir", "samedi matin", "en journée", "semi-intensif", "à temps partiel",
           "matin", "après-midi", "mi-temps"]
PUBLICS = ["débutants", "femmes", "jeunes 16-25 ans", "demandeurs d'emploi", "parents d'élèves", "réfugiés",
           "salariés", "seniors", "grands débutants", "faux débutants"]
BATCH = 500


def _varied(offer: dict, rng: random.Random) -> dict:
    loc = next((s["location"] for s in offer["sessions"] if s.get("location")), None) or {}
    commune = communes.by_insee(loc["insee"]) if loc.get("insee") else None
    city = loc.get("city") or (commune.name if commune else "")
    title = offer["title"]
    r = rng.random()
    if r < 0.35:
        title = f"{title} — {rng.choice(RHYTHMS)}"
    elif r < 0.55:
        title = f"{title} ({rng.choice(PUBLICS)})"
    if city and rng.random() < 0.3:
        title = f"{title} à {city}"
    return {**offer, "title": title[:500]}


def iter_offers(n: int, *, seed: int = 1) -> Iterator[tuple[str, str, OfferIn]]:
    """(source, external_id, OfferIn) for `n` FLE offers."""
    rng = random.Random(seed)
    made = 0
    for a in iter_actions(int(n * 1.15) + 10, seed=seed):
        if a["offer"] is None:
            continue
        yield SOURCES[zlib.crc32(a["external_id"].encode()) % len(SOURCES)], a["external_id"], OfferIn(**_varied(a["offer"], rng))
        made += 1
        if made == n:
            return


def count_offers(db: Database) -> int:
    from sqlalchemy import func, select

    from app.catalogue.models import Offer

    with db.session() as s:
        return s.execute(select(func.count()).select_from(Offer)).scalar_one()


def ensure_catalogue(n: int, url: str, *, seed: int = 1, quiet: bool = False) -> Database:
    """A database at `url` holding `n` synthetic offers (built when it holds another number)."""
    upgrade_to_head(url)
    db = Database(url)
    have = count_offers(db)
    if have == n:
        return db
    if have:
        raise SystemExit(f"{url} holds {have} offers, not {n}: remove it or pass another --db")
    write_batched(db, ((source, OfferWrite(ext, offer)) for source, ext, offer in iter_offers(n, seed=seed)),
                  quiet=quiet)
    return db


def write_batched(db: Database, writes: Iterable[tuple[str, OfferWrite]], *, quiet: bool = False) -> int:
    """Write (source, OfferWrite) pairs through `upsert_offers`, BATCH per source and transaction."""
    t0 = time.perf_counter()
    batch: dict[str, list[OfferWrite]] = {}
    done = 0

    def flush(source: str) -> None:
        nonlocal done
        done += len(batch[source])
        with db.session(write=True) as s:
            upsert_offers(s, source, batch.pop(source))

    for source, w in writes:
        batch.setdefault(source, []).append(w)
        if len(batch[source]) >= BATCH:
            flush(source)
            if not quiet:
                print(f"\r{done} offers written ({time.perf_counter() - t0:.0f} s)", end="", file=sys.stderr)
    for source in list(batch):
        flush(source)
    if not quiet:
        print(f"\r{done} offers written in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return done


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--offers", type=int, default=100_000)
    ap.add_argument("--db", default=None, help="SQLAlchemy URL or a file path (default bench/out/catalogue-N.db)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    ensure_catalogue(args.offers, db_url(args.db, args.offers), seed=args.seed)
    return 0


def db_url(db: str | None, n: int) -> str:
    if db and "://" in db:
        return db
    path = Path(db) if db else ROOT / "bench" / "out" / f"catalogue-{n}.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


if __name__ == "__main__":
    raise SystemExit(main())
