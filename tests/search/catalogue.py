"""A small catalogue whose every search answer is known (see test_contract.py)."""

from __future__ import annotations

from typing import Any

from tests.api.factories import offer_body, session_body


def _loc(insee: str) -> dict:
    return {"address": "1 place de la Mairie", "insee": insee}


OFFERS: dict[str, dict[str, Any]] = {
    "A": offer_body(
        title="FLE à visée professionnelle — hôtellerie-restauration",
        summary="Français pour travailler en cuisine et en salle.", kind="fle_pro",
        organisation={"name": "Association Parler Ensemble", "siret": "13002526500013"},
        sectors=["hotellerie_restauration"], rome_codes=[], funders=["region"],
        entry_level={"min": "A1", "max": "A2"}, target_level="B1",
        sessions=[session_body("A1", location=_loc("93008"), places_available=5)]),
    "B": offer_body(
        title="Alphabétisation pour adultes", summary="Apprendre à lire et écrire.", kind="alpha",
        organisation={"name": "Maison des Langues"}, sectors=[], rome_codes=[], funders=["commune"],
        entry_level={"min": "A0", "max": "A1.1"}, target_level="A1",
        sessions=[session_body("B1", location=_loc("93008"), places_available=None)]),
    "C": offer_body(
        title="Français langue étrangère intensif", summary="Cours du matin, cinq jours par semaine.",
        kind="fle_general", organisation={"name": "Institut Lumière Langues"}, sectors=[], rome_codes=[],
        funders=["france_travail"], entry_level={}, target_level=None,
        sessions=[session_body("C1", location=_loc("69381"), places_available=0),
                  session_body("C2", location=_loc("13201"), places_available=0, status="full")]),
    "D": offer_body(
        title="Préparation DELF B1", summary="Entraînement aux épreuves.", kind="certification",
        organisation={"name": "Alliance Examens"}, sectors=[], rome_codes=[], funders=["cpf"],
        entry_level={"min": "A2", "max": "B1"}, target_level="B1",
        sessions=[session_body("D1", location=_loc("93008"), status="closed")]),
    "E": offer_body(
        title="Atelier sociolinguistique retiré", summary="Sorties culturelles.", kind="asl",
        organisation={"name": "Centre social Jaurès"}, sectors=[], rome_codes=[], funders=["bop104"],
        entry_level={}, sessions=[session_body("E1", location=_loc("93008"))]),
    "F": offer_body(
        title="Atelier sociolinguistique santé", summary="Comprendre le système de soins.", kind="asl",
        organisation={"name": "Centre social Jaurès"}, sectors=[], rome_codes=[], funders=["bop104"],
        entry_level={}, target_level=None,
        sessions=[session_body("F-OPEN", location=_loc("75111"), places_available=2),
                  session_body("F-CANC", location=_loc("93008"), status="cancelled")]),
    "G": offer_body(
        title="FLE en ligne", summary="Cours de français à distance, le soir.", kind="fle_general",
        modality="remote", organisation={"name": "École Virtuelle"}, sectors=[], rome_codes=[],
        funders=["learner"], entry_level={"min": "A1", "max": "B2"}, target_level="C1",
        sessions=[session_body("G1", location=None, places_available=10)]),
}
SEARCHABLE = {"A", "B", "C", "F", "G"}
TITLE = {k: v["title"] for k, v in OFFERS.items()}


def load(api) -> dict[str, dict]:
    """PUT every offer (source carif-idf), withdraw E; returns the created offers by letter."""
    out = {}
    for key, body in OFFERS.items():
        r = api.put(f"/v1/offers/carif-idf/SEARCH_{key}", json=body, headers=api.auth("admin"))
        assert r.status_code in (200, 201), r.text
        out[key] = r.json()
    assert api.delete("/v1/offers/carif-idf/SEARCH_E", headers=api.auth("admin")).status_code == 204
    return out


def titles(*keys: str) -> set[str]:
    return {TITLE[k] for k in keys}
