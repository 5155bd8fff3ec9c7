"""Prescriptions, transitions, scopes, idempotency, entries, expiry and retention, on SQLite and
PostgreSQL (CONTRACT § Prescriptions)."""

from __future__ import annotations

import re
import threading
import time
from datetime import date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import select

from app.catalogue.models import Offer, TrainingSession
from app.core.clock import utcnow
from app.core.db import Database
from app.main import create_app
from app.prescriptions import repository as repo
from app.prescriptions.expiry import expire_due
from app.prescriptions.models import Entry, Prescription, PrescriptionEvent
from app.prescriptions.retention import anonymise
from app.prescriptions.states import TRANSITIONS, Actor, Status
from tests.api.factories import SIRET, offer_body, session_body
from tests.conftest import make_settings, unique

OTHER_SIRET = "40483304800022"
CODE = re.compile(r"^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$")


# --- helpers -------------------------------------------------------------------------------------------


def new_session(api, places: int | None = 5, *, source: str = "carif-idf", siret: str = SIRET, **session_over) -> int:
    body = offer_body(organisation={"name": "Organisme", "siret": siret},
                      sessions=[session_body("S1", places_available=places, **session_over)])
    r = api.put(f"/v1/offers/{source}/{unique('PRE_')}", json=body, headers=api.auth("admin"))
    assert r.status_code == 201, r.text
    return r.json()["sessions"][0]["id"]


def adviser(api, who: str = "A") -> dict:
    return api.auth("adviser", organisation=f"France Travail {who}", contact=f"conseiller-{who.lower()}@ft.example")


def provider(api, siret: str = SIRET) -> dict:
    return api.auth("provider", siret=siret)


def prescribe(api, sid: int, ref: str | None = None, headers: dict | None = None, **extra):
    body = {"session_id": sid, "jobseeker_ref": ref or unique("JS-"), **extra}
    return api.post("/v1/prescriptions", json=body, headers=adviser(api) if headers is None else headers)


def places(api, sid: int) -> int | None:
    return api.get(f"/v1/sessions/{sid}").json()["places_available"]


def patch(api, pid: int, headers: dict, status: str, **extra):
    return api.patch(f"/v1/prescriptions/{pid}", json={"status": status, **extra}, headers=headers)


def force_expiry_due(api, pid: int) -> None:
    with api.app.state.database.session(write=True) as db:
        db.execute(update(Prescription).where(Prescription.id == pid)
                  .values(expires_at=utcnow() - timedelta(minutes=1)))


# --- prescribe ------------------------------------------------------------------------------------------


def test_prescribe_holds_one_place(api):
    sid = new_session(api, places=5)
    before = api.get(f"/v1/sessions/{sid}")
    with api.app.state.database.session() as db:
        seq_before = db.get(TrainingSession, sid).change_seq
    r = prescribe(api, sid, "FT-0001", publics=["cir_signatory", "jobseeker"], note="Disponible le matin.")
    assert r.status_code == 201, r.text
    p = r.json()
    assert p["status"] == "pending" and p["place_held"] is True
    assert CODE.match(p["code"])
    assert p["session_id"] == sid and p["jobseeker_ref"] == "FT-0001"
    assert p["publics"] == ["cir_signatory", "jobseeker"]
    assert p["adviser"] == {"name": "test adviser", "organisation": "France Travail A",
                            "contact": "conseiller-a@ft.example"}
    created = datetime.fromisoformat(p["created_at"])
    assert datetime.fromisoformat(p["expires_at"]) - created == timedelta(days=10)
    assert r.headers["Location"] == f"/v1/prescriptions/{p['id']}"
    assert r.headers["ETag"] == f'"p{p["id"]}-v1"'
    after = api.get(f"/v1/sessions/{sid}")
    assert after.json()["places_available"] == 4
    assert after.headers["ETag"] != before.headers["ETag"]  # session version bumped
    with api.app.state.database.session() as db:  # stamped for the search index and the matching snapshot
        row = db.get(TrainingSession, sid)
        offer = db.get(Offer, row.offer_id)
        assert row.change_seq > seq_before and offer.change_seq == row.change_seq
        assert offer.updated_at >= created


