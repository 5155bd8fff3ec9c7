"""Business errors carry their HTTP status and become RFC 9457 problem+json in the API layer."""

from __future__ import annotations

from typing import Any

PROBLEM_BASE = "https://parcours-fle.beta.gouv.fr/problems/"


TITLES = {  # the problem+json `title` of each status the app answers with
    400: "Requête invalide",
    401: "Authentification requise",
    403: "Accès refusé",
    404: "Introuvable",
    405: "Méthode non autorisée",
    406: "Format non disponible",
    409: "Conflit",
    412: "Version périmée",
    413: "Requête trop volumineuse",
    415: "Type de contenu non pris en charge",
    422: "Données invalides",
    429: "Trop de requêtes",
    500: "Erreur interne",
    503: "Service indisponible",
    507: "Stockage insuffisant",
}


class Problem(Exception):
    """An error the client is told about. Each kind is a subclass naming its status and slug, e.g.
    `class NotFound(Problem, status=404, slug="not-found")`; its title is the status's (`TITLES`)."""

    status: int = 400
    title: str = TITLES[400]
    slug: str = "bad-request"

    def __init_subclass__(cls, *, status: int | None = None, slug: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if status is not None:
            cls.status, cls.title = status, TITLES[status]
        if slug is not None:
            cls.slug = slug

    def __init__(
        self,
        detail: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        slug: str | None = None,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra or {}
        if slug:
            self.slug = slug
        if title:
            self.title = title

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": PROBLEM_BASE + self.slug,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if self.errors is not None:
            out["errors"] = self.errors
        out.update(self.extra)
        return out


class BadRequest(Problem, status=400, slug="bad-request"):
    """A request that cannot be served as sent (a forged cursor, a document that is not LHÉO)."""


class Unauthorized(Problem, status=401, slug="unauthorized"):
    """No key, or a key that is unknown or revoked."""


class Forbidden(Problem, status=403, slug="forbidden"):
    """A key whose role, source or organisation does not allow this."""


class NotFound(Problem, status=404, slug="not-found"):
    """No such record, or not one the caller may see (the same answer: nothing leaks)."""


class Conflict(Problem, status=409, slug="conflict"):
    """The record's state forbids the change (a full session, a transition not allowed…)."""


class PreconditionFailed(Problem, status=412, slug="precondition-failed"):
    """`If-Match` names a version that is no longer the current one."""


class PayloadTooLarge(Problem, status=413, slug="payload-too-large"):
    """A body over its limit."""


class Unprocessable(Problem, status=422, slug="validation-error"):
    """Invalid data; `errors` names each field."""

    @classmethod
    def at(cls, loc: list[str | int] | tuple, msg: str) -> Unprocessable:
        """One invalid field: `loc` names it as FastAPI does (e.g. ["body", "sessions", 0, "location"])."""
        return cls(msg, errors=[{"loc": list(loc), "msg": msg}])


class ServiceUnavailable(Problem, status=503, slug="unavailable"):
    """Something the answer needs (the database, the search engine) does not respond: retry."""
