"""`POST /v1/match` through HTTP, on SQLite and PostgreSQL (CONTRACT § Matching)."""

from __future__ import annotations

import pytest

from app.core.clock import paris_today
from app.matching import MatchRequest, match, resolve_home
from app.matching.core import EXCLUSION_ORDER
from tests.api.factories import offer_body, session_body
from tests.conftest import unique

MORNINGS = [{"day": d, "start": "08:30", "end": "12:30"} for d in ["mon", "tue", "wed", "thu", "fri"]]


def post(api, profile, limit=20, role="adviser"):
    return api.post("/v1/match", json={"profile": profile, "limit": limit}, headers=api.auth(role))


@pytest.fixture(scope="module")
def catalogue(api):
    """A small catalogue around Saint-Denis: one session per exclusion reason, and good ones."""
    src = "carif-match"
    bodies = {
        "good": offer_body(),
        "far": offer_body(sessions=[session_body("S", location={"insee": "13201"})]),
        "closed": offer_body(sessions=[session_body("S", status="suspended")]),
        "later": offer_body(sessions=[session_body("S", start_date="2030-01-06", end_date="2030-06-01")]),
        "full": offer_body(sessions=[session_body("S", places_available=0)]),
        "level": offer_body(entry_level={"min": "B1", "max": "B2"}, target_level="C1"),
        "literacy": offer_body(literacy_accepted=["none"], kind="alpha"),
        "publics": offer_body(publics=["women"]),
        "afternoon": offer_body(sessions=[session_body("S", schedule=[{"day": "mon", "start": "14:00", "end": "17:00"}])]),
        "unknowns": offer_body(entry_level={}, target_level=None, literacy_accepted=[], funders=[],
                               sessions=[session_body("S", schedule=[], places_available=None, start_date=None,
                                                      end_date=None)]),
    }
    ids = {}
    for name, body in bodies.items():
        r = api.put(f"/v1/offers/{src}/{name}-{unique()}", json=body, headers=api.auth("admin"))
        assert r.status_code == 201, r.text
        ids[name] = r.json()["sessions"][0]["id"]
    return ids


PROFILE = {"level": "A1", "literacy": "full", "home": {"insee": "93066"}, "max_distance_km": 20,
           "sectors": ["services_a_la_personne"], "publics": ["cir_signatory", "jobseeker"],
           "availability": MORNINGS}


def test_each_session_is_excluded_once_under_its_first_reason(api, catalogue):
    r = post(api, PROFILE, limit=200)
    assert r.status_code == 200, r.text
    body = r.json()
    assert list(body["excluded"]) == list(EXCLUSION_ORDER)
    assert body["target_level"] == "A2"
    found = {x["session"]["id"] for x in body["results"]}
    assert catalogue["good"] in found and catalogue["unknowns"] in found
    for name in ["far", "closed", "later", "full", "level", "literacy", "publics", "afternoon"]:
        assert catalogue[name] not in found, name
    assert body["candidates"] == body["total_results"] + sum(body["excluded"].values())
    # every reason family counted at least once, from the sessions above
    for reason in EXCLUSION_ORDER:
        assert body["excluded"][reason] >= 1, reason
    good = next(x for x in body["results"] if x["session"]["id"] == catalogue["good"])
    crit = {x["criterion"]: x for x in good["reasons"]}
    assert {"level", "literacy", "publics", "distance", "schedule", "dates", "places", "sector", "target", "cost"} <= crit.keys()
    assert crit["distance"]["detail"].endswith("(estimation)")
    assert "km" in crit["distance"]["detail"] and good["distance_km"] is not None
    unknown = next(x for x in body["results"] if x["session"]["id"] == catalogue["unknowns"])
    statuses = {x["criterion"]: x["status"] for x in unknown["reasons"]}
    assert statuses["schedule"] == "unknown" and statuses["places"] == "unknown" and statuses["level"] == "unknown"
    assert good["score"] > unknown["score"]


