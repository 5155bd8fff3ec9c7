"""CONTRACT § Search box, against every engine (embedded on SQLite and PostgreSQL, Meilisearch)."""

from __future__ import annotations

import pytest

from tests.search.catalogue import SEARCHABLE, TITLE, load, titles


@pytest.fixture(scope="module")
def cat(sapi):
    offers = load(sapi)
    sapi.settle()
    return offers


def test_everything_searchable_and_nothing_else(sapi, cat):
    page = sapi.search(limit=100)
    assert page["total"] == len(SEARCHABLE)
    assert {i["title"] for i in page["items"]} == titles(*SEARCHABLE)
    assert page["next_cursor"] is None


@pytest.mark.parametrize("q, expected", [
    ("fransais hotelerie", "A"),  # one typo in each word (8 and 9 letters)
    ("FRANÇAIS hôtellerie", "A"),  # case and accents
    ("francais HOTELLERIE", "A"),
    ("alphabetisaton", "B"),  # one typo, 14 letters
    ("alphabtisaton", "B"),  # two typos from 9 letters
    ("alph", "B"),  # prefix on the last word
    ("alphabétisat", "B"),
    ("alpha", "B"),  # synonym (and prefix)
    ("lumiere", "C"),  # organisation name
    ("lyon", "C"),  # city of a session
    ("seine saint denis", "AB"),  # département name
    ("pole emploi", "C"),  # synonym of the funder « France Travail »
    ("pôle emploi intensif", "C"),
    ("hôtellerie-restauration", "A"),
    ("sociolinguistique", "F"),
    ("asl", "F"),  # synonym of « atelier sociolinguistique »
    ("santé", "F"),
    ("francais", "ACG"),
    ("fle", "ACG"),  # FLE in titles and kind labels; synonym of « français langue étrangère »
    ("retiré", ""),  # withdrawn offer
    ("delf", ""),  # its only session is closed
    ("alpa bobigny", ""),  # 4 letters: no typo allowed (and not the last word)
    ("alphbtsaton", ""),  # three typos
    ("le la les", ""),  # only stop words: searched as they are
])
def test_text(sapi, cat, q, expected):
    page = sapi.search(q=q, limit=100)
    assert {i["title"] for i in page["items"]} == titles(*expected), q
    assert page["total"] == len(expected)


def test_relevance_title_before_summary(sapi, cat):
    # « français » is in C's title, in A's and G's summaries only
    items = sapi.search(q="français")["items"]
    assert items[0]["title"] == TITLE["C"]


@pytest.mark.parametrize("params, expected", [
    ({"level": "A1"}, "ACFG"),  # unknown bounds admit
    ({"level": "A0"}, "BCF"),
    ({"level": "C2"}, "CF"),
    ({"funder": "region"}, "A"),
    ({"funder": "bop104"}, "F"),
    ({"sector": "hotellerie_restauration"}, "A"),
    ({"kind": "asl"}, "F"),
    ({"kind": "fle_general"}, "CG"),
    ({"departement": "93"}, "AB"),  # F's session in the 93 is cancelled
    ({"departement": "75"}, "F"),
    ({"departement": "2A"}, ""),
    ({"modality": "remote"}, "G"),
    ({"has_places": "true"}, "AFG"),
    ({"has_places": "false"}, "BC"),
    ({"q": "francais", "level": "A2", "has_places": "true", "modality": "in_person"}, "A"),
    ({"q": "fle", "kind": "fle_general", "funder": "learner", "level": "B2"}, "G"),
])
def test_filters(sapi, cat, params, expected):
    page = sapi.search(limit=100, **params)
    assert {i["title"] for i in page["items"]} == titles(*expected), params
    assert page["total"] == len(expected)


def test_facets_count_offers_of_the_query(sapi, cat):
    f = sapi.search()["facets"]
    assert f["kinds"] == {"fle_general": 2, "alpha": 1, "asl": 1, "fle_pro": 1}
    assert f["departements"] == {"93": 2, "13": 1, "69": 1, "75": 1}
    assert f["levels"] == {"A0": 3, "A1.1": 3, "A1": 4, "A2": 4, "B1": 3, "B2": 3, "C1": 2, "C2": 2}
    assert list(f["levels"]) == ["A0", "A1.1", "A1", "A2", "B1", "B2", "C1", "C2"]
    assert f["funders"] == {"bop104": 1, "commune": 1, "france_travail": 1, "learner": 1, "region": 1}
    assert f["sectors"] == {"hotellerie_restauration": 1}
    f = sapi.search(q="fle", departement="69")["facets"]
    assert f["kinds"] == {"fle_general": 1} and f["departements"] == {"69": 1, "13": 1}
    assert f["levels"] == {lv: 1 for lv in ["A0", "A1.1", "A1", "A2", "B1", "B2", "C1", "C2"]}
    assert f["funders"] == {"france_travail": 1} and f["sectors"] == {}


