"""The OpenAPI document says what the app really answers: errors as problem+json, and who may call.

FastAPI documents a 422 as its own `HTTPValidationError` (`application/json`, `detail` a list),
which is not what the app sends (`app/api/errors.py`: RFC 9457 problem+json, `detail` a sentence,
`errors[{loc,msg}]`). Contract fuzzing (`tests/fuzz/`) validates every answer against this
document, so it must be exact. This post-processing step, run once when the schema is built:

- declares the `Problem` schema and uses it for every error response (the 422 included);
- adds to each operation the errors every route of its kind can give: 401 when it reads a key,
  403 when it is restricted to some roles, 404 when its path names a record, 413 when it takes a
  body, 503 for all (database or search engine unreachable), 507 for writes (disk full), and a
  `4XX` catch-all (405, 429…);
- declares the bearer key scheme, and on each operation whether a key is needed (public catalogue
  reads: optional), read from the route's `Access` rule.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from app.api.deps import Access
from app.api.errors import PROBLEM_JSON

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Problem",
    "description": "RFC 9457 problem details. Some problems add fields (e.g. `code`).",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": "URI naming the kind of problem"},
        "title": {"type": "string", "description": "Short French title"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string", "description": "French sentence for a person"},
        "errors": {
            "type": "array",
            "description": "Validation errors, one per invalid field",
            "items": {
                "type": "object",
                "required": ["loc", "msg"],
                "properties": {
                    "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
                    "msg": {"type": "string"},
                },
            },
        },
    },
    "additionalProperties": True,
}

NO_DATABASE = {"/healthz", "/metrics"}  # answer without the database: no 503
_GENERIC = {
    "401": "Clé d'API absente, inconnue ou révoquée",
    "403": "Le rôle ou la portée de la clé ne permet pas cette action",
    "404": "Aucune ressource à cette adresse",
    "413": "Corps de requête trop volumineux",
    "422": "Données invalides (`errors` nomme chaque champ)",
    "503": "Base de données ou moteur de recherche injoignable : réessayer (Retry-After)",
    "507": "Espace disque plein côté serveur : rien n'a été enregistré",
    "4XX": "Autre erreur du client (méthode, trop de requêtes…)",
}
BEARER = "bearerKey"


def access_of(route: APIRoute) -> Access | None:
    """The route's `Access` rule (declared directly or one level down), or None for open routes."""
    for d in route.dependant.dependencies:
        if isinstance(d.call, Access):
            return d.call
        for sub in d.dependencies:
            if isinstance(sub.call, Access):
                return sub.call
    return None


def api_routes(routes):
    """Every API route, those of included routers too."""
    for r in routes:
        if isinstance(r, APIRoute):
            yield r
        elif hasattr(r, "original_router"):
            yield from api_routes(r.original_router.routes)


def _problem_content() -> dict[str, Any]:
    return {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}


def _problem_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": _problem_content()}


def _order(code: str) -> tuple[int, str]:
    return (int(code), "") if code.isdigit() else (int(code[0]) * 100 + 99, code)


def document_errors(app: FastAPI, schema: dict[str, Any]) -> dict[str, Any]:
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    components.setdefault("securitySchemes", {})[BEARER] = {
        "type": "http", "scheme": "bearer",
        "description": "Clé d'API `pfle_…` (parcours-fle keys create) : `Authorization: Bearer <clé>`"}
    access = {(m.lower(), r.path_format): access_of(r) for r in api_routes(app.routes) for m in r.methods}
    for path, item in schema.get("paths", {}).items():
        for method, op in item.items():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            rule = access.get((method, path))
            responses = op["responses"]
            for code, resp in list(responses.items()):
                content = resp.get("content") or {}
                if code == "422" or PROBLEM_JSON in content or (code[0] in "45" and not content):
                    responses[code] = {**resp, "content": _problem_content()}
            wanted = ["4XX"] if path in NO_DATABASE else ["503", "4XX"]
            if rule is not None:
                wanted.append("401")
                op["security"] = [{}, {BEARER: []}] if rule.public else [{BEARER: []}]
                if not rule.public:
                    wanted.append("403")
            if "{" in path:
                wanted.append("404")
            if "requestBody" in op:
                wanted += ["413", "422"]
            if method in ("post", "put", "patch", "delete"):
                wanted.append("507")
            for code in wanted:
                responses.setdefault(code, _problem_response(_GENERIC[code]))
            op["responses"] = {code: responses[code] for code in sorted(responses, key=_order)}
    if not _uses(schema, "#/components/schemas/HTTPValidationError"):
        schemas.pop("HTTPValidationError", None)
        if not _uses(schema, "#/components/schemas/ValidationError"):
            schemas.pop("ValidationError", None)
    return schema


def _uses(node: Any, ref: str) -> bool:
    if isinstance(node, dict):
        return node.get("$ref") == ref or any(_uses(v, ref) for v in node.values())
    if isinstance(node, list):
        return any(_uses(v, ref) for v in node)
    return False


def install_openapi(app: FastAPI) -> None:
    """Wrap `app.openapi` so the generated document (and `/openapi.json`) carries the above."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_errors(app, build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
