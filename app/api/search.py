"""Search box endpoints (CONTRACT § Search box): `GET /v1/search`, `GET /v1/suggest`."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from sqlmodel import Session

from app.api.deps import PUBLIC, ReadDB, SettingsDep
from app.auth.keys import Principal
from app.catalogue import repository as repo
from app.catalogue.schemas import OfferOut
from app.core.pagination import decode_cursor, encode_cursor
from app.core.problems import ServiceUnavailable, Unprocessable
from app.reference import communes
from app.reference.catalogue_codes import Kind, Modality
from app.reference.funders import Funder
from app.reference.levels import LEVELS, Level
from app.reference.sectors import Sector
from app.search.documents import ACTIVE_STATUSES
from app.search.port import FACETS, EngineUnavailable, Filters, SearchQuery
from app.search.service import SearchService
from app.search.text import query_words

router = APIRouter(prefix="/v1", tags=["search"])

DEFAULT_RADIUS_KM = 20.0
EARTH_KM = 6371.0088


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


def get_search(request: Request) -> SearchService:
    return request.app.state.search


SearchDep = Annotated[SearchService, Depends(get_search)]


def _unavailable(exc: Exception) -> ServiceUnavailable:
    return ServiceUnavailable("Le moteur de recherche ne répond pas : réessayez dans un instant.",
                              slug="search-unavailable", extra={"search": "down"})


def _resolve_near(near: str) -> tuple[float, float]:
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


OffersLoader = Callable[[Session, list[int]], list[OfferOut]]


def cached_offers(store) -> OffersLoader:
    """Offers through this worker's offer cache (`SnapshotStore.offers`, which matching uses too):
    an offer is served from the cache while no change to it has been seen, the store being first
    brought up to what `db` sees — as fresh as reading them, ~3.5 ms less per page of 20 offers
    (bench/load.py; docs/trust.md)."""
    def load(db: Session, ids: list[int]) -> list[OfferOut]:
        _, seq = store.current(db)
        found = store.offers(db, ids, seq)
        return [found[i] for i in ids if i in found]
    return load


def search_page(db: Session, engine: SearchService, cursor_key: bytes, *, q: str | None = None,
                level: str | None = None, funder: str | None = None, sector: str | None = None,
                kind: str | None = None, departement: str | None = None, near: str | None = None,
                radius_km: float | None = None, modality: str | None = None, has_places: bool | None = None,
                limit: int = 20, cursor: str | None = None, offers: OffersLoader | None = None) -> dict:
    """One page of search results: the engine's order, offers read fresh from the database (or
    through `offers`, e.g. `cached_offers`)."""
    if radius_km is not None and near is None:
        raise Unprocessable.at(["query", "radius_km"], "radius_km s'utilise avec near (commune de référence)")
    point = _resolve_near(near) if near else None
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
    except EngineUnavailable as exc:
        raise _unavailable(exc) from None
    items = []
    for offer in (offers or repo.load_offers_out)(db, hits.offer_ids):
        if offer.withdrawn:
            continue
        sessions = [s for s in offer.sessions if s.status.value in ACTIVE_STATUSES]
        if not sessions:
            continue
        distance = None
        if point:
            ds = [_haversine(point[0], point[1], s.location.lat, s.location.lon) for s in sessions
                  if s.location is not None and s.location.lat is not None and s.location.lon is not None]
            distance = round(min(ds), 1) if ds else None
        items.append(SearchItem.model_construct(**{**offer.__dict__, "sessions": sessions, "distance_km": distance}))
    more = offset + limit < hits.total
    next_cursor = encode_cursor(cursor_key, [offset + limit], fingerprint) if more else None
    return {"items": items, "total": hits.total, "facets": _ordered_facets(hits.facets), "next_cursor": next_cursor}


@router.get("/search", response_model=SearchPage, summary="Recherche dans le catalogue (tolérante aux fautes)")
def search(
    request: Request,
    db: ReadDB,
    settings: SettingsDep,
    engine: SearchDep,
    _: Annotated[Principal | None, Depends(PUBLIC)],
    q: Annotated[str | None, Query(max_length=200, description="Texte libre : accents, majuscules et fautes de frappe tolérés")] = None,
    level: Annotated[Level | None, Query(description="Offres dont le niveau d'entrée admet ce niveau")] = None,
    funder: Funder | None = None,
    sector: Sector | None = None,
    kind: Kind | None = None,
    departement: Annotated[str | None, Query(pattern=r"^(\d{2,3}|2[AB])$")] = None,
    near: Annotated[str | None, Query(pattern=r"^(\d{5}|2[AB]\d{3})$",
                                      description="Code INSEE (ou code postal) de la commune de référence")] = None,
    radius_km: Annotated[float | None, Query(gt=0, le=1000, description="Rayon autour de `near` (défaut 20 km)")] = None,
    modality: Modality | None = None,
    has_places: Annotated[bool | None, Query(description="true : une session a des places connues (> 0) ; "
                                                         "false : aucune")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=1024)] = None,
) -> dict:
    return search_page(db, engine, settings.cursor_key, q=q, level=level, funder=funder, sector=sector, kind=kind,
                       departement=departement, near=near, radius_km=radius_km, modality=modality,
                       has_places=has_places, limit=limit, cursor=cursor,
                       offers=cached_offers(request.app.state.snapshots))


@router.get("/suggest", response_model=Suggestions, summary="Suggestions pendant la frappe")
def suggest(
    db: ReadDB,
    engine: SearchDep,
    _: Annotated[Principal | None, Depends(PUBLIC)],
    q: Annotated[str, Query(max_length=200)] = "",
    limit: Annotated[int, Query(ge=1, le=20)] = 8,
) -> dict:
    words = tuple(query_words(q))
    if not words:
        return {"suggestions": []}
    try:
        found = engine.suggest(db, words, limit)
    except EngineUnavailable as exc:
        raise _unavailable(exc) from None
    return {"suggestions": [{"text": s.text, "offer_id": s.offer_id} for s in found]}
