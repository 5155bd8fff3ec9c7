"""`repository.bulk_insert` stores exactly what a SQLAlchemy Core insert stores (dates, timestamps in
any time zone, JSON, booleans, None), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import delete, insert, select, text

from app.catalogue import repository as repo
from app.catalogue.models import Offer, Organisation, TrainingSession
from app.core.db import Database
from tests.conftest import unique

_SESSION = TrainingSession.__table__


@pytest.fixture(scope="module")
def database(database_url):
    database = Database(database_url)
    yield database
    database.dispose()


def session_row(offer_id: int, ext: str, **over) -> dict:
    paris = timezone(timedelta(hours=2))
    row = {
        "offer_id": offer_id, "external_id": ext, "start_date": date(2026, 9, 7), "end_date": None,
        "start_precision": "day", "end_precision": "month", "rolling_entry": True,
        "schedule": [{"day": "mon", "start": "09:00", "end": "12:30"}], "address": None, "postcode": "93200",
        "insee": "93066", "city": "Saint-Denis", "departement": "93", "region": "11", "lat": 48.93, "lon": 2.35,
        "capacity": 12, "places_available": 0, "places_stated": 0,
        "places_updated_at": datetime(2026, 9, 1, 10, 30, tzinfo=paris), "funded_places": None, "status": "open",
        "version": 1, "updated_at": datetime(2026, 9, 1, 8, 0, tzinfo=UTC), "withdrawn_at": None, "change_seq": 3,
    }
    row.update(over)
    return row


def test_bulk_insert_stores_what_a_core_insert_stores(database):
    source = unique("bulk")
    with database.session(write=True) as db:
        org = db.execute(insert(Organisation.__table__).returning(Organisation.__table__.c.id),
                        [{"name": "OF bulk", "siret": None}]).scalar_one()
        now = datetime.now(UTC)
        offer = {"source": source, "external_id": "A1", "organisation_id": org, "title": "FLE", "kind": "fle_pro",
                 "literacy_accepted": ["none"], "rome_codes": [], "formacodes": ["15235"], "modality": "in_person",
                 "quality": 0.5, "content_hash": "h", "created_at": now, "updated_at": now, "change_seq": 1,
                 "childcare": False}
        repo.bulk_insert(db, Offer.__table__, [offer])
        oid = repo.offer_ids(db, source, ["A1"])["A1"]
        variants = [{}, {"rolling_entry": False, "schedule": [], "end_date": date(2026, 12, 31), "lat": None},
                    {"places_updated_at": None, "withdrawn_at": datetime(2026, 9, 2, tzinfo=UTC)},
                    # the same slot, keys in another order: stored as its own JSON text
                    {"schedule": [{"start": "09:00", "day": "mon", "end": "12:30"}]}, {}]
        db.execute(insert(_SESSION), [session_row(oid, f"core-{i}", **v) for i, v in enumerate(variants)])
        repo.bulk_insert(db, _SESSION, [session_row(oid, f"bulk-{i}", **v) for i, v in enumerate(variants)])
    cols = [c for c in _SESSION.c if c.name not in ("id", "external_id")]
    with database.session() as db:
        rows = {r.external_id: tuple(getattr(r, c.name) for c in cols)
                for r in db.execute(select(_SESSION).where(_SESSION.c.offer_id == oid))}
        stored = db.execute(select(Offer.__table__.c.literacy_accepted, Offer.__table__.c.childcare,
                                  Offer.__table__.c.created_at).where(Offer.__table__.c.id == oid)).one()
    for i in range(len(variants)):
        assert rows[f"bulk-{i}"] == rows[f"core-{i}"]
    with database.session() as db:
        texts = dict(db.execute(text("SELECT external_id, CAST(schedule AS TEXT) FROM session WHERE offer_id = :o"),
                               {"o": oid}).all())
    assert all(texts[f"bulk-{i}"] == texts[f"core-{i}"] for i in range(len(variants)))
    assert texts["bulk-0"] != texts["bulk-3"]
    assert rows["bulk-0"][cols.index(_SESSION.c.places_updated_at)] == datetime(2026, 9, 1, 8, 30, tzinfo=UTC)
    assert stored.literacy_accepted == ["none"] and stored.childcare is False
    assert abs(stored.created_at - now) < timedelta(seconds=1)
    with database.session(write=True) as db:
        db.execute(delete(_SESSION).where(_SESSION.c.offer_id == oid))
        db.execute(delete(Offer.__table__).where(Offer.__table__.c.id == oid))


def test_location_columns_are_the_location_fields():
    """rows._session_values spreads a Location's dump into the session columns."""
    from app.catalogue.rows import LOCATION_KEYS
    from app.catalogue.schemas import Location

    assert tuple(Location.model_fields) == LOCATION_KEYS
    assert set(LOCATION_KEYS) <= set(TrainingSession.__table__.c.keys())
