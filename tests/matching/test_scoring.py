"""Ranking: weights, what each criterion prefers, ranking reasons, the daily tie-break."""

from __future__ import annotations

from dataclasses import astuple
from datetime import date, timedelta

import numpy as np
import pytest

from app.matching.core import match
from app.matching.scoring import (
    CRITERIA,
    RANKING_REASONS,
    WEIGHTS,
    audience_reason,
    childcare_reason,
    cost_reason,
    quality_reason,
    sector_reason,
    target_reason,
    tension_reason,
    tiebreak,
    tiebreak_scalar,
)
from app.matching.snapshot import Snapshot
from app.reference.catalogue_codes import Kind, Modality
from app.reference.levels import Level
from app.reference.publics import Public
from app.reference.sectors import Sector

from .helpers import SAINT_DENIS, TENSION, TODAY, cand, ctx_of, profile


def test_weights_sum_to_100_and_are_named() -> None:
    assert sum(astuple(WEIGHTS)) == 100
    assert set(CRITERIA) == {"sector", "tension", "target", "distance", "start", "places", "cost",
                             "childcare", "audience", "quality"}
    assert all(w > 0 for w in astuple(WEIGHTS))


def ranked(p, candidates, today=TODAY, limit=50):
    out = match(p, SAINT_DENIS, Snapshot.build(candidates), today=today, limit=limit, tension=TENSION)
    return [r.session_id for r in out.results], {r.session_id: r.score for r in out.results}


@pytest.mark.parametrize(
    ("pkw", "better", "worse"),
    [
        ("sector", {"kind": Kind.FLE_PRO, "sectors": frozenset({Sector.PROPRETE})},
         {"kind": Kind.FLE_GENERAL, "sectors": frozenset({Sector.PROPRETE})}),
        ("sector", {"kind": Kind.FLE_GENERAL, "sectors": frozenset({Sector.PROPRETE})},
         {"kind": Kind.FLE_PRO, "sectors": frozenset({Sector.COMMERCE})}),
        ("sector", {"kind": Kind.FLE_PRO, "sectors": frozenset({Sector.BTP})},  # en tension in 11
         {"kind": Kind.FLE_PRO, "sectors": frozenset({Sector.COMMERCE})}),
        ("plain", {"rome_codes": frozenset({"K1302"})}, {"rome_codes": frozenset({"G1602"})}),
        ("plain", {"target_level": Level.A2}, {"target_level": Level.A1}),  # target A2 from A1.1
        ("plain", {"target_level": Level.A1}, {}),  # half-way (A1.1 → A1 of A2) beats unknown (0.25)
        ("plain", {"lat": 48.9362, "lon": 2.3574}, {"lat": 48.8566, "lon": 2.3522}),
        ("plain", {"start_date": TODAY + timedelta(days=3)}, {"start_date": TODAY + timedelta(days=60)}),
        ("plain", {"places_available": 3}, {}),
        ("plain", {"cost_to_learner": 0.0}, {"cost_to_learner": 90.0}),
        ("plain", {"cost_to_learner": 0.0}, {}),
        ("childcare", {"childcare": True}, {"childcare": None}),
        ("publics", {"audience": frozenset({Public.CIR_SIGNATORY})}, {"audience": frozenset({Public.WOMEN})}),
        ("publics", {"audience": frozenset({Public.IMMIGRANT})}, {"audience": frozenset({Public.ALL})}),
        ("plain", {"quality": 0.9}, {"quality": 0.1}),
        ("plain", {"modality": Modality.IN_PERSON, "lat": 48.9362, "lon": 2.3574}, {"lat": None, "lon": None}),
    ],
)
def test_preferences(pkw: str, better: dict, worse: dict) -> None:
    profiles = {
        "sector": profile(level="A1.1", sectors=["proprete", "btp"]),
        "plain": profile(level="A1.1", target_level="A2"),
        "childcare": profile(level="A1.1", needs_childcare=True),
        "publics": profile(level="A1.1", publics=["cir_signatory"]),
    }
    order, scores = ranked(profiles[pkw], [cand(1, **better), cand(2, **worse)])
    assert order == [1, 2], scores
    assert scores[1] > scores[2]


