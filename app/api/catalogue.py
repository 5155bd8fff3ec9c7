"""Catalogue endpoints (CONTRACT § Catalogue): parse, authorise, call the service, answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Header, Query, Response
from pydantic import BaseModel

from app.api.deps import PUBLIC, WRITERS, ReadDB, SettingsDep, WriteDB
from app.api.params import ExternalIdPath, Id, SourcePath
from app.auth.keys import Principal
from app.catalogue import repository as repo
from app.catalogue import service
from app.catalogue.schemas import OfferIn, OfferOut, PlacesUpdate, SessionOut, WithdrawnMarker
from app.core.etags import check_if_match
from app.core.jsontypes import IsoDatetime
from app.core.pagination import decode_cursor, encode_cursor
from app.core.problems import Forbidden, NotFound
from app.reference.funders import Funder
from app.reference.levels import Level
from app.reference.sectors import Sector

router = APIRouter(prefix="/v1", tags=["catalogue"])



class OfferPage(BaseModel):
    items: list[OfferOut | WithdrawnMarker]
    next_cursor: str | None


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
) -> dict:
    filters = repo.OfferFilters(departement=departement, region=region, funder=funder, sector=sector, level=level,
                                modified_after=modified_after)
    query = {"list": "offers", "departement": departement, "region": region, "funder": funder, "sector": sector,
             "level": level, "modified_after": modified_after.isoformat() if modified_after else None}
    after = decode_cursor(settings.cursor_key, cursor, query) if cursor else None
    rows = repo.list_offer_page(db, filters, after, limit)
    page, more = rows[:limit], len(rows) > limit
    live_ids = [r[0] for r in page if not r[2]]
    offers = {o.id: o for o in repo.load_offers_out(db, live_ids)}
    markers = repo.withdrawn_markers(db, [r[0] for r in page if r[2]]) if modified_after else {}
    items = [offers.get(r[0]) or markers.get(r[0]) for r in page]
    next_cursor = None
    if more and page:
        last = page[-1]
        position = [last[1].isoformat(), last[0]] if modified_after else [last[0]]
        next_cursor = encode_cursor(settings.cursor_key, position, query)
    return {"items": [i for i in items if i is not None], "next_cursor": next_cursor}


@router.get("/offers/{offer_id}", response_model=OfferOut, summary="Une offre avec ses sessions")
def get_offer(offer_id: Id, db: ReadDB, response: Response,
              _: Annotated[Principal | None, Depends(PUBLIC)]) -> OfferOut:
    out = service.get_offer(db, offer_id)
    row = repo.offer_by_id(db, offer_id)
    response.headers["ETag"] = service.offer_etag(row)
    return out


@router.get("/sessions/{session_id}", response_model=SessionOut, summary="Une session (avec l'id de son offre)")
def get_session(session_id: Id, db: ReadDB, response: Response,
                _: Annotated[Principal | None, Depends(PUBLIC)]) -> SessionOut:
    out, row = service.get_session(db, session_id)
    response.headers["ETag"] = service.session_etag(row)
    return out


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
    if not principal.may_write_source(source):
        raise Forbidden(f"Cette clé ne peut pas publier d'offres pour la source « {source} ».")
    existing = repo.offer_by_key(db, source, external_id)
    if existing is not None:
        check_if_match(if_match, service.offer_etag(existing), "L'offre")
    result = service.upsert_offer(db, source, external_id, body)
    if result.created:
        response.status_code = 201
    response.headers["ETag"] = service.offer_etag(repo.offer_by_id(db, result.offer_id))
    return service.get_offer(db, result.offer_id)


@router.delete("/offers/{source}/{external_id}", status_code=204, summary="Retirer une offre (gardée pour l'historique)")
def delete_offer(
    source: SourcePath,
    external_id: ExternalIdPath,
    db: WriteDB,
    principal: Annotated[Principal, Depends(WRITERS)],
) -> Response:
    if not principal.may_write_source(source):
        raise Forbidden(f"Cette clé ne peut pas retirer d'offres de la source « {source} ».")
    if not service.withdraw_offer(db, source, external_id):
        raise NotFound(f"Aucune offre {source}/{external_id}.")
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
    row = service.update_places(db, session_id, body, principal, if_match)
    response.headers["ETag"] = service.session_etag(row)
    return repo.session_out(row)
