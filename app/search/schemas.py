"""What the search box endpoints answer (CONTRACT § Search box)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.catalogue.schemas import OfferOut


class SearchItem(OfferOut):
    distance_km: float | None = Field(
        default=None, description="Distance to the nearest open/full/suspended session (with `near`), km")


class Facets(BaseModel):
    funders: dict[str, int]
    levels: dict[str, int]
    sectors: dict[str, int]
    kinds: dict[str, int]
    departements: dict[str, int]


class SearchPage(BaseModel):
    items: list[SearchItem]
    total: int = Field(description="Exact number of offers matching the query and filters")
    facets: Facets
    next_cursor: str | None


class SuggestionOut(BaseModel):
    text: str
    offer_id: int


class Suggestions(BaseModel):
    suggestions: list[SuggestionOut]