def test_full_session_is_409_session_full(api):
    sid = new_session(api, places=1)
    assert prescribe(api, sid).status_code == 201
    r = prescribe(api, sid)
    assert r.status_code == 409
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "session_full" and r.json()["type"].endswith("/session_full")
    assert places(api, sid) == 0


def test_unknown_places_hold_nothing(api):
    sid = new_session(api, places=None)
    r = prescribe(api, sid)
    assert r.status_code == 201 and r.json()["place_held"] is False
    assert places(api, sid) is None
    # cancelling gives nothing back either
    assert patch(api, r.json()["id"], adviser(api), "cancelled").status_code == 200
    assert places(api, sid) is None


@pytest.mark.parametrize("status, code", [("suspended", "session_not_open"), ("closed", "session_not_open"),
                                          ("cancelled", "session_not_open"), ("full", "session_full")])
def test_session_not_open(api, status, code):
    sid = new_session(api, places=3, status=status)
    r = prescribe(api, sid)
    assert r.status_code == 409 and r.json()["code"] == code
    assert places(api, sid) == 3


def test_withdrawn_and_unknown_sessions(api):
    ext = unique("PRE_")
    r = api.put(f"/v1/offers/carif-idf/{ext}", json=offer_body(), headers=api.auth("admin"))
    sid = r.json()["sessions"][0]["id"]
    api.delete(f"/v1/offers/carif-idf/{ext}", headers=api.auth("admin"))
    r = prescribe(api, sid)
    assert r.status_code == 409 and r.json()["code"] == "session_not_open"
    assert prescribe(api, 999_999).status_code == 404


def test_same_person_twice_is_409_until_released(api):
    sid = new_session(api, places=5)
    first = prescribe(api, sid, "FT-DUP")
    assert first.status_code == 201
    again = prescribe(api, sid, "FT-DUP", headers=adviser(api, "B"))  # even from another adviser
    assert again.status_code == 409 and again.json()["code"] == "already_prescribed"
    assert places(api, sid) == 4
    assert patch(api, first.json()["id"], provider(api), "accepted").status_code == 200
    assert prescribe(api, sid, "FT-DUP").status_code == 409
    assert patch(api, first.json()["id"], adviser(api), "cancelled").status_code == 200
    assert prescribe(api, sid, "FT-DUP").status_code == 201
    assert prescribe(api, new_session(api), "FT-DUP").status_code == 201  # another session is fine


@pytest.mark.parametrize("body", [
    {"jobseeker_ref": "Jean Dupont"},  # a name does not fit: no spaces
    {"jobseeker_ref": "jean@example.org"},  # nor an e-mail address
    {"jobseeker_ref": ""},
    {"publics": ["martian"]},
    {"nationality": "XX"},  # unknown fields are refused
    {"session_id": "abc"},
])
def test_bad_bodies_are_422(api, body):
    sid = new_session(api)
    r = api.post("/v1/prescriptions", json={"session_id": sid, "jobseeker_ref": "FT-OK", **body},
                 headers=adviser(api))
    assert r.status_code == 422, r.text
    assert r.json()["errors"]
    assert places(api, sid) == 5


def test_only_advisers_and_admins_prescribe(api):
    sid = new_session(api)
    assert prescribe(api, sid, headers=provider(api)).status_code == 403
    assert prescribe(api, sid, headers=api.auth("sync", source="carif-idf")).status_code == 403
    assert prescribe(api, sid, headers={}).status_code == 401
    assert prescribe(api, sid, headers=api.auth("admin")).status_code == 201


# --- idempotency ----------------------------------------------------------------------------------------


