"""Liveness, readiness and metrics."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

from app.catalogue import repository as repo
from app.problems import ServiceUnavailable, Unauthorized

router = APIRouter(tags=["operations"])


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    database: str
    search: str


@router.get("/healthz", response_model=Health, summary="Le processus répond")
def healthz() -> dict:
    return {"status": "ok"}


@router.get("/readyz", response_model=Readiness, summary="Base de données et moteur de recherche joignables",
            responses={503: {"description": "Not ready (problem+json)"}})
def readyz(request: Request) -> dict:
    try:
        with request.app.state.db.session() as s:
            repo.ping(s)
    except Exception:
        raise ServiceUnavailable("La base de données ne répond pas.", extra={"database": "down"}) from None
    search_status = "embedded"
    return {"status": "ok", "database": "ok", "search": search_status}


@router.get("/metrics", summary="Métriques Prometheus", response_class=Response,
            responses={200: {"content": {"text/plain": {}}}})
def metrics(request: Request) -> Response:
    token = request.app.state.settings.metrics_token
    if token:
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            raise Unauthorized("Jeton de métriques requis.")
    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
