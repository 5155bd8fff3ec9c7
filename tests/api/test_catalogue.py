"""Catalogue endpoints, run on SQLite and PostgreSQL (CONTRACT § Catalogue)."""

from __future__ import annotations

import pytest

from tests.api.factories import SIRET, offer_body, session_body
from tests.conftest import unique


def put(api, path_source, ext, body, role="admin", **scope):
    return api.put(f"/v1/offers/{path_source}/{ext}", json=body, headers=api.auth(role, **scope))


def test_put_creates_then_unchanged_then_updates(api):
    ext = unique("AF_")
    r = put(api, "carif-idf", ext, offer_body())
    assert r.status_code == 201, r.text
    offer = r.json()
    assert offer["source"] == "carif-idf" and offer["external_id"] == ext
    s = offer["sessions"][0]
    assert s["location"]["city"] == "Saint-Denis"
    assert s["location"]["departement"] == "93" and s["location"]["region"] == "11"
    assert s["location"]["lat"] == pytest.approx(48.93, abs=0.05)
    assert s["places_available"] == 5
    assert 0 < offer["quality"] <= 1
    assert r.headers["ETag"]

    again = put(api, "carif-idf", ext, offer_body())
    assert again.status_code == 200
    assert again.json()["updated_at"] == offer["updated_at"]

    changed = put(api, "carif-idf", ext, offer_body(title="FLE pro — aide à domicile (nouveau)"))
    assert changed.status_code == 200
    assert changed.json()["title"].endswith("(nouveau)")
    assert changed.json()["updated_at"] > offer["updated_at"]

    got = api.get(f"/v1/offers/{offer['id']}")
    assert got.status_code == 200 and got.json()["title"].endswith("(nouveau)")
    sess = api.get(f"/v1/sessions/{s['id']}")
    assert sess.status_code == 200 and sess.json()["offer_id"] == offer["id"]


def test_sessions_absent_from_body_are_withdrawn(api):
    ext = unique("AF_")
    body = offer_body(sessions=[session_body("A"), session_body("B")])
    offer = put(api, "carif-idf", ext, body).json()
    assert {s["external_id"] for s in offer["sessions"]} == {"A", "B"}
    b_id = next(s["id"] for s in offer["sessions"] if s["external_id"] == "B")
    offer = put(api, "carif-idf", ext, offer_body(sessions=[session_body("A")])).json()
    assert [s["external_id"] for s in offer["sessions"]] == ["A"]
    assert api.get(f"/v1/sessions/{b_id}").status_code == 404


def test_restating_places_keeps_live_count(api):
    """CONTRACT § Live places: the same stated figure never undoes holds; a new figure wins."""
    ext = unique("AF_")
    offer = put(api, "carif-idf", ext, offer_body(sessions=[session_body("A", places_available=5)])).json()
    sid = offer["sessions"][0]["id"]
    # Simulate two holds (prescriptions) directly in the database.
    from app.catalogue.models import TrainingSession

    with api.app.state.database.session(write=True) as db:
        row = db.get(TrainingSession, sid)
        row.places_available = 3
        db.add(row)
    # A re-sync restating 5, with another change so it is not a no-op, keeps 3.
    put(api, "carif-idf", ext, offer_body(title="autre titre", sessions=[session_body("A", places_available=5)]))
    assert api.get(f"/v1/sessions/{sid}").json()["places_available"] == 3
    # A different figure replaces the live count.
    put(api, "carif-idf", ext, offer_body(sessions=[session_body("A", places_available=8)]))
    assert api.get(f"/v1/sessions/{sid}").json()["places_available"] == 8


def test_location_by_postcode_and_unknown_codes(api):
    body = offer_body(sessions=[session_body("A", location={"postcode": "35000"})])
    r = put(api, "carif-bretagne", unique("AF_"), body)
    assert r.status_code == 201, r.text
    assert r.json()["sessions"][0]["location"]["city"] == "Rennes"

    bad = put(api, "carif-idf", unique("AF_"), offer_body(sessions=[session_body("A", location={"insee": "99999"})]))
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert bad.json()["errors"][0]["loc"] == ["body", "sessions", 0, "location", "insee"]


