"""Feed imports (CONTRACT § Catalogue, `POST /v1/imports/lheo`), their records, and offers' raw source.

The body is streamed to a spooled temporary file (never held whole in memory), then the import —
sync, CPU-bound — runs in a worker thread so the event loop keeps serving."""

from __future__ import annotations

import logging
import tempfile
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from app.api.deps import ADMINS, Access, ReadDB, SettingsDep
from app.api.params import Id
from app.auth.keys import Principal
from app.catalogue.schemas import SOURCE_PATTERN
from app.core.problems import BadRequest, PayloadTooLarge, ServiceUnavailable
from app.imports import access
from app.imports.lheo.reader import LheoDocumentError
from app.imports.lheo.workers import MappingWorkerError
from app.imports.report import Actor, ImportReport
from app.imports.schemas import ImportReportOut, ImportRunOut, ImportRunPage, OfferSourceOut
from app.imports.service import run_import
from app.reference.roles import Role

log = logging.getLogger("parcours_fle.imports")
router = APIRouter(prefix="/v1", tags=["imports"])

IMPORTERS = Access(Role.SYNC, Role.ADMIN)
SPOOL_IN_MEMORY = 8 * 1024 * 1024  # bytes of a body kept in memory before the spool goes to disk
_PROBLEM = {"content": {"application/problem+json": {}}}


def _document_problem(exc: LheoDocumentError, max_bytes: int) -> BadRequest | PayloadTooLarge:
    extra: dict[str, Any] = {"code": exc.code, "import_id": getattr(exc, "import_id", None)}
    if exc.line is not None:
        extra["line"] = exc.line
    if exc.code == "too_large":
        return PayloadTooLarge(f"{exc.message_fr} (décompressé ; limite {max_bytes} octets)", extra=extra)
    return BadRequest(f"{exc.message_fr} Le catalogue n'a pas été modifié.", slug=f"lheo-{exc.code.replace('_', '-')}",
                      title="Document LHÉO refusé", errors=[{"loc": ["body"], "msg": exc.message_fr}], extra=extra)


@router.post(
    "/imports/lheo",
    response_model=ImportReportOut,
    summary="Importer un flux LHÉO 2.2 ou 2.3 (tout ou rien)",
    description=(
        "Corps : le document XML LHÉO (`application/xml`, éventuellement compressé en gzip), jusqu'à "
        "`MAX_IMPORT_BYTES` (200 Mo par défaut). Les actions FLE sont créées ou mises à jour sur (source, numéro "
        "d'action) ; un contenu inchangé n'écrit rien. `mode=full` retire les offres de la source absentes du "
        "flux ; `dry_run=true` rend le même rapport sans rien écrire. Un document mal formé, tronqué, hostile ou "
        "qui n'est pas du LHÉO → 400, catalogue inchangé. Un flux de 8 Mo ou plus est analysé par des processus "
        "de travail (`IMPORT_WORKERS`), avec le même résultat ; si l'un d'eux est interrompu → 503, catalogue "
        "inchangé. Voir docs/imports.md."),
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/xml": {"schema": {"type": "string", "format": "binary"}},
        "application/gzip": {"schema": {"type": "string", "format": "binary"}}}}},
    responses={400: {"description": "Document not importable (nothing changed)", **_PROBLEM},
               403: {"description": "Key not allowed to write this source", **_PROBLEM},
               409: {"description": "Another import of this source is running", **_PROBLEM},
               413: {"description": "Document too large", **_PROBLEM},
               503: {"description": "Database unreachable, or a mapping worker process was interrupted: "
                                    "nothing changed, send again (Retry-After when the database is down)",
                     **_PROBLEM}},
)
async def import_lheo(
    request: Request,
    settings: SettingsDep,
    principal: Annotated[Principal, Depends(IMPORTERS)],
    source: Annotated[str, Query(pattern=SOURCE_PATTERN, description="Source written, e.g. carif-idf")],
    mode: Annotated[Literal["full", "delta"], Query(description="full: withdraw the offers absent from the feed")] = "delta",
    dry_run: Annotated[bool, Query(description="Report without writing")] = False,
    recheck: Annotated[bool, Query(description="Map every action again, even unchanged ones "
                                               "(all warnings are then reported)")] = False,
) -> Response:
    access.check_may_import(principal, source)
    max_bytes = settings.max_import_bytes * 5  # after gunzip: a compressed body may expand this much
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY, prefix="parcours-import-") as spool:
        async for chunk in request.stream():
            spool.write(chunk)
        spool.seek(0)
        try:
            report: ImportReport = await run_in_threadpool(
                run_import, request.app.state.database, spool, source=source, actor=Actor.of(principal), mode=mode,
                dry_run=dry_run, max_bytes=max_bytes, recheck=recheck, workers=settings.import_workers)
        except LheoDocumentError as exc:
            raise _document_problem(exc, max_bytes) from None
        except MappingWorkerError:
            log.exception("LHÉO import: a mapping worker failed")
            raise ServiceUnavailable(
                "L'analyse du flux a été interrompue (processus de travail arrêté) : le catalogue n'a pas été "
                "modifié, renvoyez le flux.", slug="import-interrupted") from None
    return JSONResponse(report.as_dict())


@router.get("/imports", response_model=ImportRunPage, summary="Imports passés et en cours (les plus récents d'abord)")
def list_imports(
    db: ReadDB,
    settings: SettingsDep,
    _: Annotated[Principal, Depends(ADMINS)],
    source: Annotated[str | None, Query(pattern=SOURCE_PATTERN)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=1024)] = None,
) -> ImportRunPage:
    page = access.runs_page(db, settings.cursor_key, source=source, cursor=cursor, limit=limit)
    return ImportRunPage(items=[ImportRunOut.of(r) for r in page.items], next_cursor=page.next_cursor)


@router.get("/imports/{import_id}", response_model=ImportRunOut, summary="Un import : qui, quand, quoi, résultat")
def get_import(import_id: Id, db: ReadDB, _: Annotated[Principal, Depends(ADMINS)]) -> ImportRunOut:
    return ImportRunOut.of(access.run(db, import_id))


@router.get(
    "/offers/{offer_id}/source",
    response_model=OfferSourceOut,
    summary="Fragment source d'une offre importée (administrateur, ou clé sync de sa source)",
    description="JSON par défaut ; le XML tel quel avec `Accept: application/xml`.",
    responses={200: {"content": {"application/xml": {"schema": {"type": "string"}}}}},
)
def offer_source(
    offer_id: Id,
    request: Request,
    db: ReadDB,
    principal: Annotated[Principal, Depends(IMPORTERS)],
) -> Response | OfferSourceOut:
    row = access.raw_source_for(db, principal, offer_id)
    accept = request.headers.get("accept", "")
    if "xml" in accept and "json" not in accept:
        return Response(row.raw, media_type="application/xml; charset=utf-8")
    return OfferSourceOut(offer_id=row.offer_id, source=row.source, external_id=row.external_id, format=row.format,
                          raw=row.raw)