def test_perfect_session_scores_100_and_bare_one_less() -> None:
    p = profile(level="A1", sectors=["btp"], publics=["jobseeker"], needs_childcare=True)
    best = cand(1, kind=Kind.FLE_PRO, sectors=frozenset({Sector.BTP}), target_level=Level.A2,
                modality=Modality.REMOTE, start_date=TODAY, places_available=5, cost_to_learner=0.0,
                childcare=True, audience=frozenset({Public.JOBSEEKER}), quality=1.0)
    p_remote = p.model_copy(update={"remote_ok": True})
    _, scores = ranked(p_remote, [best, cand(2)])
    assert scores[1] == 100
    assert 0 <= scores[2] < 30


def test_scores_rescale_over_applicable_criteria() -> None:
    # Without sectors, childcare and publics, the best possible session still reaches 100.
    p = profile(level="A1", remote_ok=True)
    best = cand(1, kind=Kind.FLE_PRO, sectors=frozenset({Sector.BTP}), target_level=Level.A2,
                modality=Modality.REMOTE, start_date=TODAY, places_available=5, cost_to_learner=0.0,
                quality=1.0)
    _, scores = ranked(p, [best])
    assert scores[1] == 100


RANKING_CASES = [
    (sector_reason, {}, {"sectors": frozenset({Sector.BTP})}, "unknown",
     "Aucun secteur recherché indiqué ; formation liée au secteur : Bâtiment et travaux publics"),
    (sector_reason, {}, {}, "unknown", "Aucun secteur recherché indiqué"),
    (sector_reason, {"sectors": ["btp"]}, {"kind": Kind.FLE_PRO, "sectors": frozenset({Sector.BTP})}, "met",
     "FLE à visée professionnelle dans le secteur recherché : Bâtiment et travaux publics"),
    (sector_reason, {"sectors": ["btp"]}, {"kind": Kind.ASL, "sectors": frozenset({Sector.BTP})}, "partial",
     "Formation liée au secteur recherché (Bâtiment et travaux publics), sans être du FLE à visée professionnelle"),
    (sector_reason, {"sectors": ["btp"]}, {"sectors": frozenset({Sector.SANTE})}, "unmet",
     "Secteur de la formation : Santé ; secteur recherché : Bâtiment et travaux publics"),
    (sector_reason, {"sectors": ["btp"]}, {"sectors": frozenset({Sector.TOUS_SECTEURS})}, "unmet",
     "Français général, sans lien avec le secteur recherché (Bâtiment et travaux publics)"),
    (tension_reason, {}, {"sectors": frozenset({Sector.BTP})}, "met",
     "Secteur en tension en Île-de-France : Bâtiment et travaux publics"),
    (tension_reason, {}, {"rome_codes": frozenset({"K1302", "A1101"})}, "met",
     "Métier en tension en Île-de-France (ROME K1302)"),
    (tension_reason, {}, {"sectors": frozenset({Sector.SANTE})}, "unmet",
     "Pas de secteur en tension en Île-de-France"),
    (target_reason, {"level": "A1"}, {"target_level": Level.B1}, "met", "Mène au B1 : objectif A2 atteint"),
    (target_reason, {"level": "A0", "permit_goal": "csp"}, {"target_level": Level.A1}, "partial",
     "Mène au A1 : une étape vers l'objectif A2"),
    (target_reason, {"level": "A1", "permit_goal": "resident"}, {}, "unknown",
     "Niveau visé par la formation inconnu (objectif : B1)"),
    (cost_reason, {}, {"cost_to_learner": 0.0}, "met", "Gratuite pour la personne"),
    (cost_reason, {}, {"cost_to_learner": 1250.5}, "unmet", "Reste à charge : 1 250,50 €"),
    (cost_reason, {}, {"cost_to_learner": 120.0}, "unmet", "Reste à charge : 120 €"),
    (cost_reason, {}, {}, "unknown", "Coût pour la personne non précisé"),
    (childcare_reason, {"needs_childcare": True}, {"childcare": True}, "met", "Garde d'enfants proposée"),
    (childcare_reason, {"needs_childcare": True}, {"childcare": False}, "unmet", "Pas de garde d'enfants proposée"),
    (childcare_reason, {"needs_childcare": True}, {}, "unknown", "Garde d'enfants non précisée"),
    (childcare_reason, {}, {"childcare": True}, "met", "Pas de besoin de garde d'enfants indiqué (garde proposée)"),
    (audience_reason, {"publics": ["bpi"]}, {"audience": frozenset({Public.IMMIGRANT, Public.WOMEN})}, "met",
     "Conçue pour les personnes immigrées"),
    (audience_reason, {"publics": ["bpi"]}, {"audience": frozenset({Public.WOMEN, Public.UNDER_26})}, "unmet",
     "Conçue pour les jeunes de moins de 26 ans et femmes"),
    (audience_reason, {"publics": ["bpi"]}, {"audience": frozenset({Public.ALL})}, "partial",
     "Conçue pour tout public"),
    (audience_reason, {"publics": ["bpi"]}, {}, "unknown", "Public visé non précisé"),
    (audience_reason, {}, {"audience": frozenset({Public.WOMEN})}, "unknown",
     "Publics de la personne non indiqués ; conçue pour les femmes"),
    (quality_reason, {}, {"quality": 0.85}, "met", "Fiche renseignée à 85 %"),
    (quality_reason, {}, {"quality": 0.5}, "partial", "Fiche renseignée à 50 %"),
    (quality_reason, {}, {"quality": 0.1}, "unmet", "Fiche renseignée à 10 %"),
]