def test_near_and_radius(sapi, cat):
    page = sapi.search(near="93008", radius_km=3)
    assert {i["title"] for i in page["items"]} == titles("A", "B") and page["total"] == 2
    assert all(i["distance_km"] == 0.0 for i in page["items"])
    # F's open session is in Paris 11e (~6 km); its cancelled one in Bobigny does not count
    page = sapi.search(near="93008", radius_km=10)
    assert {i["title"] for i in page["items"]} == titles("A", "B", "F")
    assert [i["title"] for i in page["items"]][-1] == TITLE["F"]  # nearest first
    f = next(i for i in page["items"] if i["title"] == TITLE["F"])
    assert 5 < f["distance_km"] < 8
    # C is taught in Lyon and in Marseille: found from either
    for insee in ("69381", "13201"):
        page = sapi.search(near=insee, radius_km=10)
        assert {i["title"] for i in page["items"]} == titles("C")
        assert page["items"][0]["distance_km"] == 0.0
    # both of C's places within the radius: one offer, counted once in the total and the facets
    page = sapi.search(near="69381", radius_km=300)
    assert [i["title"] for i in page["items"]] == [TITLE["C"]] and page["total"] == 1
    assert page["facets"]["kinds"] == {"fle_general": 1}
    assert page["facets"]["departements"] == {"69": 1, "13": 1}
    assert sapi.search(near="93000", radius_km=3)["total"] == 2  # a postcode works too
    assert sapi.search(q="alpha", near="93008", radius_km=3)["total"] == 1
    assert sapi.search(near="69381")["total"] == 1  # default radius 20 km
    assert sapi.search(near="29019", radius_km=50)["total"] == 0  # Brest
    assert all(i["distance_km"] is None for i in sapi.search()["items"])


def test_items_are_whole_offers_without_closed_sessions(sapi, cat):
    page = sapi.search(q="santé")
    item = page["items"][0]
    assert item["id"] == cat["F"]["id"] and item["organisation"]["name"] == "Centre social Jaurès"
    assert [s["external_id"] for s in item["sessions"]] == ["F-OPEN"]
    assert {"entry_level", "funders", "quality", "updated_at"} <= set(item)


def test_cursor_pages_through_everything(sapi, cat):
    seen = []
    cursor = None
    for _ in range(10):
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = sapi.search(**params)
        assert page["total"] == len(SEARCHABLE)
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == len(SEARCHABLE)


def test_forged_or_foreign_cursor_is_400(sapi, cat):
    cursor = sapi.search(limit=1)["next_cursor"]
    r = sapi.get("/v1/search", params={"limit": 1, "cursor": cursor[:-3] + "AAA"})
    assert r.status_code == 400 and r.headers["content-type"].startswith("application/problem+json")
    r = sapi.get("/v1/search", params={"limit": 1, "kind": "alpha", "cursor": cursor})
    assert r.status_code == 400


@pytest.mark.parametrize("params, field", [
    ({"level": "Z9"}, "level"),
    ({"funder": "nope"}, "funder"),
    ({"sector": "espace"}, "sector"),
    ({"kind": "x"}, "kind"),
    ({"modality": "x"}, "modality"),
    ({"departement": "ABC"}, "departement"),
    ({"radius_km": 5}, "radius_km"),
    ({"near": "99999"}, "near"),
    ({"near": "abc"}, "near"),
    ({"near": "93008", "radius_km": -1}, "radius_km"),
    ({"limit": 0}, "limit"),
    ({"limit": 101}, "limit"),
    ({"has_places": "maybe"}, "has_places"),
    ({"q": "x" * 201}, "q"),
])
def test_bad_parameters_are_422(sapi, cat, params, field):
    r = sapi.get("/v1/search", params=params)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == 422 and any(e["loc"][-1] == field for e in body["errors"]), body


def test_suggest(sapi, cat):
    sapi.settle()
    r = sapi.get("/v1/suggest", params={"q": "alph"})
    assert r.status_code == 200
    assert r.json()["suggestions"] == [{"text": TITLE["B"], "offer_id": cat["B"]["id"]}]
    got = sapi.get("/v1/suggest", params={"q": "atelier socio"}).json()["suggestions"]
    assert [s["text"] for s in got] == [TITLE["F"]]
    assert sapi.get("/v1/suggest", params={"q": ""}).json() == {"suggestions": []}
    assert sapi.get("/v1/suggest", params={"q": "fransais", "limit": 2}).json()["suggestions"]
    assert sapi.get("/v1/suggest", params={"limit": 0}).status_code == 422


def test_readyz_reports_search(sapi, cat):
    sapi.settle()
    body = sapi.get("/readyz").json()
    assert body["status"] == "ok" and body["search"] == "ok" and body["search_lag"] == 0
    assert body["search_engine"] == ("meilisearch" if sapi.engine == "meili" else "embedded")
