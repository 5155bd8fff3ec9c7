"""Keeps this process's matching snapshot in step with the database.

Every catalogue write stamps what it touched with a new `change_seq`; before each match the store
compares the database's counter with its own and applies just the changed sessions (a handful
after a prescription or a places update; everything on first use). Several workers each keep their
own snapshot, all following the same counter, so a write is matched as soon as its response returns."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator

from sqlmodel import Session

from app.catalogue import repository as repo
from app.catalogue.schemas import OfferOut
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

    Both follow the catalogue change counter: the snapshot applies the sessions changed since its
    stamp; a cached offer is served only while no change to it has been seen since it was read.
    (Offers are read on every match to build the answer: the cache saves most of that.)"""

    def __init__(self, cached_offers: int = 20_000) -> None:
        self._snapshot: Snapshot | None = None
        self._seq: int = -1
        self._lock = threading.Lock()
        self._offers: OrderedDict[int, tuple[int, OfferOut]] = OrderedDict()
        self._offer_changed: dict[int, int] = {}  # offer id → stamp of its last change seen
        self._cached_offers = cached_offers

    @property
    def ready(self) -> bool:
        """The snapshot has been built (matching no longer pays for the first build)."""
        return self._snapshot is not None

    def get(self, db: Session) -> Snapshot:
        return self.current(db)[0]

    def current(self, db: Session) -> tuple[Snapshot, int]:
        """The snapshot, at least as recent as what `db` sees, and the stamp `db` saw."""
        seq = repo.current_change_seq(db)
        if self._snapshot is None or seq > self._seq:
            with self._lock:  # one refresh at a time; readers keep using the previous snapshot object
                if self._snapshot is None or seq > self._seq:
                    self._refresh(db)
        return self._snapshot, seq

    def _refresh(self, db: Session) -> None:
        if self._snapshot is None:  # streamed: the whole feed is never in memory at once
            started = time.perf_counter()
            seq = repo.current_change_seq(db)
            self._snapshot = Snapshot.build(_all_candidates(db))
            self._seq = max(self._seq, seq)
            log.info("matching snapshot built", extra={"count": self._snapshot.count,
                                                       "duration_ms": round((time.perf_counter() - started) * 1000)})
            return
        feed = repo.match_feed(db, self._seq)
        self._snapshot = self._snapshot.apply(candidates_from(feed), feed.removed_session_ids)
        for offer_id in feed.changed_offer_ids:
            self._offer_changed[offer_id] = feed.seq
        self._seq = max(self._seq, feed.seq)

    def offers(self, db: Session, ids: list[int], seq: int) -> dict[int, OfferOut]:
        """Offers by id as `db` sees them (`seq`: the stamp it saw, from `current`)."""
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
                self._offers[offer.id] = (seq, offer)
        while len(self._offers) > self._cached_offers:
            self._offers.popitem(last=False)
        return out

    def warm(self, database: Database) -> None:
        """Build the snapshot ahead of the first match (run at start-up by app.core.warmup, which
        retries on failure)."""
        with database.session() as db:
            self.get(db)
