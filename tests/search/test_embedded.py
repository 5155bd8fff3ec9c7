"""The embedded engine's incremental updates give the same answers as a fresh build."""

from __future__ import annotations

import random

from app.search.documents import OfferDoc
from app.search.embedded import EmbeddedEngine, build_state
from app.search.port import Filters, SearchQuery

WORDS = ["francais", "alphabetisation", "cuisine", "logistique", "soir", "intensif", "bobigny", "lyon",
         "atelier", "femmes", "vente", "proprete", "numerique", "conduite"]


def _doc(i: int, rnd: random.Random) -> OfferDoc:
    return OfferDoc(
        offer_id=i, title=" ".join(rnd.sample(WORDS, 3)), summary=" ".join(rnd.sample(WORDS, 4)),
        organisation=f"Association {i % 7}", kind=rnd.choice(["alpha", "fle_pro", "asl"]), modality="in_person",
        quality=rnd.random(), funders=tuple(rnd.sample(["region", "bop104", "cpf"], 1)),
        levels=("A1", "A2") if i % 2 else ("A0",), departements=(rnd.choice(["93", "69"]),),
        has_places=bool(i % 3), points=((48.9 + rnd.random() / 10, 2.4 + rnd.random() / 10),))


QUERIES = [SearchQuery(words=w, filters=f, limit=50) for w in [(), ("francais",), ("cuisne", "soi"), ("atel",)]
           for f in [Filters(), Filters(kind="alpha", has_places=True), Filters(near=(48.95, 2.45), radius_km=3),
                     Filters(level="A2", departement="93")]]


def test_incremental_equals_rebuild():
    rnd = random.Random(7)
    docs = {i: _doc(i, rnd) for i in range(1, 400)}
    engine = EmbeddedEngine()
    engine.swap(build_state(list(docs.values())[:200]))
    engine.index(list(docs.values())[200:])
    for _ in range(300):  # updates and removals after the build
        i = rnd.randrange(1, 400)
        if rnd.random() < 0.2:
            engine.delete([i])
            docs.pop(i, None)
        else:
            docs[i] = _doc(i, rnd)
            engine.index([docs[i]])
    fresh = EmbeddedEngine()
    fresh.rebuild(docs.values())
    assert engine.size == fresh.size == len(docs)
    for q in QUERIES:
        a, b = engine.search(q), fresh.search(q)
        assert (a.total, a.offer_ids, a.facets) == (b.total, b.offer_ids, b.facets), q
    assert engine.needs_compaction() in (True, False)


def test_paging_is_stable():
    rnd = random.Random(3)
    engine = EmbeddedEngine()
    engine.rebuild(_doc(i, rnd) for i in range(1, 120))
    whole = engine.search(SearchQuery(words=("francais",), limit=100)).offer_ids
    pages = [engine.search(SearchQuery(words=("francais",), offset=o, limit=7)).offer_ids for o in range(0, 100, 7)]
    assert [i for p in pages for i in p] == whole
