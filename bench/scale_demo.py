"""The demo catalogue scaled to a national size, for load tests.

    .venv/bin/python bench/scale_demo.py --sessions 50000 [--db URL-or-path]

The 250 demo offers (`seed/demo_catalogue.json`, 608 sessions, dates shifted to this week as
`parcours-fle demo` does) are loaded as they are, then copied until the catalogue holds exactly
`--sessions` sessions. Each copy gets a new external id (`<id>-x<k>`), its sessions a commune
drawn by population among the 35,000 of the reference (so the copies spread over France like
the people they serve) and their dates moved by a whole number of weeks (−4 to +8, weekdays and
month boundaries kept). Titles, funders, levels, schedules, places are the demo's. Written with
`upsert_offers` (the batched path imports use), 500 offers per transaction; a database already
holding the requested number of sessions is reused.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from app.catalogue.demo import DEMO_FILE, _shift, shifted_offer, week_shift  # noqa: E402
from app.catalogue.models import TrainingSession  # noqa: E402
from app.catalogue.schemas import OfferIn  # noqa: E402
from app.catalogue.service import OfferWrite  # noqa: E402
from app.core.clock import paris_today  # noqa: E402
from app.core.db import Database  # noqa: E402
from app.core.migrate import upgrade_to_head  # noqa: E402
from app.reference import communes  # noqa: E402
from bench.catalogue import write_batched  # noqa: E402


def count_sessions(db: Database) -> int:
    with db.session() as s:
        return s.execute(select(func.count()).select_from(TrainingSession)).scalar_one()


def _copy(raw: dict, k: int, rng: random.Random, places: list, weights: list[int], delta: timedelta) -> dict:
    data = json.loads(json.dumps(raw))
    weeks = timedelta(weeks=rng.randint(-4, 8))
    for s in data.get("sessions", []):
        s["start_date"] = _shift(s.get("start_date"), s.get("start_precision", "day"), delta + weeks, is_end=False)
        s["end_date"] = _shift(s.get("end_date"), s.get("end_precision", "day"), delta + weeks, is_end=True)
        if s.get("location"):
            c = rng.choices(places, weights)[0]
            s["location"] = {"address": s["location"].get("address"), "insee": c.insee}
    return data


def iter_writes(n_sessions: int, *, seed: int = 1, today: date | None = None):
    """(source, OfferWrite) until exactly `n_sessions` sessions: the demo, then its copies."""
    doc = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    delta = week_shift(date.fromisoformat(doc["reference_date"]), today or paris_today())
    rng = random.Random(seed)
    places = [c for c in communes.all_communes() if c.population]
    weights = [c.population for c in places]
    left = n_sessions
    k = 0
    while left > 0:
        for item in doc["offers"]:
            if k == 0:
                offer = shifted_offer(item["offer"], delta)
                ext = item["external_id"]
            else:
                raw = _copy(item["offer"], k, rng, places, weights, delta)
                raw.pop("source_updated_at", None)
                offer = OfferIn.model_validate(raw)
                ext = f"{item['external_id']}-x{k}"
            if len(offer.sessions) > left:
                offer = offer.model_copy(update={"sessions": offer.sessions[:left]})
            if not offer.sessions:
                return
            left -= len(offer.sessions)
            yield item["source"], OfferWrite(ext, offer)
            if left <= 0:
                return
        k += 1


def ensure_scaled_demo(url: str, n_sessions: int = 50_000, *, seed: int = 1, quiet: bool = False) -> Database:
    upgrade_to_head(url)
    db = Database(url)
    have = count_sessions(db)
    if have == n_sessions:
        return db
    if have:
        raise SystemExit(f"{url} holds {have} sessions, not {n_sessions}: remove it or pass another --db")
    t0 = time.perf_counter()
    offers = write_batched(db, iter_writes(n_sessions, seed=seed), quiet=quiet)
    if not quiet:
        print(f"{offers} offers, {count_sessions(db)} sessions in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return db


def db_url(db: str | None, n: int) -> str:
    if db and "://" in db:
        return db
    path = Path(db) if db else ROOT / "bench" / "out" / f"demo-{n}-{paris_today():%G-W%V}.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=50_000)
    ap.add_argument("--db", default=None, help="SQLAlchemy URL or a file path (default bench/out/demo-N-<week>.db)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    ensure_scaled_demo(db_url(args.db, args.sessions), args.sessions, seed=args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
