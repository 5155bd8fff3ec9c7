"""Liveness, readiness and metrics."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field

from app.catalogue import repository as repo
from app.core.problems import ServiceUnavailable, Unauthorized

router = APIRouter(tags=["operations"])


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str = Field(description="ok | degraded (search index lagging or last push failed)")
    database: str
    matching: str = Field(default="ok", description="ok (this worker's matching snapshot is built)")
    search: str = Field(description="ok | degraded")
    search_engine: str | None = Field(default=None, description="embedded | meilisearch")
    search_lag: int | None = Field(default=None, description="Catalogue changes not in the search index yet")
    search_detail: str | None = None
    leader: str | None = Field(default=None, description="`host:pid` of the process running the once-per-deployment "
                               "tasks (Meilisearch indexer, prescription expiry); null when none runs them")


@router.get("/healthz", response_model=Health, summary="Le processus répond")
def healthz() -> dict:
    return {"status": "ok"}


def warmed(app: FastAPI) -> bool:
    """This worker's start-up structures are built (app/core/warmup.py): the matching snapshot, and
    the embedded search index when that engine is used."""
    return app.state.snapshots.ready and app.state.search.ready


@router.get("/readyz", response_model=Readiness, summary="Base de données et moteur de recherche joignables",
            responses={503: {"description": "Not ready (problem+json): database or search engine down, or this "
                                            "worker still building its matching snapshot or search index"}})
def readyz(request: Request) -> dict:
    try:
        with request.app.state.database.session() as db:
            repo.ping(db)
            search = request.app.state.search.status(db)
            leader = request.app.state.leadership.holder(db)
    except Exception:
        raise ServiceUnavailable("La base de données ne répond pas.", extra={"database": "down"}) from None
    engine = request.app.state.search.engine_name
    if search.state == "down":  # CONTRACT § Operations: search engine unreachable → 503
        raise ServiceUnavailable(search.detail or "Le moteur de recherche ne répond pas.",
                                 extra={"database": "ok", "search": "down", "search_engine": engine})
    app = request.app
    if not warmed(app):  # a worker answering now would make its first users wait for the build
        raise ServiceUnavailable(
            "Ce processus construit encore son index de recherche ou son instantané de correspondance.",
            slug="warming-up", headers={"Retry-After": "1"},
            extra={"database": "ok", "matching": "ok" if app.state.snapshots.ready else "building",
                   "search": "ok" if app.state.search.ready else "building", "search_engine": engine})
    return {"status": "ok" if search.state == "ok" else "degraded", "database": "ok", "matching": "ok",
            "search": search.state,
            "search_engine": engine, "search_lag": search.lag, "search_detail": search.detail, "leader": leader}


@router.get("/metrics", summary="Métriques Prometheus", response_class=Response,
            responses={200: {"content": {"text/plain": {}}}})
def metrics(request: Request) -> Response:
    token = request.app.state.settings.metrics_token
    if token:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
            raise Unauthorized("Jeton de métriques requis : « Authorization: Bearer <METRICS_TOKEN> ».",
                               headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
