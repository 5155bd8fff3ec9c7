"""Database failures become clean problems, never a 500 with a stack trace.

- The database cannot be reached, or dropped the connection (PostgreSQL restarted, network cut,
  SQLite locked beyond its 30 s busy timeout, connection pool exhausted): **503**
  `database-unavailable` with `Retry-After`. Nothing was committed (the unit of work rolled back);
  the client retries, with the same `Idempotency-Key` where the route takes one. The engine's
  `pool_pre_ping` replaces dead connections, so the app recovers by itself when the database is
  back — no restart.
- The disk is full (SQLite `database or disk is full`, PostgreSQL `53100 disk_full`): **507**
  `storage-full`. The transaction rolled back: nothing half-written; reads keep working.

Found by the fault tests (tests/faults/): both used to leave as a 500.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from app.api.errors import problem_response

log = logging.getLogger("parcours_fle.errors")

RETRY_AFTER_SECONDS = 2
_DISK_FULL = ("database or disk is full", "no space left on device", "could not extend file")


def is_disk_full(exc: BaseException) -> bool:
    orig = getattr(exc, "orig", None)
    if getattr(orig, "sqlstate", None) == "53100":  # PostgreSQL disk_full
        return True
    text = str(orig if orig is not None else exc).lower()
    return any(marker in text for marker in _DISK_FULL)


def is_unavailable(exc: BaseException) -> bool:
    """A failure of the database service, not of the request (those stay 500: a bug to fix)."""
    if isinstance(exc, (OperationalError, InterfaceError, PoolTimeoutError)):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def database_problem(exc: BaseException) -> JSONResponse:
    if is_disk_full(exc):
        log.error("database storage full: write refused (%s)", type(exc).__name__)
        return problem_response(507, "Espace disque plein côté serveur : rien n'a été enregistré. Les lectures "
                                     "restent possibles ; réessayez plus tard.", slug="storage-full",
                                headers={"Retry-After": "60"})
    log.warning("database unavailable (%s)", type(getattr(exc, "orig", None) or exc).__name__)
    return problem_response(503, "La base de données ne répond pas : rien n'a été enregistré, réessayez dans un "
                                 "instant.", slug="database-unavailable",
                            headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def install_database_errors(app: FastAPI) -> None:
    async def _database(request: Request, exc: Exception) -> JSONResponse:
        if isinstance(exc, (OperationalError, InterfaceError, PoolTimeoutError)) or is_unavailable(exc):
            return database_problem(exc)
        # Any other database error (an IntegrityError…) is a bug: the generic 500 handler logs it.
        log.exception("unhandled database error", extra={"path": request.url.path})
        return problem_response(500, "Erreur interne : l'incident est journalisé.")

    app.add_exception_handler(DBAPIError, _database)
    app.add_exception_handler(PoolTimeoutError, _database)
