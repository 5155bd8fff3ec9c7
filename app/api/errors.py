"""Every error leaves as application/problem+json (RFC 9457), FastAPI's own included."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.core.problems import PROBLEM_BASE, TITLES, Problem

log = logging.getLogger("parcours_fle.errors")

PROBLEM_JSON = "application/problem+json"



def problem_response(status: int, detail: str, *, slug: str | None = None, errors: list | None = None,
                     headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"type": PROBLEM_BASE + (slug or str(status)), "title": TITLES.get(status, "Erreur"),
            "status": status, "detail": detail}
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _clean_loc(loc) -> list:
    return [x for x in loc if not (isinstance(x, str) and x.startswith("function-after"))]


def _validation_errors(exc: RequestValidationError) -> list[dict]:
    out = []
    for err in exc.errors():
        msg = err.get("msg", "invalide")
        if err.get("type") == "json_invalid":
            msg = "JSON mal formé"
        out.append({"loc": _clean_loc(err.get("loc", [])), "msg": msg})
    return out


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(_: Request, exc: Problem) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status, media_type=PROBLEM_JSON, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _validation_errors(exc)
        fields = ", ".join(".".join(str(x) for x in e["loc"]) for e in errors[:5])
        return problem_response(422, f"Champ(s) invalide(s) : {fields}", slug="validation-error", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else TITLES.get(exc.status_code, "Erreur")
        if exc.status_code == 404 and detail == "Not Found":
            detail = "Aucune ressource à cette adresse."
        if exc.status_code == 405:
            detail = "Méthode non autorisée sur cette adresse."
        if exc.status_code == 400 and detail == "There was an error parsing the body":
            # FastAPI's answer to a body json.loads gives up on: not UTF-8, nested deeper than
            # Python's recursion limit (a 100,000-deep [[[…), a number of more than 4,300 digits.
            detail = "Corps de requête illisible : JSON pas en UTF-8, trop imbriqué ou nombre trop long."
            return problem_response(400, detail, slug="unreadable-body", errors=[{"loc": ["body"], "msg": detail}])
        return problem_response(exc.status_code, detail, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", extra={"path": request.url.path})
        return problem_response(500, "Erreur interne : l'incident est journalisé.")