def test_idempotent_replay_and_key_reuse(api):
    sid = new_session(api, places=5)
    h = {**adviser(api), "Idempotency-Key": unique("idem-")}
    body = {"session_id": sid, "jobseeker_ref": "FT-IDEM", "publics": ["bpi"]}
    first = api.post("/v1/prescriptions", json=body, headers=h)
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    # same body (other key order) → the first answer, no second effect
    replay = api.post("/v1/prescriptions", json=dict(reversed(list(body.items()))), headers=h)
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json() and replay.headers["ETag"] == first.headers["ETag"]
    assert places(api, sid) == 4
    # same key, another body → 422
    other = api.post("/v1/prescriptions", json={**body, "jobseeker_ref": "FT-OTHER"}, headers=h)
    assert other.status_code == 422 and other.json()["type"].endswith("idempotency-key-reused")
    assert places(api, sid) == 4
    # the key is scoped to the API key: another adviser's same key is a new request
    h2 = {**adviser(api, "B"), "Idempotency-Key": h["Idempotency-Key"]}
    assert api.post("/v1/prescriptions", json={**body, "jobseeker_ref": "FT-IDEM-B"}, headers=h2).status_code == 201
    # … and to the route: the same key on a PATCH is another request
    pid = first.json()["id"]
    r = api.patch(f"/v1/prescriptions/{pid}", json={"status": "cancelled"}, headers=h)
    assert r.status_code == 200
    r2 = api.patch(f"/v1/prescriptions/{pid}", json={"status": "cancelled"}, headers=h)
    assert r2.status_code == 200 and r2.headers["Idempotent-Replayed"] == "true"
    assert places(api, sid) == 4  # cancelled once: 5 - 2 + 1


def test_an_error_answer_is_not_kept(api):
    sid = new_session(api, places=1)
    blocker = prescribe(api, sid)
    h = {**adviser(api), "Idempotency-Key": unique("idem-")}
    body = {"session_id": sid, "jobseeker_ref": "FT-WAIT"}
    assert api.post("/v1/prescriptions", json=body, headers=h).status_code == 409
    patch(api, blocker.json()["id"], adviser(api), "cancelled")
    retry = api.post("/v1/prescriptions", json=body, headers=h)  # the 409 changed nothing: run again
    assert retry.status_code == 201 and "Idempotent-Replayed" not in retry.headers


def test_concurrent_requests_with_one_key_make_one_prescription(api):
    sid = new_session(api, places=5)
    h = {**adviser(api), "Idempotency-Key": unique("idem-")}
    body = {"session_id": sid, "jobseeker_ref": "FT-RACE"}
    barrier = threading.Barrier(6)
    out = []

    def go():
        barrier.wait()
        out.append(api.post("/v1/prescriptions", json=body, headers=h))

    threads = [threading.Thread(target=go) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.status_code for r in out] == [201] * 6
    assert len({r.json()["id"] for r in out}) == 1
    assert places(api, sid) == 4


def test_idempotency_key_is_validated(api):
    sid = new_session(api)
    r = api.post("/v1/prescriptions", json={"session_id": sid, "jobseeker_ref": "FT-K"},
                 headers={**adviser(api), "Idempotency-Key": "x" * 201})
    assert r.status_code == 422


# --- the state machine ------------------------------------------------------------------------------------


def _bring_to(api, status: Status, sid: int) -> int:
    """A fresh prescription of adviser A on session `sid`, brought to `status` by allowed paths."""
    pid = prescribe(api, sid).json()["id"]
    steps = {
        Status.PENDING: [],
        Status.ACCEPTED: [(provider(api), "accepted", {})],
        Status.REFUSED: [(provider(api), "refused", {"reason": "Niveau trop éloigné"})],
        Status.CANCELLED: [(adviser(api), "cancelled", {})],
        Status.ENTERED: [(provider(api), "entered", {})],
    }
    if status is Status.EXPIRED:
        force_expiry_due(api, pid)
        expire_due(api.app.state.database)
    for headers, to, extra in steps.get(status, []):
        assert patch(api, pid, headers, to, **extra).status_code == 200
    assert api.get(f"/v1/prescriptions/{pid}", headers=api.auth("admin")).json()["status"] == status.value
    return pid


_ACTOR_HEADERS = {Actor.ADVISER: adviser, Actor.PROVIDER: provider, Actor.ADMIN: lambda api: api.auth("admin")}


