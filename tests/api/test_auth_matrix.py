"""Every route × no key / wrong key / each role, generated from the app's route table, so a new
route cannot escape it."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from app.api.deps import Access
from app.main import create_app
from app.reference.roles import Role
from tests.conftest import make_settings

OPEN_ROUTES = {"/healthz", "/readyz", "/metrics", "/", "/openapi.json"}
SYNC_SOURCE = "carif-idf"
SIRET = "13002526500013"


def access_of(route: APIRoute) -> Access | None:
    found = [d.call for d in route.dependant.dependencies if isinstance(d.call, Access)]
    for d in route.dependant.dependencies:
        found += [sub.call for sub in d.dependencies if isinstance(sub.call, Access)]
    assert len(found) <= 1, f"{route.path} declares several access rules"
    return found[0] if found else None


def _walk(routes):
    for r in routes:
        if isinstance(r, APIRoute):
            yield r
        elif hasattr(r, "original_router"):  # FastAPI ≥ 0.16x keeps included routers nested
            yield from _walk(r.original_router.routes)


def api_routes(app) -> list[tuple[str, str, APIRoute]]:
    out = [(m, r.path, r) for r in _walk(app.routes) for m in sorted(r.methods - {"HEAD"})]
    assert out, "no route found: has FastAPI changed how it stores routes?"
    return out


def fill_path(path: str, role: str | None) -> str:
    source = {"sync": SYNC_SOURCE, "provider": f"of-{SIRET}"}.get(role or "", "carif-idf")
    path = path.replace("{source}", source).replace("{name}", "levels")
    return re.sub(r"\{[a-z_]+\}", "1", path)


@pytest.fixture(scope="module")
def matrix_app(database_url):
    app = create_app(make_settings(database_url))
    with TestClient(app, raise_server_exceptions=False) as client:
        keys = {}
        from app.auth.keys import create_key

        with app.state.database.session(write=True) as db:
            for role in Role:
                scope = {"source": SYNC_SOURCE} if role is Role.SYNC else {"siret": SIRET} if role is Role.PROVIDER else {}
                keys[role.value] = create_key(db, role=role, name=f"matrix {role.value}", **scope)[1]
        yield app, client, keys


def test_every_v1_route_declares_access(matrix_app):
    app, _, _ = matrix_app
    for method, path, route in api_routes(app):
        if path in OPEN_ROUTES:
            continue
        assert access_of(route) is not None, f"{method} {path} has no Access rule"


def test_matrix(matrix_app):
    app, client, keys = matrix_app
    checked = 0
    for method, path, route in api_routes(app):
        access = access_of(route)
        if access is None:
            continue
        cases = {"none": None, "wrong": "pfle_deadbeef_" + "x" * 43, **keys}
        for who, key in cases.items():
            headers = {"Authorization": f"Bearer {key}"} if key else {}
            url = fill_path(path, who if who in keys else None)
            r = client.request(method, url, headers=headers, json={} if method in {"POST", "PUT", "PATCH"} else None)
            assert r.headers["content-type"].split(";")[0] in {"application/json", "application/problem+json",
                                                               "text/csv", "text/html"} or r.status_code == 204, url
            label = f"{method} {path} as {who}: {r.status_code} {r.text[:200]}"
            if who == "wrong":
                assert r.status_code == 401, label
            elif who == "none":
                assert r.status_code == (401 if not access.public else r.status_code), label
                if access.public:
                    assert r.status_code not in (401, 403), label
            elif access.public or Role(who) in access.roles:
                assert r.status_code not in (401, 403), label
            else:
                assert r.status_code == 403, label
            if r.status_code >= 400:
                assert r.headers["content-type"].startswith("application/problem+json"), label
            checked += 1
    with_access = [r for _, _, r in api_routes(app) if access_of(r) is not None]
    assert with_access and checked == len(with_access) * (2 + len(keys))


def test_private_catalogue_needs_a_key(database_url):
    app = create_app(make_settings(database_url, public_catalogue=False))
    with TestClient(app, raise_server_exceptions=False) as client:
        for method, path, route in api_routes(app):
            access = access_of(route)
            if access is not None and access.public:
                r = client.request(method, fill_path(path, None))
                assert r.status_code == 401, f"{method} {path}"


def test_revoked_key_is_refused_at_once(api):
    from app.auth.keys import revoke_key

    key = api.key("adviser", organisation="revocation test")
    assert api.get("/v1/offers", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    with api.app.state.database.session(write=True) as db:
        revoke_key(db, key.split("_")[1])
    assert api.get("/v1/offers", headers={"Authorization": f"Bearer {key}"}).status_code == 401
