"""Scenarios on the demo catalogue, written as an adviser would judge them."""

from __future__ import annotations

import pytest

from app.catalogue.demo import load_demo

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]


@pytest.fixture(scope="module")
def demo(api):
    load_demo(api.app.state.database)
    return api


def match(api, profile, limit=20):
    r = api.post("/v1/match", json={"profile": profile, "limit": limit}, headers=api.auth("adviser"))
    assert r.status_code == 200, r.text
    return r.json()


def reasons(result):
    return {x["criterion"]: x for x in result["reasons"]}


def test_a1_cir_signatory_in_saint_denis_seeking_home_care_free_weekday_mornings(demo):
    """Awa, A1, CIR signatory, Saint-Denis, wants to work as an aide à domicile; free 8:30–12:30."""
    mornings = [{"day": d, "start": "08:30", "end": "12:30"} for d in WEEKDAYS]
    profile = {"level": "A1", "literacy": "full", "home": {"insee": "93066"}, "sectors": ["services_a_la_personne"],
               "publics": ["cir_signatory", "jobseeker"], "availability": mornings}
    body = match(demo, profile)
    assert body["target_level"] == "A2"
    assert body["results"], "some course must be proposed"
    for r in body["results"]:
        assert r["distance_km"] <= 20
        for slot in r["session"]["schedule"]:  # every class is in the morning, on a weekday
            assert slot["day"] in WEEKDAYS and slot["start"] >= "08:30" and slot["end"] <= "12:30"
        lvl = r["offer"]["entry_level"]
        assert lvl["min"] in (None, "A0", "A1.1", "A1") and lvl["max"] not in ("A0", "A1.1")
        assert r["session"]["status"] == "open" and r["session"]["places_available"] != 0
    # The demo's FLE pro home-care courses nearby are one full session in Saint-Denis and one in the
    # afternoon in Bobigny: the counts tell the adviser which constraint to relax.
    assert body["excluded"]["places"] >= 1 and body["excluded"]["schedule"] >= 1
    afternoons = mornings + [{"day": d, "start": "13:00", "end": "17:00"} for d in WEEKDAYS]
    relaxed = match(demo, {**profile, "availability": afternoons})
    top = relaxed["results"][0]
    assert top["offer"]["kind"] == "fle_pro" and "services_a_la_personne" in top["offer"]["sectors"]
    assert reasons(top)["sector"]["status"] == "met"
    assert top["score"] >= max(r["score"] for r in body["results"])


def test_a2_refugee_in_rennes_wanting_the_resident_card(demo):
    profile = {"level": "A2", "home": {"insee": "35238"}, "permit_goal": "resident", "publics": ["bpi", "jobseeker"]}
    body = match(demo, profile)
    assert body["target_level"] == "B1"
    assert body["results"]
    for r in body["results"]:
        assert r["session"]["location"] is None or r["session"]["location"]["departement"] == "35"
        assert r["offer"]["target_level"] in (None, "B1", "B2", "C1", "C2")
        allowed = set(r["offer"]["publics"])
        assert not allowed or "all" in allowed or allowed & {"bpi", "immigrant", "jobseeker"}
    top = body["results"][0]
    assert reasons(top)["target"]["status"] == "met"


def test_non_literate_woman_in_marseille_needing_childcare(demo):
    profile = {"level": "A0", "literacy": "none", "home": {"insee": "13203"}, "needs_childcare": True,
               "publics": ["women", "immigrant"]}
    body = match(demo, profile)
    assert body["results"]
    for r in body["results"]:
        assert r["offer"]["literacy_accepted"] == [] or "none" in r["offer"]["literacy_accepted"]
        assert r["offer"]["kind"] in ("alpha", "asl", "cir", "fle_general")
    top = body["results"][0]
    assert top["offer"]["childcare"] is True and reasons(top)["childcare"]["status"] == "met"
    assert top["offer"]["kind"] == "alpha"
    # An empty answer still says what to relax.
    none = match(demo, {**profile, "max_distance_km": 0.01, "home": {"insee": "13055"}})
    assert none["candidates"] == none["total_results"] + sum(none["excluded"].values())
    assert none["excluded"]["distance"] > 0