@pytest.mark.parametrize("old", list(Status), ids=lambda s: s.value)
def test_every_transition_allowed_or_409(api, old):
    """Every (from, to, role): 200 exactly when CONTRACT allows it; the place moves accordingly."""
    sid = new_session(api, places=40)
    checked = 0
    for new in Status:
        for actor, headers_of in _ACTOR_HEADERS.items():
            pid = _bring_to(api, old, sid)
            held_before = api.get(f"/v1/prescriptions/{pid}", headers=api.auth("admin")).json()["place_held"]
            left = places(api, sid)
            extra = {"reason": "Motif"} if new is Status.REFUSED else {}
            r = patch(api, pid, headers_of(api), new.value, **extra)
            allowed = actor in TRANSITIONS.get((old, new), frozenset())
            label = f"{old.value} → {new.value} by {actor.value}: {r.status_code} {r.text[:150]}"
            if allowed:
                assert r.status_code == 200, label
                assert r.json()["status"] == new.value, label
                expected = left + 1 if new in (Status.REFUSED, Status.CANCELLED) and held_before else left
                assert places(api, sid) == expected, label
            else:
                assert r.status_code == 409, label
                assert r.json()["code"] == "transition_not_allowed", label
                assert places(api, sid) == left, label
            checked += 1
    assert checked == len(Status) * len(_ACTOR_HEADERS)


def test_sync_keys_cannot_patch(api):
    sid = new_session(api)
    pid = prescribe(api, sid).json()["id"]
    assert patch(api, pid, api.auth("sync", source="carif-idf"), "accepted").status_code == 403


def test_releasing_transitions_give_the_place_back(api):
    sid = new_session(api, places=4)
    ids = [prescribe(api, sid).json()["id"] for _ in range(4)]
    assert places(api, sid) == 0
    assert patch(api, ids[0], provider(api), "refused", reason="Complet", reason_code="session_complete").status_code == 200
    assert places(api, sid) == 1
    assert patch(api, ids[1], provider(api), "accepted").status_code == 200
    assert places(api, sid) == 1
    assert patch(api, ids[1], adviser(api), "cancelled").status_code == 200  # from accepted
    assert places(api, sid) == 2
    assert patch(api, ids[2], provider(api), "entered").status_code == 200  # the held place becomes the entry
    assert places(api, sid) == 2
    force_expiry_due(api, ids[3])
    assert expire_due(api.app.state.database) >= 1
    assert places(api, sid) == 3
    with api.app.state.database.session() as db:
        assert repo.place_ledger(db, sid) == {"held_now": 1, "taken_by_prescriptions": 1, "taken_by_entries": 0}


def test_refusal_needs_a_reason_and_a_known_code(api):
    sid = new_session(api)
    pid = prescribe(api, sid).json()["id"]
    r = patch(api, pid, provider(api), "refused")
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "reason"]
    assert patch(api, pid, provider(api), "refused", reason="x", reason_code="not-a-code").status_code == 422
    assert patch(api, pid, adviser(api), "cancelled", reason_code="autre").status_code == 422
    reasons = {i["code"] for i in api.get("/v1/reference/refusal_reasons").json()["items"]}
    assert "niveau_inadapte" in reasons
    r = patch(api, pid, provider(api), "refused", reason="Niveau A0, formation dès A1", reason_code="niveau_inadapte")
    assert r.status_code == 200
    assert r.json()["reason"] == "Niveau A0, formation dès A1" and r.json()["reason_code"] == "niveau_inadapte"


def test_every_transition_is_logged(api):
    sid = new_session(api)
    pid = prescribe(api, sid).json()["id"]
    patch(api, pid, provider(api), "accepted")
    patch(api, pid, adviser(api), "cancelled", reason="La personne a trouvé un emploi")
    detail = api.get(f"/v1/prescriptions/{pid}", headers=adviser(api)).json()
    log = [(e["from_status"], e["to_status"], e["role"], e["by"], e["reason"], e["place_delta"])
           for e in detail["history"]]
    assert log == [(None, "pending", "adviser", "test adviser", None, -1),
                   ("pending", "accepted", "provider", "test provider", None, 0),
                   ("accepted", "cancelled", "adviser", "test adviser", "La personne a trouvé un emploi", 1)]
    ats = [datetime.fromisoformat(e["at"]) for e in detail["history"]]
    assert ats == sorted(ats)


