"""The search-engine port: what the service asks of an engine, whichever it is."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from app.search.documents import OfferDoc

FACETS: tuple[str, ...] = ("funders", "levels", "sectors", "kinds", "departements")


@dataclass(frozen=True)
class Filters:
    level: str | None = None  # offers whose entry range admits this level
    funder: str | None = None
    sector: str | None = None
    kind: str | None = None
    departement: str | None = None
    modality: str | None = None
    has_places: bool | None = None
    near: tuple[float, float] | None = None  # (lat, lon)
    radius_km: float | None = None


@dataclass(frozen=True)
class SearchQuery:
    words: tuple[str, ...] = ()  # normalised by app.search.text.query_words
    filters: Filters = field(default_factory=Filters)
    offset: int = 0
    limit: int = 20
    facets: bool = True


@dataclass
class SearchHits:
    offer_ids: list[int]
    total: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class Suggestion:
    text: str
    offer_id: int


class EngineUnavailable(Exception):
    """The engine cannot answer now (server down, index not ready)."""


class SearchEngine(Protocol):
    name: str

    def index(self, docs: Iterable[OfferDoc]) -> None:
        """Add or replace these offers' documents."""

    def delete(self, offer_ids: Iterable[int]) -> None:
        """Remove these offers (unknown ids are ignored)."""

    def search(self, query: SearchQuery) -> SearchHits: ...

    def suggest(self, words: tuple[str, ...], limit: int) -> list[Suggestion]: ...

    def rebuild(self, docs: Iterable[OfferDoc]) -> None:
        """Replace the whole index with these documents, without a moment of empty results."""
