"""Keeps this process's matching snapshot in step with the database.

Every catalogue write stamps what it touched with a new `change_seq`; before each match the store
asks where the stamps stand (app/catalogue/stamps.py) and, when some were drawn beyond its bookmark,
applies just the sessions changed since (a handful after a prescription or a places update;
everything on first use). Several workers each keep their own snapshot, all following the same
stamps, so a write is matched as soon as its response returns."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator

from sqlmodel import Session

from app.catalogue import repository as repo
from app.catalogue.schemas import OfferOut
from app.catalogue.stamps import change_horizon
from app.core.db import Database
from app.matching import Candidate, Snapshot
from app.matching.candidate import slots_from
from app.reference.catalogue_codes import DatePrecision, Kind, Modality, SessionStatus
from app.reference.funders import Funder
from app.reference.levels import Level, Literacy
from app.reference.publics import Public
from app.reference.sectors import Sector

log = logging.getLogger("parcours_fle.matching")


def _offer_facts(o: dict) -> dict:
    """Offer-level Candidate fields, converted once per offer (an offer has several sessions)."""
    return {
        "offer_id": o["id"], "kind": Kind(o["kind"]), "modality": Modality(o["modality"]),
        "entry_min": Level(o["entry_min"]) if o["entry_min"] else None,
        "entry_max": Level(o["entry_max"]) if o["entry_max"] else None,
        "target_level": Level(o["target_level"]) if o["target_level"] else None,
        "literacy_accepted": frozenset(Literacy(x) for x in o["literacy_accepted"] or ()),
        "publics": frozenset(Public(x) for x in o["publics"]), "audience": frozenset(Public(x) for x in o["audience"]),
        "sectors": frozenset(Sector(x) for x in o["sectors"]), "rome_codes": frozenset(o["rome_codes"] or ()),
        "funders": tuple(Funder(x) for x in o["funders"]), "childcare": o["childcare"],
        "cost_to_learner": None if o["cost_to_learner"] is None else float(o["cost_to_learner"]),
        "quality": float(o["quality"] or 0.0),
    }


def candidates_from(feed: repo.MatchFeed) -> Iterator[Candidate]:
    offers = {oid: _offer_facts(o) for oid, o in feed.offers.items()}
    return (
        Candidate(
            session_id=s["id"], **offers[s["offer_id"]], status=SessionStatus(s["status"]),
            start_date=s["start_date"], start_precision=DatePrecision(s["start_precision"]),
            end_date=s["end_date"], end_precision=DatePrecision(s["end_precision"]),
            rolling_entry=bool(s["rolling_entry"]), schedule=slots_from(s["schedule"] or ()),
            places_available=s["places_available"], lat=s["lat"], lon=s["lon"], city=s["city"], region=s["region"],
        )
        for s in feed.sessions
    )


def _all_candidates(db: Session) -> Iterator[Candidate]:
    for feed in repo.iter_match_feed(db):
        yield from candidates_from(feed)


class SnapshotStore:
    """This worker's matching snapshot, and a cache of the offers matching returns.

    Both follow the change stamps: the snapshot applies the sessions changed since its bookmark; a
    cached offer is served only while no change to it has been seen since it was read. Changes are
    dated by this store's refresh count (`generation`), not by stamps: stamps do not come in
    commit order on PostgreSQL, refreshes do. (Offers are read on every match to build the answer:
    the cache saves most of that.)"""

    def __init__(self, cached_offers: int = 20_000) -> None:
        self._snapshot: Snapshot | None = None
        self._seq: int = -1  # bookmark: every stamp up to it is applied
        self._generation = 0  # refreshes done
        self._lock = threading.Lock()
        self._offers: OrderedDict[int, tuple[int, OfferOut]] = OrderedDict()
        self._offer_changed: dict[int, int] = {}  # offer id → generation of the refresh that last saw it change
        self._cached_offers = cached_offers

    @property
    def ready(self) -> bool:
        """The snapshot has been built (matching no longer pays for the first build)."""
        return self._snapshot is not None

    def get(self, db: Session) -> Snapshot:
        return self.current(db)[0]

    def current(self, db: Session) -> tuple[Snapshot, int]:
        """The snapshot, at least as recent as what `db` sees, and the generation to pass to
        `offers`. Stamps drawn beyond the bookmark (committed, or still in flight) mean a refresh:
        rows above the bookmark are read again until every stamp below them has ended."""
        generation = self._generation
        head = change_horizon(db, self._seq).head
        if self._snapshot is None or head > self._seq:
            with self._lock:  # one refresh at a time; readers keep using the previous snapshot object
                if self._snapshot is None or head > self._seq:
                    self._refresh(db)
        return self._snapshot, generation

    def _refresh(self, db: Session) -> None:
        generation = self._generation + 1
        if self._snapshot is None:  # streamed: the whole feed is never in memory at once
            started = time.perf_counter()
            seq = change_horizon(db, -1).safe  # before the rows: what changes meanwhile is stamped above
            self._snapshot = Snapshot.build(_all_candidates(db))
            self._seq = max(self._seq, seq)
            self._generation = generation
            log.info("matching snapshot built", extra={"count": self._snapshot.count,
                                                       "duration_ms": round((time.perf_counter() - started) * 1000)})
            return
        feed = repo.match_feed(db, self._seq)
        self._snapshot = self._snapshot.apply(candidates_from(feed), feed.removed_session_ids)
        for offer_id in feed.changed_offer_ids:
            self._offer_changed[offer_id] = generation
        self._seq = max(self._seq, feed.seq)
        self._generation = generation

    def offers(self, db: Session, ids: list[int], generation: int) -> dict[int, OfferOut]:
        """Offers by id as `db` sees them (`generation`: what `current` returned before `db` read).
        A cached offer read at generation g is stale if a refresh after g saw it change: that
        refresh may have seen a write committed after the read."""
        out: dict[int, OfferOut] = {}
        missing = []
        for oid in ids:
            hit = self._offers.get(oid)
            if hit is not None and self._offer_changed.get(oid, -1) <= hit[0]:
                out[oid] = hit[1]
            else:
                missing.append(oid)
        for offer in repo.load_offers_out(db, missing):
            out[offer.id] = offer
            if not offer.withdrawn:
                self._offers[offer.id] = (generation, offer)
        while len(self._offers) > self._cached_offers:
            self._offers.popitem(last=False)
        return out

    def warm(self, database: Database) -> None:
        """Build the snapshot ahead of the first match (run at start-up by app.core.warmup, which
        retries on failure)."""
        with database.session() as db:
            self.get(db)