def test_if_match(api):
    sid = new_session(api)
    pid = prescribe(api, sid).json()["id"]
    etag = api.get(f"/v1/prescriptions/{pid}", headers=provider(api)).headers["ETag"]
    r = api.patch(f"/v1/prescriptions/{pid}", json={"status": "accepted"}, headers={**provider(api), "If-Match": etag})
    assert r.status_code == 200 and r.headers["ETag"] != etag
    stale = api.patch(f"/v1/prescriptions/{pid}", json={"status": "entered"},
                      headers={**provider(api), "If-Match": etag})
    assert stale.status_code == 412
    assert api.patch(f"/v1/prescriptions/{pid}", json={"status": "entered"},
                     headers={**provider(api), "If-Match": r.headers["ETag"]}).status_code == 200


# --- scopes ---------------------------------------------------------------------------------------------------


def test_scopes_hide_other_peoples_prescriptions(api):
    sid = new_session(api)
    other_sid = new_session(api, siret=OTHER_SIRET, source="carif-bretagne")
    mine = prescribe(api, sid, headers=adviser(api, "Scope")).json()
    theirs = prescribe(api, other_sid, headers=adviser(api, "Other")).json()
    a, b = adviser(api, "Scope"), adviser(api, "Other")
    # advisers: their own only; the other one's is a 404, never a 403
    assert api.get(f"/v1/prescriptions/{mine['id']}", headers=a).status_code == 200
    assert api.get(f"/v1/prescriptions/{theirs['id']}", headers=a).status_code == 404
    assert patch(api, theirs["id"], a, "cancelled").status_code == 404
    assert {p["id"] for p in api.get("/v1/prescriptions?limit=200", headers=a).json()["items"]} == {mine["id"]}
    # providers: the sessions of their SIRET only
    own = provider(api, SIRET)
    other = provider(api, OTHER_SIRET)
    assert api.get(f"/v1/prescriptions/{mine['id']}", headers=own).status_code == 200
    assert api.get(f"/v1/prescriptions/{mine['id']}", headers=other).status_code == 404
    assert patch(api, mine["id"], other, "accepted").status_code == 404
    assert api.get(f"/v1/prescriptions/{theirs['id']}", headers=other).status_code == 200
    listed = {p["id"] for p in api.get(f"/v1/prescriptions?session_id={sid}", headers=other).json()["items"]}
    assert listed == set()
    # an unknown id looks the same as someone else's
    assert api.get("/v1/prescriptions/987654", headers=a).json()["detail"] == "Aucune prescription n°987654."
    # admin: everything
    admin = api.auth("admin")
    assert api.get(f"/v1/prescriptions/{theirs['id']}", headers=admin).status_code == 200
    # sync keys have no business here
    assert api.get("/v1/prescriptions", headers=api.auth("sync", source="carif-idf")).status_code == 403
    assert b  # the other adviser still sees theirs
    assert api.get(f"/v1/prescriptions/{theirs['id']}", headers=b).status_code == 200


def test_list_filters_and_pagination(api):
    sid = new_session(api, places=10)
    h = adviser(api, "List")
    ids = [prescribe(api, sid, headers=h).json()["id"] for _ in range(5)]
    patch(api, ids[0], h, "cancelled")
    page1 = api.get(f"/v1/prescriptions?session_id={sid}&limit=2", headers=h).json()
    assert [p["id"] for p in page1["items"]] == [ids[4], ids[3]]  # newest first
    page2 = api.get(f"/v1/prescriptions?session_id={sid}&limit=2&cursor={page1['next_cursor']}", headers=h).json()
    page3 = api.get(f"/v1/prescriptions?session_id={sid}&limit=2&cursor={page2['next_cursor']}", headers=h).json()
    assert [p["id"] for p in page2["items"] + page3["items"]] == [ids[2], ids[1], ids[0]]
    assert page3["next_cursor"] is None
    pending = api.get(f"/v1/prescriptions?session_id={sid}&status=pending", headers=h).json()["items"]
    assert {p["id"] for p in pending} == set(ids[1:])
    # a cursor is bound to its query, and cannot be forged
    bad = api.get(f"/v1/prescriptions?session_id={sid}&status=pending&cursor={page1['next_cursor']}", headers=h)
    assert bad.status_code == 400
    assert api.get("/v1/prescriptions?cursor=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", headers=h).status_code == 400
    # the organisation finds a prescription by the code the person shows
    code = pending[0]["code"]
    found = api.get(f"/v1/prescriptions?code={code.lower().replace('-', '')}", headers=provider(api)).json()["items"]
    assert [p["id"] for p in found] == [pending[0]["id"]]


