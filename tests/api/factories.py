"""Realistic request bodies for API tests."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

SIRET = "13002526500013"


def session_body(external_id: str = "SE1", **over: Any) -> dict[str, Any]:
    start = date.today() + timedelta(days=14)
    body = {
        "external_id": external_id,
        "start_date": start.isoformat(),
        "end_date": (start + timedelta(days=90)).isoformat(),
        "rolling_entry": False,
        "schedule": [{"day": "mon", "start": "09:00", "end": "12:00"}, {"day": "thu", "start": "09:00", "end": "12:30"}],
        "location": {"address": "12 rue de la République", "insee": "93066"},
        "capacity": 12,
        "places_available": 5,
        "status": "open",
    }
    body.update(over)
    return body


def offer_body(**over: Any) -> dict[str, Any]:
    body = {
        "title": "FLE à visée professionnelle — aide à domicile",
        "summary": "Français oral et écrit pour les métiers de l'aide à domicile.",
        "kind": "fle_pro",
        "organisation": {"name": "Association Parler Ensemble", "siret": SIRET},
        "funders": ["bop104", "region"],
        "entry_level": {"min": "A1", "max": "A2"},
        "target_level": "A2",
        "literacy_accepted": ["full", "partial"],
        "sectors": ["services_a_la_personne"],
        "rome_codes": ["K1302"],
        "formacodes": ["15235"],
        "modality": "in_person",
        "hours_total": 240,
        "hours_per_week": 12,
        "publics": [],
        "audience": ["immigrant", "jobseeker"],
        "childcare": True,
        "cost_to_learner": 0,
        "certification": None,
        "sessions": [session_body()],
    }
    body.update(copy.deepcopy(over))
    return body
