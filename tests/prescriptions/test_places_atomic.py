"""The conditional UPDATE that takes a place is atomic by itself, without the catalogue lock:
concurrent transactions from separate engines (as from separate processes) never overbook."""

from __future__ import annotations

import threading

from app.catalogue.stamps import next_change_seq
from app.core.clock import utcnow
from app.core.db import Database
from app.prescriptions import repository as repo
from tests.api.factories import offer_body, session_body
from tests.conftest import unique


def test_concurrent_take_place_never_overbooks(api, database_url):
    body = offer_body(sessions=[session_body("A", places_available=5, capacity=5)])
    sid = api.put(f"/v1/offers/carif-idf/{unique('ATOM_')}", json=body,
                  headers=api.auth("admin")).json()["sessions"][0]["id"]
    databases = [Database(database_url) for _ in range(4)]
    barrier = threading.Barrier(20)
    taken: list[bool] = []

    def take(database: Database) -> None:
        barrier.wait()
        with database.session(write=True) as db:
            # no catalogue lock here: only the conditional UPDATE stands between the takers
            taken.append(repo.take_place(db, sid, utcnow(), 0, require_open=True))

    threads = [threading.Thread(target=take, args=(databases[i % 4],)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for database in databases:
        database.dispose()
    assert taken.count(True) == 5 and taken.count(False) == 15
    assert api.get(f"/v1/sessions/{sid}").json()["places_available"] == 0


def test_give_back_respects_capacity_and_unknown(api):
    body = offer_body(sessions=[session_body("A", places_available=2, capacity=2), session_body("B", places_available=None)])
    sessions = api.put(f"/v1/offers/carif-idf/{unique('ATOM_')}", json=body,
                       headers=api.auth("admin")).json()["sessions"]
    full_cap = next(s["id"] for s in sessions if s["external_id"] == "A")
    unknown = next(s["id"] for s in sessions if s["external_id"] == "B")
    with api.app.state.database.session(write=True) as db:
        seq = next_change_seq(db)
        assert repo.give_place_back(db, full_cap, utcnow(), seq) is False  # already at capacity
        assert repo.give_place_back(db, unknown, utcnow(), seq) is False
        assert repo.take_place(db, unknown, utcnow(), seq, require_open=True) is False
        assert repo.take_place(db, full_cap, utcnow(), seq, require_open=True) is True
        assert repo.give_place_back(db, full_cap, utcnow(), seq) is True


def test_no_hold_on_a_withdrawn_offer(api):
    """The conditional UPDATE itself refuses a session whose offer was withdrawn (even if a check
    made before the lock still saw it open)."""
    ext = unique("ATOM_")
    sid = api.put(f"/v1/offers/carif-idf/{ext}", json=offer_body(), headers=api.auth("admin")).json()["sessions"][0]["id"]
    assert api.delete(f"/v1/offers/carif-idf/{ext}", headers=api.auth("admin")).status_code == 204
    with api.app.state.database.session(write=True) as db:
        seq = next_change_seq(db)
        assert repo.take_place(db, sid, utcnow(), seq, require_open=True) is False
        assert repo.take_place(db, sid, utcnow(), seq, require_open=False) is True  # an entry still may
