"""What every route needs: a unit of work, the caller, and who may call it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from app.auth.keys import Principal, principal_of, verify_key
from app.core.db import Database
from app.core.problems import Forbidden, Unauthorized
from app.core.settings import Settings
from app.reference.roles import Role

_AUTH_HEADERS = {"WWW-Authenticate": 'Bearer realm="parcours-fle"'}
_UNREAD = object()  # request.state.principal before the key is read (None is "no key")


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_database(request: Request) -> Database:
    return request.app.state.database


def read_db(request: Request) -> Iterator[Session]:
    with request.app.state.database.session() as db:
        yield db


def write_db(request: Request) -> Iterator[Session]:
    with request.app.state.database.session(write=True) as db:
        yield db


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("En-tête Authorization attendu : « Bearer <clé> ».", headers=_AUTH_HEADERS)
    return token.strip()


def caller(request: Request) -> Principal | None:
    """The caller, or None when no key was sent. A wrong or revoked key is a 401. Read once per
    request (the rate limiter asks first, then the route's `Access`)."""
    known = getattr(request.state, "principal", _UNREAD)
    if known is not _UNREAD:
        return known
    token = _bearer(request)
    principal = None
    if token is not None:
        with request.app.state.database.session() as db:
            row = verify_key(db, token)
            if row is None:
                raise Unauthorized("Clé d'API inconnue ou révoquée.", headers=_AUTH_HEADERS)
            principal = principal_of(row)
    request.state.principal = principal
    return principal


class Access:
    """A route's access rule, declared once on the route and read by the auth matrix test.

    `roles`: who may call. `public`: anyone may read without a key (unless PUBLIC_CATALOGUE=false,
    then any valid key may)."""

    def __init__(self, *roles: Role, public: bool = False) -> None:
        self.roles = frozenset(roles)
        self.public = public

    def __call__(self, request: Request) -> Principal | None:
        principal = caller(request)
        if self.public:
            if principal is None and not request.app.state.settings.public_catalogue:
                raise Unauthorized("Le catalogue n'est pas public : une clé d'API est requise.",
                                   headers=_AUTH_HEADERS)
            return principal
        if principal is None:
            raise Unauthorized("Clé d'API requise.", headers=_AUTH_HEADERS)
        if principal.role not in self.roles:
            raise Forbidden(f"Le rôle « {principal.role.value} » ne permet pas cette action.")
        return principal


PUBLIC = Access(public=True)
WRITERS = Access(Role.SYNC, Role.PROVIDER, Role.ADMIN)
ADVISERS = Access(Role.ADVISER, Role.ADMIN)
ADMINS = Access(Role.ADMIN)

# scope="function": the unit of work ends (commits) when the route returns, before the response is
# sent — a client that has the answer of a write can read it back, and search finds it, at once.
ReadDB = Annotated[Session, Depends(read_db, scope="function")]
WriteDB = Annotated[Session, Depends(write_db, scope="function")]
DatabaseDep = Annotated[Database, Depends(get_database)]  # routes that open their own unit of work
SettingsDep = Annotated[Settings, Depends(get_settings)]