# --- entries --------------------------------------------------------------------------------------------------


def _ref_of(api, sid: int) -> dict:
    with api.app.state.database.session() as db:
        row = db.get(TrainingSession, sid)
        offer = db.get(Offer, row.offer_id)
        return {"source": offer.source, "offer_external_id": offer.external_id, "session_external_id": row.external_id}


def test_entries_by_id_and_by_reference(api):
    sid = new_session(api, places=5)
    pending = prescribe(api, sid, "FT-E1", publics=["cir_signatory"]).json()
    accepted = prescribe(api, sid, "FT-E2").json()
    patch(api, accepted["id"], provider(api), "accepted")
    assert places(api, sid) == 3
    today = date.today().isoformat()
    batch = {"entries": [
        {"session_id": sid, "jobseeker_ref": "FT-E1", "entered_on": today, "publics": ["women"]},
        {"session_ref": _ref_of(api, sid), "jobseeker_ref": "FT-E2", "entered_on": today},
        {"session_ref": _ref_of(api, sid), "jobseeker_ref": "FT-E3", "entered_on": today, "publics": ["bpi"]},
        {"session_id": sid, "jobseeker_ref": "FT-E1", "entered_on": today},
        {"session_id": 987654, "jobseeker_ref": "FT-E4", "entered_on": today},
        {"session_ref": {**_ref_of(api, sid), "session_external_id": "NOPE"}, "jobseeker_ref": "FT-E5",
         "entered_on": today},
        {"session_id": sid, "jobseeker_ref": "FT-E6", "entered_on": (date.today() + timedelta(days=3)).isoformat()},
        {"session_id": sid, "session_ref": _ref_of(api, sid), "jobseeker_ref": "FT-E7", "entered_on": today},
        {"session_id": sid},
    ]}
    r = api.post("/v1/entries", json=batch, headers=provider(api))
    assert r.status_code == 200, r.text
    res = r.json()["results"]
    assert [x["outcome"] for x in res] == ["entered", "entered", "recorded", "duplicate", "error", "error", "error",
                                           "error", "error"]
    assert res[0]["prescription_id"] == pending["id"] and res[1]["prescription_id"] == accepted["id"]
    assert res[3]["prescription_id"] == pending["id"]
    assert "prescription_id" not in res[2] and all(x.get("detail") for x in res[4:])
    assert places(api, sid) == 2  # two held places became entries, the recorded one took one
    detail = api.get(f"/v1/prescriptions/{pending['id']}", headers=provider(api)).json()
    assert detail["status"] == "entered" and detail["entered_on"] == today
    assert detail["history"][-1]["via"] == "entries" and detail["history"][-1]["role"] == "provider"
    with api.app.state.database.session() as db:
        entry = db.exec(select(Entry).where(Entry.prescription_id == pending["id"])).one()
        assert entry.publics == ["cir_signatory", "women"]
        assert repo.place_ledger(db, sid) == {"held_now": 2, "taken_by_prescriptions": 2, "taken_by_entries": 1}
    # sending the batch again changes nothing
    again = api.post("/v1/entries", json={"entries": batch["entries"][:3]}, headers=provider(api)).json()["results"]
    assert [x["outcome"] for x in again] == ["duplicate"] * 3
    assert places(api, sid) == 2


def test_entries_scope_and_roles(api):
    sid = new_session(api, places=5)
    today = date.today().isoformat()
    one = {"entries": [{"session_id": sid, "jobseeker_ref": unique("FT-S"), "entered_on": today}]}
    assert api.post("/v1/entries", json=one, headers=provider(api, OTHER_SIRET)).json()["results"][0]["outcome"] == "error"
    assert api.post("/v1/entries", json=one, headers=api.auth("sync", source="carif-bretagne")).json()["results"][0][
        "outcome"] == "error"
    assert api.post("/v1/entries", json=one, headers=adviser(api)).status_code == 403
    assert places(api, sid) == 5
    r = api.post("/v1/entries", json=one, headers=api.auth("sync", source="carif-idf"))
    assert r.json()["results"][0]["outcome"] == "recorded"
    assert places(api, sid) == 4
    assert api.post("/v1/entries", json={"entries": []}, headers=provider(api)).status_code == 422


