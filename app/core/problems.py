"""Business errors carry their HTTP status and become RFC 9457 problem+json in the API layer."""

from __future__ import annotations

from typing import Any

PROBLEM_BASE = "https://parcours-fle.beta.gouv.fr/problems/"


class Problem(Exception):
    status: int = 400
    title: str = "Requête invalide"
    slug: str = "bad-request"

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


class BadRequest(Problem):
    status, title, slug = 400, "Requête invalide", "bad-request"


class Unauthorized(Problem):
    status, title, slug = 401, "Authentification requise", "unauthorized"


class Forbidden(Problem):
    status, title, slug = 403, "Accès refusé", "forbidden"


class NotFound(Problem):
    status, title, slug = 404, "Introuvable", "not-found"


class Conflict(Problem):
    status, title, slug = 409, "Conflit", "conflict"


class PreconditionFailed(Problem):
    status, title, slug = 412, "Version périmée", "precondition-failed"


class PayloadTooLarge(Problem):
    status, title, slug = 413, "Requête trop volumineuse", "payload-too-large"


class Unprocessable(Problem):
    status, title, slug = 422, "Données invalides", "validation-error"

    @classmethod
    def at(cls, loc: list[str | int] | tuple, msg: str) -> Unprocessable:
        """One invalid field: `loc` names it as FastAPI does (e.g. ["body", "sessions", 0, "location"])."""
        return cls(msg, errors=[{"loc": list(loc), "msg": msg}])


class ServiceUnavailable(Problem):
    status, title, slug = 503, "Service indisponible", "unavailable"
