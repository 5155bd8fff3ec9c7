"""No overbooking through real HTTP: a server with 2 uvicorn workers, 200 concurrent prescriptions
on a session with 7 places, on SQLite and on PostgreSQL (CONTRACT § Prescriptions, issue 6)."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest
from sqlmodel import select

from app.auth.keys import create_key
from app.core.db import Database
from app.core.migrate import upgrade_to_head
from app.prescriptions import repository as repo
from app.prescriptions.models import Prescription, PrescriptionEvent
from app.reference.roles import Role
from bench.live_server import LiveServer
from tests.api.factories import offer_body, session_body
from tests.conftest import unique

N = 200
PLACES = 7


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def live(request, tmp_path_factory):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('live')}/live.db"
    else:
        url = request.getfixturevalue("fresh_postgres_url_module")
    upgrade_to_head(url)
    database = Database(url)
    with database.session(write=True) as db:
        keys = {role: create_key(db, role=Role(role), name=f"live {role}", organisation="France Travail")[1]
                for role in ("admin", "adviser")}
    with LiveServer(url, workers=2) as server:
        yield server, database, keys
    database.dispose()


def _session_with_places(server: LiveServer, keys: dict, places: int) -> int:
    body = offer_body(sessions=[session_body("A", places_available=places, capacity=places)])
    r = httpx.put(f"{server.url}/v1/offers/carif-idf/{unique('LIVE_')}", json=body, trust_env=False, timeout=30,
                  headers={"Authorization": f"Bearer {keys['admin']}"})
    assert r.status_code == 201, r.text
    return r.json()["sessions"][0]["id"]


async def _storm(server: LiveServer, adviser_key: str, session_id: int, *, cancel_every: int = 0):
    """N concurrent prescriptions; with `cancel_every`, every k-th successful one is cancelled at once."""
    headers = {"Authorization": f"Bearer {adviser_key}"}
    limits = httpx.Limits(max_connections=N, max_keepalive_connections=N)
    async with httpx.AsyncClient(base_url=server.url, headers=headers, limits=limits, timeout=60,
                                 trust_env=False) as client:
        gate = asyncio.Event()

        async def one(i: int):
            await gate.wait()
            r = await client.post("/v1/prescriptions", json={"session_id": session_id, "jobseeker_ref": f"LIVE-{i}",
                                                             "publics": ["cir_signatory"]})
            cancel = None
            if r.status_code == 201 and cancel_every and i % cancel_every == 0:
                cancel = await client.patch(f"/v1/prescriptions/{r.json()['id']}",
                                            json={"status": "cancelled", "reason": "test"})
            return r, cancel

        tasks = [asyncio.create_task(one(i)) for i in range(N)]
        await asyncio.sleep(0.05)
        gate.set()
        return await asyncio.gather(*tasks)


def _check_log(database: Database, session_id: int) -> dict:
    with database.session() as db:
        rows = list(db.exec(select(Prescription).where(Prescription.session_id == session_id)))
        events = list(db.exec(select(PrescriptionEvent).where(
            PrescriptionEvent.prescription_id.in_([p.id for p in rows]))))
        ledger = repo.place_ledger(db, session_id)
    by_p: dict[int, list[PrescriptionEvent]] = {}
    for e in sorted(events, key=lambda e: e.id):
        by_p.setdefault(e.prescription_id, []).append(e)
    for p in rows:  # every prescription: a creation, then a path that ends in its current status
        log = by_p[p.id]
        assert log[0].from_status is None and log[0].to_status == "pending"
        for a, b in zip(log, log[1:], strict=False):
            assert b.from_status == a.to_status
        assert log[-1].to_status == p.status
        assert sum(e.place_delta for e in log) == (-1 if p.place_held else 0)
    assert ledger["held_now"] == ledger["taken_by_prescriptions"]
    return {"rows": rows, "events": events, "ledger": ledger}


def test_200_concurrent_prescriptions_on_7_places(live):
    server, database, keys = live
    sid = _session_with_places(server, keys, PLACES)
    results = asyncio.run(_storm(server, keys["adviser"], sid))
    statuses = Counter(r.status_code for r, _ in results)
    assert statuses == {201: PLACES, 409: N - PLACES}, statuses
    assert all(r.json()["place_held"] for r, _ in results if r.status_code == 201)
    assert {r.json()["code"] for r, _ in results if r.status_code == 409} == {"session_full"}
    session = httpx.get(f"{server.url}/v1/sessions/{sid}", trust_env=False).json()
    assert session["places_available"] == 0
    log = _check_log(database, sid)
    assert len(log["rows"]) == PLACES and all(p.status == "pending" and p.place_held for p in log["rows"])
    assert len(log["events"]) == PLACES
    assert log["ledger"] == {"held_now": PLACES, "taken_by_prescriptions": PLACES, "taken_by_entries": 0}


def test_200_concurrent_prescriptions_with_cancellations(live):
    server, database, keys = live
    sid = _session_with_places(server, keys, PLACES)
    results = asyncio.run(_storm(server, keys["adviser"], sid, cancel_every=2))
    created = [r for r, _ in results if r.status_code == 201]
    cancels = [c for _, c in results if c is not None]
    assert Counter(r.status_code for r, _ in results).keys() <= {201, 409}
    assert {r.json()["code"] for r, _ in results if r.status_code == 409} <= {"session_full"}
    assert all(c.status_code == 200 and c.json()["place_held"] is False for c in cancels)
    assert len(created) >= PLACES
    active = len(created) - len(cancels)
    assert 0 <= active <= PLACES
    session = httpx.get(f"{server.url}/v1/sessions/{sid}", trust_env=False).json()
    assert session["places_available"] == PLACES - active  # no place lost, none created
    log = _check_log(database, sid)
    assert len(log["rows"]) == len(created)
    assert sum(1 for p in log["rows"] if p.status == "cancelled") == len(cancels)
    assert log["ledger"]["held_now"] == active
    released = sum(1 for e in log["events"] if e.place_delta == +1)
    assert released == len(cancels) and len(created) - released == PLACES - session["places_available"]