def test_recorded_entry_on_a_full_session_keeps_zero(api):
    sid = new_session(api, places=1)
    prescribe(api, sid)
    r = api.post("/v1/entries", json={"entries": [{"session_id": sid, "jobseeker_ref": "FT-LATE",
                                                   "entered_on": date.today().isoformat()}]}, headers=provider(api))
    assert r.json()["results"][0]["outcome"] == "recorded"
    assert places(api, sid) == 0


def test_prescribing_someone_who_already_entered_is_409(api):
    sid = new_session(api, places=5)
    api.post("/v1/entries", json={"entries": [{"session_id": sid, "jobseeker_ref": "FT-IN",
                                               "entered_on": date.today().isoformat()}]}, headers=provider(api))
    r = prescribe(api, sid, "FT-IN")
    assert r.status_code == 409 and r.json()["code"] == "already_entered"


def test_entries_are_idempotent_with_a_key(api):
    sid = new_session(api, places=5)
    pid = prescribe(api, sid, "FT-IK").json()["id"]
    h = {**provider(api), "Idempotency-Key": unique("kairos-")}
    body = {"entries": [{"session_id": sid, "jobseeker_ref": "FT-IK", "entered_on": date.today().isoformat()}]}
    first = api.post("/v1/entries", json=body, headers=h)
    replay = api.post("/v1/entries", json=body, headers=h)
    assert first.json() == replay.json() == {"results": [{"outcome": "entered", "prescription_id": pid}]}
    assert replay.headers["Idempotent-Replayed"] == "true"


# --- expiry ----------------------------------------------------------------------------------------------------


def test_expiry_frees_the_place_and_logs_it(api):
    sid = new_session(api, places=2)
    pid = prescribe(api, sid).json()["id"]
    kept = prescribe(api, sid).json()["id"]
    expire_due(api.app.state.database)  # nothing of ours is due yet
    assert places(api, sid) == 0
    assert api.get(f"/v1/prescriptions/{pid}", headers=api.auth("admin")).json()["status"] == "pending"
    force_expiry_due(api, pid)
    assert expire_due(api.app.state.database) >= 1
    assert places(api, sid) == 1
    detail = api.get(f"/v1/prescriptions/{pid}", headers=api.auth("admin")).json()
    assert detail["status"] == "expired" and detail["place_held"] is False
    assert detail["history"][-1] | {"at": None} == {
        "at": None, "from_status": "pending", "to_status": "expired", "role": "system",
        "by": "Expiration automatique", "via": "expiry", "reason": None, "reason_code": None, "place_delta": 1}
    assert api.get(f"/v1/prescriptions/{kept}", headers=api.auth("admin")).json()["status"] == "pending"
    # an accepted prescription never expires
    acc = prescribe(api, sid).json()["id"]
    patch(api, acc, provider(api), "accepted")
    force_expiry_due(api, acc)
    expire_due(api.app.state.database)
    assert api.get(f"/v1/prescriptions/{acc}", headers=api.auth("admin")).json()["status"] == "accepted"


def test_expiry_run_twice_at_once_frees_each_place_once(api, database_url):
    sid = new_session(api, places=6)
    ids = [prescribe(api, sid).json()["id"] for _ in range(6)]
    for pid in ids:
        force_expiry_due(api, pid)
    assert places(api, sid) == 0
    databases = [Database(database_url), Database(database_url)]  # two "processes"
    barrier = threading.Barrier(2)
    counts: list[int] = []

    def run(database: Database) -> None:
        barrier.wait()
        counts.append(expire_due(database))

    threads = [threading.Thread(target=run, args=(database,)) for database in databases]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for database in databases:
        database.dispose()
    assert sum(counts) >= 6 and places(api, sid) == 6
    with api.app.state.database.session() as db:
        events = list(db.exec(select(PrescriptionEvent).where(PrescriptionEvent.prescription_id.in_(ids),
                                                              PrescriptionEvent.to_status == "expired")))
        assert sorted(e.prescription_id for e in events) == ids
        assert all(e.place_delta == 1 for e in events)


