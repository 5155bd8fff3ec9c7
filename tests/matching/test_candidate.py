"""`Candidate.from_records`: from the GET shapes (objects or dicts) to a core input row."""

from __future__ import annotations

from datetime import UTC, date, datetime

from app.catalogue.schemas import LevelRange, Location, OfferOut, Organisation, SessionOut, Slot
from app.matching.candidate import Candidate, TimeSlot
from app.reference.catalogue_codes import DatePrecision, Day, Kind, Modality, SessionStatus
from app.reference.funders import Funder
from app.reference.levels import Level, Literacy
from app.reference.publics import Public
from app.reference.sectors import Sector

NOW = datetime(2026, 3, 1, tzinfo=UTC)

SESSION = {
    "id": 7, "offer_id": 3, "external_id": "s1", "start_date": date(2026, 4, 1), "end_date": None,
    "start_precision": "month", "end_precision": "day", "rolling_entry": False,
    "schedule": [{"day": "mon", "start": "09:00", "end": "12:00"}],
    "location": {"city": "Saint-Denis", "region": "11", "lat": 48.93, "lon": 2.36, "insee": "93066"},
    "capacity": 12, "places_available": 4, "places_updated_at": None, "status": "open",
}
OFFER = {
    "id": 3, "source": "carif-idf", "external_id": "a1", "title": "FLE BTP", "summary": None, "kind": "fle_pro",
    "organisation": {"name": "Asso"}, "funders": ["bop104", "region"], "entry_level": {"min": "A1.1", "max": None},
    "target_level": "A2", "literacy_accepted": ["full", "partial"], "sectors": ["btp"], "rome_codes": ["F1703"],
    "formacodes": [], "modality": "hybrid", "hours_total": None, "hours_per_week": None,
    "publics": ["cir_signatory"], "audience": ["women"], "childcare": True, "cost_to_learner": 0,
    "certification": None, "created_at": NOW, "updated_at": NOW, "source_updated_at": None, "quality": 0.7,
    "sessions": [SESSION],
}

EXPECTED = Candidate(
    session_id=7, offer_id=3, kind=Kind.FLE_PRO, modality=Modality.HYBRID, entry_min=Level.A1_1, entry_max=None,
    target_level=Level.A2, literacy_accepted=frozenset({Literacy.FULL, Literacy.PARTIAL}),
    publics=frozenset({Public.CIR_SIGNATORY}), audience=frozenset({Public.WOMEN}), sectors=frozenset({Sector.BTP}),
    rome_codes=frozenset({"F1703"}), funders=(Funder.BOP104, Funder.REGION), childcare=True, cost_to_learner=0.0,
    quality=0.7, status=SessionStatus.OPEN, start_date=date(2026, 4, 1), start_precision=DatePrecision.MONTH,
    end_date=None, end_precision=DatePrecision.DAY, rolling_entry=False,
    schedule=(TimeSlot(Day.MON, "09:00", "12:00"),), places_available=4, lat=48.93, lon=2.36,
    city="Saint-Denis", region="11",
)


def test_from_dicts() -> None:
    assert Candidate.from_records(OFFER, SESSION) == EXPECTED


def test_from_models() -> None:
    offer = OfferOut.model_validate(OFFER)
    assert isinstance(offer.entry_level, LevelRange) and isinstance(offer.organisation, Organisation)
    session = offer.sessions[0]
    assert isinstance(session, SessionOut) and isinstance(session.location, Location)
    assert isinstance(session.schedule[0], Slot)
    assert Candidate.from_records(offer, session) == EXPECTED


def test_flat_rows_and_remote() -> None:
    offer = {"id": 3, "kind": "alpha", "modality": "remote", "entry_min": "A0", "entry_max": "A1"}
    session = {"id": 8, "status": "full", "lat": None, "lon": None, "schedule": []}
    c = Candidate.from_records(offer, session)
    assert (c.entry_min, c.entry_max, c.modality, c.status) == (Level.A0, Level.A1, Modality.REMOTE,
                                                                 SessionStatus.FULL)
    assert c.schedule == () and c.lat is None and c.publics == frozenset()


def test_snapshot_store_builds_the_same_candidates_as_from_records(tmp_path):
    """The store's fast builder (offer facts converted once) must agree with `from_records`."""
    from app.catalogue import repository as repo
    from app.catalogue.demo import load_demo
    from app.core.db import Database
    from app.core.migrate import upgrade_to_head
    from app.matching.store import candidates_from

    url = f"sqlite:///{tmp_path}/c.db"
    upgrade_to_head(url)
    database = Database(url)
    load_demo(database)
    with database.session() as db:
        feed = repo.match_feed(db, None)
        parts = list(repo.iter_match_feed(db, chunk=50))
    fast = list(candidates_from(feed))
    slow = [Candidate.from_records(feed.offers[x["offer_id"]], x) for x in feed.sessions]
    assert len(fast) >= 400 and fast == slow
    # the streamed feed of a start-up build: the same sessions, in parts, each with its offers
    assert len(parts) > 2 and all(len(p.sessions) <= 50 for p in parts)
    streamed = [c for p in parts for c in candidates_from(p)]
    assert sorted(streamed, key=lambda c: c.session_id) == sorted(fast, key=lambda c: c.session_id)
