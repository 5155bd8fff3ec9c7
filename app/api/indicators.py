"""Indicators (CONTRACT § Indicators): JSON or CSV for the monthly dashboard and quarterly report."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from app.api.deps import ADVISERS, ReadDB
from app.auth.keys import Principal
from app.core.clock import paris_today
from app.indicators import service
from app.indicators.csv_export import to_csv
from app.indicators.schemas import GroupBy, IndicatorsOut
from app.reference.publics import Public

router = APIRouter(prefix="/v1", tags=["indicators"])

MONTH = r"^(19|20|21)\d{2}-(0[1-9]|1[0-2])$"  # years 1900-2199: a month of year 0 or 9999 has no
# neighbour month (datetime cannot hold year 0 or 10000): a 500 before (found by contract fuzzing)


@router.get(
    "/indicators", response_model=IndicatorsOut,
    summary="Indicateurs mensuels et cumulés (tableau de bord, rapport métiers en tension)",
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}},
                     "description": "JSON, ou CSV (`;`, UTF-8 avec BOM, ligne d'en-tête) avec format=csv "
                                    "ou Accept: text/csv"}},
)
def get_indicators(
    request: Request,
    db: ReadDB,
    _: Annotated[Principal, Depends(ADVISERS)],
    from_: Annotated[str | None, Query(alias="from", pattern=MONTH, description="Premier mois (défaut : janvier)")] = None,
    to: Annotated[str | None, Query(pattern=MONTH, description="Dernier mois (défaut : le mois en cours)")] = None,
    region: Annotated[str | None, Query(pattern=r"^\d{2}$", description="Code INSEE de région de la session")] = None,
    departement: Annotated[str | None, Query(pattern=r"^(\d{2,3}|2[AB])$")] = None,
    public: Annotated[Public | None, Query(description="Ne compter que ce public (ex. cir_signatory)")] = None,
    group_by: GroupBy = GroupBy.month,
    format: Annotated[Literal["json", "csv"] | None, Query(description="csv : même contenu en CSV")] = None,
) -> Response:
    q = service.query_of(start=from_, end=to, today=paris_today(), region=region, departement=departement,
                         public=public, group_by=group_by)
    tension = request.app.state.tension
    rows = service.compute(db, q, tension)
    wants_csv = format == "csv" or (format is None and "text/csv" in request.headers.get("accept", ""))
    if wants_csv:
        name = f"indicateurs-{q.start}-{q.end}-{group_by.value}.csv"
        return Response(to_csv(service.columns(group_by), rows), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return JSONResponse({"items": rows, "meta": service.meta_of(q, tension)})
