"""Pages of search results and suggestions, as the search box endpoints answer them: the engine's
order and exact total, the offers themselves read fresh from the database (or through the
worker's offer cache), the distance to the nearest session when searching around a commune."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Protocol

from sqlmodel import Session

from app.catalogue import repository as repo
from app.catalogue.schemas import OfferOut
from app.core.pagination import decode_cursor, encode_cursor
from app.core.problems import ServiceUnavailable, Unprocessable
from app.reference import communes
from app.reference.levels import LEVELS
from app.search.documents import ACTIVE_STATUSES
from app.search.port import FACETS, EngineUnavailable, Filters, SearchQuery
from app.search.schemas import SearchItem
from app.search.service import SearchService
from app.search.text import query_words

DEFAULT_RADIUS_KM = 20.0
EARTH_KM = 6371.0088

OffersLoader = Callable[[Session, list[int]], list[OfferOut]]


class OfferCache(Protocol):
    """The worker's offer cache (`app.matching.store.SnapshotStore`, which matching uses too)."""

    def current(self, db: Session) -> tuple[object, int]: ...

    def offers(self, db: Session, ids: list[int], seq: int) -> dict[int, OfferOut]: ...


def unavailable() -> ServiceUnavailable:
    return ServiceUnavailable("Le moteur de recherche ne répond pas : réessayez dans un instant.",
                              slug="search-unavailable", extra={"search": "down"})


def resolve_near(near: str) -> tuple[float, float]:
    place = communes.by_insee(near) or communes.by_postcode(near)
    if place is None:
        raise Unprocessable.at(["query", "near"], f"code commune (INSEE) ou code postal inconnu : {near}")
    return place.lat, place.lon


def _haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(a)))


def _ordered_facets(raw: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    level_rank = {lv.value: i for i, lv in enumerate(LEVELS)}
    out = {}
    for name in FACETS:
        counts = {k: v for k, v in (raw.get(name) or {}).items() if v}
        if name == "levels":
            out[name] = dict(sorted(counts.items(), key=lambda kv: level_rank.get(kv[0], 99)))
        else:
            out[name] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return out


def cached_offers(store: OfferCache) -> OffersLoader:
    """Offers through the worker's offer cache: an offer is served from the cache while no change to
    it has been seen, the store being first brought up to what `db` sees — as fresh as reading them,
    and cheaper (docs/trust.md)."""
    def load(db: Session, ids: list[int]) -> list[OfferOut]:
        _, seq = store.current(db)
        found = store.offers(db, ids, seq)
        return [found[i] for i in ids if i in found]
    return load


def _item(offer: OfferOut, point: tuple[float, float] | None) -> SearchItem | None:
    """The offer with its active sessions only (None when it has none left), and its distance."""
    sessions = [s for s in offer.sessions if s.status.value in ACTIVE_STATUSES]
    if offer.withdrawn or not sessions:
        return None
    distance = None
    if point:
        ds = [_haversine(point[0], point[1], s.location.lat, s.location.lon) for s in sessions
              if s.location is not None and s.location.lat is not None and s.location.lon is not None]
        distance = round(min(ds), 1) if ds else None
    return SearchItem.model_construct(**{**offer.__dict__, "sessions": sessions, "distance_km": distance})


def search_page(db: Session, engine: SearchService, cursor_key: bytes, *, q: str | None = None,
                level: str | None = None, funder: str | None = None, sector: str | None = None,
                kind: str | None = None, departement: str | None = None, near: str | None = None,
                radius_km: float | None = None, modality: str | None = None, has_places: bool | None = None,
                limit: int = 20, cursor: str | None = None, offers: OffersLoader | None = None) -> dict:
    """One page of search results: the engine's order, offers read fresh from the database (or
    through `offers`, e.g. `cached_offers`). The cursor carries an offset: the engine ranks, so the
    page is a slice of its order."""
    if radius_km is not None and near is None:
        raise Unprocessable.at(["query", "radius_km"], "radius_km s'utilise avec near (commune de référence)")
    point = resolve_near(near) if near else None
    radius = (radius_km or DEFAULT_RADIUS_KM) if point else None
    words = tuple(query_words(q))
    fingerprint = {"list": "search", "q": " ".join(words), "level": level, "funder": funder, "sector": sector,
                   "kind": kind, "departement": departement, "near": near, "radius_km": radius, "modality": modality,
                   "has_places": has_places, "limit": limit}
    offset = 0
    if cursor:
        pos = decode_cursor(cursor_key, cursor, fingerprint)
        offset = int(pos[0]) if pos else 0
    filters = Filters(level=level, funder=funder, sector=sector, kind=kind, departement=departement,
                      modality=modality, has_places=has_places, near=point, radius_km=radius)
    try:
        hits = engine.search(db, SearchQuery(words=words, filters=filters, offset=offset, limit=limit))
    except EngineUnavailable:
        raise unavailable() from None
    items = [item for offer in (offers or repo.load_offers_out)(db, hits.offer_ids)
             if (item := _item(offer, point)) is not None]
    more = offset + limit < hits.total
    next_cursor = encode_cursor(cursor_key, [offset + limit], fingerprint) if more else None
    return {"items": items, "total": hits.total, "facets": _ordered_facets(hits.facets), "next_cursor": next_cursor}


def suggestions(db: Session, engine: SearchService, q: str, limit: int) -> dict:
    """Completions of what is being typed, each with the offer it comes from."""
    words = tuple(query_words(q))
    if not words:
        return {"suggestions": []}
    try:
        found = engine.suggest(db, words, limit)
    except EngineUnavailable:
        raise unavailable() from None
    return {"suggestions": [{"text": s.text, "offer_id": s.offer_id} for s in found]}
