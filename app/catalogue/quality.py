"""Offer `quality`: how complete are the facts matching needs (0–1). Computed here only."""

from __future__ import annotations

from app.catalogue.schemas import OfferIn

# Each fact counts equally; a fact known for only some sessions counts in proportion.
FACTS = ("levels", "schedule", "places", "location", "funders", "dates")


def offer_quality(offer: OfferIn) -> float:
    sessions = offer.sessions
    n = len(sessions) or 1
    levels = (
        (offer.entry_level.min is not None or offer.entry_level.max is not None) * 0.5
        + (offer.target_level is not None) * 0.5
    )
    schedule = sum(1 for s in sessions if s.schedule) / n
    places = sum(1 for s in sessions if s.places_available is not None) / n
    located = sum(1 for s in sessions if s.location is not None) / n
    location = 1.0 if offer.modality == "remote" else located
    funders = 1.0 if offer.funders else 0.0
    dates = sum(1 for s in sessions if s.start_date is not None or s.rolling_entry) / n
    if not sessions:
        schedule = places = dates = 0.0
        location = 1.0 if offer.modality == "remote" else 0.0
    score = (levels + schedule + places + location + funders + dates) / len(FACTS)
    return round(score, 3)
