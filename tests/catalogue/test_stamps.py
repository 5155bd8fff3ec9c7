"""Change stamps (app/catalogue/stamps.py): writers share no lock on PostgreSQL, and readers never
skip a stamp held by a transaction still running when they looked, whatever the commit order."""

from __future__ import annotations

import threading
import time

import pytest

from app.catalogue.models import TrainingSession
from app.catalogue.schemas import OfferIn
from app.catalogue.service import upsert_offer
from app.catalogue.stamps import Horizon, change_horizon, next_change_seq
from app.core.clock import utcnow
from app.core.db import Database
from app.core.migrate import upgrade_to_head
from app.matching.store import SnapshotStore
from app.prescriptions import repository as places
from app.search.documents import changed_offer_ids
from tests.api.factories import offer_body, session_body


def _offer(db, external_id: str, places_available: int = 5) -> tuple[int, int]:
    body = offer_body(sessions=[session_body("S1", places_available=places_available, capacity=50)])
    result = upsert_offer(db, "carif-idf", external_id, OfferIn.model_validate(body))
    sid = db.execute(TrainingSession.__table__.select().where(
        TrainingSession.offer_id == result.offer_id)).first().id
    return result.offer_id, sid


@pytest.fixture
def sqlite_database(tmp_path):
    url = f"sqlite:///{tmp_path}/stamps.db"
    upgrade_to_head(url)
    database = Database(url)
    yield database
    database.dispose()


@pytest.fixture
def pg_database(fresh_postgres_url):
    upgrade_to_head(fresh_postgres_url)
    database = Database(fresh_postgres_url)
    yield database
    database.dispose()


def test_sqlite_keeps_the_counter_row(sqlite_database):
    with sqlite_database.session(write=True) as db:
        first = next_change_seq(db)
        assert next_change_seq(db) == first + 1
    with sqlite_database.session() as db:
        assert change_horizon(db) == Horizon(first + 1, first + 1)


@pytest.mark.postgres
def test_a_stamp_in_flight_is_never_skipped(pg_database):
    """Writer A draws a stamp and stays open; writer B draws a later one and commits — without
    waiting for A (no shared lock). The readers see B at once but keep their bookmark below A's
    stamp; once A commits they see A too. With the old rule (bookmark := last stamp), A was lost."""
    with pg_database.session(write=True) as db:
        offer_a, sid_a = _offer(db, "STAMP_A")
        offer_b, sid_b = _offer(db, "STAMP_B")
    store = SnapshotStore()
    with pg_database.session() as db:
        store.get(db)
        start = change_horizon(db)
    assert start.safe == start.head

    a = pg_database.session(write=True)
    db_a = a.__enter__()
    stamp_a = next_change_seq(db_a)
    assert places.take_place(db_a, sid_a, utcnow(), stamp_a, require_open=True)

    done = threading.Event()

    def writer_b():
        with pg_database.session(write=True) as db:
            assert places.take_place(db, sid_b, utcnow(), next_change_seq(db), require_open=True)
        done.set()

    t0 = time.perf_counter()
    thread = threading.Thread(target=writer_b)
    thread.start()
    thread.join(timeout=10)
    assert done.is_set(), "writer B waited for writer A: a lock is shared by writers"
    assert time.perf_counter() - t0 < 5

    with pg_database.session() as db:
        horizon = change_horizon(db, start.safe)
        assert horizon.head > stamp_a > horizon.safe >= start.safe  # A's stamp is drawn, not yet safe
        assert set(changed_offer_ids(db, start.safe)) == {offer_b}  # B committed: visible at once
        snapshot, _ = store.current(db)
    assert snapshot.candidate(sid_b).places_available == 4
    assert snapshot.candidate(sid_a).places_available == 5  # A not committed yet
    assert store._seq < stamp_a  # the bookmark stays below A's stamp

    a.__exit__(None, None, None)  # A commits, after B
    with pg_database.session() as db:
        after = change_horizon(db, store._seq)
        assert after.safe == after.head >= stamp_a
        assert set(changed_offer_ids(db, start.safe)) == {offer_a, offer_b}
        snapshot, _ = store.current(db)
    assert snapshot.candidate(sid_a).places_available == 4
    assert store._seq == after.safe


@pytest.mark.postgres
def test_a_rolled_back_stamp_does_not_hold_readers_back(pg_database):
    with pg_database.session(write=True) as db:
        _offer(db, "STAMP_R")
    with pytest.raises(RuntimeError), pg_database.session(write=True) as db:
        lost = next_change_seq(db)
        raise RuntimeError
    with pg_database.session() as db:
        horizon = change_horizon(db)
    assert horizon.safe == horizon.head >= lost


@pytest.mark.postgres
def test_offer_writes_and_place_moves_never_deadlock(pg_database):
    """A PUT locks the offer row, then its sessions; a prescription or a cancellation moves a place
    on one of them. Without a shared lock, both must take the offer first, or PostgreSQL finds a
    deadlock (and one of them fails): 150 rounds of each, at the same time, on the same offer."""
    with pg_database.session(write=True) as db:
        _, sid = _offer(db, "STAMP_D", places_available=40)
    errors: list[BaseException] = []
    rounds = 150

    def put_offer():
        try:
            for i in range(rounds):
                body = offer_body(title=f"Version {i}",
                                  sessions=[session_body("S1", places_available=40, capacity=50)])
                with pg_database.session(write=True) as db:
                    upsert_offer(db, "carif-idf", "STAMP_D", OfferIn.model_validate(body))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def move_places():
        try:
            for _ in range(rounds):
                with pg_database.session(write=True) as db:
                    seq = next_change_seq(db)
                    places.take_place(db, sid, utcnow(), seq, require_open=True)
                with pg_database.session(write=True) as db:
                    places.give_place_back(db, sid, utcnow(), next_change_seq(db))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=put_offer), threading.Thread(target=move_places),
               threading.Thread(target=move_places)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors[0]
    with pg_database.session() as db:  # every writer ended: readers are not held back
        horizon = change_horizon(db)
    assert horizon.safe == horizon.head
