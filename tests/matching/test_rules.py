"""Table-driven tests of each exclusion rule, with known and unknown facts.

Every row checks the scalar reason (status and French detail) AND the vectorized mask on a
one-row snapshot: the mask must exclude exactly when the reason is `unmet`.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

from app.matching.core import HARD_REASONS, masks
from app.matching.snapshot import Snapshot
from app.reference.catalogue_codes import DatePrecision, Modality, SessionStatus
from app.reference.levels import Level, Literacy
from app.reference.publics import Public

from .helpers import cand, ctx_of, slot

PARIS_CENTRE = {"lat": 48.8566, "lon": 2.3522}  # 7.9 km from Saint-Denis, 35 min by public transport
VERSAILLES_ISH = {"lat": 48.8014, "lon": 2.1301}  # 22.2 km
NEAR = {"lat": 48.9362, "lon": 2.3574}  # 1.2 km


def check(rule: str, pkw: dict[str, Any], ckw: dict[str, Any], status: str, detail: str) -> None:
    ctx = ctx_of(**pkw)
    c = cand(**ckw)
    reason = HARD_REASONS[rule](ctx, c)
    assert reason.criterion == rule
    assert reason.status == status, reason
    if detail.startswith("~"):
        assert re.fullmatch(detail[1:], reason.detail), reason.detail
    else:
        assert reason.detail == detail
    snap = Snapshot.build([c])
    excluded = bool(masks(ctx, snap)[rule](ctx, snap)[0])
    assert excluded == (status == "unmet"), (rule, status, excluded)


LEVEL_CASES = [
    ("inside range", {"level": "A1"},
     {"entry_min": Level.A1_1, "entry_max": Level.A2, "target_level": Level.A2},
     "met", "Niveau A1 compris dans l'entrée A1.1–A2 ; mène au A2"),
    ("single-level entry", {"level": "A1"},
     {"entry_min": Level.A1, "entry_max": Level.A1, "target_level": Level.A2},
     "met", "Niveau A1 compris dans l'entrée A1 ; mène au A2"),
    ("below min", {"level": "A0"}, {"entry_min": Level.A1_1, "entry_max": Level.A2},
     "unmet", "Niveau A0 en dessous de l'entrée A1.1–A2"),
    ("above max", {"level": "B1"}, {"entry_min": Level.A1_1, "entry_max": Level.A2},
     "unmet", "Niveau B1 au-dessus de l'entrée A1.1–A2"),
    ("target not above", {"level": "A2"}, {"target_level": Level.A2},
     "unmet", "Mène au A2, niveau déjà atteint (niveau A2)"),
    ("target below", {"level": "B1"}, {"target_level": Level.A2},
     "unmet", "Mène au A2, niveau déjà atteint (niveau B1)"),
    ("only min known", {"level": "A2"}, {"entry_min": Level.A1},
     "unknown", "Niveau A2 : entrée à partir de A1 (maximum non précisé) ; niveau visé non précisé"),
    ("only max known", {"level": "A0"}, {"entry_max": Level.A1, "target_level": Level.A1},
     "unknown", "Niveau A0 : entrée jusqu'à A1 (minimum non précisé) ; mène au A1"),
    ("all unknown", {"level": "C2"}, {},
     "unknown", "Niveau C2 : niveau d'entrée non précisé ; niveau visé non précisé"),
    ("unknown min, known max above", {"level": "A2"}, {"entry_max": Level.B1}, "unknown",
     "Niveau A2 : entrée jusqu'à B1 (minimum non précisé) ; niveau visé non précisé"),
]

LITERACY_CASES = [
    ("accepted", {"literacy": "none"}, {"literacy_accepted": frozenset({Literacy.NONE, Literacy.PARTIAL})},
     "met", "Accueille les personnes non scolarisées (alphabétisation)"),
    ("not accepted", {"literacy": "none"}, {"literacy_accepted": frozenset({Literacy.FULL})},
     "unmet", "Réservée aux personnes scolarisées (FLE)"),
    ("offer unknown", {"literacy": "none"}, {},
     "unknown", "Scolarisation attendue non précisée par l'offre"),
    ("person unknown", {}, {"literacy_accepted": frozenset({Literacy.FULL})},
     "unknown", "Scolarisation de la personne non indiquée ; formation pour les personnes scolarisées (FLE)"),
    ("both unknown", {}, {}, "unknown", "Scolarisation attendue non précisée par l'offre"),
]

PUBLICS_CASES = [
    ("offer for everyone (empty)", {"publics": []}, {}, "met", "Ouverte à tout public"),
    ("offer for everyone (all)", {"publics": ["jobseeker"]},
     {"publics": frozenset({Public.ALL, Public.BPI})}, "met", "Ouverte à tout public"),
    ("reserved, person in it", {"publics": ["bpi"]}, {"publics": frozenset({Public.BPI})},
     "met", "Réservée aux bénéficiaires de la protection internationale : la personne en fait partie"),
    ("reserved, person not in it", {"publics": ["jobseeker"]}, {"publics": frozenset({Public.BPI})},
     "unmet", "Réservée aux bénéficiaires de la protection internationale"),
    ("reserved, person states none", {"publics": []}, {"publics": frozenset({Public.BPI})},
     "unmet", "Réservée aux bénéficiaires de la protection internationale"),
    ("reserved, person unknown", {}, {"publics": frozenset({Public.BPI})},
     "unknown", "Réservée aux bénéficiaires de la protection internationale (à vérifier)"),
    ("CIR signatory counts as immigrant", {"publics": ["cir_signatory"]},
     {"publics": frozenset({Public.IMMIGRANT})},
     "met", "Réservée aux personnes immigrées : la personne en fait partie"),
    ("BPI counts as immigrant", {"publics": ["bpi"]}, {"publics": frozenset({Public.IMMIGRANT, Public.WOMEN})},
     "met", "Réservée aux personnes immigrées ou femmes : la personne en fait partie"),
    ("immigrant is not a CIR signatory", {"publics": ["immigrant"]},
     {"publics": frozenset({Public.CIR_SIGNATORY})}, "unmet", "Réservée aux signataires du CIR"),
]

DISTANCE_CASES = [
    ("near, public transport", {}, NEAR, "met",
     "À Paris, 1,2 km de Saint-Denis, environ 14 min en transports en commun (estimation)"),
    ("same commune as home: not repeated", {}, {**NEAR, "city": "Saint-Denis"}, "met",
     "1,2 km de Saint-Denis, environ 14 min en transports en commun (estimation)"),
    ("paris centre", {}, {**PARIS_CENTRE, "city": None}, "met",
     "7,9 km de Saint-Denis, environ 35 min en transports en commun (estimation)"),
    ("beyond the 20 km default", {}, VERSAILLES_ISH, "unmet",
     "~À Paris, 22,2 km de Saint-Denis, environ 79 min en transports en commun \\(estimation\\) : "
     "au-delà de la limite de 20 km"),
    ("travel limit only: distance default dropped", {"max_travel_minutes": 90}, VERSAILLES_ISH, "met",
     "~À Paris, 22,2 km de Saint-Denis, environ 79 min .*"),
    ("travel limit exceeded", {"max_travel_minutes": 30}, PARIS_CENTRE, "unmet",
     "~.*environ 35 min en transports en commun \\(estimation\\) : au-delà de la limite de 30 min"),
    ("both limits exceeded", {"max_travel_minutes": 30, "max_distance_km": 5.5}, PARIS_CENTRE, "unmet",
     "~.* : au-delà de la limite de 5,5 km et de 30 min"),
    ("by car", {"transport": "car", "max_travel_minutes": 30}, VERSAILLES_ISH, "unmet",
     "~.*environ 48 min en voiture \\(estimation\\).*"),
    ("walking", {"transport": "walk"}, NEAR, "met", "~.*environ 19 min à pied \\(estimation\\)"),
    ("by bike", {"transport": "bike"}, PARIS_CENTRE, "met", "~.*environ 41 min à vélo \\(estimation\\)"),
    ("zero distance limit", {"max_distance_km": 0}, NEAR, "unmet", "~.*au-delà de la limite de 0 km"),
    ("unknown place", {}, {"lat": None, "lon": None}, "unknown", "Lieu de la formation inconnu"),
    ("hybrid counts its place", {}, {**VERSAILLES_ISH, "modality": Modality.HYBRID}, "unmet",
     "~Formation mixte : à Paris, 22,2 km .*"),
    ("hybrid unknown place", {}, {"modality": Modality.HYBRID, "lat": None, "lon": None}, "unknown",
     "Formation mixte : lieu de la formation inconnu"),
    ("remote, not wanted", {}, {"modality": Modality.REMOTE}, "unmet",
     "Formation à distance, non souhaitée par la personne"),
    ("remote, wanted, far away", {"remote_ok": True, "max_distance_km": 1},
     {"modality": Modality.REMOTE, "lat": 43.3, "lon": 5.4}, "met", "Formation à distance : pas de trajet"),
]

SCHEDULE_CASES = [
    ("unknown schedule", {"availability": [{"day": "mon", "start": "09:00", "end": "10:00"}]}, {},
     "unknown", "Horaires inconnus"),
    ("no availability given = any time", {}, {"schedule": (slot("tue", "14:00", "17:00"),)},
     "met", "Horaires : mardi 14:00–17:00 (disponibilités non précisées)"),
    ("fits", {"availability": [{"day": "mon", "start": "08:00", "end": "12:00"},
                               {"day": "thu", "start": "08:00", "end": "18:00"}]},
     {"schedule": (slot("thu", "09:00", "12:00"), slot("mon", "09:00", "12:00"))},
     "met", "Horaires compatibles : lundi 09:00–12:00 et jeudi 09:00–12:00"),
    ("partial fit is unmet, names the clash",
     {"availability": [{"day": "mon", "start": "08:00", "end": "12:00"}]},
     {"schedule": (slot("mon", "09:00", "12:00"), slot("mon", "14:00", "17:00"))},
     "unmet", "Créneau hors des disponibilités : lundi 14:00–17:00"),
    ("overhang by a minute", {"availability": [{"day": "wed", "start": "09:00", "end": "11:59"}]},
     {"schedule": (slot("wed", "09:00", "12:00"),)}, "unmet", "Créneau hors des disponibilités : mercredi 09:00–12:00"),
    ("touching availability slots merge", {"availability": [{"day": "fri", "start": "09:00", "end": "12:00"},
                                                            {"day": "fri", "start": "12:00", "end": "14:00"}]},
     {"schedule": (slot("fri", "11:00", "13:00"),)}, "met", "Horaires compatibles : vendredi 11:00–13:00"),
    ("empty availability stated = never free", {"availability": []},
     {"schedule": (slot("sat", "10:00", "12:00"), slot("sun", "10:00", "12:00"))}, "unmet",
     "Créneaux hors des disponibilités : samedi 10:00–12:00 et dimanche 10:00–12:00"),
    ("until midnight", {"availability": [{"day": "sun", "start": "18:00", "end": "24:00"}]},
     {"schedule": (slot("sun", "20:00", "24:00"),)}, "met", "Horaires compatibles : dimanche 20:00–24:00"),
]

D = date
WINDOW = "entre le 2 mars 2026 et le 31 mai 2026"  # today + 90 days
DATES_CASES = [
    ("fixed start in window", {}, {"start_date": D(2026, 3, 16)}, "met", "Début le 16 mars 2026"),
    ("fixed start on the first day", {}, {"start_date": D(2026, 3, 2)}, "met", "Début le 2 mars 2026"),
    ("fixed start on the last day", {}, {"start_date": D(2026, 5, 31)}, "met", "Début le 31 mai 2026"),
    ("fixed start before", {}, {"start_date": D(2026, 3, 1)}, "unmet",
     f"Début le 1er mars 2026, avant la période souhaitée ({WINDOW})"),
    ("fixed start after", {}, {"start_date": D(2026, 6, 1)}, "unmet",
     f"Début le 1er juin 2026, après la période souhaitée ({WINDOW})"),
    ("start unknown", {}, {}, "unknown", "Date de début inconnue"),
    ("start unknown but ended", {}, {"end_date": D(2026, 2, 27)}, "unmet",
     "Session terminée le 27 février 2026, avant le 2 mars 2026"),
    ("month start wholly inside", {}, {"start_date": D(2026, 4, 1), "start_precision": DatePrecision.MONTH},
     "met", "Début en avril 2026 (mois seulement connu)"),
    ("month start straddling the window start", {},
     {"start_date": D(2026, 3, 1), "start_precision": DatePrecision.MONTH}, "partial",
     f"Début en mars 2026 (mois seulement connu), en partie seulement dans la période souhaitée ({WINDOW})"),
    ("month start straddling the window end", {"start_within_days": 80},
     {"start_date": D(2026, 5, 1), "start_precision": DatePrecision.MONTH}, "partial",
     "Début en mai 2026 (mois seulement connu), en partie seulement dans la période souhaitée "
     "(entre le 2 mars 2026 et le 21 mai 2026)"),
    ("month start wholly inside, to the window's last day", {},
     {"start_date": D(2026, 5, 1), "start_precision": DatePrecision.MONTH}, "met",
     "Début en mai 2026 (mois seulement connu)"),
    ("month start wholly before", {}, {"start_date": D(2026, 2, 1), "start_precision": DatePrecision.MONTH},
     "unmet", f"Début en février 2026 (mois seulement connu), avant la période souhaitée ({WINDOW})"),
    ("year start", {}, {"start_date": D(2026, 1, 1), "start_precision": DatePrecision.YEAR},
     "partial", f"Début en 2026 (année seulement connue), en partie seulement dans la période souhaitée ({WINDOW})"),
    ("rolling, started, not ended", {}, {"rolling_entry": True, "start_date": D(2025, 9, 1),
                                         "end_date": D(2026, 6, 30)},
     "met", "Entrée permanente jusqu'au 30 juin 2026"),
    ("rolling, end month only", {}, {"rolling_entry": True, "start_date": D(2025, 9, 1),
                                     "end_date": D(2026, 3, 1), "end_precision": DatePrecision.MONTH},
     "met", "Entrée permanente jusqu'à fin mars 2026"),
    ("rolling, opens later in window", {}, {"rolling_entry": True, "start_date": D(2026, 4, 7),
                                            "end_date": D(2026, 12, 18)},
     "met", "Entrée permanente à partir du 7 avril 2026 jusqu'au 18 décembre 2026"),
    ("rolling, end unknown", {}, {"rolling_entry": True}, "unknown",
     "Entrée permanente ; date de fin non précisée"),
    ("rolling, ended", {}, {"rolling_entry": True, "start_date": D(2025, 9, 1), "end_date": D(2026, 3, 1)},
     "unmet", "Entrée permanente, mais session terminée le 1er mars 2026, avant le 2 mars 2026"),
    ("rolling, opens after the window: passes (CONTRACT), partial", {},
     {"rolling_entry": True, "start_date": D(2026, 9, 1)}, "partial",
     f"Entrée permanente, mais début le 1er septembre 2026, après la période souhaitée ({WINDOW})"),
    ("available_from and window from the profile", {"available_from": "2026-09-01", "start_within_days": 0},
     {"start_date": D(2026, 9, 1)}, "met", "Début le 1er septembre 2026"),
    ("zero-day window, next day", {"start_within_days": 0}, {"start_date": D(2026, 3, 3)}, "unmet",
     "Début le 3 mars 2026, après la période souhaitée (entre le 2 mars 2026 et le 2 mars 2026)"),
]

STATUS_CASES = [
    ("open", {}, {}, "met", "Session ouverte aux inscriptions"),
    ("full", {}, {"status": SessionStatus.FULL}, "unmet", "Session complète"),
    ("suspended", {}, {"status": SessionStatus.SUSPENDED}, "unmet", "Recrutement suspendu"),
    ("closed", {}, {"status": SessionStatus.CLOSED}, "unmet", "Session terminée"),
    ("cancelled", {}, {"status": SessionStatus.CANCELLED}, "unmet", "Session annulée"),
]

PLACES_CASES = [
    ("unknown", {}, {}, "unknown", "Places disponibles inconnues"),
    ("none left", {}, {"places_available": 0}, "unmet", "Plus aucune place disponible"),
    ("one", {}, {"places_available": 1}, "met", "1 place disponible"),
    ("several", {}, {"places_available": 12}, "met", "12 places disponibles"),
]

ALL = [("level", *c) for c in LEVEL_CASES] + [("literacy", *c) for c in LITERACY_CASES] + \
      [("publics", *c) for c in PUBLICS_CASES] + [("distance", *c) for c in DISTANCE_CASES] + \
      [("schedule", *c) for c in SCHEDULE_CASES] + [("dates", *c) for c in DATES_CASES] + \
      [("status", *c) for c in STATUS_CASES] + [("places", *c) for c in PLACES_CASES]


@pytest.mark.parametrize(("rule", "name", "pkw", "ckw", "status", "detail"), ALL,
                         ids=[f"{r}: {n}" for r, n, *_ in ALL])
def test_rule(rule: str, name: str, pkw: dict, ckw: dict, status: str, detail: str) -> None:
    check(rule, pkw, ckw, status, detail)
