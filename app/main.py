"""The application factory."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager, suppress

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app.api import catalogue, match, ops, ratelimit, reference, search
from app.api import imports as imports_api
from app.api import indicators as indicators_api
from app.api import prescriptions as prescriptions_api
from app.api.db_errors import install_database_errors
from app.api.errors import install_error_handlers
from app.api.inputguard import InputGuardMiddleware
from app.api.observability import Metrics, RequestContextMiddleware, configure_logging
from app.api.openapi_doc import install_openapi
from app.core.db import Database
from app.core.heap import HeapSettler
from app.core.leader import Leadership
from app.core.settings import Settings
from app.core.warmup import Warmup
from app.matching.store import SnapshotStore
from app.prescriptions.expiry import expiry_loop
from app.reference.tension import load_tension
from app.search.service import SearchService
from app.web import page

API_DESCRIPTION = """Catalogue, matching et prescription directe des formations de français
(FLE à visée professionnelle, alphabétisation, CIR…) pour les conseillers France Travail, missions
locales et OFII. Voir CONTRACT.md."""


@asynccontextmanager
async def _lifespan(app: FastAPI):
    """Background work of a server process: search index, snapshot warm-up, heap settling, expiry."""
    settings, database, leadership = app.state.settings, app.state.database, app.state.leadership
    if settings.meili_url or settings.expire_interval_seconds > 0:  # work to do once per deployment
        leadership.start()
    app.state.search.start()
    warmup = Warmup()  # /readyz answers 503 until these are built (app/api/ops.py)
    warmup.start("search-build", app.state.search.build)
    warmup.start("snapshot-warm", lambda: app.state.snapshots.warm(database))
    settler = HeapSettler(lambda: ops.warmed(app))  # keeps GC pauses off the long-lived heap (app/core/heap.py)
    settler.start()
    expiry = (asyncio.create_task(expiry_loop(database, settings.expire_interval_seconds,
                                              leads=lambda: leadership.is_leader))
              if settings.expire_interval_seconds > 0 else None)
    yield
    if expiry is not None:
        expiry.cancel()
        with suppress(asyncio.CancelledError):
            await expiry
    warmup.stop()
    settler.stop()
    app.state.search.stop()
    leadership.stop()
    app.state.limiter.close()
    database.dispose()


def _add_middleware(app: FastAPI, settings: Settings) -> None:
    """Added innermost first."""
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["*"],
                           allow_headers=["Authorization", "Content-Type", "If-Match", "Idempotency-Key"])
    app.add_middleware(InputGuardMiddleware)  # NUL and invalid UTF-8 (inside: its answers get the headers)
    app.add_middleware(RequestContextMiddleware, metrics=app.state.metrics, max_body=settings.max_body_bytes,
                       max_import_body=settings.max_import_bytes)
    if settings.trusted_proxies:  # outermost: client address and scheme as the trusted proxy saw them
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(settings.log_level)
    database = Database(settings.database_url)
    app = FastAPI(title="Parcours FLE", version="1.0.0", description=API_DESCRIPTION, lifespan=_lifespan,
                  dependencies=[Depends(ratelimit.rate_limit)])
    app.state.settings = settings
    app.state.database = database
    app.state.metrics = Metrics()
    app.state.tension = load_tension(settings.tension_csv)
    app.state.snapshots = SnapshotStore()
    app.state.leadership = Leadership(settings.database_url)  # app/core/leader.py: what runs once
    app.state.search = SearchService(settings, database, leadership=app.state.leadership)

    install_error_handlers(app)
    install_database_errors(app)
    install_openapi(app)
    for router in (ops.router, reference.router, catalogue.router, imports_api.router, search.router, match.router,
                   prescriptions_api.router, indicators_api.router, page.router):
        app.include_router(router)
    ratelimit.install(app, settings)
    _add_middleware(app, settings)
    return app