@pytest.mark.parametrize(
    "mutate, loc_part",
    [
        (lambda b: b.update(kind="cuisine"), "kind"),
        (lambda b: b.update(funders=["bop105"]), "funders"),
        (lambda b: b.update(hours_total=-3), "hours_total"),
        (lambda b: b.update(entry_level={"min": "B1", "max": "A1"}), "entry_level"),
        (lambda b: b["sessions"][0].update(end_date="2020-01-01", start_date="2021-01-01"), "sessions"),
        (lambda b: b["sessions"][0].update(schedule=[{"day": "mon", "start": "12:00", "end": "09:00"}]), "schedule"),
        (lambda b: b["sessions"][0].update(schedule=[{"day": "lun", "start": "09:00", "end": "12:00"}]), "day"),
        (lambda b: b["sessions"][0].update(places_available=-1), "places_available"),
        (lambda b: b.update(unknown_field=1), "unknown_field"),
        (lambda b: b.pop("title"), "title"),
    ],
)
def test_bad_input_is_422_naming_the_field_and_changes_nothing(api, mutate, loc_part):
    ext = unique("AF_")
    body = offer_body()
    mutate(body)
    r = put(api, "carif-idf", ext, body)
    assert r.status_code == 422, r.text
    problem = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    assert {"type", "title", "status", "detail", "errors"} <= problem.keys()
    assert any(loc_part in [str(x) for x in e["loc"]] for e in problem["errors"]), problem
    page = api.get("/v1/offers", params={"limit": 200, "modified_after": "2000-01-01T00:00:00Z"}).json()
    assert ext not in {o["external_id"] for o in page["items"]}


def test_bad_json_is_422(api):
    r = api.put("/v1/offers/carif-idf/X1", content=b"{not json", headers={**api.auth("admin"),
                                                                        "Content-Type": "application/json"})
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")


def test_delete_withdraws_and_marks_for_sync(api):
    ext = unique("AF_")
    offer = put(api, "carif-idf", ext, offer_body()).json()
    r = api.delete(f"/v1/offers/carif-idf/{ext}", headers=api.auth("admin"))
    assert r.status_code == 204
    assert api.get(f"/v1/offers/{offer['id']}").status_code == 404
    listed = api.get("/v1/offers", params={"limit": 200}).json()["items"]
    assert offer["id"] not in {o["id"] for o in listed}
    since = api.get("/v1/offers", params={"modified_after": offer["updated_at"], "limit": 200}).json()["items"]
    marker = next(o for o in since if o["id"] == offer["id"])
    assert marker["withdrawn"] is True and set(marker) == {"id", "source", "external_id", "withdrawn", "updated_at"}
    assert api.delete("/v1/offers/carif-idf/never-seen", headers=api.auth("admin")).status_code == 404
    # Publishing it again brings it back.
    assert put(api, "carif-idf", ext, offer_body()).status_code == 200
    assert api.get(f"/v1/offers/{offer['id']}").status_code == 200


