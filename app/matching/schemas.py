"""What `POST /v1/match` answers (CONTRACT § Matching); the request is `profile.MatchRequest`."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.catalogue.schemas import OfferOut, SessionOut
from app.reference.levels import Level


class ReasonOut(BaseModel):
    criterion: str
    status: str = Field(description="met | partial | unknown | unmet")
    detail: str = Field(description="Phrase en français, lisible par le conseiller")


class MatchResult(BaseModel):
    offer: OfferOut
    session: SessionOut
    score: int = Field(ge=0, le=100)
    distance_km: float | None
    travel_minutes: int | None
    reasons: list[ReasonOut]


class Excluded(BaseModel):
    distance: int
    status: int
    dates: int
    places: int
    level: int
    literacy: int
    publics: int
    schedule: int


class MatchResponse(BaseModel):
    target_level: Level
    results: list[MatchResult]
    excluded: Excluded
    candidates: int = Field(description="Sessions of non-withdrawn offers = total_results + excluded")
    total_results: int = Field(description="Sessions that pass every rule (results holds the best `limit`)")
    available_from: str
