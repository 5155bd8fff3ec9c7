"""Catalogue endpoints (CONTRACT § Catalogue): parse, call the service, answer."""

from __future__ import annotations

from typing import Annotated, TypeVar

from fastapi import APIRouter, Body, Depends, Header, Query, Response

from app.api.deps import PUBLIC, WRITERS, ReadDB, SettingsDep, WriteDB
from app.api.params import ExternalIdPath, Id, SourcePath
from app.auth.keys import Principal
from app.catalogue import service
from app.catalogue.repository import OfferFilters
from app.catalogue.schemas import OfferIn, OfferOut, OfferPage, PlacesUpdate, SessionOut
from app.core.jsontypes import IsoDatetime
from app.reference.funders import Funder
from app.reference.levels import Level
from app.reference.sectors import Sector

router = APIRouter(prefix="/v1", tags=["catalogue"])

Record = TypeVar("Record")


def _tagged(response: Response, found: tuple[Record, str]) -> Record:
    """A record, its ETag in the response's headers."""
    record, response.headers["ETag"] = found
    return record


@router.get("/offers", response_model=OfferPage, summary="Liste des offres (pagination par curseur)")
def list_offers(
    db: ReadDB,
    settings: SettingsDep,
    _: Annotated[Principal | None, Depends(PUBLIC)],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=1024)] = None,
    modified_after: Annotated[IsoDatetime | None, Query(description="Incremental sync: changes after this instant, "
                                                                 "withdrawn offers as markers")] = None,
    departement: Annotated[str | None, Query(pattern=r"^(\d{2,3}|2[AB])$")] = None,
    region: Annotated[str | None, Query(pattern=r"^\d{2}$")] = None,
    funder: Funder | None = None,
    sector: Sector | None = None,
    level: Annotated[Level | None, Query(description="Offers whose entry range admits this level")] = None,
) -> OfferPage:
    filters = OfferFilters(departement=departement, region=region, funder=funder, sector=sector, level=level,
                           modified_after=modified_after)
    return service.list_offers(db, filters, cursor_key=settings.cursor_key, cursor=cursor, limit=limit)


@router.get("/offers/{offer_id}", response_model=OfferOut, summary="Une offre avec ses sessions")
def get_offer(offer_id: Id, db: ReadDB, response: Response,
              _: Annotated[Principal | None, Depends(PUBLIC)]) -> OfferOut:
    return _tagged(response, service.get_offer(db, offer_id))


@router.get("/sessions/{session_id}", response_model=SessionOut, summary="Une session (avec l'id de son offre)")
def get_session(session_id: Id, db: ReadDB, response: Response,
                _: Annotated[Principal | None, Depends(PUBLIC)]) -> SessionOut:
    return _tagged(response, service.get_session(db, session_id))


@router.put(
    "/offers/{source}/{external_id}",
    response_model=OfferOut,
    status_code=200,
    responses={201: {"model": OfferOut, "description": "Created"}},
    summary="Créer ou mettre à jour une offre et ses sessions",
)
def put_offer(
    source: SourcePath,
    external_id: ExternalIdPath,
    body: Annotated[OfferIn, Body()],
    db: WriteDB,
    response: Response,
    principal: Annotated[Principal, Depends(WRITERS)],
    if_match: Annotated[str | None, Header()] = None,
) -> OfferOut:
    published = service.publish_offer(db, principal, source, external_id, body, if_match)
    if published.created:
        response.status_code = 201
    response.headers["ETag"] = published.etag
    return published.offer


@router.delete("/offers/{source}/{external_id}", status_code=204, summary="Retirer une offre (gardée pour l'historique)")
def delete_offer(
    source: SourcePath,
    external_id: ExternalIdPath,
    db: WriteDB,
    principal: Annotated[Principal, Depends(WRITERS)],
) -> Response:
    service.withdraw_offer(db, principal, source, external_id)
    return Response(status_code=204)


@router.put("/sessions/{session_id}/places", response_model=SessionOut, summary="Déclarer les places disponibles")
def put_places(
    session_id: Id,
    body: PlacesUpdate,
    db: WriteDB,
    response: Response,
    principal: Annotated[Principal, Depends(WRITERS)],
    if_match: Annotated[str | None, Header()] = None,
) -> SessionOut:
    return _tagged(response, service.update_places(db, principal, session_id, body, if_match))