def test_api_returns_exactly_what_the_core_returns(api, catalogue):
    request = MatchRequest.model_validate({"profile": PROFILE, "limit": 50})
    r = post(api, PROFILE, limit=50).json()
    with api.app.state.database.session() as db:
        snap = api.app.state.snapshots.get(db)
    core = match(request.profile, resolve_home(request.profile.home), snap, today=paris_today(), limit=50,
                 tension=api.app.state.tension)
    assert [x["session"]["id"] for x in r["results"]] == [x.session_id for x in core.results]
    assert [x["score"] for x in r["results"]] == [x.score for x in core.results]
    assert r["excluded"] == core.excluded and r["candidates"] == core.candidates
    assert [x["reasons"] for x in r["results"]] == [[y.as_dict() for y in x.reasons] for x in core.results]


def test_a_places_update_is_matched_at_once(api, catalogue):
    sid = catalogue["good"]
    before = post(api, PROFILE, limit=200).json()
    assert sid in {x["session"]["id"] for x in before["results"]}
    r = api.put(f"/v1/sessions/{sid}/places", json={"places_available": 0}, headers=api.auth("admin"))
    assert r.status_code == 200
    after = post(api, PROFILE, limit=200).json()
    assert sid not in {x["session"]["id"] for x in after["results"]}
    assert after["excluded"]["places"] == before["excluded"]["places"] + 1
    api.put(f"/v1/sessions/{sid}/places", json={"places_available": 4}, headers=api.auth("admin"))
    assert sid in {x["session"]["id"] for x in post(api, PROFILE, limit=200).json()["results"]}


@pytest.mark.parametrize(
    "profile, loc",
    [
        ({"level": "Z1", "home": {"insee": "93066"}}, ["body", "profile", "level"]),
        ({"level": "A1"}, ["body", "profile", "home"]),
        ({"level": "A1", "home": {"insee": "99999"}}, ["body", "profile", "home", "insee"]),
        ({"level": "A1", "home": {"postcode": "00000"}}, ["body", "profile", "home", "postcode"]),
        ({"level": "A1", "home": {"insee": "93066"}, "max_distance_km": -1}, ["body", "profile", "max_distance_km"]),
        ({"level": "A1", "home": {"insee": "93066"}, "availability": [{"day": "mon", "start": "25:00", "end": "26:00"}]},
         ["body", "profile", "availability", 0, "start"]),
        ({"level": "A1", "home": {"insee": "93066"}, "availability": [{"day": "mon", "start": "12:00", "end": "09:00"}]},
         ["body", "profile", "availability", 0]),
        ({"level": "A1", "home": {"insee": "93066"}, "transport": "rocket"}, ["body", "profile", "transport"]),
    ],
)
def test_bad_profiles_are_422_naming_the_field(api, profile, loc):
    r = post(api, profile)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    locs = [e["loc"] for e in r.json()["errors"]]
    assert any(x[: len(loc)] == loc for x in locs), locs


def test_match_needs_an_adviser_or_admin(api):
    assert api.post("/v1/match", json={"profile": PROFILE}).status_code == 401
    assert post(api, PROFILE, role="admin").status_code == 200
    r = api.post("/v1/match", json={"profile": PROFILE}, headers=api.auth("provider", siret="13002526500013"))
    assert r.status_code == 403


def test_an_offer_change_shows_in_the_next_match(api, catalogue):
    """Matching caches the offers it returns: a change must never be served stale."""
    from tests.api.factories import offer_body

    r = api.put("/v1/offers/carif-match/cache-check", json=offer_body(title="Titre avant"), headers=api.auth("admin"))
    sid = r.json()["sessions"][0]["id"]

    def title():
        res = post(api, PROFILE, limit=200).json()["results"]
        return next(x["offer"]["title"] for x in res if x["session"]["id"] == sid)

    assert title() == "Titre avant"
    api.put("/v1/offers/carif-match/cache-check", json=offer_body(title="Titre après"), headers=api.auth("admin"))
    assert title() == "Titre après"
    api.put(f"/v1/sessions/{sid}/places", json={"places_available": 3}, headers=api.auth("admin"))
    res = post(api, PROFILE, limit=200).json()["results"]
    assert next(x["session"]["places_available"] for x in res if x["session"]["id"] == sid) == 3
