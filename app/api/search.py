"""Search box endpoints (CONTRACT § Search box): `GET /v1/search`, `GET /v1/suggest`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from app.api.deps import PUBLIC, ReadDB, SettingsDep
from app.auth.keys import Principal
from app.reference.catalogue_codes import Kind, Modality
from app.reference.funders import Funder
from app.reference.levels import Level
from app.reference.sectors import Sector
from app.search.results import cached_offers, search_page, suggestions
from app.search.schemas import SearchPage, Suggestions
from app.search.service import SearchService

router = APIRouter(prefix="/v1", tags=["search"])


def get_search(request: Request) -> SearchService:
    return request.app.state.search


SearchDep = Annotated[SearchService, Depends(get_search)]


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
    return suggestions(db, engine, q, limit)