@pytest.mark.parametrize(("fn", "pkw", "ckw", "status", "detail"), RANKING_CASES)
def test_ranking_reason(fn, pkw: dict, ckw: dict, status: str, detail: str) -> None:
    reason = fn(ctx_of(**pkw), cand(**ckw))
    assert (reason.status, reason.detail) == (status, detail)


def test_tension_unknown_without_region() -> None:
    from app.matching.context import build_context
    from app.matching.profile import HomePoint

    ctx = build_context(profile(), HomePoint(45.0, -10.0), today=TODAY, tension=TENSION)
    assert tension_reason(ctx, cand()).status == "unknown"
    ctx = build_context(profile(), SAINT_DENIS, today=TODAY, tension=None)
    assert tension_reason(ctx, cand()).status == "unknown"


def test_every_ranking_reason_is_french_and_named() -> None:
    ctx = ctx_of()
    names = [fn(ctx, cand()).criterion for fn in RANKING_REASONS]
    assert names == ["sector", "tension", "target", "cost", "childcare", "audience", "quality"]


# --- tie-break --------------------------------------------------------------------------------------

def test_tiebreak_vector_matches_scalar() -> None:
    ids = np.array([0, 1, 2, 17, 2**31 - 1, 2**40 + 3], dtype=np.int64)
    for seed in (0, 1, 2**63 + 12345, 2**64 - 1):
        assert tiebreak(seed, ids).tolist() == [tiebreak_scalar(seed, int(i)) for i in ids]


def _equal_sessions(n: int = 40) -> list:
    return [cand(i, offer_id=1000 + i) for i in range(1, n + 1)]


def test_equal_scores_same_day_same_order() -> None:
    p = profile()
    first, scores = ranked(p, _equal_sessions())
    again, _ = ranked(p, list(reversed(_equal_sessions())))
    assert len(set(scores.values())) == 1
    assert first == again


def test_equal_scores_order_changes_with_the_day() -> None:
    p = profile(available_from="2026-03-02")  # same window whatever "today" is
    orders = {tuple(ranked(p, _equal_sessions(), today=date(2026, 3, 2) + timedelta(days=k))[0])
              for k in range(3)}
    assert len(orders) == 3


def test_ties_do_not_override_score() -> None:
    p = profile()
    sessions = _equal_sessions(30) + [cand(99, places_available=4, cost_to_learner=0.0)]
    order, _ = ranked(p, sessions)
    assert order[0] == 99


def test_limit_cut_keeps_the_best() -> None:
    p = profile()
    sessions = [cand(i, places_available=3 if i % 20 == 0 else None) for i in range(1, 101)]
    out = match(p, SAINT_DENIS, Snapshot.build(sessions), today=TODAY, limit=5, tension=TENSION)
    assert out.total_results == 100
    assert {r.session_id for r in out.results} == {20, 40, 60, 80, 100}
    scores = [r.score for r in out.results]
    assert scores == sorted(scores, reverse=True)