def test_list_filters_and_keyset_pagination(api):
    src = "carif-test-" + unique("p")
    ids = []
    for i in range(5):
        body = offer_body(funders=["ofii"] if i % 2 else ["region"],
                          sectors=["btp"] if i < 2 else ["proprete"],
                          entry_level={"min": "A0", "max": "A1"} if i == 0 else {"min": "A2", "max": "B1"},
                          sessions=[session_body("S", location={"insee": "13201" if i == 4 else "93066"})])
        ids.append(put(api, src, f"AF{i}", body).json()["id"])
    seen, cursor = [], None
    while True:
        params = {"limit": 2, "modified_after": "2000-01-01T00:00:00Z"}
        if cursor:
            params["cursor"] = cursor
        page = api.get("/v1/offers", params=params).json()
        seen += [o["id"] for o in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert set(ids) <= set(seen) and len(seen) == len(set(seen))

    def ids_for(**params):
        got = api.get("/v1/offers", params={"limit": 200, **params})
        assert got.status_code == 200, got.text
        return {o["id"] for o in got.json()["items"]} & set(ids)

    assert ids_for(funder="ofii") == {ids[1], ids[3]}
    assert ids_for(sector="btp") == {ids[0], ids[1]}
    assert ids_for(departement="13") == {ids[4]}
    assert ids_for(region="93") == {ids[4]}
    assert ids_for(level="A0") == {ids[0]}
    assert ids_for(level="B1") == set(ids[1:])
    assert api.get("/v1/offers", params={"level": "Z9"}).status_code == 422
    assert api.get("/v1/offers", params={"limit": 201}).status_code == 422


def test_forged_and_foreign_cursors_are_400(api):
    for i in range(3):
        put(api, "carif-cursor", f"C{i}", offer_body())
    page = api.get("/v1/offers", params={"limit": 1}).json()
    assert page["next_cursor"]
    foreign = api.get("/v1/offers", params={"limit": 1, "sector": "btp", "cursor": page["next_cursor"]})
    assert foreign.status_code == 400
    forged = api.get("/v1/offers", params={"limit": 1, "cursor": page["next_cursor"][:-2] + "xx"})
    assert forged.status_code == 400
    assert forged.headers["content-type"].startswith("application/problem+json")
    assert api.get("/v1/offers", params={"cursor": "%%%"}).status_code == 400


def test_places_update_with_etag(api):
    ext = unique("AF_")
    offer = put(api, f"of-{SIRET}", ext, offer_body(), role="provider", siret=SIRET).json()
    sid = offer["sessions"][0]["id"]
    got = api.get(f"/v1/sessions/{sid}")
    etag = got.headers["ETag"]
    hdr = api.auth("provider", siret=SIRET)
    r = api.put(f"/v1/sessions/{sid}/places", json={"places_available": 2, "capacity": 14},
                headers={**hdr, "If-Match": etag})
    assert r.status_code == 200, r.text
    assert r.json()["places_available"] == 2 and r.json()["capacity"] == 14
    assert r.json()["places_updated_at"]
    stale = api.put(f"/v1/sessions/{sid}/places", json={"places_available": 1}, headers={**hdr, "If-Match": etag})
    assert stale.status_code == 412
    other = api.put(f"/v1/sessions/{sid}/places", json={"places_available": 1},
                    headers=api.auth("provider", siret="44306184100047"))
    assert other.status_code == 403
    assert api.put(f"/v1/sessions/{sid}/places", json={"places_available": -1}, headers=hdr).status_code == 422
    assert api.put("/v1/sessions/999999/places", json={"places_available": 1}, headers=hdr).status_code == 404


def test_write_scopes(api):
    body = offer_body()
    assert put(api, "carif-idf", unique("AF_"), body, role="sync", source="carif-idf").status_code == 201
    assert put(api, "carif-paca", unique("AF_"), body, role="sync", source="carif-idf").status_code == 403
    assert put(api, f"of-{SIRET}", unique("AF_"), body, role="provider", siret=SIRET).status_code == 201
    assert put(api, "carif-idf", unique("AF_"), body, role="provider", siret=SIRET).status_code == 403
    assert put(api, "carif-idf", unique("AF_"), body, role="adviser").status_code == 403
    r = api.put("/v1/offers/carif-idf/X", json=body)
    assert r.status_code == 401 and r.headers["content-type"].startswith("application/problem+json")
    r = api.put("/v1/offers/carif-idf/X", json=body, headers={"Authorization": "Bearer pfle_00000000_nope"})
    assert r.status_code == 401


def test_problem_json_for_framework_errors(api):
    r = api.get("/v1/nowhere")
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
    r = api.post("/v1/offers")
    assert r.status_code == 405 and r.json()["status"] == 405
    r = api.get("/v1/offers/abc")
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["path", "offer_id"]
    r = api.get("/v1/offers/999999999")
    assert r.status_code == 404 and r.json()["title"]