def test_expiry_runs_inside_the_server(database_url):
    app = create_app(make_settings(database_url, expire_interval_seconds=1))
    with TestClient(app, raise_server_exceptions=False) as client:
        from tests.conftest import Api

        api = Api(client=client, app=app)
        sid = new_session(api, places=3)
        pid = prescribe(api, sid).json()["id"]
        force_expiry_due(api, pid)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if api.get(f"/v1/prescriptions/{pid}", headers=api.auth("admin")).json()["status"] == "expired":
                break
            time.sleep(0.2)
        assert api.get(f"/v1/prescriptions/{pid}", headers=api.auth("admin")).json()["status"] == "expired"
        assert places(api, sid) == 3


def test_cli_expire_and_anonymise(api, database_url, monkeypatch):
    from typer.testing import CliRunner

    from app.cli import cli

    sid = new_session(api, places=2)
    pid = prescribe(api, sid).json()["id"]
    force_expiry_due(api, pid)
    monkeypatch.setenv("DATABASE_URL", database_url)
    r = CliRunner().invoke(cli, ["expire"])
    assert r.exit_code == 0, r.output
    assert "expirée" in r.output
    assert api.get(f"/v1/prescriptions/{pid}", headers=api.auth("admin")).json()["status"] == "expired"
    r = CliRunner().invoke(cli, ["anonymise", "--older-than-months", "6"])
    assert r.exit_code == 0, r.output
    assert CliRunner().invoke(cli, ["anonymise", "--older-than-months", "0"]).exit_code != 0


# --- retention -------------------------------------------------------------------------------------------------


def test_anonymise_closed_prescriptions(api):
    sid = new_session(api, places=5)
    closed = prescribe(api, sid, "FT-OLD1", note="Mme X, disponible le matin").json()["id"]
    patch(api, closed, provider(api), "refused", reason="Mme X injoignable", reason_code="injoignable")
    entered = prescribe(api, sid, "FT-OLD2").json()["id"]
    patch(api, entered, provider(api), "entered")
    active = prescribe(api, sid, "FT-NEW").json()["id"]
    database = api.app.state.database
    # nothing is old enough yet
    anonymise(database, 1)
    assert api.get(f"/v1/prescriptions/{closed}", headers=api.auth("admin")).json()["jobseeker_ref"] == "FT-OLD1"
    later = utcnow() + timedelta(days=40)
    report = anonymise(database, 1, now=later)
    assert report.prescriptions >= 2 and report.entries >= 1
    got = {pid: api.get(f"/v1/prescriptions/{pid}", headers=api.auth("admin")).json()
           for pid in (closed, entered, active)}
    assert got[closed]["jobseeker_ref"].startswith("anon-") and got[closed]["note"] is None
    assert got[closed]["reason"] is None and got[closed]["reason_code"] == "injoignable"
    assert all(e["reason"] is None for e in got[closed]["history"])
    assert got[entered]["jobseeker_ref"].startswith("anon-")
    assert got[closed]["jobseeker_ref"] != got[entered]["jobseeker_ref"]
    assert got[active]["jobseeker_ref"] == "FT-NEW"  # still open: kept
    assert got[closed]["status"] == "refused" and len(got[closed]["history"]) == 2
    with database.session() as db:
        assert db.exec(select(Entry).where(Entry.prescription_id == entered)).one().jobseeker_ref.startswith("anon-")
    again = anonymise(database, 1, now=later)  # idempotent
    assert again.prescriptions == 0 and again.entries == 0


def test_same_person_prescribed_concurrently_once(api):
    """The checks before the lock may all pass: the partial unique index still lets one through."""
    sid = new_session(api, places=10)
    barrier = threading.Barrier(8)
    out = []

    def go(i: int):
        barrier.wait()
        out.append(prescribe(api, sid, "FT-TWIN", headers=adviser(api, "AB"[i % 2])))

    threads = [threading.Thread(target=go, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.status_code for r in out) == [201] + [409] * 7
    assert {r.json()["code"] for r in out if r.status_code == 409} == {"already_prescribed"}
    assert places(api, sid) == 9
